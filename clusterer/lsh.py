"""LSH: candidate pairs from MinHash signatures, banded as datasketch's ``MinHashLSH``
bands them (its band parameters, looked up for the default thresholds and tested
against datasketch), in bulk with numpy; and the helpers on pairs and buckets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from clusterer.engine import LocalEngine, return_free_memory
from clusterer.hashing import mix64

PairFilter = Callable[[np.ndarray, np.ndarray], np.ndarray]  # which pairs (a[k], b[k]) to keep

KNOWN_LSH_PARAMS: dict[tuple[float, int], tuple[int, int]] = {
    (0.4, 128): (32, 4),
    (0.6585786437626906, 128): (16, 8),
}


@lru_cache(maxsize=64)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """Bands and rows per band that datasketch's ``MinHashLSH`` chooses for a Jaccard
    ``threshold`` (minimising its weighted false positive and negative areas)."""
    known = KNOWN_LSH_PARAMS.get((float(threshold), num_perm))
    if known is not None:
        return known
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def lsh_buckets(signatures: np.ndarray, bands: int, rows: int,
                wanted: np.ndarray | None = None) -> Iterator[np.ndarray]:
    """Groups of row indices that share a band: the buckets of a datasketch
    ``MinHashLSH(params=(bands, rows))`` holding these signatures.

    Same buckets, same candidates (tested against ``MinHashLSH.query``), but one numpy
    sort per band instead of a Python call per band per article: datasketch's insert
    was half of the dedup run time at 20k articles.

    Args:
        signatures: MinHash values, shape (n, num_perm) with num_perm >= bands * rows.
        bands: Number of bands.
        rows: Values per band.
        wanted: Optional boolean mask over the rows: only buckets holding at least one
            wanted row are yielded (the rows that query the index).

    Yields:
        Arrays of two or more row indices, ascending, one per shared band value.
    """
    for order, starts, ends in _band_buckets(signatures, bands, rows, wanted):
        for start, end in zip(starts, ends):
            yield np.sort(order[start:end])


def lsh_pairs(signatures: np.ndarray, bands: int, rows: int, wanted: np.ndarray | None = None,
              max_bucket: int = 1024, keep: PairFilter | None = None,
              subset: np.ndarray | None = None, pool: LocalEngine | None = None
              ) -> tuple[np.ndarray, list[np.ndarray]]:
    """The candidate pairs of :func:`lsh_buckets`, as arrays: no Python object per pair.

    Buckets of more than ``max_bucket`` rows (a stock headline carried by thousands of
    feeds) would give pairs by the million; they are returned as buckets instead.

    Args:
        signatures, bands, rows: As for :func:`lsh_buckets`.
        wanted: Optional boolean mask: only pairs with a wanted row are returned (and
            only big buckets holding one).
        max_bucket: Largest bucket given as pairs.
        keep: Optional: which pairs ``(a[k], b[k])`` of a band to keep (a boolean mask),
            applied piece by piece, before the bands' pairs are gathered: pairs no later
            step would use (a screen's rejects) never pile up (lead pairs grow about
            with the square of the dump: 0.9M at 100,000 articles, 3.2M at 200,000).
        subset: Optional row indices: ``lsh_pairs(signatures[subset], ...)`` (pairs of
            positions in ``subset``), banded one band at a time, without the copy of
            ``signatures[subset]`` (0.5 GiB at 1M articles).
        pool: Optional local engine whose workers are forked (:meth:`LocalEngine.forks`):
            the bands are banded and screened there, a band a job (the arguments, ``keep``
            included, reach the workers as they are in memory).

    Returns:
        Unique pairs ``(i, j)`` with ``i < j`` sharing a bucket of at most ``max_bucket``
        rows, shape (k, 2), sorted; and the larger buckets, as by :func:`lsh_buckets`.
    """
    n = len(signatures) if subset is None else len(subset)
    state = (signatures, rows, wanted, max_bucket, keep, subset)
    jobs = [range(band, band + 1) for band in range(bands)]
    if pool is None:
        parts: Iterator[tuple[np.ndarray, list[np.ndarray]]] = (
            _bands_pairs(state, job) for job in jobs)
        return _joined(parts, n)
    with pool.mapper(n, state) as mapper:
        return _joined(mapper(_bands_pairs, jobs), n)


def _joined(parts: Iterable[tuple[np.ndarray, list[np.ndarray]]], n: int
            ) -> tuple[np.ndarray, list[np.ndarray]]:
    """The distinct pairs and the big buckets of the bands' parts, in band order."""
    keys = _Keys()
    big: list[np.ndarray] = []
    for part, buckets in parts:
        keys.add(part)
        big.extend(buckets)
    pairs = _pairs(keys.distinct(), n)
    del keys
    # The bands' arrays (tens of MiB each at 100,000 articles) sit below glibc's mmap
    # threshold once large arrays have been freed: handed back, the matching stage's
    # peak RSS falls by about 0.2 GiB.
    return_free_memory()
    return pairs, big


def _bands_pairs(state: tuple[Any, ...], bands: range) -> tuple[np.ndarray, list[np.ndarray]]:
    """The stage of :func:`lsh_pairs` (``state`` its arguments): the distinct pair keys
    ``i * n + j`` of the ``bands``, and their big buckets, in band order."""
    signatures, rows, wanted, max_bucket, keep, subset = state
    n = len(signatures) if subset is None else len(subset)
    keys = _Keys()
    big: list[np.ndarray] = []
    for order, starts, ends in _band_buckets(signatures, bands, rows, wanted, subset):
        small = ends - starts <= max_bucket
        big.extend(np.sort(order[s:e]) for s, e in zip(starts[~small], ends[~small]))
        # A band's pairs are made piece by piece, each a run of buckets holding about
        # PIECE_PAIRS pairs: a band's pairs grow with the square of its buckets (the
        # headline bands of a 100,000-article dump: 0.85M pairs in one band; 100 times
        # that at 1M), and each pair costs several arrays' worth until it is screened.
        for piece_starts, piece_ends in _pieces(starts[small], ends[small], PIECE_PAIRS):
            first, second = _bucket_pairs(piece_starts, piece_ends)
            a, b = order[first], order[second]
            del first, second
            if wanted is not None:
                asked = wanted[a] | wanted[b]
                a, b = a[asked], b[asked]
            if keep is not None and len(a):
                chosen = keep(a, b)
                a, b = a[chosen], b[chosen]
            keys.add(np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b))
            del a, b
    return keys.distinct(), big


class _Keys:
    """Pair keys gathered part by part, their distinct values in the end. Memory is
    bounded: what is held is folded to its distinct values (a pair of copies recurs in
    every band) once what came since the last fold outgrows it."""

    def __init__(self) -> None:
        self.parts: list[np.ndarray] = []
        self.held = self.folded = 0  # keys in ``parts``; in its first, distinct, at the last fold

    def add(self, part: np.ndarray) -> None:
        self.parts.append(part)
        self.held += len(part)
        if self.held - self.folded > max(self.folded, PIECE_PAIRS):
            self.parts = [_distinct_of(self.parts)]
            self.held = self.folded = len(self.parts[0])

    def distinct(self) -> np.ndarray:
        """The distinct keys, sorted (the parts are let go)."""
        return _distinct_of(self.parts)


def lsh_pairs_of(signatures: Any, rows: np.ndarray, bands: int, band_rows: int,
                 wanted: np.ndarray | None = None, keep: PairFilter | None = None,
                 pool: LocalEngine | None = None) -> tuple[np.ndarray, list[np.ndarray]]:
    """``lsh_pairs(signatures[rows], ...)``, computed where the signatures are: signatures
    kept on an engine's workers (:class:`clusterer.resident.ResidentSignatures`) are
    banded and bucketed there (and ``keep`` applied here to their pairs).
    ``rows`` ascending."""
    remote = getattr(signatures, "lsh_pairs", None)
    if remote is not None:
        pairs, big = remote(rows, bands, band_rows, wanted)
        return (pairs if keep is None else pairs[keep(pairs[:, 0], pairs[:, 1])]), big
    return lsh_pairs(signatures, bands, band_rows, wanted, keep=keep, subset=rows, pool=pool)


def keyed_pairs(band: np.ndarray, key: np.ndarray, position: np.ndarray,
                wanted: np.ndarray | None, n: int, max_bucket: int = 1024
                ) -> tuple[np.ndarray, list[tuple[int, int, np.ndarray]]]:
    """What :func:`lsh_pairs` makes of some whole buckets, given as one row per member:
    its ``band``, the band's ``key`` (:func:`band_key`), its ``position`` among the ``n``
    rows banded, and whether it is ``wanted``. Returns the distinct pair keys
    ``i * n + j`` (``i < j``) and the big buckets as ``(band, key, members)``: a shuffle
    that sends every member of a bucket to one place gets, over all places, the pairs
    and big buckets of :func:`lsh_pairs` (big buckets ordered by band, then key)."""
    order = np.lexsort((position, key, band))
    band, key, position = band[order], key[order], position[order]
    if not len(order):
        return np.zeros(0, dtype=np.int64), []
    change = (band[1:] != band[:-1]) | (key[1:] != key[:-1])
    starts = np.concatenate(([0], np.flatnonzero(change) + 1))
    ends = np.concatenate((starts[1:], [len(order)]))
    keep = ends - starts >= 2
    if wanted is not None:
        wanted = wanted[order]
        keep &= np.add.reduceat(wanted.astype(np.int32), starts) > 0
    starts, ends = starts[keep], ends[keep]
    small = ends - starts <= max_bucket
    big = [(int(band[s]), int(key[s]), np.sort(position[s:e]))
           for s, e in zip(starts[~small], ends[~small])]
    first, second = _bucket_pairs(starts[small], ends[small])
    a, b = position[first], position[second]
    if wanted is not None:
        chosen = wanted[first] | wanted[second]
        a, b = a[chosen], b[chosen]
    return distinct(np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b)), big


def pairs_of_keys(keys: np.ndarray, n: int) -> np.ndarray:
    """Pairs ``(i, j)`` of pair keys ``i * n + j``, shape (k, 2)."""
    return _pairs(keys, n)


def union_pairs(pairs: Sequence[np.ndarray], n: int) -> np.ndarray:
    """The distinct rows of several pair arrays of :func:`lsh_pairs` (rows below ``n``),
    sorted."""
    if not pairs:
        return np.zeros((0, 2), dtype=np.int64)
    return _pairs(distinct(np.concatenate([p[:, 0] * n + p[:, 1] for p in pairs])), n)


def _pairs(keys: np.ndarray, n: int) -> np.ndarray:
    return np.stack((keys // max(n, 1), keys % max(n, 1)), axis=1)


def _distinct_of(parts: list[np.ndarray]) -> np.ndarray:
    """:func:`distinct` of the parts joined, sorted in place (one copy less)."""
    values = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    parts.clear()
    values.sort()
    return _first_of_runs(values)


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values, as ``np.unique`` (whose hash table is several times slower
    than a sort on these arrays: 26 against 4 microseconds for 500 shingles)."""
    return _first_of_runs(np.sort(values))


def _first_of_runs(values: np.ndarray) -> np.ndarray:
    """The distinct values of sorted ``values``: the first of each run of equal ones."""
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) else values


def shared_count(a: np.ndarray, b: np.ndarray) -> int:
    """``len(np.intersect1d(a, b, assume_unique=True))`` of two arrays of distinct values,
    counted the same way (the values of both, sorted, equal neighbours counted) without
    building the intersection: twice as fast on shingle sets, which matching compares
    hundreds of thousands of times."""
    values = np.concatenate((a, b))
    values.sort()
    return int(np.count_nonzero(values[1:] == values[:-1]))


def in_sorted(values: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    """Whether each of ``values`` is in ``sorted_values`` (sorted ascending), by a binary
    search."""
    if not len(sorted_values):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return sorted_values[at] == values


# Pairs made at once by lsh_pairs (with their positions, rows and screen: ~100 MiB).
PIECE_PAIRS = 1 << 21


def _pieces(starts: np.ndarray, ends: np.ndarray, budget: int
            ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The ranges ``[start, end)`` in runs of consecutive ranges holding about ``budget``
    pairs each (a range alone past it is a run of its own): all of them, in order."""
    sizes = ends - starts
    within = np.cumsum(sizes * (sizes - 1) // 2)
    begin = 0
    while begin < len(starts):
        done = int(within[begin - 1]) if begin else 0
        stop = max(int(np.searchsorted(within, done + budget, side="right")), begin + 1)
        yield starts[begin:stop], ends[begin:stop]
        begin = stop


def _bucket_pairs(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(p, q)``, ``p < q``, of every pair within each range ``[start, end)``."""
    sizes = ends - starts
    total = int(sizes.sum())
    if total == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    first_of = np.repeat(np.cumsum(sizes) - sizes, sizes)
    position = np.arange(total) - first_of + np.repeat(starts, sizes)
    partners = np.repeat(ends, sizes) - position - 1
    count = int(partners.sum())
    first = np.repeat(position, partners)
    step = np.arange(count) - np.repeat(np.cumsum(partners) - partners, partners)
    return first, first + 1 + step


def band_key(block: np.ndarray) -> np.ndarray:
    """One 64-bit key per row of a band: its values packed when they fit, else hashed
    (a sort on one key is several times faster than on ``rows`` keys). Two different
    band values share a hashed key about once in 2**64 pairs; that would only add a
    candidate pair, which is screened and verified like any other."""
    wide = block.astype(np.uint64)
    if block.shape[1] == 1:
        return wide[:, 0]
    if block.shape[1] == 2:
        return (wide[:, 0] << np.uint64(32)) | wide[:, 1]
    key = np.zeros(len(block), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in range(block.shape[1]):
            key = mix64(key * np.uint64(0x9E3779B97F4A7C15) + wide[:, column])
    return key


def _band_buckets(signatures: np.ndarray, bands: int | range, rows: int,
                  wanted: np.ndarray | None, subset: np.ndarray | None = None
                  ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per band: the row order sorted by band value, and the ``[start, end)`` ranges
    of that order that share a value (two or more rows, one of them wanted); of the
    rows ``subset`` only, if given (positions in it). ``bands``: how many, or which."""
    n = len(signatures) if subset is None else len(subset)
    if n < 2:
        return
    for band in range(bands) if isinstance(bands, int) else bands:
        columns = slice(band * rows, (band + 1) * rows)
        key = band_key(signatures[:, columns] if subset is None else signatures[subset, columns])
        order = np.argsort(key, kind="stable")
        ordered = key[order]
        starts = np.concatenate(([0], np.flatnonzero(ordered[1:] != ordered[:-1]) + 1))
        ends = np.concatenate((starts[1:], [n]))
        keep = ends - starts >= 2
        if wanted is not None:
            keep &= np.add.reduceat(wanted[order].astype(np.int32), starts) > 0
        yield order, starts[keep], ends[keep]
