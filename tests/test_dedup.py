from datetime import datetime, timezone

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clusterer.dedup import (
    DedupConfig,
    _Screen,
    _shared_counts,
    _UnionFind,
    aligned,
    deduplicate,
    screen_floor,
    similarity,
)
from clusterer.minhash import Signer

from conftest import examples, make_article


def _ids(result):
    return [(g.kept.id, [a.id for a in g.duplicates]) for g in result.groups]


def test_samples_are_all_distinct(sample_articles):
    result = deduplicate(sample_articles)
    assert _ids(result) == [(a.id, []) for a in sample_articles]
    assert result.stats == {"articles": 5, "kept": 5, "duplicates": 0, "groups": 0}


def test_exact_copy_with_other_chrome_encoding_and_headline(sample_articles):
    original = sample_articles[4]
    copy_text = original.text.replace("'", "&#8217;").replace(" ", "\u00a0", 20)
    copy = make_article("copy", original.title.upper() + " | Some Site", copy_text)
    result = deduplicate([*sample_articles, copy])
    assert ("004_067f50a622b83cf2", ["copy"]) in _ids(result)
    assert result.groups[4].similarities == (1.0,)


def test_abridged_copy_is_contained_in_the_full_story(sample_articles):
    full = sample_articles[1]
    first_paragraphs = "\n\n".join(full.text.split("\n\n")[:3])
    abridged = make_article("abridged", "Rewritten headline", "BRUSSELS (AP) — " + first_paragraphs)
    result = deduplicate([*sample_articles, abridged])
    assert ("001_c53f92eaafb8e6c3", ["abridged"]) in _ids(result)


def test_same_event_different_words_are_not_duplicates(sample_articles):
    result = deduplicate([sample_articles[1], sample_articles[2]])
    assert result.stats["duplicates"] == 0


def test_headline_only_copies_match_on_headlines():
    a = make_article("a", "Fed official says weak data caused by weather, should not slow taper")
    b = make_article("b", "UPDATE 2-FED OFFICIAL SAYS WEAK DATA CAUSED BY WEATHER, SHOULD NOT SLOW TAPER")
    c = make_article("c", "Fed's Charles Plosser sees high bar for change in pace of tapering")
    assert _ids(deduplicate([a, b, c])) == [("a", ["b"]), ("c", [])]


def test_same_canonical_url_is_an_exact_duplicate():
    a = make_article("a", "One headline", url="https://example.com/story")
    b = make_article("b", "Another headline entirely", url="https://example.com/story")
    # Headline-only: "longest" keeps the longer headline.
    assert _ids(deduplicate([a, b])) == [("b", ["a"])]


@pytest.mark.parametrize(("keep", "expected"), [("longest", "long"), ("earliest", "early"),
                                                ("first", "early")])
def test_keep_policy(keep, expected):
    body = " ".join(f"word{i}" for i in range(60))
    early = make_article("early", "T", body, published=datetime(2024, 1, 1, tzinfo=timezone.utc))
    long = make_article("long", "T", body + " plus a longer tail of words here",
                        published=datetime(2024, 1, 2, tzinfo=timezone.utc))
    result = deduplicate([early, long], DedupConfig(keep=keep))
    assert [g.kept.id for g in result.groups] == [expected]


def test_similarity_uses_containment_for_large_sets_and_jaccard_for_small():
    big = np.arange(100, dtype=np.uint32)
    part = np.arange(30, dtype=np.uint32)
    assert similarity(part, big, 25) == 1.0
    assert similarity(part, big, 31) == pytest.approx(0.3)
    assert similarity(np.zeros(0, np.uint32), big, 1) == 0.0


def _words(prefix: str, n: int) -> str:
    return " ".join(f"{prefix}{i}" for i in range(n))


def test_a_sidebar_carrying_another_storys_lead_does_not_contain_its_copy():
    # A site seen once in the dump: its "Latest news" sidebar (the lead of story X) cannot
    # be learned as chrome. An abridged copy of X is mostly inside that page (containment
    # 0.88), but only after the page's own story: not a copy.
    lead, second = _words("lead", 60), _words("second", 8)
    copy = make_article("copy", "X abridged", f"{lead}\n\n{second}", source="site-a")
    page = make_article("page", "Story Y", f"{_words('own', 40)}\n\nLatest news\n\n{lead}",
                        source="site-b")
    assert _ids(deduplicate([copy, page])) == [("copy", []), ("page", [])]
    # The same copy with a caption in front of it is still contained.
    captioned = make_article("captioned", "X", f"{_words('caption', 12)}\n\n{lead}\n\n{second}"
                             f"\n\n{_words('more', 60)}", source="site-b")
    assert _ids(deduplicate([copy, captioned])) == [("captioned", ["copy"])]


def test_aligned_allows_a_short_prefix_before_the_shared_text():
    other = np.arange(100, 200, dtype=np.uint32)
    head = np.concatenate([np.arange(10, dtype=np.uint32), np.arange(100, 120, dtype=np.uint32)])
    assert aligned(head, other, shared=20)  # 10 before, 20 shared
    assert not aligned(head, other, shared=19)
    assert not aligned(np.arange(64, dtype=np.uint32), other, shared=100)  # none in a short match
    assert aligned(np.arange(64, dtype=np.uint32), other, shared=129)  # a long match past the head


def test_headline_only_copies_need_the_headline_threshold():
    a = make_article("a", "Stocks open lower in early trading on Wall Street")
    b = make_article("b", "Stocks open higher in early trading on Wall Street")
    assert _ids(deduplicate([a, b])) == [("a", []), ("b", [])]
    assert _ids(deduplicate([a, b], DedupConfig(headline_threshold=0.5))) == [("b", ["a"])]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"threshold": 0.0}, r"threshold must be in \(0.0, 1.0\], got 0.0"),
    ({"threshold": 1.5}, r"threshold must be in \(0.0, 1.0\], got 1.5"),
    ({"headline_threshold": 0.0}, r"headline_threshold must be in \(0.0, 1.0\], got 0.0"),
    ({"shingle_size": 0}, r"shingle_size must be in \[1, 10\], got 0"),
    ({"num_perm": 8}, r"num_perm must be in \[16, 1024\], got 8"),
    ({"keep": "shortest"},
     r"keep must be one of longest, earliest, first, got 'shortest'"),
])
def test_config_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DedupConfig(**kwargs)


def test_groups_document_lists_every_article_once(sample_articles):
    doc = deduplicate(sample_articles).groups_document()
    ids = [m["id"] for g in doc["groups"] for m in g["members"]]
    assert sorted(ids) == sorted(a.id for a in sample_articles)
    assert doc["schema_version"] == 1


# --- properties -------------------------------------------------------------------
_WORDS = st.sampled_from(["alpha", "beta", "gamma", "delta", "nato", "kyiv", "fed", "taper",
                          "data", "weather", "says"])
_TEXT = st.lists(_WORDS, min_size=0, max_size=40).map(" ".join)


@st.composite
def _dumps(draw):
    n = draw(st.integers(1, 12))
    articles = []
    for i in range(n):
        if articles and draw(st.booleans()):
            src = draw(st.sampled_from(articles))
            articles.append(make_article(f"id{i}", src.title, src.text))
        else:
            articles.append(make_article(f"id{i}", draw(_TEXT), draw(_TEXT)))
    return articles


@pytest.mark.fuzz
@examples(30)
@given(_dumps())
def test_every_article_appears_exactly_once(articles):
    result = deduplicate(articles)
    seen = [i for g in result.groups for i in g.ids]
    assert sorted(seen) == sorted(a.id for a in articles)


@pytest.mark.fuzz
@examples(30)
@given(_dumps())
def test_identical_texts_are_always_duplicates(articles):
    result = deduplicate(articles)
    group_of = {i: g.kept.id for g in result.groups for i in g.ids}
    for a in articles:
        for b in articles:
            if (a.title, a.text) == (b.title, b.text):
                assert group_of[a.id] == group_of[b.id]


@pytest.mark.fuzz
@examples(25)
@given(_dumps(), st.randoms(use_true_random=False))
def test_groups_do_not_depend_on_input_order(articles, rnd):
    shuffled = list(articles)
    rnd.shuffle(shuffled)

    def groups(result):
        return sorted((g.kept.id, sorted(a.id for a in g.duplicates)) for g in result.groups)

    assert groups(deduplicate(articles)) == groups(deduplicate(shuffled))


@pytest.mark.fuzz
@given(st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29)), max_size=60))
def test_union_find_roots_are_each_elements_find(unions: list[tuple[int, int]]) -> None:
    uf = _UnionFind(30)
    for a, b in unions:
        uf.union(a, b)
    roots = uf.roots().tolist()  # before find() compresses any path
    assert roots == [uf.find(x) for x in range(30)]


def test_screen_passes_pairs_by_share_of_equal_minhash_values() -> None:
    signatures = np.array([[1, 2, 3, 4], [1, 2, 3, 9], [1, 9, 9, 9], [7, 8, 9, 9]],
                          dtype=np.uint32)
    first, second = np.array([0, 0, 0, 1, 1, 2]), np.array([1, 2, 3, 2, 3, 3])
    assert _Screen(signatures, 0.75, 1.0).passes(first, second).tolist() == [
        True, False, False, False, False, False]
    assert _Screen(signatures, 0.5, 1.0).passes(np.array([2]), np.array([3])).tolist() == [True]
    small = _Screen(signatures, 0.75, 1.0)
    small.CHUNK = 2  # compared a few pairs at a time: same answers
    assert small.passes(first, second).tolist() == [True, False, False, False, False, False]
    assert [small.pair_passes(i, j) for i, j in zip(first.tolist(), second.tolist())] == [
        True, False, False, False, False, False]


def test_one_pair_screen_answers_as_the_bulk_screen() -> None:
    # Sets overlapping by every amount, so that many pairs sit near each floor.
    rng = np.random.default_rng(7)
    base = np.arange(100_000, 100_400, dtype=np.uint32)
    sets = [np.unique(np.concatenate([rng.choice(base, size=int(rng.integers(5, 400)), replace=False),
                                      rng.integers(0, 99_999, size=int(rng.integers(0, 300)),
                                                   dtype=np.uint32)]))
            for _ in range(60)]
    signatures = Signer(num_perm=128, seed=1).signatures(sets)
    first, second = (a.ravel() for a in np.triu_indices(len(sets), 1))
    for screen in (_Screen(signatures, 0.49, 0.7, sets), _Screen(signatures, 0.3, 0.8)):
        bulk = screen.passes(first, second).tolist()
        assert 0 < sum(bulk) < len(bulk)
        assert [screen.pair_passes(i, j) for i, j in zip(first.tolist(), second.tolist())] == bulk


def test_containment_screen_passes_an_abridged_copy_and_drops_a_shared_lead_only() -> None:
    signer = Signer(num_perm=128, seed=1)
    story = np.arange(1000, 1400, dtype=np.uint32)  # 400 shingles
    abridged = story[:60]  # the first paragraphs: contained, Jaccard 0.15
    sidebar = np.concatenate([story[:20], np.arange(5000, 5100, dtype=np.uint32)])
    other = np.arange(9000, 9400, dtype=np.uint32)
    sets = [story, abridged, sidebar, other]
    screen = _Screen(signer.signatures(sets), 0.49, 0.7, sets)
    first, second = np.array([0, 0, 0]), np.array([1, 2, 3])
    # containment 1.0, 20/120 = 0.17 (its lead only), 0.0
    assert screen.passes(first, second).tolist() == [True, False, False]
    assert [screen.pair_passes(0, j) for j in (1, 2, 3)] == [True, False, False]
    passes, likely = screen.estimate(first, second)
    assert passes.tolist() == [True, True, False]  # the sidebar's needs counting
    assert likely.tolist() == [True, False, False]  # estimated containment about 1


def test_shared_counts_are_exact_intersection_sizes() -> None:
    rng = np.random.default_rng(5)
    sets = [np.unique(rng.integers(0, 60, size=int(rng.integers(1, 40)))) for _ in range(12)]
    pairs = np.array([(i, j) for i in range(12) for j in range(12) if i < j and (i + j) % 3])
    expected = [len(np.intersect1d(sets[i], sets[j])) for i, j in pairs]
    assert _shared_counts(pairs[:, 0], pairs[:, 1], sets).tolist() == expected


def test_screen_floor_is_four_standard_errors_below_the_threshold() -> None:
    assert screen_floor(0.8, 128) == pytest.approx(0.8 - 4 * (0.8 * 0.2 / 128) ** 0.5)
    assert screen_floor(0.8, 128) == pytest.approx(0.6586, abs=1e-4)
    assert screen_floor(1.0, 128) == 1.0
