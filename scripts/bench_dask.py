"""Dedup with the local engine vs the Dask engine: wall time, memory per process, outputs.

Usage: python scripts/bench_dask.py [--size 100000] [--workers 2] [--memory-limit 4GiB]
       [--engines local,dask,dask-client,dask-verify] [--seed 0] [--work-dir build/bench]
       [--dump DUMP.jsonl]

The dump comes from ``scripts/make_corpus.py`` (cached under ``build/bench/`` with the
name ``scripts/bench.py`` gives it), or is ``--dump`` (its lines counted as the size).
Each engine runs once, in a child process of this script (``--child``) that reads the
dump, runs :func:`clusterer.pipeline.run_dedup` with ``LocalEngine(workers)``
(``local``) or ``DaskEngine(workers, memory_limit=…)`` (a LocalCluster of ``workers``
single-threaded worker processes, each with that memory limit; ``dask``: fingerprinting
on the workers, as ``--engine dask`` does, the word hashes and MinHash signatures kept
there with LSH and the estimates computed there, matching and grouping in one task on a
worker (:mod:`clusterer.worker_match`), ``dask-client``: every result fetched to the
client (``resident=False``, the engine before :mod:`clusterer.resident`; matching on the
client), ``dask-verify``: ``dask`` with matching on the client and the exact
verification of candidate pairs shipped to the workers; ``dask-reads-here``: ``dask``
with the dump read by the client and the output written there, as before
:mod:`clusterer.partitions`; ``dask`` reads the dump on the workers by byte ranges and
writes the output from them), and writes the records (JSONL) and the groups document, as
the CLI's dedup does, with the time and the client's CPU time (all its threads) at which
each stage first reported progress.

Memory: every process of the child's tree is sampled from ``/proc`` every 0.2 s for its
``VmHWM`` (the kernel's own peak RSS of that process, so a short peak between two
samples is not missed, only the last 0.2 s of a process's life); the child is the
client (with the local engine, the parent of the pool), the others are the workers (the
Dask worker processes, or the local pool's forks, whose RSS counts pages shared with
the parent). The client's RSS is also kept over time, to give its largest RSS in each
stage. The outputs' sha256 are printed side by side.

Prints a Markdown table. One run per engine: on a loaded machine, timings are noisy.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench import _descendants, corpus_path  # noqa: E402
from make_corpus import write_corpus  # noqa: E402

SAMPLE_EVERY_S = 0.2


def _child(engine_name: str, dump: Path, out: Path, workers: int, memory_limit: str,
           chunk_size: int) -> None:
    from clusterer.dedup import DedupConfig
    from clusterer.engine import LocalEngine
    from clusterer.pipeline import run_dedup

    # The matching task's reads of texts (clusterer.worker_match), into stderr.log.
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    logging.getLogger("clusterer.worker_match").setLevel(logging.INFO)
    started = time.perf_counter()
    stages: dict[str, float] = {}

    cpu: dict[str, float] = {}  # the client process's CPU seconds (all its threads) so far

    def progress(stage: str, done: int, total: int | None) -> None:
        if stage not in stages:
            stages[stage] = round(time.perf_counter() - started, 1)
            cpu[stage] = round(time.process_time(), 1)

    config = DedupConfig(workers=workers)
    if engine_name == "local":
        run = run_dedup([str(dump)], config=config, progress=progress,
                        engine=LocalEngine(workers, chunk_size))
        _write(run, out, started, stages, cpu)
        stages["written"] = round(time.perf_counter() - started, 1)
    else:
        from clusterer.engine_dask import DaskEngine

        with DaskEngine(workers, chunk_size=chunk_size, memory_limit=memory_limit,
                        ship_comparisons=engine_name == "dask-verify",
                        resident=engine_name != "dask-client",
                        read_inputs=engine_name != "dask-reads-here") as engine:
            engine.client()  # the cluster's start-up is not a stage
            stages["cluster started"] = round(time.perf_counter() - started, 1)
            run = run_dedup([str(dump)], config=config, progress=progress, engine=engine)
            _write(run, out, started, stages, cpu)
            stages["written"] = round(time.perf_counter() - started, 1)
    (out / "stages.json").write_bytes(orjson.dumps(stages))
    (out / "cpu.json").write_bytes(orjson.dumps(cpu))


def _write(run: Any, out: Path, started: float, stages: dict[str, float],
           cpu: dict[str, float]) -> None:
    """The records (JSONL, as the CLI writes them: on the Dask workers when they read
    the dump) and the groups document, while the engine is up."""
    from clusterer.output import dumps_with_list

    stages["matched and grouped"] = round(time.perf_counter() - started, 1)
    cpu["matched and grouped"] = round(time.process_time(), 1)
    with (out / "dedup.jsonl").open("wb") as fh:
        for lines in run.record_lines():
            fh.write(lines)
    head, groups = run.result.groups_document_parts()  # written group by group, as the CLI does
    with (out / "groups.json").open("wb") as fh:
        for blob in dumps_with_list(head, "groups", groups):
            fh.write(blob)


def _status(pid: int) -> tuple[int, str, int]:
    """(VmHWM in KiB, command line, VmRSS in KiB) of a live process; (0, '', 0) if gone."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            fields = {line.split(":")[0]: line.split()[1] for line in fh
                      if line.startswith(("VmHWM:", "VmRSS:"))}
        hwm, rss = int(fields.get("VmHWM", 0)), int(fields.get("VmRSS", 0))
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmdline = fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return 0, "", 0
    return hwm, cmdline, rss


class _Sampler(threading.Thread):
    """Peak RSS (VmHWM) of every process of a tree, by pid, until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.done = pid, threading.Event()
        self.peaks: dict[int, tuple[int, str]] = {}
        self.client_rss: list[tuple[float, int]] = []  # (s from start, KiB) of the root
        self.started = time.perf_counter()

    def run(self) -> None:
        while not self.done.is_set():
            for pid in _descendants(self.pid):
                hwm, cmdline, rss = _status(pid)
                if hwm and hwm >= self.peaks.get(pid, (0, ""))[0]:
                    self.peaks[pid] = (hwm, cmdline)
                if pid == self.pid and rss:
                    self.client_rss.append((time.perf_counter() - self.started, rss))
            self.done.wait(SAMPLE_EVERY_S)

    def client_at(self, stages: dict[str, float]) -> dict[str, int]:
        """The root's largest RSS (MiB) in each stage (from its start to the next's)."""
        bounds = sorted(stages.items(), key=lambda item: item[1])
        out = {}
        for k, (stage, start) in enumerate(bounds):
            end = bounds[k + 1][1] if k + 1 < len(bounds) else float("inf")
            inside = [rss for t, rss in self.client_rss if start <= t < end]
            out[stage] = round(max(inside, default=0) / 1024)
        return out


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def measure(engine: str, dump: Path, out: Path, args: argparse.Namespace) -> dict[str, object]:
    out.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, __file__, "--child", engine, str(dump), str(out),
           "--workers", str(args.workers), "--memory-limit", args.memory_limit,
           "--chunk-size", str(args.chunk_size)]
    with (out / "stderr.log").open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stderr=err)
        sampler = _Sampler(proc.pid)
        sampler.start()
        code = proc.wait()
        wall = time.perf_counter() - started
        sampler.done.set()
        sampler.join()
    if code != 0:
        sys.exit(f"Error: {engine} run exited with {code}; see {out / 'stderr.log'}")
    client = sampler.peaks.pop(proc.pid, (0, ""))[0] / 1024
    workers = sorted((hwm / 1024 for hwm, cmdline in sampler.peaks.values()
                      if "resource_tracker" not in cmdline and hwm > 60 * 1024), reverse=True)
    stages = orjson.loads((out / "stages.json").read_bytes())
    reads = [line for line in (out / "stderr.log").read_text(errors="replace").splitlines()
             if "matching task's texts" in line]
    return {"texts_read": reads[-1].split(": ", 1)[-1] if reads else None,
            "engine": engine, "wall_s": wall, "client_mib": client, "workers_mib": workers,
            "records_sha": _sha(out / "dedup.jsonl"), "groups_sha": _sha(out / "groups.json"),
            "stages": stages, "client_cpu_s": orjson.loads((out / "cpu.json").read_bytes()),
            "client_mib_by_stage": sampler.client_at(stages)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="articles (default 100000)")
    parser.add_argument("--workers", type=int, default=2, help="workers of each engine (default 2)")
    parser.add_argument("--memory-limit", default="4GiB", help="per Dask worker (default 4GiB)")
    parser.add_argument("--chunk-size", type=int, default=256, help="articles per task (default 256)")
    parser.add_argument("--engines", default="local,dask,dask-verify",
                        help="engines, in order: local, dask, dask-reads-here, dask-client, "
                             "dask-verify "
                             "(default local,dask,dask-verify)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument("--work-dir", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--dump", type=Path, default=None,
                        help="an existing JSONL dump to run on (instead of make_corpus.py's)")
    parser.add_argument("--child", nargs=3, metavar=("ENGINE", "DUMP", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        engine, dump, out = args.child
        _child(engine, Path(dump), Path(out), args.workers, args.memory_limit, args.chunk_size)
        return
    args.work_dir.mkdir(parents=True, exist_ok=True)
    dump = args.dump or corpus_path(args.work_dir, args.size, args.seed)
    if args.dump is not None:
        args.size = sum(1 for _ in dump.open("rb"))
    elif not dump.exists():
        started = time.perf_counter()
        write_corpus(args.size, dump, args.seed)
        print(f"generated {dump} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    results = []
    for engine in args.engines.split(","):
        result = measure(engine, dump, args.work_dir / f"dask-{args.size}-{engine}", args)
        print(orjson.dumps(result).decode(), file=sys.stderr, flush=True)
        results.append(result)
    print(f"{args.size:,} articles ({dump.name}, {dump.stat().st_size / 2**20:,.0f} MiB), "
          f"{args.workers} workers, Dask memory limit {args.memory_limit} per worker, one run each\n")
    print("| engine | wall s | client peak RSS MiB | worker peak RSS MiB | records sha256 | groups sha256 |")
    print("|---|---|---|---|---|---|")
    for r in results:
        workers = ", ".join(f"{w:,.0f}" for w in r["workers_mib"])  # type: ignore[attr-defined]
        print(f"| {r['engine']} | {r['wall_s']:.1f} | {r['client_mib']:,.0f} | {workers} | "
              f"{r['records_sha']} | {r['groups_sha']} |")
    print()
    for r in results:
        print(f"- {r['engine']} stages (s from start, first progress report): {r['stages']}; "
              f"client's CPU s so far: {r['client_cpu_s']}; "
              f"client's largest RSS in each (MiB): {r['client_mib_by_stage']}"
              + (f"; {r['texts_read']}" if r["texts_read"] else ""))


if __name__ == "__main__":
    main()
