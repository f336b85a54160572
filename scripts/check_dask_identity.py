"""Whether the Dask engine gives the local engine's outputs, byte for byte, on given dumps.

Usage: python scripts/check_dask_identity.py DUMP... [--chunk-size 8] [--partition-size 16]
       [--workers 2] [--block-size 4000] [--block-bytes 4096]

For each dump (``A.jsonl+B.jsonl``: both files as one input): dedup records (JSONL), the
groups document and the storylines document, hashed together (sha256), with
``LocalEngine(workers)`` and with a LocalCluster of ``workers`` Dask workers,
verification on the client and shipped to the workers
(``DaskEngine(ship_comparisons=True)``), every engine cutting the input into chunks of
``--chunk-size`` articles (the Dask engine without shipped verification reads a JSONL
input on its workers in byte ranges of ``--block-bytes``, which are its chunks, and
writes the dedup output from them: :mod:`clusterer.partitions`); the Dask engine keeps
the MinHash signatures on its workers in partitions of ``--partition-size`` articles
(:mod:`clusterer.resident`) and clusters each storyline time block of ``--block-size``
articles on a worker (the local engine's storylines run in this process, as the CLI's).
Prints one line per dump; exits 1 if any differs.
"""

from __future__ import annotations

import argparse
import hashlib
import sys

import orjson

from clusterer.dedup import DedupConfig
from clusterer.engine import Engine, LocalEngine
from clusterer.output import dumps_with_list
from clusterer.pipeline import run_dedup, run_storylines
from clusterer.storylines import StorylineConfig


def digest(path: str, engine: Engine, workers: int, block_size: int
           ) -> tuple[str, dict[str, int], int]:
    """The outputs' sha256, the dedup stats, and the input ranges read on the workers."""
    run = run_dedup(path.split("+"), config=DedupConfig(workers=workers), engine=engine)
    out = hashlib.sha256()
    for lines in run.record_lines():  # with the Dask engine, written on its workers
        out.update(lines)
    head, groups = run.result.groups_document_parts()
    for blob in dumps_with_list(head, "groups", groups):  # orjson.dumps(groups_document())
        out.update(blob)
    blocks = None if isinstance(engine, LocalEngine) else engine
    config = StorylineConfig(block_size=block_size)
    out.update(orjson.dumps(run_storylines(run, config, engine=blocks).document()))
    return out.hexdigest()[:16], run.result.stats, len(run.inputs.blocks) if run.inputs else 0


def main(argv: list[str] | None = None) -> None:
    from clusterer.engine_dask import DaskEngine

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dumps", nargs="+")
    parser.add_argument("--chunk-size", type=int, default=8, help="articles per chunk (default 8)")
    parser.add_argument("--partition-size", type=int, default=16,
                        help="articles per partition of the signatures on the workers (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="workers (default 2)")
    parser.add_argument("--block-bytes", type=int, default=4096,
                        help="bytes per range of a JSONL input read on a worker (default 4096)")
    parser.add_argument("--block-size", type=int, default=StorylineConfig.block_size,
                        help="articles per storyline time block (default 4000)")
    args = parser.parse_args(argv)
    same = True
    for path in args.dumps:
        local, stats, _ = digest(path, LocalEngine(args.workers, args.chunk_size), args.workers,
                               args.block_size)
        cells = [f"{path}: {stats['articles']:,} articles, "
                 f"{-(-stats['articles'] // args.chunk_size):,} chunks, "
                 f"about {stats['articles'] // args.partition_size:,} partitions, local {local}"]
        for ship in (False, True):
            with DaskEngine(args.workers, chunk_size=args.chunk_size,
                            ship_comparisons=ship, partition_size=args.partition_size,
                            block_bytes=args.block_bytes) as engine:
                got, _, ranges = digest(path, engine, args.workers, args.block_size)
            same &= got == local
            read = f" ({ranges} input ranges read on the workers)" if ranges else ""
            cells.append(f"dask{' (shipped verification)' if ship else ''} {got}{read}")
        print("; ".join(cells), flush=True)
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
