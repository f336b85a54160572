"""The fingerprints of a dump as one column-wise table (:class:`Fingerprints`), and
how the parts that pass 2's workers send back are joined into it
(:func:`joined_prints`) without holding the parts and the table at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from clusterer.engine import Engine, Resident, return_free_memory
from clusterer.shingling import Packed

SIGNATURES = ("body_sig", "lead_sig", "title_sig")  # what an engine may keep on its workers
_PACKED = ("body", "lead", "title", "head")
_TRIM_EVERY = 32  # parts copied between two hand-backs of freed memory


@dataclass
class Fingerprints:
    """Column-wise fingerprints of n articles (no Python object per article).

    Attributes:
        body: Sorted unique 32-bit shingles of the content (the headline's character
            shingles for headline-only articles).
        lead: The same for the first ``lead_shingles`` shingles of the content.
        title: Sorted unique character shingles of the cleaned headline.
        head: The first ``HEAD_SHINGLES`` shingles of the content in text order (where
            a match begins: see :func:`clusterer.dedup.aligned`).
        title_only: Whether the article is fingerprinted by its headline.
        digest: 16-byte hash of the normalised content (exact duplicates).
        length: Characters of normalised content (``keep=longest``).
        body_sig: MinHash values of ``body``, shape (n, num_perm).
        lead_sig: MinHash values of ``lead``, shape (n, num_perm).
        title_sig: MinHash values of ``title``, shape (n, num_perm).
    """

    body: Packed
    lead: Packed
    title: Packed
    head: Packed
    title_only: list[bool]
    digest: list[bytes]
    length: list[int]
    body_sig: np.ndarray
    lead_sig: np.ndarray
    title_sig: np.ndarray


def joined_prints(parts: list[Any], num_perm: int, engine: Engine | None = None
                  ) -> Fingerprints:
    """The workers' parts as one :class:`Fingerprints`; ``parts`` is emptied on the way
    (each part's arrays are let go once copied). Parts kept on the engine
    (:class:`Resident`) leave their signatures there."""
    n = sum(len(part["title_only"] if isinstance(part, dict) else part.view["title_only"])
            for part in parts)
    signatures: dict[str, Any]
    if parts and isinstance(parts[0], Resident):
        sizes = [len(part.view["title_only"]) for part in parts]
        signatures = engine.resident_signatures(  # type: ignore[union-attr]
            [part.kept for part in parts], sizes, SIGNATURES, num_perm)
        parts[:] = [part.view for part in parts]
        fill = False
    else:
        signatures = {name: np.empty((n, num_perm), dtype=np.uint32) for name in SIGNATURES}
        fill = True
    columns: dict[str, Any] = {name: [] for name in ("title_only", "digest", "length")}
    # Each packed column is allocated whole and filled part by part, each part let go
    # once copied: joining the parts at the end held them and the result at once.
    packed = {name: _Filling(n, [part[name] for part in parts]) for name in _PACKED}
    row = 0
    parts.reverse()
    while parts:
        part = parts.pop()
        size = len(part["title_only"])
        for name, values in signatures.items():
            if fill:
                values[row:row + size] = part[name]
        for name, column in columns.items():
            column.extend(part[name])
        for name, filling in packed.items():
            filling.add(part[name])
        row += size
        del part
        if len(parts) % _TRIM_EVERY == 0:
            return_free_memory()  # the parts copied so far
    joined: dict[str, Any] = {name: filling.packed() for name, filling in packed.items()}
    return Fingerprints(**joined, **columns, **signatures)


class _Filling:
    """A :class:`Packed` of ``rows`` rows made from pieces added in order, its arrays
    allocated once (the same rows and values as ``Packed.joined`` of the pieces)."""

    def __init__(self, rows: int, pieces: list[Packed]) -> None:
        dtype = np.result_type(*(p.values.dtype for p in pieces)) if pieces else np.uint32
        self.values = np.empty(sum(len(p.values) for p in pieces), dtype=dtype)
        self.offsets = np.zeros(rows + 1, dtype=np.int64)
        self.row = self.at = 0

    def add(self, piece: Packed) -> None:
        end = self.at + len(piece.values)
        self.values[self.at:end] = piece.values
        rows = len(piece)
        self.offsets[self.row + 1:self.row + rows + 1] = piece.offsets[1:] + self.at
        self.row += rows
        self.at = end

    def packed(self) -> Packed:
        return Packed(self.values, self.offsets)
