"""MinHash: shingle hashing, batched signatures and LSH banding.

Signatures are datasketch MinHashes (scheme ``affine32``, datasketch's own permutation
parameters for the seed) computed for many sets at once with numpy instead of one
``MinHash.update`` call per shingle: the values are identical to
``MinHash.update_batch`` with a hash function returning our 32-bit shingle hashes
(tested), at a fraction of the cost.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

_U32 = np.uint32
_EMPTY = np.zeros(0, dtype=_U32)
# MurmurHash3 32-bit finalizer constants, as datasketch's affine32 pre-mix.
_FMIX = (_U32(16), _U32(0x85EBCA6B), _U32(13), _U32(0xC2B2AE35), _U32(16))
_POLY = np.uint64(0x100000001B3)  # odd multiplier combining token hashes into a shingle hash
# Shingles per numpy batch: the (shingles x perms) matrix stays in cache (measured:
# 2x faster than batches 8 times larger).
_BATCH_ELEMENTS = 1 << 12


class TokenHasher:
    """Stable 64-bit token hashes, cached (vocabularies repeat; blake2b is not free)."""

    def __init__(self) -> None:
        self._cache: dict[str, int] = {}

    def __call__(self, tokens: Sequence[str]) -> np.ndarray:
        get = self._cache.get
        return np.fromiter((get(t) or self._miss(t) for t in tokens), dtype=np.uint64,
                           count=len(tokens))

    def _miss(self, token: str) -> int:
        value = int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(),
                               "little") or 1  # 0 would read as a cache miss
        self._cache[token] = value
        return value


def _combine(hashes: np.ndarray, k: int) -> np.ndarray:
    """Hash every window of ``k`` consecutive values, in order, folded to 32 bits."""
    n = len(hashes)
    if n == 0:
        return _EMPTY
    k = min(k, n)
    with np.errstate(over="ignore"):
        h = hashes[: n - k + 1].copy()
        for j in range(1, k):
            h = h * _POLY + hashes[j : n - k + 1 + j]
        return ((h >> np.uint64(32)) ^ h).astype(_U32)


def word_shingles(tokens: Sequence[str], k: int, hasher: TokenHasher) -> np.ndarray:
    """32-bit hashes of the word ``k``-grams of ``tokens``, in text order (one shingle of
    all the tokens when there are fewer than ``k``)."""
    return _combine(hasher(tokens), k)


def char_shingles(text: str, k: int) -> np.ndarray:
    """32-bit hashes of the character ``k``-grams of ``text``, in text order."""
    if not text:
        return _EMPTY
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=_U32).astype(np.uint64)
    return _combine(codes * np.uint64(0x9E3779B97F4A7C15), k)


class Signer:
    """Batched datasketch MinHash signatures.

    Args:
        num_perm: Number of permutations (signature length).
        seed: datasketch seed; the same seed gives the same permutations.
    """

    def __init__(self, num_perm: int = 128, seed: int = 1) -> None:
        self.num_perm = num_perm
        self.seed = seed
        a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
        self._a = np.asarray(a, dtype=_U32)
        self._b = np.asarray(b, dtype=_U32)

    def signatures(self, sets: Sequence[np.ndarray]) -> np.ndarray:
        """MinHash hash values of each set, shape (len(sets), num_perm), uint32.

        An empty set gets the all-maximum signature, as an empty datasketch MinHash.
        """
        out = np.full((len(sets), self.num_perm), np.iinfo(_U32).max, dtype=_U32)
        start = 0
        while start < len(sets):
            stop, size = start, 0
            while stop < len(sets) and (size == 0 or size + len(sets[stop]) <= _BATCH_ELEMENTS):
                size += len(sets[stop])
                stop += 1
            self._sign_batch(sets[start:stop], out[start:stop])
            start = stop
        return out

    def _sign_batch(self, sets: Sequence[np.ndarray], out: np.ndarray) -> None:
        lengths = np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets))
        nonempty = np.flatnonzero(lengths)
        if len(nonempty) == 0:
            return
        values = np.concatenate([sets[int(i)] for i in nonempty]).astype(_U32, copy=False)
        s1, m1, s2, m2, s3 = _FMIX
        with np.errstate(over="ignore"):
            hv = values ^ (values >> s1)
            hv = hv * m1
            hv = hv ^ (hv >> s2)
            hv = hv * m2
            hv = hv ^ (hv >> s3)
            permuted = np.multiply(hv[:, None], self._a[None, :])
            np.add(permuted, self._b[None, :], out=permuted)
        offsets = np.concatenate(([0], np.cumsum(lengths[nonempty])[:-1]))
        out[nonempty] = np.minimum.reduceat(permuted, offsets, axis=0)

    def lean(self, signature: np.ndarray) -> LeanMinHash:
        """A datasketch LeanMinHash holding one signature row."""
        return LeanMinHash(seed=self.seed, hashvalues=signature, scheme="affine32")


def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """Bands and rows per band that datasketch's ``MinHashLSH`` chooses for a Jaccard
    ``threshold`` (minimising its weighted false positive and negative areas)."""
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
              max_bucket: int = 512) -> tuple[np.ndarray, list[np.ndarray]]:
    """The candidate pairs of :func:`lsh_buckets`, as arrays: no Python object per pair.

    Buckets of more than ``max_bucket`` rows (a stock headline carried by thousands of
    feeds) would give pairs by the million; they are returned as buckets instead.

    Args:
        signatures, bands, rows: As for :func:`lsh_buckets`.
        wanted: Optional boolean mask: only pairs with a wanted row are returned (and
            only big buckets holding one).
        max_bucket: Largest bucket given as pairs.

    Returns:
        Unique pairs ``(i, j)`` with ``i < j`` sharing a bucket of at most ``max_bucket``
        rows, shape (k, 2), sorted; and the larger buckets, as by :func:`lsh_buckets`.
    """
    n = len(signatures)
    keys: list[np.ndarray] = []
    big: list[np.ndarray] = []
    for order, starts, ends in _band_buckets(signatures, bands, rows, wanted):
        small = ends - starts <= max_bucket
        big.extend(np.sort(order[s:e]) for s, e in zip(starts[~small], ends[~small]))
        first, second = _bucket_pairs(starts[small], ends[small])
        a, b = order[first], order[second]
        if wanted is not None:
            keep = wanted[a] | wanted[b]
            a, b = a[keep], b[keep]
        keys.append(np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b))
        if len(keys) > 8:  # bound memory: fold the bands seen so far
            keys = [_unique(np.concatenate(keys))]
    return _pairs(_unique(np.concatenate(keys)) if keys else np.zeros(0, dtype=np.int64), n), big


def union_pairs(pairs: Sequence[np.ndarray], n: int) -> np.ndarray:
    """The distinct rows of several pair arrays of :func:`lsh_pairs` (rows below ``n``),
    sorted."""
    if not pairs:
        return np.zeros((0, 2), dtype=np.int64)
    return _pairs(_unique(np.concatenate([p[:, 0] * n + p[:, 1] for p in pairs])), n)


def _pairs(keys: np.ndarray, n: int) -> np.ndarray:
    return np.stack((keys // max(n, 1), keys % max(n, 1)), axis=1)


def _unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (a sort: 4x faster than ``np.unique``'s hash table here)."""
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) else values


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


def _band_buckets(signatures: np.ndarray, bands: int, rows: int, wanted: np.ndarray | None
                  ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per band: the row order sorted by band value, and the ``[start, end)`` ranges
    of that order that share a value (two or more rows, one of them wanted)."""
    n = len(signatures)
    if n < 2:
        return
    for band in range(bands):
        block = signatures[:, band * rows:(band + 1) * rows]
        order = np.lexsort(block.T[::-1])
        ordered = block[order]
        new_value = np.any(ordered[1:] != ordered[:-1], axis=1)
        starts = np.concatenate(([0], np.flatnonzero(new_value) + 1))
        ends = np.concatenate((starts[1:], [n]))
        keep = ends - starts >= 2
        if wanted is not None:
            keep &= np.add.reduceat(wanted[order].astype(np.int32), starts) > 0
        yield order, starts[keep], ends[keep]
