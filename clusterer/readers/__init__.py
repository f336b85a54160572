"""Reading feed dumps: one :class:`~clusterer.records.Article` at a time.

Formats (``--format`` forces one; ``auto`` detects, see :mod:`.sources`):

========================  ===========================================================
``jsonl``                 one JSON object per line (``.jsonl``, ``.ndjson``)
``json``                  an array of objects, one object, objects in a row, or a
                          JSON Feed (``.json``)
``csv``, ``tsv``          a header line, then one article per row
``txt``                   one article per file: headline line, then the body
``rss``, ``atom``         RSS 0.9x/1.0/2.0 and Atom feeds, via feedparser
``jsonfeed``              JSON Feed 1 and 1.1 (jsonfeed.org)
``news-please``           news-please JSON records (``maintext``, ``date_publish`` …;
                          also recognised by ``auto``)
``html``                  saved article pages, main text via trafilatura
========================  ===========================================================

Inputs are files, directories (searched recursively, sorted, mixed formats) and ``-``
for stdin; gzip is read transparently. Records stream; feed documents, JSON Feeds,
HTML pages and ``.txt`` files are each loaded whole.

Ids: the input's own id (``--id-field``) must be unique across all inputs. Without
one (an empty id or one of only whitespace is none), the id is derived from the
canonical URL, else the GUID, else headline and body (feed items and HTML pages
always), or is the file stem (``.txt`` files); a derived id or stem that is taken gets
a suffix hashed from the record's fields, so it does not depend on input position. An
input id equal to an earlier derived id or stem is a duplicate id too.
"""

from __future__ import annotations

import contextlib
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import IO

from clusterer.errors import InputError
from clusterer.readers.config import FORMATS, ReaderConfig, ReadReport
from clusterer.readers.encodings import text_encoding
from clusterer.readers.fields import Draft, canonical_url, disambiguated_id
from clusterer.readers.formats import detect
from clusterer.readers.records import read_csv, read_json, read_jsonfeed, read_jsonl
from clusterer.readers.sources import (
    READING,
    ByteMeter,
    PathError,
    Source,
    check_paths,
    expand,
    open_source,
    utf8_stream,
)
from clusterer.readers.text import read_txt
from clusterer.records import Article

__all__ = ["FORMATS", "READING", "ReadReport", "ReaderConfig", "canonical_url", "read_articles"]

Reader = Callable[[IO[bytes], str, ReaderConfig], Iterator[Draft | InputError]]
_TEXT_READERS: dict[str, Reader] = {
    "jsonl": read_jsonl, "json": read_json, "news-please": read_json,
    "jsonfeed": read_jsonfeed, "csv": read_csv,
    "tsv": lambda stream, name, config: read_csv(stream, name, config, delimiter="\t"),
}
_DUPLICATE_HINT = "give every article a unique id, or pass --id-field to choose another field"


def read_articles(paths: Iterable[str], config: ReaderConfig | None = None,
                  report: ReadReport | None = None,
                  progress: Callable[[str, int, int | None], None] | None = None
                  ) -> Iterator[Article]:
    """Yield every article of every input, in input order, each id unique.

    Args:
        paths: Files, directories or ``-`` for stdin.
        config: Field names, format, encoding, ``skip_bad``; defaults to
            :class:`ReaderConfig`.
        report: Filled with counts, skipped errors and ignored files as reading goes.
        progress: Called as ``progress(READING, bytes_read, bytes_total)`` as reading
            goes (bytes as stored, before decompression; total None when stdin is read).

    Raises:
        InputError: On a path that cannot be read, and (unless ``config.skip_bad``) on
            the first bad record or broken file, naming file and line and the fix.
    """
    config = config or ReaderConfig()
    report = report if report is not None else ReadReport()
    paths = list(paths)
    check_paths(paths)
    seen: dict[str, str] = {}  # id -> where it was first read (and whether it was derived)
    sources = _checked_sources(paths, config, report)
    meter = ByteMeter(progress, _total_bytes(sources))
    meter.tick(force=True)
    for source in sources:
        report.files += 1
        report.reading = source.name
        try:
            for item in _read_source(source, config, meter):
                meter.tick()
                article = _unique(item, seen) if isinstance(item, Draft) else item
                if isinstance(article, InputError):
                    if not config.skip_bad:
                        raise article
                    report.skip(article)
                    continue
                report.articles += 1
                yield article
        except PathError:
            raise
        except InputError as exc:
            if not config.skip_bad:
                raise
            report.skip(_rest_skipped(exc), "rest of file")
        meter.tick(force=True)
    meter.finish()


def _total_bytes(sources: list[Source]) -> int | None:
    total = 0
    for source in sources:
        if not _regular(source):
            return None
        with contextlib.suppress(OSError):  # opening it fails, and says why
            total += source.path.stat().st_size  # type: ignore[union-attr]
    return total


def _checked_sources(paths: list[str], config: ReaderConfig, report: ReadReport) -> list[Source]:
    """Every file to read, each looked at before any is read: one that cannot be
    opened, holds binary data or has a format that cannot be told fails the run here,
    before the long work (or, with ``skip_bad``, is skipped). Stdin is read as it comes."""
    sources = []
    for path in paths:
        for source in expand(path, config, report.ignored, report.special):
            error = _inspect(source, config) if _regular(source) else None
            if error is None:
                sources.append(source)
            elif not config.skip_bad:
                raise error
            else:
                report.files += 1
                report.skip(error, "file")
    return sources


def _regular(source: Source) -> bool:
    # Stdin, a FIFO or a device would be consumed by a look: they are read as they come.
    try:
        return source.path is not None and stat.S_ISREG(source.path.stat().st_mode)
    except OSError:
        return True  # opening it fails, and says why


def _inspect(source: Source, config: ReaderConfig) -> InputError | None:
    """Why ``source`` cannot be read, found from its first bytes, or None."""
    try:
        with open_source(source, config.max_input_bytes) as (_, head):
            if head:
                detect(source, head, config, text_encoding(source.name, head, config))
    except InputError as exc:
        return exc
    return None


def _read_source(source: Source, config: ReaderConfig,
                 meter: ByteMeter | None = None) -> Iterator[Draft | InputError]:
    with open_source(source, config.max_input_bytes, meter) as (stream, head):
        if not head:  # empty (stdin too): no articles, whatever the format would be
            return
        encoding = text_encoding(source.name, head, config)
        fmt = detect(source, head, config, encoding)
        if encoding is not None and encoding != config.encoding:
            config = replace(config, encoding=encoding)
        # The feed and HTML readers (feedparser, lxml, trafilatura) are imported when a
        # source needs them, not by every run.
        if fmt in ("rss", "atom"):
            from clusterer.readers.feeds import read_feed

            yield from read_feed(stream, source.name, config)
        elif fmt == "html":
            from clusterer.readers.html import read_html

            yield from read_html(stream, source.name, config)
        elif fmt == "txt":
            yield from read_txt(utf8_stream(stream, head, source.name, config), source.name,
                                config, source.stem)
        else:
            reader = _TEXT_READERS[fmt]
            yield from reader(utf8_stream(stream, head, source.name, config), source.name,
                              config)


def _unique(draft: Draft, seen: dict[str, str]) -> Article | InputError:
    article = draft.article
    checked = unique_id(article.id, article.origin, draft.derived, seen,
                        lambda: disambiguated_id(article, seen))
    if isinstance(checked, InputError):
        return checked
    return article if checked == article.id else replace(article, id=checked)


def unique_id(given: str, origin: str, derived: bool, seen: dict[str, str],
              disambiguated: Callable[[], str]) -> str | InputError:
    """The id an article read at ``origin`` with id ``given`` gets, recorded in ``seen``
    (id -> where it was first read): ``given``, or for a derived id that is taken,
    ``disambiguated()``; a duplicate input id is an error."""
    first = seen.get(given)
    article_id = given
    if first is not None:
        if not derived:
            return InputError(origin, f'duplicate id "{given}" (first at {first})',
                              _DUPLICATE_HINT)
        article_id = disambiguated()
    seen[article_id] = f"{origin}, where it was derived" if derived else origin
    return article_id


def _rest_skipped(error: InputError) -> InputError:
    return InputError(error.location, error.problem, "skipped the rest of the file")
