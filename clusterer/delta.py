"""Dedup on a state at the cost of what changed: stored fingerprints, matched against.

A state keeps, per article, what matching needs (:class:`clusterer.stored.StoredPrint`): its unit hashes
(what chrome is learned from), its fingerprints and LSH band keys, its exact keys. A run
(:func:`match_on_state`):

1. splits only the new articles (pass 1 of :mod:`clusterer.fingerprint`);
2. learns the chrome again from the counts the state keeps, updated by the articles
   that start or stop counting (:func:`clusterer.staleness.learn_chrome`), exactly as
   one batch run over everything would;
3. finds the stored fingerprints this made *stale*: an article holding a unit whose
   chrome status changed anywhere (a source's chrome, short or spread chrome, the units
   usually before it), or a headline segment whose affix status changed. Those are
   fingerprinted again from their stored text, with the new articles (pass 2). When the
   dedup parameters differ from the stored ones, every stored article is stale;
4. matches a *fresh* set: the new and stale articles and every member of a stored group
   that lost a member (expired or updated). Candidates are the stored articles sharing
   an LSH band key or an exact key (content, URL, GUID) with a fresh one; the batch code
   matches the fresh articles and their candidates together. Where a candidate interacts
   with a fresh article (joined to it, offered to it as a weak link, or vetoed by its
   headline numbers), its whole stored group becomes fresh and the matching is done
   again; when none does, the stored groups of everything not fresh stand as they were
   and the fresh articles' groups are those of the batch code. So the groups are those
   of one batch run over everything (the groups of every pair that touches nothing new
   are as stored; every pair that does is matched by the batch code). The comparisons
   of stored pairs made in earlier runs are read back, not made again
   (:mod:`clusterer.pairs`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from clusterer.band_parts import Part, PartIndex, merge_tail
from clusterer.boilerplate import BoilerplateModel
from clusterer.comparer import RULES
from clusterer.dedup import DedupConfig, group_members
from clusterer.engine import Engine
from clusterer.fingerprint import Fingerprints, prints_of, split_articles
from clusterer.pairs import ComparedStore, StoredComparisons, match_rows
from clusterer.records import Article, DuplicateGroup
from clusterer.shingling import Packed
from clusterer.staleness import (
    bodies_of,
    changed_chrome,
    learn_chrome,
    learn_common,
    meets,
    stale_prints,
    unit_rows,
)
from clusterer.stored import (
    CandidateIndex,
    StoredPrint,
    band_keys,
    band_part,
    exact_keys,
    model_from_json,
    model_json,
    pack_row,
    print_flags,
    segment_keys,
    split_units,
    units_blob,
    unpack_bodies,
    unpack_rows,
)

Progress = Callable[[str, int, "int | None"], None]
_log = logging.getLogger(__name__)


@dataclass
class _Pool:
    """Articles and fingerprints of one run, by seq: those fingerprinted in this run
    (``fresh``) and stored ones loaded on demand (cached)."""

    state: StoreLike
    num_perm: int
    articles: dict[int, Article]
    made: dict[int, tuple[Article, Fingerprints, int]] = field(default_factory=dict)
    loaded: dict[int, tuple[Article, Fingerprints, int]] = field(default_factory=dict)
    blobs: dict[int, tuple[bytes, bytes]] = field(default_factory=dict)
    read: dict[int, Article] = field(default_factory=dict)

    def screens(self, seqs: list[int]) -> dict[int, bytes]:
        """What screening reads of stored articles ``seqs``."""
        return self.state.screens(seqs)

    def bodies(self, seqs: list[int]) -> dict[int, np.ndarray]:
        """The body shingle sets of stored articles ``seqs`` (their packed fingerprints
        kept for :meth:`load`)."""
        self.blobs.update(self.state.print_blobs([s for s in seqs if s not in self.blobs]))
        return dict(zip(seqs, unpack_bodies([self.blobs[s] for s in seqs])))

    def worded(self, seqs: list[int]) -> dict[int, bool]:
        """Whether stored articles ``seqs`` have any text (their records kept for
        :meth:`load`)."""
        self.read.update(self.state.records([s for s in seqs if s not in self.articles
                                             and s not in self.read]))
        return {s: bool((self.articles.get(s) or self.read[s]).text) for s in seqs}

    def load(self, seqs: Sequence[int]) -> None:
        wanted = [s for s in seqs if s not in self.made and s not in self.loaded]
        if not wanted:
            return
        records = self.state.records([s for s in wanted if s not in self.articles
                                      and s not in self.read])
        records.update((s, self.articles[s]) for s in wanted if s in self.articles)
        records.update((s, self.read[s]) for s in wanted if s in self.read)
        blobs = self.state.print_blobs([s for s in wanted if s not in self.blobs])
        blobs.update((s, self.blobs[s]) for s in wanted if s in self.blobs)
        prints = unpack_rows([blobs[s] for s in wanted], self.num_perm)
        for row, seq in enumerate(wanted):
            self.loaded[seq] = (records[seq], prints, row)

    def get(self, seq: int) -> tuple[Article, Fingerprints, int]:
        return self.made[seq] if seq in self.made else self.loaded[seq]

    def subset(self, seqs: Sequence[int]) -> tuple[list[Article], Fingerprints]:
        """The articles and fingerprints of ``seqs``, row k for ``seqs[k]``."""
        self.load(seqs)
        picked = [self.get(s) for s in seqs]
        sources: dict[int, tuple[Fingerprints, list[int], list[int]]] = {}
        for at, (_, prints, row) in enumerate(picked):
            source = sources.setdefault(id(prints), (prints, [], []))
            source[1].append(row)
            source[2].append(at)
        parts = [take(p, np.asarray(rows, dtype=np.int64)) for p, rows, _ in sources.values()]
        placed = np.concatenate([np.asarray(at, dtype=np.int64) for _, _, at in sources.values()]
                                ) if sources else np.zeros(0, dtype=np.int64)
        order = np.empty(len(placed), dtype=np.int64)
        order[placed] = np.arange(len(placed))
        return [a for a, _, _ in picked], take(_joined_prints(parts, self.num_perm), order)


def take(prints: Fingerprints, rows: np.ndarray) -> Fingerprints:
    """Rows ``rows`` of ``prints`` (row k of the result is ``rows[k]``), in bulk."""
    def packed(column: Packed) -> Packed:
        lengths = column.lengths()[rows]
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        at = np.repeat(column.offsets[:-1][rows] - offsets[:-1], lengths) + np.arange(
            offsets[-1])
        return Packed(column.values[at], offsets)

    listed = rows.tolist()
    return Fingerprints(
        body=packed(prints.body), lead=packed(prints.lead), title=packed(prints.title),
        head=packed(prints.head), title_only=[prints.title_only[r] for r in listed],
        digest=[prints.digest[r] for r in listed], length=[prints.length[r] for r in listed],
        body_sig=prints.body_sig[rows], lead_sig=prints.lead_sig[rows],
        title_sig=prints.title_sig[rows])


def _joined_prints(parts: list[Fingerprints], num_perm: int) -> Fingerprints:
    """The rows of every part, in order."""
    def sigs(name: str) -> np.ndarray:
        arrays = [getattr(p, name) for p in parts]
        return np.concatenate(arrays) if arrays else np.zeros((0, num_perm), dtype=np.uint32)

    return Fingerprints(
        body=Packed.joined([p.body for p in parts]), lead=Packed.joined([p.lead for p in parts]),
        title=Packed.joined([p.title for p in parts]), head=Packed.joined([p.head for p in parts]),
        title_only=[v for p in parts for v in p.title_only],
        digest=[v for p in parts for v in p.digest], length=[v for p in parts for v in p.length],
        body_sig=sigs("body_sig"), lead_sig=sigs("lead_sig"), title_sig=sigs("title_sig"))


class GroupsOf(Protocol):
    """Per stored seq, the seqs of its stored duplicate group (None or ``default``
    when it has none); ``ask`` says which seqs will be asked next (looked up
    together where the groups are looked up in the state)."""

    def get(self, seq: int, default: Any = None) -> Any: ...
    def ask(self, seqs: Iterable[int]) -> None: ...


class StoreLike(ComparedStore, Protocol):
    """What :func:`match_on_state` reads and writes (a :class:`clusterer.state.State`)."""

    def meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...
    def print_rows(self) -> list[StoredPrint]: ...
    def print_blobs(self, seqs: Iterable[int]) -> dict[int, tuple[bytes, bytes]]: ...
    def exact_seqs(self, keys: Iterable[tuple[int, bytes | str]]
                   ) -> dict[tuple[int, bytes | str], list[int]]: ...
    def band_parts(self) -> list[bytes]: ...
    def set_band_parts(self, first: int, parts: Iterable[bytes]) -> None: ...
    def screens(self, seqs: Iterable[int]) -> dict[int, bytes]: ...
    def records(self, seqs: Iterable[int]) -> dict[int, Article]: ...
    def put_prints(self, rows: Iterable[StoredPrint]) -> None: ...
    def copies(self, keys: Iterable[tuple[str, bytes]]) -> dict[tuple[str, bytes], list[int]]: ...
    def text_digests(self, seqs: Iterable[int]) -> dict[int, tuple[str, bytes]]: ...
    def learned(self, key: str) -> bytes | None: ...
    def set_learned(self, key: str, value: bytes | None) -> None: ...
    def rechecked(self) -> list[tuple[int, int]]: ...
    def set_rechecked(self, fresh: set[int], pairs: Iterable[tuple[int, int]]) -> None: ...


@dataclass
class Placed:
    """What :func:`match_on_state` found.

    Attributes:
        model: The chrome learned over everything the state holds now.
        groups: The groups of the fresh articles (see the module docstring).
        fresh: Seqs of the fresh articles (their stored groups are replaced).
        refreshed: Stored articles fingerprinted again (their chrome changed).
        rounds: Matching rounds (1 when no stored group met a fresh article).
    """

    model: BoilerplateModel
    groups: list[DuplicateGroup]
    fresh: set[int]
    refreshed: int
    rounds: int


def match_on_state(state: StoreLike, incoming: Sequence[tuple[int, Article]],
                   gone: set[int], stored_groups: GroupsOf,
                   config: DedupConfig, engine: Engine, report: Progress,
                   articles: dict[int, Article] | None = None) -> Placed:
    """Fingerprint and match what changed in the state (the module docstring says how).

    Args:
        state: The open state.
        incoming: ``(seq, article)`` of the new and updated articles.
        gone: Seqs of stored articles dropped (expired) or replaced (updated).
        stored_groups: Per stored seq, the seqs of its stored group (gone ones included).
        config: Dedup parameters.
        engine: Runs the fingerprinting passes.
        report: Progress.
        articles: Stored articles already read, by seq (others are read from the state).

    Returns:
        The new chrome model and the groups of the fresh articles; the state's
        fingerprints and meta are updated (its groups are the caller's to write).
    """
    incoming = sorted(incoming, key=lambda item: item[0])
    rows = state.print_rows()
    by_seq = {r.seq: r for r in rows}
    stored = [r for r in rows if r.seq not in gone]
    del rows
    split = split_articles([a for _, a in incoming], engine, report)
    counts = split.unit_counts()
    hashes, words = split.unit_hashes(), split.unit_words()
    bounds = np.concatenate(([0], np.cumsum(counts))).tolist()
    model_cut = BoilerplateModel(config.boilerplate)
    report("learning chrome", 0, 1)
    model = learn_chrome(state, [
        (seq, split.keys[k], hashes[bounds[k]:bounds[k + 1]], words[bounds[k]:bounds[k + 1]],
         model_cut.affix_candidates(article.title)) for k, (seq, article) in enumerate(incoming)],
        gone, by_seq, config.boilerplate)
    report("learning chrome", 1, 1)

    settings = json.dumps({**config.to_dict(), "rules": RULES}, sort_keys=True)
    known = state.meta("model")
    pairs = state.rechecked()
    sensitive: set[int] = set()
    rebuilt = known is None or state.meta("dedup") != settings
    if known is None or rebuilt:
        stale = [r.seq for r in stored]
    else:
        old = model_from_json(known, BoilerplateModel(config.boilerplate))
        change = changed_chrome(old, model)
        stale = []
        if len(change.units) or change.affixes:  # else no stored unit is read
            rows = unit_rows(stored, change, {s for p in pairs for s in p})
            stored_units = (_joined([split_units(r.units)[0] for r in rows], np.uint64),
                            np.asarray([len(r.units) // 12 for r in rows], dtype=np.int64))
            stale, sensitive = stale_prints(rows, *stored_units, old, model, stored)
            del stored_units, rows
    stale_set = set(stale)
    articles = articles if articles is not None else {}
    if stale:
        records = state.records([s for s in stale if s not in articles])
        records.update((s, articles[s]) for s in stale if s in articles)
        split.extend(split_articles([records[s] for s in stale], engine, report))
    seqs = [seq for seq, _ in incoming] + stale
    prints = prints_of(split, model, config.fingerprint_config(), engine, report)
    pool = _Pool(state, config.num_perm, articles)
    for row, (seq, article) in enumerate(zip(seqs, split.docs)):
        pool.made[seq] = (article, prints, row)
    match_config = config.match_config()
    keys = band_keys(prints, match_config)
    exact = exact_keys(split.docs, prints)
    units = [units_blob(hashes[bounds[k]:bounds[k + 1]], words[bounds[k]:bounds[k + 1]])
             for k in range(len(incoming))]
    units += [r.units for r in stored if r.seq in stale_set]  # stored in seq order, as stale
    flags = print_flags(prints)
    # The stored bodies this run replaces or drops leave the common text's counts.
    replaced = sorted((gone | stale_set) & set(by_seq))
    blobs = state.print_blobs(replaced)
    minus = unpack_bodies([blobs[s] for s in replaced])
    del blobs
    state.put_prints(StoredPrint(seq, split.keys[row], segment_keys(article.title), units[row],
                                 exact[row], pack_row(prints, row))
                     for row, (seq, article) in enumerate(zip(seqs, split.docs)))
    state.set_meta("model", model_json(model))
    state.set_meta("dedup", settings)
    changed_common = learn_common(state, model, list(prints.body), minus)
    del minus

    # Stored groups touched: those of stale, replaced and expired articles.
    fresh = {seq for seq, _ in incoming}
    stored_groups.ask([*stale, *gone])
    for seq in [*stale, *gone]:
        fresh.update(stored_groups.get(seq, ()))
    # Pairs compared again with both sources' chrome left out depend on the model, and
    # the inside rule's on the common text too.
    dropped = gone - {seq for seq, _ in incoming}  # expired (an updated one is back)
    bodies = bodies_of(state, {s for p in pairs for s in p} - dropped,
                       dict(zip(seqs, prints.body))) if len(changed_common) else {}
    moved = [pair for pair in pairs
             if sensitive.intersection(pair) or meets(pair, bodies, changed_common)]
    stored_groups.ask(seq for pair in moved for seq in pair)
    for pair in moved:
        for seq in pair:
            fresh.update(stored_groups.get(seq, (seq,)))
    del bodies
    fresh -= dropped
    # Looked up as stored before this run (its own part is added at the end).
    parts = [] if rebuilt else [Part.from_blob(b) for b in state.band_parts()]
    index = CandidateIndex(PartIndex(parts, gone), state.exact_seqs, match_config,
                           config.num_perm)
    rounds = 0
    comparisons = StoredComparisons(state)
    comparisons.forget(stale_set | gone, moved)
    rechecked: set[tuple[int, int]] = set()
    looked: set[int] = set()
    found: set[int] = set()
    likely: set[int] = set()
    while True:
        # Candidates are looked up once per article (those of a set are the union of
        # each article's), for the articles fresh since the last lookup.
        asked = sorted(fresh - looked)
        if asked:
            docs, subset = pool.subset(asked)
            more, sure_more = index.candidates(subset, band_keys(subset, match_config),
                                               exact_keys(docs, subset),
                                               [bool(d.text) for d in docs], pool, fresh)
            found |= more
            likely |= sure_more
            looked.update(asked)
        # The stored groups of likely copies are made fresh at once: they would most
        # likely be met, and each matching round costs more than a lookup.
        stored_groups.ask(likely - fresh)
        sure = {s for c in likely - fresh for s in stored_groups.get(c, [c])} - dropped
        if sure - fresh:
            fresh |= sure
            continue
        rounds += 1
        candidates = found - fresh
        order = sorted(fresh | candidates)
        _log.debug("matching round %d: %d fresh articles, %d stored candidates", rounds,
                   len(fresh), len(candidates))
        docs, subset = pool.subset(order)
        comparisons.load((s for s in order if s not in pool.made), set(order))
        mask = np.asarray([s in fresh for s in order], dtype=bool)
        comparer, uf, crossed = match_rows(docs, subset, model, config, mask, report, order,
                                           comparisons, rechecked)
        stored_groups.ask(order[k] for k in crossed)
        touched = {s for k in crossed for s in stored_groups.get(order[k], [order[k]])} - dropped
        if not touched - fresh:
            break
        fresh |= touched
    groups = group_members(comparer, uf, config.keep, mask)
    parts.append(band_part(seqs, keys, flags,
                           sorted(gone - set(seqs)), match_config, config.num_perm))
    first = len(parts) - 1
    merge_tail(parts)  # the parts from `first` on change
    first = min(first, len(parts) - 1)
    state.set_band_parts(first, [p.to_blob() for p in parts[first:]])
    state.set_rechecked(fresh | dropped, sorted(rechecked))
    comparisons.save(rechecked)
    return Placed(model, groups, fresh, len(stale_set), rounds)


def _joined(arrays: list[np.ndarray], dtype: Any) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype)
