import pytest

from clusterer.boilerplate import BoilerplateConfig, BoilerplateModel
from clusterer.hashing import unit_hashes

STORY = [f"story {n} sentence with several distinct words number {n}" for n in range(6)]
CHROME = "please donate to keep our independent newsroom going today"


def _docs(n_site_docs: int):
    docs = []
    for d in range(n_site_docs):
        body = [f"site story {d} unique words here and there {w}" for w in range(5)] + [CHROME]
        docs.append(("site-a", body, f"Story {d} | Site A"))
    return docs


def test_chrome_recurring_in_one_source_is_learned():
    model = BoilerplateModel().fit(_docs(2))
    assert model.content_units("site-a", [*STORY, CHROME]) == STORY


def test_chrome_below_min_docs_is_kept():
    model = BoilerplateModel(BoilerplateConfig(min_docs=3)).fit(_docs(2))
    assert model.content_units("site-a", [*STORY, CHROME]) == [*STORY, CHROME]


def test_two_versions_on_one_source_of_a_story_syndicated_elsewhere_are_not_chrome():
    update = [*STORY[:5], "a new paragraph added in the update with more words"]
    docs = [("site-a", STORY, "t"), ("site-a", update, "t2"), ("site-b", STORY, "t"),
            ("site-c", [*STORY, "other ending"], "t")]
    model = BoilerplateModel().fit(docs)
    assert model.source_chrome_ == {}


def test_heavy_chrome_around_different_stories_is_still_chrome():
    chrome = [f"sidebar headline number {n} about another story entirely" for n in range(8)]
    docs = [("site-a", [f"story {d} paragraph {p} with its own words" for p in range(4)] + chrome,
             f"t{d}") for d in range(2)]
    model = BoilerplateModel().fit(docs)
    assert model.source_chrome_ == {"site-a": frozenset(unit_hashes(chrome))}


def _reusing_site(n_docs: int, shared: str, carrying: int, chrome: str | None = None):
    """Pages of one site: own sentences, ``shared`` on the first ``carrying`` pages at a
    different place on each (between different sentences), ``chrome`` (if any) at the end."""
    docs = []
    for d in range(n_docs):
        body = [f"site story {d} unique sentence {w} with words" for w in range(6)]
        if d < carrying:
            body.insert(1 + d % 5, shared)
        docs.append(("site-a", body + ([chrome] if chrome else []), f"Story {d}"))
    return docs


def test_a_sentence_a_site_reuses_amid_different_text_is_not_chrome():
    shared = "a background sentence this site reuses in several of its own stories"
    model = BoilerplateModel().fit(_reusing_site(10, shared, 4, CHROME))
    assert model.source_chrome_ == {"site-a": frozenset(unit_hashes([CHROME]))}
    assert model.content_units("site-a", [*STORY[:2], shared, CHROME]) == [*STORY[:2], shared]


def test_a_unit_on_half_the_pages_of_a_site_is_chrome_wherever_it_stands():
    prompt = "subscribe to our newsletter for more stories like this one every day"
    model = BoilerplateModel().fit(_reusing_site(10, prompt, 5))
    assert model.source_chrome_ == {"site-a": frozenset(unit_hashes([prompt]))}


def test_a_reused_sentence_next_to_the_same_chrome_on_most_of_its_pages_is_chrome():
    # On two of three pages carrying it, "sidebar lead" follows the same sidebar headline.
    headline, lead = "sidebar headline of another story today", "sidebar lead of that other story here"
    docs = [("site-a", [f"story {d} own sentence with words {w}" for w in range(4)] + tail, "t")
            for d, tail in enumerate([[headline, lead], [headline, lead], [lead]])]
    docs += [("site-a", [f"story {d} own sentence with words {w}" for w in range(4)], "t")
             for d in range(3, 9)]
    model = BoilerplateModel().fit(docs)
    assert model.source_chrome_ == {"site-a": frozenset(unit_hashes([headline, lead]))}


def test_chrome_is_per_source():
    model = BoilerplateModel().fit(_docs(2))
    assert model.content_units("site-b", [*STORY, CHROME]) == [*STORY, CHROME]


def test_syndicated_story_across_sources_is_not_chrome():
    docs = [(f"site-{s}", [*STORY, f"footer of site {s} only"], "t") for s in range(5)]
    model = BoilerplateModel().fit(docs)
    assert model.content_units("site-0", STORY) == STORY


def test_exact_copies_on_one_source_count_once():
    docs = [("site-a", [*STORY], "t")] * 5
    model = BoilerplateModel().fit(docs)
    assert model.source_chrome_ == {}


def test_short_units_recurring_anywhere_are_chrome():
    docs = [(f"s{i}", [f"body {i} with enough words", "read more"], "t") for i in range(2)]
    model = BoilerplateModel().fit(docs)
    assert model.content_units("x", [*STORY, "read more"]) == STORY


def test_a_page_of_chrome_has_no_content():
    model = BoilerplateModel().fit(_docs(2))
    assert model.content_units("site-a", ["short bit", CHROME]) == ["short bit"]


def test_headline_affixes_recurring_are_stripped():
    model = BoilerplateModel().fit(_docs(2))
    assert model.affixes_ == frozenset({"site a"})
    assert model.title_tokens("UPDATE 1-Fed holds | Site A") == ["fed", "holds"]
    assert model.title_tokens("Fed holds | Other") == ["fed", "holds", "other"]


def test_a_headline_affix_naming_the_own_source_is_stripped_without_recurring():
    model = BoilerplateModel().fit([])
    assert model.title_tokens("Fed holds | The Herald", "the herald") == ["fed", "holds"]
    assert model.title_tokens("Fed holds - Example", "news.example.co.uk") == ["fed", "holds"]
    assert model.title_tokens("Fed holds | The Herald", "other") == ["fed", "holds", "the", "herald"]
    assert model.title_tokens("Fed holds | The Herald") == ["fed", "holds", "the", "herald"]


def test_a_headline_affix_naming_another_source_of_the_dump_is_stripped():
    # A copy republished with the first publisher's name in its headline, seen once.
    model = BoilerplateModel().fit([("site h news", ["a story"], "Gas prices rise"),
                                    ("gazette", ["a story"], "Gas prices rise - Site H News")])
    assert model.affixes_ == frozenset({"site h news", "gazette"})
    assert model.title_tokens("Gas prices rise - Site H News", "gazette") == ["gas", "prices",
                                                                             "rise"]
    assert model.title_tokens("Gas prices rise - Site B News", "gazette") == [
        "gas", "prices", "rise", "site", "b", "news"]  # no source of the dump


@pytest.mark.parametrize(("name", "value"), [("min_docs", 1), ("short_unit_words", 21),
                                             ("affix_words", -1)])
def test_config_rejects_out_of_range(name, value):
    with pytest.raises(ValueError, match=f"{name} must be in \\["):
        BoilerplateConfig(**{name: value})


def _sidebar_site(n_pages: int, syndicated_on: int):
    """A site whose "Latest news" box shows the lead of a story that ``syndicated_on``
    other sites carry once each (followed by its own text)."""
    lead = STORY[:2]
    docs = [(f"site-{s}", [*lead, *STORY[2:], f"ending of site {s}"], f"t{s}")
            for s in range(syndicated_on)]
    for d in range(n_pages):
        own = [f"page {d} of the small site sentence number {w} here" for w in range(4)]
        docs.append(("small", ["top of the small site page", *own, "latest news", *lead,
                               "copyright small site all rights reserved"], f"p{d}"))
    return docs, lead


def test_a_sidebar_on_most_pages_of_a_site_is_chrome_however_widely_its_story_spreads():
    docs, lead = _sidebar_site(n_pages=4, syndicated_on=6)  # 4 pages carry it, 6 elsewhere
    model = BoilerplateModel().fit(docs)
    page = docs[-1][1]
    assert model.content_units("small", page) == page[1:5]
    assert model.content_units("site-0", docs[0][1]) == docs[0][1]


def test_a_sidebar_on_min_docs_pages_only_stays_content_where_its_story_spreads():
    docs, lead = _sidebar_site(n_pages=2, syndicated_on=6)  # 2 pages: min_docs, not more
    model = BoilerplateModel().fit(docs)
    assert set(unit_hashes(lead)).isdisjoint(model.source_chrome_.get("small", ()))


def test_a_copy_that_is_its_sites_sidebar_item_keeps_its_text():
    docs, lead = _sidebar_site(n_pages=4, syndicated_on=6)
    model = BoilerplateModel().fit(docs)
    # An abridged copy of the story on the small site: its lead alone, then the chrome;
    # it stands after the page top, not after "latest news" as the sidebar's lead does.
    abridged = ["top of the small site page", *lead, "latest news", *lead,
                "copyright small site all rights reserved"]
    assert model.content_units("small", abridged) == lead


def test_a_short_unit_inside_a_moved_sidebar_run_does_not_end_it():
    lead = [STORY[0], "mt", STORY[1]]  # "Mt." of "Mt. Gox" splits a sentence
    docs = [(f"site-{s}", [*lead, *STORY[2:], f"ending of site {s}"], f"t{s}") for s in range(6)]
    for d in range(4):
        own = [f"page {d} of the small site sentence number {w} here" for w in range(4)]
        docs.append(("small", ["top of the small site page", *own, "latest news", *lead,
                               "copyright small site all rights reserved"], f"p{d}"))
    model = BoilerplateModel().fit(docs)
    abridged = ["top of the small site page", *lead, "latest news", *lead,
                "copyright small site all rights reserved"]
    assert model.content_units("small", abridged) == [STORY[0], STORY[1]]


def _own_sidebar_site(n_pages: int):
    """A site whose "Latest news" box shows the headline and lead of a story of its own
    that no other site carries word for word (each copy edited its lead): the lead is
    that site's chrome only (not spread), placed after the headline in the box."""
    pitch = ["top of the small site page", "please give to our newsroom today"]
    sidebar = ["latest news", "the headline of the boxed story", *STORY[:2]]
    pages = [("small", [*pitch, *[f"page {d} of the small site sentence number {w} here"
                                  for w in range(4)], *sidebar,
                        "copyright small site all rights reserved"], f"p{d}")
             for d in range(n_pages)]
    own = ("small", [*pitch, *STORY, *sidebar, "copyright small site all rights reserved"],
           "the boxed story")
    edited = [("elsewhere", [f"{STORY[0]} also", f"{STORY[1]} now", *STORY[2:]], "copy")]
    return [*pages, own, *edited], own[1]


def test_a_lead_only_its_own_sites_sidebar_shows_is_kept_on_its_own_page():
    docs, own = _own_sidebar_site(4)
    model = BoilerplateModel().fit(docs)
    assert set(unit_hashes(STORY[:2])) <= model.source_chrome_["small"]
    assert set(unit_hashes(STORY[:2])).isdisjoint(model.spread_chrome_)
    # After the page's pitch, not after the box's headline: the story's own lead.
    assert model.content_units("small", own) == STORY
    page = docs[0][1]
    assert model.content_units("small", page) == page[2:6]  # the box stays chrome


def test_chrome_in_its_usual_place_before_content_stays_out():
    docs, _ = _own_sidebar_site(4)
    model = BoilerplateModel().fit(docs)
    # The pitch before a new story stands where it always does: still chrome.
    fresh = [f"a new story sentence with its own words number {n}" for n in range(3)]
    assert model.content_units("small", ["top of the small site page",
                                         "please give to our newsroom today", *fresh]) == fresh


def test_a_lead_run_goes_on_through_chrome_in_its_usual_place():
    # The lead's first units are spread (other sites carry them word for word), the
    # third is this site's chrome only: kept after them, in its usual place.
    lead = STORY[:3]
    docs = [(f"site-{s}", [*lead[:2], f"{lead[2]} edited", *STORY[3:], f"end {s}"], f"t{s}")
            for s in range(6)]
    for d in range(4):
        own = [f"page {d} of the small site sentence number {w} here" for w in range(4)]
        docs.append(("small", ["top of the small site page", *own, "latest news",
                               "the headline of the boxed story", *lead,
                               "copyright small site all rights reserved"], f"p{d}"))
    model = BoilerplateModel().fit(docs)
    assert set(unit_hashes(lead[:2])) <= model.spread_chrome_
    assert unit_hashes([lead[2]])[0] not in model.spread_chrome_
    page = ["top of the small site page", *STORY, "latest news",
            "the headline of the boxed story", *lead, "copyright small site all rights reserved"]
    assert model.content_units("small", page) == STORY


def test_short_units_of_pages_without_a_source_are_placed_on_no_source():
    lead = [STORY[0], "mt", STORY[1]]
    docs = [(f"site-{s}", [*lead, *STORY[2:], f"ending of site {s}"], f"t{s}") for s in range(6)]
    for d in range(4):
        own = [f"page {d} of the small site sentence number {w} here" for w in range(4)]
        docs.append(("small", ["top of the small site page", *own, "latest news", *lead,
                               "copyright small site all rights reserved"], f"p{d}"))
    # Pages without a source carry a short unit no page of a source carries.
    docs += [("", [f"sourceless page {d} with its own words", "ok"], f"n{d}") for d in range(3)]
    model = BoilerplateModel().fit(docs)
    (ok,) = unit_hashes(["ok"])
    assert ok in model.short_chrome_
    assert {key for key in model.usual_before_ if key[1] == ok} == set()
    assert {source for source, _ in model.usual_before_} <= {f"site-{s}" for s in range(6)} | {
        "small"}


def test_piled_headline_affixes_are_all_stripped():
    titles = ["Story one - Images Gallery", "Story two - Images Gallery"]
    model = BoilerplateModel().fit([("site-a", [f"text of {t}"], t) for t in titles])
    assert model.title_tokens("Story three - Images Gallery | Site A", "Site A") == [
        "story", "three"]


def test_a_headline_that_is_page_chrome_is_generic():
    # "News Feed" is a navigation line on pages of two sites: a headline scraped from it
    # says nothing about the story; so does the site's own name alone.
    docs = [(f"s{i}", ["news feed", f"body {i} with enough words"], "t") for i in range(2)]
    docs += [("site-a", ["other text"], "Fed holds | Site A"),
             ("site-b", ["more text"], "Rates | Site A")]
    model = BoilerplateModel().fit(docs)
    assert model.generic_title("News Feed")
    assert model.generic_title("NEWS FEED | Site A", "site-b")  # the affix is stripped first
    assert model.generic_title("The Herald", "the herald")
    assert not model.generic_title("The Herald", "other")
    assert not model.generic_title("News Feed shows rates")
    assert not model.generic_title("News")
    assert not model.generic_title("!")
