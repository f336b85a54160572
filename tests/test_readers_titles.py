"""Readers: headlines made from text, site affixes, the title of a saved page."""

from __future__ import annotations

import orjson
import pytest

from clusterer.readers import ReaderConfig, read_articles
from clusterer.readers.titles import (
    headline_from_text,
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
