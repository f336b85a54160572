"""Property tests: any bytes or JSON give articles or an InputError, never another
exception; via the CLI exit 0 or 1, never a traceback; every id exactly once in the
outputs of ``clusterer dedup``."""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from typer.testing import CliRunner

from clusterer.cli import app
from clusterer.errors import InputError
from clusterer.readers import FORMATS, ReaderConfig, ReadReport, read_articles

from conftest import SAMPLES, examples

pytestmark = pytest.mark.fuzz
runner = CliRunner()
LARGE = [HealthCheck.too_slow, HealthCheck.data_too_large]
NAMES = ["in.jsonl", "in.json", "in.csv", "in.tsv", "in.txt", "in.rss", "in.xml", "in.html",
         "in", "in.jsonl.gz"]

# Bytes that reach the parsers' interesting paths, not only the binary-file check.
PREFIXES = [b"", b"\xef\xbb\xbf", b"\xff\xfe", b"[", b"{", b'{"title": ', b"<rss>",
            b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">', b"<html>",
            b"title,text\n", b"title\ttext\n", b"\x1f\x8b",
            b'{"version": "https://jsonfeed.org/version/1.1", "items": ']
SAMPLE_BYTES = [(SAMPLES / name).read_bytes()[:3000] for name in
                ("feed.rss", "feed.atom", "feed.jsonfeed.json", "feed.jsonl",
                 "html/000_572e8aadae5dc2a1.html")]

json_scalars = (st.none() | st.booleans() | st.integers(-(2**70), 2**70)
                | st.floats(allow_nan=False) | st.text(max_size=30))
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                           max_leaves=12)
FIELDS = ["id", "title", "text", "url", "source", "published", "guid", "maintext",
          "date_publish", "source_domain", "version", "items"]
field_values = (json_values | st.sampled_from(
    ["", "2024-10-16T22:00:00Z", "2024-13-45", "9999-12-31T23:59:59-01:00",
     "https://Ex.example/a?utm_source=x#f", "http://[::1", "https://jsonfeed.org/version/1",
     # URLs urllib refuses (found by make fuzz; each once ended dedup in a traceback)
     "a://[", "http://[x]", "http://\u2100", "https://a]b["]))
records = st.dictionaries(st.sampled_from(FIELDS), field_values, max_size=7)


def consume(paths: list[str], **config: object) -> int:
    """Read everything; only InputError may escape. The number of articles read."""
    try:
        return len(list(read_articles(paths, ReaderConfig(**config))))  # type: ignore[arg-type]
    except InputError:
        return -1


def mutated(data: bytes, cut: int, insert: bytes) -> bytes:
    cut = min(cut, len(data))
    return data[:cut] + insert + data[cut:][len(insert):]


@examples(200, suppress_health_check=LARGE)
@given(prefix=st.sampled_from(PREFIXES), body=st.binary(max_size=400),
       name=st.sampled_from(NAMES), fmt=st.sampled_from(FORMATS), skip_bad=st.booleans())
def test_random_bytes_give_articles_or_input_error(prefix, body, name, fmt, skip_bad):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(prefix + body)
        consume([str(path)], format=fmt, skip_bad=skip_bad)


@examples(100, suppress_health_check=LARGE)
@given(sample=st.sampled_from(SAMPLE_BYTES), cut=st.integers(0, 3000),
       insert=st.binary(max_size=20), fmt=st.sampled_from(["auto", "rss", "html", "json"]))
def test_damaged_sample_feeds_give_articles_or_input_error(sample, cut, insert, fmt):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "feed"
        path.write_bytes(mutated(sample, cut, insert))
        consume([str(path)], format=fmt)
        consume([str(path)], format=fmt, skip_bad=True)


WHOLE_SAMPLES = [(SAMPLES / name).read_text() for name in
                 ("feed.rss", "feed.atom", "feed.jsonfeed.json", "html/000_572e8aadae5dc2a1.html")]
_TITLES = re.compile(r"<title[^>]*>.*?</title>|\"title\": \"[^\"]*\",?|<h1.*?</h1>", re.S)


@examples(60, suppress_health_check=LARGE)
@given(sample=st.sampled_from(WHOLE_SAMPLES),
       encoding=st.sampled_from(["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "cp1252"]),
       given_encoding=st.booleans(), drop_titles=st.booleans(), nul_at=st.none() | st.integers(0, 9000),
       skip_bad=st.booleans())
def test_samples_in_other_encodings_without_titles_or_with_a_nul(
        sample, encoding, given_encoding, drop_titles, nul_at, skip_bad):
    text = _TITLES.sub("", sample) if drop_titles else sample
    data = text.encode(encoding, "replace")
    if nul_at is not None and encoding == "cp1252":
        data = data[:nul_at] + b"\x00" + data[nul_at:]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "feed"
        path.write_bytes(data)
        read = consume([str(path)], encoding=encoding if given_encoding else "utf-8",
                       skip_bad=skip_bad)
        if encoding != "cp1252" and not drop_titles:  # found without --encoding too
            path.write_bytes(sample.encode("utf-8"))
            assert read == consume([str(path)])


HEADLINE_PARTS = st.sampled_from(["Heavy rain", "DW", "19.01.2020", "CNET.de", "SPIEGEL ONLINE",
                                  "Covid-19", "", " ", "|", "-", "»", "news", "a"])
SEPARATORS = st.sampled_from([" | ", " - ", " – ", "|", " » ", " ", "-"])


@examples(200)
@given(parts=st.lists(st.tuples(HEADLINE_PARTS, SEPARATORS), max_size=6),
       site=st.lists(st.sampled_from(["dw.com", "www.cnet.de", "SPIEGEL ONLINE", "Outlet D",
                                      None, ""]), max_size=3),
       text=st.text(max_size=200))
def test_headlines_cut_made_and_chosen_stay_within_what_was_given(parts, site, text):
    from clusterer.readers.titles import (
        choose_page_title,
        headline_from_text,
        site_words,
        strip_site_affix,
    )
    title = "".join(part + sep for part, sep in parts).strip()
    words = site_words(site)
    cut = strip_site_affix(title, words)
    assert cut in title and (cut.strip() or not title.strip())  # a part, never emptied
    made = headline_from_text(text)
    assert len(made) <= 120 and (made.strip() or not text.split())
    chosen = choose_page_title([title, text, None], words)
    assert chosen is None or chosen in (title.strip(), text.strip())


@examples(100, suppress_health_check=LARGE)
@given(values=st.lists(json_values | records, max_size=5), layout=st.sampled_from(
    ["jsonl", "array", "objects", "single", "jsonfeed", "csv"]), skip_bad=st.booleans())
def test_random_json_gives_articles_or_input_error(values, layout, skip_bad):
    def dump(value: object, indent: int | None = None) -> bytes:
        return json.dumps(value, indent=indent).encode()  # stdlib: integers of any size

    if layout == "jsonl":
        data, name = b"\n".join(dump(v) for v in values), "in.jsonl"
    elif layout == "array":
        data, name = dump(values, indent=2), "in.json"
    elif layout == "objects":
        data, name = b" ".join(dump(v) for v in values), "in.json"
    elif layout == "single":
        data, name = dump(values[0] if values else {}), "in.json"
    elif layout == "jsonfeed":
        data = dump({"version": "https://jsonfeed.org/version/1.1", "items": values})
        name = "in.json"
    else:
        rows = [v for v in values if isinstance(v, dict)]
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(FIELDS[:6])
        for row in rows:
            writer.writerow([json.dumps(row.get(f)) if not isinstance(row.get(f), str)
                             else row.get(f) for f in FIELDS[:6]])
        data, name = out.getvalue().encode(), "in.csv"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        consume([str(path)], skip_bad=skip_bad)


@examples(40)
@given(data=st.one_of(st.binary(max_size=300),
                      st.lists(records, max_size=6).map(
                          lambda rs: "\n".join(json.dumps(r) for r in rs).encode())),
       name=st.sampled_from(NAMES[:-1]), skip_bad=st.booleans())
def test_cli_exits_0_or_1_and_never_shows_a_traceback(data, name, skip_bad):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        args = ["dedup", str(path), "-o", str(Path(tmp) / "out" / "o.jsonl"), "-q", "-j", "1"]
        (Path(tmp) / "out").mkdir()
        report = Path(tmp) / "out" / "skipped.jsonl"
        result = runner.invoke(app, args + (["--skip-bad", "--skip-report", str(report)]
                                            if skip_bad else []))
        if skip_bad and result.exit_code == 0:  # one line per skipped record or file
            skipped = [json.loads(line) for line in report.read_text().splitlines()]
            assert all(entry["reason"] for entry in skipped)
            assert ("Skipped" in result.stderr) == bool(skipped)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code in (0, 1)
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1


# ---------------------------------------------------------------- every id once
WORDS = ["nato", "ukraine", "invitation", "summit", "brussels", "letter", "minister", "war"]
texts = st.lists(st.sampled_from(WORDS), min_size=0, max_size=40).map(" ".join)
article_records = st.fixed_dictionaries(
    {"title": st.sampled_from(["A", "B", "Summit news", "Letter to NATO"])},
    optional={"text": texts,
              "url": st.sampled_from(["https://a.example/1", "https://a.example/1?utm_source=x",
                                      "https://b.example/2"]),
              "guid": st.sampled_from(["g1", "g2"]),
              "published": st.sampled_from(["2024-01-01", "2024-01-02T10:00:00+02:00"])})


@examples(30)
@given(rows=st.lists(st.tuples(st.booleans(), article_records), max_size=25),
       keep=st.sampled_from(["longest", "earliest", "first"]))
def test_every_id_appears_exactly_once_in_each_dedup_output(rows, keep):
    records = [({"id": f"r{i}", **r} if with_id else r) for i, (with_id, r) in enumerate(rows)]
    with tempfile.TemporaryDirectory() as tmp:
        feed, out, groups = (str(Path(tmp) / n) for n in ("in.jsonl", "o.jsonl", "g.json"))
        Path(feed).write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
        report = ReadReport()
        expected = sorted(a.id for a in read_articles([feed], ReaderConfig(), report))
        result = runner.invoke(app, ["dedup", feed, "-o", out, "--groups", groups, "-q",
                                     "--keep", keep, "-j", "1"])
        assert result.exit_code == 0, result.output
        written = [orjson.loads(line) for line in Path(out).read_bytes().splitlines()]
        document = orjson.loads(Path(groups).read_bytes())
    assert report.articles == len(records)
    assert sorted([w["id"] for w in written] + [d for w in written for d in w["duplicates"]]
                  ) == expected
    assert sorted(m["id"] for g in document["groups"] for m in g["members"]) == expected
    assert sorted(g["kept_id"] for g in document["groups"]) == sorted(w["id"] for w in written)
