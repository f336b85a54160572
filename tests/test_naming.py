import pytest

from clusterer.language import stop_words
from clusterer.naming import (
    dangling_words,
    group_headline,
    reads_like_news,
    representative,
    shared_titles,
)
from clusterer.records import DuplicateGroup

from conftest import make_article


@pytest.mark.parametrize("title", [
    "Should we get involved in Ukraine?",
    "Spritz: 5 Things to Know About New Speed Reading App",
    "Why the Fed will not slow the taper",
    "Opinion: A Recall Bares GM's Love of Red Tape",
    "ANALYSIS: Europe's gas problem",
    "Live: Ukraine crisis updates",
    "You Can Now AirPlay to the Apple TV",
    "What I learned from selling my shares",
])
def test_questions_columns_lists_and_first_person_do_not_read_like_news(title):
    assert not reads_like_news(title)


@pytest.mark.parametrize("title", [
    "Mt Gox files US bankruptcy, opponents call it a ruse",
    "Apple releases iOS 7.1 featuring CarPlay",
    "Ukraine, Russia And The Nonexistent US Oil And Natural Gas",
    "Youth unemployment falls in Ireland",  # "you" only inside a word
    "Whyte named new coach",  # "why" only inside a word
])
def test_reports_read_like_news(title):
    assert reads_like_news(title)


def _group(i, title, copies=0):
    kept = make_article(f"a{i}", title, "")
    return DuplicateGroup(kept=kept, duplicates=tuple(
        make_article(f"a{i}-{k}", title, "") for k in range(copies)), similarities=())


def test_representative_prefers_a_report_to_a_more_central_question():
    ranked = [_group(0, "Should we get involved in Ukraine?"),
              _group(1, "EU leaders weigh sanctions on Russia over Crimea"),
              _group(2, "Ukraine crisis deepens as Russia moves troops")]
    chosen = representative(ranked, [0.9, 0.8, 0.7], stop_words("en"))
    assert chosen.kept.id == "a1"


def test_representative_is_complete_before_it_reads_like_news():
    ranked = [_group(0, "Russia moves troops into Crimea as EU leaders ..."),
              _group(1, "Why Russia wants Crimea")]
    assert representative(ranked, [0.9, 0.1], stop_words("en")).kept.id == "a1"


def _copies(i, title, titles):
    kept = make_article(f"a{i}", title, "")
    return DuplicateGroup(kept=kept, duplicates=tuple(
        make_article(f"a{i}-{k}", t, "") for k, t in enumerate(titles)), similarities=())


def test_representative_is_never_page_chrome_while_a_member_has_a_headline():
    ranked = [_group(0, "Latest News and Updates", copies=7),
              _group(1, "Ukraine crisis deepens as Russia moves troops")]
    chrome = lambda group: group.kept.id == "a0"  # noqa: E731
    assert representative(ranked, [0.9, 0.1], dangling_words("en"), chrome).kept.id == "a1"
    assert representative(ranked, [0.9, 0.1], dangling_words("en")).kept.id == "a0"
    alone = [_group(0, "News Feed")]  # nothing else to name it by
    assert representative(alone, [1.0], dangling_words("en"), chrome).kept.id == "a0"


def test_a_headline_a_member_or_copy_continues_is_cut():
    # A feed cut the last word off ("… An Inside"); a copy holds the whole headline.
    ranked = [_copies(0, "The Bitcoin Heist May Have Been An Inside",
                      ["The Bitcoin Heist May Have Been An Inside Job"]),
              _group(1, "Bitcoin exchange files for bankruptcy protection in Tokyo")]
    assert representative(ranked, [0.9, 0.1], dangling_words("en")).kept.id == "a1"
    # More than two words short is another headline, not a cut one.
    ranked = [_group(0, "Mt Gox files for bankruptcy"),
              _group(1, "Mt Gox files for bankruptcy in US court today")]
    assert representative(ranked, [0.9, 0.1], dangling_words("en")).kept.id == "a0"


@pytest.mark.parametrize(("title", "complete"), [
    ('Microsoft: Titanfall could be a "game changer" for Xbox One', True),  # "one" is a stop word
    ("Fed says the taper is done", True),
    ("GM recall probe widens as", False),
    ("GM recall probe widens and ...", False),
    ("GM recall probe widens and \u2026", False),
    ("GM recall probe widens after the deaths of 13 drivers\u2026", False),
    ("GM recall probe widens in", False),
])
def test_only_function_words_leave_a_headline_cut(title, complete):
    ranked = [_group(0, title), _group(1, "Why the Fed holds rates")]
    assert (representative(ranked, [0.9, 0.1], dangling_words("en")).kept.id == "a0") is complete


def test_capitals_wire_prefixes_names_and_paragraphs_rank_after_plain_headlines():
    plain = _group(9, "Chiquita and Fyffes merge to create banana giant")
    for title in ("GM HIRES LAW FIRMS TO PROBE RECALL RESPONSE",
                  "UPDATE 2-Chiquita and Fyffes merge to create banana giant",
                  "GLOBAL MARKETS-World stocks fall on weak China data",
                  "Snowden Inc.",
                  " ".join(["word"] * 31)):
        ranked = [_group(0, title), plain]
        assert representative(ranked, [0.9, 0.1], dangling_words("en")).kept.id == "a9", title
    nato = _group(0, "NATO-Russia council meets in Brussels on troops")  # no wire prefix
    assert representative([nato, plain], [0.9, 0.1], dangling_words("en")).kept.id == "a0"


def test_a_headline_many_pages_of_one_site_carry_across_storylines_is_shared():
    def article(i, title, source):
        return DuplicateGroup(kept=make_article(f"p{i}", title, "", source=source))

    groups = [article(0, "Business News", "herald"), article(1, "Business news", "herald"),
              article(2, "Business News", "Herald"), article(3, "Business News", "times"),
              article(4, "Fed holds rates", "herald")]
    assert shared_titles(groups, [0, 0, 1, 1, 0], -1) == {"p0", "p1", "p2"}
    assert shared_titles(groups, [0, 0, -1, 1, 0], -1) == {"p0", "p1", "p2"}
    assert shared_titles(groups, [0, 0, 0, 1, 0], -1) == set()  # one storyline: its headline
    assert shared_titles(groups[:2] + groups[3:], [0, 1, 1, 0], -1) == set()  # two pages only
    # Three sites under one headline: one story's copies that dedup kept apart.
    spread = [article(k, "Fed holds rates", f"site {k}") for k in range(3)]
    assert shared_titles(spread, [0, 1, -1], -1) == set()


def test_a_group_is_named_by_a_copy_s_whole_headline_where_its_kept_one_is_cut():
    # syndication+other, seed 1: the kept article's feed cut its headline; a copy holds it.
    cut = "Chromecast sales number in the millions according to Sundar ..."
    whole = "Chromecast sales number in the millions according to Sundar Pichai"
    group = _copies(0, cut, [cut, whole])
    assert group_headline(group) == whole
    # Plainly written first: not in capitals, without a wire prefix; then the kept one's.
    wire = _copies(1, "UPDATE 2-US says Ukraine is on a path to NATO membership",
                   ["US SAYS UKRAINE IS ON A PATH TO NATO MEMBERSHIP",
                    "US says Ukraine is on a path to NATO membership"])
    assert group_headline(wire) == "US says Ukraine is on a path to NATO membership"
    assert group_headline(_copies(2, "Fed holds rates", ["Fed keeps rates on hold"])) == \
        "Fed holds rates"
    # That headline is the one the group is judged and the storyline named by.
    ranked = [group, _group(1, "Why Chromecast sold")]
    assert representative(ranked, [0.9, 0.1], dangling_words("en")).kept.id == "a0"
