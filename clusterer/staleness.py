"""What a state run must redo when what it learns over the whole dump changes: the
stored fingerprints a new chrome model makes stale (:func:`stale_prints`, from
:func:`changed_chrome`), and the text common to the dump that the inside rule blanks
(:func:`learn_common`), counted over everything the state holds as one batch run would
(:mod:`clusterer.delta` runs these)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from clusterer.alignment import common_least, common_shingles
from clusterer.boilerplate import PAGE_START, BoilerplateModel
from clusterer.fingerprint import Fingerprints
from clusterer.shingling import Packed
from clusterer.stored import StoredPrint, unpack_bodies

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


def learn_common(state: StoreLike, model: BoilerplateModel, prints: Fingerprints,
                  seqs: Sequence[int], stored: list[StoredPrint], stale: set[int]
                  ) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """The text common to the pages the state holds now (as a batch run over them
    counts it: :func:`clusterer.alignment.common_shingles`), set on ``model`` and kept
    in the state; every stored body is read for it, as the chrome is relearned from
    every stored unit.

    Returns:
        The shingles that became common or stopped being common since the last run
        (all of them on a first run), and each article's body shingles by seq
        (``prints`` rows are ``seqs``; the other stored articles read from the state).
    """
    others = [r.seq for r in stored if r.seq not in stale]
    blobs = state.print_blobs(others)
    kept = unpack_bodies([blobs[seq] for seq in others])
    bodies = dict(zip(seqs, prints.body))
    bodies.update(zip(others, kept))
    body = Packed.joined([prints.body, Packed.of(kept)])
    common = common_shingles(body, common_least(len(seqs) + len(others)))
    model.common_shingles_ = common
    known = state.meta("common")
    before = (np.frombuffer(bytes.fromhex(known), dtype=np.uint32) if known is not None
              else np.zeros(0, dtype=np.uint32))
    state.set_meta("common", common.tobytes().hex())
    return np.setxor1d(before, common).astype(np.uint32), bodies


def meets(pair: tuple[int, int], bodies: dict[int, np.ndarray], changed: np.ndarray) -> bool:
    """Whether either article of ``pair`` carries a shingle in ``changed``."""
    return bool(len(changed)) and any(
        seq in bodies and bool(np.isin(bodies[seq], changed).any()) for seq in pair)


def stale_prints(stored: list[StoredPrint], hashes: np.ndarray, counts: np.ndarray,
           old: BoilerplateModel, new: BoilerplateModel) -> tuple[list[int], set[int]]:
    """Which stored fingerprints the new chrome model made stale.

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
    if change.affixes:
        stale |= np.asarray([any(s in change.affixes for s in r.segments) for r in stored],
                            dtype=bool)
    return [r.seq for r, h in zip(stored, stale.tolist()) if h], sensitive
