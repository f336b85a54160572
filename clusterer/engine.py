"""Engines: what runs a pipeline stage over chunks of work.

A stage is a plain function ``fn(state, job) -> result`` of a module (so it can be
pickled by reference): ``state`` is what every job of the stage shares (a learned
model, a config), sent once per worker rather than with every job; ``job`` is one
chunk. An engine maps such a function over the jobs, in order. The stage code never
knows whether it runs here, in a local process pool, or elsewhere.

Only this module knows about processes.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

Progress = Callable[[str, int, "int | None"], None]  # stage, done, total (None: unknown)
Stage = Callable[[Any, Any], Any]  # fn(state, job) -> result
MapFn = Callable[[Stage, Iterable[Any]], Iterator[Any]]

CHUNK_SIZE = 256  # items per job: large enough to amortise a task, small for memory
MIN_PARALLEL = 4 * CHUNK_SIZE  # fewer items: process start-up costs more than it saves
_TRIM_EVERY = 32  # results between two hand-backs of freed memory (a few ms each)


class Engine(Protocol):
    """Runs stages over chunks; see the module docstring.

    Attributes:
        chunk_size: Items per job: how a stage's input is partitioned. Results never
            depend on it.
    """

    chunk_size: int

    def mapper(self, items: int, state: Any) -> AbstractContextManager[MapFn]:
        """An ordered ``map(fn, jobs)`` for ``items`` items in all, every job seeing
        ``state``; open for the ``with`` block only."""
        ...


@dataclass(frozen=True)
class Resident:
    """A stage's result kept where it was made (an engine off this process), and the
    part of it that came back (``view``). A later stage given ``kept`` as (part of) a
    job reads the whole result there, without it travelling through this process."""

    kept: Any
    view: Any

    def __len__(self) -> int:
        return len(self.view)


def keeps_results(engine: Any) -> bool:
    """Whether ``engine`` can keep results where they are made (``mapper(..., view=)``
    yields :class:`Resident`), so that only their views come back."""
    return bool(getattr(engine, "keeps_results", False))


class LocalEngine:
    """This machine: a pool of worker processes, or this process for small inputs.

    Args:
        workers: Processes; 0 uses every available core.
    """

    def __init__(self, workers: int = 0, chunk_size: int = CHUNK_SIZE) -> None:
        self.workers = workers
        self.chunk_size = chunk_size

    def mapper(self, items: int, state: Any) -> AbstractContextManager[MapFn]:
        return _local_mapper(worker_count(self.workers), items, state)


def worker_count(requested: int) -> int:
    """``requested`` workers, or every available core when 0."""
    if requested > 0:
        return requested
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def run_stage(mapper: MapFn, fn: Stage, jobs: Iterable[Any], sizes: list[int] | None,
              stage: str, total: int | None, report: Progress) -> list[Any]:
    """``fn`` of every job, in order, with progress; ``sizes`` are the items per job
    (None: each result's ``len``). Memory freed meanwhile (the jobs handed out) goes
    back to the system as it goes."""
    results = []
    done = 0
    report(stage, 0, total)
    for index, result in enumerate(mapper(fn, jobs)):
        results.append(result)
        done += len(result) if sizes is None else sizes[index]
        report(stage, done, total)
        if len(results) % _TRIM_EVERY == 0:
            return_free_memory()
    return_free_memory()
    return results


def return_free_memory() -> None:
    """Hand freed memory back to the system (glibc's ``malloc_trim``; nothing
    elsewhere). glibc keeps freed heap pages for reuse otherwise: the split units of
    chunks already fingerprinted were 0.6 GiB of the peak at 100,000 articles."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


# ---------------------------------------------------------------- local pool
_STATE: Any = None  # the running stage's shared state, in this process


def _init_worker(state: Any, worker: bool = False) -> None:
    global _STATE
    _STATE = state
    if worker:
        # Ctrl-C reaches the whole process group: the parent handles it and terminates
        # the workers, which must not each print a traceback.
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _call(task: tuple[Stage, Any]) -> Any:
    fn, job = task
    return fn(_STATE, job)


@contextmanager
def _local_mapper(count: int, items: int, state: Any) -> Iterator[MapFn]:
    """An ordered ``map`` in ``count`` worker processes, or here for small inputs.

    On any exception (Ctrl-C, SIGTERM, an error) the workers are terminated at once,
    never waited for, so an interrupted run exits promptly.
    """
    if count <= 1 or items < MIN_PARALLEL:
        yield lambda fn, jobs: (fn(state, job) for job in jobs)
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    # Objects that exist at the fork are left out of garbage collection until the pool
    # is done: a collection in a worker would otherwise write to every page holding one
    # (the articles), and each worker would get its own copy of them.
    gc.freeze()
    try:
        pool = multiprocessing.get_context(method).Pool(count, initializer=_init_worker,
                                                        initargs=(state, True))
        try:
            yield lambda fn, jobs: pool.imap(_call, ((fn, job) for job in jobs))
        except BaseException:
            pool.terminate()
            raise
        else:
            pool.close()
        finally:
            pool.join()
    finally:
        gc.unfreeze()
