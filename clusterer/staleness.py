"""What a state run learns over everything the state holds, and must redo when it
changes: the chrome (:func:`learn_chrome`) and the text common to the dump that the
inside rule blanks (:func:`learn_common`), from counts the state keeps up to date
(:mod:`clusterer.learned`), as one batch run would learn them; the stored fingerprints
a new chrome model makes stale (:func:`stale_prints`, from :func:`changed_chrome`)
(:mod:`clusterer.delta` runs these)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from clusterer.alignment import common_least
from clusterer.boilerplate import PAGE_START, BoilerplateConfig, BoilerplateModel
from clusterer.chrome_counts import ChromeCounts, count_chunk, first_copies, text_digests
from clusterer.learned import PageCounts, apply_counts, counted_changes, counts_blob, counts_from_blob
from clusterer.stored import StoredPrint, affix_candidates, split_units, unpack_bodies

if TYPE_CHECKING:
    from clusterer.delta import StoreLike


@dataclass(frozen=True)
class ChromeChange:
    """What changed between two chrome models.

    Attributes:
        units: Every unit whose chrome status changed anywhere (sorted uint64).
        anywhere: Units whose short or spread chrome status changed (on every source).
        on_source: ``(source, unit)`` pairs whose source chrome status changed.
        before: Per ``(source, unit)``, the units added to or dropped from those
            usually before it.
        affixes: Headline affixes added or dropped.
    """

    units: np.ndarray
    anywhere: frozenset[int]
    on_source: frozenset[tuple[str, int]]
    before: dict[tuple[str, int], frozenset[int]]
    affixes: frozenset[str]


def changed_chrome(old: BoilerplateModel, new: BoilerplateModel) -> ChromeChange:
    """What changed between two chrome models."""
    anywhere = (old.short_chrome_ ^ new.short_chrome_) | (old.spread_chrome_ ^ new.spread_chrome_)
    on_source: set[tuple[str, int]] = set()
    for source in set(old.source_chrome_) | set(new.source_chrome_):
        on_source.update((source, u) for u in (old.source_chrome_.get(source, frozenset())
                                              ^ new.source_chrome_.get(source, frozenset())))
    before: dict[tuple[str, int], frozenset[int]] = {}
    for key in set(old.usual_before_) | set(new.usual_before_):
        moved = old.usual_before_.get(key, frozenset()) ^ new.usual_before_.get(key, frozenset())
        if moved or (key in old.usual_before_) != (key in new.usual_before_):
            before[key] = moved
    units = anywhere | {u for _, u in on_source} | {u for _, u in before}
    return ChromeChange(np.asarray(sorted(units), dtype=np.uint64), frozenset(anywhere),
                        frozenset(on_source), before, frozenset(old.affixes_ ^ new.affixes_))


def learn_chrome(state: StoreLike, incoming: list[Entry], gone: set[int],
                 by_seq: dict[int, StoredPrint], config: BoilerplateConfig
                 ) -> BoilerplateModel:
    """The chrome learned over everything the state holds now, from its kept counts
    (:mod:`clusterer.learned`) updated by the articles that start or stop counting:
    the same model as one batch run's :meth:`BoilerplateModel.fit_hashed` over them.

    Args:
        state: The open state (its counts are updated).
        incoming: The new and updated articles, as :data:`Entry`.
        gone: Stored seqs dropped or replaced in this run.
        by_seq: Every stored article's row (gone ones included), by seq.
        config: The chrome parameters.
    """
    blob = state.learned("chrome")
    total = counts_from_blob(blob) if blob is not None else None
    if total is not None and (total.short_unit_words, total.affix_words) != (
            config.short_unit_words, config.affix_words):
        total = None  # taken with other word limits: counted again from everything
        blob = None
    if blob is None:
        entries = sorted([_entry(r, config) for s, r in by_seq.items() if s not in gone]
                         + incoming, key=lambda e: e[0])
        total = _count(entries, config, first_copies(
            [e[1] for e in entries], _digests(entries)))
    else:
        digests = _digests(incoming)
        added: dict[tuple[str, bytes], list[int]] = {}
        for entry, text in zip(incoming, digests):
            added.setdefault((entry[1], text), []).append(entry[0])
        keys = state.copies(set(state.text_digests(gone).values()) | set(added))
        stop, start = counted_changes(keys, gone, added)
        fresh = {e[0]: e for e in incoming}
        total = apply_counts(
            total, _count([fresh[s] if s in fresh else _entry(by_seq[s], config)
                           for s in start], config),
            _count([_entry(by_seq[s], config) for s in stop], config))
    state.set_learned("chrome", counts_blob(total) if total is not None else None)
    model = BoilerplateModel(config)
    if total is None:  # nothing held
        return model.fit_hashed([], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64),
                                np.zeros(0, dtype=np.int64), [], affixes=[])
    return model.from_counts(total)


Entry = tuple[int, str, np.ndarray, np.ndarray, list[str]]
"""An article as chrome counts it: seq, source key, unit hashes, words per unit,
headline affix candidates."""


def _entry(row: StoredPrint, config: BoilerplateConfig) -> Entry:
    return (row.seq, row.source, *split_units(row.units),
            affix_candidates(row.segments, config.affix_words))


def _digests(entries: Sequence[Entry]) -> list[bytes]:
    if not entries:
        return []
    return text_digests(np.asarray([len(e[2]) for e in entries], dtype=np.int64),
                        np.concatenate([e[2] for e in entries]).astype(np.uint64))


def _count(entries: Sequence[Entry], config: BoilerplateConfig,
           counted: np.ndarray | None = None) -> ChromeCounts | None:
    """The chrome counts of ``entries`` (of the ``counted`` ones; all by default)."""
    if not entries:
        return None
    return count_chunk([e[1] for e in entries],
                       np.asarray([len(e[2]) for e in entries], dtype=np.int64),
                       np.concatenate([e[2] for e in entries]).astype(np.uint64),
                       np.concatenate([e[3] for e in entries]).astype(np.int64),
                       [e[4] for e in entries],
                       np.ones(len(entries), dtype=bool) if counted is None else counted,
                       config.short_unit_words, config.affix_words)


def learn_common(state: StoreLike, model: BoilerplateModel, plus: Sequence[np.ndarray],
                 minus: Sequence[np.ndarray]) -> np.ndarray:
    """The text common to the pages the state holds now (as a batch run over them
    counts it: :func:`clusterer.alignment.common_shingles`), set on ``model``, from the
    state's kept page counts updated by the bodies added (``plus``: new, updated and
    fingerprinted again) and taken away (``minus``: their stored versions, and the
    expired ones).

    Returns:
        The shingles that became common or stopped being common since the last run
        (all of them on a first run).
    """
    before = PageCounts.from_blob(state.learned("common"))
    after = before.applied(plus, minus)
    state.set_learned("common", after.to_blob())
    common = after.common(common_least(after.pages))
    model.common_shingles_ = common
    return np.setxor1d(before.common(common_least(before.pages)), common).astype(np.uint32)


def bodies_of(state: StoreLike, seqs: set[int], made: dict[int, np.ndarray]
              ) -> dict[int, np.ndarray]:
    """Body shingles of articles ``seqs``: those of ``made`` (fingerprinted in this
    run), the others read from the state."""
    others = sorted(s for s in seqs if s not in made)
    blobs = state.print_blobs(others)
    out = {s: made[s] for s in seqs if s in made}
    out.update(zip(others, unpack_bodies([blobs[s] for s in others])))
    return out


def meets(pair: tuple[int, int], bodies: dict[int, np.ndarray], changed: np.ndarray) -> bool:
    """Whether either article of ``pair`` carries a shingle in ``changed``."""
    return bool(len(changed)) and any(
        seq in bodies and bool(np.isin(bodies[seq], changed).any()) for seq in pair)


def stale_prints(stored: list[StoredPrint], hashes: np.ndarray, counts: np.ndarray,
                 old: BoilerplateModel, new: BoilerplateModel,
                 headlines: list[StoredPrint] | None = None) -> tuple[list[int], set[int]]:
    """Which stored fingerprints the new chrome model made stale.

    ``stored`` (with their unit hashes ``hashes``, ``counts`` per article) may be only
    the articles whose units can matter (:func:`unit_rows`); ``headlines``: the
    articles whose headline affixes are checked (``stored`` by default).

    Returns:
        The seqs of the stored articles whose content (the units their source's chrome
        leaves, :meth:`BoilerplateModel.content_mask`) or headline affixes may differ
        under ``new``, in state order; and the seqs of those holding a unit whose
        chrome status changed anywhere (:func:`changed_chrome`): a pair of them
        compared with both sources' chrome left out may compare otherwise.
    """
    change = changed_chrome(old, new)
    owner = np.repeat(np.arange(len(stored)), counts)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1])) if len(counts) else counts
    hit = np.flatnonzero(np.isin(hashes, change.units)) if len(change.units) else owner[:0]
    sensitive = {stored[k].seq for k in set(owner[hit].tolist())}
    # Of those, the articles whose own content mask may change: a unit that changed on
    # their source or everywhere, or whose usual neighbour changed for the one before it.
    maybe: set[int] = set()
    first = set(starts.tolist())
    for at, unit in zip(hit.tolist(), hashes[hit].tolist()):
        k = int(owner[at])
        source = stored[k].source
        if k in maybe:
            continue
        if unit in change.anywhere or (source, unit) in change.on_source:
            maybe.add(k)
            continue
        moved = change.before.get((source, unit))
        if moved is not None:
            before = int(PAGE_START) if at in first else int(hashes[at - 1])
            if before in moved or not moved:
                maybe.add(k)
    bounds = np.concatenate(([0], np.cumsum(counts))).tolist()
    stale = np.zeros(len(stored), dtype=bool)
    for k in sorted(maybe):
        row = hashes[bounds[k]:bounds[k + 1]].tolist()
        stale[k] = old.content_mask(stored[k].source, row) != new.content_mask(stored[k].source,
                                                                                row)
    found = {r.seq for r, h in zip(stored, stale.tolist()) if h}
    if change.affixes:
        found.update(r.seq for r in (stored if headlines is None else headlines)
                     if any(s in change.affixes for s in r.segments))
    return sorted(found), sensitive


def unit_rows(stored: list[StoredPrint], change: ChromeChange, wanted: set[int]
              ) -> list[StoredPrint]:
    """The stored articles whose unit hashes :func:`stale_prints` must read: all when
    a unit changed status everywhere (short or spread chrome), else those of the
    sources whose chrome changed, and the ``wanted`` ones (the articles of recorded
    pairs, which a unit that changed anywhere makes sensitive)."""
    if change.anywhere:
        return stored
    sources = {s for s, _ in change.on_source} | {s for s, _ in change.before}
    return [r for r in stored if r.source in sources or r.seq in wanted]
