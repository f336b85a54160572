"""Incremental runs on a state: intake, dedup against stored articles, stable storyline
ids, expiry, and a run killed half-way."""

from __future__ import annotations

import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from clusterer.cli import app
from clusterer.dedup import DedupConfig, deduplicate
from clusterer.evaluate import pairwise
from clusterer.incremental import dedup_with_state
from clusterer.pipeline import run_dedup, run_storylines
from clusterer.readers import read_articles
from clusterer.records import Article, DuplicateGroup
from clusterer.state import open_state, read_summary
from clusterer.state_records import StoredStoryline
from clusterer.storyline_records import time_hours
from clusterer.storylines import Storyline
from clusterer.tracking import assign_ids, storylines_with_state, working_set

from conftest import examples
from syndication import UCI, make_fixture

CONFIG = DedupConfig(workers=1)


def _write(path: Path, records: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def _uci(n: int) -> list[dict]:
    rows = [json.loads(line) for line in UCI.read_text().splitlines()]
    rows.sort(key=lambda r: (r["published"], r["id"]))
    return rows[:n]


def _labels(groups: list[DuplicateGroup]) -> dict[str, str]:
    return {i: g.kept.id for g in groups for i in g.ids}


# ---------------------------------------------------------------- dedup
def test_copies_in_part_two_of_originals_in_part_one_are_found(tmp_path):
    fixture = make_fixture(seed=0)
    originals = [r for r in fixture.records if r["id"].endswith("-0")]
    copies = [r for r in fixture.records if not r["id"].endswith("-0")]
    state = str(tmp_path / "s.db")
    for part, name in ((originals, "one"), (copies, "two")):
        with open_state(state) as store:
            run = dedup_with_state(store, [_write(tmp_path / f"{name}.jsonl", part)],
                                   config=CONFIG)
    batch = deduplicate(read_articles([_write(tmp_path / "all.jsonl", originals + copies)]),
                        CONFIG)
    incremental, whole = _labels(run.run.result.groups), _labels(batch.groups)
    ids = sorted(fixture.truth)
    assert sorted(incremental) == ids  # every article the state holds, once
    truth = [fixture.truth[i] for i in ids]
    recall = pairwise([incremental[i] for i in ids], truth)[1]
    assert recall == pairwise([whole[i] for i in ids], truth)[1]
    assert recall >= 0.9  # regression guard: copies of stored originals are found
    assert run.intake.to_dict() == {"new": len(copies), "updated": 0, "skipped": 0,
                                    "expired": 0}


def test_same_id_same_content_is_skipped_other_content_is_an_update(tmp_path):
    rows = _uci(6)
    state = str(tmp_path / "s.db")
    with open_state(state) as store:
        dedup_with_state(store, [_write(tmp_path / "one.jsonl", rows[:4])], config=CONFIG)
    changed = dict(rows[1], title="A corrected headline")
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    with open_state(state) as store:
        run = dedup_with_state(store, [_write(moved / "two.jsonl",
                                              [rows[0], changed, *rows[4:]])], config=CONFIG)
    assert run.intake.new == (rows[4]["id"], rows[5]["id"])
    assert run.intake.updated == (rows[1]["id"],)
    assert run.intake.skipped == (rows[0]["id"],)
    titles = {g.kept.id: g.kept.title for g in run.run.result.groups}
    assert titles[rows[1]["id"]] == "A corrected headline"
    assert sorted(titles) == sorted(r["id"] for r in rows)
    assert {g.kept.id for g in run.touched()} == {rows[1]["id"], rows[4]["id"], rows[5]["id"]}


def test_only_new_reads_back_only_what_it_matches_and_finds_the_same_groups(tmp_path,
                                                                           monkeypatch):
    from clusterer.state import State

    fixture = make_fixture(seed=0)  # originals stored with 200 other articles, then copies
    originals = [r for r in fixture.records if r["id"].endswith("-0")]
    copies = [r for r in fixture.records if not r["id"].endswith("-0")]
    state = str(tmp_path / "s.db")
    with open_state(state) as store:
        dedup_with_state(store, [_write(tmp_path / "one.jsonl", originals + _uci(200))],
                         config=CONFIG)
    copy = str(tmp_path / "copy.db")
    with sqlite3.connect(state) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    two = _write(tmp_path / "two.jsonl", copies)
    with open_state(state) as store:
        full = dedup_with_state(store, [two], config=CONFIG)
    read: list[int] = []
    records = State.records

    def counting(self: State, seqs: Iterable[int]) -> dict[int, Article]:
        wanted = list(seqs)
        read.extend(wanted)
        return records(self, wanted)

    monkeypatch.setattr(State, "records", counting)
    whole = []  # no stored table is read whole: rows looked up by id and seq
    rows, groups = State.article_rows, State.group_rows
    monkeypatch.setattr(State, "article_rows", lambda self, ids=None: (
        whole.append("articles") if ids is None else None) or rows(self, ids))
    monkeypatch.setattr(State, "group_rows", lambda self: whole.append("groups") or groups(self))
    with open_state(copy) as store:
        only = dedup_with_state(store, [two], config=CONFIG, only_new=True)
    assert whole == []
    assert [g.to_dict() for g in only.touched()] == [g.to_dict() for g in full.touched()]
    everything = [g.to_dict() for g in full.run.result.groups]
    assert all(g.to_dict() in everything for g in only.run.result.groups)
    assert len(only.touched()) >= len(originals) // 2  # originals that met their copies
    assert 0 < len(set(read)) <= len(originals)  # of 229 stored: those matched again


def test_dedup_cli_writes_every_stored_article_or_only_the_new(tmp_path):
    rows = _uci(10)
    state = str(tmp_path / "s.db")
    one, two = _write(tmp_path / "one.jsonl", rows[:6]), _write(tmp_path / "two.jsonl", rows[6:])
    runner = CliRunner()
    out = tmp_path / "out.jsonl"
    assert runner.invoke(app, ["dedup", one, "--state", state, "-o", str(out), "-q"]).exit_code == 0
    result = runner.invoke(app, ["dedup", two, "--state", state, "-o", str(out), "-q"])
    assert result.exit_code == 0
    written = [json.loads(line) for line in out.read_text().splitlines()]
    assert Counter(i for r in written for i in [r["id"], *r["duplicates"]]) == Counter(
        r["id"] for r in rows)
    result = runner.invoke(app, ["dedup", two, "--state", state, "-o", str(out), "--only-new",
                                 "-q"])
    assert result.exit_code == 0
    assert out.read_text() == ""  # a third run of the same file: nothing new
    assert read_summary(state).runs == 3


def test_state_options_need_state(tmp_path):
    one = _write(tmp_path / "one.jsonl", _uci(2))
    result = CliRunner().invoke(app, ["dedup", one, "--only-new"])
    assert result.exit_code == 1
    assert result.stderr == "Error: invalid option: --only-new needs --state\n"
    result = CliRunner().invoke(app, ["storylines", one, "--expire-after", "3"])
    assert result.stderr == "Error: invalid option: --expire-after needs --state\n"
    result = CliRunner().invoke(app, ["dedup", one, "--state", one])
    assert result.stderr == (f"Error: invalid option: --state {one} is also an input or "
                             "output; choose another path\n")


def test_expire_after_drops_old_articles_and_their_storylines(tmp_path):
    rows = _uci(4)
    old = [dict(r, published="2024-01-01T00:00:00Z") for r in rows[:2]]
    new = [dict(r, published="2024-03-01T00:00:00Z") for r in rows[2:]]
    state = str(tmp_path / "s.db")
    with open_state(state) as store:
        dedup_with_state(store, [_write(tmp_path / "one.jsonl", old)], config=CONFIG)
        store.set_storylines([("s-00000000000a", 1, None, None, 2, [r["id"] for r in old])], [])
    with open_state(state) as store:
        run = dedup_with_state(store, [_write(tmp_path / "two.jsonl", new)], config=CONFIG,
                               expire_after=30)
        tracked = storylines_with_state(store, run)
    assert run.intake.expired == (rows[0]["id"], rows[1]["id"])
    assert sorted(_labels(run.run.result.groups)) == sorted(r["id"] for r in rows[2:])
    assert tracked.ended == ("s-00000000000a",)
    summary = read_summary(state)
    assert (summary.articles, summary.storylines) == (2, 0)
    with open_state(state) as store:
        assert store.retired_ids() == {"s-00000000000a"}  # never given again


# ---------------------------------------------------------------- storyline ids
def _group(article_id: str) -> DuplicateGroup:
    return DuplicateGroup(kept=Article(id=article_id, title=article_id))


def _found(batch_id: str, ids: str) -> Storyline:
    groups = tuple(_group(i) for i in ids.split())
    return Storyline(id=batch_id, representative=groups[0], keywords=(), groups=groups)


def _stored(sid: str, created: int, ids: str) -> StoredStoryline:
    return StoredStoryline(sid, created, frozenset(ids.split()))


def test_a_storyline_keeps_its_id_while_it_grows():
    stored = {"s-old": _stored("s-old", 1, "a b")}
    found = [_found("s-x", "a b c"), _found("s-y", "d e")]
    ids, changes, merged = assign_ids(found, stored)
    assert ids == {"s-x": "s-old", "s-y": "s-y"}
    assert changes == {"s-x": "grown", "s-y": "new"}
    assert merged == {"s-x": ()}
    assert assign_ids([_found("s-z", "b a")], stored)[1] == {"s-z": "unchanged"}


def test_a_merge_keeps_the_older_id_and_records_the_other():
    stored = {"s-b": _stored("s-b", 1, "a b"), "s-a": _stored("s-a", 2, "c d e")}
    ids, changes, merged = assign_ids([_found("s-x", "a b c d e f")], stored)
    assert ids == {"s-x": "s-b"}  # created in run 1: older, though smaller
    assert changes == {"s-x": "merged"}
    assert merged == {"s-x": ("s-a",)}
    stored = {"s-b": _stored("s-b", 1, "a b"), "s-a": _stored("s-a", 1, "c d e")}
    assert assign_ids([_found("s-x", "a b c d e f")], stored)[0] == {"s-x": "s-a"}  # larger


def test_a_split_keeps_the_id_on_the_larger_part():
    stored = {"s-old": _stored("s-old", 1, "a b c d e")}
    found = [_found("s-x", "a b"), _found("s-y", "c d e")]
    ids, changes, _ = assign_ids(found, stored)
    assert ids == {"s-x": "s-x", "s-y": "s-old"}
    assert changes == {"s-x": "new", "s-y": "shrunk"}


def test_ids_do_not_depend_on_order():
    stored = {"s-1": _stored("s-1", 1, "a b c"), "s-2": _stored("s-2", 2, "d e"),
              "s-3": _stored("s-3", 2, "f g h i")}
    found = [_found("s-x", "a b d e"), _found("s-y", "f g"), _found("s-z", "h i j"),
             _found("s-w", "k l")]
    results = {json.dumps(assign_ids(list(order), stored), sort_keys=True)
               for order in itertools.permutations(found)}
    assert len(results) == 1


def test_a_new_storyline_never_takes_a_retired_id():
    ids = assign_ids([_found("s-000000000001", "a b")], {}, {"s-000000000001"})[0]
    assert ids["s-000000000001"] != "s-000000000001"
    assert ids["s-000000000001"].startswith("s-") and len(ids["s-000000000001"]) == 14


def test_first_run_on_a_state_is_the_batch_run_and_ids_hold_in_the_second(tmp_path):
    rows = _uci(300)
    one, two = _write(tmp_path / "one.jsonl", rows[:150]), _write(tmp_path / "two.jsonl",
                                                                  rows[150:])
    state = str(tmp_path / "s.db")
    runs = []
    for part in (one, two):
        with open_state(state) as store:
            runs.append(storylines_with_state(store, dedup_with_state(store, [part],
                                                                      config=CONFIG)))
    batch = run_storylines(run_dedup([one], config=CONFIG)).document()
    first = runs[0].document()
    assert {s.pop("change") for s in first["storylines"]} == {"new"}
    assert {tuple(s.pop("merged")) for s in first["storylines"]} == {()}
    assert first.pop("changes") == {"run": 1, "merged_away": [], "ended": []}
    assert first == batch
    second = runs[1].document()
    listed = [i for s in second["storylines"] for a in s["articles"] for i in [a["id"],
                                                                                *a["duplicates"]]]
    listed += [i for a in second["unclustered"] for i in [a["id"], *a["duplicates"]]]
    assert sorted(listed) == sorted(r["id"] for r in rows)  # every id exactly once
    live = {s["id"] for s in second["storylines"]}
    away = {m["id"]: m["into"] for m in second["changes"]["merged_away"]}
    for old in first["storylines"]:  # each id lives on, or says where it went
        assert old["id"] in live or away.get(old["id"]) in live or \
            old["id"] in second["changes"]["ended"]
    assert {s["change"] for s in second["storylines"]} <= {"new", "grown", "merged", "shrunk",
                                                           "unchanged"}
    with sqlite3.connect(state) as db:
        recorded = dict(db.execute("SELECT id, into_id FROM merged WHERE into_id != ''"))
    assert recorded == away


# ---------------------------------------------------------------- kill test
def _locked(state: str) -> bool:
    db = sqlite3.connect(state, timeout=0)
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        db.close()


def _dedup(part: str, state: str, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "clusterer", "dedup", part, "--state", state,
                             "-o", str(out), "-q", "-j", "1"], stderr=subprocess.PIPE)


def test_a_run_killed_half_way_can_simply_be_repeated(tmp_path):
    rows = _uci(2000)
    one, two = _write(tmp_path / "one.jsonl", rows[:1000]), _write(tmp_path / "two.jsonl",
                                                                   rows[1000:])
    state, copy = str(tmp_path / "s.db"), str(tmp_path / "copy.db")
    assert _dedup(one, state, tmp_path / "out1.jsonl").wait() == 0
    with sqlite3.connect(state) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    reference = tmp_path / "reference.jsonl"
    assert _dedup(two, copy, reference).wait() == 0  # run 2, uninterrupted
    killed = _dedup(two, state, tmp_path / "killed.jsonl")
    deadline = time.monotonic() + 60
    while not _locked(state) and killed.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    if killed.poll() is not None:
        pytest.fail("run 2 ended before it could be killed; give it more to do")
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    assert read_summary(state).runs == 1 and read_summary(state).articles == 1000
    out = tmp_path / "again.jsonl"
    assert _dedup(two, state, out).wait() == 0
    assert out.read_bytes() == reference.read_bytes()
    assert read_summary(state).runs == 2


def test_storylines_cli_with_state_says_what_changed(tmp_path):
    rows = _uci(120)
    state = str(tmp_path / "s.db")
    out = tmp_path / "storylines.json"
    runner = CliRunner()
    for part in (rows[:60], rows[60:]):
        result = runner.invoke(app, ["storylines", _write(tmp_path / "in.jsonl", part), "--state",
                                     state, "--json", str(out), "-q", "-j", "1"])
        assert result.exit_code == 0
    document = json.loads(out.read_text())
    assert document["changes"]["run"] == 2
    assert document["stats"]["articles"] == 120
    assert all(s["change"] in ("new", "grown", "merged", "shrunk", "unchanged")
               for s in document["storylines"])
    assert read_summary(state).storylines == len(document["storylines"])
    result = runner.invoke(app, ["storylines", str(tmp_path / "in.jsonl"), "--state", state,
                                 "--json", str(out), "-q", "-j", "1"])
    again = json.loads(out.read_text())  # nothing new: nothing changes
    assert {s["change"] for s in again["storylines"]} == {"unchanged"}
    assert again["changes"] == {"run": 3, "merged_away": [], "ended": []}
    assert [s["id"] for s in again["storylines"]] == [s["id"] for s in document["storylines"]]


def test_run_two_does_not_depend_on_input_order(tmp_path):
    rows = _uci(160)
    documents = []
    for name, second in (("a", rows[80:]), ("b", rows[80:][::-1])):
        state = str(tmp_path / f"{name}.db")
        for number, part in enumerate((rows[:80], second)):
            path = _write(tmp_path / f"{name}{number}.jsonl", part)
            with open_state(state) as store:
                run = storylines_with_state(store, dedup_with_state(store, [path], config=CONFIG))
        documents.append(json.dumps(run.document(), sort_keys=True, default=str))
    assert documents[0] == documents[1]


@pytest.mark.fuzz
@examples(4)
@given(st.lists(st.integers(0, 2), min_size=40, max_size=40))
def test_runs_in_any_split_find_the_groups_of_one_batch_run(tmp_path_factory, runs):
    rows = make_fixture(seed=1).records[:40]
    tmp = tmp_path_factory.mktemp("split")
    state = str(tmp / "s.db")
    for number in range(3):
        part = [r for r, k in zip(rows, runs) if k == number]
        with open_state(state) as store:
            run = dedup_with_state(store, [_write(tmp / f"{number}.jsonl", part)], config=CONFIG)
    batch = deduplicate(read_articles([_write(tmp / "all.jsonl", rows)]), CONFIG)
    assert sorted(map(sorted, _partition(run.run.result.groups))) == \
        sorted(map(sorted, _partition(batch.groups)))


def _partition(groups: list[DuplicateGroup]) -> list[list[str]]:
    return [list(g.ids) for g in groups]


def test_storylines_place_what_a_dedup_run_stored_since(tmp_path):
    rows = _uci(120)
    state = str(tmp_path / "s.db")
    with open_state(state) as store:
        dedup_with_state(store, [_write(tmp_path / "one.jsonl", rows)], config=CONFIG,
                         command="dedup")
    with open_state(state) as store:
        tracked = storylines_with_state(store, dedup_with_state(
            store, [_write(tmp_path / "one.jsonl", rows)], config=CONFIG, command="storylines"))
    assert tracked.dedup.intake.skipped == tuple(r["id"] for r in rows)
    batch = run_storylines(run_dedup([str(tmp_path / "one.jsonl")], config=CONFIG)).document()
    assert [s["id"] for s in tracked.document()["storylines"]] == \
        [s["id"] for s in batch["storylines"]]
    assert len(batch["storylines"]) >= 1


def test_only_what_lies_near_the_new_articles_is_clustered_again():
    from clusterer.extend import _near

    hours = np.array([0.0, 30.0, 100.0, 200.0, np.nan])
    new = np.array([False, False, True, False, False])
    assert _near(hours, new, 72.0).tolist() == [False, True, True, False, True]
    assert _near(hours, np.zeros(5, dtype=bool), 72.0).tolist() == [False] * 5
    undated_new = np.array([False, False, False, False, True])
    assert _near(hours, undated_new, 72.0).tolist() == [True] * 5


def _dated(article_id: str, hours: float, *copies: str) -> DuplicateGroup:
    when = datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(hours=hours)
    return DuplicateGroup(kept=Article(id=article_id, title=article_id, published=when),
                          duplicates=tuple(Article(id=c, title=c, published=when)
                                           for c in copies))


def test_only_the_storylines_new_articles_come_near_are_clustered_again():
    stored = {"s-a": StoredStoryline("s-a", 1, frozenset({"a1", "a2", "a3"}), "a2",
                                     ("word",), ("a2", "a1")),
              "s-b": StoredStoryline("s-b", 1, frozenset({"b1", "b2"}), "b1", (), ("b1", "b2"))}
    groups = [_dated("a1", 0), _dated("a2", 1, "a3"), _dated("b1", 200), _dated("b2", 300),
              _dated("u", 10), _dated("n", 350)]
    fresh = np.array([False] * 5 + [True])
    work, standing, anchored = working_set(groups, stored, fresh, 72.0)
    # b2 lies within 72 h of n: s-b is clustered again with b2, b1 (150 h before n)
    # anchored in it; s-a and u stand.
    assert work.tolist() == [False, False, False, True, False, True]
    assert anchored == {"s-b": [2]}
    assert list(standing) == ["s-a"]
    assert standing["s-a"].groups == (groups[1], groups[0])
    assert (standing["s-a"].headline, standing["s-a"].keywords) == ("a2", ("word",))
    # Copies regrouped within s-a: it still holds the same articles, and stands.
    regrouped = [_dated("a1", 0, "a3"), _dated("a2", 1), *groups[2:]]
    assert list(working_set(regrouped, stored, fresh, 72.0)[1]) == ["s-a"]
    # a3 expired, or now a copy of u: s-a is clustered again too (and u with it).
    for last in (_dated("u", 10), _dated("u", 10, "a3")):
        changed = [_dated("a1", 0), _dated("a2", 1), *groups[2:4], last, groups[5]]
        work, standing, _ = working_set(changed, stored, fresh, 72.0)
        assert work.tolist() == [True, True, False, True, len(last.ids) > 1, True]
        assert standing == {}
    # A copy stored today of an article kept long ago: near today, not then.
    old_kept = [*groups[:5], _dated("n", 0, "today")]
    today = np.array([time_hours(datetime(2024, 1, 1, tzinfo=timezone.utc)) + 350.0])
    work, standing, _ = working_set(old_kept, stored, fresh, 72.0, new_hours=today)
    assert work.tolist() == [False, False, False, True, False, True]
    assert working_set(old_kept, stored, fresh, 72.0)[0].tolist() == \
        [True, True, False, False, True, True]
    # Nothing fresh: nothing is clustered again; an undated fresh group: everything.
    assert not working_set(groups, stored, np.zeros(6, dtype=bool), 72.0)[0].any()
    undated = [*groups[:5], DuplicateGroup(kept=Article(id="n", title="n"))]
    assert working_set(undated, stored, fresh, 72.0)[0].all()


def test_storylines_far_from_the_new_articles_stand_as_stored(tmp_path):
    rows = _uci(240)
    # Part 2: a month later, without copies of part 1 (a copy's group is as old as its
    # original, and near part 1).
    groups = run_dedup([_write(tmp_path / "all.jsonl", rows)], config=CONFIG).result.groups
    early = {r["id"] for r in rows[:120]}
    apart = {i for g in groups if not early & set(g.ids) for i in g.ids}
    later = [dict(r, published=r["published"].replace("2014-03-", "2014-04-"))
             for r in rows[120:] if r["id"] in apart]
    one, two = _write(tmp_path / "one.jsonl", rows[:120]), _write(tmp_path / "two.jsonl", later)
    state = str(tmp_path / "s.db")
    documents = []
    for part in (one, two):
        with open_state(state) as store:
            documents.append(storylines_with_state(store, dedup_with_state(
                store, [part], config=CONFIG)).document())
    first, second = documents
    batch = run_storylines(run_dedup([two], config=CONFIG)).document()
    assert len(first["storylines"]) >= 3 and len(batch["storylines"]) >= 3
    expected = [dict(s, change="unchanged") for s in first["storylines"]]
    expected += [dict(s, change="new", merged=[]) for s in batch["storylines"]]
    assert sorted(second["storylines"], key=lambda s: s["id"]) == \
        sorted(expected, key=lambda s: s["id"])
    assert second["unclustered"] == sorted(first["unclustered"] + batch["unclustered"],
                                           key=lambda a: (a["published"], a["id"]))


def test_stored_groups_near_in_time_are_screened_by_their_term_vectors():
    from clusterer.screen import pack, term_rows

    texts = {"a1": "ukraine gas russia europe", "a2": "russia gas europe supply",
             "u": "russia cuts gas to ukraine again", "v": "bitcoin exchange bankruptcy",
             "w": "bitcoin exchange hacked", "n": "russia cuts gas to ukraine"}
    blobs = dict(zip(texts, pack(term_rows(list(texts.values())))))
    stored = {"s-a": StoredStoryline("s-a", 1, frozenset({"a1", "a2"}), "a1", (),
                                     ("a1", "a2")),
              "s-w": StoredStoryline("s-w", 1, frozenset({"w"}), "w", (), ("w",))}
    groups = [replace(g, kept=replace(g.kept, title=texts[g.kept.id])) for g in (
        _dated("a1", 0), _dated("a2", 1), _dated("u", 2), _dated("v", 3), _dated("w", 300),
        _dated("n", 4))]
    fresh = np.array([False] * 5 + [True])

    def load(ids: list[str]) -> dict[str, bytes]:
        return {i: blobs[i] for i in ids if i in blobs}

    # s-a is near in time: clustered again whole (a1 and a2 share little with n); u
    # has the evidence of a pair with n; v does not, and stays unclustered; s-w is far.
    work, standing, _ = working_set(groups, stored, fresh, 72.0, load, 0.15)
    assert work.tolist() == [True, True, True, False, False, True]
    assert list(standing) == ["s-w"]
    # As close to n without a headline word in common: no evidence.
    apart = [*groups[:2], replace(groups[2], kept=replace(groups[2].kept, title="u")),
             *groups[3:]]
    assert working_set(apart, stored, fresh, 72.0, load, 0.15)[0].tolist() == \
        [True, True, False, False, False, True]
    # Nor when the one headline word they share names both articles' site (as a batch
    # run's headline words: storylines.headline_words).
    site = [*groups[:2], replace(groups[2], kept=replace(groups[2].kept, title="gazette u",
                                                         source="Gazette")),
            *groups[3:5], replace(groups[5], kept=replace(groups[5].kept, title="gazette n",
                                                          source="Gazette"))]
    assert working_set(site, stored, fresh, 72.0, load, 0.15)[0].tolist() == \
        [True, True, False, False, False, True]
    other_sites = [replace(g, kept=replace(g.kept, source="Post")) for g in site]
    assert working_set(other_sites, stored, fresh, 72.0, load, 0.15)[0].tolist() == \
        [True, True, True, False, False, True]
    # Without a stored vector, a near group counts as related; without a screen, all do.
    without_v = working_set(groups, stored, fresh, 72.0,
                            lambda ids: {i: b for i, b in load(ids).items() if i != "v"}, 0.15)
    assert without_v[0].tolist() == [True, True, True, True, False, True]
    assert working_set(groups, stored, fresh, 72.0)[0].tolist() == \
        [True, True, True, True, False, True]


def test_two_stored_storylines_merge_only_with_evidence_between_their_stored_members():
    import scipy.sparse as sp

    from clusterer.extend import _weakest

    tfidf = sp.csr_matrix(np.array([[1.0, 0.0, 0.0], [0.8, 0.6, 0.0], [0.0, 0.0, 1.0],
                                    [0.6, 0.8, 0.0], [0.0, 0.6, 0.8]], dtype=np.float32))
    labels = np.array([0, 0, 1, 2, 1])
    weights = np.ones(5)
    stored = np.array([True, True, True, True, False])  # row 4 is new
    # Storylines 0 and 2 share their words; 1 shares none with 0 (the new row bridges).
    # centroid of 0: (1.8, 0.6, 0) normalised, against (0.6, 0.8, 0): 0.8222
    assert _weakest(tfidf, weights, labels, stored, np.array([0, 2])) == pytest.approx(
        0.8222, abs=1e-4)
    assert _weakest(tfidf, weights, labels, stored, np.array([0, 1])) == 0.0
    assert _weakest(tfidf, weights, labels, stored, np.array([0, 1, 2])) == 0.0


def test_anchored_members_go_back_to_their_storyline_or_where_it_went():
    from clusterer.tracking import _anchor

    groups = [_group(i) for i in ["a", "b", "c", "d", "e", "f", "g"]]
    stored = {"s-1": StoredStoryline("s-1", 1, frozenset("abc"), "b", ("k",), ("b", "a", "c")),
              "s-2": StoredStoryline("s-2", 1, frozenset("de"), "d", (), ("d", "e")),
              "s-3": StoredStoryline("s-3", 1, frozenset("fg"), "f", (), ("f", "g"))}
    redone = [Storyline("s-1", groups[2], (), (groups[2],)), Storyline("s-x", groups[4], (),
                                                                        (groups[4],))]
    anchored = {"s-1": [0, 1], "s-2": [3], "s-3": [5, 6]}
    out = {s.id: s for s in _anchor(redone, anchored, groups, stored, {"s-2": "s-x"}, 2)}
    assert [g.kept.id for g in out["s-1"].groups] == ["c", "a", "b"]  # kept its id
    assert [g.kept.id for g in out["s-x"].groups] == ["e", "d"]  # s-2 merged into s-x
    # s-3 went (its recent part unclustered): its anchored members stay a storyline.
    assert [g.kept.id for g in out["s-3"].groups] == ["f", "g"]
    assert (out["s-3"].headline, out["s-3"].keywords) == ("f", ())
    assert _anchor([], {"s-3": [5]}, groups, stored, {}, 2) == []  # too small: unclustered
