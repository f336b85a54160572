from collections import Counter

import pytest

from clusterer.headlines import articles_numbers_differ, distinctive_tokens, numbers_differ
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
