"""Readers: every format, detection, fields, ids, URLs, dates, streaming."""

from __future__ import annotations

import gzip
import io
import json
from datetime import datetime, timezone
from pathlib import Path

import orjson
import pytest

from clusterer.errors import InputError
from clusterer.readers import FORMATS, ReaderConfig, ReadReport, canonical_url, read_articles
from clusterer.readers.fields import derived_id
from clusterer.readers.records import JsonScanner, read_json

from conftest import SAMPLES

DATA = Path(__file__).resolve().parent / "data"
SAMPLE_IDS = ["000_572e8aadae5dc2a1", "001_c53f92eaafb8e6c3", "002_19fc496d41bd9699",
              "003_0256ba80296706a5", "004_067f50a622b83cf2"]
UTC = timezone.utc


def read(*paths: object, **config: object) -> list:
    return list(read_articles([str(p) for p in paths], ReaderConfig(**config)))  # type: ignore[arg-type]


def sample_titles() -> list[str]:
    return [json.loads(line)["title"] for line in (SAMPLES / "feed.jsonl").read_text().splitlines()]


# ---------------------------------------------------------------- config
def test_config_rejects_unknown_format_and_encoding():
    with pytest.raises(ValueError, match="format must be one of auto, jsonl, json, csv, tsv"):
        ReaderConfig(format="xml")
    with pytest.raises(ValueError, match="encoding must be a text encoding Python knows"):
        ReaderConfig(encoding="klingon")
    with pytest.raises(ValueError, match="title_field must be a non-empty field name"):
        ReaderConfig(title_field="")
    assert "news-please" in FORMATS and "jsonfeed" in FORMATS


# ---------------------------------------------------------------- sample feeds
@pytest.mark.parametrize("name", ["feed.rss", "feed.atom", "feed.jsonfeed.json"])
def test_sample_feeds_hold_the_five_sample_articles(name):
    articles = read(SAMPLES / name)
    assert [a.title for a in articles] == sample_titles()
    assert all(a.id.startswith("h") and len(a.id) == 17 for a in articles)  # derived
    assert [a.guid for a in articles][:1] in (["sample-000"], ["urn:example:sample-000"])
    first = articles[0]
    # Tracking parameters (RSS) and the fragment (Atom) are not part of the canonical URL.
    assert first.url == ("https://outlet-a.example/2024/10/16/"
                         "ukraine-urges-nato-invitation-before-biden-leaves")
    assert first.published == datetime(2024, 10, 16, 19, 0, tzinfo=UTC)
    assert first.text.startswith("This could solidify Biden's legacy.\n\nOct 16, 2024")
    assert "<p>" not in first.text


def test_rss_source_is_the_item_source_else_the_feed_title():
    assert read(SAMPLES / "feed.rss")[1].source == "Outlet B"  # <source> element
    assert read(SAMPLES / "feed.atom")[1].source == "Sample NATO digest"  # feed <title>


def test_rss_fields_are_kept_for_the_output():
    article = read(SAMPLES / "feed.rss")[0]
    assert list(article.fields) == ["title", "text", "url", "source", "published", "guid"]
    assert article.fields["url"].endswith("?utm_source=rss&utm_medium=feed")  # as in the feed
    assert article.fields["published"] == "Wed, 16 Oct 2024 19:00:00 +0000"


def test_jsonfeed_item_fields_are_kept_with_id_as_guid():
    article = read(SAMPLES / "feed.jsonfeed.json")[0]
    assert article.fields["guid"] == "sample-000"
    assert "id" not in article.fields
    assert article.to_dict()["id"] == article.id


def test_html_pages_give_main_text_title_and_metadata():
    articles = read(SAMPLES / "html")
    assert [a.id for a in articles] == [a.id for a in read(SAMPLES / "feed.rss")]  # by URL
    assert [a.title for a in articles] == sample_titles()
    first = articles[0]
    assert first.source == "Outlet A"  # og:site_name
    assert first.published == datetime(2024, 10, 16, 19, 0, tzinfo=UTC)
    assert first.text.startswith("This could solidify Biden's legacy.")
    assert "Privacy policy" not in first.text and "Subscribe" not in first.text  # chrome


def test_txt_directory_and_jsonl_agree():
    assert [(a.id, a.title) for a in read(SAMPLES / "txt")] == [
        (a.id, a.title) for a in read(SAMPLES / "feed.jsonl")]


# ---------------------------------------------------------------- record formats
def test_mixed_directory_is_read_recursively_in_sorted_order():
    report = ReadReport()
    articles = list(read_articles([str(DATA / "mixed")], ReaderConfig(), report))
    assert [a.origin.removeprefix(str(DATA / "mixed") + "/") for a in articles] == [
        "a.jsonl:1", "a.jsonl:3", "b.csv:2", "b.csv:4", "e.json:2", "e.json:3",
        "sub/c.tsv:2", "sub/d.txt:3"]
    assert report.files == 5 and report.articles == 8
    assert report.ignored == [str(DATA / "mixed" / "README.md")]  # .hidden.jsonl: not even that


def test_record_fields_url_source_and_time():
    a1, a2, b1, b2, *_ = read(DATA / "mixed")
    assert a1.url == "https://news.example.com/budget"
    assert a1.fields["url"] == "HTTPS://News.Example.COM/budget?utm_source=feed&fbclid=XYZ#top"
    assert a1.source == "City Paper"
    assert a1.published == datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    assert a2.published == datetime(2024, 3, 2, tzinfo=UTC)  # date only: midnight UTC
    assert b1.text == "Trains stayed in depots.\nCommuters drove instead."  # quoted newline
    assert b1.url == "https://www.rail.example/strike?page=2"
    assert b1.source == "rail.example"  # no source field: the URL host
    assert b2.url is None and b2.source is None


def test_txt_first_nonempty_line_is_the_headline_and_the_stem_the_id():
    d = read(DATA / "mixed" / "sub" / "d.txt")[0]
    assert (d.id, d.title, d.text) == ("d", "Library extends hours",
                                       "The library will open late on Fridays.")
    assert d.to_dict() == {"id": "d", "title": "Library extends hours",
                           "text": "The library will open late on Fridays."}


def test_news_please_record_is_recognised():
    article = read(DATA / "newsplease.json")[0]
    assert article.title == "Ferry timetable changes for summer"
    assert article.text.startswith("The ferry company published")
    assert article.source == "ferry.example"
    assert article.published == datetime(2024, 3, 4, 17, 30, tzinfo=UTC)
    assert article.to_dict()["maintext"] == article.text  # original fields written back
    forced = read(DATA / "newsplease.json", format="news-please")[0]
    assert forced == article


def test_field_options_choose_other_fields(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"key": "k1", "headline": "H", "body": "B", "link": "http://X.example/a",'
                    ' "outlet": "O", "when": "2024-01-01T00:00:00Z"}\n')
    article = read(feed, id_field="key", title_field="headline", text_field="body",
                   url_field="link", source_field="outlet", published_field="when")[0]
    assert (article.id, article.title, article.text, article.url, article.source) == (
        "k1", "H", "B", "http://x.example/a", "O")
    assert article.published == datetime(2024, 1, 1, tzinfo=UTC)


def test_gzip_and_stdin(tmp_path, monkeypatch):
    raw = (SAMPLES / "feed.jsonl").read_bytes()
    packed = tmp_path / "feed.jsonl.gz"
    packed.write_bytes(gzip.compress(raw))
    assert [a.id for a in read(packed)] == SAMPLE_IDS
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(gzip.compress(raw))))
    assert [a.id for a in read("-")] == SAMPLE_IDS


@pytest.mark.parametrize("content, name", [
    (b'{"title": "T"}\n{"title": "U"}\n', "feed"),  # JSON Lines by its first line
    (b'[{"title": "T"}, {"title": "U"}]', "feed.data"),
    (b'\xef\xbb\xbf[{"title": "T"}, {"title": "U"}]\n', "feed.jsonl"),  # one-line array
    (b'[{"title": "T"},\n {"title": "U"}]', "feed.jsonl"),  # content wins
    (b'  {"title": "T"}\n\n  {"title": "U"}', "feed.json"),  # objects in a row
])
def test_json_family_is_told_by_content(tmp_path, content, name):
    path = tmp_path / name
    path.write_bytes(content)
    assert [a.title for a in read(path)] == ["T", "U"]


@pytest.mark.parametrize("source, name", [
    ("feed.rss", "feed"), ("feed.atom", "feed.xml"), ("feed.jsonfeed.json", "feed"),
    ("html/000_572e8aadae5dc2a1.html", "page.xml"),
])
def test_feeds_and_pages_are_told_by_content(tmp_path, source, name):
    path = tmp_path / name
    path.write_bytes((SAMPLES / source).read_bytes())
    assert read(path)[0].title == sample_titles()[0]


def test_format_option_forces_a_format(tmp_path):
    path = tmp_path / "headlines.dat"
    path.write_text("title\tid\nT\t1\n")
    assert [(a.id, a.title) for a in read(path, format="tsv")] == [("1", "T")]
    data_dir = tmp_path / "dir"
    data_dir.mkdir()
    (data_dir / "story").write_text("Headline\nBody\n")
    assert [a.title for a in read(data_dir, format="txt")] == ["Headline"]
    assert read(data_dir) == []  # unknown extension: ignored unless --format


def test_utf16_with_bom_and_other_encodings_by_option(tmp_path):
    utf16 = tmp_path / "a.csv"
    utf16.write_bytes("title,text\nCafé,Crème\n".encode("utf-16"))
    assert [(a.title, a.text) for a in read(utf16)] == [("Café", "Crème")]
    latin = tmp_path / "b.jsonl"
    latin.write_bytes('{"title": "Café"}\n'.encode("cp1252"))
    assert read(latin, encoding="cp1252")[0].title == "Café"


def test_empty_inputs_give_no_articles(tmp_path):
    for name, content in [("a.jsonl", b""), ("b.json", b"  \n"), ("c.json", b"[]"),
                          ("d.csv", b""), ("e.csv", b"title,text\n"), ("f.txt", b"\n \n")]:
        (tmp_path / name).write_bytes(content)
    report = ReadReport()
    assert list(read_articles([str(tmp_path)], ReaderConfig(), report)) == []
    assert (report.files, report.articles) == (6, 0)


# ---------------------------------------------------------------- ids
def test_derived_ids_are_stable_and_do_not_depend_on_position(tmp_path):
    one = {"title": "A", "text": "x", "url": "https://a.example/1?utm_medium=x"}
    two = {"title": "B", "text": "y"}
    forward, backward = tmp_path / "f.jsonl", tmp_path / "b.jsonl"
    forward.write_bytes(orjson.dumps(one) + b"\n" + orjson.dumps(two) + b"\n")
    backward.write_bytes(orjson.dumps(two) + b"\n" + orjson.dumps(one) + b"\n")
    ids = {a.title: a.id for a in read(forward)}
    assert ids == {a.title: a.id for a in read(backward)}
    assert ids["A"] == derived_id("https://a.example/1", None, "A", "x")
    # The canonical URL is the basis, so tracking parameters do not change the id.
    other = tmp_path / "o.jsonl"
    other.write_bytes(orjson.dumps({**one, "url": "https://A.example/1"}) + b"\n")
    assert read(other)[0].id == ids["A"]


def test_colliding_derived_ids_are_disambiguated_by_content(tmp_path):
    same = {"title": "A", "url": "https://a.example/1"}
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in [
        same, {**same, "extra": 1}, same, same]) + b"\n")
    ids = [a.id for a in read(path)]
    base = ids[0]
    assert ids[1].startswith(base + "-") and len(ids[1]) == len(base) + 9
    assert ids[2].startswith(base + "-") and ids[2] != ids[1]
    assert ids[3] == ids[2] + "-2"  # identical records only: a counter
    assert len(set(ids)) == 4


def test_same_feed_twice_reads_without_duplicate_id_errors(tmp_path):
    articles = read(SAMPLES / "feed.rss", SAMPLES / "feed.rss")
    assert len({a.id for a in articles}) == 10
    assert [a.guid for a in articles[:5]] == [a.guid for a in articles[5:]]


def test_numeric_ids_become_strings(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_text('{"id": 7, "title": "A"}\n')
    article = read(path)[0]
    assert article.id == "7" and article.to_dict() == {"id": "7", "title": "A"}


# ---------------------------------------------------------------- helpers
@pytest.mark.parametrize("url, expected", [
    ("HTTPS://WWW.Example.COM:443/a/b?utm_source=x&b=2&a=1&fbclid=3#frag",
     "https://www.example.com/a/b?a=1&b=2"),
    ("http://example.com:80/p?gclid=1&msclkid=2&id=9", "http://example.com/p?id=9"),
    ("  https://ex.example/story#comments ", "https://ex.example/story"),
    ("not a url", "not a url"),
    ("mailto:desk@ex.example", "mailto:desk@ex.example"),
    # Parameters that name the article stay (uci-dev: two articles differ only here).
    ("http://www.sddt.com/News/article.cfm?SourceCode=20140310ff",
     "http://www.sddt.com/News/article.cfm?SourceCode=20140310ff"),
    ("https://ex.example", "https://ex.example/"),
])
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_json_scanner_handles_values_split_across_reads(monkeypatch, chunk):
    monkeypatch.setattr("clusterer.readers.records.CHUNK", chunk)
    records = [{"title": f"T{i}", "text": "é" * i, "n": 10**i} for i in range(12)]
    data = json.dumps(records, indent=1, ensure_ascii=False).encode()
    drafts = list(read_json(io.BytesIO(data), "a.json", ReaderConfig()))
    assert [d.article.title for d in drafts] == [f"T{i}" for i in range(12)]
    assert drafts[3].article.fields["n"] == 1000
    assert drafts[1].article.origin == "a.json:7"  # the line where the element starts


def test_json_scanner_reports_the_line_of_the_error(monkeypatch):
    monkeypatch.setattr("clusterer.readers.records.CHUNK", 5)
    data = b'[\n{"title": "A"},\n{"title": "B",\n "x": }\n]'
    stream = read_json(io.BytesIO(data), "a.json", ReaderConfig())
    assert next(stream).article.title == "A"
    with pytest.raises(InputError, match=r"^a\.json:4: invalid JSON: Expecting value; fix the file$"):
        next(stream)


def test_json_scanner_keeps_only_the_current_value_in_memory(monkeypatch):
    scanner = JsonScanner(io.BytesIO(b"[" + b",".join([b'{"title": "' + b"x" * 1000 + b'"}'] * 500)
                                     + b"]"), "big.json")
    scanner.skip_whitespace()
    scanner.advance()
    longest = 0
    while scanner.skip_whitespace() not in ("]", ""):
        scanner.value()
        longest = max(longest, len(scanner._buffer))
        scanner.skip_whitespace()
        scanner.advance()
    assert longest < 3 * 65536  # a few chunks, not the 500 kB file


def test_forced_jsonfeed_and_txt_stems_that_collide(tmp_path):
    feed = tmp_path / "feed.data"
    feed.write_bytes((SAMPLES / "feed.jsonfeed.json").read_bytes())
    assert len(read(feed, format="jsonfeed")) == 5
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "story.txt").write_text(f"Headline {folder}\nBody\n")
    ids = [a.id for a in read(tmp_path / "a", tmp_path / "b")]
    assert ids[0] == "story" and ids[1].startswith("story-") and len(ids[1]) == 14


@pytest.mark.parametrize("chunk", [3, 64, 65536])
def test_json_scanner_reads_past_an_oversized_value_without_holding_it(monkeypatch, chunk):
    # Strings with brackets, escaped quotes and newlines inside the skipped value, which
    # is 64 times the bound: read past in chunks, the records around it read as usual.
    monkeypatch.setattr("clusterer.readers.records.CHUNK", chunk)
    tricky = 'a "quoted" ] } [ { \\ \n é ' * 2500
    records = [{"title": "A"}, {"title": "Big", "x": [{"s": tricky}, [tricky]]}, {"title": "C"}]
    data = json.dumps(records, indent=1, ensure_ascii=False).encode()
    assert len(data) > 64 * 2048
    scanner_buffers: list[int] = []
    fill = JsonScanner._fill

    def watched(self: JsonScanner, size: int) -> bool:
        scanner_buffers.append(len(self._buffer) - self._pos)
        return fill(self, size)

    monkeypatch.setattr(JsonScanner, "_fill", watched)
    config = ReaderConfig(max_record_bytes=2048, skip_bad=True)
    items = list(read_json(io.BytesIO(data), "a.json", config))
    assert [str(i) if isinstance(i, InputError) else i.article.title for i in items] == [
        "A", "a.json:5: record larger than 2,048 bytes (--max-record-bytes); pass --skip-bad to "
        "skip it, or a larger --max-record-bytes", "C"]
    c_line = data.decode().splitlines().index('  "title": "C"')  # its "{" is the line before
    assert items[2].article.origin == f"a.json:{c_line}"
    assert max(scanner_buffers) < 2 * 2048 + 2 * max(chunk, 65536)  # never the whole value


def test_bounded_reads_stop_one_byte_past_the_bound():
    from clusterer.readers.sources import bounded_lines

    stream = io.BytesIO(b"short\n" + b"x" * 5000 + b"\n" + b"y" * 1024 + b"\nlast")
    assert list(bounded_lines(io.BufferedReader(stream, 64), 1024)) == [
        b"short\n", None, b"y" * 1024 + b"\n", b"last"]


def test_reader_bounds_are_validated():
    with pytest.raises(ValueError, match=r"^max_record_bytes must be between 1024 and "
                       r"2147483647, got 10$"):
        ReaderConfig(max_record_bytes=10)
    with pytest.raises(ValueError, match=r"^max_input_bytes must be at least 1024, got 0$"):
        ReaderConfig(max_input_bytes=0)


def test_rfc_2822_date_of_year_0001_is_not_read_as_2001(tmp_path):
    old = tmp_path / "old.jsonl"
    old.write_text('{"id": "a", "title": "A", "published": "Mon, 01 Jan 0001 00:00:00 +0000"}\n'
                   '{"id": "b", "title": "B", "published": "Mon, 01 Jan 01 00:00:00 +0000"}\n')
    articles = list(read_articles([str(old)]))
    assert [a.published.year for a in articles] == [1, 2001]  # a two-digit year stays 20xx


@pytest.mark.parametrize(("problem", "kind"), [
    ("invalid JSON: trailing comma is not allowed at column 41", "invalid JSON"),
    ('duplicate id "a7" (first at f.jsonl:1)', 'duplicate id "…"'),
    ('missing field "title"', 'missing field "title"'),
    ("record larger than 33,554,432 bytes (--max-record-bytes)", "record larger than N bytes"),
])
def test_reason_kind_counts_like_problems_together(problem, kind):
    from clusterer.readers.config import reason_kind
    assert reason_kind(problem) == kind


def test_an_id_of_only_whitespace_is_no_id(tmp_path):
    feed = tmp_path / "f.jsonl"
    feed.write_text('{"id": " ", "title": "A"}\n{"id": "", "title": "B"}\n{"id": " x ", "title": "C"}\n')
    a, b, c = read(feed)
    assert (a.id, b.id, c.id) == (derived_id(None, None, "A", ""), derived_id(None, None, "B", ""),
                                  " x ")
    assert a.to_dict()["id"] == a.id and a.fields["id"] == " "  # the input's value kept


# ---------------------------------------------------------------- hostile input
def test_xml_external_entities_are_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("secret-token-123\n")
    feed = tmp_path / "xxe.rss"
    feed.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>'
                    '\n<rss version="2.0"><channel><title>F</title><item><title>Leak &xxe;</title>'
                    "<description>Body</description></item></channel></rss>")
    (article,) = read(feed)
    assert (article.title, article.text) == ("Leak &xxe;", "Body")
    assert "secret" not in orjson.dumps(article.to_dict()).decode()


def test_entity_expansion_stays_small(tmp_path):
    entities = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">'
                       for i in range(1, 10))
    feed = tmp_path / "lol.rss"
    feed.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY lol0 "lol">{entities}]>\n'
                    '<rss version="2.0"><channel><title>F</title><item><title>Laugh &lol9;'
                    "</title><description>x</description></item></channel></rss>")
    (article,) = read(feed)  # 10**9 "lol"s if expanded
    assert (article.title, article.text) == ("Laugh &lol9;", "x")


def test_too_deep_flags_only_values_nested_past_the_limit() -> None:
    from clusterer.readers.records import MAX_DEPTH, too_deep

    brackets = "[{" * 300  # inside a string: no nesting
    flat = {"title": brackets, "text": "t"}
    assert too_deep(json.dumps(flat), flat, "x:1") is None
    shallow = {"title": brackets, "tags": [["a"]]}
    assert too_deep(json.dumps(shallow), shallow, "x:1") is None
    deep: dict[str, object] = {"title": "t", "x": []}
    node: list[object] = deep["x"]  # type: ignore[assignment]
    for _ in range(MAX_DEPTH):
        node.append([])
        node = node[0]  # type: ignore[assignment]
    error = too_deep(json.dumps(deep), deep, "x:1")
    assert error is not None and str(error).startswith("x:1: invalid JSON: nested deeper than 254")
