"""Dedup quality on generated syndication fixtures: pooled pairwise precision/recall.

Usage: python scripts/dedup_quality.py [--seeds 16]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from clusterer.dedup import DedupConfig, deduplicate  # noqa: E402
from clusterer.evaluate import pairwise  # noqa: E402
from clusterer.readers import read_articles  # noqa: E402

from syndication import make_fixture  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=16)
    parser.add_argument("--threshold", type=float, default=DedupConfig.threshold)
    args = parser.parse_args()
    pred: list[str] = []
    gold: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            fixture = make_fixture(seed)
            path = Path(tmp) / f"{seed}.jsonl"
            path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in fixture.records))
            articles = list(read_articles([str(path)]))
            result = deduplicate(articles, DedupConfig(threshold=args.threshold))
            kept_of = {i: g.kept.id for g in result.groups for i in g.ids}
            pred += [f"{seed}:{kept_of[a.id]}" for a in articles]
            gold += [f"{seed}:{fixture.truth[a.id]}" for a in articles]
    precision, recall, f1 = pairwise(pred, gold)
    print(f"seeds={args.seeds} articles={len(gold)} threshold={args.threshold}")
    print(f"pairwise precision={precision:.4f} recall={recall:.4f} f1={f1:.4f}")


if __name__ == "__main__":
    main()
