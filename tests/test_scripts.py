"""Smoke tests of the benchmark scripts: scripts/make_corpus.py and scripts/bench.py."""

import runpy
import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
FIELDS = ["id", "title", "text", "url", "source", "published", "group"]


def run_script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPTS / name), *args],
                          capture_output=True, text=True, check=False)


def make_corpus(*args: str) -> subprocess.CompletedProcess[str]:
    return run_script("make_corpus.py", *args)


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


def test_bench_runs_end_to_end(tmp_path, capsys, monkeypatch):
    # Run as __main__ in this process: what bench.py measures (the CLI runs) are child
    # processes anyway, and one more interpreter start only slowed the suite down.
    out = tmp_path / "bench.md"
    argv = [str(SCRIPTS / "bench.py"), "--sizes", "30", "--out", str(out), "--work-dir",
            str(tmp_path / "work")]
    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.setattr(sys, "path", list(sys.path))  # bench.py puts scripts/ first
    runpy.run_path(argv[0], run_name="__main__")  # exits (SystemExit) if a CLI run fails
    done = capsys.readouterr()
    text = out.read_text(encoding="utf-8")
    assert done.out == text + "\n"
    header = ("| articles | dedup wall s | articles/s | peak RSS MiB | tree PSS MiB | pairwise P "
              "| pairwise R | pairwise F1 | true pairs | largest group | largest true group |")
    assert header in text
    assert "| dedup >= 10x naive throughput (30) |" in text
    assert "| storylines < 120 s (100,000) | not run | n/a |" in text
    assert "## Peers (same run)" in text
    assert "| dedup wall / rensa loop <= 1.5 (30) |" in text
    assert "| dedup CPU within 1.5x of the numpy floor (30) |" in text
    assert f"Wrote {out}" in done.err


def test_bench_runs_on_the_reuse_corpus(tmp_path):
    out = tmp_path / "bench.md"
    done = subprocess.run([sys.executable, str(SCRIPTS / "bench.py"), "--sizes", "300", "--out",
                           str(out), "--work-dir", str(tmp_path / "work"), "--corpus", "reuse",
                           "--skip-storylines"],  # the end-to-end test runs storylines
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert "- Dumps: `scripts/make_reuse_corpus.py N DUMP --seed 0`" in text
    assert "Storylines: skipped (`--skip-storylines`)." in text
    assert [p.name.startswith("corpus-reuse-300-seed0-") for p in (tmp_path / "work").glob("*.jsonl")
            ] == [True]


def make_reuse_corpus(*args: str) -> subprocess.CompletedProcess[str]:
    return run_script("make_reuse_corpus.py", *args)


def test_make_reuse_corpus_is_deterministic_and_has_its_traits(tmp_path):
    a, b, c = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    for path, seed in ((a, "3"), (b, "3"), (c, "4")):
        done = make_reuse_corpus("600", str(path), "--seed", seed)
        assert done.returncode == 0, done.stderr
        assert done.stderr.startswith("Wrote 600 articles (")
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    records = [orjson.loads(line) for line in a.read_bytes().splitlines()]
    assert all(list(r) == FIELDS for r in records)
    assert len({r["id"] for r in records}) == 600
    assert [r["published"] for r in records] == sorted(r["published"] for r in records)
    assert len({r["source"] for r in records}) == 8
    assert max(Counter(r["group"] for r in records).values()) > 1  # some stories are syndicated
    assert sum(not r["text"] for r in records) > 20  # headline-only items
    # Numbered headlines: several distinct stories share a base headline.
    first = {r["group"]: r["title"] for r in reversed(records)}
    bases = Counter(t.rsplit(" (", 1)[0] for t in first.values() if t.endswith(")"))
    assert bases.most_common(1)[0][1] >= 5
    # Sentence reuse per site: a paragraph recurs in a few other stories of its site, not
    # on most of its pages as its chrome does.
    stories_of: dict[tuple[str, str], set[str]] = {}
    for r in records:
        for paragraph in r["text"].split("\n\n"):
            stories_of.setdefault((r["source"], paragraph), set()).add(r["group"])
    assert sum(3 <= len(groups) <= 10 for groups in stories_of.values()) > 50


def test_make_reuse_corpus_rejects_a_bad_knob(tmp_path):
    done = make_reuse_corpus("10", str(tmp_path / "x.jsonl"), "--numbered", "1.5")
    assert done.returncode == 2
    assert done.stderr.endswith("make_reuse_corpus.py: error: numbered must be in [0, 1], got 1.5\n")


def test_storyline_quality_scores_a_real_dump():
    data = ROOT / "data"
    done = subprocess.run([sys.executable, str(SCRIPTS / "storyline_quality.py"), "--seeds", "2",
                           "--sets", "pages", "--data", str(data)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    header, rule, row = done.stdout.splitlines()
    assert header == "| set | precision | recall | F1 | ARI | storylines |"
    cells = row.strip("| ").split(" | ")
    assert cells[0] == "pages"
    assert float(cells[1].split()[0]) >= 0.95  # regression guard: precision, measured 0.966


def test_feed_survey_counts_items_rejections_and_headlines(capsys):
    survey = runpy.run_path(str(SCRIPTS / "feed_survey.py"))  # main() not run: no download
    from clusterer.readers import ReaderConfig

    result = survey["Survey"]()
    data = ROOT / "tests" / "data" / "feedparser"
    for path in sorted(data.glob("*.xml")) + [ROOT / "data" / "pages-dev.jsonl"]:
        result.read(path, ReaderConfig(skip_bad=True))
    assert (result.files, result.items, result.title_from_text) == (5, 148, 1)
    assert (sum(result.rejected.values()), result.tracebacks) == (0, [])
    assert len(result.cut) == 15 and result.slugs == []
    result.print("test", 0.0, 1)
    assert capsys.readouterr().out.splitlines()[:3] == [
        "== test (0.0 s)", "files read: 5 (2 with items)", "items read: 148 (1 titled from their text)"]


def test_make_long_corpus_is_deterministic_with_long_real_articles(tmp_path):
    a, b, c = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    for path, seed in ((a, "3"), (b, "3"), (c, "4")):
        done = run_script("make_long_corpus.py", "400", str(path), "--seed", seed)
        assert done.returncode == 0, done.stderr
        assert done.stderr.startswith("Wrote 400 articles (")
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    records = [orjson.loads(line) for line in a.read_bytes().splitlines()]
    assert all(list(r) == FIELDS for r in records)
    assert len({r["id"] for r in records}) == 400
    assert 2400 <= len(a.read_bytes()) / 400 <= 3200  # about 2,800 bytes a record
    assert sum(len(r["text"]) >= 2000 for r in records) > 300  # long, but for cut copies
    assert max(Counter(r["group"] for r in records).values()) > 1  # some stories are syndicated
    # Real text: every body sentence comes from data/pages-dev.jsonl.
    pages = (ROOT / "data" / "pages-dev.jsonl").read_text(encoding="utf-8")
    first = records[0]["text"].split("\n\n")[0].split(". ")[0]
    assert first and json_text(first) in pages


def json_text(text: str) -> str:
    return orjson.dumps(text).decode()[1:-1]


def test_peers_rensa_loop_and_numpy_floor(tmp_path):
    dump, labels = tmp_path / "dump.jsonl", tmp_path / "labels.json"
    run_script("make_long_corpus.py", "300", str(dump))
    records = [orjson.loads(line) for line in dump.read_bytes().splitlines()]
    done = run_script("peers.py", "rensa", str(dump), str(labels))
    assert done.returncode == 0, done.stderr
    pred = orjson.loads(labels.read_bytes())
    assert set(pred) == {r["id"] for r in records}
    assert 1 < len(set(pred.values())) < len(records)  # some copies merged, not all
    done = run_script("peers.py", "floor", str(dump))
    assert done.returncode == 0, done.stderr
    # Distinct 4-word shingles: copies share theirs; ~120 stories of ~400 words.
    assert 120 * 300 < int(done.stdout) < 300 * 500


def test_stage_cpu_times_every_stage_of_a_dedup_run(tmp_path):
    dump = tmp_path / "dump.jsonl"
    make_corpus("300", str(dump), "--seed", "1")
    done = run_script("stage_cpu.py", str(dump))
    assert done.returncode == 0, done.stderr
    figures = dict(part.rsplit(" ", 1) for part in done.stdout.strip().split(" | "))
    assert set(figures) == {"splitting", "fingerprinting", "of which signing", "chrome fit",
                            "matching", "groups", "records", "reading and the rest",
                            "run_dedup"}
    seconds = {label: float(value) for label, value in figures.items()}
    assert all(value >= 0 for value in seconds.values())
    assert seconds["splitting"] > 0 and seconds["run_dedup"] >= seconds["splitting"]
    assert run_script("stage_cpu.py").returncode != 0  # usage
