"""Reading feed dumps: one :class:`~clusterer.records.Article` at a time.

Formats (by extension, ``--format`` forces one): JSONL, a JSON array, CSV with a
header, and a directory of ``.txt`` files (first non-empty line is the headline, the
rest the body, the file stem the id). ``.gz`` is read transparently; ``-`` is stdin.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

import orjson

from clusterer.errors import InputError
from clusterer.records import Article

FORMATS = ("auto", "jsonl", "json", "csv", "txt")


@dataclass(frozen=True)
class ReaderConfig:
    """Which input fields hold what, and which format to read.

    Args:
        format: One of ``FORMATS``; ``auto`` detects by extension and content.
        id_field: Field holding the article id (derived stably when absent).
        title_field: Field holding the headline (required).
        text_field: Field holding the body (may be absent or empty).
        url_field: Field holding the URL.
        source_field: Field holding the publisher name.
        published_field: Field holding the ISO 8601 publication time.
    """

    format: str = "auto"
    id_field: str = "id"
    title_field: str = "title"
    text_field: str = "text"
    url_field: str = "url"
    source_field: str = "source"
    published_field: str = "published"

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {self.format!r}")
        for name in ("id", "title", "text", "url", "source", "published"):
            if not getattr(self, f"{name}_field"):
                raise ValueError(f"{name}_field must be a non-empty field name")


def read_articles(paths: Iterable[str], config: ReaderConfig | None = None) -> Iterator[Article]:
    """Yield every article of every input, in input order.

    Args:
        paths: Files, directories or ``-`` for stdin.
        config: Field names and format; defaults to :class:`ReaderConfig`.

    Raises:
        InputError: On unreadable paths and malformed records, naming file and line.
    """
    config = config or ReaderConfig()
    for path in paths:
        yield from _read_path(path, config)


def _read_path(path: str, config: ReaderConfig) -> Iterator[Article]:
    if path == "-":
        yield from _read_stream(sys.stdin.buffer, "<stdin>", _format_for("", config), config)
        return
    p = Path(path)
    if p.is_dir():
        yield from _read_txt_dir(p, config)
        return
    if not p.exists():
        raise InputError(path, "no such file or directory", "check the path")
    fmt = _format_for(p.name, config)
    try:
        with _open_binary(p) as stream:
            yield from _read_stream(stream, path, fmt, config)
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}", "check the file") from None


def _open_binary(p: Path) -> IO[bytes]:
    if p.suffix == ".gz":
        return gzip.open(p, "rb")
    return p.open("rb")


def _format_for(name: str, config: ReaderConfig) -> str:
    if config.format != "auto":
        return config.format
    stem = name[:-3] if name.endswith(".gz") else name
    for ext, fmt in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".json", "json"),
                     (".csv", "csv"), (".txt", "txt")):
        if stem.endswith(ext):
            return fmt
    return "jsonl"


def _read_stream(stream: IO[bytes], name: str, fmt: str, config: ReaderConfig) -> Iterator[Article]:
    if fmt == "jsonl":
        yield from _read_jsonl(stream, name, config)
    elif fmt == "json":
        yield from _read_json_array(stream, name, config)
    elif fmt == "csv":
        yield from _read_csv(stream, name, config)
    else:
        raw = stream.read().decode("utf-8", errors="replace")
        yield _txt_article(Path(name).stem, raw, name, config)


def _read_jsonl(stream: IO[bytes], name: str, config: ReaderConfig) -> Iterator[Article]:
    for lineno, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise InputError(f"{name}:{lineno}", f"invalid JSON: {exc}",
                             "fix or remove the line") from None
        yield _record_article(record, f"{name}:{lineno}", config)


def _read_json_array(stream: IO[bytes], name: str, config: ReaderConfig) -> Iterator[Article]:
    try:
        data = orjson.loads(stream.read())
    except orjson.JSONDecodeError as exc:
        raise InputError(name, f"invalid JSON: {exc}", "fix the file") from None
    if not isinstance(data, list):
        raise InputError(name, "expected a JSON array of articles",
                         "use one JSON object per line (.jsonl) for a stream")
    for index, record in enumerate(data, start=1):
        yield _record_article(record, f"{name}:{index}", config)


def _read_csv(stream: IO[bytes], name: str, config: ReaderConfig) -> Iterator[Article]:
    text = io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="")
    reader = csv.DictReader(text)
    for record in reader:
        yield _record_article(dict(record), f"{name}:{reader.line_num}", config)


def _read_txt_dir(directory: Path, config: ReaderConfig) -> Iterator[Article]:
    for p in sorted(directory.glob("*.txt")):
        raw = p.read_bytes().decode("utf-8", errors="replace")
        yield _txt_article(p.stem, raw, str(p), config)


def _txt_article(stem: str, raw: str, name: str, config: ReaderConfig) -> Article:
    lines = raw.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise InputError(name, "empty text file", "put the headline on the first line")
    title = lines[first].strip()
    text = "\n".join(lines[first + 1:]).strip()
    return Article(id=stem, title=title, text=text,
                   fields={"id": stem, "title": title, "text": text}, origin=f"{name}:1")


def _record_article(record: Any, origin: str, config: ReaderConfig) -> Article:
    if not isinstance(record, Mapping):
        raise InputError(origin, "expected a JSON object", "put one article object per line")
    title = _text(record.get(config.title_field))
    if title is None:
        raise InputError(origin, f'missing field "{config.title_field}"',
                         "pass --title-field to choose another field")
    text = _text(record.get(config.text_field)) or ""
    url = _text(record.get(config.url_field)) or None
    article_id = _text(record.get(config.id_field)) or _derived_id(url, title, text)
    return Article(
        id=article_id,
        title=title,
        text=text,
        url=url,
        source=_text(record.get(config.source_field)) or None,
        published=_parse_time(record.get(config.published_field), origin, config),
        fields=dict(record),
        origin=origin,
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _derived_id(url: str | None, title: str, text: str) -> str:
    basis = url if url else f"{title}\n{text}"
    return "h" + hashlib.blake2b(basis.encode("utf-8"), digest_size=8).hexdigest()


def _parse_time(value: Any, origin: str, config: ReaderConfig) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise InputError(origin, f'field "{config.published_field}" is not a date string',
                         "use ISO 8601, e.g. 2024-10-16T22:00:00Z")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(origin, f'field "{config.published_field}": not an ISO 8601 date: '
                         f"{value[:40]!r}", "use ISO 8601, e.g. 2024-10-16T22:00:00Z") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)
