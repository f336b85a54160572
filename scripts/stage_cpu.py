"""CPU time of each dedup stage, in this process (``--jobs 1``): where the hot path spends.

Usage: python scripts/stage_cpu.py DUMP.jsonl

Runs :func:`clusterer.pipeline.run_dedup` on one local process with the stage functions
wrapped to add up their process time (splitting, fingerprinting and its signing, chrome
learning, matching, grouping), then serialises the output records. Prints one line of
``stage seconds`` pairs; "reading and the rest" is the run's total less the stages.
To compare two trees, run it alternately with ``PYTHONPATH=TREE`` (a directory holding
``clusterer/``): from this script's directory Python imports that tree, not the
installed one.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

STAGES = (("clusterer.fingerprint", None, "_units_chunk", "splitting"),
          ("clusterer.fingerprint", None, "_prints_chunk", "fingerprinting"),
          ("clusterer.minhash", "Signer", "signatures", "of which signing"),
          ("clusterer.boilerplate", "BoilerplateModel", "fit_hashed", "chrome fit"),
          ("clusterer.dedup", None, "merge_near", "matching"),
          ("clusterer.dedup", None, "_groups", "groups"))
TOP_LEVEL = ("splitting", "fingerprinting", "chrome fit", "matching", "groups")


def _timed(fn: Callable[..., Any], label: str, spent: defaultdict[str, float]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - start
    return wrapper


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit(__doc__.split("\n\n")[1])
    import importlib

    import orjson

    from clusterer.engine import LocalEngine
    from clusterer.pipeline import run_dedup

    spent: defaultdict[str, float] = defaultdict(float)
    for module_name, owner_name, name, label in STAGES:
        module = importlib.import_module(module_name)
        owner = getattr(module, owner_name) if owner_name else module
        setattr(owner, name, _timed(getattr(owner, name), label, spent))
    start = time.process_time()
    run = run_dedup([argv[0]], engine=LocalEngine(1))
    total = time.process_time() - start
    start = time.process_time()
    for record in run.records():
        orjson.dumps(record)
    spent["records"] = time.process_time() - start
    spent["reading and the rest"] = total - sum(spent[label] for label in TOP_LEVEL)
    spent["run_dedup"] = total
    print(" | ".join(f"{label} {seconds:.2f}" for label, seconds in spent.items()))


if __name__ == "__main__":
    main(sys.argv[1:])
