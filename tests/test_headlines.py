from collections import Counter

import pytest

from clusterer.headlines import articles_numbers_differ, distinctive_tokens, feed_cut, numbers_differ
from clusterer.normalize import title_tokens

from conftest import make_article


def test_distinctive_tokens_are_numbers_and_months():
    tokens = title_tokens("Stocks to watch (Jan 03), 3rd day: 1.75 pct lower in September")
    assert distinctive_tokens(tokens) == Counter({"jan": 1, "3": 2, "1": 1, "75": 1, "sep": 1})


def test_may_is_not_a_month():
    assert distinctive_tokens(title_tokens("Fed may hold rates")) == Counter()


@pytest.mark.parametrize(("a", "b", "differ"), [
    ("Liverpool sign Andy Carroll (13)", "Liverpool sign Andy Carroll (65)", True),
    ("Stocks to watch (Jan 3)", "Stocks to watch (Jan 4)", True),
    ("Stocks to watch (Jan 3)", "Stocks to watch (Feb 3)", True),
    ("Stocks to watch (January 3)", "STOCKS TO WATCH (JAN 3)", False),
    ("Lottery results", "Lottery results 12 March", False),
    ("Goldman sees 24% rally (1)", "Goldman sees 24% rally", False),
    ("Goldman sees 24% rally (1)", "Goldman sees 25% rally", True),
    ("Merger deal -- 2nd Update", "Merger deal -- 3rd Update", False),
    ("Merger deal - update 2", "Merger deal - update 3", False),
    ("UPDATE 2-Fed holds rates", "Fed holds rates", False),
    ("Fed holds rates", "Fed keeps rates on hold", False),
])
def test_numbers_differ(a, b, differ):
    assert numbers_differ(title_tokens(a), title_tokens(b)) is differ


def test_numbers_in_a_source_name_do_not_count():
    a = make_article("a", "Storm hits coast | Channel 4 News", source="Channel 4 News")
    b = make_article("b", "Storm hits coast", source="Herald")
    c = make_article("c", "Storm hits coast (2)", source="Herald")
    d = make_article("d", "Storm hits coast (3) | Channel 4 News", source="Channel 4 News")
    assert not articles_numbers_differ(a, b)
    assert not articles_numbers_differ(a, c)
    assert articles_numbers_differ(c, d)


def test_an_article_with_a_body_differs_from_a_headline_with_numbers_it_lacks():
    series = make_article("a", "Stocks to watch (Jan 3)")
    cut = make_article("b", "Stocks to watch", text="A body of its own with many more words.")
    feed_item = make_article("c", "Stocks to watch")
    older = make_article("d", "Stocks to watch (Jan)", text="Another body of its own.")
    assert articles_numbers_differ(series, cut)
    assert articles_numbers_differ(cut, series)
    assert not articles_numbers_differ(series, feed_item)
    assert articles_numbers_differ(series, older)
    assert not articles_numbers_differ(series, make_article("e", "STOCKS TO WATCH (JAN 3)",
                                                            text="Its body."))


@pytest.mark.parametrize(("short", "full", "cut"), [
    # As a real feed cut it (uci-dev), and an "UPDATE 1-" copy of the full one.
    ("Mt. Gox files for US bankruptcy to halt class...",
     "Mt. Gox files for US bankruptcy to halt class action", True),
    ("Mt. Gox files for US bankruptcy to halt class...",
     "UPDATE 1-Mt. Gox files for US bankruptcy to halt class action", True),
    ("Fed official says weak data caused by wea\u2026",  # cut within a word, "…"
     "Fed official says weak data caused by weather, should not slow taper", True),
    ("Mt. Gox files for US bankruptcy",  # not marked: a headline of its own
     "Mt. Gox files for US bankruptcy as hackers publish company records", False),
    ("Mt. Gox files for Japan bankruptcy ...",  # not the other's words
     "Mt. Gox files for US bankruptcy as hackers publish company records", False),
    # A republisher's affix after the mark: what the feed left is before it.
    ("Mt. Gox Seeks US Court Protection During Japan ... - Harbor Gazette 12-3",
     "Mt. Gox Seeks US Court Protection During Japan Bankruptcy (2)", True),
    ("Mt. Gox Seeks US Court... Protection During Japan Bankruptcy",  # no cut: words follow
     "Mt. Gox Seeks US Court Protection During Japan Bankruptcy (2)", False),
    ("What's ...", "What's News\u2014", False),  # no length limit cuts to a word or two
    ("Titanfall review ...", "Titanfall review round-up: SimCity taught reviewers", False),
])
def test_feed_cut(short, full, cut):
    assert feed_cut(short, full) is cut
    assert feed_cut(full, short) is cut


def test_a_headline_a_feed_cut_before_its_number_does_not_differ():
    full = make_article("a", "China shares extend losses after weak macro data, CSI300 down 3 per cent",
                        text="Its body.")
    cut = make_article("b", "China shares extend losses after weak macro data, CSI300 ...",
                       text="A body of its own.")
    assert not articles_numbers_differ(full, cut)
    assert not articles_numbers_differ(cut, full)
    assert not articles_numbers_differ(full, make_article(
        "d", "China shares extend losses after weak macro data, CSI300 ... - Site 4 News",
        text="A body."))
    # Not marked as cut: the body's side lacks the number, as before.
    assert articles_numbers_differ(full, make_article(
        "c", "China shares extend losses after weak macro data, CSI300", text="A body."))
