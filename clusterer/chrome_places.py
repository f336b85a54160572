"""Where the chrome units stand on each source's pages, read off the merged counts
(:class:`clusterer.chrome_counts.ChromeCounts`): per unit of a source, how often it stands
by its most frequent neighbour, and the units usually before it. Array routines that
:meth:`clusterer.boilerplate.BoilerplateModel.from_counts` learns the model with.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from clusterer.chrome_counts import ChromeCounts
from clusterer.chrome_counts import run_starts as _run_starts
from clusterer.lsh import in_sorted


def pair_keys(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """One 64-bit key per ``(first, second)`` pair (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        return (first.astype(np.uint64) * np.uint64(0x100000001B3)) ^ second.astype(np.uint64)


def unit_totals(unit: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct units (sorted) and the sum of ``count`` over the rows of each."""
    order = np.argsort(unit, kind="stable")
    unit, count = unit[order], count[order]
    starts = _run_starts(unit)
    return unit[starts], (np.add.reduceat(count, starts) if len(starts) else count[:0])


def most_placed(counts: ChromeCounts) -> tuple[np.ndarray, np.ndarray]:
    """Per unit of a source, the counted articles of that source in which it stands next
    to its most frequent neighbour there (the same unit, or the start or end of the page,
    before or after it).

    Returns:
        Sorted :func:`pair_keys` of ``(source number, unit hash)``, and that count for each.
    """
    _, source, _, unit, count = counts.placed
    key = pair_keys(source, unit)
    # The rows of each key together (any order within a key), then its largest count:
    # one sort of the keys, a third of the time of sorting by (key, -count).
    order = np.argsort(key)
    key, count = key[order], count[order]
    first = _run_starts(key)
    return key[first], (np.maximum.reduceat(count, first) if len(first) else count[:0])


def usual_before(counts: ChromeCounts, wanted: np.ndarray, short: np.ndarray,
                  part: bool = False) -> dict[tuple[int, int], frozenset[int]]:
    """For each ``wanted`` :func:`pair_keys` of ``(source number, unit hash)``, and for
    the ``short`` chrome units (hashes) on every source, the units usually before it on
    that source's counted pages (``chrome_counts.START`` at a page start): each found before it at
    least half as often as the most frequent one (a unit repeated in a sidebar has two
    usual places).

    Returns:
        ``{(source number, unit hash): hashes of the units before}``.
    """
    if not len(wanted) and not (part and counts.names):
        # No spread chrome: nothing asks. A bucket's may be in another bucket (see
        # joined), but not without sources.
        return {}
    source, unit, before, rows = counts.before
    # A binary search in the sorted lists (not np.isin: slower here, and it imports numpy.ma).
    keep = in_sorted(pair_keys(source, unit), np.sort(wanted)) | in_sorted(unit, np.sort(short))
    source, unit, before, rows = source[keep], unit[keep], before[keep], rows[keep]
    if not len(source):
        return {}
    # The table is sorted by (source, unit, before): each key's rows are one run. The
    # units before it at least half as often as its most frequent one, in numpy (a
    # Python loop over the rows took 0.9 s at 100,000 articles).
    starts = _run_starts(source, unit)
    lengths = np.diff(np.append(starts, len(source)))
    usual = 2 * rows >= np.repeat(np.maximum.reduceat(rows, starts), lengths)
    kept = np.add.reduceat(usual.astype(np.int64), starts).tolist()  # at least 1 per key
    befores = before[usual].tolist()
    bounds = [0, *np.cumsum(kept).tolist()]
    return {(s, u): frozenset(befores[bounds[k]:bounds[k + 1]])
            for k, (s, u) in enumerate(zip(source[starts].tolist(), unit[starts].tolist()))}


def lookup(keys: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
    """``values`` at ``query`` in the sorted, unique ``keys``; 0 where a key is missing."""
    if not len(keys):
        return np.zeros(len(query), dtype=values.dtype)
    at = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    return np.where(keys[at] == query, values[at], 0)


def grouped(keys: np.ndarray, values: np.ndarray) -> Iterator[tuple[int, list[int]]]:
    """``(key, values)`` per distinct key of a sorted ``keys`` array."""
    bounds = [*_run_starts(keys).tolist(), len(keys)]
    for start, end in zip(bounds, bounds[1:]):
        yield int(keys[start]), values[start:end].tolist()
