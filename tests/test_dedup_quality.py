"""Dedup quality on realistic syndicated copies of real text (tests/syndication.py)."""

import sys
from collections import Counter
from pathlib import Path

import orjson
import pytest

from clusterer.dedup import deduplicate
from clusterer.evaluate import pairwise
from clusterer.readers import read_articles

from syndication import HARD_TRANSFORMS, TRANSFORMS, make_fixture

SEEDS = range(6)


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    """Pooled predicted and true labels over several generated dumps."""
    pred, gold, applied = [], [], Counter()
    for seed in SEEDS:
        fixture = make_fixture(seed)
        path = tmp_path_factory.mktemp("dump") / "feed.jsonl"
        path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in fixture.records))
        articles = list(read_articles([str(path)]))
        result = deduplicate(articles)
        kept_of = {i: g.kept.id for g in result.groups for i in g.ids}
        pred += [f"{seed}:{kept_of[a.id]}" for a in articles]
        gold += [f"{seed}:{fixture.truth[a.id]}" for a in articles]
        applied.update(fixture.applied)
    return pred, gold, applied


def test_every_transformation_is_exercised(scored):
    _, _, applied = scored
    assert {name for name, n in applied.items() if n > 0} == set(TRANSFORMS)


def test_fixture_has_copies_and_hard_negatives(scored):
    _, gold, _ = scored
    sizes = Counter(Counter(gold).values())
    assert len(gold) > 500
    assert sum(n for size, n in sizes.items() if size >= 3) >= 40  # widely syndicated stories
    same_event = Counter(label.rsplit("-", 1)[0] for label in set(gold) if "sample" not in label)
    assert sum(1 for n in same_event.values() if n == 2) >= 40  # two articles per event


def test_pairwise_precision_and_recall(scored):
    pred, gold, _ = scored
    precision, recall, _ = pairwise(pred, gold)
    # Issue targets, measured on the pooled dumps (632 articles, 1,091 true pairs).
    assert precision >= 0.99  # regression guard: no merges across stories or sites' chrome
    assert recall >= 0.98  # regression guard: copies with every edit are found


def test_hardest_copies_precision_and_recall(tmp_path):
    """The widened fixture (make_fixture(hard=True)): heavy chrome, abridged copies,
    lone sites, OCR scans, copies of copies. scripts/fixture_recall.py --hard has the
    figures per kind over 50 seeds."""
    pred, gold, applied, kinds = [], [], Counter(), Counter()
    for seed in SEEDS:
        fixture = make_fixture(seed, hard=True)
        path = tmp_path / f"hard-{seed}.jsonl"
        path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in fixture.records))
        articles = list(read_articles([str(path)]))
        kept_of = {i: g.kept.id for g in deduplicate(articles).groups for i in g.ids}
        pred += [f"{seed}:{kept_of[a.id]}" for a in articles]
        gold += [f"{seed}:{fixture.truth[a.id]}" for a in articles]
        applied.update(fixture.applied)
        kinds.update(k for edits in fixture.kinds.values() for k in edits)
    assert {name for name, n in applied.items() if n > 0} == set(TRANSFORMS + HARD_TRANSFORMS)
    assert set(kinds) == set(TRANSFORMS + HARD_TRANSFORMS)
    precision, recall, _ = pairwise(pred, gold)
    # Measured on these 6 seeds: precision 1.0000, recall 0.9978 (0.8866 before the rules
    # for stories inside a page; what is still missed: README, "What copies are found").
    assert precision == 1.0  # regression guard: heavy chrome and sidebars merge nothing
    assert recall >= 0.99  # regression guard


def test_samples_001_and_002_same_event_stay_apart(sample_articles):
    result = deduplicate(sample_articles)
    assert all(g.size == 1 for g in result.groups)


def _reuse_scored(tmp_path, seeds=range(3), n=1500):
    """Pooled labels and largest groups on dumps of scripts/make_reuse_corpus.py: sites
    reusing sentences across their own stories, numbered headlines, headline-only items."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    from make_reuse_corpus import write_reuse_corpus

    pred, gold, largest, largest_true = [], [], 0, 0
    for seed in seeds:
        path = tmp_path / f"reuse-{seed}.jsonl"
        write_reuse_corpus(n, path, seed)
        truth = {r["id"]: r["group"] for r in map(orjson.loads, path.read_bytes().splitlines())}
        articles = list(read_articles([str(path)]))
        result = deduplicate(articles)
        kept_of = {i: g.kept.id for g in result.groups for i in g.ids}
        pred += [f"{seed}:{kept_of[a.id]}" for a in articles]
        gold += [f"{seed}:{truth[a.id]}" for a in articles]
        largest = max(largest, max(g.size for g in result.groups))
        largest_true = max(largest_true, max(Counter(truth.values()).values()))
    return pred, gold, largest, largest_true


def test_reused_sentences_and_numbered_headlines_do_not_chain_stories(tmp_path):
    pred, gold, largest, largest_true = _reuse_scored(tmp_path)
    precision, recall, _ = pairwise(pred, gold)
    # 4,500 articles; before chrome had to stand like chrome and headline numbers counted,
    # precision was 0.03 and groups held up to 126 articles. What is left is chaining
    # through headline-only members (issue 20, item 1).
    assert precision >= 0.93  # regression guard
    assert recall >= 0.97  # regression guard
    assert largest <= 2 * largest_true  # no giant group
