"""Smoke tests of the benchmark scripts: scripts/make_corpus.py and scripts/bench.py."""

import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
FIELDS = ["id", "title", "text", "url", "source", "published", "group"]


def make_corpus(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPTS / "make_corpus.py"), *args],
                          capture_output=True, text=True, check=False)


def test_make_corpus_is_deterministic_with_every_field(tmp_path):
    a, b, c = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    for path, seed in ((a, "3"), (b, "3"), (c, "4")):
        done = make_corpus("200", str(path), "--seed", seed)
        assert done.returncode == 0, done.stderr
        assert done.stderr.startswith("Wrote 200 articles (")
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    records = [orjson.loads(line) for line in a.read_bytes().splitlines()]
    assert len(records) == 200
    assert all(list(r) == FIELDS for r in records)
    assert all(isinstance(r[f], str) and (r[f] or f == "text") for r in records for f in FIELDS)
    assert len({r["id"] for r in records}) == 200
    assert max(Counter(r["group"] for r in records).values()) > 1  # some stories are syndicated
    assert [r["published"] for r in records] == sorted(r["published"] for r in records)


def test_make_corpus_rejects_a_negative_size(tmp_path):
    done = make_corpus("-1", str(tmp_path / "x.jsonl"))
    assert done.returncode == 2
    assert done.stderr.endswith("make_corpus.py: error: n must be >= 0, got -1\n")


def test_bench_runs_end_to_end(tmp_path):
    out = tmp_path / "bench.md"
    done = subprocess.run([sys.executable, str(SCRIPTS / "bench.py"), "--sizes", "200", "--out",
                           str(out), "--work-dir", str(tmp_path / "work")],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert done.stdout == text + "\n"
    header = ("| articles | dedup wall s | articles/s | peak RSS MiB | tree PSS MiB | pairwise P "
              "| pairwise R | pairwise F1 | true pairs |")
    assert header in text
    assert "| dedup >= 10x naive throughput (200) |" in text
    assert "| storylines < 120 s (100,000) | not run | n/a |" in text
    assert f"Wrote {out}" in done.stderr
