"""Exact verification of candidate pairs as an engine stage: on engines off this machine,
and on the local pool of forked workers.

The matching loop (:func:`clusterer.candidates.verify_pairs`) asks for one comparison at
a time and decides from each answer which pair to ask next, so it stays on the client.
But :meth:`~clusterer.match.Comparer.compare` is a pure function of the two articles,
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
joined through another pair). On the local pool (:class:`ForkedComparer`) the workers are
forked after fingerprinting and inherit the articles and fingerprints, so only pair numbers
are sent: matching then keeps both cores busy instead of one (59,500 pairs compared ahead
on the 20k ``make_corpus`` dump where the walk alone compared 49,800).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from clusterer.boilerplate import BoilerplateModel
from clusterer.candidates import Screen
from clusterer.engine import (
    MIN_PARALLEL,
    Engine,
    LocalEngine,
    Stage,
    return_free_memory,
    worker_count,
)
from clusterer.fingerprint import Fingerprints, Packed
from clusterer.match import Comparer, MatchConfig
from clusterer.records import Article, Match

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
        if not self._worth(len(listed)):
            return
        self.fetched += len(listed)
        with self.engine.mapper(len(listed), self._state()) as mapper:
            for start, matches in zip(range(0, len(listed), PAIRS_PER_JOB),
                                      mapper(self._stage(), self._jobs(pairs))):
                for pair, match in zip(listed[start:start + PAIRS_PER_JOB], matches):
                    self.known[(pair[0], pair[1])] = match
        return_free_memory()

    def _stage(self) -> Stage:
        return compare_chunk

    def _worth(self, pairs: int) -> bool:
        return True

    def _state(self) -> Any:
        return (self.model, self.config)

    def _jobs(self, pairs: np.ndarray) -> Iterator[Any]:
        for start in range(0, len(pairs), PAIRS_PER_JOB):
            batch = pairs[start:start + PAIRS_PER_JOB]
            rows, inverse = np.unique(batch, return_inverse=True)
            local = inverse.reshape(batch.shape)
            yield _Job(_bare(self.docs, rows), rows_of(self.prints, rows),
                       list(zip(local[:, 0].tolist(), local[:, 1].tolist())))

    def compare(self, i: int, j: int) -> Match:
        known = self.known.pop((i, j), None)
        return known if known is not None else super().compare(i, j)


def compare_pairs(comparer: Comparer, pairs: list[tuple[int, int]]) -> list[Match]:
    """The stage of :class:`ForkedComparer`: :meth:`Comparer.compare` of every pair, the
    comparer being the parent's own, inherited by the forked worker (never sent)."""
    return [comparer.compare(i, j) for i, j in pairs]


@dataclass
class ForkedComparer(ShippedComparer):
    """A :class:`ShippedComparer` on a local pool of forked workers: they inherit the
    articles, fingerprints and model as the parent holds them, so only pair numbers go
    out and answers come back. Matching would otherwise keep one core idle. Fewer pairs
    than :data:`~clusterer.engine.MIN_PARALLEL` are compared here, when asked.
    """

    def _stage(self) -> Stage:
        return compare_pairs

    def _worth(self, pairs: int) -> bool:
        return pairs >= MIN_PARALLEL

    def _state(self) -> Any:
        return Comparer(self.docs, self.prints, self.model, self.config)

    def _jobs(self, pairs: np.ndarray) -> Iterator[Any]:
        listed = pairs.tolist()
        for start in range(0, len(listed), PAIRS_PER_JOB):
            yield [(i, j) for i, j in listed[start:start + PAIRS_PER_JOB]]


def _bare(docs: Sequence[Article], rows: np.ndarray) -> list[Article]:
    """The articles of ``rows`` without their original records (comparing reads the
    parsed fields only; the records are most of an article's size)."""
    return [dataclasses.replace(docs[r], fields={}) for r in rows.tolist()]


def shipped(engine: Engine | None) -> bool:
    """Whether ``engine`` wants verification shipped to it (its ``ships_comparisons``)."""
    return bool(getattr(engine, "ships_comparisons", False))


def comparer_for(engine: Engine | None, docs: Sequence[Article], prints: Fingerprints,
                 model: BoilerplateModel, config: MatchConfig) -> Comparer:
    """A :class:`ShippedComparer` on an engine that ships comparisons, a
    :class:`ForkedComparer` on a local pool of two or more forked workers, else a plain
    :class:`Comparer` (one process compares pair by pair, and skips pairs already
    joined)."""
    if shipped(engine):
        return ShippedComparer(docs, prints, model, config, engine=engine)
    if (isinstance(engine, LocalEngine) and worker_count(engine.workers) > 1
            and "fork" in multiprocessing.get_all_start_methods()):
        return ForkedComparer(docs, prints, model, config, engine=engine)
    return Comparer(docs, prints, model, config)
