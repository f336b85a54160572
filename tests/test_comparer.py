import numpy as np
import pytest

from clusterer.comparer import Comparer, headlines_close
from clusterer.dedup import DedupConfig, deduplicate
from clusterer.engine import LocalEngine
from clusterer.fingerprint import fingerprint
from clusterer.records import Match

from conftest import make_article, words


def _comparer(docs, **config) -> Comparer:
    settings = DedupConfig(**config)
    read, prints, model = fingerprint(docs, settings.fingerprint_config(), engine=LocalEngine(1))
    return Comparer(read, prints, model, settings.match_config())


def _substituted(words: str, at: tuple[int, ...]) -> str:
    out = words.split()
    for k in at:
        out[k] = f"edited{k}"
    return " ".join(out)


_HEADER = words("header", 70)
_FOOTER = words("footer", 150)


def test_compare_names_the_rule_that_decided() -> None:
    story = words("story", 100)
    docs = [
        make_article("full", "Full story", story),
        make_article("same", "Other headline", story),  # same content
        make_article("abridged", "Abridged", words("story", 40)),  # its first 40 words
        make_article("rewritten", "Rewritten", words("story", 50) + " " + words("new", 60)),
        make_article("linked", "Linked", words("other", 80), url="https://a.example/x"),
        make_article("linked2", "Linked too", words("else", 80), url="https://a.example/x"),
        make_article("h1", "Markets rally as central bank holds rates steady", ""),
        make_article("h2", "Markets rally as central bank holds rates steady again", ""),
    ]
    comparer = _comparer(docs)
    assert comparer.compare(0, 1) == Match("exact", 1.0, 1.0, True)
    contained = comparer.compare(0, 2)
    assert (contained.kind, contained.similarity, contained.copy) == ("containment", 1.0, True)
    assert contained.before == (0, 0) and contained.shared == 37 and contained.sizes == (97, 37)
    partial = comparer.compare(0, 3)  # 47 of 97 and 107 shingles: containment 0.44 < 0.7
    assert (partial.kind, partial.copy) == ("containment", False)
    assert partial.similarity == pytest.approx(47 / 97)
    by_url = comparer.compare(4, 5)
    assert (by_url.kind, by_url.threshold, by_url.copy, by_url.similarity) == ("url", 1.0, True, 0.0)
    headline = comparer.compare(6, 7)
    assert headline.kind == "headline" and headline.threshold == 0.8
    assert headline.copy == (headline.similarity >= 0.8) and 0.8 < headline.similarity < 1.0
    assert comparer.compare(0, 6).kind == "headline"  # either side headline-only
    assert comparer.compare(0, 2).copy and not comparer.compare(0, 3).copy


def test_compare_uses_jaccard_below_the_containment_size() -> None:
    docs = [make_article("a", "A", words("w", 100)), make_article("b", "B", words("w", 30))]
    small = _comparer(docs, min_containment_shingles=27).compare(0, 1)
    assert (small.kind, small.similarity) == ("containment", 1.0)
    large = _comparer(docs, min_containment_shingles=28).compare(0, 1)  # 27 shingles in b
    assert large.kind == "jaccard" and large.similarity == pytest.approx(27 / 97)
    assert large.before == (None, None)


def test_compare_reports_where_a_sidebar_shares_the_text() -> None:
    lead = words("lead", 60)
    docs = [make_article("copy", "X", lead, source="site-a"),
            make_article("page", "Y", f"{words('own', 40)}\n\nLatest news\n\n{lead}",
                         source="site-b")]
    match = _comparer(docs).compare(0, 1)
    assert (match.kind, match.copy) == ("jaccard", False)
    assert match.before == (0, 42)  # the shared lead starts 42 words (shingles) into the page
    assert match.shared == 57


def test_compare_covers_a_short_copy_with_a_few_edited_words() -> None:
    story = words("story", 200)
    short = _substituted(words("story", 40), (8, 20, 32))  # 37 shingles, 12 lost
    docs = [make_article("full", "Full", story, source="a"),
            make_article("short", "Short", short, source="b"),
            # The same share of edits in a text longer than the head: containment only.
            make_article("long", "Long", _substituted(words("story", 100), (8, 20, 32, 44, 56,
                                                                           68, 80, 92)),
                         source="c")]
    comparer = _comparer(docs)
    match = comparer.compare(0, 1)
    assert (match.kind, match.copy, match.shared, match.sizes) == ("coverage", True, 25, (197, 37))
    assert match.similarity == pytest.approx(37 / 40)  # 25 / 37 = 0.68 by containment
    longer = comparer.compare(0, 2)
    assert (longer.kind, longer.copy) == ("containment", False)
    assert longer.similarity == pytest.approx(65 / 97)


def _misread(text: str, at: tuple[int, ...]) -> str:
    out = text.split()
    for k in at:
        out[k] = out[k].replace("o", "0", 1)  # "story8" read as "st0ry8"
    return " ".join(out)


def test_a_scan_under_the_same_headline_is_a_copy_by_its_misread_words() -> None:
    story = words("story", 200)
    # 12 of 50 words misread, three at a time two words apart: every shingle around
    # them lost (15 of 47 left: containment 0.32, below the recheck level), and the
    # words between them too (coverage 0.6).
    misread = (4, 6, 8, 16, 18, 20, 28, 30, 32, 40, 42, 44)
    scan = _misread(words("story", 50), misread)
    edited = _substituted(words("story", 50), misread)  # the same words edited, not misread
    docs = [make_article("full", "Fruit giants merge", story, source="a"),
            make_article("scan", "Fruit giants merge", scan, source="b"),
            make_article("other", "Banana prices fall", scan, source="c"),
            make_article("edited", "Fruit giants merge", edited, source="d")]
    comparer = _comparer(docs)
    match = comparer.compare(0, 1)
    assert (match.kind, match.copy, match.shared, match.sizes) == ("coverage", True, 15, (197, 47))
    assert match.similarity == 1.0 and match.rechecked
    # Under another headline the pair is not compared again: containment decides.
    other = comparer.compare(0, 2)
    assert (other.kind, other.copy, other.rechecked) == ("containment", False, False)
    assert other.similarity == pytest.approx(15 / 47)
    # Words edited, not misread, cost what they cost (coverage 0.6): no copy, and the
    # first answer stands.
    edit = comparer.compare(0, 3)
    assert (edit.kind, edit.copy) == ("containment", False)
    assert edit.similarity == pytest.approx(15 / 47)


def test_two_pages_of_one_site_sharing_its_sidebar_past_their_own_text_are_no_copies() -> None:
    # A "Latest news" box of four leads, each the opening of a story three other sites
    # carry: not learned as the site's chrome, and 157 shingles shared after 50 of each
    # page's own (aligned: at most half as many before as shared).
    leads = [words(f"lead{k}x", 40) for k in range(4)]

    def page(id: str, title: str, own: str) -> object:
        return make_article(id, title, f"{own}\n\nLatest news\n\n" + "\n\n".join(leads),
                            source="site-c")

    stories = [make_article(f"s{k}-{n}", f"Story {k}", f"{leads[k]}\n\n{words(f'more{k}', 60)}",
                            source=f"site-{k}{n}") for k in range(4) for n in range(3)]
    first = page("p1", "Fruit giants merge", words("one", 50))
    comparer = _comparer([first, page("p2", "Bitcoin exchange files for bankruptcy",
                                      words("two", 50)), *stories])
    sidebar = comparer.compare(0, 1)  # containment 157 / 207 = 0.76 without the rule
    assert (sidebar.kind, sidebar.copy, sidebar.shared, sidebar.before) == (
        "jaccard", False, 157, (50, 50))
    # Under nearly the same headline the site's two pages may be versions of one story.
    comparer = _comparer([first, page("p3", "Fruit giants merge", words("three", 50)),
                          *stories])
    version = comparer.compare(0, 1)
    assert (version.kind, version.copy) == ("containment", True)
    assert version.similarity == pytest.approx(157 / 207)


def test_a_headline_only_article_matches_by_the_lead_its_few_words_begin() -> None:
    story = words("story", 120)
    headline = "Bitcoin exchange files for bankruptcy in US court"
    cut = "Bitcoin exchange files for bankruptcy"  # headline Jaccard 0.65: near, not a copy
    docs = [make_article("full", headline, story, source="a"),
            make_article("item", cut, words("story", 20), source="b"),
            make_article("middle", cut, " ".join(story.split()[50:70]), source="c"),
            make_article("other", "Lottery results for the week", words("story", 20),
                         source="d")]
    comparer = _comparer(docs)
    lead = comparer.compare(0, 1)
    assert (lead.kind, lead.similarity, lead.copy, lead.shared, lead.sizes) == (
        "lead", 1.0, True, 17, (117, 17))
    middle = comparer.compare(0, 2)  # the same words from the middle of the story: no lead
    assert (middle.kind, middle.copy) == ("headline", False)
    assert 0.56 <= middle.similarity < 0.8
    assert (comparer.compare(0, 3).kind, comparer.compare(0, 3).copy) == ("headline", False)
    # (Not "middle": two headline-only items with one headline are copies of each other.)
    groups = deduplicate([docs[0], docs[1], docs[3]], DedupConfig(workers=1)).groups
    assert sorted(sorted([g.kept.id, *(d.id for d in g.duplicates)]) for g in groups) == [
        ["full", "item"], ["other"]]
    assert [link.kind for g in groups for link in g.links] == ["lead"]


def test_a_text_contained_in_another_joins_only_as_one_stretch_of_it() -> None:
    sentences = [words(f"s{k}x", 12) + "." for k in range(10)]
    story = " ".join(sentences)
    abridged = " ".join(sentences[:4])
    # Four of its sentences in another order (a site reusing its sentences in a page that
    # begins as the story does).
    scattered = " ".join([sentences[0], sentences[7], sentences[9], sentences[2]])
    docs = [make_article("story", "Story", story, source="a"),
            make_article("abridged", "Story", abridged, source="b"),
            make_article("scattered", "Story", scattered, source="c")]
    comparer = _comparer(docs)
    assert comparer.compare(0, 1).copy and comparer.compare(0, 2).copy  # both contained
    assert comparer.stretch(1, 0) == 1.0
    assert comparer.compare(0, 2).similarity == pytest.approx(36 / 45)
    assert comparer.stretch(2, 0) == pytest.approx(12 / 48)  # one sentence of 48 words
    groups = deduplicate(docs, DedupConfig(workers=1)).groups
    assert sorted(sorted([g.kept.id, *(d.id for d in g.duplicates)]) for g in groups) == [
        ["abridged", "story"], ["scattered"]]


# A page of a site seen once in the dump: its chrome (long, and not learned) comes before
# and after the story, which is a minority of the page.


def test_a_story_inside_a_page_of_long_chrome_is_found_by_its_opening() -> None:
    story = words("story", 120)
    abridged = words("story", 50)  # the first paragraphs only
    docs = [make_article("original", "Storm hits the coast overnight", story, source="a"),
            make_article("page", "Storm hits the coast overnight | Gazette",
                         f"{_HEADER}\n\n{abridged}\n\n{_FOOTER}", source="gazette")]
    match = _comparer(docs).compare(0, 1)
    # 47 shared shingles: containment 47/117 = 0.40 and the shared text starts 70 shingles
    # into the page; the original's opening lies in one stretch of it.
    assert (match.kind, match.copy, match.similarity) == ("inside", True, 1.0)
    assert match.before == (0, 70) and match.shared == 47 and match.rechecked
    groups = deduplicate(docs, DedupConfig(workers=1)).groups
    # Kept: the longest once learned chrome is left out, and the page's is not learned.
    assert [(g.kept.id, [d.id for d in g.duplicates], g.kinds) for g in groups] == [
        ("page", ["original"], ("inside",))]


def test_one_sentence_of_story_is_inside_only_a_page_whose_site_has_no_chrome_learned() -> None:
    # A copy cut to its first paragraphs, which are mostly page furniture: one sentence
    # (14 words, 11 shingles) of the story after the page's own text.
    story = words("story", 120)
    page = f"{words('own', 40)}\n\n{words('story', 14)}\n\n{_FOOTER}"
    original = make_article("original", "Storm hits the coast overnight", story, source="a")
    copy = make_article("page", "Storm hits the coast overnight", page, source="gazette")
    match = _comparer([original, copy]).compare(0, 1)
    assert (match.kind, match.copy, match.shared, match.before) == ("inside", True, 11, (0, 40))
    # The same page on a site whose footer is learned (two more of its pages carry it):
    # 11 shingles fall short of the 25 a learned site's page needs.
    others = [make_article(f"other{k}", f"Other story {k}", f"{words(f'x{k}', 60)}\n\n{_FOOTER}",
                           source="gazette") for k in (1, 2)]
    match = _comparer([original, copy, *others]).compare(0, 1)
    assert (match.kind, match.copy) == ("jaccard", False)


def test_a_sidebar_carrying_the_story_is_no_copy_under_another_headline() -> None:
    story = words("story", 120)
    page = f"{words('own', 90)}\n\nLatest news\n\n{words('story', 50)}\n\n{_FOOTER}"
    docs = [make_article("original", "Storm hits the coast overnight", story, source="a"),
            make_article("page", "Council approves the budget", page, source="gazette")]
    match = _comparer(docs).compare(0, 1)
    assert (match.kind, match.copy) == ("jaccard", False)
    assert len(deduplicate(docs, DedupConfig(workers=1)).groups) == 2


def test_inside_is_not_used_where_the_shared_text_starts_both_texts() -> None:
    # Two versions sharing their first 60 words: aligned in both, containment decides
    # (the word coverage of the longer, under the same headline: 0.60).
    docs = [make_article("first", "Same headline here", words("story", 100), source="a"),
            make_article("second", "Same headline here",
                         words("story", 60) + " " + words("new", 40), source="b")]
    match = _comparer(docs).compare(0, 1)
    assert (match.kind, match.copy) == ("coverage", False)
    assert match.similarity == pytest.approx(0.6)


def test_headlines_close_needs_the_shorter_inside_the_other() -> None:
    a = np.arange(10, dtype=np.uint64)
    assert headlines_close(a, np.arange(12, dtype=np.uint64), 0.8)
    assert headlines_close(a, np.arange(2, 12, dtype=np.uint64), 0.8)  # 8 of 10 inside
    assert not headlines_close(a, np.arange(3, 12, dtype=np.uint64), 0.8)  # 7 of 9
    assert not headlines_close(a, a[:0], 0.8)


def test_items_of_a_series_are_not_nearly_the_same_headline() -> None:
    # A site reusing its sentences across the items of a series ("… (13)", "… (14)"):
    # the item's opening inside the other page says nothing.
    story = words("story", 120)
    page = f"{_HEADER}\n\n{words('story', 50)}\n\n{_FOOTER}"
    docs = [make_article("13", "Markets wrap: stocks edge lower (13)", story, source="a"),
            make_article("14", "Markets wrap: stocks edge lower (14)", page, source="gazette")]
    assert (_comparer(docs).compare(0, 1).kind, _comparer(docs).compare(0, 1).copy) == (
        "jaccard", False)
    unnumbered = [docs[0], make_article("x", "Markets wrap: stocks edge lower (13)", page,
                                        source="gazette")]
    assert _comparer(unnumbered).compare(0, 1).kind == "inside"


def test_inside_is_only_across_sources() -> None:
    # One site reusing its sentences: a story opening with a sentence that another of
    # its stories, under a near headline, carries further down.
    page = f"{_HEADER}\n\n{words('story', 50)}\n\n{_FOOTER}"
    docs = [make_article("a", "Buy Titanfall and save $30", words("story", 120), source="s"),
            make_article("b", "Buy Titanfall and save $30 at Target", page, source="s")]
    assert _comparer(docs).compare(0, 1).kind == "jaccard"


def test_a_headline_only_copy_is_found_by_its_opening_where_a_headline_is_page_chrome() -> None:
    # A page whose headline was scraped from its navigation ("News Feed", on every page)
    # and a copy cut to its first lines whose headline was cut to "News": the headlines
    # share nothing, the copy's opening words are the start of the page's story.
    story = words("story", 120)
    docs = [make_article("full", "News Feed", "News Feed\n\n" + story, source="a"),
            make_article("cut", "News", words("story", 20), source="b"),
            make_article("middle", "Opinion", " ".join(story.split()[50:70]), source="c"),
            make_article("page", "Markets rally", "News Feed\n\n" + words("page", 80),
                         source="d")]
    comparer = _comparer(docs)
    assert comparer.generic_headline(0) and not comparer.generic_headline(1)
    lead = comparer.compare(0, 1)
    assert (lead.kind, lead.copy, lead.shared, lead.sizes) == ("lead", True, 17, (117, 17))
    assert (comparer.compare(0, 2).kind, comparer.compare(0, 2).copy) == ("headline", False)
    groups = deduplicate(docs, DedupConfig(workers=1)).groups
    assert sorted(sorted([g.kept.id, *(d.id for d in g.duplicates)]) for g in groups) == [
        ["cut", "full"], ["middle"], ["page"]]
    # With the story's own headline on the page, the cut copy's "News" finds nothing.
    titled = [make_article("full", "Bitcoin exchange files for bankruptcy", story, source="a"),
              *docs[1:]]
    groups = deduplicate(titled, DedupConfig(workers=1)).groups
    assert len(groups) == 4


def test_a_near_pair_is_rechecked_in_both_orders_of_leaving_out_chrome(tmp_path) -> None:
    # Hard fixture, seed 137: a scan (no chrome, 1-3% of characters misread) of a story's
    # first two paragraphs, and the story on its home site, whose sidebar shows stories
    # whose headlines are sentences of this one. With the home site's chrome left out
    # first (where a sidebar run stands is judged on the page as its site shows it), the
    # scan is one stretch of the story (coverage 0.84); with the scan's source first, a
    # sentence of the story stands apart as chrome (containment 0.56 only).
    import sys
    from pathlib import Path

    import orjson

    from clusterer.dedup import match_dump
    from clusterer.readers import read_articles

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from syndication import make_fixture

    fixture = make_fixture(137, hard=True)
    path = tmp_path / "feed.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in fixture.records))
    articles = list(read_articles([str(path)]))
    comparer, _ = match_dump(articles, DedupConfig(workers=1))
    at = {a.id: k for k, a in enumerate(articles)}
    match = comparer.compare(at["011-3"], at["011-0"])
    assert (match.kind, match.copy, round(match.similarity, 3)) == ("coverage", True, 0.842)


def test_a_body_too_short_for_containment_is_a_copy_by_its_opening() -> None:
    # A copy cut to 32 words, 12 of them repeated: enough words not to be matched by its
    # headline alone (30), too few distinct shingles for containment (20 < 25).
    story = words("story", 120)
    cut = f"{words('story', 20)}\n\n{words('story', 12)}"
    docs = [make_article("story", "Bitcoin exchange files for bankruptcy", story, source="a"),
            make_article("cut", "Bitcoin exchange files for bankruptcy in US", cut, source="b"),
            make_article("other", "Council approves the budget", cut, source="c"),
            make_article("item3", "Bitcoin exchange files for bankruptcy (3)", story, source="d"),
            make_article("item4", "Bitcoin exchange files for bankruptcy (4)", cut, source="e")]
    comparer = _comparer(docs)
    match = comparer.compare(0, 1)
    assert (match.kind, match.copy, match.shared, match.sizes) == ("lead", True, 17, (117, 20))
    # Under another headline, or items of a series: no copy.
    assert comparer.compare(0, 2).kind == "jaccard" and not comparer.compare(0, 2).copy
    assert comparer.compare(3, 4).veto and not comparer.compare(3, 4).copy
    assert [sorted(g.ids) for g in deduplicate(docs[:2], DedupConfig(workers=1)).groups] == [
        ["cut", "story"]]
