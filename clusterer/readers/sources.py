"""Finding input files and opening them (``.gz``, stdin), in bytes.

Every input, whatever the format: gzip data (magic bytes ``1f 8b``) is decompressed,
whatever the name; its encoding is told (:mod:`.encodings`), and binary data is an
error. :mod:`.formats` tells the format.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import gzip
import io
import os
import stat
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from clusterer.errors import InputError
from clusterer.readers.config import ReaderConfig
from clusterer.readers.encodings import bom_encoding
from clusterer.readers.formats import format_from_name

READING = "reading"  # the progress stage of reading, counted in bytes of input
HEAD_SIZE = 1 << 16  # bytes looked at to tell the format
CHUNK = 1 << 16
ENCODING_HINT = ("pass --encoding with the file's encoding (e.g. --encoding cp1252), "
                 "or convert it to UTF-8")
class PathError(InputError):
    """A path that does not exist or cannot be opened: fatal even with ``skip_bad``."""


@dataclass(frozen=True)
class Source:
    """One input to read.

    Attributes:
        name: Shown in messages: the path as given (joined under a directory) or
            ``<stdin>``.
        path: The file, or None for stdin.
    """

    name: str
    path: Path | None

    @property
    def stem(self) -> str | None:
        """The file name without its extension (and ``.gz``): a ``.txt`` article's id."""
        if self.path is None:
            return None
        name = shown(self.path.name)  # an id must be text: a name not in UTF-8 is mended
        if name.endswith(".gz"):
            name = name[:-3]
        return Path(name).stem


def shown(path: str) -> str:
    """A path as text: bytes of a name that is not UTF-8 become U+FFFD."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def check_paths(paths: list[str]) -> None:
    """Fail before reading anything if an input path does not exist."""
    for path in paths:
        if path != "-" and not os.path.exists(path):
            raise PathError(shown(path), "no such file or directory", "check the path")


def expand(path: str, config: ReaderConfig, ignored: list[str],
           special: list[str] | None = None) -> Iterator[Source]:
    """The files to read for one input path, a directory searched recursively.

    Directory files come in sorted order of their relative paths; hidden files and
    directories (``.name``) are left out, and so are files of unknown extension
    unless ``--format`` is given (they are appended to ``ignored``). Only regular
    files (or symlinks to them) are read from directories: a FIFO would block the run
    forever, a device could be endless; they, sockets and broken or looping symlinks
    are appended to ``special`` as ``"path (kind)"``. A FIFO or device named on its
    own is read as a stream.
    """
    if path == "-":
        yield Source("<stdin>", None)
        return
    root = Path(path)
    if not root.is_dir():
        yield Source(shown(path), root)
        return
    found: list[tuple[tuple[str, ...], Path]] = []

    def fail(exc: OSError) -> None:
        raise PathError(exc.filename or path, f"cannot read directory: {exc.strerror}",
                        "check its permissions")

    for dirpath, dirnames, filenames in os.walk(root, onerror=fail):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for filename in filenames:
            if not filename.startswith("."):
                file = Path(dirpath) / filename
                found.append((file.relative_to(root).parts, file))
    for _, file in sorted(found):
        kind = _not_regular(file)
        if kind is not None:
            if special is not None:
                special.append(f"{file} ({kind})")
        elif config.format == "auto" and format_from_name(file.name) is None:
            ignored.append(str(file))
        else:
            yield Source(shown(str(file)), file)


def _not_regular(file: Path) -> str | None:
    """What a directory entry is when it is not a regular file, else None."""
    try:
        mode = file.stat().st_mode  # follows symlinks: a link to a regular file is read
    except OSError as exc:
        return "a symlink loop" if exc.errno == errno.ELOOP else (
            f"cannot stat: {_reason(exc)}" if not file.is_symlink() else "a broken symlink")
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


class _Chained(io.RawIOBase):
    """Already-read bytes, then the rest of a stream; read errors become InputError.

    More than ``limit`` bytes in all (head included) is an InputError too.
    """

    def __init__(self, head: bytes, rest: IO[bytes], name: str, gzipped: bool,
                 limit: int | None = None, meter: ByteMeter | None = None) -> None:
        super().__init__()
        self._meter = meter
        self._head = head
        self._rest = rest
        self._name = name
        self._gzipped = gzipped
        self._limit = limit
        self._left = limit - len(head) if limit is not None else None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        if self._left is None:
            data = read_checked(self._rest, len(buffer), self._name, self._gzipped)
            if self._meter is not None:
                self._meter.done += len(data)
        else:
            data = b"" if self._left < 0 else read_checked(
                self._rest, min(len(buffer), self._left + 1), self._name, self._gzipped)
            self._left -= len(data)
            if self._left < 0:  # one byte past the bound (or the head alone was past it)
                raise InputError(self._name, f"more than {self._limit:,} bytes of data"
                                 f"{' after decompression' if self._gzipped else ''} "
                                 "(--max-input-bytes)", "pass a larger --max-input-bytes, "
                                 "or split the file")
        buffer[: len(data)] = data
        return len(data)


def read_checked(stream: IO[bytes], size: int, name: str, gzipped: bool) -> bytes:
    """``stream.read(size)`` with I/O and gzip errors turned into InputError."""
    try:
        return stream.read(size)
    except (OSError, EOFError, zlib.error) as exc:
        if gzipped:
            raise InputError(name, f"corrupt gzip data: {_reason(exc)}",
                             "re-create or re-download the file") from None
        raise InputError(name, f"cannot read: {_reason(exc)}", "check the file") from None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _read_head(stream: IO[bytes], size: int, name: str, gzipped: bool) -> bytes:
    parts: list[bytes] = []
    remaining = size
    while remaining > 0:
        data = read_checked(stream, remaining, name, gzipped)
        if not data:
            break
        parts.append(data)
        remaining -= len(data)
    return b"".join(parts)


class ByteMeter:
    """Bytes of input read so far (before decompression), told to a progress callback
    as ``progress(READING, done, total)`` at most ten times a second.

    Args:
        progress: The callback, or None.
        total: Bytes of every input (None when stdin or a FIFO is among them).
    """

    def __init__(self, progress: Callable[[str, int, int | None], None] | None,
                 total: int | None) -> None:
        self.progress = progress
        self.total = total
        self.done = 0
        self._last = 0.0

    def tick(self, force: bool = False) -> None:
        """Tell the callback, if a tenth of a second has passed (or ``force``)."""
        if self.progress is None:
            return
        now = time.monotonic()
        if force or now - self._last >= 0.1:
            self._last = now
            # Bytes are read ahead of the records made of them: the total only when done.
            done = self.done if self.total is None else min(self.done, self.total - 1)
            self.progress(READING, max(done, 0), self.total)

    def finish(self) -> None:
        """Tell the callback that reading is done: the bytes read are the total."""
        if self.progress is not None:
            self.progress(READING, self.done, self.done)


@contextlib.contextmanager
def open_source(source: Source, max_bytes: int | None = None, meter: ByteMeter | None = None
                ) -> Iterator[tuple[io.BufferedReader, bytes]]:
    """The source's (decompressed) bytes as a buffered stream, and its first bytes.

    Raises:
        PathError: If the file cannot be opened.
        InputError: If it cannot be read or is corrupt gzip, or (while reading) if it
            has more than ``max_bytes`` bytes.
    """
    with contextlib.ExitStack() as stack:
        if source.path is None:
            raw: IO[bytes] = sys.stdin.buffer
        else:
            try:
                raw = stack.enter_context(source.path.open("rb"))
            except OSError as exc:
                raise PathError(source.name, f"cannot read: {_reason(exc)}",
                                "check the path and its permissions") from None
        magic = _read_head(raw, 2, source.name, False)
        gzipped = magic == b"\x1f\x8b"
        if meter is not None:
            meter.done += len(magic)
        stream: IO[bytes] = io.BufferedReader(_Chained(magic, raw, source.name, False,
                                                       meter=meter))
        if gzipped:
            stream = gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[assignment]
        head = _read_head(stream, HEAD_SIZE, source.name, gzipped)
        chained = _Chained(head, stream, source.name, gzipped, max_bytes)
        yield io.BufferedReader(chained, CHUNK), head


def oversized(location: str, config: ReaderConfig, whole: bool = False) -> InputError:
    """The error for a record (or a document read whole) over ``max_record_bytes``."""
    what = "document read whole" if whole else "record"
    return InputError(location, f"{what} larger than {config.max_record_bytes:,} bytes "
                      "(--max-record-bytes)", "pass --skip-bad to skip it, or a larger "
                      "--max-record-bytes")


def read_whole(stream: IO[bytes], name: str, config: ReaderConfig) -> bytes:
    """All the stream's data: one document, at most ``max_record_bytes``.

    Raises:
        InputError: If there is more; only one byte more than the bound was read.
    """
    data = stream.read(config.max_record_bytes + 1)
    if len(data) > config.max_record_bytes:
        raise oversized(name, config, whole=True)
    return data


def bounded_lines(stream: IO[bytes], limit: int) -> Iterator[bytes | None]:
    """The stream's lines, None for a line longer than ``limit`` bytes (newline aside).

    An overlong line is read past in chunks, never held whole.
    """
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith(b"\n"):
            yield line
            continue
        del line
        while True:
            rest = stream.readline(CHUNK)
            if not rest or rest.endswith(b"\n"):
                break
        yield None


class Recoded(io.RawIOBase):
    """A text stream in another encoding, read as UTF-8 bytes (for the record readers)."""

    def __init__(self, stream: IO[bytes], encoding: str, name: str) -> None:
        super().__init__()
        self._text = io.TextIOWrapper(stream, encoding=encoding, errors="strict", newline="")
        self._encoding = encoding
        self._name = name
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if not self._pending:
            try:
                self._pending = self._text.read(CHUNK).encode("utf-8", "surrogatepass")
            except UnicodeError as exc:
                reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
                raise InputError(self._name, f"cannot decode as {self._encoding}: {reason}",
                                 ENCODING_HINT) from None
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def utf8_stream(stream: io.BufferedReader, head: bytes, name: str,
                config: ReaderConfig) -> io.BufferedReader:
    """The stream as UTF-8 bytes: as is when it is UTF-8, else decoded and re-encoded."""
    encoding = bom_encoding(head) or (None if config.is_utf8 else config.encoding)
    if encoding is None:
        return stream
    return io.BufferedReader(Recoded(stream, encoding, name), CHUNK)


def decode_line(raw: bytes, origin: str, first: bool) -> str | InputError:
    """One line of UTF-8 (a BOM on the first line dropped), or the error naming the byte."""
    if first and raw.startswith(codecs.BOM_UTF8):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return InputError(origin, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column "
                          f"{exc.start + 1})", ENCODING_HINT)
