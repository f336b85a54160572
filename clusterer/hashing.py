"""Hashing text for fingerprints: units (lines of text) and their tokens as hashes, in
numpy from the UTF-8 bytes (:func:`hash_units`), and word and character shingles from
them (:func:`shingles`, :func:`char_shingles`). MinHash signatures of the shingles:
:mod:`clusterer.minhash`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

_U32 = np.uint32
_EMPTY = np.zeros(0, dtype=_U32)
_POLY = np.uint64(0x100000001B3)  # odd multiplier combining token hashes into a shingle hash


@dataclass(frozen=True)
class HashedUnits:
    """Units of text as hashes, column-wise: what fingerprints and chrome learning
    need, without a Python string per unit or per word.

    Attributes:
        tokens: 32-bit hash of every token, all units in order.
        unit_tokens: Tokens per unit.
        unit_hashes: 64-bit hash of every unit.
        unit_chars: Characters per unit.
    """

    tokens: np.ndarray
    unit_tokens: np.ndarray
    unit_hashes: np.ndarray
    unit_chars: np.ndarray


_P = 0x100000001B3  # odd: invertible modulo 2**64
_P_INVERSE = pow(_P, -1, 1 << 64)
_powers: dict[int, np.ndarray] = {}  # base -> base**k modulo 2**64 for k < len


def _power_table(base: int, n: int) -> np.ndarray:
    table = _powers.get(base)
    if table is None or len(table) < n:
        size = max(n, 1 << 16, 2 * len(table) if table is not None else 0)
        steps = np.full(size, base, dtype=np.uint64)
        steps[0] = 1
        table = np.multiply.accumulate(steps)  # wraps modulo 2**64
        _powers[base] = table
    return table[:n]


def mix64(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit reaches every output bit."""
    with np.errstate(over="ignore"):
        z = values ^ (values >> np.uint64(30))
        z = z * np.uint64(0xBF58476D1CE4E5B9)
        z = z ^ (z >> np.uint64(27))
        z = z * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def hash_units(joined: str) -> HashedUnits:
    """Hash units given as one string: units separated by newlines, tokens by spaces
    (the form of :func:`clusterer.normalize.units` joined by newlines).

    A token's or unit's hash depends on its bytes only, not on where it stands, so
    hashing units one by one or many at once gives the same values. One polynomial
    hash over the UTF-8 bytes, computed from prefix sums in numpy for every token and
    unit at once (no Python call per token), then mixed.

    The arrays take about 50 bytes per byte of text, so a long text is hashed in
    pieces of about ``_PIECE`` bytes cut after a space or newline; a unit spanning
    pieces has its parts' hashes combined (the hash of ``a + b`` is
    ``hash(a) * P**len(b) + hash(b)``), giving the same values as one piece.
    """
    return _hash_bytes(joined.encode("utf-8"))


def hash_unit_text(texts: Sequence[str]) -> tuple[HashedUnits, np.ndarray]:
    """:func:`hash_units` of the units of several texts given as
    :func:`clusterer.normalize.unit_text` gives them (words separated by runs of spaces,
    pieces by newlines, empty pieces), and the number of units of each text: the same
    values as ``hash_units("\\n".join(all units))``, with the spaces folded in numpy
    rather than one Python string per unit (tested).

    The words are found once, on the bytes as given; their places in the folded text
    follow from their lengths, so the folded text is hashed without finding them again.
    """
    return hash_unit_bytes([text.encode("utf-8") for text in texts])


def hash_unit_bytes(encoded: Sequence[bytes]) -> tuple[HashedUnits, np.ndarray]:
    """:func:`hash_unit_text` of texts given in UTF-8
    (:func:`clusterer.normalize.unit_bytes`)."""
    joined = b"\n".join(encoded)
    ascii_only = joined.isascii()
    data = np.frombuffer(joined, dtype=np.uint8)
    text_ends = np.cumsum([len(e) + 1 for e in encoded])  # each text's end, past its newline
    word = (data != 32) & (data != 10)
    padded = np.zeros(len(data) + 2, dtype=bool)
    padded[1:-1] = word
    # Where a word begins or ends: they alternate, a beginning first.
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    del padded
    if not len(edges):  # no word at all (or no text)
        return _hash_bytes(b""), np.zeros(len(encoded), dtype=np.int64)
    starts, ends = edges[0::2], edges[1::2]
    # Between two words: one newline if the gap holds one (a unit ends), else one space.
    # A newline lies in the gap before the first word that starts after it.
    after = np.searchsorted(starts, np.flatnonzero(data == 10))
    unit_break = np.zeros(len(starts) - 1, dtype=bool)
    unit_break[after[(after > 0) & (after < len(starts))] - 1] = True
    folded = data.copy()
    folded[ends[:-1]] = np.where(unit_break, 10, 32)
    word[ends[:-1]] = True
    folded = folded[word]
    del word
    firsts = np.flatnonzero(np.concatenate(([True], unit_break)))  # first word of each unit
    in_text = np.searchsorted(text_ends, starts[firsts], side="right")
    counts = np.bincount(in_text, minlength=len(encoded))[:len(encoded)].astype(np.int64)
    if len(folded) > _PIECE:  # bounded memory: in pieces
        return _hash_bytes(folded.tobytes()), counts
    lengths = ends - starts
    at = np.cumsum(lengths + 1) - (lengths + 1)  # each word's start in the folded text
    unit_at = at[firsts]
    unit_end = np.concatenate((at[firsts[1:] - 1] + lengths[firsts[1:] - 1],
                               [len(folded)]))
    with np.errstate(over="ignore"):
        prefix, powers = _prefix_hashes(folded)
        tokens = (mix64((prefix[at + lengths] - prefix[at]) * powers[at + lengths - 1])
                  >> np.uint64(32)).astype(_U32)
        raw = (prefix[unit_end] - prefix[unit_at]) * powers[unit_end - 1]
    if ascii_only:
        chars = unit_end - unit_at
    else:
        characters = np.zeros(len(folded) + 1, dtype=np.int64)
        np.cumsum((folded & 0xC0) != 0x80, out=characters[1:])
        chars = characters[unit_end] - characters[unit_at]
    unit_tokens = np.diff(np.append(firsts, len(starts)))
    return _finish((tokens, unit_tokens, raw, chars.astype(np.int64), unit_end - unit_at)), counts


def _prefix_hashes(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``prefix[k]`` = sum of ``(byte + 1) * P**-m`` for ``m < k``, and ``P**k``: a
    span's hash is ``(prefix[end] - prefix[start]) * P**(end - 1)``, the sum of
    ``(byte + 1) * P**(end - 1 - m)`` over its bytes (wrapping modulo 2**64)."""
    n = len(data)
    weighted = data.astype(np.uint64)
    weighted += np.uint64(1)
    weighted *= _power_table(_P_INVERSE, n)
    prefix = np.empty(n + 1, dtype=np.uint64)
    prefix[0] = 0
    np.cumsum(weighted, out=prefix[1:])
    return prefix, _power_table(_P, n)


def _hash_bytes(data: bytes) -> HashedUnits:
    """:func:`hash_units` of UTF-8 bytes."""
    if not data:
        return HashedUnits(_EMPTY, np.zeros(0, np.int64), np.zeros(0, np.uint64),
                           np.zeros(0, np.int64))
    if len(data) <= _PIECE:
        return _finish(_hash_piece(data))
    parts = [_hash_piece(data[start:end]) for start, end in _pieces(data)]
    # The last unit of each piece continues as the first unit of the next.
    tokens = np.concatenate([part[0] for part in parts])
    counts, raws, chars, sizes = ([part[i] for part in parts] for i in range(1, 5))
    for i in range(len(parts) - 1, 0, -1):
        # Fold piece i's first unit into piece i-1's last (backwards: chains of pieces
        # holding one unit each fold into the unit's first part).
        with np.errstate(over="ignore"):
            raws[i - 1][-1] = (raws[i - 1][-1] * np.uint64(pow(_P, int(sizes[i][0]), 1 << 64))
                               + raws[i][0])
        counts[i - 1][-1] += counts[i][0]
        chars[i - 1][-1] += chars[i][0]
        sizes[i - 1][-1] += sizes[i][0]
        counts[i], raws[i], chars[i], sizes[i] = counts[i][1:], raws[i][1:], chars[i][1:], (
            sizes[i][1:])
    return _finish((tokens, np.concatenate(counts), np.concatenate(raws),
                    np.concatenate(chars), np.concatenate(sizes)))


_PIECE = 1 << 20  # bytes hashed at once: about 50 MiB of arrays, whatever the text's length
_Piece = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _pieces(data: bytes) -> Iterator[tuple[int, int]]:
    """Spans of about ``_PIECE`` bytes, each ending just after a space or newline (a
    token longer than a piece makes its piece longer) or at the end."""
    start, n = 0, len(data)
    while start < n:
        end = start + _PIECE
        if end >= n:
            yield start, n
            return
        cut = max(data.rfind(b" ", start, end), data.rfind(b"\n", start, end))
        if cut < 0:
            spaces = [i for i in (data.find(b" ", end), data.find(b"\n", end)) if i >= 0]
            cut = min(spaces) if spaces else n - 1
        yield start, cut + 1
        start = cut + 1


def _finish(piece: _Piece) -> HashedUnits:
    tokens, unit_tokens, raw, chars, _ = piece
    with np.errstate(over="ignore"):
        units = mix64(raw ^ np.uint64(0x9E3779B97F4A7C15))
    return HashedUnits(tokens=tokens, unit_tokens=unit_tokens, unit_hashes=units,
                       unit_chars=chars)


def _hash_piece(joined: bytes) -> _Piece:
    """Token hashes, and per unit: tokens, unmixed hash, characters, bytes."""
    data = np.frombuffer(joined, dtype=np.uint8)
    n = len(data)
    newline = data == 10
    separator = newline | (data == 32)
    starts = np.flatnonzero(~separator & np.concatenate(([True], separator[:-1])))
    ends = np.flatnonzero(~separator & np.concatenate((separator[1:], [True]))) + 1
    breaks = np.flatnonzero(newline)
    unit_starts = np.concatenate(([0], breaks + 1))
    unit_ends = np.concatenate((breaks, [n]))
    with np.errstate(over="ignore"):
        # prefix[k] = sum of (byte + 1) * P**-m for m < k; a span's hash is
        # (prefix[end] - prefix[start]) * P**(end - 1) = sum of (byte + 1) * P**(end-1-m).
        prefix, powers = _prefix_hashes(data)

        def spans(first: np.ndarray, last: np.ndarray) -> np.ndarray:
            return (prefix[last] - prefix[first]) * powers[np.maximum(last, 1) - 1]

        tokens = (mix64(spans(starts, ends)) >> np.uint64(32)).astype(_U32)
        raw = spans(unit_starts, unit_ends)
    characters = np.concatenate(([0], np.cumsum((data & 0xC0) != 0x80)))
    return (tokens, np.bincount(np.searchsorted(breaks, starts), minlength=len(unit_starts)),
            raw, characters[unit_ends] - characters[unit_starts], unit_ends - unit_starts)


def unit_hashes(units: Sequence[str]) -> list[int]:
    """The :func:`hash_units` hash of each unit (without newlines), as Python ints."""
    if not units:
        return []
    return [int(h) for h in hash_units("\n".join(units)).unit_hashes.tolist()]


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


def word_shingles(tokens: Sequence[str], k: int) -> np.ndarray:
    """32-bit hashes of the word ``k``-grams of ``tokens``, in text order (one shingle of
    all the tokens when there are fewer than ``k``)."""
    return shingles(hash_units(" ".join(tokens)).tokens if tokens else _EMPTY, k)


def shingles(token_hashes: np.ndarray, k: int) -> np.ndarray:
    """:func:`word_shingles` from the tokens' :func:`hash_units` hashes."""
    return _combine(token_hashes.astype(np.uint64), k)


def char_shingles(text: str, k: int) -> np.ndarray:
    """32-bit hashes of the character ``k``-grams of ``text``, in text order."""
    if not text:
        return _EMPTY
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=_U32).astype(np.uint64)
    return _combine(codes * np.uint64(0x9E3779B97F4A7C15), k)
