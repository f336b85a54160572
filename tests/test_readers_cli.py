"""The sample feeds of every format through the real command."""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from clusterer.cli import app

from conftest import SAMPLES

runner = CliRunner()
TITLES = [json.loads(line)["title"] for line in (SAMPLES / "feed.jsonl").read_text().splitlines()]
FEEDS = ["feed.rss", "feed.atom", "feed.jsonfeed.json", "html", "feed.jsonl"]
COMMANDS = {command.name or command.callback.__name__ for command in app.registered_commands
            if command.callback is not None}


@pytest.mark.parametrize("feed", FEEDS)
def test_dedup_reads_each_sample_feed(tmp_path, feed):
    out, groups = tmp_path / "out.jsonl", tmp_path / "groups.json"
    result = runner.invoke(app, ["dedup", str(SAMPLES / feed), "-o", str(out),
                                 "--groups", str(groups)])
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "Read 5 articles: kept 5, merged 0 duplicates into 0 groups.\n"
    written = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert [w["title"] for w in written] == TITLES
    assert all(w["duplicates"] == [] for w in written)
    assert [g["kept_id"] for g in orjson.loads(groups.read_bytes())["groups"]] == [
        w["id"] for w in written]


def test_dedup_merges_the_same_articles_across_all_formats(tmp_path):
    groups = tmp_path / "groups.json"
    result = runner.invoke(app, ["dedup", *(str(SAMPLES / f) for f in FEEDS), "-q",
                                 "-o", str(tmp_path / "out.jsonl"), "--groups", str(groups)])
    assert result.exit_code == 0
    document = orjson.loads(groups.read_bytes())
    assert document["stats"] == {"articles": 25, "kept": 5, "duplicates": 20, "groups": 5}
    assert [g["title"] for g in document["groups"]] == TITLES


def test_dedup_reads_gzip_from_stdin():
    data = gzip.compress((SAMPLES / "feed.rss").read_bytes())
    result = runner.invoke(app, ["dedup", "-", "-q"], input=data)
    assert result.exit_code == 0
    assert [json.loads(line)["title"] for line in result.stdout.splitlines()] == TITLES


def test_dedup_output_of_a_feed_is_readable_input(tmp_path):
    first = tmp_path / "first.jsonl"
    runner.invoke(app, ["dedup", str(SAMPLES / "feed.rss"), "-o", str(first), "-q"])
    again = runner.invoke(app, ["dedup", str(first), "-q"])
    assert again.exit_code == 0
    assert [json.loads(line)["id"] for line in again.stdout.splitlines()] == [
        json.loads(line)["id"] for line in first.read_text().splitlines()]


@pytest.mark.skipif("storylines" not in COMMANDS, reason="no storylines command in cli.py yet")
@pytest.mark.parametrize("feed", FEEDS)
def test_storylines_reads_each_sample_feed(tmp_path, feed):
    result = runner.invoke(app, ["storylines", str(SAMPLES / feed), "-q"])
    assert result.exit_code == 0, result.output
    assert not result.stderr.startswith("Error")


# ---------------------------------------------------------------- inputs that are not files
def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    # A subprocess with a timeout: a regression that blocks on a FIFO cannot hang the suite.
    return subprocess.run([sys.executable, "-m", "clusterer", *args], cwd=cwd,
                          capture_output=True, timeout=60, check=False)


def test_fifos_sockets_and_symlink_loops_in_a_directory_are_skipped_with_a_note(tmp_path):
    feeds = tmp_path / "d"
    feeds.mkdir()
    (feeds / "a.jsonl").write_bytes((SAMPLES / "feed.jsonl").read_bytes())
    os.mkfifo(feeds / "b.jsonl")
    (feeds / "c.jsonl").symlink_to("c.jsonl")  # a loop
    (feeds / "e.jsonl").symlink_to("a.jsonl")  # a symlink to a regular file is read
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(feeds / "s.jsonl"))
        result = run_cli(["dedup", "d", "-o", "out.jsonl", "--skip-bad"], tmp_path)
    assert result.returncode == 0
    assert result.stderr.decode().splitlines() == [
        "Skipped 5 bad records (--skip-bad):",
        *[f'  d/e.jsonl:{n}: duplicate id "{json.loads(line)["id"]}" (first at d/a.jsonl:{n}); '
          "give every article a unique id, or pass --id-field to choose another field"
          for n, line in enumerate((SAMPLES / "feed.jsonl").read_text().splitlines(), start=1)],
        "Skipped 3 entries of input directories that are not a regular file: d/b.jsonl (a FIFO), "
        "d/c.jsonl (a symlink loop), d/s.jsonl (a socket)",
        "Read 5 articles: kept 5, merged 0 duplicates into 0 groups."]
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 5


def test_a_fifo_named_on_its_own_is_read_as_a_stream(tmp_path):
    fifo = tmp_path / "feed.jsonl"
    os.mkfifo(fifo)
    data = (SAMPLES / "feed.jsonl").read_bytes()
    writer = threading.Thread(target=lambda: fifo.write_bytes(data), daemon=True)
    writer.start()
    result = run_cli(["dedup", "feed.jsonl", "-q"], tmp_path)
    writer.join(timeout=60)
    assert result.returncode == 0
    assert [json.loads(line)["title"] for line in result.stdout.splitlines()] == TITLES
