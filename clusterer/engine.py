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
import multiprocessing.connection
import os
import signal
import threading
import time
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
_SENDER_GRACE = 2.0  # seconds a stopped run waits for its job sender to end


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

    def forks(self) -> bool:
        """Whether its workers are forked from this process (so a stage's state reaches
        them as it is in memory, not pickled): more than one, where ``fork`` exists."""
        return worker_count(self.workers) > 1 and "fork" in multiprocessing.get_all_start_methods()

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
    with frozen_objects():
        pool = _Workers(multiprocessing.get_context(method), count, state)
        try:
            yield pool.map
        except BaseException:
            pool.terminate()
            raise
        else:
            pool.close()


@contextmanager
def frozen_objects() -> Iterator[None]:
    """Objects that exist now left out of garbage collection for the block (unless
    they were already: a caller's :func:`gc.freeze` stays)."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class _Workers:
    """Worker processes fed through one pipe and answering through another: the part
    of ``multiprocessing.Pool`` an ordered map needs. The pool's worker-handler thread
    wakes whenever a result waits in the pipe, and spins until the result thread has
    read it: 0.45 s of CPU at 20,000 articles (6% of the run), holding the lock the
    parent's reading thread needs. Here one thread sends the jobs (the parent reads the
    dump in it) and the caller's thread receives the results: nothing polls.
    """

    def __init__(self, context: Any, count: int, state: Any) -> None:
        self._tasks = context.SimpleQueue()
        self._results = context.SimpleQueue()
        self._processes = [context.Process(target=_work, args=(self._tasks, self._results, state),
                                           daemon=True) for _ in range(count)]
        for process in self._processes:
            process.start()
        self._sender: threading.Thread | None = None
        self._stop = threading.Event()
        # The sender's own messages (the number of jobs, or an error reading them) go
        # through a pipe only it writes: the results' lock is shared with the workers,
        # and a worker terminated halfway through writing a result may hold it for good.
        self._told, self._tell = context.Pipe(duplex=False)

    def map(self, fn: Stage, jobs: Iterable[Any]) -> Iterator[Any]:
        """``fn(state, job)`` of every job, in order; jobs are read in a thread of
        their own while the workers compute."""
        self._sender = threading.Thread(target=self._send, args=(fn, jobs), daemon=True,
                                        name="clusterer-jobs")
        self._sender.start()
        waiting: dict[int, Any] = {}
        received = 0
        total: int | None = None  # known once the sender has sent every job
        while total is None or received < total:
            index, ok, value = self._receive()
            if not ok:
                raise value
            if index < 0:
                total = value
                continue
            waiting[index] = value
            while received in waiting:
                yield waiting.pop(received)
                received += 1
        self._sender.join()

    def _send(self, fn: Stage, jobs: Iterable[Any]) -> None:
        """Send every job, then (-1, True, the number of jobs) through the results; an
        error reading the jobs as (-1, False, error), raised by :meth:`map`."""
        count = 0
        try:
            for job in jobs:
                if self._stop.is_set():
                    return
                self._tasks.put((count, fn, job))
                count += 1
        except BaseException as error:
            self._tell.send((-1, False, error))
            return
        self._tell.send((-1, True, count))

    def _receive(self) -> tuple[int, bool, Any]:
        """The next message; an error if a worker died without answering."""
        readers = [self._results._reader, self._told] + [p.sentinel for p in self._processes]
        ready = multiprocessing.connection.wait(readers)
        message: tuple[int, bool, Any]
        if self._results._reader in ready:
            message = self._results.get()
        elif self._told in ready:
            message = self._told.recv()
        else:
            raise RuntimeError("a worker process ended unexpectedly "
                               f"(exit codes {[p.exitcode for p in self._processes]})")
        return message

    def close(self) -> None:
        """Let the workers finish and wait for them."""
        for _ in self._processes:
            self._tasks.put(None)
        for process in self._processes:
            process.join()

    def terminate(self) -> None:
        """Stop the workers at once."""
        self._stop.set()
        for process in self._processes:
            process.terminate()
        for process in self._processes:
            process.join()
        # The sender may be blocked writing a job nobody reads: drain the pipe until it
        # ends. Raw bytes, not messages: a worker may have died halfway through one.
        # Bounded all the same: a sender that cannot end is a daemon thread, left behind
        # rather than waited for.
        reader = self._tasks._reader
        deadline = time.monotonic() + _SENDER_GRACE
        while (self._sender is not None and self._sender.is_alive()
               and time.monotonic() < deadline):
            if reader.poll(0.01):
                os.read(reader.fileno(), 1 << 16)


def _work(tasks: Any, results: Any, state: Any) -> None:
    """A worker: run the tasks it is sent until it is sent None."""
    # Ctrl-C reaches the whole process group: the parent handles it and terminates the
    # workers, which must not each print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while (task := tasks.get()) is not None:
        index, fn, job = task
        try:
            results.put((index, True, fn(state, job)))
        except Exception as error:
            results.put((index, False, error))


def forked_pool(engine: object) -> LocalEngine | None:
    """``engine`` if it is a local pool whose workers are forked from this process
    (:meth:`LocalEngine.forks`), else None."""
    return engine if isinstance(engine, LocalEngine) and engine.forks() else None
