"""MinHash signatures kept on an engine's workers, and what matching asks of them.

With the Dask engine, pass 2 of fingerprinting (:func:`clusterer.fingerprint.prints_of`)
leaves each chunk's three MinHash signature matrices on the worker that made them; they
are stacked there into partitions of consecutive articles, and the client holds none
(``num_perm`` x 4 bytes x 3 per article: 1.5 KB at the default 128 permutations).
Matching reads signatures in two ways, both answered on the workers:

- **LSH candidates** (:meth:`ResidentSignatures.lsh_pairs`, for
  :func:`clusterer.lsh.lsh_pairs_of`): each partition bands its rows and sends every
  (band, key, row) to one of ``places`` buckets chosen by a hash of (band, key), so that
  every member of an LSH bucket meets in one place (the shuffle); each place makes the
  pairs and big buckets of its LSH buckets (:func:`clusterer.lsh.keyed_pairs`). The
  client gets the distinct pair keys of each place and merges them: the same pairs
  and big buckets as :func:`clusterer.lsh.lsh_pairs` over the whole matrix.
- **Estimated similarity** (:meth:`ResidentSignatures.equal_counts`, for
  :meth:`clusterer.candidates.Screen.estimate`): the equal MinHash values of each pair,
  counted by a task per pair of partitions holding its two articles.

The members of big LSH buckets, which the walk compares pair by pair (one signature at
a time), have their signatures of every kind fetched once, when the buckets are made;
any other single row is fetched with its partition, the last few partitions kept.
"""

from __future__ import annotations

import collections
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from clusterer.hashing import mix64
from clusterer.lsh import band_key, distinct, keyed_pairs, pairs_of_keys

_CACHED = 4  # partitions of single rows kept on the client
BLOCK = 1 << 16  # pairs per task of equal_counts
IN_FLIGHT = 8  # tasks of equal_counts submitted ahead of the one awaited


class ResidentSignatures:
    """One kind of signature (``name``: ``body_sig``, ``lead_sig`` or ``title_sig``) of
    every article, kept on the workers in ``parts`` (futures of dicts of matrices, one
    per partition; partition k holds rows ``bounds[k]:bounds[k + 1]``).

    Args:
        client: The ``distributed.Client`` of the workers.
        name: Which signature.
        parts: The partitions' futures.
        bounds: Their first rows, and the number of rows at the end.
        num_perm: Values per signature.
        places: Buckets of the LSH shuffle.
    """

    def __init__(self, client: Any, name: str, parts: Sequence[Any], bounds: Sequence[int],
                 num_perm: int, places: int, rows: dict[str, dict[int, np.ndarray]] | None = None
                 ) -> None:
        self.client = client
        self.name = name
        self.parts = list(parts)
        self.bounds = np.asarray(bounds, dtype=np.int64)
        self.shape = (int(self.bounds[-1]), num_perm)
        self.dtype = np.dtype(np.uint32)
        self.places = places
        # Rows fetched ahead (members of big buckets), by name: shared by the kinds.
        self.fetched = rows if rows is not None else {}
        self._rows: collections.OrderedDict[int, np.ndarray] = collections.OrderedDict()

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, index: int) -> np.ndarray:
        """The signature of article ``index``."""
        known = self.fetched.get(self.name, {}).get(int(index))
        if known is not None:
            return known
        part = self._part_of(np.asarray([index]))[0]
        rows = self._rows.get(part)
        if rows is None:
            rows = self.client.submit(_rows, self.name, self.parts[part], pure=False).result()
            self._rows[part] = rows
            if len(self._rows) > _CACHED:
                self._rows.popitem(last=False)
        return rows[index - int(self.bounds[part])]

    def _part_of(self, rows: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.bounds, rows, side="right") - 1

    def equal_counts(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """How many MinHash values articles ``first[k]`` and ``second[k]`` share."""
        out = np.zeros(len(first), dtype=np.int64)
        if not len(first):
            return out
        count = len(self.parts)
        block = self._part_of(first) * count + self._part_of(second)
        order = np.argsort(block, kind="stable")
        ordered = block[order]
        del block
        bounds = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
        starts = np.concatenate(([0], bounds))
        ends = np.concatenate((bounds, [len(order)]))
        # At most IN_FLIGHT blocks of at most BLOCK pairs in flight: a task's arguments
        # stay in the scheduler until it is done.
        pending: collections.deque[tuple[np.ndarray, Any]] = collections.deque()
        for start, end in zip(starts.tolist(), ends.tolist()):
            a, b = divmod(int(ordered[start]), count)
            for lo in range(start, end, BLOCK):
                chosen = order[lo:min(end, lo + BLOCK)]
                pending.append((chosen, self.client.submit(
                    _equal, self.name, self.parts[a], self.parts[b],
                    (first[chosen] - self.bounds[a]).astype(np.int32),
                    (second[chosen] - self.bounds[b]).astype(np.int32), pure=False)))
                if len(pending) > IN_FLIGHT:
                    chosen, task = pending.popleft()
                    out[chosen] = task.result()
        while pending:
            chosen, task = pending.popleft()
            out[chosen] = task.result()
        return out

    def fetch_rows(self, rows: np.ndarray) -> None:
        """Fetch the signatures of every kind of articles ``rows`` ahead (the members of
        big buckets, walked pair by pair), for ``self[row]``."""
        rows = distinct(np.asarray(rows, dtype=np.int64))
        parts = self._part_of(rows)
        cuts = np.searchsorted(parts, np.arange(len(self.parts) + 1)).tolist()
        tasks = []
        for part, (lo, hi) in enumerate(zip(cuts, cuts[1:])):
            if lo < hi:
                tasks.append((rows[lo:hi], self.client.submit(
                    _pick, self.parts[part], rows[lo:hi] - self.bounds[part], pure=False)))
        for chosen, task in tasks:
            for name, values in task.result().items():
                known = self.fetched.setdefault(name, {})
                known.update(zip(chosen.tolist(), values))

    def lsh_pairs(self, rows: np.ndarray, bands: int, band_rows: int,
                  wanted: np.ndarray | None = None, max_bucket: int = 1024
                  ) -> tuple[np.ndarray, list[np.ndarray]]:
        """:func:`clusterer.lsh.lsh_pairs` of ``self[rows]`` (``rows`` ascending), by a
        shuffle of the band keys on the workers."""
        n = len(rows)
        if n < 2:
            return pairs_of_keys(np.zeros(0, dtype=np.int64), n), []
        if np.any(rows[1:] <= rows[:-1]):
            raise ValueError("rows must be ascending")
        client = self.client
        cuts = np.searchsorted(rows, self.bounds).tolist()
        banded = []
        for part, (start, end) in enumerate(zip(cuts, cuts[1:])):
            if start == end:
                continue
            banded.append(client.submit(
                _band_keys, self.name, self.parts[part], rows[start:end] - self.bounds[part],
                start, None if wanted is None else wanted[start:end], bands, band_rows,
                self.places, pure=False))
        places, held = [], []  # futures passed on are held until done: a release sent
        for place in range(self.places):  # before its dependant would lose them
            pieces = [client.submit(operator.getitem, b, place, pure=False) for b in banded]
            held += pieces
            places.append(client.submit(_place_pairs, n, max_bucket, wanted is not None, *pieces,
                                        pure=False))
        keys: list[np.ndarray] = []
        big: list[tuple[int, int, np.ndarray]] = []
        for task in places:
            place_keys, place_big = task.result()
            keys.append(place_keys)
            big += place_big
        del held, banded
        big.sort(key=lambda bucket: (bucket[0], bucket[1]))
        merged = distinct(np.concatenate(keys)) if keys else np.zeros(0, dtype=np.int64)
        if big:
            self.fetch_rows(rows[np.concatenate([members for _, _, members in big])])
        return pairs_of_keys(merged, n), [members for _, _, members in big]


def stack(names: Sequence[str], *chunks: dict[str, Any]) -> dict[str, np.ndarray]:
    """The stage that makes a partition: the signatures ``names`` of consecutive chunks
    of pass 2, stacked."""
    return {name: np.concatenate([chunk[name] for chunk in chunks]) for name in names}


def _rows(name: str, part: dict[str, np.ndarray]) -> np.ndarray:
    return part[name]


def _pick(part: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    return {name: values[rows] for name, values in part.items()}


def _equal(name: str, part_a: dict[str, np.ndarray], part_b: dict[str, np.ndarray],
           a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.count_nonzero(part_a[name][a] == part_b[name][b], axis=1)


_BAND_SALT = np.uint64(0x9E3779B97F4A7C15)


def _band_keys(name: str, part: dict[str, np.ndarray], local: np.ndarray, start: int,
               wanted: np.ndarray | None, bands: int, band_rows: int, places: int
               ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]]:
    """Every row's key in every band (``local``: the partition's rows, ``start``: the
    first one's position among all rows banded), cut by place."""
    signatures = part[name][local]
    n = len(local)
    band = np.repeat(np.arange(bands, dtype=np.int64), n)
    key = np.concatenate([band_key(signatures[:, k * band_rows:(k + 1) * band_rows])
                          for k in range(bands)])
    position = np.tile(np.arange(start, start + n, dtype=np.int64), bands)
    wants = None if wanted is None else np.tile(wanted, bands)
    with np.errstate(over="ignore"):
        place = (mix64(key ^ (band.astype(np.uint64) * _BAND_SALT)) % np.uint64(places)
                 ).astype(np.int64)
    order = np.argsort(place, kind="stable")
    cuts = np.searchsorted(place[order], np.arange(places + 1)).tolist()
    out = []
    for lo, hi in zip(cuts, cuts[1:]):
        chosen = order[lo:hi]
        out.append((band[chosen], key[chosen], position[chosen],
                    None if wants is None else wants[chosen]))
    return out


def _place_pairs(n: int, max_bucket: int, has_wanted: bool,
                 *pieces: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]
                 ) -> tuple[np.ndarray, list[tuple[int, int, np.ndarray]]]:
    """The pairs and big buckets of one place of the shuffle."""
    if not pieces:
        return np.zeros(0, dtype=np.int64), []
    columns = [np.concatenate([piece[k] for piece in pieces]) for k in range(3)]
    wanted = np.concatenate([piece[3] for piece in pieces]) if has_wanted else None
    return keyed_pairs(columns[0], columns[1], columns[2], wanted, n, max_bucket)
