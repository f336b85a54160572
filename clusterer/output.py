"""Writing outputs: atomically (temporary file, then rename), JSON via orjson.

An interrupted run never leaves a partial file: the old output or none.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import orjson

from clusterer.errors import OutputError
from clusterer.records import DuplicateGroup

STDOUT = "-"


@contextlib.contextmanager
def atomic_writer(path: str) -> Iterator[IO[bytes]]:
    """Open ``path`` for binary writing so that it appears whole or not at all.

    Writes go to a temporary file in the same directory, which is flushed, synced and
    renamed over ``path`` only when the block ends without error. ``-`` is stdout.

    Raises:
        OutputError: If the directory does not exist or cannot be written.
    """
    if path == STDOUT:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    target = Path(path)
    _check_target(path, target)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                        dir=target.parent)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}; choose another path") from None
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        os.fchmod(fd, _file_mode(target))
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
            raise OutputError(f"{path}: cannot write: {exc.strerror or exc}; free some space "
                              "or choose another path") from None
        raise


def _check_target(path: str, target: Path) -> None:
    directory = target.parent
    if not directory.is_dir():
        raise OutputError(f"{path}: directory {str(directory)!r} does not exist; create it first")
    if target.is_dir():
        raise OutputError(f"{path}: is a directory; give a file path")


def _file_mode(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777  # replacing a file: keep its mode
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_jsonl(path: str, records: Iterable[dict[str, Any]]) -> int:
    """Write one JSON object per line, atomically; returns the number of lines."""
    count = 0
    with atomic_writer(path) as handle:
        for record in records:
            handle.write(orjson.dumps(record, default=_default))
            handle.write(b"\n")
            count += 1
    return count


def write_json(path: str, document: Any) -> None:
    """Write one JSON document, indented, atomically."""
    with atomic_writer(path) as handle:
        handle.write(orjson.dumps(document, default=_default, option=orjson.OPT_INDENT_2))
        handle.write(b"\n")


def write_text(path: str, text: str) -> int:
    """Write ``text`` as UTF-8, atomically; returns the number of bytes."""
    data = text.encode("utf-8")
    with atomic_writer(path) as handle:
        handle.write(data)
    return len(data)


def dedup_records(groups: Iterable[DuplicateGroup]) -> Iterator[dict[str, Any]]:
    """The ``dedup`` output: each kept article's fields plus ``duplicates``."""
    for group in groups:
        record = group.kept.to_dict()
        record["duplicates"] = [a.id for a in group.duplicates]
        yield record


def check_outputs(outputs: Sequence[str | None], inputs: Sequence[str]) -> None:
    """Refuse, before any work, output paths that cannot or must not be written.

    An output that is also an input would destroy it; one inside an input directory
    would be read as input by the next run; a missing directory would only fail at
    the end.

    Raises:
        OutputError: Naming the path and the fix.
    """
    resolved_inputs = {Path(p).resolve() for p in inputs if p != STDOUT}
    input_dirs = [(Path(p).resolve(), p) for p in inputs if p != STDOUT and Path(p).is_dir()]
    seen: set[Path] = set()
    for out in outputs:
        if out is None or out == STDOUT:
            continue
        resolved = Path(out).resolve()
        if resolved in resolved_inputs:
            raise OutputError(f"{out}: output path is also an input; choose another output path")
        inside = next((given for d, given in input_dirs if d in resolved.parents), None)
        if inside is not None:
            raise OutputError(f"{out}: output path is inside the input directory {inside!r}, "
                              "where the next run would read it; choose a path outside it")
        _check_target(out, Path(out))
        if resolved in seen:
            raise OutputError(f"{out}: the same path is given for two outputs; choose distinct paths")
        seen.add(resolved)


def _default(value: Any) -> Any:
    # datetimes and other non-JSON values in original fields: ISO or str, never a crash.
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
