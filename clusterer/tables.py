"""Tables other tools read: one row per input article, as CSV or Parquet.

Spreadsheets, pandas and SQL want flat rows, not the nested storylines document: each
article (kept or a copy) gets its storyline id (empty when unclustered), the id of the
copy kept for it, its headline, source, normalised time (ISO 8601, UTC), URL, and the
input file and line it came from.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from clusterer.errors import UsageError
from clusterer.records import Article, DuplicateGroup
from clusterer.storylines import StorylineResult

COLUMNS = ("id", "storyline_id", "kept_id", "kept", "title", "source", "published", "url",
           "file", "line")


@dataclass(frozen=True)
class ArticleRow:
    """One input article as a table row (see :data:`COLUMNS`)."""

    id: str
    storyline_id: str
    kept_id: str
    kept: bool
    title: str
    source: str
    published: str
    url: str
    file: str
    line: int | None

    def values(self) -> tuple[str | int | bool | None, ...]:
        """The row in :data:`COLUMNS` order."""
        return (self.id, self.storyline_id, self.kept_id, self.kept, self.title, self.source,
                self.published, self.url, self.file, self.line)


def article_rows(result: StorylineResult) -> Iterator[ArticleRow]:
    """Every article once: storylines largest first, then the unclustered; within a
    group the kept article first, then its copies in input order."""
    for storyline in result.storylines:
        for group in storyline.groups:
            yield from _group_rows(group, storyline.id)
    for group in result.unclustered:
        yield from _group_rows(group, "")


def _group_rows(group: DuplicateGroup, storyline_id: str) -> Iterator[ArticleRow]:
    for article in (group.kept, *group.duplicates):
        yield _row(article, storyline_id, group.kept.id)


def _row(article: Article, storyline_id: str, kept_id: str) -> ArticleRow:
    fields = article.normalized()
    return ArticleRow(article.id, storyline_id, kept_id, article.id == kept_id, article.title,
                      fields["source"] or "", fields["published"] or "", fields["url"] or "",
                      fields["origin"]["file"], fields["origin"]["line"])


def _utf8(value: str | int | bool | None) -> str | int | bool | None:
    # Arrow strings are UTF-8: a lone surrogate (from undecodable input) becomes U+FFFD.
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return value


def csv_bytes(rows: Sequence[ArticleRow]) -> bytes:
    """The rows as CSV (RFC 4180, UTF-8, a header line)."""
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow("" if value is None else value for value in row.values())
    return text.getvalue().encode("utf-8", "surrogatepass")


def parquet_bytes(rows: Sequence[ArticleRow]) -> bytes:
    """The rows as a Parquet file (needs ``pyarrow``: ``pip install 'clusterer[parquet]'``)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageError("--parquet needs pyarrow; install it with "
                         "pip install 'clusterer[parquet]' (or pip install pyarrow)") from None
    columns = list(zip(*(map(_utf8, row.values()) for row in rows))) or [()] * len(COLUMNS)
    types = [pa.string(), pa.string(), pa.string(), pa.bool_(), pa.string(), pa.string(),
             pa.string(), pa.string(), pa.string(), pa.int64()]
    table = pa.table([pa.array(list(values), type=kind) for values, kind in zip(columns, types)],
                     names=list(COLUMNS))
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return bytes(sink.getvalue().to_pybytes())
