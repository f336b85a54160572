"""Shingle sets of articles: body, lead, head and headline shingles, for one article or
a whole chunk at once, and :class:`Packed`, the rows of such sets stored as one array.

:mod:`clusterer.fingerprint` runs these in its second pass over the dump; the chunk-wide
functions give the same rows as :func:`article_prints` does for each article alone
(tested), with a numpy call per chunk instead of several per article.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from clusterer.boilerplate import unit_key
from clusterer.hashing import char_shingles, shingles
from clusterer.lsh import distinct

if TYPE_CHECKING:
    from clusterer.fingerprint import FingerprintConfig

TITLE_SHINGLE = 4  # characters per headline shingle: robust to one-letter noise
HEAD_SHINGLES = 64  # content shingles kept in text order, from the start


class Packed(Sequence[np.ndarray]):
    """Many small arrays stored as one: ``values`` cut at ``offsets`` (row i is
    ``values[offsets[i]:offsets[i + 1]]``, a view). No Python object per row: at 100,000
    articles a list of arrays costs a third more memory, and more time to pickle.
    """

    def __init__(self, values: np.ndarray, offsets: np.ndarray) -> None:
        self.values = values
        self.offsets = offsets

    @classmethod
    def of(cls, rows: Sequence[np.ndarray]) -> Packed:
        """Rows packed in order."""
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(r) for r in rows], out=offsets[1:])
        values = np.concatenate(rows) if rows else np.zeros(0, dtype=np.uint32)
        return cls(values.astype(np.uint32, copy=False), offsets)

    @classmethod
    def joined(cls, parts: Sequence[Packed]) -> Packed:
        """The rows of every part, in order."""
        if not parts:
            return cls.of([])
        starts = np.cumsum([0] + [len(p.values) for p in parts[:-1]])
        offsets = np.concatenate([[0]] + [p.offsets[1:] + s for p, s in zip(parts, starts)])
        return cls(np.concatenate([p.values for p in parts]), offsets.astype(np.int64))

    def lengths(self) -> np.ndarray:
        """The length of every row."""
        return np.diff(self.offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @overload
    def __getitem__(self, index: int) -> np.ndarray: ...

    @overload
    def __getitem__(self, index: slice) -> list[np.ndarray]: ...

    def __getitem__(self, index: int | slice) -> np.ndarray | list[np.ndarray]:
        offsets = self.offsets
        if type(index) is int and 0 <= index < len(offsets) - 1:
            # The common case, first (matching asks for a row over a million times at
            # 100,000 articles): Python ints from ``item``, not numpy scalars.
            return self.values[offsets.item(index):offsets.item(index + 1)]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.values[self.offsets[index]:self.offsets[index + 1]]


def article_prints(config: FingerprintConfig, title: str, title_text: str,
                    title_set: np.ndarray, words: np.ndarray, length: int) -> tuple[Any, ...]:
    """One article's body, lead, title, head shingles, title_only, digest and length,
    from its content words (token hashes, chrome left out) and its headline."""
    if len(words) < config.min_body_words:
        digest = unit_key("t:" + title_text)
        if not title_text:  # no headline word ("!", "?"): its raw form and body decide
            digest = hashlib.blake2b(b"r:" + title.encode("utf-8", "surrogatepass")
                                     + b"\0" + words.tobytes(), digest_size=8).digest()
        return title_set, title_set, title_set, title_set[:0], True, digest, len(title_text)
    ordered = shingles(words, config.shingle_size)
    lead_span = words[: config.lead_shingles + config.shingle_size - 1]
    return (distinct(ordered), distinct(shingles(lead_span, config.shingle_size)), title_set,
            ordered[:HEAD_SHINGLES].copy(), False,
            hashlib.blake2b(b"b:" + words.tobytes(), digest_size=8).digest(), length)


def regular_shingles(words: np.ndarray, counts: np.ndarray, config: FingerprintConfig
                      ) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Body, lead and head shingles (as :func:`article_prints`) of articles whose
    ``counts`` words, at least ``shingle_size`` each, follow one another in ``words``."""
    if len(counts) == 0:
        return [], [], []
    k = config.shingle_size
    windows = shingles(words, k)  # every window; those across two articles are dropped
    per_article = counts - k + 1
    first = np.cumsum(per_article) - per_article
    position = np.arange(int(per_article.sum())) - np.repeat(first, per_article)
    ordered = windows[np.repeat(np.cumsum(counts) - counts, per_article) + position]
    article = np.repeat(np.arange(len(counts)), per_article)
    at_start = position < HEAD_SHINGLES
    head = cut(ordered[at_start].copy(), np.minimum(per_article, HEAD_SHINGLES))
    in_lead = position < config.lead_shingles
    return (_distinct_rows(ordered, article, len(counts)),
            _distinct_rows(ordered[in_lead], article[in_lead], len(counts)), head)


def title_sets(texts: list[str]) -> list[np.ndarray]:
    """``distinct(char_shingles(text, TITLE_SHINGLE))`` of every text (tested), at once
    for the texts of at least ``TITLE_SHINGLE`` characters."""
    sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    regular = sizes >= TITLE_SHINGLE
    long_texts = [t for t, ok in zip(texts, regular) if ok]
    rows = _regular_char_sets(long_texts, sizes[regular]) if long_texts else []
    out = []
    row = 0
    for text, ok in zip(texts, regular):
        if ok:
            out.append(rows[row])
            row += 1
        else:
            out.append(distinct(char_shingles(text, TITLE_SHINGLE)))
    return out


def _regular_char_sets(texts: list[str], sizes: np.ndarray) -> list[np.ndarray]:
    """The distinct character shingles of texts of at least ``TITLE_SHINGLE``
    characters each (windows across two texts are dropped)."""
    windows = char_shingles("".join(texts), TITLE_SHINGLE)
    per_text = sizes - TITLE_SHINGLE + 1
    first = np.cumsum(per_text) - per_text
    position = np.arange(int(per_text.sum())) - np.repeat(first, per_text)
    chosen = windows[np.repeat(np.cumsum(sizes) - sizes, per_text) + position]
    return _distinct_rows(chosen, np.repeat(np.arange(len(texts)), per_text), len(texts))


def _distinct_rows(values: np.ndarray, rows: np.ndarray, n: int) -> list[np.ndarray]:
    """:func:`clusterer.lsh.distinct` of the values of each row ``0 .. n - 1``."""
    keyed = np.sort((rows.astype(np.uint64) << np.uint64(32)) | values.astype(np.uint64))
    keyed = keyed[np.concatenate(([True], keyed[1:] != keyed[:-1]))] if len(keyed) else keyed
    counts = np.bincount((keyed >> np.uint64(32)).astype(np.int64), minlength=n)
    return cut((keyed & np.uint64(0xFFFFFFFF)).astype(np.uint32), counts)


def cut(values: np.ndarray, counts: np.ndarray) -> list[np.ndarray]:
    """``values`` cut into consecutive rows of ``counts`` values (views)."""
    return np.split(values, np.cumsum(counts)[:-1].tolist())
