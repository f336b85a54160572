import orjson
import pytest
from typer.testing import CliRunner

from clusterer.cli import app
from clusterer.errors import UsageError
from clusterer.explain import Step, explain

from conftest import make_article, words

HEADLINE = "Liverpool sign Andy Carroll from Newcastle for a club record fee"



def _dump():
    full = make_article("full", "Full story", words("story", 100), source="A")
    # A short copy (37 shingles) carries the story's headline, cut: where its headline
    # is another's, its body alone says too little (weaklinks.BodyJoin).
    abridged = make_article("abridged", "Full", words("story", 40), source="B")
    page = make_article("page", "Another story",
                        f"{words('own', 40)}\n\nLatest news\n\n{words('story', 60)}", source="D")
    return [full, abridged, page]


def test_an_abridged_copy_is_contained():
    run = explain(_dump(), "full", "abridged")
    assert run.copies and run.match.kind == "containment" and run.match.similarity == 1.0
    assert run.path == (Step("full", "abridged", "containment", 1.0),)
    assert run.shared == (words("story", 40),)
    assert run.reasons == ("a match: containment (the smaller text inside the other) 1.00 ≥ 0.70 "
                           "(37 of 97 and 37 shingles shared)",)


def test_copies_joined_through_another_copy_show_the_chain():
    # Two versions of one story (60% of the text shared: below the threshold, but not
    # clearly different) and a headline-only item that carries their headline.
    docs = [make_article("first", HEADLINE, words("story", 100)),
            make_article("second", HEADLINE, words("story", 60) + " " + words("new", 40)),
            make_article("item", HEADLINE)]
    run = explain(docs, "first", "second")
    # Word coverage (the same headline): 60 of the 100 words in one stretch, < 0.70.
    assert run.copies and not run.match.copy and run.match.kind == "coverage"
    assert [(s.source, s.target, s.kind) for s in run.path] == [
        ("first", "item", "headline"), ("item", "second", "headline")]
    assert run.reasons[-1] == "joined through other copies: first → item → second"


def test_a_short_text_inside_two_different_articles_joins_neither():
    # The abridged lead is inside `full` and inside `extended`, which share nothing
    # else: it cannot say which it belongs to.
    # The abridged part, then text of its own: `abridged` lies inside it, not `full`.
    extended = make_article("extended", "Full story", words("story", 40) + " " + words("new", 60),
                            source="C")
    run = explain([*_dump(), extended], "abridged", "extended")
    assert run.match.copy and not run.copies
    assert run.reasons[-1] == (
        "a containment match is a weak link: it joins the group it matches best, and none "
        "where it matches groups whose bodies clearly differ equally well")


def test_a_sidebar_carrying_the_story_is_not_a_copy():
    run = explain(_dump(), "abridged", "page")
    assert not run.copies and run.match.kind == "jaccard" and run.path == ()
    assert run.reasons[1] == ("containment is 1.00, but the shared text starts 42 words into B, "
                              "after its own text: a sidebar carrying the other story, not a copy")


def test_a_headline_match_that_would_bridge_two_bodies_is_explained():
    docs = [make_article("first", HEADLINE, words("alpha", 80)),
            make_article("second", HEADLINE, words("omega", 80)),
            make_article("item", HEADLINE)]
    run = explain(docs, "item", "first")
    assert run.match.copy and not run.copies and run.headline_only == (True, False)
    assert run.reasons == (
        "a match: Jaccard similarity of the headlines 1.00 ≥ 0.80 (61 of 61 and 61 shingles shared)",
        "A is compared by its headline: it has fewer than 30 words of body once chrome is left out",
        "a headline match is a weak link: it joins the group it matches best, and none where "
        "it matches groups whose bodies clearly differ equally well",
    )


def test_unknown_id_is_a_usage_error():
    with pytest.raises(UsageError, match="no article has the id 'nope' in the input"):
        explain(_dump(), "full", "nope")


def test_cli_explain_prints_the_verdict_and_json(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b"".join(orjson.dumps(a.fields) + b"\n" for a in _dump()))
    runner = CliRunner()
    result = runner.invoke(app, ["explain", str(feed), "full", "abridged", "-q"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "copies: full and abridged"
    assert lines[1] == f"  A: Full story (A, full text)  {feed}:1"
    assert "Shared text (1 passage, 40 words):" in lines
    result = runner.invoke(app, ["explain", str(feed), "full", "page", "--json", "-q"])
    document = orjson.loads(result.stdout)
    assert (document["a"], document["b"], document["copies"]) == ("full", "page", False)
    assert document["match"]["kind"] == "jaccard"
    result = runner.invoke(app, ["explain", str(feed), "full", "missing", "-q"])
    assert result.exit_code == 1
    assert result.stderr == ("Error: no article has the id 'missing' in the input; give ids as "
                             "the dedup output lists them\n")


def test_a_short_text_under_another_headline_is_explained():
    docs = [make_article("full", "Full story", words("story", 100), source="A"),
            make_article("short", "Lottery results", words("story", 40), source="B")]
    run = explain(docs, "full", "short")
    assert run.match.copy and not run.copies
    assert run.reasons[-1] == (
        "but the smaller text is short (37 shingles) and the headlines do not come near: a "
        "short text joins another only where the headlines come near too")


def test_a_story_inside_a_page_of_long_chrome_is_explained():
    page = f"{words('header', 70)}\n\n{words('story', 50)}\n\n{words('footer', 150)}"
    docs = [make_article("full", HEADLINE, words("story", 100), source="A"),
            make_article("page", f"{HEADLINE} | Gazette", page, source="Gazette")]
    run = explain(docs, "full", "page")
    assert run.copies and run.match.kind == "inside" and run.match.before == (0, 70)
    assert run.path == (Step("full", "page", "inside", 1.0),)
    assert run.reasons[0] == (
        "a match: the share of one text's opening found in one stretch of the other (a story "
        "inside a page of chrome, under nearly the same headline) 1.00 ≥ 0.70 (47 of 97 and "
        "267 shingles shared)")
