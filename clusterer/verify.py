"""Exact verification of candidate pairs as an engine stage, for engines off this machine.

The matching loop (:func:`clusterer.candidates.verify_pairs`) asks for one comparison at
a time and decides from each answer which pair to ask next, so it stays on the client.
But :meth:`~clusterer.comparer.Comparer.compare` is a pure function of the two articles,
their fingerprints, the chrome model and the thresholds, so the comparisons can be made
ahead, in bulk, where an engine runs its stages: :class:`ShippedComparer` is told, before
each walk, which pairs may be asked (:meth:`ShippedComparer.prefetch`: the pairs that
pass the screen), cuts them into jobs of :data:`PAIRS_PER_JOB` pairs, each with the
articles and fingerprint rows of those pairs only (renumbered from 0), runs
:func:`compare_chunk` over the jobs on the engine (the model and thresholds are the
stage's shared state, sent once per worker), and keeps the answers. The walk then reads
them instead of comparing; a pair not fetched (a big bucket walked component by
component, a weak link weighed against another) is compared here, by the same code.

Answers do not depend on where they were computed, so the groups are byte-identical to
the local engine's; the price is comparing pairs the walk would have skipped (already
joined through another pair).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from clusterer.boilerplate import BoilerplateModel
from clusterer.candidates import Screen
from clusterer.comparer import Comparer
from clusterer.engine import Engine, return_free_memory
from clusterer.fingerprint import Fingerprints
from clusterer.match import MatchConfig
from clusterer.records import Article, Match
from clusterer.shingling import Packed

PAIRS_PER_JOB = 512  # pairs per task: at most 1,024 articles' texts and fingerprints


@dataclass(frozen=True)
class _Job:
    """A batch of pairs, numbered within the batch's own articles."""

    docs: list[Article]
    prints: Fingerprints
    pairs: list[tuple[int, int]]


def compare_chunk(state: tuple[BoilerplateModel, MatchConfig], job: _Job) -> list[Match]:
    """The stage: :meth:`Comparer.compare` of every pair of the job, in order."""
    model, config = state
    comparer = Comparer(job.docs, job.prints, model, config)
    return [comparer.compare(i, j) for i, j in job.pairs]


def rows_of(prints: Fingerprints, rows: np.ndarray) -> Fingerprints:
    """The fingerprints of articles ``rows`` (row k of the result is article
    ``rows[k]``), without the MinHash signatures, which comparing does not read."""
    empty = np.zeros((len(rows), 0), dtype=prints.body_sig.dtype)
    listed = rows.tolist()
    return Fingerprints(
        body=Packed.of([prints.body[r] for r in listed]),
        lead=Packed.of([]),
        title=Packed.of([prints.title[r] for r in listed]),
        head=Packed.of([prints.head[r] for r in listed]),
        title_only=[prints.title_only[r] for r in listed],
        digest=[prints.digest[r] for r in listed],
        length=[prints.length[r] for r in listed],
        body_sig=empty, lead_sig=empty, title_sig=empty,
    )


@dataclass
class ShippedComparer(Comparer):
    """A :class:`Comparer` whose comparisons are made ahead on ``engine``.

    Attributes:
        engine: Where :func:`compare_chunk` runs.
        known: Answers fetched and not yet read, by ordered pair.
        fetched: Pairs compared on the engine, in all (for figures).
    """

    engine: Engine | None = None
    known: dict[tuple[int, int], Match] = field(default_factory=dict)
    fetched: int = 0

    def prefetch(self, pairs: np.ndarray, screen: Screen | None = None) -> None:
        """Compare on the engine every pair of ``pairs`` (shape (k, 2)) that
        :func:`~clusterer.candidates.verify_pairs` may compare with ``screen`` (every
        pair without one)."""
        self.known.clear()  # answers of an earlier walk are right, but no longer asked
        if self.engine is None or not len(pairs):
            return
        if screen is not None:
            # What verify_pairs compares: the likely copies, and the others that pass
            # the exact screen too.
            passes, likely = screen.estimate(pairs[:, 0], pairs[:, 1])
            rest = np.flatnonzero(passes & ~likely)
            likely[rest[screen.exact(pairs[rest, 0], pairs[rest, 1])]] = True
            pairs = pairs[likely]
        listed = pairs.tolist()
        self.fetched += len(listed)
        state = (self.model, self.config)
        with self.engine.mapper(len(listed), state) as mapper:
            for start, matches in zip(range(0, len(listed), PAIRS_PER_JOB),
                                      mapper(compare_chunk, self._jobs(pairs))):
                for pair, match in zip(listed[start:start + PAIRS_PER_JOB], matches):
                    self.known[(pair[0], pair[1])] = match
        return_free_memory()

    def _jobs(self, pairs: np.ndarray) -> Iterator[_Job]:
        for start in range(0, len(pairs), PAIRS_PER_JOB):
            batch = pairs[start:start + PAIRS_PER_JOB]
            rows, inverse = np.unique(batch, return_inverse=True)
            local = inverse.reshape(batch.shape)
            yield _Job(_bare(self.docs, rows), rows_of(self.prints, rows),
                       list(zip(local[:, 0].tolist(), local[:, 1].tolist())))

    def compare(self, i: int, j: int) -> Match:
        known = self.known.pop((i, j), None)
        return known if known is not None else super().compare(i, j)


def _bare(docs: Sequence[Article], rows: np.ndarray) -> list[Article]:
    """The articles of ``rows`` without their original records (comparing reads the
    parsed fields only; the records are most of an article's size)."""
    return [dataclasses.replace(docs[r], fields={}) for r in rows.tolist()]


def shipped(engine: Engine | None) -> bool:
    """Whether ``engine`` wants verification shipped to it (its ``ships_comparisons``)."""
    return bool(getattr(engine, "ships_comparisons", False))


def comparer_for(engine: Engine | None, docs: Sequence[Article], prints: Fingerprints,
                 model: BoilerplateModel, config: MatchConfig) -> Comparer:
    """A :class:`ShippedComparer` on an engine that ships comparisons, else a plain
    :class:`Comparer` (the local engine compares in this process, pair by pair, and
    skips pairs already joined)."""
    if shipped(engine):
        return ShippedComparer(docs, prints, model, config, engine=engine)
    return Comparer(docs, prints, model, config)
