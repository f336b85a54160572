"""The part of the state store (:mod:`clusterer.state`) that dedup on a state reads and
writes (:mod:`clusterer.delta`): per article what matching needs
(:class:`clusterer.stored.StoredPrint`), the pairs compared with both sources' chrome
left out, the comparisons of stored pairs (:mod:`clusterer.pairs`), and what chrome
and common text are learned from (:mod:`clusterer.learned`), kept up to date instead
of counted again each run.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from typing import Any

from clusterer.stored import StoredPrint


class PrintStore:
    """The fingerprints and learned counts of an open state (one transaction)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.db = connection

    def meta(self, key: str) -> str | None:
        """A value of the ``meta`` table (None if unset)."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Set a value of the ``meta`` table."""
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def print_rows(self) -> list[StoredPrint]:
        """What chrome learning reads of every stored article (seq, source, headline
        segments, unit hashes; the rest empty), in state order."""
        return [StoredPrint(seq, source, tuple(segments.split("\n")) if segments else (),
                            units, (None, None, None), (b"", b""))
                for seq, source, segments, units
                in self.db.execute("SELECT seq, source, segments, units FROM prints "
                                   "ORDER BY seq")]

    def print_blobs(self, seqs: Iterable[int]) -> dict[int, tuple[bytes, bytes]]:
        """The packed fingerprints of articles ``seqs``."""
        return {seq: (blob, screen) for seq, blob, screen
                in self._by_seq("SELECT seq, prints, screen FROM shingles", seqs)}

    def screens(self, seqs: Iterable[int]) -> dict[int, bytes]:
        """What screening reads of articles ``seqs`` (body set size, signatures)."""
        return dict(self._by_seq("SELECT seq, screen FROM shingles", seqs))

    def _by_seq(self, select: str, seqs: Iterable[int]) -> list[tuple[Any, ...]]:
        wanted = sorted(set(seqs))
        out: list[tuple[Any, ...]] = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            out += self.db.execute(f"{select} WHERE seq IN ({','.join('?' * len(chunk))})",
                                   chunk).fetchall()
        return out

    def put_prints(self, rows: Iterable[StoredPrint]) -> None:
        """Store (or replace) articles' fingerprints (their band keys: :meth:`set_parts`)."""
        rows = list(rows)
        self.db.executemany("INSERT OR REPLACE INTO prints VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [(r.seq, r.source, "\n".join(r.segments), r.units, *r.exact,
                              text_digest(r.units)) for r in rows])
        self.db.executemany("INSERT OR REPLACE INTO shingles VALUES (?, ?, ?)",
                            [(r.seq, *r.prints) for r in rows])

    def exact_seqs(self, keys: Iterable[tuple[int, bytes | str]]) -> dict[tuple[int, bytes | str],
                                                                          list[int]]:
        """Per exact key ``(kind, key)`` (kind 0: content digest, 1: URL, 2: GUID, as
        :attr:`StoredPrint.exact`), the seqs of the stored articles holding it."""
        columns = ("digest", "url", "guid")
        return {(kind, key): [row[0] for row in self.db.execute(
            f"SELECT seq FROM prints WHERE {columns[kind]} = ? ORDER BY seq", (key,))]
            for kind, key in sorted(set(keys), key=lambda k: (k[0], str(k[1])))}

    def band_parts(self) -> list[bytes]:
        """The stored band key parts (:mod:`clusterer.band_parts`), oldest first."""
        return [bytes(row[0]) for row in self.db.execute(
            "SELECT data FROM bandparts ORDER BY part")]

    def set_band_parts(self, first: int, parts: Iterable[bytes]) -> None:
        """Replace the parts from number ``first`` on with ``parts``."""
        self.db.execute("DELETE FROM bandparts WHERE part >= ?", (first,))
        self.db.executemany("INSERT INTO bandparts VALUES (?, ?)",
                            [(first + k, p) for k, p in enumerate(parts)])

    def copies(self, keys: Iterable[tuple[str, bytes]]) -> dict[tuple[str, bytes], list[int]]:
        """Per ``(source, text digest)`` (:func:`text_digest`), the seqs of the stored
        articles carrying it, in state order (exact copies on one source)."""
        out: dict[tuple[str, bytes], list[int]] = {}
        for key in sorted(set(keys)):
            out[key] = [row[0] for row in self.db.execute(
                "SELECT seq FROM prints WHERE source = ? AND text = ? ORDER BY seq", key)]
        return out

    def text_digests(self, seqs: Iterable[int]) -> dict[int, tuple[str, bytes]]:
        """The ``(source, text digest)`` of stored articles ``seqs``."""
        return {seq: (source, text) for seq, source, text
                in self._by_seq("SELECT seq, source, text FROM prints", seqs)}

    def learned(self, key: str) -> bytes | None:
        """A blob of the ``learned`` table (None if unset)."""
        row = self.db.execute("SELECT value FROM learned WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def set_learned(self, key: str, value: bytes | None) -> None:
        """Set (or with None, drop) a blob of the ``learned`` table."""
        if value is None:
            self.db.execute("DELETE FROM learned WHERE key = ?", (key,))
        else:
            self.db.execute("INSERT OR REPLACE INTO learned VALUES (?, ?)", (key, value))

    def rechecked(self) -> list[tuple[int, int]]:
        """The stored pairs (seqs) compared with both sources' chrome left out."""
        return [(a, b) for a, b in self.db.execute("SELECT a, b FROM rechecked")]

    def set_rechecked(self, fresh: set[int], pairs: Iterable[tuple[int, int]]) -> None:
        """Replace the rechecked pairs of the ``fresh`` seqs with ``pairs``."""
        self.db.executemany("DELETE FROM rechecked WHERE a = ? OR b = ?",
                            [(seq, seq) for seq in fresh])
        self.db.executemany("INSERT OR IGNORE INTO rechecked VALUES (?, ?)", pairs)

    def compared(self, seqs: Iterable[int]) -> list[tuple[int, int, bytes]]:
        """The stored comparisons (``(a, b, match blob)``, :mod:`clusterer.pairs`) with
        an article of ``seqs`` on either side."""
        wanted = sorted(set(seqs))
        out: list[tuple[int, int, bytes]] = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            marks = ",".join("?" * len(chunk))
            out += self.db.execute(f"SELECT a, b, match FROM compared WHERE a IN ({marks}) "
                                   f"UNION SELECT a, b, match FROM compared WHERE b IN "
                                   f"({marks})", chunk + chunk).fetchall()
        return out

    def forget_compared(self, seqs: Iterable[int], pairs: Iterable[tuple[int, int]] = ()
                        ) -> None:
        """Drop the stored comparisons with an article of ``seqs`` on either side, and
        those of ``pairs`` (either way round)."""
        rows = [(seq,) for seq in sorted(set(seqs))]
        self.db.executemany("DELETE FROM compared WHERE a = ?", rows)
        self.db.executemany("DELETE FROM compared WHERE b = ?", rows)
        self.db.executemany("DELETE FROM compared WHERE a = ? AND b = ?",
                            [p for a, b in pairs for p in ((a, b), (b, a))])

    def put_compared(self, rows: Iterable[tuple[int, int, bytes]]) -> None:
        """Store comparisons ``(a, b, match blob)``."""
        self.db.executemany("INSERT OR REPLACE INTO compared VALUES (?, ?, ?)", rows)


def text_digest(units: bytes) -> bytes:
    """The digest of an article's unit hashes in a :attr:`StoredPrint.units` blob (the
    one :func:`clusterer.chrome_counts.text_digests` gives it)."""
    return hashlib.blake2b(units[:8 * (len(units) // 12)], digest_size=16).digest()
