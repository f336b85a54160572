"""Readers: telling the encoding of feeds, pages and records before any binary verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusterer.errors import InputError
from clusterer.readers import ReaderConfig, ReadReport, read_articles
from clusterer.readers.encodings import layout_encoding, text_encoding

RSS = ('<?xml version="1.0" encoding="{declared}"?><rss version="2.0"><channel>'
       "<title>Kanal</title><item><title>Grüße aus Köln</title>"
       "<description>Straße gesperrt.</description></item></channel></rss>")
PAGE = ("<html><head><title>Ärger im Rathaus: Bürgermeister tritt zurück</title></head><body>"
        "<article><h1>Ärger im Rathaus: Bürgermeister tritt zurück</h1>"
        + "<p>Der Bürgermeister der Stadt ist am Montag überraschend zurückgetreten, "
          "wie das Rathaus mitteilte.</p>" * 6 + "</article></body></html>")


def read(*paths: object, **config: object) -> list:
    return list(read_articles([str(p) for p in paths], ReaderConfig(**config)))  # type: ignore[arg-type]


@pytest.mark.parametrize(("encoding", "declared"), [
    ("utf-16-le", "utf-16"), ("utf-16-be", "utf-16"), ("utf-32-le", "utf-32"),
    ("utf-32-be", "utf-32"), ("utf-16-le", "utf-8"),  # a wrong declaration too
])
def test_wide_feed_without_bom_is_read(tmp_path, encoding, declared):
    feed = tmp_path / "f.xml"
    feed.write_bytes(RSS.format(declared=declared).encode(encoding))
    (article,) = read(feed)
    assert (article.title, article.text, article.source) == (
        "Grüße aus Köln", "Straße gesperrt.", "Kanal")


def test_wide_feed_without_declaration_or_bom(tmp_path):
    feed = tmp_path / "f"
    feed.write_bytes(RSS.split("?>", 1)[1].encode("utf-16-le"))
    (article,) = read(feed)
    assert article.title == "Grüße aus Köln"


def test_encoding_option_applies_to_feeds_over_the_declaration(tmp_path):
    feed = tmp_path / "f.rss"
    rss = RSS.format(declared="utf-8").replace("Grüße aus Köln", "Новости дня").replace(
        "Straße", "Улица")
    feed.write_bytes(rss.encode("cp1251"))
    assert read(feed)[0].title != "Новости дня"  # feedparser falls back to cp1252
    (article,) = read(feed, encoding="cp1251")
    assert article.title == "Новости дня"


def test_encoding_option_applies_to_pages(tmp_path):
    page = tmp_path / "p.html"
    page.write_bytes(PAGE.encode("cp1252"))
    (article,) = read(page, encoding="cp1252")
    assert article.title == "Ärger im Rathaus: Bürgermeister tritt zurück"
    assert article.text.startswith("Der Bürgermeister der Stadt ist am Montag")


def test_page_with_a_nul_byte_is_read(tmp_path):
    page = tmp_path / "p.html"
    page.write_bytes(PAGE.replace("Montag", "Mon\x00tag", 1).encode("utf-8"))
    (article,) = read(page)
    assert article.title == "Ärger im Rathaus: Bürgermeister tritt zurück"
    assert article.text.startswith("Der Bürgermeister der Stadt ist am Montag überraschend")


def test_utf16_page_without_bom(tmp_path):
    page = tmp_path / "p.html"
    page.write_bytes(PAGE.encode("utf-16-le"))
    (article,) = read(page)
    assert article.title == "Ärger im Rathaus: Bürgermeister tritt zurück"


def test_utf16_jsonl_without_bom(tmp_path):
    records = tmp_path / "r.jsonl"
    records.write_bytes('{"title": "Grüße"}\n{"title": "Köln"}\n'.encode("utf-16-be"))
    assert [a.title for a in read(records)] == ["Grüße", "Köln"]


@pytest.mark.parametrize(("head", "found"), [
    (b"<\x00r\x00", "utf-16-le"), (b"\x00<\x00r", "utf-16-be"),
    (b"{\x00\x00\x00", "utf-32-le"), (b"\x00\x00\x00[", "utf-32-be"),
    (b"\x01\x00\x00\x00", None), (b"<rss", None), (b"<\x00", None),
])
def test_layout_encoding(head, found):
    assert layout_encoding(head) == found


def test_binary_data_is_still_refused():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(InputError, match=r"^x\.png: binary data \(a NUL byte at offset 8\)"):
        text_encoding("x.png", png, ReaderConfig())
    with pytest.raises(InputError, match="binary data"):
        text_encoding("x.bin", bytes(range(256)) * 4, ReaderConfig())


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_wide_feed_with_bom_is_read(tmp_path, encoding):
    feed = tmp_path / "f.xml"
    feed.write_bytes("\ufeff".encode(encoding) + RSS.format(declared="utf-16").encode(encoding))
    (article,) = read(feed)
    assert article.title == "Grüße aus Köln"


# ---------------------------------------------------------------- feedparser's own test feeds
FEEDPARSER = Path(__file__).resolve().parent / "data" / "feedparser"


@pytest.mark.parametrize("name", ["utf-16be-bom.xml", "utf-16le-autodetect.xml", "utf-32be.xml"])
def test_feedparser_wide_encoding_feeds_are_feeds(name):
    report = ReadReport()
    assert list(read_articles([str(FEEDPARSER / name)], ReaderConfig(), report)) == []
    assert (report.files, report.truncated_files, report.unreadable_files) == (1, 0, 0)


def test_feedparser_item_with_only_a_description():
    (article,) = read(FEEDPARSER / "item_description.xml")
    assert (article.title, article.text, article.fields["title_from"]) == (
        "Example description", "Example description", "text")
