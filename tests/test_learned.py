"""The counts chrome and common text are learned from, kept in a state and updated by
what a run adds, updates and expires: always those of the articles the state holds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from clusterer.chrome_counts import count_chunk, first_copies, text_digests
from clusterer.dedup import DedupConfig
from clusterer.incremental import dedup_with_state
from clusterer.learned import (
    PageCounts,
    apply_counts,
    counted_changes,
    counts_blob,
    counts_from_blob,
    same_counts,
)
from clusterer.state import open_state

from conftest import words

CONFIG = DedupConfig(workers=1)
CHROME = "Support the Daily Example, subscribe now to our newsletter for more news."


def test_counted_changes_follow_the_first_copy_of_each_source_and_text():
    d, e = ("s", b"d"), ("s", b"e")
    assert counted_changes({d: [1, 5]}, {1}, {}) == ([1], [5])  # the next copy counts
    assert counted_changes({d: [1]}, {1}, {d: [1]}) == ([1], [1])  # updated in place
    assert counted_changes({d: [1]}, set(), {d: [7]}) == ([], [])  # a later copy
    assert counted_changes({}, set(), {e: [9, 7]}) == ([], [7])  # a new text
    assert counted_changes({d: [3], e: [1]}, {1}, {d: [1]}) == ([1, 3], [1])  # moved before
    assert counted_changes({d: [2]}, {2}, {}) == ([2], [])  # expired, no copy left


def _counts(sources, texts, affixes, counted=None):
    units = [[abs(hash(u)) % (1 << 60) for u in t] for t in texts]
    lengths = np.asarray([len(u) for u in units], dtype=np.int64)
    hashes = np.asarray([h for u in units for h in u], dtype=np.uint64)
    sizes = np.asarray([len(str(h)) % 7 for h in hashes.tolist()], dtype=np.int64)
    if counted is None:
        counted = first_copies(sources, text_digests(lengths, hashes))
    return count_chunk(sources, lengths, hashes, sizes, affixes, counted, 4, 3)


def test_applied_counts_equal_the_counts_of_what_is_left():
    texts = [["a", "b", "chrome"], ["c", "chrome"], ["a", "b", "chrome"], ["x"], ["y", "z"]]
    sources = ["s1", "s1", "s1", "s2", "s3"]
    affixes = [["wire"], [], ["other"], ["wire"], []]
    everything = _counts(sources, texts, affixes)
    # Article 0 goes: its exact copy (article 2, another affix) starts counting; s3 goes.
    minus = _counts([sources[0], sources[4]], [texts[0], texts[4]], [affixes[0], affixes[4]])
    plus = _counts([sources[2]], [texts[2]], [affixes[2]])
    left = apply_counts(everything, plus, minus)
    expected = _counts(sources[1:4], texts[1:4], affixes[1:4])
    assert left is not None and same_counts(left, expected)
    assert left.names == ("s1", "s2") and dict(left.affixes) == {"other": 1, "wire": 1}
    assert apply_counts(everything, None, everything) is None
    back = counts_from_blob(counts_blob(everything))
    assert same_counts(back, everything)
    assert [c.dtype for c in back.placed] == [c.dtype for c in everything.placed]
    with pytest.raises(ValueError, match="never counted"):
        apply_counts(expected, None, _counts(["s9"], [["q"]], [[]]))


def test_counts_applied_in_place_equal_the_counts_merged():
    rng = np.random.default_rng(7)
    texts = [[f"u{v}" for v in rng.integers(0, 60, size=rng.integers(0, 9))] for _ in range(90)]
    sources = [f"s{v}" for v in rng.integers(0, 12, size=90)]
    affixes = [[f"x{v}"] for v in rng.integers(0, 5, size=90)]
    big = _counts(sources[:80], texts[:80], affixes[:80])
    small = _counts(sources[80:] + ["new"], texts[80:] + [["u1", "u999"]], affixes[80:] + [[]])
    applied = apply_counts(big, small, None)
    assert applied is not None and same_counts(applied, big.merge(small))
    assert applied.names[-1] == "s9" and "new" in applied.names


def test_page_counts_add_and_take_away_pages():
    pages = [np.asarray(p, dtype=np.uint32) for p in ([1, 2, 3], [2, 3], [3], [])]
    counts = PageCounts.from_blob(None).applied(pages, [])
    assert (counts.pages, counts.shingles.tolist(), counts.carried.tolist()) == (
        4, [1, 2, 3], [1, 2, 3])
    assert counts.common(2).tolist() == [2, 3]
    less = PageCounts.from_blob(counts.to_blob()).applied([], pages[:2])
    assert (less.pages, less.shingles.tolist(), less.carried.tolist()) == (2, [3], [1])
    with pytest.raises(ValueError, match="never counted"):
        less.applied([], [np.asarray([7], dtype=np.uint32)])


def _record(k: int, day: int, **fields: object) -> dict:
    source = f"site{k % 3}.example"
    return {"id": f"a{k}", "title": f"Headline {k} runs - Site {k % 3}", "source": source,
            "text": f"{words(f'story{k}x', 30)}.\n\n{CHROME}\n\nRead more",
            "published": f"2024-01-{day:02d}T00:00:00Z", **fields}


def _write(path: Path, records: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def _learned(path: str) -> tuple:
    with open_state(path) as store:
        chrome = counts_from_blob(store.learned("chrome") or b"")
        common = PageCounts.from_blob(store.learned("common"))
        return chrome, common, store.meta("model")


def test_a_state_after_expiry_and_updates_holds_the_counts_of_what_is_left(tmp_path):
    first = [_record(k, k + 1) for k in range(12)]
    # An exact copy of a1 on its source under another headline: it counts once a1 expires.
    first.append({**first[1], "id": "c1", "title": "Copy of it | Wire",
                  "published": "2024-01-20T00:00:00Z"})
    second = [{**first[5], "text": first[5]["text"] + "\n\nAn added paragraph of news."},
              _record(40, 21, id="n1")]
    state = str(tmp_path / "s.db")
    for number, part in enumerate((first, second)):
        with open_state(state) as store:
            run = dedup_with_state(store, [_write(tmp_path / f"{number}.jsonl", part)],
                                   config=CONFIG, expire_after=17 if number else None)
        if not number:  # c1, an exact copy of a1 on its source, does not count
            assert "wire" not in dict(_learned(state)[0].affixes)
            assert _learned(state)[0].site_pages.tolist() == [0, 4, 4, 4]
    assert run.intake.expired == ("a0", "a1", "a2") and run.intake.updated == ("a5",)
    # The same articles in the same places, stored by one run.
    left = [r for r in first[3:] if r["id"] != "a5"]
    left.insert(2, second[0])
    left.append(second[1])
    fresh = str(tmp_path / "fresh.db")
    with open_state(fresh) as store:
        dedup_with_state(store, [_write(tmp_path / "left.jsonl", left)], config=CONFIG)
    (chrome, common, model), (chrome2, common2, model2) = _learned(state), _learned(fresh)
    assert same_counts(chrome, chrome2)
    assert chrome.site_pages.tolist() == [0, 3, 5, 3]  # c1 counted: its copy a1 is gone
    assert ("wire", 1) in chrome.affixes
    assert (common.pages, common.shingles.tolist(), common.carried.tolist()) == (
        common2.pages, common2.shingles.tolist(), common2.carried.tolist()) and common.pages == 11
    assert model == model2


def test_other_word_limits_count_everything_again(tmp_path):
    from dataclasses import replace

    from clusterer.boilerplate import BoilerplateConfig

    other = replace(CONFIG, boilerplate=BoilerplateConfig(short_unit_words=2, affix_words=2))
    first, second = [_record(k, k + 1) for k in range(6)], [_record(k, k + 1) for k in range(6, 9)]
    state, fresh = str(tmp_path / "s.db"), str(tmp_path / "fresh.db")
    for number, (part, config) in enumerate(((first, CONFIG), (second, other))):
        with open_state(state) as store:
            dedup_with_state(store, [_write(tmp_path / f"{number}.jsonl", part)], config=config)
    with open_state(fresh) as store:
        dedup_with_state(store, [_write(tmp_path / "all.jsonl", first + second)], config=other)
    (chrome, common, model), (chrome2, common2, model2) = _learned(state), _learned(fresh)
    assert (chrome.short_unit_words, chrome.affix_words) == (2, 2)
    assert same_counts(chrome, chrome2) and model == model2
    assert (common.pages, common.shingles.tolist(), common.carried.tolist()) == (
        common2.pages, common2.shingles.tolist(), common2.carried.tolist()) and common.pages == 9
