"""Storyline quality on real labelled dumps and their mixtures, over several seeds.

Usage: python scripts/storyline_quality.py [--data DIR] [--seeds 5] [--similarity S]
       [--sets uci,pages,uci+pages]

Sets (files from ``--data``, default the repository's ``data/``):

- ``uci``: ``uci-dev.jsonl``, 2,000 headlines in 33 stories, no singletons (rewards
  merging: never judge a rule on it alone);
- ``pages``: ``pages-dev.jsonl``, 147 real pages of 146 stories (rewards splitting);
- ``uci+pages``: both, labels prefixed per file so they never collide.

Every article's label is its storyline id, or its own id when unclustered. For each
seed the input lines are shuffled (storylines must not depend on their order) and the
SVD is seeded with it; figures are the mean and the spread (min-max) over seeds of
B-cubed precision, recall, F1 and the adjusted Rand index.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clusterer.dedup import deduplicate  # noqa: E402
from clusterer.evaluate import adjusted_rand, bcubed  # noqa: E402
from clusterer.readers import read_articles  # noqa: E402
from clusterer.storylines import StorylineConfig, build_storylines  # noqa: E402

FILES = {"uci": ["uci-dev.jsonl"], "pages": ["pages-dev.jsonl"],
         "uci+pages": ["uci-dev.jsonl", "pages-dev.jsonl"]}


def _data_dir(given: str | None) -> Path:
    folder = Path(given) if given else ROOT / "data"
    if not (folder / "uci-dev.jsonl").is_file():
        raise SystemExit(f"{folder}: uci-dev.jsonl not found; pass --data DIR")
    return folder


def load(folder: Path, name: str) -> tuple[list[bytes], dict[str, str]]:
    """Lines of the set's files and the gold label of each id (prefixed by file)."""
    lines: list[bytes] = []
    gold: dict[str, str] = {}
    for file in FILES[name]:
        for line in (folder / file).read_bytes().splitlines():
            record = orjson.loads(line)
            gold[record["id"]] = f"{file}:{record['story']}"
            lines.append(line)
    return lines, gold


def score(lines: list[bytes], gold: dict[str, str], config: StorylineConfig
          ) -> tuple[float, float, float, float, int]:
    """B-cubed precision, recall, F1, ARI and the number of storylines."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dump.jsonl"
        path.write_bytes(b"".join(line + b"\n" for line in lines))
        articles = list(read_articles([str(path)]))
    deduped = deduplicate(articles)
    result = build_storylines(deduped.groups, config, body_text=deduped.content_text)
    label = {i: s.id for s in result.storylines for g in s.groups for i in g.ids}
    pred = [label.get(a.id, f"alone:{a.id}") for a in articles]
    truth = [gold[a.id] for a in articles]
    precision, recall, f1 = bcubed(pred, truth)
    return precision, recall, f1, adjusted_rand(pred, truth), len(result.storylines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=None)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--sets", default="uci,pages,uci+pages")
    parser.add_argument("--similarity", type=float, default=None)
    args = parser.parse_args()
    folder = _data_dir(args.data)
    config = StorylineConfig()
    if args.similarity is not None:
        config = replace(config, similarity=args.similarity)
    print("| set | precision | recall | F1 | ARI | storylines |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name in args.sets.split(","):
        lines, gold = load(folder, name)
        runs = []
        for seed in range(args.seeds):
            shuffled = lines[:]
            random.Random(seed).shuffle(shuffled)
            seeded = replace(config, features=replace(config.features, seed=seed))
            runs.append(score(shuffled, gold, seeded))
        cells = []
        for column in zip(*runs):
            mean = statistics.fmean(column)
            cells.append(f"{mean:.3f} ({min(column):.3f}-{max(column):.3f})"
                         if isinstance(column[0], float) else f"{mean:.0f}")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
