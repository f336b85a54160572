"""What a state keeps of the counts chrome and common text are learned from, updated
by what a run adds and drops instead of counted again over everything.

Chrome (:mod:`clusterer.chrome_counts`) is learned from counts that are sums over the
*counted* articles: the first, in state order, of each (source, text digest), so that
an exact copy on one source counts once. A run adding, updating or expiring articles
changes the counted article of the (source, digest) keys those articles carry only
(:func:`counted_changes`); the counts of the articles that stop counting are
subtracted and those of the articles that start counting added
(:func:`apply_counts`). The result equals :func:`count_chunk` over everything the
state holds, table for table (``tests/test_learned.py`` checks it, expiry and updates
included).

Text common to the dump (:func:`clusterer.alignment.common_shingles`, what the inside
rule blanks) is a threshold on how many pages carry each body shingle: those page
counts are kept (:class:`PageCounts`) and updated by the bodies added and dropped.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from clusterer.chrome_counts import ChromeCounts, run_starts, sources_of

_TABLES = ("short", "carried", "placed", "before")


# ---------------------------------------------------------------- chrome counts
def counted_changes(keys: dict[tuple[str, bytes], list[int]], gone: set[int],
                    added: dict[tuple[str, bytes], list[int]]
                    ) -> tuple[list[int], list[int]]:
    """Which articles stop and start counting.

    Args:
        keys: Per (source, text digest) touched in this run, the seqs the state holds
            with it (gone ones included).
        gone: Stored seqs dropped or replaced in this run (an updated article's new
            version is in ``added`` under its old seq).
        added: Per key, the seqs of this run's new and updated articles carrying it.

    Returns:
        The stored seqs whose stored version stops counting, and the seqs whose version
        of this run (in ``added``) or stored one (otherwise) starts counting.
    """
    stop: list[int] = []
    start: list[int] = []
    for key in sorted(set(keys) | set(added)):
        before = keys.get(key, [])
        was = min(before) if before else None
        now_seqs = [s for s in before if s not in gone] + added.get(key, [])
        now = min(now_seqs) if now_seqs else None
        if was == now and (was is None or was not in gone):
            continue  # the same stored version counts
        if was is not None:
            stop.append(was)
        if now is not None:
            start.append(now)
    return sorted(stop), sorted(start)


def apply_counts(total: ChromeCounts | None, plus: ChromeCounts | None,
                 minus: ChromeCounts | None) -> ChromeCounts | None:
    """``total + plus - minus`` (None: no article): counts of equal keys added, rows
    that reach zero and sources left with no counted article dropped, as if counted
    from scratch.

    Raises:
        ValueError: The counts were taken with other word limits, or ``minus`` holds a
            row ``total + plus`` does not (it was never counted).
    """
    parts = [c for c in (plus, _negated(minus) if minus is not None else None)
             if c is not None]
    delta = parts[0].merge(parts[1]) if len(parts) == 2 else parts[0] if parts else None
    out = _merged(total, delta) if total is not None and delta is not None else total or delta
    if out is None:
        return None
    out = _pruned(out)
    return out if out.site_pages.sum() > 0 else None


def _merged(total: ChromeCounts, delta: ChromeCounts) -> ChromeCounts:
    """:meth:`ChromeCounts.merge` of large counts and a few rows: the rows are looked up
    in the sorted tables and added or inserted in place (linear in the tables, no
    sort of them), the same result."""
    if (total.short_unit_words, total.affix_words) != (delta.short_unit_words,
                                                       delta.affix_words):
        return total.merge(delta)  # raises
    names, (ours, theirs), site_pages = sources_of(total, delta)
    affixes = dict(total.affixes)
    for affix, n in delta.affixes:
        affixes[affix] = affixes.get(affix, 0) + n

    def table(name: str, source_at: int | None) -> tuple[np.ndarray, ...]:
        big, small = list(getattr(total, name)), list(getattr(delta, name))
        if source_at is not None:  # renumbering keeps the order: names stay sorted
            big[source_at], small[source_at] = ours[big[source_at]], theirs[small[source_at]]
        return _inserted(big, small)

    return ChromeCounts(total.short_unit_words, total.affix_words, names, site_pages,
                        table("short", None), table("carried", 0), table("placed", 1),
                        table("before", 0), tuple(sorted(affixes.items())))


def _inserted(big: list[np.ndarray], small: list[np.ndarray]) -> tuple[np.ndarray, ...]:
    """Two count tables (key columns sorted together, one row per key, then a count)
    as one: the counts of ``small``'s keys found in ``big`` added, the others inserted
    in their places."""
    if not len(small[0]):
        return tuple(big)
    keys, asked = _sortable(big[:-1]), _sortable(small[:-1])
    at = np.searchsorted(keys, asked)
    found = at < len(keys)
    found[found] = keys[at[found]] == asked[found]
    counts = big[-1].astype(np.int64)  # a copy
    np.add.at(counts, at[found], small[-1][found])
    new = ~found
    columns = [*big[:-1], counts]
    return tuple(np.insert(c, at[new], s[new].astype(c.dtype)) for c, s in zip(columns, small))


def _sortable(columns: list[np.ndarray]) -> np.ndarray:
    """One fixed-width byte string per row whose byte order is the rows' order (every
    column non-negative, big-endian)."""
    stacked = np.empty((len(columns[0]), len(columns)), dtype=">u8")
    for k, column in enumerate(columns):
        stacked[:, k] = column
    return stacked.view(f"S{8 * len(columns)}").ravel()


def _negated(counts: ChromeCounts) -> ChromeCounts:
    def negated(table: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        return (*table[:-1], -table[-1])

    return ChromeCounts(counts.short_unit_words, counts.affix_words, counts.names,
                        -counts.site_pages, negated(counts.short), negated(counts.carried),
                        negated(counts.placed), negated(counts.before),
                        tuple((a, -n) for a, n in counts.affixes))


def _pruned(counts: ChromeCounts) -> ChromeCounts:
    """Zero rows and sources without a counted page left out, sources numbered again."""
    for name in _TABLES:
        if (getattr(counts, name)[-1] < 0).any():
            raise ValueError(f"chrome counts: {name} would fall below zero (an article "
                             "subtracted that was never counted)")
    if (counts.site_pages < 0).any() or any(n < 0 for _, n in counts.affixes):
        raise ValueError("chrome counts: pages or affixes would fall below zero")
    keep = [k for k, _ in enumerate(counts.names, start=1) if counts.site_pages[k] > 0]
    renumber = np.zeros(len(counts.names) + 1, dtype=np.int64)
    renumber[keep] = np.arange(1, len(keep) + 1)
    names = tuple(counts.names[k - 1] for k in keep)
    site_pages = counts.site_pages[[0, *keep]].astype(np.int64)

    def kept(table: tuple[np.ndarray, ...], source_at: int | None) -> tuple[np.ndarray, ...]:
        rows = table[-1] > 0
        out = [c[rows] for c in table]
        if source_at is not None:
            out[source_at] = renumber[out[source_at]]
        return tuple(out)

    return ChromeCounts(counts.short_unit_words, counts.affix_words, names, site_pages,
                        kept(counts.short, None), kept(counts.carried, 0),
                        kept(counts.placed, 1), kept(counts.before, 0),
                        tuple((a, n) for a, n in counts.affixes if n > 0))


def counts_blob(counts: ChromeCounts) -> bytes:
    """The counts as bytes (:func:`counts_from_blob` reads them back)."""
    arrays = {"site_pages": counts.site_pages}
    for name in _TABLES:
        arrays.update((f"{name}{k}", c) for k, c in enumerate(getattr(counts, name)))
    header = json.dumps({"short_unit_words": counts.short_unit_words,
                         "affix_words": counts.affix_words, "names": list(counts.names),
                         "affixes": [list(a) for a in counts.affixes],
                         "dtypes": {k: str(c.dtype) for k, c in arrays.items()}}).encode()
    return _arrays_blob(header, {k: _narrow(c) for k, c in arrays.items()})


def _narrow(column: np.ndarray) -> np.ndarray:
    """A column of small non-negative integers (sources, counts) in the narrowest
    unsigned type holding it (stored a third smaller); hashes as they are."""
    if column.dtype == np.uint64 or not len(column) or int(column.min()) < 0:
        return column
    top = int(column.max())
    for kind in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(kind).max:
            return column.astype(kind)
    return column


def counts_from_blob(blob: bytes) -> ChromeCounts:
    """The counts :func:`counts_blob` wrote."""
    header, arrays = _blob_arrays(blob)
    arrays = {k: c.astype(header["dtypes"][k], copy=False) for k, c in arrays.items()}

    def table(name: str, columns: int) -> tuple[np.ndarray, ...]:
        return tuple(arrays[f"{name}{k}"] for k in range(columns))

    return ChromeCounts(header["short_unit_words"], header["affix_words"],
                        tuple(header["names"]), arrays["site_pages"], table("short", 2),
                        table("carried", 3), table("placed", 5), table("before", 4),
                        tuple((a, int(n)) for a, n in header["affixes"]))


def same_counts(first: ChromeCounts, second: ChromeCounts) -> bool:
    """Whether two counts hold the same tables (dtypes aside)."""
    return (first.names == second.names and first.affixes == second.affixes
            and (first.short_unit_words, first.affix_words)
            == (second.short_unit_words, second.affix_words)
            and np.array_equal(first.site_pages, second.site_pages)
            and all(len(a) == len(b) and all(np.array_equal(x.astype(np.uint64),
                                                            y.astype(np.uint64))
                                             for x, y in zip(a, b))
                    for a, b in ((getattr(first, n), getattr(second, n)) for n in _TABLES)))


# ---------------------------------------------------------------- common text
@dataclass(frozen=True)
class PageCounts:
    """Per body shingle, how many pages carry it, over ``pages`` pages.

    Attributes:
        pages: Pages counted (articles, with or without a body).
        shingles: Sorted distinct shingles (uint32).
        carried: Pages carrying each, same order (all > 0).
    """

    pages: int
    shingles: np.ndarray
    carried: np.ndarray

    def __post_init__(self) -> None:
        if self.pages < 0:
            raise ValueError(f"pages must be >= 0, got {self.pages}")
        if len(self.shingles) != len(self.carried):
            raise ValueError(f"shingles ({len(self.shingles)}) and carried "
                             f"({len(self.carried)}) must have one length")

    def common(self, least: int) -> np.ndarray:
        """The shingles at least ``least`` pages carry, sorted (uint32)."""
        return self.shingles[self.carried >= least].astype(np.uint32)

    def applied(self, plus: Sequence[np.ndarray], minus: Sequence[np.ndarray]) -> PageCounts:
        """The counts with the pages ``plus`` (body shingle sets) added and ``minus``
        taken away.

        Raises:
            ValueError: A shingle of ``minus`` would be carried by fewer than 0 pages.
        """
        values = [np.concatenate(list(part)).astype(np.uint32) if len(part)
                  else np.zeros(0, dtype=np.uint32) for part in (plus, minus)]
        keys = np.concatenate(values)
        weights = np.concatenate([np.ones(len(values[0]), dtype=np.int64),
                                  -np.ones(len(values[1]), dtype=np.int64)])
        order = np.argsort(keys, kind="stable")  # the pages changed only: few
        keys, weights = keys[order], weights[order]
        starts = run_starts(keys)
        summed = np.add.reduceat(weights, starts) if len(starts) else weights[:0]
        shingles, carried = _inserted([self.shingles.astype(np.uint64), self.carried],
                                      [keys[starts].astype(np.uint64), summed])
        if (carried < 0).any():
            raise ValueError("common text counts: a page taken away that was never counted")
        kept = carried > 0
        return PageCounts(self.pages + len(plus) - len(minus),
                          shingles[kept].astype(np.uint32), carried[kept])

    def to_blob(self) -> bytes:
        """As bytes (:meth:`from_blob` reads them back)."""
        return _arrays_blob(json.dumps({"pages": self.pages}).encode(),
                            {"shingles": self.shingles.astype(np.uint32),
                             "carried": self.carried.astype(np.int64)})

    @classmethod
    def from_blob(cls, blob: bytes | None) -> PageCounts:
        """What :meth:`to_blob` wrote (no pages when None)."""
        if blob is None:
            return cls(0, np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.int64))
        header, arrays = _blob_arrays(blob)
        return cls(int(header["pages"]), arrays["shingles"], arrays["carried"])


# ---------------------------------------------------------------- bytes
def _arrays_blob(header: bytes, arrays: dict[str, np.ndarray]) -> bytes:
    out = io.BytesIO()
    np.savez(out, allow_pickle=False, header=np.frombuffer(header, dtype=np.uint8),
             **arrays)
    return out.getvalue()


def _blob_arrays(blob: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    header = json.loads(arrays.pop("header").tobytes())
    return header, arrays
