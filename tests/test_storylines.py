import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jsonschema
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from clusterer.dedup import deduplicate
from clusterer.evaluate import adjusted_rand, bcubed
from clusterer.evidence import NOISE, drop_site_themes, rescue_near, time_blocks
from clusterer.naming import _name_like, pick_keywords
from clusterer.readers import read_articles
from clusterer.records import DuplicateGroup
from clusterer.storylines import StorylineConfig, build_storylines

from conftest import ROOT, examples, make_article
from syndication import PAGES, UCI

SCHEMA = json.loads((ROOT / "clusterer" / "schemas" / "storylines.schema.json").read_text())


def _run(articles, config=None):
    deduped = deduplicate(articles)
    return build_storylines(deduped.groups, config, body_text=deduped.content_text)


def _gold(path):
    return {json.loads(line)["id"]: json.loads(line)["story"]
            for line in path.read_text().splitlines()}


def _labels(result):
    label = {}
    for story in result.storylines:
        for group in story.groups:
            for i in group.ids:
                label[i] = story.id
    for group in result.unclustered:
        for i in group.ids:
            label[i] = f"alone:{i}"  # each unclustered headline is its own singleton
    return label


@pytest.fixture(scope="module")
def uci():
    articles = list(read_articles([str(UCI)]))
    return articles, _gold(UCI), _run(articles)


def test_uci_dev_quality_with_defaults(uci):
    articles, gold, result = uci
    label = _labels(result)
    pred = [label[a.id] for a in articles]
    truth = [gold[a.id] for a in articles]
    _, _, f1 = bcubed(pred, truth)
    ari = adjusted_rand(pred, truth)
    # Measured 0.811 and 0.801 (2,000 real headlines, 33 Google News stories; 0.786 and
    # 0.773 before unclustered articles could join their closest members' storyline).
    assert f1 >= 0.80  # regression guard
    assert ari >= 0.79  # regression guard


def test_unrelated_real_pages_stay_apart():
    # 147 real pages of as many stories (one saved twice). Measured precision 0.973: the
    # storylines left are four pages about the AirAsia crash and two about one Ebola
    # patient (one story each, though labelled apart). The two pages of one site about
    # its committee meetings were one (0.966) before one-site storylines needed a word
    # beyond the site's vocabulary.
    articles = list(read_articles([str(PAGES)]))
    gold = _gold(PAGES)
    label = _labels(_run(articles))
    precision, recall, _ = bcubed([label[a.id] for a in articles], [gold[a.id] for a in articles])
    assert precision >= 0.97  # regression guard (0.707 before evidence was required)
    assert recall == 1.0  # the page saved twice is a storyline of its own


def test_pages_of_other_years_do_not_fragment_a_day_s_headlines(uci):
    # uci-dev's headlines (10-11 March 2014) among pages-dev's 147 pages (2009-2019):
    # the headlines' B-cubed recall measured 0.770 (0.743 when one SVD, fitted on
    # headlines and pages together, proposed the headlines' storylines); no page joins
    # a headline storyline.
    articles = uci[0] + list(read_articles([str(PAGES)]))
    gold = {**uci[1], **_gold(PAGES)}
    label = _labels(_run(articles))
    headlines = [a for a in articles if a.id.startswith("uci-")]
    _, recall, _ = bcubed([label[a.id] for a in headlines], [gold[a.id] for a in headlines])
    assert recall >= 0.76  # regression guard
    theirs = {label[a.id] for a in headlines}
    assert not [a.id for a in articles if not a.id.startswith("uci-") and label[a.id] in theirs]


def test_time_blocks_cut_at_gaps_wider_than_the_window_then_by_size():
    hours = np.array([0.0, 1.0, 2.0, 3.0, 100.0, 101.0, 300.0, np.nan])
    blocks = time_blocks(hours, 2, 72.0)
    assert [b.tolist() for b in blocks] == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert [b.tolist() for b in time_blocks(hours, 8, 72.0)] == [[0, 1, 2, 3], [4, 5], [6, 7]]
    assert [b.tolist() for b in time_blocks(hours, 8, 500.0)] == [list(range(8))]
    assert time_blocks(np.array([]), 8, 72.0) == []


def test_storylines_do_not_depend_on_input_order(uci, tmp_path):
    articles, _, result = uci
    shuffled = articles[:]
    random.Random(7).shuffle(shuffled)
    assert _run(shuffled).to_dict() == result.to_dict()


def test_make_corpus_dump_does_not_depend_on_input_order(tmp_path):
    import subprocess
    import sys

    dump = tmp_path / "dump.jsonl"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_corpus.py"), "600", str(dump),
                    "--seed", "1"], check=True, capture_output=True)
    lines = dump.read_text().splitlines()
    random.Random(3).shuffle(lines)
    shuffled = tmp_path / "shuffled.jsonl"
    shuffled.write_text("\n".join(lines) + "\n")
    first = _run(list(read_articles([str(dump)]))).to_dict()
    assert first["stats"]["storylines"] > 0
    assert _run(list(read_articles([str(shuffled)]))).to_dict() == first


def test_articles_in_different_languages_never_share_a_storyline():
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    english = ["Spain's parliament approves the amnesty law for Catalan separatists today",
               "Amnesty law for Catalan separatists approved by Spain's parliament on Thursday",
               "Catalan separatists win amnesty as Spain's parliament approves the law"]
    spanish = ["El Congreso de España aprueba la ley de amnistía para los independentistas catalanes",
               "La ley de amnistía para los independentistas catalanes aprobada por el Congreso",
               "Los independentistas catalanes logran la amnistía: el Congreso aprueba la ley"]
    groups = [DuplicateGroup(kept=make_article(f"{lang}{i}", title, title,
                                               published=start + timedelta(hours=i)))
              for lang, titles in (("en", english), ("es", spanish))
              for i, title in enumerate(titles)]
    result = build_storylines(groups)
    members = sorted(sorted(g.kept.id for g in s.groups) for s in result.storylines)
    assert members == [["en0", "en1", "en2"], ["es0", "es1", "es2"]]
    spanish_story = next(s for s in result.storylines if s.groups[0].kept.id.startswith("es"))
    assert not {"el", "la", "de", "los", "para", "por"} & set(" ".join(spanish_story.keywords).split())


def test_keywords_hold_no_word_beside_a_pair_holding_it():
    assert pick_keywords(["hong", "hong kong", "kong", "protest", "china"], 3) == (
        "hong kong", "protest", "china")
    assert pick_keywords(["hong kong", "hong", "kong", "protest"], 6) == ("hong kong", "protest")
    # A pair whose words chosen pairs already show adds nothing; words alone do not count.
    assert pick_keywords(["apple releases", "ios update", "apple ios", "carplay"], 3) == (
        "apple releases", "ios update", "carplay")
    assert pick_keywords(["hong", "kong", "hong kong", "protest"], 3) == ("hong kong", "protest")


def test_names_are_told_by_capitals_past_the_first_word():
    titles = ["Stocks: Hong Kong shares fall on China data",
              "Asian markets slide as Hong Kong shares drop",
              "Investors sell shares in hong kong"]
    assert _name_like(["hong kong", "shares", "china", "stocks"], titles) == [
        True, False, True, False]


def test_representative_headline_is_complete():
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    titles = ["Fed holds interest rates steady as inflation cools and ...",
              "Fed holds interest rates steady as inflation cools",
              "Fed holds interest rates steady, inflation cools, markets rally"]
    groups = [DuplicateGroup(kept=make_article(f"a{i}", title, "",
                                               published=start + timedelta(hours=i)))
              for i, title in enumerate(titles)]
    story = build_storylines(groups).storylines[0]
    assert story.headline == titles[1]  # the cut one continues it: it is not cut itself


def test_a_headline_that_is_page_chrome_names_no_storyline():
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    story = ("The central bank held interest rates steady on Wednesday as inflation cooled "
             "for a third month and officials signalled cuts later this year.")
    titles = ["Interest Rates News And Updates", "Fed holds interest rates steady as inflation cools",
              "Central bank keeps rates on hold, signals cuts later this year"]
    groups = [DuplicateGroup(kept=make_article(f"a{i}", title, story + f" Report {i}.",
                                               published=start + timedelta(hours=i)),
                             duplicates=tuple(make_article(f"a{i}-{k}", title, story)
                                              for k in range(31 if i == 0 else 0)))
              for i, title in enumerate(titles)]
    # Carried by 31 sites more, the chrome headline would win by syndication.
    assert build_storylines(groups).storylines[0].headline == titles[0]
    chosen = build_storylines(groups, chrome_title=lambda a: a.title == titles[0])
    assert [g.kept.id for g in chosen.storylines[0].groups][0] == "a0"  # still the most central
    assert chosen.storylines[0].headline == titles[2]


def test_uci_json_validates_and_lists_every_id_once(uci):
    articles, _, result = uci
    document = result.to_dict()
    jsonschema.validate(document, SCHEMA)
    assert sorted(_ids(document)) == sorted(a.id for a in articles)
    assert document["stats"]["articles"] == len(articles)


def _ids(document):
    entries = [a for s in document["storylines"] for a in s["articles"]] + document["unclustered"]
    return [e["id"] for e in entries] + [d for e in entries for d in e["duplicates"]]


# In five short articles about Ukraine and NATO, the closest pair (001 and 002) has a
# TF-IDF cosine of 0.151: under the default evidence asked of a pair (1.5 x 0.15), over
# that of --similarity 0.1.
LENIENT = StorylineConfig(similarity=0.1)


def test_samples_make_no_storyline_by_default(sample_articles):
    result = _run(sample_articles)
    assert result.storylines == []
    assert len(result.unclustered) == 5


def test_samples_001_and_002_share_a_storyline(sample_articles):
    result = _run(sample_articles, LENIENT)
    assert len(result.storylines) == 1
    story = result.storylines[0]
    members = sorted(g.kept.id for g in story.groups)
    assert members == ["001_c53f92eaafb8e6c3", "002_19fc496d41bd9699"]
    assert story.headline in {a.title for a in sample_articles}
    # "Russia", a name in the headlines, comes before "conflict russia" (which would take
    # its place if it came first).
    assert story.keywords == ("sybiha", "ukraine", "russia", "nato", "foreign", "invitation")
    assert sorted(g.kept.id for g in result.unclustered) == [
        "000_572e8aadae5dc2a1", "003_0256ba80296706a5", "004_067f50a622b83cf2"]


def test_an_article_carried_by_several_sites_is_a_storyline_of_its_own(sample_articles):
    original = sample_articles[3]
    copy = make_article("003-copy", original.title, original.text, source="elsewhere")
    result = _run([*sample_articles, copy])
    assert [(sorted(s.representative.ids), s.size, len(s.groups)) for s in result.storylines] \
        == [(["003-copy", original.id], 2, 1)]
    assert len(result.unclustered) == 4
    # Unless the smallest storyline asked for is larger than the article's copies.
    assert _run([*sample_articles, copy], StorylineConfig(min_size=3)).storylines == []


def test_output_is_deterministic_and_independent_of_order(sample_articles):
    first = json.dumps(_run(sample_articles, LENIENT).to_dict())
    assert first == json.dumps(_run(sample_articles, LENIENT).to_dict())
    reordered = _run(list(reversed(sample_articles)), LENIENT).to_dict()
    assert [s["id"] for s in reordered["storylines"]] == [s["id"] for s in json.loads(first)["storylines"]]


def test_far_apart_in_time_do_not_share_a_storyline():
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    text = "NATO foreign ministers meet in Brussels to discuss Ukraine membership invitation"
    groups = [DuplicateGroup(kept=make_article(f"a{i}", f"{text} {i}", published=start + delta))
              for i, delta in enumerate([timedelta(0), timedelta(hours=5), timedelta(days=30),
                                         timedelta(days=30, hours=2)])]
    result = build_storylines(groups)
    assert sorted(sorted(g.kept.id for g in s.groups) for s in result.storylines) == [
        ["a0", "a1"], ["a2", "a3"]]
    wide = build_storylines(groups, StorylineConfig(window_hours=24 * 60))
    assert [len(s.groups) for s in wide.storylines] == [4]


def test_size_counts_copies_and_representative_prefers_the_centre(sample_articles):
    result = _run(sample_articles, LENIENT)
    story = result.storylines[0]
    assert story.size == 2
    assert story.representative.kept.id == story.groups[0].kept.id


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"min_cluster_size": 1}, "min_cluster_size must be in [2, 1000], got 1"),
    ({"similarity": 1.5}, "similarity must be in [0.0, 1.0], got 1.5"),
    ({"window_hours": 0}, "window_hours must be in (0.0, inf), got 0"),
    ({"keywords": 0}, "keywords must be in [1, 50], got 0"),
])
def test_config_validation(kwargs, message):
    with pytest.raises(ValueError) as info:
        StorylineConfig(**kwargs)
    assert str(info.value) == message


_WORDS = st.sampled_from(["nato", "ukraine", "fed", "taper", "apple", "ios", "gas", "prices",
                          "bitcoin", "gox", "the", "and"])


@pytest.mark.fuzz
@examples(20)
@given(st.lists(st.tuples(st.lists(_WORDS, min_size=1, max_size=8),
                          st.lists(_WORDS, max_size=30)), min_size=1, max_size=25))
def test_every_id_appears_exactly_once(rows):
    articles = [make_article(f"id{i}", " ".join(title), " ".join(body))
                for i, (title, body) in enumerate(rows)]
    document = _run(articles).to_dict()
    jsonschema.validate(document, SCHEMA)
    assert sorted(_ids(document)) == sorted(a.id for a in articles)


def test_schema_file_is_a_valid_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert Path(ROOT / "clusterer" / "schemas" / "storylines.schema.json").is_file()


def test_rescue_in_small_chunks_gives_the_same_storylines(uci, monkeypatch):
    import clusterer.evidence as evidence

    articles, _, result = uci
    monkeypatch.setattr(evidence, "_CHUNK_CELLS", 100)  # a few articles at a time
    assert _run(articles).to_dict() == result.to_dict()


def _near_case(rows, words, hours=None):
    tfidf = sp.csr_matrix(np.array(rows, dtype=np.float64))
    tfidf = sp.csr_matrix(tfidf.multiply(1 / np.sqrt(tfidf.multiply(tfidf).sum(axis=1))))
    titles = sp.csr_matrix(np.array(words, dtype=np.float32))
    hours = np.zeros(len(rows)) if hours is None else np.array(hours, dtype=np.float64)
    return (tfidf, titles), hours


def test_unclustered_article_joins_the_storyline_of_its_two_closest_members():
    # Storyline 7: three articles on terms 0-3; the fourth article shares terms with two
    # of them (cosine 0.5 each: 0.5 >= 2 x 0.15) and a headline word; the fifth shares
    # a headline word but no term; the sixth is close but shares no headline word.
    evidence, hours = _near_case(
        [[1, 1, 0, 0, 0], [1, 0, 1, 0, 0], [0, 1, 1, 1, 0], [1, 1, 1, 1, 0],
         [0, 0, 0, 0, 1], [1, 1, 1, 1, 0]],
        [[1, 0], [1, 0], [1, 0], [1, 0], [1, 0], [0, 1]])
    labels = np.array([7, 7, 7, NOISE, NOISE, NOISE])
    out = rescue_near(evidence, hours, labels, StorylineConfig())
    assert out.tolist() == [7, 7, 7, 7, NOISE, NOISE]


def test_closest_members_must_be_within_the_window():
    evidence, hours = _near_case([[1, 1, 0], [1, 0, 1], [1, 1, 1]], [[1], [1], [1]],
                                 hours=[0.0, 1.0, 500.0])
    labels = np.array([3, 3, NOISE])
    assert rescue_near(evidence, hours, labels, StorylineConfig()).tolist() == [3, 3, NOISE]
    assert rescue_near(evidence, hours, labels, StorylineConfig(window_hours=600)
                        ).tolist() == [3, 3, 3]


def test_closest_members_need_twice_the_similarity_on_average():
    # Cosines with the two members: 0.5 and 0.5 for the third article; 0.71 and 0 for
    # the fourth, whose closest member alone would pass at 0.3.
    evidence, hours = _near_case([[1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 1, 0], [1, 0, 0, 0]],
                                 [[1], [1], [1], [1]])
    labels = np.array([0, 0, NOISE, NOISE])
    assert rescue_near(evidence, hours, labels, StorylineConfig(similarity=0.24)
                        ).tolist() == [0, 0, 0, NOISE]  # 0.5 >= 0.48 > 0.35
    assert rescue_near(evidence, hours, labels, StorylineConfig(similarity=0.3)
                        ).tolist() == [0, 0, NOISE, NOISE]


def test_a_one_site_storyline_needs_a_word_beyond_the_site_s_vocabulary():
    # Headline words: 0 "committee", 1 "meetings", 2 "budget", 3 "ukraine".
    titles = sp.csr_matrix(np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0],
                                     [0, 0, 0, 1], [0, 0, 0, 1]], dtype=np.float32))
    labels = np.array([0, 0, NOISE, 1, 1])
    one = frozenset({"wnet"})
    # Both of wnet's storyline pages share only words in more than half of its headlines
    # (2 of 3); the second storyline is told by two sites.
    sites = [one, one, one, frozenset({"a"}), frozenset({"b"})]
    assert drop_site_themes(titles, sites, labels).tolist() == [NOISE, NOISE, NOISE, 1, 1]
    # With two more wnet pages on other things, "committee" is in 2 of 5 of its headlines.
    titles5 = sp.vstack([titles, sp.csr_matrix(np.array([[0, 0, 1, 0]] * 2, dtype=np.float32))])
    five = drop_site_themes(titles5.tocsr(), [*sites, one, one], np.array([*labels, NOISE, NOISE]))
    assert five.tolist() == [0, 0, NOISE, 1, 1, NOISE, NOISE]
    # Copies on another site make it a storyline of two sites; unknown sites never count.
    assert drop_site_themes(titles, [one, frozenset({"wnet", "b"}), one, *sites[3:]],
                            labels).tolist() == [0, 0, NOISE, 1, 1]
    assert drop_site_themes(titles, [frozenset({""})] * 3 + sites[3:],
                            labels).tolist() == [0, 0, NOISE, 1, 1]


def test_articles_still_alone_are_judged_again_against_storylines_merged_on_neighbours():
    from sklearn.preprocessing import normalize

    from clusterer.evidence import attach
    from clusterer.storylines import join_and_merge

    # Storylines 0 and 1 (word 0 and a word of each article's own) merge on mutual
    # neighbours. The last article holds words 1 and 3 at 0.515 beside one of its own:
    # a cosine of 0.170 with each storyline's centroid (below 0.15 x 1.25 for a
    # storyline of two) and 0.186 with the merged one (above 0.15 x 1.125).
    eye = np.eye(6)
    dense = [eye[k] + eye[0] for k in range(1, 5)] + [eye[5] + 0.515 * (eye[1] + eye[3])]
    evidence = (normalize(sp.csr_matrix(np.array(dense))), sp.csr_matrix(np.ones((5, 1))))
    labels = np.array([0, 0, 1, 1, NOISE])
    hours = np.zeros(5)
    assert attach(evidence, np.ones(5), hours, labels, StorylineConfig()).tolist() == \
        labels.tolist()
    assert join_and_merge(evidence, np.ones(5), hours, labels, StorylineConfig()).tolist() == \
        [0, 0, 0, 0, 0]
