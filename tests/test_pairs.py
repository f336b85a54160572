"""Tests for clusterer.pairs: stored comparisons read back instead of made again."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from clusterer.comparer import Comparer
from clusterer.dedup import DedupConfig, deduplicate
from clusterer.incremental import IncrementalDedup, dedup_with_state
from clusterer.pairs import WatchingComparer, match_blob, match_of
from clusterer.readers import read_articles
from clusterer.records import Match
from clusterer.state import open_state

CONFIG = DedupConfig(workers=1)
STORY = " ".join(f"Story word{k} runs on and on about matter{k % 9} today." for k in range(16))
OTHER = " ".join(f"Other text{k} says something else entirely{k % 5} here." for k in range(16))


def _write(path: Path, records: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def _run(tmp_path: Path, name: str, records: list[dict]) -> IncrementalDedup:
    with open_state(str(tmp_path / "s.db")) as store:
        return dedup_with_state(store, [_write(tmp_path / f"{name}.jsonl", records)],
                                config=CONFIG)


def _stored(tmp_path: Path) -> dict[tuple[int, int], bytes]:
    with sqlite3.connect(tmp_path / "s.db") as db:
        return {(a, b): m for a, b, m in db.execute("SELECT a, b, match FROM compared")}


def _batch(tmp_path: Path, records: list[dict]) -> list[dict]:
    batch = deduplicate(read_articles([_write(tmp_path / "all.jsonl", records)]), CONFIG)
    return [g.to_dict() for g in batch.groups]


def test_a_comparison_reads_back_field_for_field():
    for match in [Match("containment", np.float64(0.1 + 0.2), 0.7, np.bool_(True), np.int64(55),
                        (60, 80), (np.int64(2), None), True, ""),
                  Match("headline", 0.5, 0.8, False, 3, (7, 9), (None, None), False, "numbers")]:
        again, recorded = match_of(match_blob(match, match.rechecked))
        assert again == match and recorded == match.rechecked
        assert [type(v) for v in again.__dict__.values()] == [str, float, float, bool, int,
                                                              tuple, tuple, bool, str]


def _copy(k: int) -> dict:
    return {"id": f"c{k}", "title": "Story one makes the news", "source": f"site{k}",
            "text": f"{STORY} Filed by desk{k} reporter{k} today{k}."}


def test_stored_pairs_of_a_group_met_again_are_not_compared_again(tmp_path, monkeypatch):
    # Run 1: four near copies of a story (each compared with the first); run 2: two more
    # copies meet their group, which is matched again whole.
    first = [_copy(k) for k in range(4)] + [{"id": "o1", "title": "Other", "text": OTHER,
                                            "source": "site9"}]
    rows = first + [_copy(k) for k in range(4, 6)]
    _run(tmp_path, "first", first)
    before = _stored(tmp_path)
    asked: set[tuple[int, int]] = set()
    made: set[tuple[int, int]] = set()
    ask, make = WatchingComparer.compare, Comparer.compare

    def watched(self: WatchingComparer, i: int, j: int) -> Match:
        asked.add((self.seqs[i], self.seqs[j]))
        return ask(self, i, j)

    def counted(self: Comparer, i: int, j: int) -> Match:
        if isinstance(self, WatchingComparer):  # not the batch run's
            made.add((self.seqs[i], self.seqs[j]))
        return make(self, i, j)

    monkeypatch.setattr(WatchingComparer, "compare", watched)
    monkeypatch.setattr(Comparer, "compare", counted)
    run = _run(tmp_path, "second", rows[5:])
    assert [g.to_dict() for g in run.run.result.groups] == _batch(tmp_path, rows)
    assert len(before) == 3 and set(before) <= asked  # the stored group was matched again ...
    assert not made & set(before)  # ... without comparing their stored pairs again
    after = _stored(tmp_path)
    assert all(after[key] == blob for key, blob in before.items())
    assert set(after) - set(before) <= made  # what this run compared is stored


@pytest.mark.parametrize("keep", [True, False])
def test_the_stored_comparisons_of_an_updated_article_are_dropped(tmp_path, keep, monkeypatch):
    # Run 1: a story and a near copy of it on another site (joined by comparison).
    # Run 2: the copy is updated to half the story and other text (no copy now), and a
    # third site's copy meets the story's group: the group is matched again, and the
    # stored comparison of the old copy must not stand for the new one.
    first = [{"id": "w1", "title": "Story one", "text": STORY, "source": "Wire"},
             {"id": "x1", "title": "Story one", "text": STORY + " And one more line here.",
              "source": "Example"}]
    half = " ".join(STORY.split()[:90])
    second = [{"id": "x1", "title": "Story one", "text": f"{half} {OTHER}", "source": "Example"},
              {"id": "n1", "title": "Story one", "text": STORY + " Reported today.",
               "source": "Third"}]
    if not keep:  # shows the test can fail: the stored comparisons stay
        monkeypatch.setattr("clusterer.pairs.StoredComparisons.forget",
                            lambda self, seqs, pairs: None)
    assert [len(g.to_dict()["members"]) for g in _run(tmp_path, "a", first).run.result.groups
            ] == [2]
    run = _run(tmp_path, "b", second)
    expected = _batch(tmp_path, [first[0], *second])
    got = [g.to_dict() for g in run.run.result.groups]
    assert (got == expected) is keep
