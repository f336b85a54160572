"""Readers: headlines made from text, site affixes, the title of a saved page."""

from __future__ import annotations

import orjson
import pytest

from clusterer.readers import ReaderConfig, read_articles
from clusterer.readers.titles import (
    choose_page_title,
    headline_from_text,
    looks_like_slug,
    site_words,
    strip_site_affix,
)


def read(*paths: object, **config: object) -> list:
    return list(read_articles([str(p) for p in paths], ReaderConfig(**config)))  # type: ignore[arg-type]


# ---------------------------------------------------------------- headline from text
@pytest.mark.parametrize(("text", "headline"), [
    ("Storm hits coast. Thousands without power.", "Storm hits coast."),
    ("Dr. Smith wins the U.S. prize! More later.", "Dr. Smith wins the U.S. prize!"),
    ("\n\n  First   line\nsecond line.", "First line"),
    ("1. Point one is long enough", "1. Point one is long enough"),
    ("word " * 40, ("word " * 24).strip() + "…"),
    ("x" * 200, "x" * 119 + "…"),
    ("   \n ", ""),
])
def test_headline_from_text(text, headline):
    assert headline_from_text(text) == headline


def test_rss_item_without_title_gets_one_from_its_description(tmp_path):
    feed = tmp_path / "f.rss"
    feed.write_text('<rss version="2.0"><channel><title>Feed F</title>'
                    "<item><description>&lt;p&gt;Rain floods the valley. Roads are closed."
                    "&lt;/p&gt;</description><link>http://x.example/a</link></item>"
                    "<item><title>Own title</title><description>Body</description></item>"
                    "</channel></rss>")
    first, second = read(feed)
    assert first.title == "Rain floods the valley."
    assert first.text == "Rain floods the valley. Roads are closed."
    assert first.to_dict() == {
        "id": first.id, "title": "Rain floods the valley.", "title_from": "text",
        "text": "Rain floods the valley. Roads are closed.", "url": "http://x.example/a",
        "source": "Feed F"}
    assert "title_from" not in second.to_dict()


def test_jsonfeed_item_without_title_gets_one_from_content_html(tmp_path):
    feed = tmp_path / "f.json"
    feed.write_bytes(orjson.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "NPR",
        "items": [{"id": "1", "title": "", "content_html": "<p>Short note</p><p>More</p>"},
                  {"id": "2", "content_html": "<p> </p>"}]}))
    with pytest.raises(Exception, match=r'f.json:item 2: no "title" and no text'):
        read(feed)
    (article,) = read(feed, skip_bad=True)
    assert article.to_dict() == {"id": article.id, "title": "Short note", "title_from": "text",
                                 "guid": "1", "content_html": "<p>Short note</p><p>More</p>"}
    assert article.text == "Short note\n\nMore"


# ---------------------------------------------------------------- site affixes
DW = site_words(["Deutsche Welle", "dw.com"])


@pytest.mark.parametrize(("title", "site", "headline"), [
    ("Heavy rain floods Bavaria | DW | 19.01.2020", DW, "Heavy rain floods Bavaria"),
    ("Neues iPhone im Test - CNET.de", site_words(["cnet.de"]), "Neues iPhone im Test"),
    ("SPIEGEL ONLINE - Koalition einigt sich auf Haushalt", site_words(["www.spiegel.de"]),
     "Koalition einigt sich auf Haushalt"),
    ("Tracking the 2016 Candidates - US News", site_words(["US News & World Report"]),
     "Tracking the 2016 Candidates"),
    ("Covid-19 cases rise - again", site_words(["again.example"]), "Covid-19 cases rise"),
    ("Covid-19 cases rise in Berlin", site_words(["covid.example"]), "Covid-19 cases rise in Berlin"),
    ("Election results | 19.01.2020", DW, "Election results | 19.01.2020"),  # no site named
    ("Heavy rain | DW", set(), "Heavy rain | DW"),  # no site known
    ("DW | Deutsche Welle", DW, "DW | Deutsche Welle"),  # nothing would be left
    ("Merkel: DW - the interview", DW, "Merkel: DW - the interview"),  # "the interview"
])
def test_strip_site_affix(title, site, headline):
    assert strip_site_affix(title, site) == headline


def test_site_words_of_hosts_and_names():
    assert site_words(["www.cnet.de", "SPIEGEL ONLINE", None]) == {"cnet", "spiegel", "online"}


@pytest.mark.parametrize(("title", "slug"), [
    ("adac-kindersitztest-herbst-2018", True), ("my_story_title_here.html", True),
    ("Covid-19", False), ("Kindersitztest Herbst 2018", False),
])
def test_looks_like_slug(title, slug):
    assert looks_like_slug(title) is slug


@pytest.mark.parametrize(("candidates", "chosen"), [
    (["adac-kindersitztest-herbst-2018", "ADAC Kindersitztest: Fünf Sitze fallen durch",
      "Kindersitztest | ADAC"], "ADAC Kindersitztest: Fünf Sitze fallen durch"),
    (["BMJV", "Themen", "Justizministerin stellt neues Gesetz vor | BMJV"],
     "Justizministerin stellt neues Gesetz vor | BMJV"),
    (["Deutsche Welle", "Heavy rain floods Bavaria"], "Heavy rain floods Bavaria"),
    (["Aktuelle", None, "  "], "Aktuelle"),
    (["News Feed", "News Feed | Outlet D"], "News Feed"),
    ([None, ""], None),
])
def test_choose_page_title(candidates, chosen):
    assert choose_page_title(candidates, site_words(["Deutsche Welle", "bmjv.de", "Outlet D",
                                                     "adac.de"])) == chosen


def test_page_title_is_the_h1_when_og_title_is_a_slug(tmp_path):
    page = tmp_path / "p.html"
    body = "<p>Der ADAC hat zwanzig Kindersitze getestet, fünf fielen durch den Test.</p>" * 5
    page.write_text(
        '<html><head><meta property="og:title" content="adac-kindersitztest-herbst-2018">'
        '<meta property="og:site_name" content="ADAC">'
        "<title>Kindersitztest Herbst 2018 | ADAC</title></head><body><h1>ADAC</h1><article>"
        f"<h1>Kindersitztest: Fünf Sitze fallen durch</h1>{body}</article></body></html>")
    (article,) = read(page)
    assert (article.title, article.fields["title"], article.source) == (
        "Kindersitztest: Fünf Sitze fallen durch", "Kindersitztest: Fünf Sitze fallen durch",
        "ADAC")


def test_affix_is_cut_from_the_headline_and_kept_in_the_fields(tmp_path):
    feed = tmp_path / "f.rss"
    feed.write_text('<rss version="2.0"><channel><title>DW - Deutsche Welle</title><item>'
                    "<title>Heavy rain floods Bavaria | DW | 19.01.2020</title>"
                    "<link>https://www.dw.com/en/rain/a-1</link></item></channel></rss>")
    (article,) = read(feed)
    assert article.title == "Heavy rain floods Bavaria"
    assert article.fields["title"] == "Heavy rain floods Bavaria | DW | 19.01.2020"
    assert article.normalized()["title"] == "Heavy rain floods Bavaria"


def test_jsonfeed_normalized_fields(tmp_path):
    feed = tmp_path / "npr.json"
    feed.write_bytes(orjson.dumps({
        "version": "https://jsonfeed.org/version/1", "title": "NPR Topics: News",
        "items": [{"id": "nx-1", "url": "https://www.npr.org/2024/10/16/nx-1/storm",
                   "title": "Storm floods the coast | NPR",
                   "content_html": "<p>A storm hit the coast.</p><p>Power is out.</p>",
                   "date_published": "2024-10-16T15:00:00-04:00"}]}))
    (article,) = read(feed)
    assert article.normalized() == {
        "title": "Storm floods the coast", "text": "A storm hit the coast.\n\nPower is out.",
        "published": "2024-10-16T19:00:00Z", "source": "NPR Topics: News",
        "url": "https://www.npr.org/2024/10/16/nx-1/storm",
        "origin": {"file": str(feed), "line": None, "item": 1}}
