"""Bad inputs and outputs through the real command: one line on stderr, exit code 1.

Each test names one kind of bad input and asserts the exact message.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clusterer.cli import app

from conftest import SAMPLES

BAD = Path(__file__).resolve().parent / "data" / "bad"
runner = CliRunner()


@pytest.fixture
def in_bad(tmp_path, monkeypatch):
    """Run in a copy of tests/data/bad, so that messages show short relative paths."""
    work = tmp_path / "bad"
    shutil.copytree(BAD, work)
    monkeypatch.chdir(work)
    return work


def dedup(*args: str, input: bytes | None = None):
    return runner.invoke(app, ["dedup", *args], input=input)


def assert_error(result, message: str) -> None:
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {message}\n")


# ---------------------------------------------------------------- record errors
def test_invalid_json_line(in_bad):
    assert_error(dedup("invalid_json.jsonl"),
                 "invalid_json.jsonl:2: invalid JSON: trailing comma is not allowed at column 41; "
                 "fix or remove the line")


def test_invalid_json_array(in_bad):
    Path("array.json").write_text('[\n  {"title": "A"},\n  {"title": "B"\n  {"title": "C"}\n]\n')
    assert_error(dedup("array.json"),
                 "array.json:4: invalid JSON: Expecting ',' delimiter; fix the file")


def test_json_value_that_is_not_an_article(in_bad):
    Path("list.jsonl").write_text('{"title": "A"}\n["not", "an", "object"]\n')
    assert_error(dedup("list.jsonl"), "list.jsonl:2: expected a JSON object, got an array; "
                 "put one article object per line or per array element")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_bad_record_after_many_good_ones_stops_the_run_while_workers_split(in_bad, jobs):
    # Past the first 1,024 articles the reader runs while worker processes split the
    # articles read so far: its error must still stop the run with the same one line.
    good = "".join(json.dumps({"id": f"a{i}", "title": f"Story {i}", "text": f"Body {i}."}) + "\n"
                   for i in range(3000))
    Path("late.jsonl").write_text(good + '["not", "an", "object"]\n' + good.replace('"a', '"b'))
    assert_error(dedup("late.jsonl", "--jobs", jobs),
                 "late.jsonl:3001: expected a JSON object, got an array; "
                 "put one article object per line or per array element")


def test_missing_title(in_bad):
    assert_error(dedup("missing_title.jsonl"), 'missing_title.jsonl:2: missing field "title"; '
                 "pass --title-field to choose another field")


def test_title_of_the_wrong_type(in_bad):
    Path("t.jsonl").write_text('{"title": {"en": "A"}}\n')
    assert_error(dedup("t.jsonl"), 't.jsonl:1: field "title" must be a string, got an object; '
                 "pass --title-field to choose another field")


def test_empty_article(in_bad):
    Path("e.csv").write_text("title,text\nA,x\n,\n")
    assert_error(dedup("e.csv"), "e.csv:3: empty article: no title and no text; "
                 "remove the record or fill in its title")


def test_bad_date(in_bad):
    assert_error(dedup("bad_date.jsonl"), 'bad_date.jsonl:1: field "published": not an ISO 8601 '
                 "date: 'yesterday'; use ISO 8601, e.g. 2024-10-16T22:00:00Z")


def test_undecodable_bytes_name_the_line_and_the_fix(in_bad):
    assert_error(dedup("latin1.csv"), "latin1.csv:2: not valid UTF-8 (byte 0xe9 at column 7); "
                 "pass --encoding with the file's encoding (e.g. --encoding cp1252), "
                 "or convert it to UTF-8")
    fixed = dedup("latin1.csv", "--encoding", "cp1252", "-q")
    assert fixed.exit_code == 0
    assert json.loads(fixed.stdout)["title"] == "Café reopens"


def test_binary_file(in_bad):
    Path("image.jsonl").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert_error(dedup("image.jsonl"), "image.jsonl: binary data (a NUL byte at offset 8), "
                 "not a feed; pass JSONL, JSON, CSV, TSV, RSS, Atom, HTML or .txt files "
                 "(text in an encoding that was not recognised needs --encoding, e.g. --encoding utf-16)")


def test_corrupt_gzip(in_bad):
    packed = gzip.compress(b'{"title": "A"}\n' * 1000)
    Path("feed.jsonl.gz").write_bytes(packed[: len(packed) // 2])
    assert_error(dedup("feed.jsonl.gz"), "feed.jsonl.gz: corrupt gzip data: Compressed file "
                 "ended before the end-of-stream marker was reached; "
                 "re-create or re-download the file")


def test_duplicate_ids_across_inputs(in_bad):
    assert_error(dedup("dup_a.jsonl", "dup_b.jsonl"),
                 'dup_b.jsonl:4: duplicate id "x" (first at dup_a.jsonl:1); give every article a '
                 "unique id, or pass --id-field to choose another field")


def test_csv_without_a_title_column(in_bad):
    Path("h.csv").write_text("id,headline\n1,A\n")
    assert_error(dedup("h.csv"), 'h.csv:1: no "title" column (columns: id, headline); '
                 "pass --title-field to choose another column")


def test_csv_row_with_the_wrong_number_of_fields(in_bad):
    Path("r.csv").write_text("id,title\n1,A\n2,B,extra\n")
    assert_error(dedup("r.csv"), "r.csv:3: 3 fields, the header has 2; "
                 "quote fields that contain the delimiter")


def test_xml_that_is_not_a_feed(in_bad):
    assert_error(dedup("not_a_feed.xml"), "not_a_feed.xml: not an RSS or Atom feed; "
                 "check the file, or pass --format for another format")


def test_json_feed_without_items(in_bad):
    Path("f.json").write_text('{"version": "https://jsonfeed.org/version/1.1", "title": "F"}')
    assert_error(dedup("f.json"), 'f.json: not a JSON Feed: no "items" array; '
                 "check the file, or pass --format for another format")


def test_format_that_cannot_be_told(in_bad):
    assert_error(dedup("-", input=b"title,text\nA,B\n"),
                 "<stdin>: cannot tell the format from the name or the content; "
                 "pass --format (e.g. --format csv, tsv or txt)")
    ok = dedup("-", "--format", "csv", "-q", input=b"title,text\nA,B\n")
    assert ok.exit_code == 0 and json.loads(ok.stdout)["title"] == "A"


# ---------------------------------------------------------------- paths
def test_missing_path(in_bad):
    assert_error(dedup("dup_a.jsonl", "nowhere.jsonl"),
                 "nowhere.jsonl: no such file or directory; check the path")


def test_unreadable_path(in_bad, monkeypatch):
    Path("secret.jsonl").write_text('{"title": "A"}\n')
    if os.geteuid() == 0:  # root reads any file: make opening it fail as it would for a user
        real_open = Path.open

        def denied(self: Path, *args: object, **kwargs: object):
            if self.name == "secret.jsonl":
                raise PermissionError(13, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)

        monkeypatch.setattr(Path, "open", denied)
    else:
        Path("secret.jsonl").chmod(0)
    assert_error(dedup("secret.jsonl"), "secret.jsonl: cannot read: Permission denied; "
                 "check the path and its permissions")


def test_output_equal_to_an_input(in_bad):
    assert_error(dedup("dup_a.jsonl", "-o", "dup_a.jsonl"),
                 "dup_a.jsonl: output path is also an input; choose another output path")
    assert Path("dup_a.jsonl").read_text() == '{"id": "x", "title": "First"}\n'  # untouched


def test_groups_file_equal_to_an_input(in_bad):
    assert_error(dedup("dup_a.jsonl", "--groups", "./dup_a.jsonl"),
                 "./dup_a.jsonl: output path is also an input; choose another output path")


def test_output_inside_an_input_directory(in_bad):
    assert_error(dedup(".", "-o", "out.jsonl"),
                 "out.jsonl: output path is inside the input directory '.', where the next run "
                 "would read it; choose a path outside it")


def test_output_directory_missing_is_found_before_reading(in_bad):
    assert_error(dedup("invalid_json.jsonl", "-o", "no/such/out.jsonl"),
                 "no/such/out.jsonl: directory 'no/such' does not exist; create it first")


def test_output_that_is_a_directory(in_bad, tmp_path):
    assert_error(dedup("dup_a.jsonl", "-o", str(tmp_path)),
                 f"{tmp_path}: is a directory; give a file path")


def test_bad_option_values():
    assert_error(dedup(str(SAMPLES / "feed.jsonl"), "--format", "xml"),
                 "invalid option: format must be one of auto, jsonl, json, csv, tsv, txt, rss, "
                 "atom, jsonfeed, news-please, html, got 'xml'")
    assert_error(dedup(str(SAMPLES / "feed.jsonl"), "--encoding", "klingon"),
                 "invalid option: encoding must be a text encoding Python knows (e.g. utf-8, "
                 "cp1252, latin-1), got 'klingon'")


# ---------------------------------------------------------------- not errors
def test_empty_input_writes_empty_outputs(in_bad):
    result = dedup("empty.jsonl", "-o", "out.jsonl", "--groups", "groups.json")
    assert result.exit_code == 0
    assert result.stderr == ("No articles read from empty.jsonl; the outputs are empty.\n"
                             "Read 0 articles: kept 0, merged 0 duplicates into 0 groups.\n")
    assert Path("out.jsonl").read_bytes() == b""
    assert json.loads(Path("groups.json").read_text())["groups"] == []


@pytest.mark.parametrize("name", ["-", "noextension"])
def test_empty_stdin_or_unnamed_file_writes_empty_outputs(in_bad, name):
    Path("noextension").write_bytes(b"")
    result = dedup(name, "-o", "out.jsonl", input=b"")
    assert (result.exit_code, result.stderr) == (0, (
        f"No articles read from {name}; the outputs are empty.\n"
        "Read 0 articles: kept 0, merged 0 duplicates into 0 groups.\n"))
    assert Path("out.jsonl").read_bytes() == b""


def test_skip_bad_counts_and_lists_the_skipped_records(in_bad):
    result = dedup("--skip-bad", "invalid_json.jsonl", "missing_title.jsonl", "dup_a.jsonl",
                   "dup_b.jsonl", "bad_date.jsonl", "latin1.csv", "-o", "out.jsonl")
    assert result.exit_code == 0
    assert result.stderr == (
        "Skipped 5 bad records (--skip-bad):\n"
        "  invalid_json.jsonl:2: invalid JSON: trailing comma is not allowed at column 41; "
        "fix or remove the line\n"
        '  missing_title.jsonl:2: missing field "title"; pass --title-field to choose another '
        "field\n"
        '  dup_b.jsonl:4: duplicate id "x" (first at dup_a.jsonl:1); give every article a unique '
        "id, or pass --id-field to choose another field\n"
        "  bad_date.jsonl:1: field \"published\": not an ISO 8601 date: 'yesterday'; use ISO "
        "8601, e.g. 2024-10-16T22:00:00Z\n"
        "  latin1.csv:2: not valid UTF-8 (byte 0xe9 at column 7); pass --encoding with the "
        "file's encoding (e.g. --encoding cp1252), or convert it to UTF-8\n"
        "Read 7 articles: kept 7, merged 0 duplicates into 0 groups.\n")
    ids = [json.loads(line)["id"] for line in Path("out.jsonl").read_text().splitlines()]
    assert ids == ["g1", "g3", "m1", "x", "y", "z", "w"]


def test_skip_bad_skips_the_rest_of_a_broken_file_and_says_so(in_bad):
    Path("a.json").write_text('[{"title": "A"},\n {"title": "B"} {"title": "C"}]')
    result = dedup("--skip-bad", "-q", "a.json", "dup_a.jsonl")
    assert result.exit_code == 0
    assert result.stderr == (
        "Skipped the rest of 1 broken file (--skip-bad):\n"
        "  a.json:2: invalid JSON: expected ',' or ']' after an array element, found '{'; "
        "skipped the rest of the file\n")
    assert [json.loads(line)["title"] for line in result.stdout.splitlines()] == [
        "A", "B", "First"]


def test_skip_bad_shows_the_first_five_and_counts_the_rest(in_bad):
    Path("many.jsonl").write_text('{"text": "no title"}\n' * 8)
    result = dedup("--skip-bad", "-q", "many.jsonl", "dup_a.jsonl")
    lines = result.stderr.splitlines()
    assert lines[0] == "Skipped 8 bad records (--skip-bad):"
    assert lines[1:6] == [f'  many.jsonl:{n}: missing field "title"; pass --title-field to '
                          "choose another field" for n in range(1, 6)]
    assert lines[6:] == ['  … and 3 more; by reason: 8 missing field "title" (--skip-report FILE '
                         "lists them all)"]


def test_ignored_files_are_mentioned(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"title": "A"}\n')
    (tmp_path / "notes.md").write_text("notes\n")
    result = dedup(str(tmp_path))
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == (
        f"Ignored 1 file of unknown type in input directories (pass --format to read them): "
        f"{tmp_path / 'notes.md'}")


def test_input_id_equal_to_an_earlier_derived_id(in_bad):
    Path("story.txt").write_text("Headline\nBody\n")
    Path("ids.jsonl").write_text('{"id": "story", "title": "Other"}\n')
    assert_error(dedup("story.txt", "ids.jsonl"),
                 'ids.jsonl:1: duplicate id "story" (first at story.txt:1, where it was '
                 "derived); give every article a unique id, or pass --id-field to choose "
                 "another field")
    assert dedup("ids.jsonl", "story.txt", "-q").exit_code == 0  # a derived id gives way


def test_feed_item_without_title_and_text(in_bad):
    Path("f.rss").write_text('<rss version="2.0"><channel><title>F</title>'
                             "<item><title>A</title></item><item><description> </description>"
                             "<link>http://x.example/b</link></item></channel></rss>")
    assert_error(dedup("f.rss"), "f.rss:item 2: no <title> and no text; "
                 "pass --skip-bad to skip such items")


def test_html_page_without_title(in_bad):
    Path("p.html").write_text("<html><body><div>Nothing here</div></body></html>")
    assert_error(dedup("p.html"), "p.html:1: no title found (<title>, og:title or <h1>); "
                 "check that the file is an article page, or pass --skip-bad")


def test_skip_bad_skips_a_binary_file_in_a_directory(in_bad, tmp_path):
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    (feeds / "a.jsonl").write_text('{"title": "A"}\n')
    (feeds / "b.jsonl").write_bytes(b"\x00\x01\x02")
    result = dedup(str(feeds), "--skip-bad", "-q")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "Skipped 1 unreadable file (--skip-bad):",
        f"  {feeds / 'b.jsonl'}: binary data (a NUL byte at offset 0), not a feed; "
        "pass JSONL, JSON, CSV, TSV, RSS, Atom, HTML or .txt files (text in an encoding that "
        "was not recognised needs --encoding, e.g. --encoding utf-16)"]
    assert [json.loads(line)["title"] for line in result.stdout.splitlines()] == ["A"]


# ---------------------------------------------------------------- bounds and tracebacks
RECORD_BOUND = "record larger than 1,024 bytes (--max-record-bytes); pass --skip-bad to skip it, " \
    "or a larger --max-record-bytes"


def test_oversized_jsonl_line_stops_the_run_or_is_skipped(in_bad):
    Path("big.jsonl").write_text('{"title": "A"}\n{"title": "Big", "text": "' + "x" * 5000
                                 + '"}\n{"title": "C"}\n')
    assert_error(dedup("big.jsonl", "--max-record-bytes", "1024"), f"big.jsonl:2: {RECORD_BOUND}")
    skipped = dedup("big.jsonl", "--max-record-bytes", "1024", "--skip-bad", "-q")
    assert skipped.exit_code == 0
    assert skipped.stderr == f"Skipped 1 bad record (--skip-bad):\n  big.jsonl:2: {RECORD_BOUND}\n"
    assert [json.loads(line)["title"] for line in skipped.stdout.splitlines()] == ["A", "C"]


def test_oversized_json_element_and_csv_row(in_bad):
    Path("big.json").write_text(json.dumps([{"title": "A"}, {"title": "B", "text": "x" * 5000},
                                            {"title": "C"}], indent=1))
    assert_error(dedup("big.json", "--max-record-bytes", "1024"), f"big.json:5: {RECORD_BOUND}")
    Path("big.csv").write_text("title,text\nD,d\nE," + "x" * 5000 + "\nF,f\n")
    assert_error(dedup("big.csv", "--max-record-bytes", "1024"), f"big.csv:3: {RECORD_BOUND}")
    skipped = dedup("big.json", "big.csv", "--max-record-bytes", "1024", "--skip-bad", "-q")
    assert [json.loads(line)["title"] for line in skipped.stdout.splitlines()] == [
        "A", "C", "D", "F"]


def test_oversized_documents_read_whole(in_bad):
    Path("big.txt").write_text("Headline\n" + "body " * 1000)
    assert_error(dedup("big.txt", "--max-record-bytes", "1024"), "big.txt:1: document read "
                 "whole larger than 1,024 bytes (--max-record-bytes); pass --skip-bad to skip "
                 "it, or a larger --max-record-bytes")
    Path("big.rss").write_text('<rss version="2.0"><channel><title>F</title>'
                               + "<item><title>A</title></item>" * 100 + "</channel></rss>")
    assert_error(dedup("big.rss", "--max-record-bytes", "1024"), "big.rss: document read "
                 "whole larger than 1,024 bytes (--max-record-bytes); pass --skip-bad to skip "
                 "it, or a larger --max-record-bytes")


def test_gzip_bomb_stops_at_max_input_bytes(in_bad):
    line = b'{"title": "Same story", "text": "' + b"word " * 100 + b'"}\n'
    Path("bomb.jsonl.gz").write_bytes(gzip.compress(line * 20_000))  # 10 MB from 18 kB
    assert_error(dedup("bomb.jsonl.gz", "--max-input-bytes", "1000000"),
                 "bomb.jsonl.gz: more than 1,000,000 bytes of data after decompression "
                 "(--max-input-bytes); pass a larger --max-input-bytes, or split the file")


def test_running_out_of_memory_is_one_line(in_bad, monkeypatch):
    def no_memory(data: object) -> object:
        raise MemoryError

    monkeypatch.setattr("clusterer.readers.records.orjson.loads", no_memory)
    assert_error(dedup("dup_a.jsonl"), "dup_a.jsonl: out of memory while reading and processing "
                 "the input; pass --skip-bad with a smaller --max-record-bytes to skip records "
                 "this large, or run on a machine with more memory")


@pytest.mark.parametrize("name, depth", [("deep.jsonl", 300), ("deep.json", 300),
                                         ("deep.json", 100_000)])
def test_json_nested_too_deeply(in_bad, name, depth):
    Path(name).write_text('{"title": "A", "x": ' + "[" * depth + "]" * depth + "}\n")
    message = ("invalid JSON: nested deeper than 254 levels; flatten the record" if depth < 1000
               else "invalid JSON: nested too deeply; flatten the record")
    assert_error(dedup(name), f"{name}:1: {message}")


def test_deep_html_page_and_feed_content_are_bad_records_not_empty_text(in_bad):
    Path("deep.html").write_text("<html><head><title>T</title></head><body>" + "<div>" * 100_000
                                 + "Body text. " * 20 + "</div>" * 100_000 + "</body></html>")
    assert_error(dedup("deep.html"), "deep.html:1: HTML nested deeper than 256 elements: its "
                 "text cannot be read; pass --skip-bad to skip such pages")
    Path("deep.rss").write_text('<rss version="2.0"><channel><title>F</title><item><title>A'
                                "</title><description>" + "&lt;div&gt;" * 100_000 + "body"
                                + "&lt;/div&gt;" * 100_000 + "</description></item></channel></rss>")
    assert_error(dedup("deep.rss"), "deep.rss:item 1: HTML nested deeper than 256 elements: its "
                 "text cannot be read; pass --skip-bad to skip such items")


@pytest.mark.parametrize("codec", ["rot13", "base64", "zlib", "hex", "bz2", "uu", "quopri"])
def test_encodings_that_are_not_text_codecs(codec):
    assert_error(dedup(str(SAMPLES / "feed.jsonl"), "--encoding", codec),
                 "invalid option: encoding must be a text encoding Python knows (e.g. utf-8, "
                 f"cp1252, latin-1), got {codec!r}")


def test_txt_file_named_in_another_encoding(in_bad):
    name = os.fsdecode(b"caf\xe9.txt")  # Latin-1 bytes in the name: not valid UTF-8
    Path(name).write_text("Headline\nBody text.\n")
    result = dedup(name, "-q")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["id"] == "caf\ufffd"  # the stem, mended, is the id


def test_integer_ids_beyond_64_bits_stay_exact(in_bad):
    Path("ids.jsonl").write_text('{"id": 18446744073709551616, "title": "A"}\n'
                                 '{"id": 18446744073709551617, "title": "B", '
                                 '"n": 123456789012345678901234567890}\n')
    Path("ids.json").write_text('[{"id": 36893488147419103232, "title": "C"}]')
    result = dedup("ids.jsonl", "ids.json", "-q")
    assert result.exit_code == 0
    written = [json.loads(line) for line in result.stdout.splitlines()]
    assert [{k: v for k, v in r.items() if k != "normalized"} for r in written] == [
        {"id": "18446744073709551616", "title": "A", "duplicates": []},
        {"id": "18446744073709551617", "title": "B", "n": 123456789012345678901234567890,
         "duplicates": []},
        {"id": "36893488147419103232", "title": "C", "duplicates": []}]
    assert [r["normalized"]["origin"] for r in written] == [
        {"file": "ids.jsonl", "line": 1}, {"file": "ids.jsonl", "line": 2},
        {"file": "ids.json", "line": 1}]



def test_unwritable_output_directory_is_found_before_reading(in_bad, monkeypatch):
    def read_only(*args: object, **kwargs: object):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr("tempfile.mkstemp", read_only)
    # The input is bad too: the output's error shows that nothing was read first.
    assert_error(dedup("invalid_json.jsonl", "-o", "out.jsonl"),
                 "out.jsonl: cannot write: Read-only file system; choose another path")


# ---------------------------------------------------------------- one bad file among many
def test_a_bad_file_is_found_before_any_file_is_read(in_bad):
    from clusterer.errors import InputError
    from clusterer.readers import read_articles

    Path("feeds").mkdir()
    Path("feeds/a.jsonl").write_text('{"title": "A"}\n')
    Path("feeds/z.data.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    articles = read_articles(["feeds"])
    with pytest.raises(InputError, match=r"^feeds/z\.data\.html: binary data \(a NUL byte at "
                       r"offset 8\), not a feed"):
        next(articles)  # before a.jsonl yields its article


def test_skip_report_lists_every_skipped_record_and_file(in_bad):
    Path("feeds").mkdir()
    Path("feeds/a.jsonl").write_text('{"title": "A"}\n{"text": "no title"}\n{"title": [3]}\n')
    Path("feeds/b.html").write_bytes(b"\x00\x01\x02" * 10)
    Path("feeds/c.json").write_text('[{"title": "B"}\n {"title": "C"}]')
    Path("feeds/notes.md").write_text("notes\n")
    result = dedup("feeds", "--skip-bad", "-q", "-o", "out.jsonl", "--skip-report", "skip.jsonl")
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == (
        "Skipped 2 bad records, the rest of 1 broken file and 1 unreadable file (--skip-bad):")
    lines = [json.loads(line) for line in Path("skip.jsonl").read_text().splitlines()]
    assert lines == [
        {"file": "feeds/b.html", "line": None, "item": None, "skipped": "file",
         "reason": "binary data (a NUL byte at offset 0), not a feed",
         "hint": "pass JSONL, JSON, CSV, TSV, RSS, Atom, HTML or .txt files (text in an "
                 "encoding that was not recognised needs --encoding, e.g. --encoding utf-16)"},
        {"file": "feeds/a.jsonl", "line": 2, "item": None, "skipped": "record",
         "reason": 'missing field "title"', "hint": "pass --title-field to choose another field"},
        {"file": "feeds/a.jsonl", "line": 3, "item": None, "skipped": "record",
         "reason": 'field "title" must be a string, got an array',
         "hint": "pass --title-field to choose another field"},
        {"file": "feeds/c.json", "line": 2, "item": None, "skipped": "rest of file",
         "reason": "invalid JSON: expected ',' or ']' after an array element, found '{'",
         "hint": "skipped the rest of the file"},
        {"file": "feeds/notes.md", "line": None, "item": None, "skipped": "file",
         "reason": "unknown file type", "hint": "pass --format to read such files"},
    ]
    assert [json.loads(line)["title"] for line in Path("out.jsonl").read_text().splitlines()
            ] == ["A", "B"]


def test_skip_report_hint_does_not_ask_for_skip_bad_again(in_bad):
    Path("big.jsonl").write_text('{"title": "A"}\n{"title": "' + "x" * 2000 + '"}\n')
    result = dedup("big.jsonl", "--skip-bad", "-q", "-o", "out.jsonl", "--max-record-bytes",
                   "1024", "--skip-report", "skip.jsonl")
    assert result.exit_code == 0
    assert [json.loads(line) for line in Path("skip.jsonl").read_text().splitlines()] == [
        {"file": "big.jsonl", "line": 2, "item": None, "skipped": "record",
         "reason": "record larger than 1,024 bytes (--max-record-bytes)",
         "hint": "a larger --max-record-bytes"}]
