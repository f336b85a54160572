"""Speed, memory and quality of `clusterer dedup` and `clusterer storylines` by dump size.

Usage: python scripts/bench.py [--sizes 1000,10000,100000] [--out docs/benchmarks.md]
       [--corpus syndication|reuse|long] [--skip-storylines]

For each size: a dump from ``scripts/make_corpus.py`` (``--corpus syndication``, the
default), ``scripts/make_reuse_corpus.py`` (``--corpus reuse``: 8 sites whose distinct
stories share sentences and numbered headlines) or ``scripts/make_long_corpus.py``
(``--corpus long``: about 2,800 bytes an article, no chrome), cached under ``build/bench/``,
then the real CLI as child processes, ``clusterer dedup DUMP -o OUT -q`` and
``clusterer storylines DUMP --json OUT -q``, each timed (wall clock) and measured for
memory two ways: the peak RSS of its largest single process (``os.wait4``: the parent
or one fingerprinting worker, whichever peaked higher) and the peak of the summed PSS
of the whole process tree (sampled from ``/proc``: the workers run at the same time as
the parent, and PSS shares copy-on-write pages out instead of counting them twice).
Memory targets are judged on the larger of the two. Reading a process's PSS walks its
page tables (70 ms of CPU for a 1.7 GiB tree), so the sampler waits at least 0.1 s and
at least 19 times its last sample's CPU time between samples: it takes no more than 5%
of one core from the run it measures (sampling every 0.1 s took a third of a core and
slowed the 100,000-article dedup by a tenth).

Dedup quality is pairwise precision/recall/F1 (:func:`clusterer.evaluate.pairwise`)
against the dump's ``group`` labels, where an article's label is the kept id of its
output line; with the largest output group beside the largest true group.

Baseline, on the same dump in this process: the naive datasketch loop (word 5-gram
shingles of the raw title and text, ``MinHash(num_perm=128)`` updated once per
shingle, ``MinHashLSH(threshold=0.8)`` queried then inserted for every article,
union-find over the query results). It is timed on records already parsed, so the
speedup of the end-to-end CLI over it is, if anything, understated. Above
``--naive-limit`` articles it runs on the first ``--naive-limit`` only and its
throughput is extrapolated linearly (LSH queries get slower as the index grows, so
that flatters the baseline too).

Peers, as child processes measured the same way (wall, CPU of the process and its
workers, memory), right after our dedup on the same dump (``scripts/peers.py``): a bare
rensa MinHash loop (one process; needs ``pip install -e '.[bench]'``, else left out) and
the numpy floor (read, lowercase, split, hash 4-word shingles on two processes: the least
CPU any shingling dedup spends).

Prints the report (Markdown) and writes it to ``--out``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.metadata
import importlib.util
import os
import platform
import shlex
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson
from datasketch import MinHash, MinHashLSH

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import make_corpus  # noqa: E402
import make_long_corpus  # noqa: E402
import make_reuse_corpus  # noqa: E402
import peers  # noqa: E402

from clusterer.evaluate import load_prediction, pairwise  # noqa: E402

MIB = 1024 * 1024
GIB_MIB = 1024
SAMPLE_EVERY_S = 0.1  # the shortest wait between PSS samples
SAMPLE_SHARE = 0.05  # the most of one core that sampling may take
NAIVE_SHINGLE, NAIVE_PERM, NAIVE_THRESHOLD = 5, 128, 0.8
DEDUP_COLUMNS = ("articles", "dedup wall s", "articles/s", "peak RSS MiB", "tree PSS MiB",
                 "pairwise P", "pairwise R", "pairwise F1", "true pairs", "largest group",
                 "largest true group")
# Dump generators by --corpus name: (writer, its script, what its dumps hold).
CORPORA: dict[str, tuple[Callable[[int, Path, int], Any], str, str]] = {
    "syndication": (make_corpus.write_corpus, "make_corpus.py",
                    "stories of recombined real sentences, 30% republished 1-20 times on ~200 "
                    "sites with site chrome and syndication edits"),
    "reuse": (make_reuse_corpus.write_reuse_corpus, "make_reuse_corpus.py",
              "stories on 8 sites whose real sentences recur in about 10 distinct stories of "
              "a site, 40% with a shared base headline and a running number or date, 20% "
              "republished 1-3 times with syndication edits, 10% more copies headline-only"),
    "long": (make_long_corpus.write_long_corpus, "make_long_corpus.py",
             "long articles (about 2,800 bytes a record, no chrome) recombining the sentences "
             "of the real pages of data/pages-dev.jsonl, 30% republished 1-20 times on ~200 "
             "sites with syndication edits"),
}


# ---------------------------------------------------------------- measuring a child
@dataclass(frozen=True)
class Measured:
    """One child process: wall time, CPU time and memory."""

    wall_s: float
    rss_mib: float  # peak RSS of its largest single process (wait4)
    pss_mib: float  # peak summed PSS of its process tree (sampled); 0 if /proc has none
    cpu_s: float = 0.0  # user + system CPU of it and its reaped workers (wait4)

    @property
    def memory_mib(self) -> float:
        """The larger of the two memory figures: what targets are judged on."""
        return max(self.rss_mib, self.pss_mib)


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
    return found


def _pss_kib(pid: int) -> int:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/smaps_rollup") as fh:
        for line in fh:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


class _TreeSampler(threading.Thread):
    """Samples the summed PSS of a process and its descendants until stopped, using at
    most ``SAMPLE_SHARE`` of one core."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            started = time.thread_time()
            total = sum(_pss_kib(p) for p in _descendants(self.pid))
            self.peak_kib = max(self.peak_kib, total)
            cost = time.thread_time() - started
            self.done.wait(max(SAMPLE_EVERY_S, cost * (1 - SAMPLE_SHARE) / SAMPLE_SHARE))


def run_measured(cmd: Sequence[str], log: Path) -> Measured:
    """Run ``cmd`` with stdout discarded and stderr to ``log``; exit on its failure."""
    with log.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=subprocess.DEVNULL, stderr=err)
        sampler = _TreeSampler(proc.pid)
        sampler.start()
        # wait4 gives this child's own rusage; ru_maxrss is the larger of its own peak and
        # that of its largest reaped child (a worker), in KiB on Linux.
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        sampler.done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        sys.exit(f"Error: {shlex.join(cmd)} exited with {proc.returncode}; its stderr ({log}):\n{tail}")
    return Measured(wall, usage.ru_maxrss / 1024, sampler.peak_kib / 1024,
                    usage.ru_utime + usage.ru_stime)


# ---------------------------------------------------------------- corpus and quality
def corpus_path(work: Path, n: int, seed: int, corpus: str = "syndication") -> Path:
    """The cached dump of ``n`` articles, named by a hash of what generates it."""
    digest = hashlib.blake2b(digest_size=4)
    for source in (ROOT / "scripts" / "make_corpus.py", ROOT / "tests" / "syndication.py",
                   make_corpus.UCI, make_corpus.SAMPLES, ROOT / "scripts" / CORPORA[corpus][1]):
        digest.update(source.read_bytes())
    prefix = "corpus" if corpus == "syndication" else f"corpus-{corpus}"
    return work / f"{prefix}-{n}-seed{seed}-{digest.hexdigest()}.jsonl"


def read_records(path: Path, limit: int | None = None) -> Iterator[dict[str, str]]:
    """The dump's records, parsed, up to ``limit``."""
    with path.open("rb") as fh:
        for i, line in enumerate(fh):
            if limit is not None and i >= limit:
                return
            yield orjson.loads(line)


def scores(pred: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float, int]:
    """Pairwise P, R, F1 of ``pred`` over the ids of ``gold``, and the number of true pairs."""
    if set(pred) != set(gold):
        sys.exit(f"Error: the prediction covers {len(pred)} ids, the dump {len(gold)}: "
                 "a dedup output must list every input id once")
    ids = sorted(gold)
    g = [gold[i] for i in ids]
    counts: dict[str, int] = {}
    for label in g:
        counts[label] = counts.get(label, 0) + 1
    precision, recall, f1 = pairwise([pred[i] for i in ids], g)
    return precision, recall, f1, sum(c * (c - 1) // 2 for c in counts.values())


# ---------------------------------------------------------------- naive baseline
def naive_dedup(records: Sequence[dict[str, str]]) -> tuple[float, dict[str, str]]:
    """The naive datasketch loop; returns its wall time and a label (group root) per id."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    started = time.perf_counter()
    lsh = MinHashLSH(threshold=NAIVE_THRESHOLD, num_perm=NAIVE_PERM)
    for record in records:
        words = f"{record['title']} {record['text']}".split()
        shingles = {" ".join(words[i:i + NAIVE_SHINGLE])
                    for i in range(max(1, len(words) - NAIVE_SHINGLE + 1))}
        m = MinHash(num_perm=NAIVE_PERM)
        for shingle in shingles:
            m.update(shingle.encode())
        key = record["id"]
        parent[key] = key
        for other in lsh.query(m):
            parent[find(other)] = find(key)
        lsh.insert(key, m)
    wall = time.perf_counter() - started
    return wall, {key: find(key) for key in parent}


# ---------------------------------------------------------------- one size
@dataclass(frozen=True)
class SizeResult:
    """Every figure measured at one dump size."""

    n: int
    dedup: Measured
    quality: tuple[float, float, float, int]
    largest: tuple[int, int]  # largest output group, largest true group
    naive_n: int
    naive_s: float
    naive_quality: tuple[float, float, float, int]
    storylines: Measured | None  # None: skipped
    storyline_count: int
    clustered: int
    rensa: Measured | None = None  # None: rensa not installed
    rensa_quality: tuple[float, float, float, int] | None = None
    floor: Measured | None = None

    @property
    def rensa_ratio(self) -> float | None:
        """Our dedup's wall time over the rensa loop's."""
        return self.dedup.wall_s / self.rensa.wall_s if self.rensa else None

    @property
    def floor_ratio(self) -> float | None:
        """Our dedup's CPU time over the numpy floor's."""
        return self.dedup.cpu_s / self.floor.cpu_s if self.floor else None

    @property
    def dedup_rate(self) -> float:
        return self.n / self.dedup.wall_s

    @property
    def naive_rate(self) -> float:
        return self.naive_n / self.naive_s

    @property
    def speedup(self) -> float:
        return self.dedup_rate / self.naive_rate


def clusterer_cmd() -> list[str]:
    """The installed CLI next to this interpreter, else ``python -m clusterer``."""
    script = Path(sys.executable).parent / "clusterer"
    return [str(script)] if script.exists() else [sys.executable, "-m", "clusterer"]


def bench_size(n: int, seed: int, work: Path, naive_limit: int,
               corpus: str = "syndication", storylines_too: bool = True) -> SizeResult:
    """Generate (or reuse) the dump of ``n`` articles and measure everything on it."""
    dump = corpus_path(work, n, seed, corpus)
    if dump.exists():
        _log(f"[{n}] corpus: cached {dump}")
    else:
        started = time.perf_counter()
        CORPORA[corpus][0](n, dump, seed)
        _log(f"[{n}] corpus: generated {dump} in {time.perf_counter() - started:.1f} s")
    out = work / f"out-{n}"
    out.mkdir(parents=True, exist_ok=True)
    cli = clusterer_cmd()

    dedup_out = out / "dedup.jsonl"
    dedup = run_measured([*cli, "dedup", str(dump), "-o", str(dedup_out), "-q"], out / "dedup.log")
    _log(f"[{n}] dedup: {dedup.wall_s:.1f} s, peak RSS {dedup.rss_mib:.0f} MiB, "
         f"tree PSS {dedup.pss_mib:.0f} MiB")
    gold = {r["id"]: r["group"] for r in read_records(dump)}
    pred = load_prediction(str(dedup_out))
    quality = scores(pred, gold)
    largest = (max(Counter(pred.values()).values()), max(Counter(gold.values()).values()))
    rensa, rensa_quality, floor = _peers(n, dump, out, gold)

    storylines, stats = None, {"storylines": 0, "clustered": 0}
    if storylines_too:
        story_out = out / "storylines.json"
        storylines = run_measured([*cli, "storylines", str(dump), "--json", str(story_out), "-q"],
                                  out / "storylines.log")
        stats = orjson.loads(story_out.read_bytes())["stats"]
        _log(f"[{n}] storylines: {storylines.wall_s:.1f} s, peak RSS {storylines.rss_mib:.0f} "
             f"MiB, tree PSS {storylines.pss_mib:.0f} MiB, {stats['storylines']} storylines")

    records = list(read_records(dump, naive_limit))
    if len(records) < n:
        _log(f"[{n}] naive: measured on the first {len(records):,} of {n:,} articles; "
             "throughput extrapolated linearly")
    naive_s, naive_pred = naive_dedup(records)
    naive_quality = scores(naive_pred, {r["id"]: r["group"] for r in records})
    _log(f"[{n}] naive: {len(records)} articles in {naive_s:.1f} s")
    return SizeResult(n, dedup, quality, largest, len(records), naive_s, naive_quality, storylines,
                      stats["storylines"], stats["clustered"], rensa, rensa_quality, floor)


def _peers(n: int, dump: Path, out: Path, gold: dict[str, str]
           ) -> tuple[Measured | None, tuple[float, float, float, int] | None, Measured]:
    """The rensa loop (if rensa is installed) and the numpy floor on ``dump``."""
    peers = [sys.executable, str(ROOT / "scripts" / "peers.py")]
    rensa = rensa_quality = None
    if importlib.util.find_spec("rensa") is None:
        _log(f"[{n}] rensa: not installed (pip install -e '.[bench]'); left out")
    else:
        labels = out / "rensa.json"
        rensa = run_measured([*peers, "rensa", str(dump), str(labels)], out / "rensa.log")
        rensa_quality = scores(orjson.loads(labels.read_bytes()), gold)
        _log(f"[{n}] rensa: {rensa.wall_s:.1f} s, {rensa.cpu_s:.1f} s CPU, peak RSS "
             f"{rensa.rss_mib:.0f} MiB")
    floor = run_measured([*peers, "floor", str(dump)], out / "floor.log")
    _log(f"[{n}] numpy floor: {floor.wall_s:.1f} s, {floor.cpu_s:.1f} s CPU, peak RSS "
         f"{floor.rss_mib:.0f} MiB")
    return rensa, rensa_quality, floor


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- report
def machine() -> dict[str, str]:
    """Cores, RAM, CPU model, Python and library versions, and the clusterer commit."""
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    ram = next((int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal:")), 0)
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    libs = ", ".join(f"{name} {importlib.metadata.version(name)}"
                     for name in ("clusterer", "datasketch", "numpy", "scikit-learn", "hdbscan"))
    return {"cores": str(cores), "ram": f"{ram / 1024 / 1024:.1f} GiB", "cpu": model,
            "python": platform.python_version(), "libs": libs, "commit": _commit()}


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "clusterer"], cwd=ROOT,
                               check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" with uncommitted changes in clusterer/" if dirty else "")


def _display(path: str | Path) -> str:
    """A path relative to the repository when inside it, for readable commands."""
    with contextlib.suppress(ValueError):  # not resolve(): .venv/bin/python is a symlink
        return str(Path(os.path.abspath(path)).relative_to(ROOT))
    return str(path)


def _row(cells: Sequence[object]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    return [_row(header), _row(["---"] * len(header)), *(_row(r) for r in rows)]


def _target(name: str, measured: str, ok: bool | None) -> list[str]:
    return [name, measured, "n/a" if ok is None else ("PASS" if ok else "MISS")]


def targets(results: dict[int, SizeResult]) -> list[list[str]]:
    """Each issue target with what was measured and PASS, MISS or n/a (size not run)."""
    rows = [_target(f"dedup >= 10x naive throughput ({n:,})", f"{r.speedup:.1f}x", r.speedup >= 10)
            for n, r in sorted(results.items())]
    big, small = results.get(100_000), results.get(10_000)
    at_100k = [
        ("dedup >= 2,000 articles/s end to end (100,000)",
         lambda r: (f"{r.dedup_rate:,.0f}/s", r.dedup_rate >= 2000)),
        ("dedup peak memory < 2 GiB (100,000)",
         lambda r: (f"{r.dedup.memory_mib:,.0f} MiB", r.dedup.memory_mib < 2 * GIB_MIB)),
        ("storylines < 120 s (100,000)",
         lambda r: (f"{r.storylines.wall_s:.1f} s", r.storylines.wall_s < 120)),
        ("storylines peak memory < 4 GiB (100,000)",
         lambda r: (f"{r.storylines.memory_mib:,.0f} MiB", r.storylines.memory_mib < 4 * GIB_MIB)),
    ]
    for name, measure in at_100k:
        if name.startswith("storylines") and big and big.storylines is None:
            rows.append(_target(name, "skipped", None))
            continue
        rows.append(_target(name, *measure(big)) if big else _target(name, "not run", None))
    for stage in ("dedup", "storylines"):
        name = f"{stage} time 10,000 -> 100,000 <= 12x"
        if big and small and getattr(big, stage) and getattr(small, stage):
            ratio = getattr(big, stage).wall_s / getattr(small, stage).wall_s
            rows.append(_target(name, f"{ratio:.1f}x", ratio <= 12))
        else:
            rows.append(_target(name, "not run", None))
    return rows + peer_targets(results)


def peer_targets(results: dict[int, SizeResult]) -> list[list[str]]:
    """Issue 21's targets against the peers, at the sizes run."""
    rows = []
    for n, r in sorted(results.items()):
        limit = 1.0 if n >= 100_000 else 1.5
        rows.append(_target(f"dedup wall / rensa loop <= {limit} ({n:,})",
                            "rensa not installed" if r.rensa_ratio is None
                            else f"{r.rensa_ratio:.2f}x",
                            None if r.rensa_ratio is None else r.rensa_ratio <= limit))
        if r.floor_ratio is not None:
            rows.append(_target(f"dedup CPU within 1.5x of the numpy floor ({n:,})",
                                f"{r.floor_ratio:.2f}x", r.floor_ratio <= 1.5))
    if 5000 in results:
        rows.append(_target("dedup >= 15x naive throughput (5,000)",
                            f"{results[5000].speedup:.1f}x", results[5000].speedup >= 15))
    if 100_000 in results:
        memory = results[100_000].dedup.memory_mib
        rows.append(_target("dedup peak memory <= 1 GiB (100,000)", f"{memory:,.0f} MiB",
                            memory <= GIB_MIB))
    return rows


def report(results: dict[int, SizeResult], command: str, seed: int, work: Path,
           corpus: str = "syndication") -> str:
    """The Markdown report: environment, commands, per-size tables, scaling and targets."""
    env = machine()
    cli = shlex.join(_display(c) if os.sep in c else c for c in clusterer_cmd())
    ordered = [results[n] for n in sorted(results)]
    lines = [
        "# Benchmarks",
        "",
        "Written by `scripts/bench.py`; re-run it to update this file.",
        "",
        f"- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {env['cores']} cores (nproc), {env['ram']} RAM, {env['cpu']}",
        f"- Python {env['python']}; {env['libs']}",
        f"- clusterer commit: {env['commit']}",
        f"- Command: `{command}`",
        f"- Dumps: `scripts/{CORPORA[corpus][1]} N DUMP --seed {seed}` (cached in "
        f"`{_display(work)}/`): {CORPORA[corpus][2]}; `group` is the true duplicate group.",
        f"- Per size: `{cli} dedup DUMP -o OUT -q`, the peers (`scripts/peers.py rensa|floor "
        f"DUMP`) and `{cli} storylines DUMP --json OUT -q`, "
        "one after the other, with every core (`--jobs 0`, the default). Wall time of each "
        "child; CPU = user + system time of it and its workers (`os.wait4`); "
        "peak RSS = its largest single process (`os.wait4`); tree PSS = peak of the "
        f"summed PSS of the child and its workers, sampled every {SAMPLE_EVERY_S} s or less "
        f"often, so that sampling takes at most {SAMPLE_SHARE:.0%} of one core.",
        "",
        "## Dedup",
        "",
        "Pairwise scores against `group`: an article's label is the kept id of its output line.",
        "",
        *_table(DEDUP_COLUMNS,
                [[f"{r.n:,}", f"{r.dedup.wall_s:.1f}", f"{r.dedup_rate:,.0f}", f"{r.dedup.rss_mib:,.0f}",
                  f"{r.dedup.pss_mib:,.0f}", f"{r.quality[0]:.4f}", f"{r.quality[1]:.4f}",
                  f"{r.quality[2]:.4f}", f"{r.quality[3]:,}", f"{r.largest[0]:,}",
                  f"{r.largest[1]:,}"] for r in ordered]),
        "",
        "## Naive datasketch loop (baseline)",
        "",
        f"Word {NAIVE_SHINGLE}-gram shingles of the raw title and text, `MinHash(num_perm="
        f"{NAIVE_PERM})` with one `update` per shingle, `MinHashLSH(threshold={NAIVE_THRESHOLD})` "
        "query then insert per article, union-find over the results; timed in-process on "
        "records already parsed. Its scores cover the articles it processed. Speedup = "
        "dedup articles/s (end to end, from the CLI) / naive articles/s.",
        "",
        *_table(["articles", "processed", "naive s", "naive articles/s", "dedup speedup",
                 "pairwise P", "pairwise R", "pairwise F1"],
                [[f"{r.n:,}", f"{r.naive_n:,}" + (" (first; extrapolated)" if r.naive_n < r.n else ""),
                  f"{r.naive_s:.1f}", f"{r.naive_rate:,.0f}", f"{r.speedup:.1f}x",
                  f"{r.naive_quality[0]:.4f}", f"{r.naive_quality[1]:.4f}",
                  f"{r.naive_quality[2]:.4f}"] for r in ordered]),
        "",
        *peers_section(ordered),
        *storylines_section(ordered),
        "## Scaling",
        "",
        *_table(["sizes", "dedup time ratio", "storylines time ratio"],
                [[f"{a.n:,} -> {b.n:,} ({b.n / a.n:g}x articles)",
                  f"{b.dedup.wall_s / a.dedup.wall_s:.1f}x",
                  f"{b.storylines.wall_s / a.storylines.wall_s:.1f}x"
                  if a.storylines and b.storylines else "skipped"]
                 for a, b in zip(ordered, ordered[1:])]),
        "",
        "## Targets",
        "",
        "Memory targets are judged on the larger of peak RSS and tree PSS.",
        "",
        *_table(["target", "measured", "result"], targets(results)),
        "",
    ]
    return "\n".join(lines)


def peers_section(ordered: Sequence[SizeResult]) -> list[str]:
    """Our dedup beside the rensa loop and the numpy floor, measured in the same run."""
    def ratio(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.2f}x"

    def peer(m: Measured | None) -> list[str]:
        return ["n/a"] * 3 if m is None else [f"{m.wall_s:.1f}", f"{m.cpu_s:.1f}",
                                               f"{m.memory_mib:,.0f}"]

    return [
        "## Peers (same run)",
        "",
        f"rensa loop (`scripts/peers.py rensa`): one process, lowercase `\\w+` words of title "
        f"and text, {peers.RENSA_SHINGLE}-word shingles, `RMinHash(num_perm={peers.RENSA_PERM})`, "
        f"`RMinHashLSH(threshold={peers.RENSA_THRESHOLD}, num_bands={peers.RENSA_BANDS})`, "
        "query then insert, union-find over candidates of estimated Jaccard >= "
        f"{peers.RENSA_THRESHOLD}. numpy floor (`scripts/peers.py floor`): read with orjson, "
        f"lowercase, `\\w+` split, hash {peers.FLOOR_SHINGLE}-word shingles on "
        f"{peers.FLOOR_PROCESSES} processes; nothing signed or matched. Memory: the larger of "
        "peak RSS and tree PSS.",
        "",
        *_table(["articles", "ours wall s", "ours CPU s", "ours MiB", "rensa wall s",
                 "rensa CPU s", "rensa MiB", "ours/rensa wall", "ours/rensa CPU",
                 "floor wall s", "floor CPU s", "floor MiB", "ours/floor CPU",
                 "rensa pairwise P", "rensa pairwise R"],
                [[f"{r.n:,}", f"{r.dedup.wall_s:.1f}", f"{r.dedup.cpu_s:.1f}",
                  f"{r.dedup.memory_mib:,.0f}", *peer(r.rensa), ratio(r.rensa_ratio),
                  ratio(r.dedup.cpu_s / r.rensa.cpu_s if r.rensa else None), *peer(r.floor),
                  ratio(r.floor_ratio),
                  *([f"{r.rensa_quality[0]:.4f}", f"{r.rensa_quality[1]:.4f}"]
                    if r.rensa_quality else ["n/a", "n/a"])] for r in ordered]),
        "",
    ]


def storylines_section(ordered: Sequence[SizeResult]) -> list[str]:
    """The storylines table, unless storylines were skipped."""
    done = [r for r in ordered if r.storylines is not None]
    if not done:
        return ["Storylines: skipped (`--skip-storylines`).", ""]
    return [
        "## Storylines",
        "",
        "Wall time includes the dedup that `storylines` runs first.",
        "",
        *_table(["articles", "storylines wall s", "articles/s", "peak RSS MiB", "tree PSS MiB",
                 "storylines", "clustered articles"],
                [[f"{r.n:,}", f"{r.storylines.wall_s:.1f}", f"{r.n / r.storylines.wall_s:,.0f}",
                  f"{r.storylines.rss_mib:,.0f}", f"{r.storylines.pss_mib:,.0f}",
                  f"{r.storyline_count:,}", f"{r.clustered:,}"] for r in done
                 if r.storylines is not None]),
        "",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="Example: python scripts/bench.py --sizes 1000,10000")
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="comma-separated dump sizes (default 1000,10000,100000)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md",
                        help="Markdown report to write (default docs/benchmarks.md)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument("--naive-limit", type=int, default=10_000,
                        help="largest number of articles the naive loop runs on (default 10000)")
    parser.add_argument("--corpus", choices=sorted(CORPORA), default="syndication",
                        help="dump generator: make_corpus.py (syndication, the default), "
                             "make_reuse_corpus.py (reuse) or make_long_corpus.py (long)")
    parser.add_argument("--skip-storylines", action="store_true",
                        help="time dedup and its peers only")
    parser.add_argument("--work-dir", type=Path, default=ROOT / "build" / "bench",
                        help="cached dumps and outputs (default build/bench)")
    args = parser.parse_args(argv)
    try:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes must be comma-separated integers, got {args.sizes!r}")
    if not sizes or min(sizes) < 2 or args.naive_limit < 2:
        parser.error("--sizes and --naive-limit need at least 2 articles each")
    command = shlex.join([_display(sys.executable), _display(sys.argv[0]), *sys.argv[1:]])
    args.work_dir.mkdir(parents=True, exist_ok=True)
    results = {n: bench_size(n, args.seed, args.work_dir, args.naive_limit, args.corpus,
                             not args.skip_storylines)
               for n in sorted(set(sizes))}
    text = report(results, command, args.seed, args.work_dir, args.corpus)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(args.out)
    _log(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
