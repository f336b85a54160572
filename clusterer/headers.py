"""Article headers kept as columns, read back as articles when asked.

The Dask client keeps, of every article read on the workers (:mod:`clusterer.partitions`),
what grouping and the outputs name it by: id, headline, URL, source, time, GUID and
origin. As one :class:`~clusterer.spill.StoredArticle` each (a Python string per field,
unpickled from the workers) they took about 0.74 KB an article at 20,000 make_corpus
articles (docs/dask.md, "dask7"). A :class:`HeaderTable` keeps them as columns instead:
each string field's UTF-8 bytes end to end with the offset where each ends, the source
and the file of the origin as numbers into a list of the distinct ones (a few hundred
sources, a few files), the time as microseconds since 1970 (UTC, as every reader gives
it). ``table[i]`` is a :class:`TableArticle`, an :class:`~clusterer.records.Article` to
every consumer whose fields are decoded from the columns when read, and whose text and
original record are read from the table's loader (the ranges on the workers), as a
:class:`~clusterer.spill.StoredArticle` reads them from its spill.
"""

from __future__ import annotations

import array
import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol, TypeVar, overload

import numpy as np

from clusterer.records import Article, DuplicateGroup, Link
from clusterer.spill import ReadWhenAsked

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)
_NO_TIME = -(1 << 63)
_STRINGS = ("id", "title", "url", "guid")


class Loader(Protocol):
    """What reads an article whole: its text and original record, by row."""

    def load(self, index: int, header: Article) -> Article: ...


class _Strings:
    """A column of strings (or None): their UTF-8 bytes end to end, where each ends."""

    __slots__ = ("data", "ends", "missing")

    def __init__(self) -> None:
        self.data = bytearray()
        self.ends = array.array("q")
        self.missing = bytearray()  # 1 where the value is None

    def append(self, value: str | None) -> None:
        if value is not None:
            self.data += value.encode("utf-8", "surrogatepass")
        self.missing.append(value is None)
        self.ends.append(len(self.data))

    def __getitem__(self, index: int) -> str | None:
        if self.missing[index]:
            return None
        start = self.ends[index - 1] if index else 0
        return self.data[start:self.ends[index]].decode("utf-8", "surrogatepass")

    def nbytes(self) -> int:
        return len(self.data) + self.ends.itemsize * len(self.ends) + len(self.missing)


class _Coded:
    """A column of a few distinct values: each row the number of its value."""

    __slots__ = ("values", "codes", "rows")

    def __init__(self) -> None:
        self.values: list[Any] = []
        self.codes: dict[Any, int] = {}
        self.rows = array.array("i")

    def append(self, value: Any) -> None:
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.values)
            self.values.append(value)
        self.rows.append(code)

    def __getitem__(self, index: int) -> Any:
        return self.values[self.rows[index]]


_T = TypeVar("_T")


class _MadeWhenAsked(Sequence[_T]):
    """A sequence whose item ``i`` is made from columns when asked (:meth:`_item`)."""

    _WHAT = "table"  # named in the IndexError

    def _item(self, index: int) -> _T:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> _T: ...

    @overload
    def __getitem__(self, index: slice) -> list[_T]: ...

    def __getitem__(self, index: int | slice) -> _T | list[_T]:
        if isinstance(index, slice):
            return [self._item(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"{self._WHAT} index out of range")
        return self._item(index)

    def __iter__(self) -> Iterator[_T]:
        return (self._item(i) for i in range(len(self)))


class HeaderTable(_MadeWhenAsked[Article]):
    """The headers of a dump's articles, in input order, as columns (see the module
    docstring).

    Args:
        loader: Reads article ``i`` whole (``loader.load(i, header)``), when its text or
            original record is asked for.
    """

    _WHAT = "header table"

    def __init__(self, loader: Loader) -> None:
        self.loader = loader
        self._strings = {name: _Strings() for name in _STRINGS}
        self._source = _Coded()
        self._file = _Coded()  # the origin up to its last ":"
        self._place = _Strings()  # the rest of the origin (the line)
        self._published = array.array("q")
        # Times that microseconds in UTC would not give back (another tzinfo): rare.
        self._odd_times: dict[int, datetime] = {}

    def append(self, header: Any) -> None:
        """Add an article's header (anything with the header's attributes)."""
        for name, column in self._strings.items():
            column.append(getattr(header, name))
        self._source.append(header.source)
        file, colon, place = header.origin.rpartition(":")
        self._file.append(file + colon)
        self._place.append(place)
        published = header.published
        if published is None:
            self._published.append(_NO_TIME)
        elif published.tzinfo is timezone.utc:
            self._published.append((published - _EPOCH) // _MICROSECOND)
        else:
            self._odd_times[len(self._published)] = published
            self._published.append(_NO_TIME)

    def __len__(self) -> int:
        return len(self._published)

    def _item(self, index: int) -> Article:
        return TableArticle.of(self, index)

    def column(self, name: str) -> _Column:
        """Field ``name`` of every article, read when asked (``[start:end]`` a list)."""
        return _Column(self, name)

    def field(self, name: str, index: int) -> Any:
        """Field ``name`` of article ``index``."""
        if name == "source":
            return self._source[index]
        if name == "published":
            micros = self._published[index]
            if micros == _NO_TIME:
                return self._odd_times.get(index)
            return _EPOCH + micros * _MICROSECOND
        if name == "origin":
            return self._file[index] + self._place[index]
        return self._strings[name][index]

    def nbytes(self) -> int:
        """Bytes the columns hold (not the distinct sources' and files' strings)."""
        return (sum(c.nbytes() for c in self._strings.values()) + self._place.nbytes()
                + 2 * self._source.rows.itemsize * len(self) + 8 * len(self._published))


class _Column(Sequence[Any]):
    """One field of a :class:`HeaderTable`'s articles, decoded when read."""

    def __init__(self, table: HeaderTable, name: str) -> None:
        self.table, self.name = table, name

    def __len__(self) -> int:
        return len(self.table)

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self.table.field(self.name, i) for i in range(*index.indices(len(self)))]
        return self.table.field(self.name, range(len(self))[index])


def _field(name: str) -> property:
    return property(lambda self: self._table.field(name, self._index),
                    doc=f"The article's {name}, read from its table.")


class TableArticle(ReadWhenAsked):
    """An :class:`Article` whose fields are read from a :class:`HeaderTable` when used,
    and whose ``text`` and ``fields`` from the table's loader. Made by the table only:
    like a :class:`~clusterer.spill.StoredArticle`, equal to the article it stands for,
    pickled as that article, and a :func:`dataclasses.replace` of it is a plain one."""

    __slots__ = ("_table", "_index")
    _table: HeaderTable
    _index: int

    id = _field("id")
    title = _field("title")
    url = _field("url")
    source = _field("source")
    published = _field("published")
    guid = _field("guid")
    origin = _field("origin")

    @classmethod
    def of(cls, table: HeaderTable, index: int) -> TableArticle:
        article: TableArticle = object.__new__(cls)
        object.__setattr__(article, "_table", table)  # frozen: Article.__setattr__ refuses
        object.__setattr__(article, "_index", index)
        return article

    def loaded(self) -> Article:
        """The whole article, read by the table's loader."""
        return self._table.loader.load(self._index, self)


@dataclass(frozen=True)
class GroupColumns:
    """Duplicate groups as rows of the dump's articles, in arrays (what the matching
    task sends back: a few numbers per article, not a tuple of Python objects each).

    Attributes:
        names: The distinct kinds of match, which ``kinds`` and ``link_kinds`` number.
        kept: Per group, its kept article's row.
        ends: Per group, where its members end in the arrays below (it starts where the
            group before it ends).
        marked: Per group, 1 if it has ``kinds`` + 2 if it has ``links``.
        duplicates: The other members' rows, group after group.
        similarities: Their similarities to the kept article.
        kinds: Their kinds of match (numbers into ``names``).
        via: The row of the member each was joined with.
        link_kinds: The kind of that join.
        link_similarities: Its similarity (NaN where ``link_none``).
        link_none: 1 where that similarity is None.
    """

    names: tuple[str, ...]
    kept: np.ndarray
    ends: np.ndarray
    marked: np.ndarray
    duplicates: np.ndarray
    similarities: np.ndarray
    kinds: np.ndarray
    via: np.ndarray
    link_kinds: np.ndarray
    link_similarities: np.ndarray
    link_none: np.ndarray

    @classmethod
    def of(cls, groups: Iterable[DuplicateGroup], row: Mapping[str, int]) -> GroupColumns:
        """The columns of ``groups``, whose articles are numbered by id in ``row``."""
        codes: dict[str, int] = {}
        kept: list[int] = []
        ends: list[int] = []
        marked: list[int] = []
        duplicates: list[int] = []
        similarities: list[float] = []
        kinds: list[int] = []
        via: list[int] = []
        link_kinds: list[int] = []
        link_sims: list[float | None] = []
        for g in groups:
            n = len(g.duplicates)
            if (len(g.similarities) != n or (g.kinds and len(g.kinds) != n)
                    or (g.links and len(g.links) != n)):
                raise ValueError("a group's similarities, kinds and links must be one per "
                                 "duplicate")
            kept.append(row[g.kept.id])
            duplicates.extend(row[d.id] for d in g.duplicates)
            ends.append(len(duplicates))
            marked.append(bool(g.kinds) + 2 * bool(g.links))
            similarities.extend(g.similarities)
            kinds.extend(codes.setdefault(k, len(codes)) for k in g.kinds or ("",) * n)
            for link in g.links or ():
                via.append(row[link.via])
                link_kinds.append(codes.setdefault(link.kind, len(codes)))
                link_sims.append(link.similarity)
            if not g.links:
                via.extend([0] * n)
                link_kinds.extend([codes.setdefault("", len(codes))] * n)
                link_sims.extend([None] * n)
        none = np.array([s is None for s in link_sims], dtype=bool)
        return cls(tuple(codes), np.array(kept, dtype=np.int64), np.array(ends, dtype=np.int64),
                   np.array(marked, dtype=np.int8), np.array(duplicates, dtype=np.int64),
                   np.array(similarities, dtype=np.float64), np.array(kinds, dtype=np.int16),
                   np.array(via, dtype=np.int64), np.array(link_kinds, dtype=np.int16),
                   np.array([np.nan if s is None else s for s in link_sims], dtype=np.float64),
                   none)

    def nbytes(self) -> int:
        """Bytes of the arrays."""
        return sum(getattr(self, f.name).nbytes for f in dataclasses.fields(self)
                   if f.name != "names")


class GroupTable(_MadeWhenAsked[DuplicateGroup]):
    """Duplicate groups kept as :class:`GroupColumns`; ``table[i]`` is group ``i`` as a
    :class:`~clusterer.records.DuplicateGroup` of ``docs``' articles, made when asked
    (the same group each time, a new object).

    Args:
        docs: The dump's articles, by row (a :class:`HeaderTable`).
        columns: The groups.
    """

    _WHAT = "group table"

    def __init__(self, docs: Sequence[Article], columns: GroupColumns) -> None:
        self.docs = docs
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns.kept)

    def _item(self, index: int) -> DuplicateGroup:
        c, docs = self.columns, self.docs
        start, end = (int(c.ends[index - 1]) if index else 0), int(c.ends[index])
        names, marked = c.names, int(c.marked[index])
        links: tuple[Link, ...] = ()
        if marked & 2:
            links = tuple(
                Link(docs[via].id, names[kind], None if none else similarity)
                for via, kind, similarity, none in zip(
                    c.via[start:end].tolist(), c.link_kinds[start:end].tolist(),
                    c.link_similarities[start:end].tolist(), c.link_none[start:end].tolist()))
        return DuplicateGroup(
            kept=docs[int(c.kept[index])],
            duplicates=tuple(docs[j] for j in c.duplicates[start:end].tolist()),
            similarities=tuple(c.similarities[start:end].tolist()),
            kinds=tuple(names[k] for k in c.kinds[start:end].tolist()) if marked & 1 else (),
            links=links)
