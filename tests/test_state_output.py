"""The streamed ``dedup --state`` output (clusterer.state_output)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from typer.testing import CliRunner

from clusterer.cli import app
from clusterer.dedup import DedupConfig
from clusterer.incremental import dedup_with_state
from clusterer.output import dedup_records
from clusterer.records import Article
from clusterer.state import State, open_state
from clusterer.state_output import largest, stream_dedup_records, summary_counts

from syndication import UCI, make_fixture

CONFIG = DedupConfig(workers=1)


def _write(path: Path, records: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def _two_states(tmp_path: Path) -> tuple[str, str, str]:
    """A state holding originals and 200 other articles, a copy of it, and the copies'
    file for a second run."""
    fixture = make_fixture(seed=0)
    originals = [r for r in fixture.records if r["id"].endswith("-0")]
    copies = [r for r in fixture.records if not r["id"].endswith("-0")]
    others = [json.loads(line) for line in UCI.read_text().splitlines()[:200]]
    state, copy = str(tmp_path / "s.db"), str(tmp_path / "copy.db")
    with open_state(state) as store:
        dedup_with_state(store, [_write(tmp_path / "one.jsonl", originals + others)],
                         config=CONFIG)
    with sqlite3.connect(state) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return state, copy, _write(tmp_path / "two.jsonl", copies)


def test_streamed_output_is_that_of_every_group_held_read_in_batches(tmp_path, monkeypatch):
    state, copy, two = _two_states(tmp_path)
    with open_state(state) as store:
        full = dedup_with_state(store, [two], config=CONFIG)
    expected = list(dedup_records(full.run.result.groups))
    read: list[list[int]] = []
    records = State.records

    def counting(self: State, seqs: Iterable[int]) -> dict[int, Article]:
        wanted = list(seqs)
        read.append(wanted)
        return records(self, wanted)

    monkeypatch.setattr(State, "records", counting)
    with open_state(copy) as store:
        run = dedup_with_state(store, [two], config=CONFIG, stream=True)
        matched = read[:]
        held = run.run.result.groups
        assert len(held) < len(full.run.result.groups)  # the standing ones are not held
        streamed = list(stream_dedup_records(store, held, run.places, run.standing, batch=50))
        counts = summary_counts(held, run.standing)
        shown = largest(store, held, run.standing, 3)
    assert streamed == expected
    assert len(streamed) == len(held) + len(run.standing)
    batches = read[len(matched):]
    assert batches and all(len(b) <= 50 for b in batches)
    assert sum(len(b) for b in batches) >= len(run.standing)  # every standing kept, in batches
    assert counts == full.run.result.stats
    top = sorted((g for g in full.run.result.groups if g.size > 1),
                 key=lambda g: (-g.size, g.kept.id))[:3]
    assert shown == [(g.size, g.kept.id, g.kept.title) for g in top]


def test_cli_output_and_summary_same_streamed_or_held(tmp_path):
    state, copy, two = _two_states(tmp_path)
    runner = CliRunner()
    held, streamed = tmp_path / "held.jsonl", tmp_path / "streamed.jsonl"
    with_groups = runner.invoke(app, ["dedup", two, "--state", state, "-o", str(held),
                                      "--groups", str(tmp_path / "g.json"), "-j", "1"])
    without = runner.invoke(app, ["dedup", two, "--state", copy, "-o", str(streamed),
                                  "-j", "1"])
    assert with_groups.exit_code == 0 and without.exit_code == 0
    assert streamed.read_bytes() == held.read_bytes()
    assert without.stderr.replace(copy, state) == with_groups.stderr
    assert "Largest duplicate groups" in without.stderr
