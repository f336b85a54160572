"""The pipeline gives what the CLI writes: the CLI only parses options and prints."""

import orjson
from typer.testing import CliRunner

from clusterer.cli import app
from clusterer.dedup import DedupConfig, deduplicate
from clusterer.output import dedup_records
from clusterer.pipeline import run_dedup, run_storylines
from clusterer.readers import ReaderConfig, read_articles
from clusterer.spill import StoredArticle
from clusterer.storylines import StorylineConfig

from conftest import SAMPLES

FEED = str(SAMPLES / "feed.jsonl")


def test_dedup_run_records_and_groups_are_the_cli_outputs(tmp_path):
    out, groups = tmp_path / "out.jsonl", tmp_path / "groups.json"
    result = CliRunner().invoke(app, ["dedup", FEED, "-o", str(out), "--groups", str(groups),
                                      "-q", "--keep", "earliest"])
    assert result.exit_code == 0
    run = run_dedup([FEED], ReaderConfig(), DedupConfig(keep="earliest"))
    assert [orjson.loads(line) for line in out.read_bytes().splitlines()] == list(run.records())
    assert orjson.loads(groups.read_bytes()) == run.groups_document()
    assert run.read.articles == 5


def test_dedup_run_keeps_texts_on_disk_and_writes_what_plain_articles_give():
    run = run_dedup([FEED])
    kept = [g.kept for g in run.result.groups]
    assert all(isinstance(a, StoredArticle) for a in kept)
    plain = deduplicate(read_articles([FEED]))
    assert list(run.records()) == list(dedup_records(plain.groups))
    assert run.groups_document() == plain.groups_document()


def test_storylines_run_document_is_the_cli_json(tmp_path):
    path = tmp_path / "s.json"
    result = CliRunner().invoke(app, ["storylines", FEED, "--json", str(path), "-q",
                                      "--min-size", "2"])
    assert result.exit_code == 0
    run = run_storylines(run_dedup([FEED]), StorylineConfig(min_size=2))
    document = run.document()
    assert orjson.loads(path.read_bytes()) == document
    assert document["params"]["dedup"] == DedupConfig().to_dict()
    assert document["stats"]["articles"] == 5
