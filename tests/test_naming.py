import pytest

from clusterer.language import stop_words
from clusterer.naming import reads_like_news, representative
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
