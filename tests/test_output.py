"""Outputs: atomic writes (old file or whole new file, never a partial one), checks,
and runs killed mid-write."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import orjson
import pytest

from clusterer.errors import OutputError
from clusterer.output import atomic_writer, check_outputs, write_json, write_jsonl


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

    records = cli.dedup_records

    def slow(groups):
        for record in records(groups):
            time.sleep(0.02)
            yield record

    cli.dedup_records = slow
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


def start(args: list[str], tmp_path: Path, slow: bool) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", SLOW_RUN, *args] if slow else [
        sys.executable, "-m", "clusterer", *args]
    return subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


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
