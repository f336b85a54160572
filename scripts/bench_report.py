"""Size and rendering time of `clusterer report` pages.

Usage: python scripts/bench_report.py [STORYLINES.json ...] [--synthetic 10000x100000]
                                      [--out-dir build/bench-report] [--chromium PATH|none]

For each storylines JSON file (written by ``clusterer storylines --json``), and for each
``--synthetic SxA`` document (S storylines holding A kept articles, a third of them with
copies, sizes skewed as news is: a few large storylines and many small ones, times over
7 days; seeded, so the same each run), the report is built in this process (timed: read
and check the JSON, build the page) and written; then headless Chromium opens it twice,
``--dump-dom`` of the first page and of a search (``#q=WORD``: every storyline is
filtered on load), each timed on the wall clock (the browser's start, about a second,
included). ``rendered ms`` is the page's own figure: from navigation start to its first
page of storylines drawn (``data-rendered-ms``, set by the page's script).

Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clusterer.output import write_text  # noqa: E402
from clusterer.report import build_report, load_storylines  # noqa: E402

WORDS = ("bank", "rates", "storm", "coast", "election", "vote", "market", "stocks", "oil", "gas",
         "court", "ruling", "team", "final", "virus", "vaccine", "launch", "rocket", "merger",
         "deal", "strike", "union", "fire", "flood", "trial", "verdict", "summit", "talks",
         "bitcoin", "exchange", "phone", "release", "recall", "cars", "price", "record", "heat",
         "wave")


def synthetic_document(storylines: int, articles: int, seed: int = 1) -> dict[str, Any]:
    """A storylines document of ``storylines`` storylines holding ``articles`` kept articles."""
    rng = random.Random(seed)
    weights = [1 / (k + 1) for k in range(storylines)]  # Zipf: storyline k has ~1/k of the news
    counts = [1] * storylines
    for k in rng.choices(range(storylines), weights, k=max(articles - storylines, 0)):
        counts[k] += 1
    stories: list[dict[str, Any]] = []
    n_article = 0
    for k, count in enumerate(counts):
        words = rng.sample(WORDS, 4)
        start = rng.uniform(0, 7 * 86400 - 3600)
        entries: list[dict[str, Any]] = []
        for _ in range(count):
            n_article += 1
            moment = time.gmtime(1_700_000_000 + start + rng.expovariate(1 / 7200))
            copies = [f"c{n_article}-{j}" for j in range(rng.choice((0, 0, 1, 3)))]
            entries.append({
                "id": f"a{n_article}", "title": f"{' '.join(words).title()} update {n_article}",
                "url": f"https://site{n_article % 500}.example/{n_article}",
                "source": f"Source {rng.randrange(500)}",
                "published": time.strftime("%Y-%m-%dT%H:%M:%SZ", moment), "duplicates": copies,
            })
        times = sorted(e["published"] for e in entries)
        stories.append({
            "id": f"s-{k:012x}", "headline": entries[0]["title"], "representative_id": "a1",
            "size": sum(1 + len(e["duplicates"]) for e in entries), "keywords": words,
            "sources": len({e["source"] for e in entries}), "first_seen": times[0],
            "last_seen": times[-1], "articles": entries,
        })
    stories.sort(key=lambda s: (-s["size"], s["id"]))
    total = sum(s["size"] for s in stories)
    return {"schema_version": 1, "params": {"synthetic": {"seed": seed}},
            "stats": {"articles": total, "kept": articles, "storylines": storylines,
                      "clustered": total, "unclustered": 0},
            "storylines": stories, "unclustered": []}


def open_in_chromium(binary: str, page: Path, hash: str) -> tuple[float, int]:
    """Wall seconds of ``chromium --dump-dom`` and the page's own rendered-ms."""
    with tempfile.TemporaryDirectory() as profile:
        command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                   "--no-first-run", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync",
                   "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}",
                   "--dump-dom", page.resolve().as_uri() + hash]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=600)
        wall = time.perf_counter() - start
    found = re.search(r'data-rendered-ms="(\d+)"', done.stdout)
    if found is None:
        raise SystemExit(f"{page}: the page's script did not finish in Chromium")
    return wall, int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="*", help="storylines JSON files")
    parser.add_argument("--synthetic", action="append", default=[], metavar="SxA",
                        help="a synthetic document: S storylines, A articles (e.g. 10000x100000)")
    parser.add_argument("--out-dir", default=str(ROOT / "build" / "bench-report"))
    parser.add_argument("--chromium", default=shutil.which("chromium") or "none",
                        help="the browser to time, or none")
    args = parser.parse_args(argv)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = ["| input | storylines | articles | build s | HTML MB | chromium first page s "
            "| rendered ms | chromium search s | rendered ms (search) | search |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    jobs: list[tuple[str, Any]] = [(p, None) for p in args.inputs]
    for spec in args.synthetic:
        s, _, a = spec.partition("x")
        jobs.append((f"synthetic {spec}", (int(s), int(a))))
    for name, synthetic in jobs:
        start = time.perf_counter()
        doc = synthetic_document(*synthetic) if synthetic else load_storylines(name)
        made = time.perf_counter() - start  # the synthetic document's making is not timed
        start = time.perf_counter()
        page = build_report(doc)
        build = time.perf_counter() - start + (0.0 if synthetic else made)
        stem = re.sub(r"\W+", "-", Path(name).stem if not synthetic else name).strip("-")
        path = out_dir / f"{stem}.html"
        size = write_text(str(path), page)
        word = doc["storylines"][len(doc["storylines"]) // 2]["keywords"][0].split()[0] \
            if doc["storylines"] else "x"
        cells = [name, f"{len(doc['storylines']):,}", f"{doc['stats']['kept']:,}",
                 f"{build:.2f}", f"{size / 1e6:.1f}"]
        if args.chromium != "none":
            first = open_in_chromium(args.chromium, path, "")
            search = open_in_chromium(args.chromium, path, f"#q={word}")
            cells += [f"{first[0]:.1f}", str(first[1]), f"{search[0]:.1f}", str(search[1]), word]
        else:
            cells += ["not run"] * 4 + [word]
        rows.append("| " + " | ".join(cells) + " |")
        print(f"{name}: {path}", file=sys.stderr)
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
