"""Writing outputs: atomically (temporary file, then rename), JSON via orjson.

The outputs of one run form an :class:`OutputSet`: each regular file is written to a
temporary file beside it, and all are renamed over their targets only when every one
was written, so an interrupted or failed run leaves the old outputs (or none), never a
partial file and never one new output beside an old one.

Targets that are not regular files (stdout, ``/dev/stdout``, a device, a FIFO, a
symlink to one of these) cannot be replaced: they are written in place, streaming. A
symlink to a regular file replaces the file it points to and keeps the link.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

from clusterer.errors import OutputError
from clusterer.records import Article, DuplicateGroup

STDOUT = "-"
# Signals whose handlers clean up (cli.py): held back while a temporary file is being
# created and registered, and while the outputs are renamed, so that a signal never
# lands between the two and leaves a temporary file or half the outputs behind.
CAUGHT_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT,
                            signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM})
_SPACE_HINT = "free some space or choose another path"
_temporaries: set[str] = set()  # every temporary file not yet renamed or removed
_streamed: list[str] = []  # outputs of the current run written in place so far


def interrupted_note() -> str:
    """What an interrupted run left behind, for the line after ``Interrupted;``."""
    if _streamed:
        return f"{', '.join(_streamed)} may be incomplete; no file was replaced."
    return "no output was written partially."


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, CAUGHT_SIGNALS)
    except (ValueError, OSError):  # not the main thread, or no sigmask: nothing to hold
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def remove_temporaries() -> None:
    """Remove every temporary output file still on disk (the signal handlers' last step)."""
    with _signals_held():
        for name in list(_temporaries):
            with contextlib.suppress(OSError):
                os.unlink(name)
            _temporaries.discard(name)


@dataclass
class _Target:
    """One output: where it goes and how it is written."""

    given: str
    path: Path  # the file written: a symlink's target for regular files
    in_place: bool  # stdout, a device, a FIFO: written directly, never replaced


def _target(given: str) -> _Target:
    if given == STDOUT:
        return _Target(given, Path(given), in_place=True)
    path = Path(given)
    try:
        info = path.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:  # a symlink loop, a file in a path that is not a directory
        raise OutputError(f"{given}: cannot write: {exc.strerror}; choose another path") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{given}: is a directory; give a file path")
    real = Path(os.path.realpath(given))
    if (info is not None and not stat.S_ISREG(info.st_mode)) or _is_descriptor(given, real):
        return _Target(given, path, in_place=True)
    return _Target(given, real, in_place=False)


def _is_descriptor(given: str, real: Path) -> bool:
    # /dev/stdout, /dev/fd/N, /proc/self/fd/N name an open descriptor, even when it is a
    # regular file (`> out.txt`): write through it, never replace what it points to.
    absolute = os.path.abspath(given)
    return (absolute in ("/dev/stdout", "/dev/stderr") or absolute.startswith(("/dev/fd/", "/proc/"))
            or str(real).startswith("/proc/"))


def _probe(target: _Target) -> None:
    """Fail now, not after the work, when the output cannot be written."""
    if target.given == STDOUT:
        return
    if target.in_place:
        if not os.access(target.path, os.W_OK):
            raise OutputError(f"{target.given}: cannot write: permission denied; "
                              "choose another path")
        return
    directory = target.path.parent
    if not directory.is_dir():
        shown = str(Path(target.given).parent)
        raise OutputError(f"{target.given}: directory {shown!r} does not exist; create it first")
    fd, name = _temporary(target)
    os.close(fd)
    _discard(name)


def _temporary(target: _Target) -> tuple[int, str]:
    try:
        with _signals_held():
            fd, name = tempfile.mkstemp(prefix=f".{target.path.name}.", suffix=".tmp",
                                        dir=target.path.parent)
            _temporaries.add(name)
    except OSError as exc:
        raise OutputError(f"{target.given}: cannot write: {exc.strerror}; "
                          "choose another path") from None
    return fd, name


def _discard(name: str) -> None:
    with _signals_held():
        with contextlib.suppress(OSError):
            os.unlink(name)
        _temporaries.discard(name)


@dataclass
class OutputSet:
    """The outputs of one run, checked before the work and committed together.

    Use as a context manager around the writes: the files are renamed over their
    targets when the block ends without error, and none is when one write fails or
    the run is interrupted (the temporary files are removed).

    Args:
        outputs: Output paths; None (an output not asked for) is left out, ``-`` is
            stdout.
        inputs: The run's inputs, which outputs must not overwrite or sit inside.

    Raises:
        OutputError: On construction, for an output that cannot or must not be
            written, before any work; on a failed write, saying which outputs were
            left unchanged.
    """

    outputs: Sequence[str | None]
    inputs: Sequence[str] = ()
    _targets: dict[str, _Target] = field(default_factory=dict, init=False)
    _pending: list[tuple[_Target, str]] = field(default_factory=list, init=False)
    streamed: list[str] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        _streamed.clear()
        check_outputs(self.outputs, self.inputs)
        for given in self.outputs:
            if given is not None:
                target = _target(given)
                _probe(target)
                self._targets[given] = target

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None:
            self._abandon()
            return
        self._commit()

    @contextlib.contextmanager
    def open(self, given: str) -> Iterator[IO[bytes]]:
        """A binary handle for one output: stdout, the target itself, or a temporary."""
        target = self._targets.get(given) or _target(given)
        if given == STDOUT:
            self._stream("stdout")
            yield sys.stdout.buffer
            sys.stdout.buffer.flush()
            return
        if target.in_place:
            self._stream(given)
            try:
                with open(target.path, "wb") as handle:
                    yield handle
            except OSError as exc:
                if isinstance(exc, BrokenPipeError):
                    raise
                raise self._failed(given, exc) from None
            return
        fd, name = _temporary(target)
        try:
            # mkstemp makes the file private (0600); give it the mode a plain open() would.
            os.fchmod(fd, _file_mode(target.path))
            with os.fdopen(fd, "wb") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException as exc:
            _discard(name)
            if isinstance(exc, OSError):
                raise self._failed(given, exc) from None
            raise
        self._pending.append((target, name))

    def write_jsonl(self, given: str, records: Iterable[dict[str, Any]]) -> int:
        """Write one JSON object per line; returns the number of lines."""
        count = 0
        with self.open(given) as handle:
            for record in records:
                handle.write(dumps_record(record))
                handle.write(b"\n")
                count += 1
        return count

    def write_lines(self, given: str, lines: Iterable[bytes]) -> None:
        """Write JSONL already made (bytes of whole lines, in order)."""
        with self.open(given) as handle:
            for blob in lines:
                handle.write(blob)

    def write_json(self, given: str, document: Any,
                   items: tuple[str, Iterable[Any]] | None = None) -> None:
        """Write one JSON document, indented. With ``items`` (a key and its items), the
        document ends with that key, a list written item by item: the same bytes as
        with the list in ``document`` (:func:`dumps_with_list`)."""
        with self.open(given) as handle:
            if items is None:
                handle.write(orjson.dumps(document, default=_default,
                                          option=orjson.OPT_INDENT_2))
            else:
                for blob in dumps_with_list(document, *items, indent=True):
                    handle.write(blob)
            handle.write(b"\n")

    def _stream(self, name: str) -> None:
        self.streamed.append(name)
        _streamed.append(name)

    def _failed(self, given: str, exc: OSError) -> OutputError:
        """The error for a failed write, saying truthfully what became of the outputs."""
        self._abandon()
        problem = f"{given}: cannot write: {exc.strerror or exc}"
        if any(g != given and not t.in_place for g, t in self._targets.items()):
            problem += ", so no output was replaced"
        written = [s for s in self.streamed if s != given]
        if written:
            problem += f" ({', '.join(written)} already written)"
        return OutputError(f"{problem}; {_SPACE_HINT}")

    def _abandon(self) -> None:
        for _, name in self._pending:
            _discard(name)
        self._pending.clear()

    def _commit(self) -> None:
        # Renames within one directory do not fail for want of space; holding the
        # signals makes them all happen or none.
        with _signals_held():
            for target, name in self._pending:
                os.replace(name, target.path)
                _temporaries.discard(name)
            self._pending.clear()



def dumps_with_list(head: dict[str, Any], key: str, items: Iterable[Any],
                    indent: bool = False) -> Iterator[bytes]:
    """The bytes of ``orjson.dumps({**head, key: list(items)})`` (``key`` not in ``head``;
    indented by 2 with ``indent``), made one item at a time."""
    if key in head:
        raise ValueError(f"key {key!r} is already in the document")
    option = orjson.OPT_INDENT_2 if indent else None
    empty = orjson.dumps({**head, key: []}, default=_default, option=option)
    end = b"]\n}" if indent else b"]}"
    yield empty[:-len(end)]  # up to the list's "["
    first = True
    for item in items:
        blob = orjson.dumps(item, default=_default, option=option)
        if indent:  # the list's items stand two levels in: each line 4 spaces further
            blob = b"\n    " + blob.replace(b"\n", b"\n    ")
        yield blob if first else b"," + blob
        first = False
    yield end if first or not indent else b"\n  " + end


@contextlib.contextmanager
def atomic_writer(path: str) -> Iterator[IO[bytes]]:
    """Open ``path`` for binary writing so that it appears whole or not at all.

    One output of its own :class:`OutputSet`: see there.

    Raises:
        OutputError: If the directory does not exist or cannot be written.
    """
    with OutputSet([path]) as outputs, outputs.open(path) as handle:
        yield handle


def _file_mode(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777  # replacing a file: keep its mode
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_jsonl(path: str, records: Iterable[dict[str, Any]]) -> int:
    """Write one JSON object per line, atomically; returns the number of lines."""
    with OutputSet([path]) as outputs:
        return outputs.write_jsonl(path, records)


def write_json(path: str, document: Any) -> None:
    """Write one JSON document, indented, atomically."""
    with OutputSet([path]) as outputs:
        outputs.write_json(path, document)


def write_text(path: str, text: str) -> int:
    """Write ``text`` as UTF-8, atomically; returns the number of bytes."""
    data = text.encode("utf-8")
    with atomic_writer(path) as handle:
        handle.write(data)
    return len(data)


def dedup_records(groups: Iterable[DuplicateGroup]) -> Iterator[dict[str, Any]]:
    """The ``dedup`` output: each kept article's original fields, ``duplicates`` (the
    ids of its copies) and ``normalized`` (:meth:`Article.normalized`)."""
    for group in groups:
        yield dedup_record(group.kept, [a.id for a in group.duplicates])


def dedup_record(kept: Article, duplicates: Sequence[str]) -> dict[str, Any]:
    """One ``dedup`` output line: ``kept``'s fields, the ids of its copies and
    ``normalized``."""
    record = kept.to_dict()
    record["duplicates"] = list(duplicates)
    record["normalized"] = kept.normalized()
    return record


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


def _check_target(path: str, target: Path) -> None:
    directory = target.parent
    if not directory.is_dir():
        raise OutputError(f"{path}: directory {str(directory)!r} does not exist; create it first")
    if target.is_dir():
        raise OutputError(f"{path}: is a directory; give a file path")


def dumps_record(record: dict[str, Any]) -> bytes:
    """One record as compact JSON bytes; values JSON lacks (datetimes, integers beyond 64
    bits kept exact from the input) are written, never a crash."""
    try:
        return orjson.dumps(record, default=_default)
    except TypeError:  # an integer beyond 64 bits, kept exact from the input: json writes it
        return json.dumps(record, default=_default, ensure_ascii=False,
                          separators=(",", ":")).encode()


def _default(value: Any) -> Any:
    # datetimes and other non-JSON values in original fields: ISO or str, never a crash.
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
