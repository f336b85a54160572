"""The sample feeds of every format through the real command."""

from __future__ import annotations

import gzip
import json

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
