"""Figures for incremental runs on a state (``--state``), printed as they are measured.

Usage:
    python scripts/incremental_check.py uci [--keep-apart] [--data DUMP.jsonl]
    python scripts/incremental_check.py syndication [--seeds 10]
    python scripts/incremental_check.py identity DUMP.jsonl [--runs 3]
    python scripts/incremental_check.py add BASE.jsonl NEW.jsonl [--only-new]
    python scripts/incremental_check.py timing DUMP.jsonl [--runs 10] [--command dedup]
        [--only-new] [--profile] [--stages]

``uci``: ``data/uci-dev.jsonl`` sorted by time (then id), split in two halves; run 1 on
the first, run 2 on the rest, one state. Prints whether every id is in run 2's output
exactly once, the share of run 1's storylines with >= 3 articles that keep their id in
run 2 (and the share whose id lives on or was merged into a live one), and run 2's
B-cubed F1 against the gold ``story`` labels next to one batch run on all 2,000.
``--keep-apart``: stored storylines never merge with each other. ``--data``: another
dump with a gold ``story`` field (``data/pages-dev.jsonl``).

``syndication``: ``tests/syndication.py`` fixtures (seeds 0..N-1), originals in run 1,
their copies in run 2: pairwise recall of the duplicate groups, incremental vs batch.

``identity``: DUMP fed in ``--runs`` parts into one state; whether the last run's
duplicate groups are those of one batch run over DUMP, entry for entry.

``add``: a state holding BASE (one run), then one run adding NEW: its seconds, CPU
seconds (less noisy on a loaded machine) and peak RSS; ``--only-new`` as ``dedup
--only-new`` (only the groups holding a new article written, the other stored
records not read).

``timing``: DUMP split into ``--runs`` consecutive parts fed one by one into one state
(``dedup`` or ``storylines``, one worker): seconds per run, state size on disk, and
the sha256 of what the run wrote (to compare two versions' series byte for byte).
``--only-new``: ``dedup --only-new`` (only the groups holding a new article written).
``--profile``: the last run under cProfile, then its costliest functions of clusterer
(cumulative CPU seconds; the profiler adds its own overhead). ``--stages``: per run, the
CPU seconds of each stage of a ``dedup`` run on a state (:data:`STAGES`, timed without a
profiler; a stage's time includes the stages it calls).
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import hashlib
import io
import json
import os
import pstats
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the syndication fixture

from clusterer.dedup import DedupConfig, deduplicate  # noqa: E402
from clusterer.evaluate import bcubed, pairwise  # noqa: E402
from clusterer.incremental import dedup_with_state  # noqa: E402
from clusterer.output import dedup_records, write_json, write_jsonl  # noqa: E402
from clusterer.pipeline import run_dedup, run_storylines  # noqa: E402
from clusterer.readers import read_articles  # noqa: E402
from clusterer.state import open_state, read_summary  # noqa: E402
from clusterer.state_output import stream_dedup_records  # noqa: E402
from clusterer.tracking import storylines_with_state  # noqa: E402

CONFIG = DedupConfig(workers=1)


def _write(path: Path, records: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(path)


def _labels(document: dict) -> dict[str, str]:
    labels = {}
    for s in document["storylines"]:
        for a in s["articles"]:
            for i in [a["id"], *a["duplicates"]]:
                labels[i] = s["id"]
    for a in document["unclustered"]:
        for i in [a["id"], *a["duplicates"]]:
            labels[i] = "u-" + a["id"]
    return labels


def _f1(labels: dict[str, str], gold: dict[str, str]) -> float:
    ids = sorted(gold)
    return bcubed([labels[i] for i in ids], [gold[i] for i in ids])[2]


def uci(keep_apart: bool, data: str) -> None:
    rows = [json.loads(line) for line in Path(data).read_text().splitlines()]
    rows.sort(key=lambda r: (r["published"] or "", r["id"]))
    gold = {r["id"]: r["story"] for r in rows}
    half = len(rows) // 2
    with tempfile.TemporaryDirectory() as tmp:
        one, two = _write(Path(tmp, "one.jsonl"), rows[:half]), _write(Path(tmp, "two.jsonl"),
                                                                       rows[half:])
        state = str(Path(tmp, "s.db"))
        documents, seconds, clustered = [], [], []
        for part in (one, two):
            start = time.perf_counter()
            with open_state(state) as store:
                run = storylines_with_state(store, dedup_with_state(store, [part], config=CONFIG),
                                            merge_stored=not keep_apart)
            seconds.append(time.perf_counter() - start)
            documents.append(run.document())
            clustered.append(run.clustered)
        start = time.perf_counter()
        batch = run_storylines(run_dedup([_write(Path(tmp, "all.jsonl"), rows)],
                                         config=CONFIG)).document()
        batch_seconds = time.perf_counter() - start
    first, second = documents
    listed = [i for s in second["storylines"] for a in s["articles"] for i in [a["id"], *a["duplicates"]]]
    listed += [i for a in second["unclustered"] for i in [a["id"], *a["duplicates"]]]
    once = sorted(listed) == sorted(gold)
    live = {s["id"] for s in second["storylines"]}
    into = {m["id"]: m["into"] for m in second["changes"]["merged_away"]}
    big = [s["id"] for s in first["storylines"] if s["size"] >= 3]
    kept = sum(sid in live for sid in big)
    traced = sum(sid in live or into.get(sid) in live for sid in big)
    changes: dict[str, int] = {}
    for s in second["storylines"]:
        changes[s["change"]] = changes.get(s["change"], 0) + 1
    print(f"{Path(data).name} halves ({half} + {len(rows) - half}), merge stored: "
          f"{not keep_apart}")
    print(f"  every id exactly once in run 2's output: {once}")
    share = max(len(big), 1)
    print(f"  run 1 storylines with >= 3 articles: {len(big)}; keep their id in run 2: "
          f"{kept} ({kept / share:.1%}); id live or merged into a live one: {traced} "
          f"({traced / share:.1%})")
    print(f"  run 2 changes: {dict(sorted(changes.items()))}, merged away "
          f"{len(into)}, ended {len(second['changes']['ended'])}")
    print(f"  B-cubed F1: run 2 {_f1(_labels(second), gold):.4f}, batch on all "
          f"{_f1(_labels(batch), gold):.4f}")
    print(f"  B-cubed F1 of the batch run on all with run 1's storylines kept apart (what a "
          f"rule that keeps every id can hope for): {_f1(_apart(batch, first), gold):.4f}")
    print(f"  seconds: run 1 {seconds[0]:.1f}, run 2 {seconds[1]:.1f}, batch {batch_seconds:.1f}; "
          f"groups clustered again in run 2: {clustered[1]}")


def _apart(batch: dict, first: dict) -> dict[str, str]:
    """The batch run's storylines split by run 1's: an article of run 1's storylines
    stays with its own; any other goes with the largest run-1 storyline of its batch
    storyline (if any). An estimate of the best a rule that keeps every run-1 id (no
    run-1 storyline merges into another) can do: the batch run's choices, less the
    merges of run-1 storylines."""
    labels, earlier = _labels(batch), _labels({"storylines": first["storylines"],
                                                "unclustered": []})
    parts: dict[str, dict[str, int]] = {}
    for i, old in earlier.items():
        counts = parts.setdefault(labels[i], {})
        counts[old] = counts.get(old, 0) + 1
    out = {}
    for i, label in labels.items():
        votes = parts.get(label)
        old = earlier.get(i) or (min(votes, key=lambda o: (-votes[o], o)) if votes else "")
        out[i] = f"{label}/{old}"
    return out


def syndication(seeds: int, hard: bool = False) -> None:
    from syndication import make_fixture

    for seed in range(seeds):
        fixture = make_fixture(seed, hard=hard)
        originals = [r for r in fixture.records if r["id"].endswith("-0")]
        copies = [r for r in fixture.records if not r["id"].endswith("-0")]
        with tempfile.TemporaryDirectory() as tmp:
            state = str(Path(tmp, "s.db"))
            for name, part in (("one", originals), ("two", copies)):
                with open_state(state) as store:
                    run = dedup_with_state(store, [_write(Path(tmp, f"{name}.jsonl"), part)],
                                           config=CONFIG)
            batch = deduplicate(read_articles([_write(Path(tmp, "all.jsonl"),
                                                      originals + copies)]), CONFIG)
        ids = sorted(fixture.truth)
        truth = [fixture.truth[i] for i in ids]
        found = [pairwise(_group_labels(groups, ids), truth)[1]
                 for groups in (run.run.result.groups, batch.groups)]
        print(f"seed {seed}: {len(originals)} originals then {len(copies)} copies; pairwise "
              f"recall incremental {found[0]:.4f}, batch {found[1]:.4f}")


def _group_labels(groups: Sequence[Any], ids: list[str]) -> list[str]:
    labels = {i: g.kept.id for g in groups for i in g.ids}
    return [labels[i] for i in ids]


def _cpu() -> float:
    """CPU seconds of this process and its finished children (less noisy than the
    clock on a loaded machine)."""
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                          resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# What --stages times: (module, function or Class.method, label).
STAGES = [
    ("clusterer.state", "State.article_rows", "intake: stored ids"),
    ("clusterer.state", "State.group_rows", "stored group rows"),
    ("clusterer.incremental", "match_on_state", "dedup on the state (all below)"),
    ("clusterer.delta", "split_articles", "  split the new into units"),
    ("clusterer.state", "State.print_rows", "  stored print rows"),
    ("clusterer.delta", "learn_chrome", "  chrome from the kept counts"),
    ("clusterer.delta", "stale_prints", "  stale check"),
    ("clusterer.delta", "prints_of", "  fingerprint"),
    ("clusterer.state", "State.put_prints", "  store prints"),
    ("clusterer.delta", "learn_common", "  common text"),
    ("clusterer.stored", "CandidateIndex.candidates", "  candidate lookups"),
    ("clusterer.delta", "_Pool.subset", "  load the matched set"),
    ("clusterer.pairs", "StoredComparisons.load", "  stored comparisons read"),
    ("clusterer.delta", "match_rows", "  matching"),
    ("clusterer.pairs", "StoredComparisons.save", "  comparisons stored"),
    ("clusterer.incremental", "_standing", "standing groups"),
    ("clusterer.state", "State.put_articles", "store the new records"),
    ("clusterer.state", "State.set_groups", "store the groups"),
    (__name__, "write_jsonl", "write --output (every stored article)"),
]


def _timed_stages() -> dict[str, float]:
    """Wrap the :data:`STAGES` to add their CPU seconds to the returned table."""
    import importlib

    seconds: dict[str, float] = {}
    for module_name, name, label in STAGES:
        owner: Any = sys.modules[__name__] if module_name == __name__ else \
            importlib.import_module(module_name)
        *classes, attribute = name.split(".")
        for cls in classes:
            owner = getattr(owner, cls)
        function = getattr(owner, attribute)

        def timed(*args: Any, _f: Any = function, _label: str = label, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return _f(*args, **kwargs)
            finally:
                seconds[_label] = seconds.get(_label, 0.0) + time.process_time() - start

        setattr(owner, attribute, functools.wraps(function)(timed))
    return seconds


def timing(dump: str, runs: int, command: str, profile: bool = False,
           stages: bool = False) -> None:
    with open(dump, "rb") as handle:
        total = sum(1 for _ in handle)
    size = total // runs
    stage_seconds = _timed_stages() if stages else {}
    with tempfile.TemporaryDirectory() as tmp:
        state = str(Path(tmp, "s.db"))
        # The parts are written first, so that the process holds no copy of the dump.
        with open(dump, "rb") as handle:
            for number in range(runs):
                with open(Path(tmp, f"part{number}.jsonl"), "wb") as out:
                    for _ in range(size):
                        out.write(next(handle))
        for number in range(runs):
            part = Path(tmp, f"part{number}.jsonl")
            profiler = cProfile.Profile() if profile and number == runs - 1 else None
            if profiler is not None:
                profiler.enable()
            run, seconds, cpu, step = _timed_run(state, str(part), tmp, command)
            if profiler is not None:
                profiler.disable()
            summary = read_summary(state)
            # The records name the part they came from: its directory is left out.
            digest = hashlib.sha256(Path(tmp, "out.jsonl" if command.startswith("dedup")
                                         else "out.json").read_bytes().replace(
                tmp.encode(), b"TMP")).hexdigest()[:16]
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"run {number + 1}: +{size} articles, state {summary.articles} articles, "
                  f"{seconds:.1f} s (CPU {cpu:.1f} s{step}), state on disk "
                  f"{summary.bytes / 1e6:.1f} MB, matched "
                  f"{getattr(run, 'fresh', '?')}, fingerprinted again "
                  f"{getattr(run, 'refreshed', '?')}, peak RSS so far {peak:.0f} MB "
                  f"(pid {os.getpid()}), output sha256 {digest}", flush=True)
            if profiler is not None:
                _print_profile(profiler)
            if stages:
                print("  " + "; ".join(f"{label.strip()} {stage_seconds.get(label, 0.0):.2f}"
                                       for _, _, label in STAGES), flush=True)
                stage_seconds.clear()


def _print_profile(profiler: cProfile.Profile) -> None:
    """The clusterer functions of a profiled run costing most, cumulative seconds."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(r"clusterer/", 40)
    print(out.getvalue().split("ncalls", 1)[-1], flush=True)


def _timed_run(state: str, path: str, tmp: str, command: str
               ) -> tuple[Any, float, float, str]:
    """One run adding ``path`` to ``state`` and writing every stored article (``dedup``:
    streamed from the state, as ``dedup --state S --output OUT``) or every storyline
    (``storylines``): the run, its seconds and CPU seconds, and (for ``storylines``)
    what the storylines step took."""
    start, cpu = time.perf_counter(), _cpu()
    step = ""
    with open_state(state) as store:
        only_new = command == "dedup-only-new"
        stream = command == "dedup"  # as `dedup --state S --output OUT` writes it
        run = dedup_with_state(store, [path], config=CONFIG,
                               command="dedup" if only_new else command, only_new=only_new,
                               stream=stream)
        if command == "storylines":
            before = _cpu()
            tracked = storylines_with_state(store, run)
            write_json(str(Path(tmp, "out.json")), tracked.document())
            step = (f", of which the storylines step {_cpu() - before:.1f} on "
                    f"{getattr(tracked, 'clustered', '?')} groups clustered again")
        elif stream:
            write_jsonl(str(Path(tmp, "out.jsonl")), stream_dedup_records(
                store, run.run.result.groups, run.places, run.standing))
        else:
            write_jsonl(str(Path(tmp, "out.jsonl")), dedup_records(run.touched()))
    return run, time.perf_counter() - start, _cpu() - cpu, step


def identity(dump: str, runs: int) -> None:
    """DUMP fed in ``runs`` parts into one state: are the last run's groups those of one
    batch run over DUMP (members, and every group's --groups entry)?"""
    lines = Path(dump).read_bytes().splitlines(keepends=True)
    size = -(-len(lines) // runs)
    with tempfile.TemporaryDirectory() as tmp:
        state = str(Path(tmp, "s.db"))
        for number in range(runs):
            part = Path(tmp, f"part{number}.jsonl")
            part.write_bytes(b"".join(lines[number * size:(number + 1) * size]))
            with open_state(state) as store:
                run = dedup_with_state(store, [str(part)], config=CONFIG)
            print(f"run {number + 1}: matched {run.fresh}, fingerprinted again {run.refreshed}",
                  flush=True)
        batch = deduplicate(read_articles([dump]), CONFIG)
    mine = [g.to_dict() for g in run.run.result.groups]
    theirs = [g.to_dict() for g in batch.groups]
    same_members = sorted(sorted(g.ids) for g in run.run.result.groups) == sorted(
        sorted(g.ids) for g in batch.groups)
    print(f"{Path(dump).name} in {runs} runs: {len(mine)} groups, batch {len(theirs)}; same "
          f"members: {same_members}; --groups entries identical: {mine == theirs}")
    if mine != theirs:
        differ = [(a, b) for a, b in zip(mine, theirs) if a != b]
        print(f"  first of {len(differ)} differing: {differ[:1]}")


def add(base: str, new: str, only_new: bool = False) -> None:
    """A state holding BASE (one run), then one run adding NEW: seconds, CPU seconds and
    peak RSS of that run (with --output of every stored article, or with ``only_new``
    of the groups holding a new one, as ``dedup --only-new``)."""
    with tempfile.TemporaryDirectory() as tmp:
        state = str(Path(tmp, "s.db"))
        with open_state(state) as store:
            dedup_with_state(store, [base], config=CONFIG)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        run, seconds, cpu, _ = _timed_run(state, new, tmp,
                                          "dedup-only-new" if only_new else "dedup")
        summary = read_summary(state)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"+{Path(new).name} on {Path(base).name}: {seconds:.1f} s (CPU {cpu:.1f} s), state "
          f"{summary.articles} articles, {summary.bytes / 1e6:.1f} MB; matched "
          f"{getattr(run, 'fresh', '?')}, fingerprinted again {getattr(run, 'refreshed', '?')}; "
          f"peak RSS {peak:.0f} MB (after the first run: {before:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    u = sub.add_parser("uci")
    u.add_argument("--keep-apart", action="store_true")
    u.add_argument("--data", default=str(ROOT / "data" / "uci-dev.jsonl"),
                   help="A JSONL dump with a gold 'story' field.")
    s = sub.add_parser("syndication")
    s.add_argument("--seeds", type=int, default=10)
    s.add_argument("--hard", action="store_true", help="the fixture's hardest copies too")
    t = sub.add_parser("timing")
    t.add_argument("dump")
    t.add_argument("--runs", type=int, default=10)
    t.add_argument("--command", choices=("dedup", "storylines"), default="dedup")
    t.add_argument("--only-new", action="store_true",
                   help="dedup --only-new: write only the groups holding a new article.")
    t.add_argument("--profile", action="store_true",
                   help="Profile the last run and print where its time went.")
    t.add_argument("--stages", action="store_true",
                   help="Print each run's CPU seconds per stage (dedup).")
    i = sub.add_parser("identity")
    i.add_argument("dump")
    i.add_argument("--runs", type=int, default=3)
    a = sub.add_parser("add")
    a.add_argument("base")
    a.add_argument("new")
    a.add_argument("--only-new", action="store_true",
                   help="Write only the groups holding a new article (dedup --only-new).")
    args = parser.parse_args()
    if args.what == "uci":
        uci(args.keep_apart, args.data)
    elif args.what == "syndication":
        syndication(args.seeds, args.hard)
    elif args.what == "add":
        add(args.base, args.new, args.only_new)
    elif args.what == "identity":
        identity(args.dump, args.runs)
    else:
        command = "dedup-only-new" if args.only_new and args.command == "dedup" \
            else args.command
        timing(args.dump, args.runs, command, args.profile, args.stages)


if __name__ == "__main__":
    main()
