"""Exact verification of candidate pairs as an engine stage: on the local pool's forked
workers, or on engines off this machine.

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

On this machine's pool (:class:`ForkedComparer`, a :class:`~clusterer.engine.LocalEngine`
of two or more workers where ``fork`` exists) the workers are forked from this process
and share the articles, fingerprints and model as they are in memory, so a job is only
the pairs' numbers: each worker picks its pairs (the walk's exact screen, such as the
containment check of :meth:`clusterer.candidates.Screen.exact`) and compares those
picked, while the parent's matching waits; answers come back as tuples (:func:`_row`), which unpickle
far faster than :class:`~clusterer.records.Match` objects. The spilled articles' texts
are read in the workers from the shared file (:mod:`clusterer.spill` flushes it before
every fork).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from clusterer.boilerplate import BoilerplateModel
from clusterer.candidates import Pick
from clusterer.comparer import Comparer
from clusterer.engine import Engine, Stage, forked_pool, return_free_memory
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


Row = tuple[Any, ...]  # a Match's fields in order: what comes back from a worker


def compare_chunk(state: tuple[BoilerplateModel, MatchConfig], job: _Job) -> list[Row]:
    """The stage: :meth:`Comparer.compare` of every pair of the job, in order, as rows."""
    model, config = state
    comparer = Comparer(job.docs, job.prints, model, config)
    return [_row(comparer.compare(i, j)) for i, j in job.pairs]


def _row(match: Match) -> Row:
    """``match`` as a tuple of its fields (``Match(*row)`` makes it again): a tenth of
    the time to unpickle, and the parent unpickles every answer of the pool."""
    return (match.kind, match.similarity, match.threshold, match.copy, match.shared,
            match.sizes, match.before, match.rechecked, match.veto)


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
        known: Answers fetched and not yet read (as rows), by ordered pair ``i << 32 | j``.
        fetched: Pairs compared on the engine, in all (for figures).
    """

    engine: Engine | None = None
    known: dict[int, Row] = field(default_factory=dict)
    fetched: int = 0

    def prefetch(self, pairs: np.ndarray, pick: Pick | None = None) -> np.ndarray:
        """Compare on the engine every pair of ``pairs`` (shape (k, 2)) that ``pick``
        picks (picked here): those a walk (:func:`~clusterer.candidates.verify_pairs`)
        may compare next. Returns the mask of those picked."""
        self.known.clear()  # answers of an earlier walk are right, but no longer asked
        passing = super().prefetch(pairs, pick)
        pairs = pairs[passing]
        if self.engine is None or not len(pairs):
            return passing
        self.fetched += len(pairs)
        stage, state = self._stage()
        with self.engine.mapper(len(pairs), state) as mapper:
            keys = (pairs[:, 0] << 32 | pairs[:, 1]).tolist()
            for start, rows in zip(range(0, len(keys), PAIRS_PER_JOB),
                                   mapper(stage, self._jobs(pairs))):
                self.known.update(zip(keys[start:start + PAIRS_PER_JOB], rows))
        return_free_memory()
        return passing

    def _stage(self) -> tuple[Stage, Any]:
        """The stage that compares a job's pairs, and its shared state."""
        return compare_chunk, (self.model, self.config)

    def _jobs(self, pairs: np.ndarray) -> Iterator[Any]:
        for start in range(0, len(pairs), PAIRS_PER_JOB):
            batch = pairs[start:start + PAIRS_PER_JOB]
            rows, inverse = np.unique(batch, return_inverse=True)
            local = inverse.reshape(batch.shape)
            yield _Job(_bare(self.docs, rows), rows_of(self.prints, rows),
                       list(zip(local[:, 0].tolist(), local[:, 1].tolist())))

    def compare(self, i: int, j: int) -> Match:
        known = self.known.pop(i << 32 | j, None)
        return Match(*known) if known is not None else super().compare(i, j)


@dataclass
class ForkedComparer(ShippedComparer):
    """A :class:`ShippedComparer` on this machine's process pool, forked from this
    process: the workers share the articles, fingerprints and model as they are in
    memory (copy-on-write), so a job is the pairs' numbers only, each compared in the
    worker by a plain :class:`Comparer` over everything."""

    def prefetch(self, pairs: np.ndarray, pick: Pick | None = None) -> np.ndarray:
        """Pick (``pick``, a mask) and compare in the pool the pairs of ``pairs`` (shape
        (k, 2)), :data:`PAIRS_PER_JOB` a job; returns the mask of those picked."""
        self.known.clear()
        if self.engine is None or not len(pairs):
            return Comparer.prefetch(self, pairs, pick)
        passing = np.ones(len(pairs), dtype=bool)
        state = (Comparer(self.docs, self.prints, self.model, self.config), pick)
        keys = (pairs[:, 0] << 32 | pairs[:, 1]).tolist()
        with self.engine.mapper(len(pairs), state) as mapper:
            jobs = (pairs[start:start + PAIRS_PER_JOB] for start in range(0, len(pairs),
                                                                          PAIRS_PER_JOB))
            for start, (passed, rows) in zip(range(0, len(keys), PAIRS_PER_JOB),
                                             mapper(pick_and_compare, jobs)):
                passing[start:start + len(passed)] = passed
                self.known.update(zip(itertools.compress(keys[start:start + len(passed)],
                                                         passed.tolist()), rows))
                self.fetched += len(rows)
        return_free_memory()
        return passing


def pick_and_compare(state: tuple[Comparer, Pick | None], pairs: np.ndarray
                     ) -> tuple[np.ndarray, list[Row]]:
    """The stage of :class:`ForkedComparer`: which pairs (rows of ``pairs``) the pick
    picks, and ``comparer.compare`` of each picked, in order, as rows."""
    comparer, pick = state
    passed = Comparer.prefetch(comparer, pairs, pick)
    return passed, [_row(comparer.compare(i, j)) for i, j in pairs[passed].tolist()]


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
    pool = forked_pool(engine)
    if pool is not None:
        return ForkedComparer(docs, prints, model, config, engine=pool)
    return Comparer(docs, prints, model, config)
