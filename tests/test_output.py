"""Outputs: atomic writes (old file or whole new file, never a partial one), checks,
and runs killed mid-write."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clusterer.errors import OutputError
from clusterer.output import (
    OutputSet,
    atomic_writer,
    check_outputs,
    dumps_with_list,
    write_json,
    write_jsonl,
)

from conftest import SAMPLES

SAMPLE_FEED = SAMPLES / "feed.jsonl"


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


# ---------------------------------------------------------------- atomic_writer
def test_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")

    def records():
        yield {"id": "a"}
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        write_jsonl(str(out), records())
    assert out.read_text() == "old\n"
    assert leftovers(tmp_path) == []


def test_interrupted_write_leaves_no_file_when_there_was_none(tmp_path):
    out = tmp_path / "out.json"
    with pytest.raises(KeyboardInterrupt), atomic_writer(str(out)) as handle:
        handle.write(b"{")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_written_file_is_whole_and_has_the_usual_mode(tmp_path):
    out = tmp_path / "out.jsonl"
    assert write_jsonl(str(out), ({"id": str(i)} for i in range(3))) == 3
    assert out.read_bytes() == b'{"id":"0"}\n{"id":"1"}\n{"id":"2"}\n'
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600
    out.chmod(0o640)
    write_json(str(out), {"a": 1})
    assert stat.S_IMODE(out.stat().st_mode) == 0o640  # a replaced file keeps its mode
    assert orjson.loads(out.read_bytes()) == {"a": 1}


def test_write_error_is_an_output_error(tmp_path, monkeypatch):
    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    out = tmp_path / "out.jsonl"
    with pytest.raises(OutputError, match=r"^.*out\.jsonl: cannot write: No space left on "
                       r"device; free some space or choose another path$"):
        write_jsonl(str(out), [{"id": "a"}])
    assert list(tmp_path.iterdir()) == []


def test_check_outputs(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text("")
    check_outputs([str(tmp_path / "o.jsonl"), None, "-"], [str(feed), "-"])
    with pytest.raises(OutputError, match="the same path is given for two outputs"):
        check_outputs([str(tmp_path / "o.jsonl"), str(tmp_path / "." / "o.jsonl")], [str(feed)])
    with pytest.raises(OutputError, match="output path is also an input"):
        check_outputs([str(feed)], [str(feed)])


# ---------------------------------------------------------------- killed runs
# The real command in a subprocess, its output slowed down so that the signal surely
# arrives while the temporary file is being written.
SLOW_RUN = textwrap.dedent("""
    import sys, time
    import clusterer.cli as cli
    import clusterer.pipeline as pipeline

    records = pipeline.dedup_records

    def slow(groups):
        for record in records(groups):
            time.sleep(0.02)
            yield record

    pipeline.dedup_records = slow  # what DedupRun.record_lines writes from
    sys.argv = ["clusterer", *sys.argv[1:]]
    cli.app()
""")


@pytest.fixture
def big_feed(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b"".join(
        orjson.dumps({"id": f"a{i}", "title": f"Story {i}",
                      "text": f"word{i} " * 2000}) + b"\n" for i in range(200)))
    return feed


def _sigint_as_at_a_terminal() -> None:
    # A shell starts background jobs with SIGINT ignored, and Python then leaves it
    # ignored: run as `make test &`, the run would not see Ctrl-C at all. The command
    # is tested as started from a terminal.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(args: list[str], tmp_path: Path, slow: bool) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", SLOW_RUN, *args] if slow else [
        sys.executable, "-m", "clusterer", *args]
    return subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=_sigint_as_at_a_terminal)


def wait_for_temporary(directory: Path, process: subprocess.Popen[bytes], min_size: int) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        for path in directory.glob(".out.jsonl.*.tmp"):
            try:
                if path.stat().st_size >= min_size:
                    return True
            except FileNotFoundError:
                pass
        time.sleep(0.005)
    return False


@pytest.mark.parametrize("sig, code, line", [
    (signal.SIGINT, 130, "Interrupted; no output was written partially.\n"),
    (signal.SIGTERM, 143, "Terminated; no output was written partially.\n"),
    (signal.SIGHUP, 129, "Stopped by SIGHUP; no output was written partially.\n"),
])
def test_interrupted_run_keeps_the_old_output_and_says_so_in_one_line(
        tmp_path, big_feed, sig, code, line):
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    process = start(["dedup", "feed.jsonl", "-o", "out.jsonl", "-q", "-j", "1"], tmp_path,
                    slow=True)
    assert wait_for_temporary(tmp_path, process, min_size=1)
    process.send_signal(sig)
    _, err = process.communicate(timeout=30)
    assert (process.returncode, err.decode()) == (code, line)
    assert out.read_text() == "old\n"
    assert leftovers(tmp_path) == []


def test_killed_run_keeps_the_old_output(tmp_path, big_feed):
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    process = start(["dedup", "feed.jsonl", "-o", "out.jsonl", "-q", "-j", "1"], tmp_path,
                    slow=True)
    assert wait_for_temporary(tmp_path, process, min_size=1)
    process.kill()  # SIGKILL: no cleanup at all
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert out.read_text() == "old\n"
    assert len(leftovers(tmp_path)) == 1  # only the hidden temporary file is left


def test_killed_full_speed_run_leaves_old_or_whole_output(tmp_path, big_feed):
    # No slowing down: the kill lands whenever the temporary file has some data; if
    # the run finished first, the new output must be whole.
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    process = start(["dedup", "feed.jsonl", "-o", "out.jsonl", "-q", "-j", "1"], tmp_path,
                    slow=False)
    wait_for_temporary(tmp_path, process, min_size=4096)
    process.kill()
    process.communicate(timeout=30)
    text = out.read_text()
    if text != "old\n":
        assert [orjson.loads(line)["id"] for line in text.splitlines()] == [
            f"a{i}" for i in range(200)]


# A run whose second output (the groups file) is slow to start: the signal lands while
# the first output is whole in its temporary file but not yet renamed.
SLOW_SECOND_OUTPUT = textwrap.dedent("""
    import pathlib, sys, time
    import clusterer.cli as cli
    from clusterer.output import OutputSet

    write_json = OutputSet.write_json

    def slow(self, given, document, *items):
        pathlib.Path("second-write-started").touch()
        time.sleep(30)
        write_json(self, given, document, *items)

    OutputSet.write_json = slow
    sys.argv = ["clusterer", *sys.argv[1:]]
    cli.app()
""")


def test_signal_during_the_second_write_replaces_neither_output(tmp_path, big_feed):
    (tmp_path / "out.jsonl").write_text("old\n")
    (tmp_path / "groups.json").write_text("old groups\n")
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_SECOND_OUTPUT, "dedup", "feed.jsonl", "-o", "out.jsonl",
         "--groups", "groups.json", "-q", "-j", "1"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not (tmp_path / "second-write-started").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(leftovers(tmp_path)) == 1  # the first output, whole, waiting for the second
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert (process.returncode, err.decode()) == (
        143, "Terminated; no output was written partially.\n")
    assert (tmp_path / "out.jsonl").read_text() == "old\n"
    assert (tmp_path / "groups.json").read_text() == "old groups\n"
    assert leftovers(tmp_path) == []


# ---------------------------------------------------------------- OutputSet
def test_output_set_replaces_all_outputs_or_none(tmp_path, monkeypatch):
    first, second = tmp_path / "out.jsonl", tmp_path / "groups.json"
    first.write_text("old\n")
    second.write_text("old groups\n")
    real_fsync = os.fsync
    calls = []

    def full_on_second(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_on_second)
    outputs = OutputSet([str(first), str(second)])
    with pytest.raises(OutputError) as caught, outputs:
        outputs.write_jsonl(str(first), [{"id": "a"}])
        outputs.write_json(str(second), {"groups": []})
    assert str(caught.value) == (f"{second}: cannot write: No space left on device, so no output "
                                 "was replaced; free some space or choose another path")
    assert (first.read_text(), second.read_text()) == ("old\n", "old groups\n")
    assert leftovers(tmp_path) == []
    monkeypatch.setattr(os, "fsync", real_fsync)
    with OutputSet([str(first), str(second)]) as outputs:
        outputs.write_jsonl(str(first), [{"id": "a"}])
        outputs.write_json(str(second), {"groups": []})
    assert (first.read_text(), orjson.loads(second.read_bytes())) == ('{"id":"a"}\n',
                                                                      {"groups": []})


def test_symlink_to_a_regular_file_replaces_the_file_and_keeps_the_link(tmp_path):
    real = tmp_path / "data" / "out.jsonl"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "latest.jsonl"
    link.symlink_to(real)
    write_jsonl(str(link), [{"id": "a"}])
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == '{"id":"a"}\n'
    assert leftovers(tmp_path) == [] and leftovers(real.parent) == []


def test_unwritable_directory_is_found_before_any_work(tmp_path, monkeypatch):
    def read_only(*args: object, **kwargs: object):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    with pytest.raises(OutputError, match=r"^.*out\.jsonl: cannot write: Read-only file system; "
                       "choose another path$"):
        OutputSet([str(tmp_path / "out.jsonl")])


# ---------------------------------------------------------------- targets not regular files
def run_cli(args: list[str], cwd: Path, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    # A subprocess with a timeout: a regression that blocks on a FIFO cannot hang the suite.
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kwargs}
    return subprocess.run([sys.executable, "-m", "clusterer", *args], cwd=cwd, timeout=60,
                          check=False, **streams)


@pytest.fixture
def small_feed(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(SAMPLE_FEED.read_bytes())
    return feed


def expected_output(tmp_path: Path) -> bytes:
    result = run_cli(["dedup", "feed.jsonl", "-q"], tmp_path)
    assert result.returncode == 0
    return result.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
def test_device_output_is_written_in_place_never_replaced(tmp_path, small_feed):
    # A private copy of /dev/null (same major and minor): the system's is never touched.
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    link = tmp_path / "null-link"
    link.symlink_to(null)
    for target in ("null", "null-link"):
        result = run_cli(["dedup", "feed.jsonl", "-o", target, "-q"], tmp_path)
        assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")
    assert stat.S_ISCHR(null.stat().st_mode) and null.stat().st_rdev == os.makedev(1, 3)
    assert link.is_symlink() and os.readlink(link) == str(null)
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
def test_full_device_as_second_output_replaces_neither(tmp_path, small_feed):
    full = tmp_path / "full"  # a private /dev/full: every write fails with ENOSPC
    os.mknod(full, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    (tmp_path / "out.jsonl").write_text("old\n")
    result = run_cli(["dedup", "feed.jsonl", "-o", "out.jsonl", "--groups", "full", "-q"],
                     tmp_path)
    assert (result.returncode, result.stderr.decode()) == (
        1, "Error: full: cannot write: No space left on device, so no output was replaced; "
           "free some space or choose another path\n")
    assert (tmp_path / "out.jsonl").read_text() == "old\n"
    assert leftovers(tmp_path) == []


def test_fifo_output_is_streamed_to_its_reader(tmp_path, small_feed):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run_cli(["dedup", "feed.jsonl", "-o", "fifo", "-q"], tmp_path)
    reader.join(timeout=60)
    assert result.returncode == 0
    assert received == [expected_output(tmp_path)]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_dev_stdout_writes_through_the_descriptor(tmp_path, small_feed):
    expected = expected_output(tmp_path)
    assert run_cli(["dedup", "feed.jsonl", "-o", "/dev/stdout", "-q"], tmp_path).stdout == expected
    # stdout redirected to a file: written through, not a new file renamed over it.
    with open(tmp_path / "redirected.jsonl", "wb") as handle:
        inode = os.fstat(handle.fileno()).st_ino
        result = run_cli(["dedup", "feed.jsonl", "-o", "/dev/stdout", "-q"], tmp_path,
                         stdout=handle)
    assert result.returncode == 0
    assert (tmp_path / "redirected.jsonl").stat().st_ino == inode
    assert (tmp_path / "redirected.jsonl").read_bytes() == expected


def test_interrupted_run_streaming_to_stdout_says_stdout_may_be_incomplete(tmp_path, big_feed):
    process = start(["dedup", "feed.jsonl", "-q", "-j", "1"], tmp_path, slow=True)
    assert process.stdout is not None
    assert process.stdout.readline().startswith(b'{"id":"a0"')  # streaming has begun
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert (process.returncode, err.decode()) == (
        130, "Interrupted; stdout may be incomplete; no file was replaced.\n")


_JSON = st.recursive(st.none() | st.booleans() | st.integers(-10, 10) | st.floats(allow_nan=False)
                     | st.text(max_size=5),
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.text(max_size=3), inner, max_size=3), max_leaves=8)


@pytest.mark.fuzz
@given(head=st.dictionaries(st.text(max_size=4).filter(lambda k: k != "items"), _JSON,
                            max_size=3),
       items=st.lists(_JSON, max_size=4), indent=st.booleans())
def test_a_list_written_item_by_item_is_the_whole_documents_bytes(head, items, indent):
    option = orjson.OPT_INDENT_2 if indent else None
    assert b"".join(dumps_with_list(head, "items", iter(items), indent=indent)) \
        == orjson.dumps({**head, "items": items}, option=option)


def test_write_json_with_items_writes_the_documents_bytes(tmp_path):
    items = [{"id": "a", "members": [{"id": "a", "kept": True}, {"id": "b\nc"}]}, {}, []]
    with OutputSet([str(tmp_path / "a.json"), str(tmp_path / "b.json")]) as outputs:
        outputs.write_json(str(tmp_path / "a.json"), {"v": 1, "items": items})
        outputs.write_json(str(tmp_path / "b.json"), {"v": 1}, ("items", iter(items)))
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    with pytest.raises(ValueError, match="already in the document"):
        list(dumps_with_list({"items": 1}, "items", []))
