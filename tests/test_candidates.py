import numpy as np
import pytest

from clusterer.candidates import Screen, feed_cut_pairs, opening_in_page, screen_floor, shared_counts
from clusterer.comparer import Comparer
from clusterer.dedup import DedupConfig, deduplicate
from clusterer.engine import LocalEngine
from clusterer.fingerprint import fingerprint
from clusterer.minhash import Signer

from conftest import make_article, words


def test_screen_passes_pairs_by_share_of_equal_minhash_values() -> None:
    signatures = np.array([[1, 2, 3, 4], [1, 2, 3, 9], [1, 9, 9, 9], [7, 8, 9, 9]],
                          dtype=np.uint32)
    first, second = np.array([0, 0, 0, 1, 1, 2]), np.array([1, 2, 3, 2, 3, 3])
    assert Screen(signatures, 0.75, 1.0).passes(first, second).tolist() == [
        True, False, False, False, False, False]
    assert Screen(signatures, 0.5, 1.0).passes(np.array([2]), np.array([3])).tolist() == [True]
    small = Screen(signatures, 0.75, 1.0)
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
    for screen in (Screen(signatures, 0.49, 0.7, sets), Screen(signatures, 0.3, 0.8)):
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
    screen = Screen(signer.signatures(sets), 0.49, 0.7, sets)
    first, second = np.array([0, 0, 0]), np.array([1, 2, 3])
    # containment 1.0, 20/120 = 0.17 (its lead only), 0.0
    assert screen.passes(first, second).tolist() == [True, False, False]
    assert [screen.pair_passes(0, j) for j in (1, 2, 3)] == [True, False, False]
    passes, likely = screen.estimate(first, second)
    assert passes.tolist() == [True, True, False]  # the sidebar's needs counting
    assert likely.tolist() == [True, False, False]  # estimated containment about 1


def testshared_counts_are_exact_intersection_sizes() -> None:
    rng = np.random.default_rng(5)
    sets = [np.unique(rng.integers(0, 60, size=int(rng.integers(1, 40)))) for _ in range(12)]
    pairs = np.array([(i, j) for i in range(12) for j in range(12) if i < j and (i + j) % 3])
    expected = [len(np.intersect1d(sets[i], sets[j])) for i, j in pairs]
    assert shared_counts(pairs[:, 0], pairs[:, 1], sets).tolist() == expected


def test_screen_floor_is_four_standard_errors_below_the_threshold() -> None:
    assert screen_floor(0.8, 128) == pytest.approx(0.8 - 4 * (0.8 * 0.2 / 128) ** 0.5)
    assert screen_floor(0.8, 128) == pytest.approx(0.6586, abs=1e-4)
    assert screen_floor(1.0, 128) == 1.0


def _comparer(docs) -> Comparer:
    settings = DedupConfig(workers=1)
    read, prints, model = fingerprint(docs, settings.fingerprint_config(), engine=LocalEngine(1))
    return Comparer(read, prints, model, settings.match_config())


def test_a_page_whose_headline_was_cut_short_is_proposed_with_the_story_it_holds() -> None:
    # A page of a site seen once (chrome not learned): a header, the story's first
    # paragraphs, then a sidebar with another story's opening. Its headline, cut by a
    # word, is below the headline LSH's floor, and the story is a minority of the page:
    # only its opening proposes the pair.
    story, other = words("story", 120), words("other", 120)
    page = (f"{words('header', 70)}\n\n{words('story', 50)}\n\nLatest news\n\n"
            f"{words('other', 50)}\n\n{words('footer', 80)}")
    docs = [make_article("story", "Mt. Gox files for US bankruptcy", story, source="a"),
            make_article("other", "Gold rises as the dollar slips", other, source="b"),
            make_article("page", "Mt. Gox files for US", page, source="gazette")]
    # The sidebar's story opens inside the page too, under a headline the page's is not
    # near: not proposed.
    assert opening_in_page(_comparer(docs), np.arange(3)).tolist() == [[0, 2]]
    groups = deduplicate(docs, DedupConfig(workers=1)).groups
    assert sorted(sorted([g.kept.id, *(d.id for d in g.duplicates)]) for g in groups) == [
        ["other"], ["page", "story"]]
    # A one-word headline is inside any longer one that holds the word: no evidence.
    docs[0], docs[2] = (make_article("story", "Bond default", story, source="a"),
                        make_article("page", "Bond", page, source="gazette"))
    assert opening_in_page(_comparer(docs), np.arange(3)).tolist() == []
    # A long headline that a feed cut to its limit ("...") is less than half of it, but
    # its words are the other's first ones: no other story's headline opens that way.
    long = ("Ukrainian Foreign Minister Andrii Sybiha is urging NATO leaders to invite Ukraine "
            "to join the Western military alliance during a meeting in Brussels next week")
    docs[0] = make_article("story", long, story, source="a")
    docs[2] = make_article("page", "Ukrainian Foreign Minister Andrii Sybiha is urging NATO ...",
                           page, source="gazette")
    assert opening_in_page(_comparer(docs), np.arange(3)).tolist() == [[0, 2]]
    docs[2] = make_article("page", "Ukrainian Foreign Minister Andrii Sybiha is urging NATO",
                           page, source="gazette")
    assert opening_in_page(_comparer(docs), np.arange(3)).tolist() == []


def test_a_headline_a_feed_cut_proposes_the_bodies_whose_headline_it_opens() -> None:
    full = "Ukraine Pushes for NATO Invitation Amid Prolonged Conflict with Russia"
    docs = [make_article("full", full, words("story", 120), source="a"),
            make_article("cut", "Ukraine Pushes for NATO Invitation Amid Prolonged ...",
                         words("story", 40), source="b"),
            # Not marked as cut: a headline of its own, however alike; the cut one may
            # be either's (the bodies decide).
            make_article("own", "Ukraine Pushes for NATO Invitation Amid Prolonged War",
                         words("story", 40), source="c"),
            make_article("other", "Ukraine Pushes for NATO Invitation Amid Talks ...",
                         words("other", 40), source="d")]
    assert feed_cut_pairs(_comparer(docs), np.arange(4)).tolist() == [[0, 1], [1, 2]]


def test_a_copy_cut_under_a_headline_a_feed_cut_joins_its_story() -> None:
    from syndication import make_fixture

    # Default fixture, seed 165: sample 001 cut to its first paragraphs on a site whose
    # chrome (a sidebar of other stories) outweighs them, its headline cut to 60
    # characters (Jaccard 0.69 with the full one): no LSH proposes it with the story.
    fixture = make_fixture(165)
    docs = [make_article(r["id"], r["title"], r["text"], source=r["source"], url=r["url"])
            for r in fixture.records]
    assert docs[[d.id for d in docs].index("001-1")].title.endswith("Conflict ...")
    groups = deduplicate(docs, DedupConfig(workers=1)).groups
    of = {d.id: g.kept.id for g in groups for d in (g.kept, *g.duplicates)}
    assert of["001-1"] == of["001-0"]
