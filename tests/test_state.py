"""The state store: created on first use, versioned, one transaction per run, locked."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clusterer import __version__
from clusterer.cli import app
from clusterer.errors import StateError
from clusterer.records import Article, DuplicateGroup
from clusterer.state import SCHEMA_VERSION, open_state, read_summary
from clusterer.state_records import digest

WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def _article(number: int, text: str = "body", published: datetime | None = WHEN) -> Article:
    return Article(id=f"a{number}", title=f"Title {number}", text=text,
                   url=f"https://x.example/{number}", source="X", published=published,
                   fields={"id": f"a{number}", "title": f"Title {number}", "extra": [1, 2]},
                   origin=f"feed.jsonl:{number}")


def test_created_on_first_use_in_wal_mode_with_its_version(tmp_path):
    path = str(tmp_path / "s.db")
    with open_state(path) as state:
        assert state.run == 1
        state.put_articles([_article(1), _article(2)], WHEN)
        state.record_run("dedup", 2, 0, 0, 0)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert dict(db.execute("SELECT key, value FROM meta"))["schema_version"] == str(SCHEMA_VERSION)
    with open_state(path) as state:
        assert state.run == 2
        stored = state.articles()
    assert [s.article for s in stored] == [_article(1), _article(2)]
    assert stored[0].article.fields == {"id": "a1", "title": "Title 1", "extra": [1, 2]}
    assert stored[0].article.origin == "feed.jsonl:1"
    assert [s.seq for s in stored] == [0, 1]
    assert stored[0].digest == digest(_article(1))


def test_update_keeps_the_place_and_changes_the_digest(tmp_path):
    path = str(tmp_path / "s.db")
    with open_state(path) as state:
        state.put_articles([_article(1), _article(2)], WHEN)
        state.record_run("dedup", 2, 0, 0, 0)
    with open_state(path) as state:
        state.put_articles([_article(1, text="new body"), _article(3)], WHEN)
        stored = state.articles()
    assert [(s.article.id, s.seq, s.run) for s in stored] == [("a1", 0, 2), ("a2", 1, 1),
                                                              ("a3", 2, 2)]
    assert stored[0].article.text == "new body"
    assert stored[0].digest != digest(_article(1))


def test_digest_ignores_where_the_article_was_read():
    moved = Article(**{**_article(1).__dict__, "origin": "other.jsonl:9"})
    assert digest(moved) == digest(_article(1))
    assert digest(_article(1, text="changed")) != digest(_article(1))


def test_a_failed_run_leaves_the_state_as_it_was(tmp_path):
    path = str(tmp_path / "s.db")
    with open_state(path) as state:
        state.put_articles([_article(1)], WHEN)
        state.record_run("dedup", 1, 0, 0, 0)
    with pytest.raises(RuntimeError), open_state(path) as state:
        state.put_articles([_article(2)], WHEN)
        state.delete_articles(["a1"])
        state.record_run("dedup", 1, 0, 0, 1)
        raise RuntimeError("boom")
    summary = read_summary(path)
    assert (summary.articles, summary.runs) == (1, 1)


def test_a_second_run_waits_then_stops_with_a_clear_message(tmp_path):
    path = str(tmp_path / "s.db")
    with open_state(path) as first:
        first.put_articles([_article(1)], WHEN)
    with open_state(path) as second:
        second.put_articles([_article(2)], WHEN)
        with pytest.raises(StateError) as error, open_state(path, wait=0.2):
            pass
        assert str(error.value) == (f"{path}: state is in use by another run (waited 0.2 s); "
                                    "wait for it to finish, or pass another --state path")
        assert read_summary(path).articles == 1  # readers see the last committed state
    assert read_summary(path).articles == 2


def _state_of_schema(tmp_path: Path, version: int) -> str:
    """A new state whose meta says it was written with schema ``version``."""
    path = str(tmp_path / "s.db")
    with open_state(path):
        pass
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
    db.commit()
    db.close()
    return path


def test_another_schema_version_is_refused_in_one_line(tmp_path):
    path = _state_of_schema(tmp_path, 99)
    with pytest.raises(StateError, match=r"state written with schema version 99 \(clusterer "
                       r".*\); this clusterer \(.*\) reads schema version 6; use that version "
                       r"or pass another --state path to start a new state"), open_state(path):
        pass


def test_an_older_state_is_refused_naming_what_it_lacks(tmp_path):
    path = _state_of_schema(tmp_path, 3)
    with pytest.raises(StateError) as error, open_state(path):
        pass
    assert str(error.value) == (
        f"{path}: state written with schema version 3 (clusterer {__version__}); this "
        f"clusterer ({__version__}) reads schema version 6 (it keeps the counts chrome is "
        "learned from, the comparisons of stored pairs, the band keys sorted for lookups, "
        "which that state lacks); use that "
        "version or pass another --state path to start a new state")


def test_a_file_that_is_not_a_state_is_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a database at all, just some text that is long enough\n" * 20)
    with pytest.raises(StateError, match=r"notes.txt: not a clusterer state \(file is not a "
                       r"database\); pass another --state path to start a new state"), open_state(str(path)):
        pass
    other = tmp_path / "other.db"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    with pytest.raises(StateError, match="not a clusterer state"):
        read_summary(str(other))


def test_state_command_prints_what_it_holds(tmp_path):
    path = str(tmp_path / "s.db")
    with open_state(path) as state:
        state.put_articles([_article(1), _article(2, published=None),
                            _article(3, published=datetime(2024, 4, 1, tzinfo=timezone.utc))],
                           WHEN)
        state.set_groups([DuplicateGroup(kept=_article(1), duplicates=(_article(2),)),
                          DuplicateGroup(kept=_article(3))])
        state.set_storylines([("s-000000000001", 1, WHEN, WHEN, 3, ["a1", "a2", "a3"])],
                             [("s-000000000002", "s-000000000001")])
        state.record_run("storylines", 3, 0, 0, 0)
    result = CliRunner().invoke(app, ["state", path])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"state        {path} (schema version 6, ")
    assert lines[1:] == ["runs         1",
                         "articles     3 (1 undated)",
                         "groups       1 of two or more (1 duplicates)",
                         "storylines   1 (1 ids merged away)",
                         "oldest       2024-04-01T00:00:00Z",
                         "newest       2024-05-01T12:00:00Z"]


def test_state_command_on_a_missing_state(tmp_path):
    path = str(tmp_path / "none.db")
    result = CliRunner().invoke(app, ["state", path])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {path}: no state here; the first run with --state "
                             f"{path} creates it\n")


def test_a_first_run_that_never_finished_leaves_an_empty_state(tmp_path):
    path = str(tmp_path / "s.db")
    with pytest.raises(KeyboardInterrupt), open_state(path) as state:
        state.put_articles([_article(1)], WHEN)
        raise KeyboardInterrupt
    summary = read_summary(path)
    assert (summary.runs, summary.articles, summary.storylines) == (0, 0, 0)
    with open_state(path) as state:
        assert state.run == 1


def test_dedup_on_a_state_of_another_version_is_one_line_and_exit_1(tmp_path):
    path = str(tmp_path / "s.db")
    with open_state(path):
        pass
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    db.execute("UPDATE meta SET value = '9.9' WHERE key = 'clusterer'")
    db.commit()
    db.close()
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "a", "title": "A headline", "text": "Some text."}\n')
    result = CliRunner().invoke(app, ["dedup", str(feed), "--state", path, "-q"])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {path}: state written with schema version 99 (clusterer "
                             f"9.9); this clusterer ({__version__}) reads schema version 6; use "
                             "that version or pass another --state path to start a new state\n")


def test_skip_report_with_a_state_lists_every_skipped_record(tmp_path):
    from typer.testing import CliRunner

    from clusterer.cli import app

    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(f'{{"id": "b{i}"}}\n' for i in range(30)) + '{"title": "A"}\n')
    result = CliRunner().invoke(app, ["dedup", str(feed), "--skip-bad", "-q", "--state",
                                      str(tmp_path / "s.db"), "-o", str(tmp_path / "o.jsonl"),
                                      "--skip-report", str(tmp_path / "skip.jsonl")])
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "skip.jsonl").read_text().splitlines()
    assert len(lines) == 30  # every one, not the few the summary lists
    assert (tmp_path / "o.jsonl").read_text().count("\n") == 1


def test_newest_time_is_kept_and_counted_again_after_an_update_or_a_drop(tmp_path):
    path = str(tmp_path / "s.db")
    later = WHEN.replace(day=9)
    with open_state(path) as state:
        assert state.newest_published() is None
        state.put_articles([_article(1), _article(2, published=later)], WHEN)
        assert state.newest_published() == later  # kept as articles are added
        assert state.meta("newest") == "2024-05-09T12:00:00Z"
    with open_state(path) as state:
        state.put_articles([_article(2, published=WHEN)], WHEN)  # the newest replaced
        assert state.meta("newest") is None
        assert state.newest_published() == WHEN  # counted again from what is stored
        state.put_articles([_article(3, published=later.replace(microsecond=5))], WHEN)
        state.put_articles([_article(4, published=later)], WHEN)
        assert state.newest_published() == later.replace(microsecond=5)
        state.delete_articles(["a3"])
        assert state.newest_published() == later


def test_rows_and_groups_are_looked_up_without_reading_every_row(tmp_path):
    path = str(tmp_path / "s.db")
    with open_state(path) as state:
        state.put_articles([_article(k) for k in range(1, 6)], WHEN)
        state.set_groups([DuplicateGroup(kept=_article(2), duplicates=(_article(4), _article(1))),
                          DuplicateGroup(kept=_article(3))])
        assert [r.id for r in state.article_rows(["a5", "a9", "a2"])] == ["a2", "a5"]
        assert state.article_rows(["a2"]) == [r for r in state.article_rows() if r.id == "a2"]
        assert state.seqs_of(["a4", "a9"]) == {"a4": 3}
        assert {s: sorted(g) for s, g in state.group_seqs([0, 2, 4, 7]).items()} == {
            0: [0, 1, 3], 2: [2]}  # a5 (seq 4) has no group row, seq 7 no article


def test_a_state_made_before_the_group_index_gets_it_on_opening(tmp_path):
    path = str(tmp_path / "s.db")
    with open_state(path) as state:
        state.put_articles([_article(1)], WHEN)
    with sqlite3.connect(path) as db:
        db.execute("DROP INDEX groups_kept")
    with open_state(path):
        pass
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT name FROM sqlite_master WHERE name = 'groups_kept'"
                          ).fetchone() == ("groups_kept",)
