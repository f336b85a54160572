"""Record formats: JSON Lines, JSON (arrays, objects, JSON Feed documents), CSV, TSV.

All stream: JSONL and CSV line by line, JSON element by element through
:class:`JsonScanner` (only the element being parsed is in memory, not the file).
news-please records (``maintext``, ``source_domain``, ``date_publish``) are mapped
field by field in :func:`~clusterer.readers.fields.field_names`.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterator
from typing import IO, Any

import orjson

from clusterer.errors import InputError
from clusterer.readers.config import ReaderConfig
from clusterer.readers.feeds import is_jsonfeed, jsonfeed_drafts
from clusterer.readers.fields import Draft, record_draft
from clusterer.readers.sources import CHUNK, ENCODING_HINT, bounded_lines, decode_line, oversized

Item = Draft | InputError
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_TRUNCATION_MARGIN = 16  # an error this close to the buffer's end may just need more data
_BIG = 2.0**63


def _inexact(record: Any) -> bool:
    """True when a field may be an integer beyond 64 bits that orjson read as a float.

    (ids 2**64 and 2**64 + 1 would both become 1.8446744073709552e+19.) Such a record is
    read again by json, which keeps integers exact. Fields only: nested values stay.
    """
    return isinstance(record, dict) and any(
        type(value) is float and abs(value) >= _BIG for value in record.values())

_STRING_STOP = re.compile(r'["\\]')
_STRUCTURE_STOP = re.compile(r'["\[\]{}]')


def read_jsonl(stream: IO[bytes], name: str, config: ReaderConfig,
               first_line: int = 1) -> Iterator[Item]:
    """One article per line; blank lines are skipped. ``first_line``: the number of the
    stream's first line in its file (a byte range of it, read on a Dask worker)."""
    for lineno, raw in enumerate(bounded_lines(stream, config.max_record_bytes),
                                 start=first_line):
        origin = f"{name}:{lineno}"
        if raw is None:
            yield oversized(origin, config)
            continue
        line = decode_line(raw, origin, lineno == 1)
        if isinstance(line, InputError):
            yield line
            continue
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield InputError(origin, f"invalid JSON: {exc.msg} at column {exc.colno}",
                             "fix or remove the line")
            continue
        if _inexact(record):
            record = json.loads(line)
        yield too_deep(raw, record, origin) or record_draft(record, origin, config)


def read_json(stream: IO[bytes], name: str, config: ReaderConfig) -> Iterator[Item]:
    """A JSON array of articles, one article object, a JSON Feed, or objects in a row.

    Raises:
        InputError: On invalid JSON; the articles before it have been yielded.
    """
    scanner = JsonScanner(stream, name, config.max_record_bytes, read_past=config.skip_bad)
    first = scanner.skip_whitespace()
    if first == "":
        return
    if first == "[":
        yield from _array(scanner, name, config)
        return
    try:
        line, value = scanner.value()
    except BadValue as exc:
        yield exc
    else:
        if scanner.skip_whitespace() == "" and is_jsonfeed(value):
            yield from jsonfeed_drafts(value, name, config)
            return
        yield record_draft(value, f"{name}:{line}", config)
    while scanner.skip_whitespace():
        yield _next_record(scanner, name, config)


def _next_record(scanner: JsonScanner, name: str, config: ReaderConfig) -> Item:
    try:
        line, value = scanner.value()
    except BadValue as exc:  # already read past: the next record can follow
        return exc
    return record_draft(value, f"{name}:{line}", config)


class BadValue(InputError):
    """A JSON value read past that is no record: too large or nested too deeply."""


MAX_DEPTH = 254  # orjson writes no deeper (an output record is as deep as its input)


def too_deep(text: str | bytes, value: Any, origin: str) -> InputError | None:
    """The error for a value nested deeper than ``MAX_DEPTH``, or None."""
    if isinstance(value, dict) and not any(isinstance(v, (dict, list)) for v in value.values()):
        return None  # a flat record (most): no need to count brackets in its text
    opening = text.count("[") + text.count("{") if isinstance(text, str) else (
        text.count(b"[") + text.count(b"{"))
    if opening < MAX_DEPTH:  # the common case, decided without walking the value
        return None
    level = [(value, 1)]
    while level:
        node, depth = level.pop()
        if depth > MAX_DEPTH:
            return BadValue(origin, f"invalid JSON: nested deeper than {MAX_DEPTH} levels",
                            "flatten the record")
        children = node.values() if isinstance(node, dict) else node
        level.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return None


def read_jsonfeed(stream: IO[bytes], name: str, config: ReaderConfig) -> Iterator[Item]:
    """A JSON Feed document (forced with ``--format jsonfeed``), loaded whole.

    Raises:
        InputError: On invalid JSON, or a document that is not a JSON Feed.
    """
    scanner = JsonScanner(stream, name, config.max_record_bytes)
    if scanner.skip_whitespace() == "":
        return
    _, document = scanner.value()
    if scanner.skip_whitespace():
        raise InputError(f"{name}:{scanner.line}", "invalid JSON: data after the JSON Feed "
                         "document", "put one feed in each file")
    yield from jsonfeed_drafts(document, name, config)


def _array(scanner: JsonScanner, name: str, config: ReaderConfig) -> Iterator[Item]:
    scanner.advance()  # "["
    if scanner.skip_whitespace() == "]":
        scanner.advance()
    else:
        while True:
            yield _next_record(scanner, name, config)
            follow = scanner.skip_whitespace()
            scanner.advance()
            if follow == "]":
                break
            if follow != ",":
                found = repr(follow) if follow else "the end of the file"
                raise InputError(f"{name}:{scanner.line}", "invalid JSON: expected ',' or ']' "
                                 f"after an array element, found {found}", "fix the file")
    if scanner.skip_whitespace():
        raise InputError(f"{name}:{scanner.line}", "invalid JSON: data after the end of the "
                         "array", "put all articles in the one array")


class JsonScanner:
    """Reads consecutive JSON values from a UTF-8 stream, one at a time.

    The standard library's ``raw_decode`` finds where a value ends; when the buffer
    ends first, more is read (twice as much each time, so a large value costs
    O(n log n)). The value's text is then parsed by orjson, so that JSON and JSONL
    accept exactly the same values (no NaN, no lone surrogates, no huge integers).

    A value longer than ``limit`` characters is read past (see :meth:`_skip_value`)
    and reported as :class:`BadValue`, never held whole.

    Args:
        stream: UTF-8 bytes (a BOM is dropped).
        name: Shown in messages.
        limit: Longest value, in characters (at most as many as its bytes).
        read_past: Whether to read past an oversized value (so that the next can be
            read, for ``skip_bad``) before raising, or raise at once.
    """

    def __init__(self, stream: IO[bytes], name: str, limit: int = 2**31 - 1,
                 read_past: bool = True) -> None:
        self._stream = stream
        self._name = name
        self._limit = limit
        self._read_past = read_past
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")("strict")
        self._buffer = ""
        self._pos = 0
        self._raw_lines = 1  # line of the next undecoded byte, for decoding errors
        self.line = 1  # line at the current position
        self.eof = False

    def skip_whitespace(self) -> str:
        """Move past whitespace; the next character, or ``""`` at the end of the data."""
        while True:
            match = _WHITESPACE.match(self._buffer, self._pos)
            end = match.end() if match else self._pos
            self.line += self._buffer.count("\n", self._pos, end)
            self._pos = end
            if self._pos < len(self._buffer):
                return self._buffer[self._pos]
            if not self._fill(CHUNK):
                return ""

    def advance(self) -> None:
        """Move past one (non-newline) character."""
        self._pos += 1

    def value(self) -> tuple[int, Any]:
        """The line where the next value starts, and the value.

        Raises:
            InputError: On invalid JSON, naming the line.
        """
        self.skip_whitespace()
        start_line = self.line
        too_large = False
        end = 0
        while True:
            try:
                _, end = _DECODER.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError as exc:
                if self.eof or not self._maybe_truncated(exc):
                    line = self.line + self._buffer.count("\n", self._pos, exc.pos)
                    raise InputError(f"{self._name}:{line}", f"invalid JSON: {exc.msg}",
                                     "fix the file") from None
                too_large = len(self._buffer) - self._pos > self._limit
                if too_large:
                    break  # out of this handler first: exc.doc holds the whole buffer
                self._fill(max(CHUNK, len(self._buffer) - self._pos))
                continue
            except RecursionError:
                raise InputError(f"{self._name}:{start_line}", "invalid JSON: nested too "
                                 "deeply", "flatten the record") from None
            if end == len(self._buffer) and not self.eof:
                # A number at the end of the buffer may continue in the next chunk.
                self._fill(max(CHUNK, len(self._buffer) - self._pos))
                continue
            break
        if too_large or end - self._pos > self._limit:
            error = (BadValue if self._read_past else InputError)(
                f"{self._name}:{start_line}", f"record larger than {self._limit:,} bytes "
                "(--max-record-bytes)", "pass --skip-bad to skip it, or a larger "
                "--max-record-bytes")
            if not self._read_past:
                raise error  # fatal: no need to read the rest of the value
            if too_large:
                self._skip_value()
            else:  # whole in the buffer already
                self.line += self._buffer.count("\n", self._pos, end)
                self._pos = end
            raise error
        text = self._buffer[self._pos:end]
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise InputError(f"{self._name}:{start_line + exc.lineno - 1}",
                             f"invalid JSON: {exc.msg}", "fix the file") from None
        if _inexact(value):
            value = json.loads(text)
        self.line += text.count("\n")
        self._pos = end
        deep = too_deep(text, value, f"{self._name}:{start_line}")
        if deep is not None:
            raise deep
        return start_line, value

    def _skip_value(self) -> None:
        """Move past the value at the current position, a chunk at a time.

        Only brackets and strings are followed (the value is known to be too large, not
        yet to be valid); lines are counted on the way.
        """
        depth = 0
        in_string = False
        pos = self._pos
        while True:
            buffer = self._buffer
            if in_string:
                match = _STRING_STOP.search(buffer, pos)
                if match is not None and match.group() == "\\" and match.end() < len(buffer):
                    pos = match.end() + 1  # the escaped character
                    continue
                if match is not None and match.group() == '"':
                    in_string = False
                    pos = match.end()
                    if depth == 0:
                        break
                    continue
                pos = match.start() if match is not None else len(buffer)
            else:
                match = _STRUCTURE_STOP.search(buffer, pos)
                if match is not None:
                    char = match.group()
                    pos = match.end()
                    if char == '"':
                        in_string = True
                    elif char in "[{":
                        depth += 1
                    elif char in "]}":
                        depth -= 1
                    if char in "]}" and depth <= 0:
                        break
                    continue
                pos = len(buffer)
            self.line += buffer.count("\n", self._pos, pos)
            self._pos = pos
            if not self._fill(16 * CHUNK):  # larger reads: fewer rounds over a huge value
                raise InputError(f"{self._name}:{self.line}", "invalid JSON: the data ends "
                                 "inside a value", "fix the file")
            pos = self._pos
        self.line += self._buffer.count("\n", self._pos, pos)
        self._pos = pos

    def _maybe_truncated(self, exc: json.JSONDecodeError) -> bool:
        return (exc.msg.startswith("Unterminated string")
                or exc.pos >= len(self._buffer) - _TRUNCATION_MARGIN)

    def _fill(self, size: int) -> bool:
        """Append at least ``size`` more bytes' text; False at the end of the data."""
        if self.eof:
            return False
        data = self._stream.read(size)
        try:
            text = self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            line = self._raw_lines + data.count(b"\n", 0, max(exc.start, 0))
            raise InputError(f"{self._name}:{line}", "not valid UTF-8", ENCODING_HINT) from None
        self._raw_lines += data.count(b"\n")
        self.eof = not data
        self._buffer = self._buffer[self._pos:] + text
        self._pos = 0
        return bool(data)


def read_csv(stream: IO[bytes], name: str, config: ReaderConfig,
             delimiter: str = ",") -> Iterator[Item]:
    """Rows under a header line; a field may span lines when quoted.

    Raises:
        InputError: If the header has no title column, or on a quoting error (the
            rows before it have been yielded).
    """
    bad: list[InputError] = []
    kind = "TSV" if delimiter == "\t" else "CSV"
    # Process-wide, so set for each file (a field spanning lines is bounded here).
    csv.field_size_limit(config.max_record_bytes)

    def lines() -> Iterator[str]:
        for lineno, raw in enumerate(bounded_lines(stream, config.max_record_bytes), start=1):
            if raw is None:  # an empty line in its place: the row is reported, not read
                bad.append(oversized(f"{name}:{lineno}", config))
                yield ""
                continue
            line = decode_line(raw, f"{name}:{lineno}", lineno == 1)
            if isinstance(line, InputError):
                bad.append(line)
                line = raw.decode("utf-8", "replace")
            yield line

    reader = csv.reader(lines(), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InputError(f"{name}:1", f"invalid {kind} header: {exc}", "fix the file") from None
    if header is None:
        return
    if bad:
        raise bad[0]
    if config.title_field not in header:
        columns = ", ".join(header)[:200]
        raise InputError(f"{name}:1", f'no "{config.title_field}" column (columns: {columns})',
                         "pass --title-field to choose another column")
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader, None)
        except csv.Error as exc:
            if str(exc).startswith("field larger than field limit"):
                raise oversized(f"{name}:{start}", config) from None
            raise InputError(f"{name}:{start}", f"invalid {kind}: {exc}",
                             "quote fields that contain the delimiter, quotes or newlines"
                             ) from None
        if row is None:
            return
        origin = f"{name}:{start}"
        if bad:
            yield bad[0]
            bad.clear()
        elif len(row) != len(header):
            if row:  # csv yields [] for a blank line
                yield InputError(origin, f"{len(row)} fields, the header has {len(header)}",
                                 "quote fields that contain the delimiter")
        else:
            yield record_draft(dict(zip(header, row)), origin, config)
