"""The CLI run for real (CliRunner): exact output, exact errors, exit codes."""

import json
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from clusterer import __version__
from clusterer.cli import app

from conftest import SAMPLES

runner = CliRunner()
FEED = str(SAMPLES / "feed.jsonl")


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"clusterer {__version__}\n"


def test_dedup_samples_writes_every_article_and_a_summary(tmp_path):
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["dedup", FEED, "--output", str(out)])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "Read 5 articles: kept 5, merged 0 duplicates into 0 groups.\n"
    originals = [orjson.loads(line) for line in (SAMPLES / "feed.jsonl").read_bytes().splitlines()]
    written = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert written == [
        {**o, "duplicates": [], "normalized": {
            "title": o["title"], "published": None, "source": None, "url": None,
            "origin": {"file": FEED, "line": line}}}
        for line, o in enumerate(originals, start=1)]


def test_dedup_to_stdout_merges_a_copy_and_shows_the_group_table(tmp_path):
    lines = (SAMPLES / "feed.jsonl").read_bytes().splitlines()
    record = orjson.loads(lines[4])
    copy = {**record, "id": "copy-1", "title": record["title"].upper() + " | Wire",
            "text": "WASHINGTON (AP) — " + record["text"].replace("'", "&#8217;")}
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b"\n".join([*lines, orjson.dumps(copy)]) + b"\n")
    result = runner.invoke(app, ["dedup", str(feed), "--top", "1"])
    assert result.exit_code == 0
    kept = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(k["id"], k["duplicates"]) for k in kept][-1] == ("004_067f50a622b83cf2", ["copy-1"])
    assert result.stderr.startswith("Read 6 articles: kept 5, merged 1 duplicates into 1 groups.\n")
    assert "Largest duplicate groups" in result.stderr
    assert "004_067f50a622b83cf2" in result.stderr


def test_dedup_groups_file(tmp_path):
    groups = tmp_path / "groups.json"
    result = runner.invoke(app, ["dedup", FEED, "-o", str(tmp_path / "o.jsonl"),
                                 "--groups", str(groups), "--quiet"])
    assert result.exit_code == 0
    assert result.stderr == ""
    doc = json.loads(groups.read_text())
    assert list(doc) == ["schema_version", "params", "stats", "groups"]
    assert doc["stats"] == {"articles": 5, "kept": 5, "duplicates": 0, "groups": 0}
    assert doc["groups"][0] == {
        "kept_id": "000_572e8aadae5dc2a1", "size": 1,
        "title": "Ukraine urges NATO invitation before Biden leaves office, ambassador says",
        "members": [{"id": "000_572e8aadae5dc2a1", "similarity": 1.0, "kept": True}],
    }


def test_dedup_reads_the_plain_text_directory_too():
    result = runner.invoke(app, ["dedup", str(SAMPLES / "txt"), "-q"])
    assert result.exit_code == 0
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [
        "000_572e8aadae5dc2a1", "001_c53f92eaafb8e6c3", "002_19fc496d41bd9699",
        "003_0256ba80296706a5", "004_067f50a622b83cf2"]


def test_dedup_output_is_byte_identical_across_runs(tmp_path):
    outs = []
    for n in range(2):
        out = tmp_path / f"o{n}.jsonl"
        groups = tmp_path / f"g{n}.json"
        runner.invoke(app, ["dedup", FEED, "-o", str(out), "--groups", str(groups), "-q"])
        outs.append((out.read_bytes(), groups.read_bytes()))
    assert outs[0] == outs[1]


def test_bad_option_value_is_one_line_and_exit_1():
    result = runner.invoke(app, ["dedup", FEED, "--threshold", "2"])
    assert result.exit_code == 1
    assert result.stderr == "Error: invalid option: threshold must be in (0.0, 1.0], got 2.0\n"


def test_bad_keep_policy():
    result = runner.invoke(app, ["dedup", FEED, "--keep", "newest"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: invalid option: keep must be one of longest, earliest, first, got 'newest'\n")


def test_missing_input_file():
    result = runner.invoke(app, ["dedup", "no/such.jsonl"])
    assert result.exit_code == 1
    assert result.stderr == "Error: no/such.jsonl: no such file or directory; check the path\n"


def test_a_url_that_does_not_parse_is_kept_as_it_is(tmp_path):
    # Regression (found by the fuzz test): chrome learning parsed the URL again without a
    # guard, and this record ended both commands with a ValueError traceback.
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"url": "a://[", "title": "!"}\n{"url": "http://[ab]/", "title": "?"}\n')
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["dedup", str(feed), "-o", str(out), "-q"])
    assert (result.exit_code, result.stderr) == (0, "")
    written = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert [(r["url"], r["title"]) for r in written] == [("a://[", "!"), ("http://[ab]/", "?")]
    result = runner.invoke(app, ["storylines", str(feed), "--json", str(tmp_path / "s.json"), "-q"])
    assert (result.exit_code, result.stderr) == (0, "")
    assert orjson.loads((tmp_path / "s.json").read_bytes())["stats"]["articles"] == 2


def test_storylines_quiet_still_prints_the_table_with_ids(tmp_path):
    out = tmp_path / "s.json"
    result = runner.invoke(app, ["storylines", FEED, "--json", str(out), "-q", "--limit", "0",
                                 "--similarity", "0.1", "--output-format", "table"])
    assert result.exit_code == 0
    assert result.stderr == ""
    story = json.loads(out.read_text())["storylines"][0]
    assert story["id"] in result.stdout  # the table has an id column
    assert "1 storylines (1 shown); 3 unclustered articles." in result.stdout


def test_storylines_print_tsv_when_piped_and_json_lines_when_asked(tmp_path):
    out = tmp_path / "s.json"
    result = runner.invoke(app, ["storylines", FEED, "--json", str(out), "--similarity", "0.1"])
    story = json.loads(out.read_text())["storylines"][0]
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [  # CliRunner's stdout is no terminal: TSV
        "rank\tid\tsize\tsources\tfirst_seen\tlast_seen\theadline\tkeywords",
        f"1\t{story['id']}\t2\t0\t\t\t{story['headline']}\t{', '.join(story['keywords'])}",
    ]
    assert result.stderr == "1 storylines (1 shown); 3 unclustered articles.\n"
    result = runner.invoke(app, ["storylines", FEED, "--similarity", "0.1", "-q",
                                 "--output-format", "json"])
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {"rank": 1, "id": story["id"], "size": 2, "sources": 0, "first_seen": None,
         "last_seen": None, "headline": story["headline"], "keywords": story["keywords"]}]
    assert result.stderr == ""
    result = runner.invoke(app, ["storylines", FEED, "--output-format", "csv"])
    assert (result.exit_code, result.stderr) == (
        1, "Error: invalid option: --output-format must be one of auto, table, tsv, json, "
           "got 'csv'\n")


def test_storylines_similarity_option_reaches_the_config(tmp_path):
    out = tmp_path / "s.json"
    result = runner.invoke(app, ["storylines", FEED, "--json", str(out), "-q",
                                 "--similarity", "0.99"])
    assert result.exit_code == 0
    document = json.loads(out.read_text())
    assert document["params"]["storylines"]["similarity"] == 0.99
    assert document["stats"]["storylines"] == 0


def test_dedup_records_carry_normalized_fields_beside_the_originals(tmp_path):
    out = tmp_path / "out.jsonl"
    rss = str(SAMPLES / "feed.rss")
    result = runner.invoke(app, ["dedup", rss, "-o", str(out), "-q"])
    assert result.exit_code == 0
    first = orjson.loads(out.read_bytes().splitlines()[0])
    assert first["published"] == "Wed, 16 Oct 2024 19:00:00 +0000"  # as the feed has it
    assert first["normalized"] == {
        "title": first["title"], "published": "2024-10-16T19:00:00Z", "source": "Outlet A",
        "url": "https://outlet-a.example/2024/10/16/ukraine-urges-nato-invitation-before-biden-leaves",
        "origin": {"file": rss, "line": None, "item": 1}}


# ---------------------------------------------------------------- progress
def test_progress_log_lines_when_stderr_is_not_a_terminal(tmp_path, monkeypatch):
    import re

    monkeypatch.setenv("CLUSTERER_PROGRESS", "log")  # what a non-terminal stderr gets
    size = (SAMPLES / "feed.jsonl").stat().st_size + sum(
        p.stat().st_size for p in (SAMPLES / "html").iterdir())
    result = runner.invoke(app, ["dedup", str(SAMPLES / "feed.jsonl"), str(SAMPLES / "html"),
                                 "-o", str(tmp_path / "out.jsonl")])
    assert result.exit_code == 0
    kb = f"{size / 1e3:.1f}"
    patterns = [rf"reading: {kb}/{kb} kB in \d+\.\d s", r"reading and splitting: 10 in \d+\.\d s",
                r"fingerprinting: 10/10 in \d+\.\d s", r"matching \(body\): in \d+\.\d s",
                r"Read 10 articles: kept 5, merged 5 duplicates into 5 groups\."]
    lines = result.stderr.splitlines()[:5]
    assert [bool(re.fullmatch(p, line)) for p, line in zip(patterns, lines)] == [True] * 5, lines


def test_reading_progress_counts_bytes_up_to_the_total(tmp_path):
    from clusterer.readers import READING, read_articles

    calls = []
    paths = [str(SAMPLES / "feed.jsonl"), str(SAMPLES / "feed.rss")]
    size = sum(Path(p).stat().st_size for p in paths)
    articles = list(read_articles(paths, progress=lambda *call: calls.append(call)))
    assert len(articles) == 10
    assert {stage for stage, _, _ in calls} == {READING}
    assert calls[0] == (READING, 0, size) and calls[-1] == (READING, size, size)
    assert all(total == size and done < size for _, done, total in calls[:-1])
    assert [done for _, done, _ in calls] == sorted(done for _, done, _ in calls)


@pytest.mark.parametrize(("stage", "done", "total", "shown"), [
    ("reading", 512, 2048, "0.5/2.0 kB"), ("reading", 12, 600, "12/600 B"),
    ("reading", 1_500_000, 45_200_000, "1.5/45.2 MB"), ("reading", 14, None, "14 B"),
    ("matching (body)", 0, 1, ""), ("fingerprinting", 256, 2000, "256/2,000"),
    ("reading and splitting", 2000, None, "2,000"),
])
def test_progress_counts_bytes_for_reading_and_nothing_for_one_step(stage, done, total, shown):
    from clusterer.cli.printing import _count

    assert _count(stage, done, total) == shown


def test_help_and_a_small_dedup_import_only_what_they_use(tmp_path):
    # Start-up: scipy (datasketch imports scipy.integrate to choose LSH bands),
    # scikit-learn, trafilatura and feedparser are imported only by what needs them; lxml
    # (HTML), charset_normalizer (non-UTF-8 input) and plotly (the report's chart) too.
    import subprocess
    import sys

    heavy = ("datasketch", "scipy", "sklearn", "trafilatura", "feedparser", "hdbscan", "lxml",
             "charset_normalizer", "plotly")
    script = (
        "import sys\n"
        "from clusterer.cli import app\n"
        f"for argv in (['--help'], ['dedup', {str(SAMPLES / 'feed.jsonl')!r}, '-q',\n"
        f"             '-o', {str(tmp_path / 'out.jsonl')!r}]):\n"
        "    try:\n"
        "        app(argv, prog_name='clusterer')\n"
        "    except SystemExit as exit:\n"
        "        assert not exit.code, exit.code\n"
        f"    print(sorted(m for m in {heavy!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    assert done.stdout.splitlines()[-2:] == ["[]", "[]"]
    assert (tmp_path / "out.jsonl").stat().st_size > 0


def test_storylines_features_option(tmp_path):
    out = tmp_path / "s.json"
    result = runner.invoke(app, ["storylines", str(SAMPLES / "feed.jsonl"), "--features",
                                 "semantic", "--json", str(out), "-q"])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert document["params"]["storylines"]["features"]["kind"] == "semantic"
    ids = [a["id"] for s in document["storylines"] for a in s["articles"]] + [
        a["id"] for a in document["unclustered"]]
    ids += [d for s in document["storylines"] for a in s["articles"] for d in a["duplicates"]]
    ids += [d for a in document["unclustered"] for d in a["duplicates"]]
    given = [json.loads(line)["id"] for line in (SAMPLES / "feed.jsonl").read_text().splitlines()]
    assert sorted(ids) == sorted(given)  # every article exactly once
    bad = runner.invoke(app, ["storylines", str(SAMPLES / "feed.jsonl"), "--features", "bert"])
    assert bad.exit_code == 1
    assert bad.stderr == ("Error: invalid option: features must be one of tfidf, semantic, "
                          "hybrid, got 'bert'\n")


@pytest.mark.parametrize(("command", "extra"), [("dedup", "clusterer[dask]"),
                                                ("storylines", "clusterer[semantic]"),
                                                ("storylines", "clusterer[parquet]")])
def test_help_names_the_optional_extras_in_full(command: str, extra: str) -> None:
    # Rich reads "[dask]" as a style tag and drops it unless the bracket is escaped.
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert f"'{extra}'" in result.output


def _three_stories(tmp_path) -> str:
    """A feed of three stories told in three headlines each (distinct wording)."""
    stories = [["Fed holds interest rates steady as inflation cools",
                "Fed keeps interest rates on hold, inflation cooling",
                "Inflation cools and the Fed holds interest rates"],
               ["Mt Gox bitcoin exchange files for bankruptcy in Tokyo",
                "Bitcoin exchange Mt Gox seeks bankruptcy protection",
                "Mt Gox bankruptcy leaves bitcoin owners waiting"],
               ["Titanfall launches on Xbox One to strong reviews",
                "Xbox One shooter Titanfall launches in Europe",
                "Titanfall launch gives the Xbox One a lift"]]
    feed = tmp_path / "three.jsonl"
    feed.write_text("".join(json.dumps({"id": f"s{k}-{i}", "title": title,
                                        "published": f"2024-01-01T0{i}:00:00Z"}) + "\n"
                            for k, titles in enumerate(stories) for i, title in enumerate(titles)))
    return str(feed)


def test_storylines_limit_0_shows_every_storyline_and_a_negative_one_is_refused(tmp_path):
    feed = _three_stories(tmp_path)
    one = runner.invoke(app, ["storylines", feed, "--output-format", "tsv", "--limit", "1"])
    every = runner.invoke(app, ["storylines", feed, "--output-format", "tsv", "--limit", "0"])
    assert (one.exit_code, every.exit_code) == (0, 0)
    assert one.stderr.startswith("3 storylines (1 shown); ")
    assert every.stderr.startswith("3 storylines (3 shown); ")
    assert [line.split("\t")[0] for line in every.stdout.splitlines()] == ["rank", "1", "2", "3"]
    assert every.stdout.splitlines()[:2] == one.stdout.splitlines()
    table = runner.invoke(app, ["storylines", feed, "--output-format", "table", "--limit", "0",
                                "--json", str(tmp_path / "s.json"), "-q"])
    ids = [s["id"] for s in json.loads((tmp_path / "s.json").read_text())["storylines"]]
    assert len(ids) == 3 and all(i in table.stdout for i in ids)  # every id in the table
    bad = runner.invoke(app, ["storylines", feed, "--limit", "-1"])
    assert (bad.exit_code, bad.stderr) == (
        1, "Error: invalid option: --limit must be 0 (all) or more, got -1\n")


def test_storylines_quiet_json_on_stdout_leaves_stdout_the_document_and_stderr_empty(tmp_path):
    feed = _three_stories(tmp_path)
    quiet = runner.invoke(app, ["storylines", feed, "--json", "-", "-q"])
    assert (quiet.exit_code, quiet.stderr) == (0, "")
    assert len(json.loads(quiet.stdout)["storylines"]) == 3  # the document alone
    loud = runner.invoke(app, ["storylines", feed, "--json", "-", "--output-format", "tsv"])
    assert json.loads(loud.stdout) == json.loads(quiet.stdout)  # the table went to stderr
    assert loud.stderr.splitlines()[0].startswith("rank\tid\t")
