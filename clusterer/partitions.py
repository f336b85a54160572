"""Input partitions read on the Dask workers (plain JSONL inputs, by byte ranges).

With the Dask engine, when every input is a plain JSONL file in UTF-8 (what
``auto`` or ``--format jsonl`` reads as JSONL, neither gzipped nor re-encoded), the
client reads no article: each file is cut into byte ranges of about
``DaskEngine.block_bytes`` (:class:`Block`, ended at a newline as
``fsspec.utils.read_block`` does, as ``dask.bytes.read_bytes`` cuts them), each read
by a worker through ``fsspec`` (the path must be one every worker can open: a shared
filesystem), and parsed there by the local reader (:func:`read_jsonl`, told the
number of its first line, counted first by a task per range, so that a bad line's
error names its file and line exactly as the local reader does).

What stays on the worker: the texts of each range's articles (UTF-8), which pass 1
reads (:func:`split_blocks`) and matching's rechecks read. What comes to the client:
each article's header (id, headline, URL, source, time, GUID, origin), and the
range's errors, in order; the client makes the ids unique across the dump (as
:func:`clusterer.readers.read_articles` does: a derived id that is taken gets the
suffix hashed from its record on the worker) and reports or raises errors in input
order. An article's text and original record, when the client needs them (storylines'
bodies, :meth:`DedupRun.records`), are read again from its range on a worker
(:meth:`WorkerInput.load`).

The dedup output is written from the same ranges (:mod:`clusterer.partition_output`).

Any other input (gzip, another format or encoding, stdin, a file past
``--max-input-bytes``) is read by the client, as with the local engine.
"""

from __future__ import annotations

import bisect
import collections
import functools
import io
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from clusterer.engine import Engine, run_stage
from clusterer.errors import InputError, UsageError
from clusterer.fingerprint import SplitDump
from clusterer.fingerprint_chunks import _units_chunk, _units_view
from clusterer.headers import HeaderTable
from clusterer.readers import READING, ReaderConfig, ReadReport, unique_id
from clusterer.readers.encodings import text_encoding
from clusterer.readers.fields import Draft, free_id, id_base
from clusterer.readers.formats import detect
from clusterer.readers.records import read_jsonl
from clusterer.readers.sources import HEAD_SIZE, Source, check_paths, expand
from clusterer.readers.urls import source_key
from clusterer.records import Article

BLOCK_BYTES = 1 << 20  # bytes per range of a JSONL input (about 250 make_corpus articles)
_LOADED_BLOCKS = 4  # ranges of whole articles kept by the client's loader
_HEADER = ("id", "title", "url", "source", "published", "guid", "origin")


@dataclass(frozen=True)
class Block:
    """A byte range of an input file: from the first line starting after ``offset``
    (from byte 0 at offset 0) to the end of the line at ``offset + length``.

    Attributes:
        path: What the workers open (``fsspec``): the file's absolute path.
        name: The input's name in messages (as the local reader's).
        offset: Byte where the range is looked for.
        length: Bytes it spans, before it is ended at a newline.
        first_line: The number of its first line in the file (0 until counted).
    """

    path: str
    name: str
    offset: int
    length: int
    first_line: int = 0


@dataclass(frozen=True)
class Header:
    """The fields of an article the client keeps (a :class:`HeaderTable`'s row), as a
    worker sends them back: read here from byte ranges, and in
    :mod:`clusterer.worker_match` from the chunks' headers."""

    id: str
    title: str
    url: str | None
    source: str | None
    published: Any
    guid: str | None
    origin: str


def reads_inputs(engine: Engine | None) -> bool:
    """Whether ``engine`` reads the inputs on its workers (``reads_inputs``)."""
    return bool(getattr(engine, "reads_inputs", False))


def plan_blocks(paths: Sequence[str], config: ReaderConfig, block_bytes: int
                ) -> tuple[list[list[Block]], list[str], list[str]] | None:
    """The byte ranges of every input file (a list per file, empty for an empty
    file) with the files the directories' search ignored and the special files it
    met; None unless every input is a JSONL file the workers can read by ranges (the
    client reads them then, and says what is wrong with any of them)."""
    ignored: list[str] = []
    special: list[str] = []
    blocks: list[list[Block]] = []
    try:
        check_paths(list(paths))
        for path in paths:
            if path == "-":
                return None
            for source in expand(path, config, ignored, special):
                size = _plain_jsonl(source, config)
                if size is None:
                    return None
                where = os.path.abspath(source.path)  # type: ignore[arg-type]
                blocks.append([Block(where, source.name, offset, min(block_bytes, size - offset))
                               for offset in range(0, size, block_bytes)])
    except (InputError, OSError):
        return None
    return blocks, ignored, special


def _plain_jsonl(source: Source, config: ReaderConfig) -> int | None:
    """The size of ``source`` if the workers can read it by ranges, else None."""
    if source.path is None or not source.path.is_file():
        return None
    size = source.path.stat().st_size
    if size > config.max_input_bytes:
        return None
    with open(source.path, "rb") as fh:
        head = fh.read(HEAD_SIZE)
    if head.startswith(b"\x1f\x8b") or not head:
        return None if head else 0
    if text_encoding(source.name, head, config) is not None:
        return None
    return size if detect(source, head, config, None) == "jsonl" else None


# ---------------------------------------------------------------- on the workers
def _read(block: Block) -> bytes:
    import fsspec
    from fsspec.utils import read_block

    with fsspec.open(block.path, "rb") as fh:
        return bytes(read_block(fh, block.offset, block.length, delimiter=b"\n"))


def _count_lines(block: Block) -> int:
    return _read(block).count(b"\n")


def _drafts(config: ReaderConfig, block: Block) -> list[Draft | InputError]:
    return list(read_jsonl(io.BytesIO(_read(block)), block.name, config, block.first_line))


def _parse_block(config: ReaderConfig, block: Block) -> tuple[list[bytes], list[tuple[Any, ...]]]:
    """The texts of the range's articles (UTF-8), and its items in order: per article
    (0, header, derived, the id it gets if its derived id is taken), per error (1,
    location, problem, hint)."""
    texts: list[bytes] = []
    items: list[tuple[Any, ...]] = []
    for item in _drafts(config, block):
        if isinstance(item, InputError):
            items.append((1, item.location, item.problem, item.hint))
            continue
        article = item.article
        texts.append(article.text.encode("utf-8", "surrogatepass"))
        items.append((0, tuple(getattr(article, name) for name in _HEADER), item.derived,
                      id_base(article) if item.derived else None))
    return texts, items


def _texts_of(parsed: tuple[list[bytes], list[Any]]) -> list[bytes]:
    return parsed[0]


def _items_of(parsed: tuple[list[bytes], list[Any]]) -> list[Any]:
    return parsed[1]


def _picked(texts: list[bytes], positions: list[int]) -> list[bytes]:
    return [texts[p] for p in positions]


def _articles(config: ReaderConfig, block: Block, positions: list[int] | None) -> list[Article]:
    """The range's articles read again (those at ``positions`` among them)."""
    articles = [item.article for item in _drafts(config, block) if isinstance(item, Draft)]
    return articles if positions is None else [articles[p] for p in positions]


def _contents(config: ReaderConfig, block: Block, positions: list[int] | None
              ) -> list[tuple[str, Any]]:
    return [(a.text, a.fields) for a in _articles(config, block, positions)]


# ---------------------------------------------------------------- on the client
class WorkerInput:
    """The inputs, read by ranges on a Dask engine's workers (see the module
    docstring); the loader of the articles of its :attr:`table`."""

    def __init__(self, engine: Any, config: ReaderConfig, blocks: list[list[Block]],
                 report: ReadReport, progress: Any) -> None:
        self.engine = engine
        self.client = engine.client()
        self.config = config
        self.files = blocks
        self.report = report
        self.progress = progress or (lambda stage, done, total: None)
        # Filled as the ranges are read: the ranges holding articles, the row of each
        # one's first, which of its articles were kept (None: all) and renamed ids.
        self.blocks: list[Block] = []
        self.starts: list[int] = []
        self.positions: list[list[int] | None] = []
        self.table = HeaderTable(self)  # every article's header, as columns
        self._cache: collections.OrderedDict[int, list[tuple[str, Any]]] = (
            collections.OrderedDict())
        self._lock = threading.Lock()

    def split(self, report: Any, held: list[Any]) -> SplitDump:
        """Pass 1 over the ranges (what :func:`clusterer.fingerprint.split_articles`
        gives): the futures of each range's texts appended to ``held``."""
        out = SplitDump()
        # Filled as the ranges are read; the headlines read from it when a chunk's are
        # sent (a string per article held until pass 2: about 0.1 KB an article).
        out.docs = self.table  # type: ignore[assignment]
        out.titles = self.table.column("title")  # type: ignore[assignment]

        def jobs() -> Iterator[Any]:
            for texts, headers in self._read():
                # A few hundred sources: one string each, not one per article.
                out.keys.extend(sys.intern(source_key(h)) for h in headers)  # type: ignore[arg-type]
                out.sizes.append(len(headers))
                held.append(texts)
                yield texts

        # Reading first, as the local reader reports it (a progress display shows the
        # stages in the order they first report).
        self.progress(READING, 0, self._total())
        with self.engine.mapper(0, None, view=_units_view) as mapper:
            out.parts = run_stage(mapper, _units_chunk, jobs(), None, "reading and splitting",
                                  None, report)
        return out

    def _counted(self) -> list[list[Block]]:
        """The ranges with the numbers of their first lines."""
        client = self.client
        flat = [block for blocks in self.files for block in blocks]
        counts = iter(client.gather([client.submit(_count_lines, b, pure=False) for b in flat]))
        files = []
        for blocks in self.files:
            line, counted = 1, []
            for block in blocks:
                counted.append(replace(block, first_line=line))
                line += next(counts)
            files.append(counted)
        return files

    def _parsed(self, files: list[list[Block]]) -> Iterator[tuple[int, Block | None, Any, Any]]:
        """(file, range, future of its texts, its items) in input order, a few ranges
        parsed ahead; (file, None, None, None) for a file with no range."""
        client, ahead = self.client, self.engine.in_flight
        pending: collections.deque[Any] = collections.deque()

        def submitted(index: int, block: Block) -> tuple[int, Block, Any, Any]:
            parsed = client.submit(_parse_block, self.config, block, pure=False)
            return (index, block, client.submit(_texts_of, parsed, pure=False),
                    client.submit(_items_of, parsed, pure=False))

        for index, blocks in enumerate(files):
            if not blocks:
                pending.append((index, None, None, None))
            for block in blocks:
                pending.append(submitted(index, block))
                while len(pending) > ahead:
                    yield _fetched(pending.popleft())
        while pending:
            yield _fetched(pending.popleft())

    def _read(self) -> Iterator[tuple[Any, list[Header]]]:
        """Per range holding articles: the future of their texts and their headers
        (added to :attr:`table`)."""
        report = self.report
        seen: dict[str, str] = {}
        total = self._total()
        done, current = 0, -1
        rows = 0
        for index, block, texts, items in self._parsed(self._counted()):
            if index != current:
                current = index
                report.files += 1
                report.reading = self.files[index][0].name if self.files[index] else ""
            if block is None:
                continue
            docs: list[Header] = []
            kept: list[int] = []  # which of the range's articles are read (not refused)
            drafts = 0
            for item in items:
                if item[0] == 1:
                    self._bad(InputError(*item[1:]))
                    continue
                drafts += 1
                header, derived, base = Header(*item[1]), item[2], item[3]
                checked = unique_id(header.id, header.origin, derived, seen,
                                    functools.partial(free_id, base, seen))
                if isinstance(checked, InputError):  # a duplicate input id
                    self._bad(checked)
                    continue
                if checked != header.id:
                    header = replace(header, id=checked)
                kept.append(drafts - 1)
                report.articles += 1
                docs.append(header)
                self.table.append(header)
            done += block.length
            self.progress(READING, done, total)
            if not docs:
                continue
            if len(kept) < drafts:
                texts = self.client.submit(_picked, texts, kept, pure=False)
            self.blocks.append(block)
            self.starts.append(rows)
            self.positions.append(kept if len(kept) < drafts else None)
            rows += len(docs)
            yield texts, docs
        self.progress(READING, total, total)

    def _total(self) -> int:
        return sum(b.length for blocks in self.files for b in blocks)

    def _bad(self, error: InputError) -> None:
        if not self.config.skip_bad:
            raise error
        self.report.skip(error)

    def load(self, index: int, header: Article) -> Article:
        """Article ``index`` whole (its range read again on a worker)."""
        at = bisect.bisect_right(self.starts, index) - 1
        with self._lock:
            contents = self._cache.get(at)
            if contents is None:
                contents = self._live().submit(_contents, self.config, self.blocks[at],
                                              self.positions[at], pure=False).result()
                self._cache[at] = contents
                if len(self._cache) > _LOADED_BLOCKS:
                    self._cache.popitem(last=False)
        text, fields = contents[index - self.starts[at]]
        return Article(header.id, header.title, text, header.url, header.source,
                       header.published, header.guid, fields, header.origin)

    def _live(self) -> Any:
        """The client, if the engine is still up."""
        if getattr(self.client, "status", "running") != "running":
            raise UsageError("the articles of this run were read on the Dask workers: use the "
                             "run before its engine is closed")
        return self.client

def _fetched(entry: tuple[int, Block | None, Any, Any]) -> tuple[int, Block | None, Any, Any]:
    index, block, texts, items = entry
    return index, block, texts, (items.result() if items is not None else None)


def worker_input(paths: Sequence[str], config: ReaderConfig | None, report: ReadReport,
                 engine: Engine | None, progress: Any) -> WorkerInput | None:
    """The inputs read on ``engine``'s workers, or None when this engine or these
    inputs cannot be (see the module docstring)."""
    if engine is None or not reads_inputs(engine):
        return None
    config = config or ReaderConfig()
    plan = plan_blocks(paths, config, engine.block_bytes)  # type: ignore[attr-defined]
    if plan is None:
        return None
    files, ignored, special = plan
    report.ignored.extend(ignored)
    report.special.extend(special)
    return WorkerInput(engine, config, files, report, progress)
