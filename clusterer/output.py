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
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise OutputError(f"{path}: directory {str(directory)!r} does not exist; create it first")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}; choose another path") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


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


def dedup_records(groups: Iterable[DuplicateGroup]) -> Iterator[dict[str, Any]]:
    """The ``dedup`` output: each kept article's fields plus ``duplicates``."""
    for group in groups:
        record = group.kept.to_dict()
        record["duplicates"] = [a.id for a in group.duplicates]
        yield record


def check_outputs(outputs: Sequence[str | None], inputs: Sequence[str]) -> None:
    """Refuse an output path that is also an input (it would destroy the input).

    Raises:
        OutputError: Naming the path and the fix.
    """
    resolved_inputs = {Path(p).resolve() for p in inputs if p != STDOUT}
    seen: set[Path] = set()
    for out in outputs:
        if out is None or out == STDOUT:
            continue
        resolved = Path(out).resolve()
        if resolved in resolved_inputs:
            raise OutputError(f"{out}: output path is also an input; choose another output path")
        if resolved in seen:
            raise OutputError(f"{out}: the same path is given for two outputs; choose distinct paths")
        seen.add(resolved)


def _default(value: Any) -> Any:
    # datetimes and other non-JSON values in original fields: ISO or str, never a crash.
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
