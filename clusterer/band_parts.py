"""The stored articles' LSH band keys, kept sorted for lookups, in parts (table
``bandparts`` of a state).

Looking up a run's new articles among the stored ones needs the stored band keys sorted
(:class:`clusterer.stored.CandidateIndex`). Sorting every stored key again each run
costs a sort of the whole state (and reading every stored row); here each run adds one
*part*: the keys of the articles it fingerprinted, sorted, and the seqs it dropped
(expired or replaced). A key of a part is *live* when its article was written by no
later part. The last two parts merge while the older one is no more than twice the
newer (a binary counter: a handful of parts, each key merged a few times over the life
of a state), so a run reads the parts as stored, sorted, and sorts only its own keys and
an occasional merge.

Each part holds three :class:`Keys` tables, as matching pairs articles (stored.py):
body bands of articles matched by body, headline bands of headline articles matched by
body, headline bands of headline-only articles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

KINDS = 3  # bodies, headlines, headlines only


@dataclass(frozen=True)
class Keys:
    """Band keys sorted column by column, each with its article's seq.

    Attributes:
        offsets: Where each column's keys start in ``keys`` (width + 1, int64).
        keys: The keys (uint32), sorted within each column.
        seqs: The seq of each key's article (int64).
    """

    offsets: np.ndarray
    keys: np.ndarray
    seqs: np.ndarray

    @classmethod
    def of(cls, keys: np.ndarray, seqs: np.ndarray) -> Keys:
        """The table of ``keys`` (one row per article, one column per band) of
        articles ``seqs``."""
        width = keys.shape[1]
        tagged = (keys.astype(np.uint64) | (np.arange(width, dtype=np.uint64)[None, :]
                                            << np.uint64(32))).ravel()
        order = np.argsort(tagged, kind="stable")
        ordered = tagged[order]
        offsets = np.searchsorted(ordered >> np.uint64(32),
                                  np.arange(width + 1, dtype=np.uint64)).astype(np.int64)
        return cls(offsets, (ordered & np.uint64(0xFFFFFFFF)).astype(np.uint32),
                   np.asarray(seqs, dtype=np.int64)[order // max(width, 1)])

    @property
    def width(self) -> int:
        return len(self.offsets) - 1

    def pairs(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every ``(row of keys, seq)`` holding one value in one column (repeated
        once per column they share)."""
        rows, seqs = [], []
        for column in range(min(self.width, keys.shape[1])):
            start, end = int(self.offsets[column]), int(self.offsets[column + 1])
            if start == end or not len(keys):
                continue
            stored = self.keys[start:end]
            asked = np.argsort(keys[:, column], kind="stable")
            ordered = keys[asked, column]
            low = np.searchsorted(stored, ordered, side="left")
            sizes = np.searchsorted(stored, ordered, side="right") - low
            at = np.repeat(low - np.cumsum(sizes) + sizes, sizes) + np.arange(int(sizes.sum()))
            rows.append(np.repeat(asked, sizes))
            seqs.append(self.seqs[start + at])
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(rows).astype(np.int64), np.concatenate(seqs)

    def without(self, dropped: np.ndarray) -> Keys:
        """The table without the keys of articles ``dropped`` (sorted seqs)."""
        keep = ~_member(self.seqs, dropped)
        kept = np.concatenate(([0], np.cumsum(keep, dtype=np.int64)))
        return Keys(kept[self.offsets], self.keys[keep], self.seqs[keep])

    def merged(self, newer: Keys) -> Keys:
        """This table and ``newer`` (of the same width) as one, column by column."""
        keys, seqs, offsets = [], [], [0]
        for column in range(self.width):
            parts = [(t.keys[t.offsets[column]:t.offsets[column + 1]],
                      t.seqs[t.offsets[column]:t.offsets[column + 1]]) for t in (self, newer)]
            joined = np.concatenate([k for k, _ in parts])
            order = np.argsort(joined, kind="stable")  # two sorted runs: merged in one pass
            keys.append(joined[order])
            seqs.append(np.concatenate([s for _, s in parts])[order])
            offsets.append(offsets[-1] + len(joined))
        return Keys(np.asarray(offsets, dtype=np.int64), _joined(keys, np.uint32),
                    _joined(seqs, np.int64))


@dataclass(frozen=True)
class Part:
    """The keys one run (or a merge of runs) wrote: ``seqs``, the articles it covers
    (written, or dropped: those have no keys), and one :class:`Keys` per kind."""

    seqs: np.ndarray
    tables: tuple[Keys, ...]

    def to_blob(self) -> bytes:
        """The part as bytes (:meth:`from_blob` reads it back)."""
        header = [len(self.seqs)]
        for t in self.tables:
            header += [t.width, len(t.keys)]
        out = [np.asarray(header, dtype=np.int64).tobytes(), self.seqs.astype(np.int64).tobytes()]
        for t in self.tables:
            # seqs fit in 32 bits (checked when written: :func:`check_seqs`)
            out += [t.offsets.tobytes(), t.keys.tobytes(), t.seqs.astype(np.uint32).tobytes()]
        return b"".join(out)

    @classmethod
    def from_blob(cls, blob: bytes) -> Part:
        header = np.frombuffer(blob, dtype=np.int64, count=1 + 2 * KINDS).tolist()
        at = 8 * len(header)
        seqs = np.frombuffer(blob, dtype=np.int64, count=header[0], offset=at)
        at += 8 * header[0]
        tables = []
        for kind in range(KINDS):
            width, size = header[1 + 2 * kind], header[2 + 2 * kind]
            offsets = np.frombuffer(blob, dtype=np.int64, count=width + 1, offset=at)
            at += 8 * (width + 1)
            keys = np.frombuffer(blob, dtype=np.uint32, count=size, offset=at)
            at += 4 * size
            table_seqs = np.frombuffer(blob, dtype=np.uint32, count=size, offset=at)
            at += 4 * size
            tables.append(Keys(offsets, keys, table_seqs.astype(np.int64)))
        return cls(seqs, tuple(tables))

    def merged(self, newer: Part) -> Part:
        """This part and the next one as one: its keys of articles ``newer`` wrote again
        or dropped left out."""
        covered = np.unique(newer.seqs)
        return Part(np.union1d(self.seqs, newer.seqs),
                    tuple(old.without(covered).merged(new)
                          for old, new in zip(self.tables, newer.tables)))


def merge_tail(parts: list[Part]) -> None:
    """Merge the last two parts (in place) while the older holds no more than twice the
    newer's articles."""
    while len(parts) >= 2 and len(parts[-2].seqs) <= 2 * len(parts[-1].seqs):
        newer = parts.pop()
        parts[-1] = parts[-1].merged(newer)


class PartIndex:
    """The stored parts, looked up together: a key counts where its part is the last
    to cover its article, and the article is not ``excluded``."""

    def __init__(self, parts: Sequence[Part], excluded: set[int]) -> None:
        self.parts = list(parts)
        self.excluded = excluded
        top = max((int(p.seqs.max()) for p in self.parts if len(p.seqs)), default=-1)
        self.latest = np.full(top + 1, -1, dtype=np.int64)
        for number, part in enumerate(self.parts):
            self.latest[part.seqs] = number
        if excluded:
            out = np.asarray(sorted(s for s in excluded if s <= top), dtype=np.int64)
            self.latest[out] = -1

    def pairs(self, kind: int, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The distinct live ``(row of keys, seq)`` pairs holding one value in one
        column of table ``kind``, sorted."""
        rows, seqs = [], []
        for number, part in enumerate(self.parts):
            found_rows, found_seqs = part.tables[kind].pairs(keys)
            live = self.latest[found_seqs] == number
            rows.append(found_rows[live])
            seqs.append(found_seqs[live])
        if not rows or not sum(map(len, rows)):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        row, seq = np.concatenate(rows), np.concatenate(seqs)
        span = len(self.latest) + 1
        both = np.unique(row * span + seq)
        return both // span, both % span


def check_seqs(seqs: np.ndarray) -> None:
    """Seqs are stored in 32 bits in a part."""
    if len(seqs) and int(seqs.max()) >= 2 ** 32:
        raise ValueError(f"seq {int(seqs.max())} does not fit the band parts' 32 bits")


def _member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    if not len(sorted_set):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[at] == values


def _joined(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype)
