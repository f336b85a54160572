"""Dedup on a state at the cost of what changed: stored fingerprints, chrome changes,
and groups identical to one batch run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from clusterer import delta
from clusterer.boilerplate import BoilerplateModel
from clusterer.dedup import DedupConfig, deduplicate
from clusterer.engine import LocalEngine
from clusterer.fingerprint import FingerprintConfig, fingerprint
from clusterer.incremental import dedup_with_state
from clusterer.readers import read_articles
from clusterer.staleness import ChromeChange, changed_chrome, unit_rows
from clusterer.state import open_state
from clusterer.stored import (
    CandidateIndex,
    StoredPrint,
    model_from_json,
    model_json,
    pack_row,
    screen_rows,
    unpack_bodies,
    unpack_rows,
)

from conftest import make_article, words
from syndication import UCI

CONFIG = DedupConfig(workers=1)
STORY = " ".join(f"Story word{k} runs on and on about matter{k % 9} today." for k in range(12))
OTHER = " ".join(f"Other text{k} says something else entirely{k % 5} here." for k in range(12))
CHROME = "Support the Daily Example, subscribe now to our newsletter for more news."


def _write(path: Path, records: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def _runs(tmp_path: Path, parts: list[list[dict]]) -> list:
    state = str(tmp_path / "s.db")
    out = []
    for number, part in enumerate(parts):
        with open_state(state) as store:
            out.append(dedup_with_state(store, [_write(tmp_path / f"{number}.jsonl", part)],
                                        config=CONFIG))
    return out


def _batch(tmp_path: Path, records: list[dict]) -> list[dict]:
    batch = deduplicate(read_articles([_write(tmp_path / "all.jsonl", records)]), CONFIG)
    return [g.to_dict() for g in batch.groups]


def _uci(n: int) -> list[dict]:
    rows = [json.loads(line) for line in UCI.read_text().splitlines()]
    rows.sort(key=lambda r: (r["published"], r["id"]))
    return rows[:n]


def test_packed_fingerprints_read_back_as_they_were():
    docs = [make_article(f"a{i}", f"Headline number {i}", STORY if i % 2 else "")
            for i in range(4)]
    _, prints, _ = fingerprint(docs, FingerprintConfig(), engine=LocalEngine(1))
    back = unpack_rows([pack_row(prints, i) for i in range(4)], 128)
    sizes = screen_rows([pack_row(prints, i)[1] for i in range(4)], 128)[0]
    assert sizes.tolist() == prints.body.lengths().tolist()
    for name in ("body", "lead", "title", "head"):
        assert [list(r) for r in getattr(back, name)] == [list(r) for r in getattr(prints, name)]
    assert (back.title_only, back.digest, back.length) == (prints.title_only, prints.digest,
                                                           prints.length)
    for name in ("body_sig", "lead_sig", "title_sig"):
        assert np.array_equal(getattr(back, name), getattr(prints, name))
    bodies = unpack_bodies([pack_row(prints, i) for i in range(4)])
    assert [r.tolist() for r in bodies] == [r.tolist() for r in prints.body]


def test_a_model_is_stored_and_read_back_and_its_changes_found():
    docs = [make_article(f"a{i}", f"Headline {i} | Daily Example", f"{STORY} {i}\n{CHROME}",
                         source="daily") for i in range(3)]
    _, _, model = fingerprint(docs, FingerprintConfig(), engine=LocalEngine(1))
    back = model_from_json(model_json(model), BoilerplateModel(model.config))
    assert (back.source_chrome_, back.short_chrome_, back.spread_chrome_, back.usual_before_,
            back.affixes_) == (model.source_chrome_, model.short_chrome_, model.spread_chrome_,
                               model.usual_before_, model.affixes_)
    assert model.source_chrome_["daily"]  # the chrome line recurs: it is learned
    change = changed_chrome(BoilerplateModel(model.config), model)
    assert ("daily", next(iter(model.source_chrome_["daily"]))) in change.on_source
    assert change.affixes == {"daily example", "daily"}  # learned, and the source's name
    assert not len(changed_chrome(model, back).units)


def test_unit_hashes_are_read_where_the_chrome_changed_or_for_recorded_pairs():
    rows = [StoredPrint(seq, source, (), b"", (None, None, None), (b"", b""))
            for seq, source in enumerate(["a", "b", "c", "b"])]
    units = np.zeros(0, dtype=np.uint64)
    on_b = ChromeChange(units, frozenset(), frozenset({("b", 5)}), {}, frozenset())
    assert [r.seq for r in unit_rows(rows, on_b, {2})] == [1, 2, 3]
    before_c = ChromeChange(units, frozenset(), frozenset(), {("c", 5): frozenset()},
                            frozenset())
    assert [r.seq for r in unit_rows(rows, before_c, set())] == [2]
    everywhere = ChromeChange(units, frozenset({5}), frozenset(), {}, frozenset())
    assert unit_rows(rows, everywhere, set()) == rows


def test_a_stored_article_whose_chrome_is_learned_later_is_fingerprinted_again(tmp_path):
    # Run 1 holds one page of the Daily Example (its chrome lines seen once: content) and
    # its story on a wire: a near copy (Jaccard 0.82). Run 2 brings a second Daily Example
    # page: the lines are chrome now, the stored page's fingerprint is stale, and without
    # them the two are exact copies, as in one batch run.
    first = [{"id": "d1", "title": "Story one", "text": f"{STORY}\n{CHROME}\n{CHROME} again.",
              "source": "Daily"},
             {"id": "w1", "title": "Story one", "text": STORY, "source": "Wire"}]
    second = [{"id": "d2", "title": "Something else", "text": f"{OTHER}\n{CHROME}\n"
               f"{CHROME} again.", "source": "Daily"}]
    runs = _runs(tmp_path, [first, second])
    assert runs[1].refreshed == 1  # d1, and only d1
    assert [g.to_dict() for g in runs[1].run.result.groups] == _batch(tmp_path, first + second)


def test_groups_equal_one_batch_run_entry_for_entry(tmp_path):
    rows = _uci(300)
    runs = _runs(tmp_path, [rows[:100], rows[100:180], rows[180:]])
    assert [g.to_dict() for g in runs[-1].run.result.groups] == _batch(tmp_path, rows)
    assert runs[-1].fresh < 300  # the stored groups no new article met stood as they were


def test_a_run_with_nothing_new_matches_nothing_again(tmp_path):
    rows = _uci(60)
    runs = _runs(tmp_path, [rows, rows])
    assert (runs[1].fresh, runs[1].refreshed) == (0, 0)
    assert [g.to_dict() for g in runs[1].run.result.groups] == \
        [g.to_dict() for g in runs[0].run.result.groups]


def test_changed_dedup_parameters_fingerprint_everything_again(tmp_path):
    rows = _uci(40)
    state = str(tmp_path / "s.db")
    with open_state(state) as store:
        dedup_with_state(store, [_write(tmp_path / "a.jsonl", rows[:30])], config=CONFIG)
    other = DedupConfig(workers=1, threshold=0.5)
    with open_state(state) as store:
        run = dedup_with_state(store, [_write(tmp_path / "b.jsonl", rows[30:])], config=other)
    assert run.refreshed == 30
    batch = deduplicate(read_articles([_write(tmp_path / "all.jsonl", rows)]), other)
    assert [g.to_dict() for g in run.run.result.groups] == [g.to_dict() for g in batch.groups]



def test_other_copy_rules_fingerprint_and_compare_everything_again(tmp_path, monkeypatch):
    rows = _uci(40)
    state = str(tmp_path / "s.db")
    monkeypatch.setattr(delta, "RULES", delta.RULES - 1)  # a state of the rules before
    with open_state(state) as store:
        dedup_with_state(store, [_write(tmp_path / "a.jsonl", rows[:30])], config=CONFIG)
    monkeypatch.undo()
    with open_state(state) as store:
        run = dedup_with_state(store, [_write(tmp_path / "b.jsonl", rows[30:])], config=CONFIG)
        assert run.refreshed == 30
    with open_state(state) as store:  # the same rules again: nothing stored is redone
        run = dedup_with_state(store, [_write(tmp_path / "c.jsonl", rows[:1])], config=CONFIG)
        assert run.refreshed == 0


def test_text_that_becomes_common_splits_a_stored_inside_copy_as_a_batch_run_does(tmp_path):
    # Run 1: two pages of sites seen once, under nearly the same headline, sharing only
    # a donation pitch: the inside rule joins them. Run 2 brings 60 pages of other sites
    # carrying the pitch: it is common text now, as one batch run over all counts it, and
    # the stored pair is judged again and split.
    pitch = words("pitch", 40)
    pages = [{"id": "page1", "title": "Storm hits the coast overnight; Council votes",
              "text": f"{words('own1x', 70)}\n\n{pitch}\n\n{words('tail1x', 150)}",
              "source": "site1"},
             {"id": "page2", "title": "Council votes; Storm hits the coast overnight",
              "text": f"{pitch}\n\n{words('tail2x', 150)}", "source": "site2"}]
    others = [{"id": f"other{k}", "title": f"Other story {k}",
               "text": f"{words(f'o{k}x', 60)}\n\n{pitch}\n\n{words(f'p{k}x', 60)}",
               "source": f"elsewhere{k}"} for k in range(60)]
    runs = _runs(tmp_path, [pages, others])
    first = [g.to_dict() for g in runs[0].run.result.groups]
    assert [len(g["members"]) for g in first] == [2]
    assert first == _batch(tmp_path, pages)
    last = [g.to_dict() for g in runs[1].run.result.groups]
    assert len(last) == 62 and all(len(g["members"]) == 1 for g in last)
    assert last == _batch(tmp_path, pages + others)


def test_stored_candidates_are_those_matching_could_compare(tmp_path, monkeypatch):
    # A stored headline-only article whose headline comes near a new article's (between
    # the recheck level and the headline screen) is compared by matching only where it
    # has a few words of body (a "lead" match): only then is it a candidate.
    found: list[set[int]] = []
    candidates = CandidateIndex.candidates

    def watched(self, *args):
        out = candidates(self, *args)
        found.append(out[0])
        return out

    monkeypatch.setattr(CandidateIndex, "candidates", watched)
    title = "Markets rally as oil prices ease in Asian trading"
    for text, expected in (("", set()), ("Oil prices eased.", {0})):
        found.clear()
        first = [{"id": "h1", "title": title, "text": text, "source": "Wire"}]
        second = [{"id": "b1", "title": title + " after a long holiday weekend",
                   "text": STORY, "source": "Example"}]
        where = tmp_path / ("worded" if text else "bare")
        where.mkdir()
        runs = _runs(where, [first, second])
        assert found[-1] == expected
        assert [g.to_dict() for g in runs[-1].run.result.groups] == _batch(where, first + second)
