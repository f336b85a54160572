"""Articles kept on disk while the run works on their fingerprints.

Deduplication decides from fingerprints and a few fields of each article (id, headline,
URL, GUID, source, time); its text and original record are needed again only where a
pair is compared with both sites' chrome left out, where storylines read bodies, and
where the output is written. An :class:`ArticleSpill` writes every article to an
anonymous temporary file as it is read and gives back a :class:`StoredArticle`: those
few fields in memory, ``text`` and ``fields`` read back from the file when used. At
100,000 articles of ~3,600 characters this keeps ~700 MiB of text out of memory (see
docs/benchmarks.md).

The last :data:`RECENT` articles added stay in memory whole, so the fingerprinting
pass, which reads each text right after the article is read, never goes to the disk;
a few articles loaded last are kept too (a group's output line reads its kept article
twice). A :class:`StoredArticle` is an :class:`~clusterer.records.Article` to every
consumer: equal to the article it stores, pickled (to another process) as that
article, and a :func:`dataclasses.replace` of it is a plain article.

The file lives in the system's temporary directory (``TMPDIR``) and has no name: it
disappears with the process, however the process ends.
"""

from __future__ import annotations

import array
import collections
import dataclasses
import os
import pickle
import sys
import tempfile
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from clusterer.engine import CHUNK_SIZE, MIN_PARALLEL
from clusterer.errors import OutputError
from clusterer.records import Article

# Articles added last that stay whole in memory: fingerprinting's first batch (read
# before any text is encoded) and one chunk beyond it, read then encoded at once. 4,096
# held 2,800 more articles' texts and records than that for the whole run.
RECENT = MIN_PARALLEL + CHUNK_SIZE
LOADED = 8  # articles loaded last that stay in memory
_HEADER = ("id", "title", "url", "source", "published", "guid", "origin")
_SPACE_HINT = "set TMPDIR to a directory with more free space (the run spills the input there)"


class ArticleSpill:
    """Articles written to a temporary file, read back by number.

    Args:
        directory: Where the temporary file is made; the system's default (``TMPDIR``)
            when None.
        recent: Articles added last that stay in memory whole.
    """

    def __init__(self, directory: str | None = None, recent: int = RECENT) -> None:
        self.directory = directory
        self.recent = recent
        self._file: Any = None
        self._offsets = array.array("q", [0])  # where article i starts, and the end
        self._written = 0  # bytes already on disk (the rest is in the file's buffer)
        self._latest: dict[int, Article] = {}
        self._loaded: collections.OrderedDict[int, Article] = collections.OrderedDict()
        self._lock = threading.Lock()
        _OPEN.add(self)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def spilled(self, articles: Iterable[Article]) -> Iterator[StoredArticle]:
        """Every article of ``articles`` added, in order, as it comes."""
        for article in articles:
            yield self.add(article)

    def add(self, article: Article) -> StoredArticle:
        """Write ``article`` to the file; returns it as a :class:`StoredArticle`."""
        blob = pickle.dumps((article.text, article.fields), protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            if self._file is None:
                self._file = self._open()
            try:
                self._file.write(blob)
            except OSError as exc:
                raise _spill_error(self.directory, exc) from None
            index = len(self)
            self._offsets.append(self._offsets[-1] + len(blob))
            self._latest[index] = article
            if len(self._latest) > self.recent:
                del self._latest[next(iter(self._latest))]
        return StoredArticle.of(article, self, index)

    def load(self, index: int, header: Article) -> Article:
        """Article ``index`` (0-based, in the order added), whole; ``header`` gives
        the fields kept in memory."""
        with self._lock:
            article = self._latest.get(index) or self._loaded.get(index)
            if article is not None:
                return article
            start, end = self._offsets[index], self._offsets[index + 1]
            if end > self._written:
                try:
                    self._file.flush()
                except OSError as exc:
                    raise _spill_error(self.directory, exc) from None
                self._written = self._offsets[-1]
            text, fields = pickle.loads(os.pread(self._file.fileno(), end - start, start))
            article = Article(header.id, header.title, text, header.url, header.source,
                              header.published, header.guid, fields, header.origin)
            self._loaded[index] = article
            if len(self._loaded) > LOADED:
                self._loaded.popitem(last=False)
        return article

    def _before_fork(self) -> None:
        """Hold the lock and have every article on disk, so that a forked process reads
        articles with ``pread`` on the shared file and never writes (its copy of the
        file's buffer would be written a second time)."""
        self._lock.acquire()
        if self._file is not None and self._written < self._offsets[-1]:
            try:
                self._file.flush()
            except OSError:
                return  # the parent's next write or load reports it
            self._written = self._offsets[-1]

    def close(self) -> None:
        """Remove the file (the articles can no longer be loaded)."""
        with self._lock:
            if self._file is not None:
                self._file.close()
            self._latest.clear()
            self._loaded.clear()

    def _open(self) -> Any:
        try:
            return tempfile.TemporaryFile(prefix="clusterer-spill-", dir=self.directory)
        except OSError as exc:
            raise _spill_error(self.directory, exc) from None


_OPEN: weakref.WeakSet[ArticleSpill] = weakref.WeakSet()


def _before_fork() -> None:
    for spill in list(_OPEN):
        spill._before_fork()


def _after_fork() -> None:
    for spill in list(_OPEN):
        if spill._lock.locked():
            spill._lock.release()


os.register_at_fork(before=_before_fork, after_in_parent=_after_fork,
                    after_in_child=_after_fork)


class ArraySpill:
    """Arrays written to an anonymous temporary file and read back one at a time: the
    word hashes of pass 1, which only pass 2 reads again (0.22 GiB at 100,000
    make_corpus articles; kept in memory, worker processes forked for chrome learning
    and pass 2 also held a copy of them).

    Args:
        directory: Where the temporary file is made; the system's default (``TMPDIR``)
            when None.
    """

    def __init__(self, directory: str | None = None) -> None:
        self.directory = directory
        self._file: Any = None
        self._end = 0  # bytes written so far
        self._lock = threading.Lock()

    def add(self, values: np.ndarray) -> SpilledArray:
        """Write a one-dimensional array; returns the handle that reads it back."""
        with self._lock:
            if self._file is None:
                self._file = self._open()
            data = np.ascontiguousarray(values)
            try:
                written = os.pwrite(self._file.fileno(), data.data, self._end)
            except OSError as exc:
                raise _spill_error(self.directory, exc) from None
            if written != data.nbytes:
                raise _spill_error(self.directory, OSError("short write (disk full?)"))
            handle = SpilledArray(self, self._end, len(data), data.dtype.str)
            self._end += data.nbytes
        return handle

    def _open(self) -> Any:
        try:
            return tempfile.TemporaryFile(prefix="clusterer-arrays-", dir=self.directory)
        except OSError as exc:
            raise _spill_error(self.directory, exc) from None

    def read(self, handle: SpilledArray) -> np.ndarray:
        """The array of ``handle``."""
        values = np.empty(handle.length, dtype=np.dtype(handle.dtype))
        if values.nbytes:
            with self._lock:
                got = os.preadv(self._file.fileno(), [values.data.cast("B")],
                                handle.offset)
            if got != values.nbytes:
                raise _spill_error(self.directory, OSError("short read of the temporary file"))
        return values

    def close(self) -> None:
        """Remove the file."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


@dataclasses.dataclass(frozen=True)
class SpilledArray:
    """Where :meth:`ArraySpill.add` put an array."""

    spill: ArraySpill
    offset: int
    length: int
    dtype: str

    def load(self) -> np.ndarray:
        """The array, read back."""
        return self.spill.read(self)


def _spill_error(directory: str | None, exc: OSError) -> OutputError:
    where = directory or tempfile.gettempdir()
    return OutputError(f"{where}: cannot write the temporary copy of the input: "
                       f"{exc.strerror or exc}; {_SPACE_HINT}")


class ReadWhenAsked(Article):
    """An :class:`Article` whose ``text`` and ``fields`` are read when asked
    (:meth:`loaded`): equal to the article it stands for, pickled as that article, and a
    :func:`dataclasses.replace` of it is a plain one. :class:`StoredArticle` (texts in a
    spill) and :class:`clusterer.headers.TableArticle` (headers in a table) are ones."""

    __slots__ = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        # dataclasses.replace and copies build a new one from every field: a plain
        # Article, with the text and fields loaded.
        return Article(*args, **kwargs)

    @property
    def text(self) -> str:
        return self.loaded().text

    @property
    def fields(self) -> Mapping[str, Any]:
        return self.loaded().fields

    def loaded(self) -> Article:
        """The whole article, read back."""
        raise NotImplementedError

    def __reduce_ex__(self, protocol: Any) -> Any:
        article = self.loaded()
        return Article, tuple(getattr(article, f.name) for f in dataclasses.fields(Article))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Article):
            return NotImplemented
        return _compared(self) == _compared(other)

    def __hash__(self) -> int:
        return hash(_compared(self))


class StoredArticle(ReadWhenAsked):
    """An :class:`Article` whose ``text`` and ``fields`` stay in an
    :class:`ArticleSpill` until read. Made by :meth:`ArticleSpill.add` only."""

    # Slots, not a dict per article: 100 bytes less each (0.9 KiB in all, strings
    # included, at 20,000 make_corpus articles).
    __slots__ = ("id", "title", "url", "source", "published", "guid", "origin", "_spill",
                 "_index")
    _spill: ArticleSpill
    _index: int

    @classmethod
    def of(cls, article: Article, spill: ArticleSpill, index: int) -> StoredArticle:
        stored: StoredArticle = object.__new__(cls)
        put = object.__setattr__  # frozen: Article.__setattr__ refuses
        for name in _HEADER:
            put(stored, name, getattr(article, name))
        if article.source:  # a few hundred sources: one string each, not one per article
            put(stored, "source", sys.intern(article.source))
        put(stored, "_spill", spill)
        put(stored, "_index", index)
        return stored

    def loaded(self) -> Article:
        """The whole article, read back."""
        return self._spill.load(self._index, self)


def _compared(article: Article) -> tuple[Any, ...]:
    """What :class:`Article` equality compares."""
    return (article.id, article.title, article.text, article.url, article.source,
            article.published, article.guid)
