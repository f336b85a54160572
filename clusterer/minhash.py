"""MinHash: batched signatures of shingle sets (the shingles: :mod:`clusterer.hashing`;
LSH candidates from the signatures: :mod:`clusterer.lsh`).

Signatures are datasketch MinHashes (scheme ``affine32``, datasketch's own permutation
parameters for the seed) computed for many sets at once with numpy instead of one
``MinHash.update`` call per shingle: the values are identical to
``MinHash.update_batch`` with a hash function returning our 32-bit shingle hashes
(tested), at a fraction of the cost.

datasketch is the reference, imported only when needed: importing it imports
``scipy.integrate`` (two thirds of a second), which it uses only to choose LSH bands.
The permutations are drawn here as datasketch draws them, and the bands of the default
thresholds are looked up (both tested against datasketch).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    from datasketch import LeanMinHash

_U32 = np.uint32
# MurmurHash3 32-bit finalizer constants, as datasketch's affine32 pre-mix.
_FMIX = (_U32(16), _U32(0x85EBCA6B), _U32(13), _U32(0xC2B2AE35), _U32(16))
# Shingles per numpy batch: the (perms x shingles) matrix, 2 MiB at 128 permutations,
# stays in cache (measured: 1.6x faster than batches of 1,024, as fast as 8,192).
_BATCH_ELEMENTS = 1 << 12


def _premix(values: np.ndarray) -> np.ndarray:
    """datasketch's affine32 pre-mix of 32-bit hashes: the MurmurHash3 finaliser."""
    s1, m1, s2, m2, s3 = _FMIX
    hashed = values ^ (values >> s1)
    hashed *= m1
    hashed ^= hashed >> s2
    hashed *= m2
    hashed ^= hashed >> s3
    return hashed


class Signer:
    """Batched datasketch MinHash signatures.

    Args:
        num_perm: Number of permutations (signature length).
        seed: datasketch seed; the same seed gives the same permutations.
    """

    def __init__(self, num_perm: int = 128, seed: int = 1) -> None:
        self.num_perm = num_perm
        self.seed = seed
        self._a, self._b = permutations(num_perm, seed)
        self._buffer: np.ndarray | None = None

    def signatures(self, sets: Sequence[np.ndarray]) -> np.ndarray:
        """MinHash hash values of each set, shape (len(sets), num_perm), uint32.

        An empty set gets the all-maximum signature, as an empty datasketch MinHash.
        """
        n = len(sets)
        out = np.full((n, self.num_perm), np.iinfo(_U32).max, dtype=_U32)
        if n == 0:
            return out
        lengths = np.fromiter(map(len, sets), dtype=np.int64, count=n)
        hashed = _premix(np.concatenate(sets).astype(_U32, copy=False))
        ends = np.cumsum(lengths)
        starts = ends - lengths
        first = 0
        while first < n:
            if lengths[first] > _BATCH_ELEMENTS:
                # A large set alone, in slices: its (perms x shingles) matrix whole would
                # cost 512 bytes per shingle (1.5 GiB for a 25 MB article).
                self._sign_large(hashed[starts[first]:ends[first]], out[first])
                first += 1
                continue
            # The sets that fit in one batch (at least this one).
            stop = int(np.searchsorted(ends, starts[first] + _BATCH_ELEMENTS, side="right"))
            self._sign_batch(hashed[starts[first]:ends[stop - 1]], lengths[first:stop],
                             out[first:stop])
            first = stop
        return out

    def _sign_large(self, hashed: np.ndarray, out: np.ndarray) -> None:
        """The signature of one large set: the minimum over its slices' values."""
        for start in range(0, len(hashed), _BATCH_ELEMENTS):
            permuted = self._permuted(hashed[start:start + _BATCH_ELEMENTS])
            np.minimum(out, permuted.min(axis=1), out=out)

    def _sign_batch(self, hashed: np.ndarray, lengths: np.ndarray, out: np.ndarray) -> None:
        """Signatures of consecutive sets whose pre-mixed values are ``hashed``."""
        nonempty = np.flatnonzero(lengths)
        if len(nonempty) == 0:
            return
        offsets = (np.cumsum(lengths) - lengths)[nonempty]
        out[nonempty] = np.minimum.reduceat(self._permuted(hashed), offsets, axis=1).T

    def _permuted(self, hashed: np.ndarray) -> np.ndarray:
        """``a * h + b`` modulo 2**32 for every permutation (rows) and value (columns):
        this layout makes the minimum over each set's columns run along memory, 3 to 4
        times faster than one row per value. Written into one buffer that every batch
        reuses (a fresh 2 MiB array per batch costs a quarter more in page faults): the
        result is read before the next call."""
        if self._buffer is None or self._buffer.shape[1] < len(hashed):
            self._buffer = np.empty((self.num_perm, max(len(hashed), _BATCH_ELEMENTS)),
                                    dtype=_U32)
        permuted = self._buffer[:, :len(hashed)]
        np.multiply(self._a[:, None], hashed[None, :], out=permuted)  # arrays wrap silently
        permuted += self._b[:, None]
        return permuted

    def lean(self, signature: np.ndarray) -> LeanMinHash:
        """A datasketch LeanMinHash holding one signature row."""
        from datasketch import LeanMinHash

        return LeanMinHash(seed=self.seed, hashvalues=signature, scheme="affine32")


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``a`` (odd) and ``b`` parameters of datasketch's ``affine32`` permutations for
    ``seed``: ``MinHash(num_perm, seed, scheme="affine32").permutations``, drawn the same
    way (tested), without importing datasketch. Cached: the parent draws them before
    the workers fork (:func:`clusterer.fingerprint.fingerprint`), which then neither
    import ``numpy.random`` nor draw them again. The arrays are shared: not to be
    written to."""
    generator = np.random.RandomState(seed)
    a = generator.randint(0, 1 << 31, num_perm, dtype=_U32) * _U32(2) + _U32(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=_U32)
    a.setflags(write=False)
    b.setflags(write=False)
    return a, b


# datasketch's choice for the thresholds the default settings band for (Jaccard 0.4, and
# the headline floor ``screen_floor(0.8, 128)``), at 128 permutations. Choosing costs an
# import of scipy.integrate and about 400 integrals; a test checks every entry.
