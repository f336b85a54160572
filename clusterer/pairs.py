"""Matching on a state (:mod:`clusterer.delta`): the batch matching over the fresh
articles and their stored candidates, watching where a stored article meets a fresh
one, with the comparisons of stored pairs made in earlier runs read back instead of
made again.

A comparison (:meth:`clusterer.comparer.Comparer.compare`) depends on the two articles'
fingerprints and texts, and, where it compares them with both sources' chrome left out
(a *rechecked* pair), on that chrome and the dump's common text. The state keeps every
comparison a run made (table ``compared``, :class:`StoredComparisons`), and a later run
matching a stored group again (a new article met it) takes the comparisons of its
stored pairs from there: the matching is the batch code's, pair for pair, without
verifying again what was verified before. A stored comparison is dropped when either
article is fingerprinted again, updated or expired, and a rechecked one also when
the chrome or common text it depends on changed (the rule :mod:`clusterer.delta`
matches such pairs' groups again by). A rechecked pair read back is recorded again
as rechecked, as comparing it would.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import orjson

from clusterer.boilerplate import BoilerplateModel
from clusterer.comparer import Comparer
from clusterer.dedup import DedupConfig
from clusterer.fingerprint import Fingerprints
from clusterer.match import merge_exact, merge_near
from clusterer.records import Article, Match
from clusterer.unionfind import UnionFind

Progress = Callable[[str, int, "int | None"], None]


@dataclass
class WatchingComparer(Comparer):
    """A :class:`Comparer` noting the articles that are not fresh but meet a fresh one
    (joined, offered as a weak link, or vetoed by headline numbers), and the pairs
    compared again with both sources' chrome left out (``rechecked``, by seq: a
    near pair's recheck, and the inside rule's, which also blanks the common text).
    Comparisons are kept by seq in ``stored.known`` (shared by the rounds of one run,
    and filled with those of earlier runs: :class:`StoredComparisons`)."""

    fresh: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    seqs: Sequence[int] = ()
    stored: StoredComparisons | None = None
    rechecked: set[tuple[int, int]] = field(default_factory=set)
    crossed: set[int] = field(default_factory=set)

    def _recheck(self, i: int, j: int, match: Match) -> Match:
        self._note_rechecked(self.seqs[i], self.seqs[j])
        return super()._recheck(i, j, match)

    def _opening_inside(self, i: int, j: int, match: Match, floors: list[int]) -> Match:
        self._note_rechecked(self.seqs[i], self.seqs[j])
        return super()._opening_inside(i, j, match, floors)

    def _note_rechecked(self, a: int, b: int) -> None:
        self.rechecked.add((min(a, b), max(a, b)))

    def compare(self, i: int, j: int) -> Match:
        assert self.stored is not None
        key = (self.seqs[i], self.seqs[j])
        match = self.stored.known.get(key)
        if match is None:
            match = self.stored.known[key] = super().compare(i, j)
        elif key in self.stored.recorded:
            self._note_rechecked(*key)
        if self.fresh[i] != self.fresh[j] and (match.copy or match.veto):
            self.crossed.add(j if self.fresh[i] else i)
        return match


def match_rows(docs: Sequence[Article], prints: Fingerprints, model: BoilerplateModel,
               config: DedupConfig, fresh: np.ndarray, report: Progress,
               seqs: Sequence[int], stored: StoredComparisons,
               rechecked: set[tuple[int, int]]) -> tuple[WatchingComparer, UnionFind, set[int]]:
    """The batch matching over ``docs`` (fresh articles and their candidates, in state
    order, ``seqs``). Returns the comparer, the union-find, and the rows that are not
    fresh but met a fresh one."""
    uf = UnionFind(len(docs))
    merge_exact(docs, prints, uf)
    comparer = WatchingComparer(docs, prints, model, config.match_config(), fresh=fresh,
                                seqs=seqs, stored=stored, rechecked=rechecked)
    merge_near(comparer, uf, report, fresh)
    crossed = set(comparer.crossed)
    for a, b, _, _ in uf.links:
        if fresh[a] != fresh[b]:
            crossed.add(b if fresh[a] else a)
    return comparer, uf, crossed


class ComparedStore(Protocol):
    """Where :class:`StoredComparisons` reads and writes (a :class:`clusterer.state.State`)."""

    def compared(self, seqs: Iterable[int]) -> list[tuple[int, int, bytes]]: ...
    def forget_compared(self, seqs: Iterable[int], pairs: Iterable[tuple[int, int]] = ()
                        ) -> None: ...
    def put_compared(self, rows: Iterable[tuple[int, int, bytes]]) -> None: ...


@dataclass
class StoredComparisons:
    """The comparisons of one run, by seq pair (``known``): those read back from the
    state and those made in the run.

    Attributes:
        state: The open state.
        known: Every comparison at hand, ``(a, b)`` for ``compare(a, b)``.
        recorded: The pairs read back that were rechecked (recorded again when asked).
    """

    state: ComparedStore
    known: dict[tuple[int, int], Match] = field(default_factory=dict)
    recorded: set[tuple[int, int]] = field(default_factory=set)
    _asked: set[int] = field(default_factory=set)
    _stored: set[tuple[int, int]] = field(default_factory=set)

    def forget(self, seqs: Iterable[int], pairs: Iterable[tuple[int, int]]) -> None:
        """Drop the stored comparisons of articles fingerprinted again, updated or
        expired (``seqs``), and of rechecked ``pairs`` whose chrome or common text
        changed (before any is read)."""
        self.state.forget_compared(seqs, pairs)

    def load(self, seqs: Iterable[int], held: Container[int]) -> None:
        """Read back the stored comparisons of stored articles ``seqs`` with the
        articles matching ``held`` (it compares no other)."""
        wanted = set(seqs) - self._asked
        self._asked |= wanted
        for a, b, blob in self.state.compared(wanted):
            if a in held and b in held and (a, b) not in self.known:
                self.known[a, b], recorded = match_of(blob)
                self._stored.add((a, b))
                if recorded:
                    self.recorded.add((a, b))

    def save(self, rechecked: set[tuple[int, int]]) -> int:
        """Store the comparisons made in this run, noting those of ``rechecked`` pairs.
        Returns how many."""
        rows = [(a, b, match_blob(m, (min(a, b), max(a, b)) in rechecked))
                for (a, b), m in self.known.items() if (a, b) not in self._stored]
        self.state.put_compared(rows)
        return len(rows)


def match_blob(match: Match, recorded: bool = False) -> bytes:
    """A comparison as bytes, and whether its pair was rechecked (:func:`match_of`
    reads both back, the comparison equal field for field)."""
    return orjson.dumps([match.kind, float(match.similarity), float(match.threshold),
                         bool(match.copy), int(match.shared), *map(int, match.sizes),
                         *(None if b is None else int(b) for b in match.before),
                         bool(match.rechecked), match.veto, recorded])


def match_of(blob: bytes) -> tuple[Match, bool]:
    """The comparison :func:`match_blob` wrote, and whether its pair was rechecked."""
    kind, similarity, threshold, copy, shared, size_a, size_b, before_a, before_b, \
        rechecked, veto, recorded = orjson.loads(blob)
    return Match(kind, similarity, threshold, copy, shared, (size_a, size_b),
                 (before_a, before_b), rechecked, veto), recorded
