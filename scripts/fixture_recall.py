"""Dedup recall and precision on the syndication fixture, per seed and per kind of copy.

Over ``--seeds`` seeds of ``tests/syndication.py``'s ``make_fixture`` (``--hard`` for
the widened fixture: heavy chrome, abridged copies, lone sites, OCR scans, copies of
copies), prints pairwise precision/recall per seed, pooled, mean and worst; the recall
of each kind of copy (a true pair counts for every edit either of its two copies got;
``original`` for pairs with the unedited original, ``copy-copy`` for pairs of two
copies, ``(no lone_site)`` for all pairs but those with a copy on a site seen once);
and every missed pair (or wrong merge) with how it compares
(:meth:`clusterer.comparer.Comparer.compare`, as ``clusterer explain`` shows).

Usage: python scripts/fixture_recall.py [--seeds 50] [--first 0] [--hard] [--jobs 2] [--quiet]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
from collections import Counter
from multiprocessing import Pool
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import orjson  # noqa: E402

from clusterer.dedup import DedupConfig, match_dump  # noqa: E402
from clusterer.readers import read_articles  # noqa: E402

from syndication import make_fixture  # noqa: E402


def measure(job: tuple[int, bool]) -> dict:
    """One seed: counts of true, predicted and found pairs, per kind, and the misses."""
    seed, hard = job
    fixture = make_fixture(seed, hard=hard)
    with tempfile.TemporaryDirectory() as tmp:  # read as `clusterer dedup` reads a dump
        path = Path(tmp) / "feed.jsonl"
        path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in fixture.records))
        articles = list(read_articles([str(path)]))
    comparer, uf = match_dump(articles, DedupConfig(workers=1))
    ids = [a.id for a in articles]
    group = {i: uf.find(k) for k, i in enumerate(ids)}
    index = {i: k for k, i in enumerate(ids)}
    true = found = predicted = 0
    per_kind: Counter[str] = Counter()
    per_kind_found: Counter[str] = Counter()
    misses, wrong = [], []
    for a, b in itertools.combinations(sorted(ids), 2):
        same_truth = fixture.truth[a] == fixture.truth[b]
        same_group = group[a] == group[b]
        predicted += same_group
        if not same_truth:
            if same_group:
                wrong.append(_describe(comparer, index, fixture, a, b))
            continue
        true += 1
        found += same_group
        kinds = set(fixture.kinds[a]) | set(fixture.kinds[b])
        kinds.add("original" if a.endswith("-0") or b.endswith("-0") else "copy-copy")
        if hard and "lone_site" not in kinds:
            kinds.add("(no lone_site)")  # the pairs whose sites' chrome can be learned
        for kind in kinds:
            per_kind[kind] += 1
            per_kind_found[kind] += same_group
        if not same_group:
            misses.append(_describe(comparer, index, fixture, a, b))
    return {"seed": seed, "true": true, "found": found, "predicted": predicted,
            "correct": found, "kind": dict(per_kind), "kind_found": dict(per_kind_found),
            "misses": misses, "wrong": wrong}


def _describe(comparer, index: dict[str, int], fixture, a: str, b: str) -> str:
    match = comparer.compare(index[a], index[b])
    edits = f"{','.join(fixture.kinds[a]) or 'original'} / {','.join(fixture.kinds[b]) or 'original'}"
    return (f"{a} ~ {b} [{edits}]: {match.kind} {match.similarity:.3f} (shared {match.shared}, "
            f"sizes {match.sizes}, before {match.before}{', vetoed' if match.veto else ''})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--first", type=int, default=0,
                        help="first seed (seeds first .. first + seeds - 1; others than the "
                             "first 50 are held out)")
    parser.add_argument("--hard", action="store_true", help="the widened fixture")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--quiet", action="store_true", help="no list of missed pairs")
    args = parser.parse_args()
    jobs = [(seed, args.hard) for seed in range(args.first, args.first + args.seeds)]
    with Pool(args.jobs) as pool:
        results = pool.map(measure, jobs)
    precision = [r["correct"] / r["predicted"] if r["predicted"] else 1.0 for r in results]
    recall = [r["found"] / r["true"] if r["true"] else 1.0 for r in results]
    print(f"fixture={'hard' if args.hard else 'default'} seeds={args.seeds} "
          f"articles/seed~{sum(r['true'] for r in results) // args.seeds} true pairs/seed")
    for r, p, q in zip(results, precision, recall):
        if p < 1 or q < 1:
            print(f"  seed {r['seed']:2d}: P {p:.4f} R {q:.4f} ({r['found']}/{r['true']})")
    pooled_p = sum(r["correct"] for r in results) / max(1, sum(r["predicted"] for r in results))
    pooled_r = sum(r["found"] for r in results) / max(1, sum(r["true"] for r in results))
    worst = min(range(len(results)), key=lambda k: (recall[k], k))
    print(f"precision: pooled {pooled_p:.4f}, worst seed {min(precision):.4f}, "
          f"seeds with P < 1: {sum(p < 1 for p in precision)}")
    print(f"recall: pooled {pooled_r:.4f}, mean {statistics.mean(recall):.4f}, "
          f"worst {recall[worst]:.4f} (seed {results[worst]['seed']})")
    kinds: Counter[str] = Counter()
    kinds_found: Counter[str] = Counter()
    for r in results:
        kinds.update(r["kind"])
        kinds_found.update(r["kind_found"])
    print(f"{'kind of copy':<14} {'pairs':>6} {'found':>6} {'recall':>7} {'mean':>7} "
          f"{'worst':>7}  (mean and worst over the seeds with such pairs)")
    for kind in sorted(kinds, key=lambda k: (kinds_found[k] / kinds[k], k)):
        per_seed = [(r["kind_found"].get(kind, 0) / r["kind"][kind], r["seed"])
                    for r in results if r["kind"].get(kind)]
        worst_kind = min(per_seed)
        print(f"{kind:<14} {kinds[kind]:>6} {kinds_found[kind]:>6} "
              f"{kinds_found[kind] / kinds[kind]:>7.4f} "
              f"{statistics.mean(q for q, _ in per_seed):>7.4f} {worst_kind[0]:>7.3f} "
              f"(seed {worst_kind[1]})")
    if not args.quiet:
        for r in results:
            for line in r["wrong"]:
                print(f"  WRONG seed {r['seed']}: {line}")
            for line in r["misses"]:
                print(f"  missed seed {r['seed']}: {line}")


if __name__ == "__main__":
    main()
