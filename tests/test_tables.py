import csv
import sys

import orjson
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from clusterer.cli import app
from clusterer.errors import UsageError
from clusterer.tables import COLUMNS, parquet_bytes

from conftest import SAMPLES


@pytest.fixture
def feed(tmp_path):
    # The sample feed plus an exact copy of its first article: 6 input articles, 5 kept.
    lines = (SAMPLES / "feed.jsonl").read_bytes().splitlines()
    copy = {**orjson.loads(lines[0]), "id": "copy-of-000", "published": "2024-10-17T00:00:00+02:00"}
    path = tmp_path / "feed.jsonl"
    path.write_bytes(b"\n".join([*lines, orjson.dumps(copy)]) + b"\n")
    return path


def test_csv_and_parquet_have_one_row_per_input_article(tmp_path, feed):
    out_csv, out_parquet, out_json = tmp_path / "a.csv", tmp_path / "a.parquet", tmp_path / "s.json"
    result = CliRunner().invoke(app, ["storylines", str(feed), "--csv", str(out_csv), "--parquet",
                                      str(out_parquet), "--json", str(out_json), "-q"])
    assert result.exit_code == 0, result.stderr
    with out_csv.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    inputs = [orjson.loads(line)["id"] for line in feed.read_bytes().splitlines()]
    assert sorted(r["id"] for r in rows) == sorted(inputs)
    assert tuple(rows[0]) == COLUMNS
    by_id = {r["id"]: r for r in rows}
    copy, original = by_id["copy-of-000"], by_id["000_572e8aadae5dc2a1"]
    # Equal length: the one with a time is kept (keep=longest, then earliest).
    assert (copy["kept_id"], copy["kept"], copy["line"]) == ("copy-of-000", "True", "6")
    assert (original["kept_id"], original["kept"], original["line"]) == ("copy-of-000", "False", "1")
    assert copy["file"] == original["file"] == str(feed)
    assert copy["published"] == "2024-10-16T22:00:00Z"  # normalised to UTC
    assert by_id["000_572e8aadae5dc2a1"]["published"] == ""  # the input has none
    document = orjson.loads(out_json.read_bytes())
    clustered = {g["id"]: s["id"] for s in document["storylines"] for g in s["articles"]}
    for row in rows:
        assert row["storyline_id"] == clustered.get(row["kept_id"], "")
    table = pq.read_table(out_parquet)
    assert table.schema.names == list(COLUMNS)
    assert table.num_rows == len(inputs)
    assert table.to_pylist() == [{**r, "kept": r["kept"] == "True", "line": int(r["line"])}
                                 for r in rows]
    assert pacsv.read_csv(out_csv).num_rows == len(inputs)


def test_parquet_without_pyarrow_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(UsageError, match=r"--parquet needs pyarrow; install it with "
                                         r"pip install 'clusterer\[parquet\]'"):
        parquet_bytes([])
