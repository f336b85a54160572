"""What chrome learning counts, as a mergeable record.

:meth:`clusterer.boilerplate.BoilerplateModel.fit_hashed` learns each source's chrome
from counts over the whole dump. Those counts are sums over articles, so they can be
taken per chunk (:func:`count_chunk`), added (:meth:`ChromeCounts.merge`, associative and
order-independent) and turned into the model at the end
(:meth:`clusterer.boilerplate.BoilerplateModel.from_counts`): an engine counts where the
units already are and never gathers every article's unit hashes in one place.

An exact copy on one source counts once. Which articles are counted is decided before
counting, over the whole dump: :func:`text_digests` gives each article's digest of its
unit hashes, :func:`first_copies` marks the first article of each (source, digest) in
input order; each chunk is counted with its part of that mask. Chunks counted that way never
count one text twice, so their counts simply add.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from clusterer.hashing import mix64
from clusterer.lsh import distinct
from clusterer.validation import check_range

START, END = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F)  # page edges


@dataclass(frozen=True)
class ChromeCounts:
    """Sufficient statistics of chrome learning over some counted articles.

    Source numbers in the tables are 1 + the index of the source in ``names``; 0 is an
    article without a source key. Every table is sorted by its key columns, one row per key.

    Attributes:
        short_unit_words: The word limit of short units the counts were taken with.
        affix_words: The word limit of headline affixes the counts were taken with.
        names: Sorted source keys of the counted articles (without ``""``).
        site_pages: Counted articles per source, shape ``(len(names) + 1,)``.
        short: ``(unit hash, articles)`` of short units, on any source.
        carried: ``(source, unit hash, articles)`` for articles with a source.
        placed: ``(side, source, neighbour, unit hash, articles)``: articles of the
            source in which the unit stands with that neighbour before it (side 0, the
            page start :data:`START`) or after it (side 1, the page end :data:`END`).
        before: ``(source, unit hash, unit before, rows)``: occurrences of the unit after
            that unit (or :data:`START`), on any source.
        affixes: ``(affix, headlines)`` for each headline affix candidate, sorted.
    """

    short_unit_words: int
    affix_words: int
    names: tuple[str, ...]
    site_pages: np.ndarray
    short: tuple[np.ndarray, ...]
    carried: tuple[np.ndarray, ...]
    placed: tuple[np.ndarray, ...]
    before: tuple[np.ndarray, ...]
    affixes: tuple[tuple[str, int], ...]

    def __post_init__(self) -> None:
        check_range("short_unit_words", self.short_unit_words, 0, 20)
        check_range("affix_words", self.affix_words, 0, 10)
        for name, columns in (("short", 2), ("carried", 3), ("placed", 5), ("before", 4)):
            if len(getattr(self, name)) != columns:
                raise ValueError(f"{name} must have {columns} columns, got "
                                 f"{len(getattr(self, name))}")

    @property
    def nbytes(self) -> int:
        """Bytes held by the tables (headline affixes and names not included)."""
        tables = (self.site_pages, *self.short, *self.carried, *self.placed, *self.before)
        return sum(int(t.nbytes) for t in tables)

    def to_dict(self) -> dict[str, object]:
        """Row counts of each table (a summary, for reports and benchmarks)."""
        return {"sources": len(self.names), "short": len(self.short[0]),
                "carried": len(self.carried[0]), "placed": len(self.placed[0]),
                "before": len(self.before[0]), "affixes": len(self.affixes),
                "nbytes": self.nbytes}

    def buckets(self, count: int) -> list[ChromeCounts]:
        """The counts cut by unit hash into ``count`` buckets (:func:`bucket_of`), each
        with the whole of ``names``, ``site_pages`` and ``affixes``: every verdict on a unit
        reads only its own bucket's rows, so buckets merge and are learned apart
        (:meth:`clusterer.boilerplate.BoilerplateModel.from_counts` with ``part``)."""
        check_range("count", count, 1, 1 << 16)
        cut = {name: bucket_of(getattr(self, name)[at], count)
               for name, at in (("short", 0), ("carried", 1), ("placed", 3), ("before", 1))}

        def part(name: str, b: int) -> tuple[np.ndarray, ...]:
            return tuple(c[cut[name] == b] for c in getattr(self, name))

        return [ChromeCounts(self.short_unit_words, self.affix_words, self.names,
                             self.site_pages, part("short", b), part("carried", b),
                             part("placed", b), part("before", b), self.affixes)
                for b in range(count)]

    def merge(self, *others: ChromeCounts) -> ChromeCounts:
        """The counts of these sets of counted articles (which must not share a counted
        article: see :func:`first_copies`). Several merge at once: each table is sorted
        once, where merging them two by two sorts each row once per level."""
        if any((self.short_unit_words, self.affix_words) != (other.short_unit_words,
                                                             other.affix_words)
               for other in others):
            raise ValueError("chrome counts taken with different short_unit_words or "
                             "affix_words cannot be merged; count both with one config")
        every = (self, *others)
        names, numbers, site_pages = sources_of(*every)
        affixes: Counter[str] = Counter()
        for counts in every:
            affixes.update(dict(counts.affixes))

        def summed(name: str, at: int | None) -> tuple[np.ndarray, ...]:
            return _summed(*(tuple(to[c] if k == at else c
                                   for k, c in enumerate(getattr(counts, name)))
                             for counts, to in zip(every, numbers)))

        return ChromeCounts(
            self.short_unit_words, self.affix_words, names, site_pages,
            summed("short", None), summed("carried", 0), summed("placed", 1),
            summed("before", 0), tuple(sorted(affixes.items())))


def sources_of(*counts: ChromeCounts
               ) -> tuple[tuple[str, ...], list[np.ndarray], np.ndarray]:
    """The sources of several sets of counts as one: their names (sorted), the new
    number of each set's source numbers (0, no source, stays 0), one array per set, and
    the pages counted per new number."""
    names = tuple(sorted(set().union(*(c.names for c in counts))))
    number = {name: k for k, name in enumerate(names, start=1)}
    site_pages = np.zeros(len(names) + 1, dtype=np.int64)
    numbers = []
    for c in counts:
        to = np.asarray([0, *(number[n] for n in c.names)], dtype=np.int64)
        np.add.at(site_pages, to, c.site_pages)
        numbers.append(to)
    return names, numbers, site_pages


def bucket_of(units: np.ndarray, buckets: int) -> np.ndarray:
    """The bucket (``0 .. buckets - 1``) of each unit hash (:meth:`ChromeCounts.buckets`)."""
    return (mix64(units.astype(np.uint64, copy=False)) % np.uint64(buckets)).astype(np.int64)


def text_digests(unit_counts: np.ndarray, hashes: np.ndarray) -> list[bytes]:
    """Per article, a 16-byte digest of its unit hashes (made where the units are)."""
    offsets = np.concatenate(([0], np.cumsum(unit_counts))).tolist()
    units = hashes.astype(np.uint64, copy=False)
    return [hashlib.blake2b(units[offsets[k]:offsets[k + 1]].tobytes(), digest_size=16).digest()
            for k in range(len(offsets) - 1)]


def first_copies(sources: Sequence[str], digests: Sequence[bytes]) -> np.ndarray:
    """Whether each article is the first, in input order, with its source key and
    :func:`text_digests` digest: exact copies on one source count once."""
    seen: set[tuple[str, bytes]] = set()
    counted = np.zeros(len(sources), dtype=bool)
    for index, key in enumerate(zip(sources, digests)):
        if key not in seen:
            seen.add(key)
            counted[index] = True
    return counted


def count_chunk(sources: Sequence[str], unit_counts: np.ndarray, hashes: np.ndarray,
                words: np.ndarray, affixes: Sequence[Sequence[str]], counted: np.ndarray,
                short_unit_words: int, affix_words: int) -> ChromeCounts:
    """The chrome counts of the ``counted`` articles of a chunk.

    Args:
        sources: Source key of each article.
        unit_counts: Units of each article.
        hashes: Hash of every unit (:func:`clusterer.hashing.hash_units`), the articles'
            units one after another.
        words: Words of every unit, same order.
        affixes: Each headline's affix candidates.
        counted: Which articles count (:func:`first_copies` over the whole dump).
        short_unit_words: Units of at most this many words are short.
        affix_words: The affix word limit the candidates were taken with.
    """
    names = tuple(sorted(set(sources) - {""}))
    number = {name: k for k, name in enumerate(names, start=1)}  # 0: no source
    source_of_doc = np.asarray([number.get(s, 0) for s in sources], dtype=np.int64)
    unit_counts = np.asarray(unit_counts, dtype=np.int64)
    affix_counts: Counter[str] = Counter()
    for index in np.flatnonzero(counted).tolist():
        affix_counts.update(set(affixes[index]))

    # One row per distinct unit of each counted article. This runs over every unit of
    # the dump (the local engine counts it in one chunk): arrays are let go early, and
    # rows are sorted by one int64 key each (the unit hashes ranked first), several
    # times faster than sorting them column by column (np.lexsort).
    values, ids = _ranked(hashes.astype(np.uint64, copy=False))
    doc_of_unit = np.repeat(np.arange(len(sources)), unit_counts)
    rows = counted[doc_of_unit]
    first = np.flatnonzero(rows)[np.unique(
        doc_of_unit[rows] * len(values) + ids[rows], return_index=True)[1]]
    del rows
    doc, unit, size = doc_of_unit[first], ids[first], words[first]
    source = source_of_doc[doc]
    del doc, first, doc_of_unit
    short = _counted((unit[size <= short_unit_words], len(values)), values=values)
    sourced = source > 0
    carried = _counted((source[sourced], len(names) + 1), (unit[sourced], len(values)),
                       values=values, hashed=(1,))
    del source, unit, size, sourced
    site_pages = np.bincount(source_of_doc[counted], minlength=len(names) + 1)
    placed = _placed(source_of_doc, unit_counts, values, ids, counted)
    return ChromeCounts(short_unit_words, affix_words, names, site_pages, short, carried,
                        placed, _before(source_of_doc, unit_counts, values, ids, counted),
                        tuple(sorted(affix_counts.items())))


def _ranked(units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of ``units`` and the page edges (:data:`START`, :data:`END`),
    sorted, and each unit's index among them (ranks keep the values' order)."""
    values, ids = np.unique(np.concatenate((units, [START, END])), return_inverse=True)
    # Ranks as int32 where they fit (always, short of 2^31 distinct units): the rank
    # columns are the largest arrays counting holds.
    return values, ids[:len(units)].astype(np.int32 if len(values) < 1 << 31 else np.int64)


def _rank_of(values: np.ndarray, value: np.uint64) -> int:
    """The rank of ``value``, one of ``values`` (:func:`_ranked`)."""
    return int(np.searchsorted(values, value))


def _placed(source_of_doc: np.ndarray, unit_counts: np.ndarray, values: np.ndarray,
            ids: np.ndarray, counted: np.ndarray) -> tuple[np.ndarray, ...]:
    """:attr:`ChromeCounts.placed` of the counted articles (once per article); ``ids``
    are the units' ranks in ``values`` (:func:`_ranked`)."""
    doc = np.repeat(np.arange(len(unit_counts)), unit_counts)
    new_doc = np.flatnonzero(doc[1:] != doc[:-1]) + 1
    page_starts = np.concatenate(([0], new_doc)) if len(doc) else new_doc
    page_ends = np.concatenate((new_doc - 1, [len(doc) - 1])) if len(doc) else new_doc
    rows = counted[doc]
    source, counted_units, counted_docs = source_of_doc[doc][rows], ids[rows], doc[rows]
    del doc
    spans = (int(source_of_doc.max(initial=0)) + 1, len(values))
    tables = []
    for side, (shift, edges, mark) in enumerate(((1, page_starts, START),
                                                 (-1, page_ends, END))):
        neighbour = np.roll(ids, shift)
        neighbour[edges] = _rank_of(values, mark)
        neighbour = neighbour[rows]
        key = _key((source, spans[0]), (neighbour, spans[1]), (counted_units, spans[1]))
        keys, inverse = np.unique(key, return_inverse=True)
        del key
        # One row per article: the distinct (key, article) pairs, counted per key.
        per_article = distinct(inverse.astype(np.int64) * len(unit_counts) + counted_docs)
        counts = np.bincount(per_article // len(unit_counts), minlength=len(keys))
        del per_article
        row = _any_row(inverse, len(keys))
        del inverse
        neighbour = neighbour[row]
        tables.append((np.full(len(keys), side, dtype=np.int64), source[row],
                       values[neighbour], values[counted_units[row]],
                       counts.astype(np.int64)))
    return tuple(np.concatenate(column) for column in zip(*tables))


def _before(source_of_doc: np.ndarray, unit_counts: np.ndarray, values: np.ndarray,
            ids: np.ndarray, counted: np.ndarray) -> tuple[np.ndarray, ...]:
    """:attr:`ChromeCounts.before` of the counted articles (every occurrence)."""
    doc = np.repeat(np.arange(len(unit_counts)), unit_counts)
    before = np.roll(ids, 1)
    starts = np.concatenate(([0], np.cumsum(unit_counts)[:-1]))
    before[starts[unit_counts > 0]] = _rank_of(values, START)
    rows = counted[doc]
    source = source_of_doc[doc][rows]
    del doc
    return _counted((source, int(source_of_doc.max(initial=0)) + 1),
                    (ids[rows], len(values)), (before[rows], len(values)), values=values,
                    hashed=(1, 2))


def _key(*columns: tuple[np.ndarray, int]) -> np.ndarray:
    """One int64 per row of columns of ranks (each with its span: ranks are below it),
    ordered as the rows are (first column first), equal for equal rows; ranked again
    where the product of the spans would not fit in 63 bits."""
    key = np.zeros(len(columns[0][0]), dtype=np.int64)
    span = 1
    for column, width in columns:
        if span * width >= 1 << 62:
            distinct, key = np.unique(key, return_inverse=True)
            key, span = key.astype(np.int64, copy=False), len(distinct)
        key = key * width + column
        span *= width
    return key


def _any_row(inverse: np.ndarray, count: int) -> np.ndarray:
    """A row of each of ``count`` keys, from the keys' index of every row (rows of
    one key are equal, so which one does not matter)."""
    row = np.empty(count, dtype=np.int64)
    row[inverse] = np.arange(len(inverse))
    return row


def _counted(*columns: tuple[np.ndarray, int], values: np.ndarray,
             hashed: tuple[int, ...] = (0,)) -> tuple[np.ndarray, ...]:
    """Distinct rows of the columns (ranks, each with its span: :func:`_key`), sorted
    (first column first), and how often each occurs; the ``hashed`` columns are unit
    ranks, given back as their ``values``."""
    # Sorted once (np.unique with its inverse, then counting and placing the rows
    # through it, took twice as long): equal keys in runs, each run's length its count.
    key = _key(*columns)
    order = np.argsort(key)
    starts = run_starts(key[order])
    counts = np.diff(np.append(starts, len(key))).astype(np.int64)
    row = order[starts]
    return (*(values[c[row]] if k in hashed else c[row] for k, (c, _) in enumerate(columns)),
            counts)


def _summed(*tables: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """Count tables (key columns, then a count) as one, counts of equal keys added."""
    columns = [np.concatenate(parts) for parts in zip(*tables)]
    keys, count = columns[:-1], columns[-1]
    order = np.lexsort(keys[::-1])
    keys, count = [k[order] for k in keys], count[order]
    starts = run_starts(*keys)
    summed = np.add.reduceat(count, starts) if len(starts) else count[:0]
    return (*(k[starts] for k in keys), summed.astype(np.int64))


def run_starts(*columns: np.ndarray) -> np.ndarray:
    """Where a new run of equal rows begins in columns sorted together (first column
    first)."""
    if not len(columns[0]):
        return np.zeros(0, dtype=np.int64)
    new = np.zeros(len(columns[0]) - 1, dtype=bool)
    for column in columns:
        new |= column[1:] != column[:-1]
    return np.flatnonzero(np.concatenate(([True], new)))


def run_lengths(starts: np.ndarray, n: int) -> np.ndarray:
    """Rows in each run, from :func:`run_starts` of ``n`` rows."""
    return np.diff(np.append(starts, n))
