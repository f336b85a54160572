"""The Dask engine: the same stage functions, run on a ``distributed`` cluster.

``dask`` and ``distributed`` are an optional extra (``pip install 'clusterer[dask]'``).
With no scheduler address a :class:`distributed.LocalCluster` is started on this
machine (one single-threaded worker process per ``workers``); with one, the run uses
that cluster, whose workers must have ``clusterer`` installed (the stage functions
travel by reference, ``clusterer.fingerprint_chunks._prints_chunk`` …).

What runs where (see docs/dask.md): the two fingerprinting passes (splitting and
hashing the texts, then shingling and signing them), which are most of the work, run
on the workers, one task per chunk of ``chunk_size`` articles; each stage's shared
state (the learned chrome model) is scattered to every worker once. Results come back
in input order, so the output is byte-identical to the local engine's whatever the
number of workers or chunks. Dedup's matching and grouping run as one task on a worker
(:mod:`clusterer.worker_match`; on the client with ``ship_comparisons``); storylines and
writing the outputs run on the client.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from clusterer.engine import CHUNK_SIZE, MapFn, Resident, Stage, worker_count
from clusterer.errors import ClusterError, UsageError
from clusterer.partitions import BLOCK_BYTES

EXTRA_HINT = "install them with pip install 'clusterer[dask]'"
# Messages each of Dask's batched streams keeps for debugging (default 1,000, each up to
# 1 MB): the client's stream to the scheduler, and a local cluster's scheduler's streams
# to the workers, would keep the last 1,000 chunks of texts sent (1.1 GiB of the client's
# 2.8 GiB at 100,000 articles).
LOG_LENGTH = 16
PARTITION_SIZE = 8192  # articles per partition of the signatures kept on the workers
MERGED_AT_ONCE = 16  # results merged by one task of DaskEngine.reduce


class DaskEngine:
    """Runs stages as Dask tasks.

    Args:
        workers: Worker processes of the local cluster started when ``scheduler`` is
            None; 0 uses every available core.
        scheduler: Address of a running scheduler (``tcp://host:8786``), or None.
        chunk_size: Articles per task.
        in_flight: Tasks submitted ahead of the one awaited (bounds the memory of
            chunks sent but not yet done).
        timeout: Seconds to wait for ``scheduler`` to answer.
        ship_comparisons: Also run the exact verification of candidate pairs on the
            workers (:mod:`clusterer.verify`). Off by default: the pairs' articles and
            fingerprints cost the client more to send than comparing them here (100,000
            articles: see docs/dask.md).
        resident: Keep pass 1's word hashes and pass 2's MinHash signatures on the
            workers (:mod:`clusterer.resident`): LSH candidates and estimated
            similarities are computed there, and the client never holds them.
        partition_size: Articles per partition of the signatures kept on the workers
            (with ``resident``).
        memory_limit: Memory of each worker of a started local cluster (``"4GiB"``,
            bytes, or ``"auto"``: the machine's memory shared out); a worker past it is
            restarted by its nanny. Ignored with ``scheduler``.
        read_inputs: With matching on a worker, have the workers read plain JSONL
            inputs by byte ranges and write the dedup output from them
            (:mod:`clusterer.partitions`); other inputs are read here.
        block_bytes: Bytes per byte range of a JSONL input.

    Use as a context manager, or call :meth:`close`: a started cluster is stopped.
    """

    def __init__(self, workers: int = 0, scheduler: str | None = None,
                 chunk_size: int = CHUNK_SIZE, in_flight: int = 64, timeout: float = 10,
                 memory_limit: str | int = "auto", ship_comparisons: bool = False,
                 resident: bool = True, partition_size: int = PARTITION_SIZE,
                 read_inputs: bool = True, block_bytes: int = BLOCK_BYTES) -> None:
        self.workers = workers
        self.scheduler = scheduler
        self.chunk_size = chunk_size
        self.in_flight = in_flight
        self.timeout = timeout
        self.memory_limit = memory_limit
        self.ships_comparisons = ship_comparisons  # read by clusterer.verify.comparer_for
        self.keeps_results = resident  # read by clusterer.engine.keeps_results
        self.partition_size = partition_size
        self.block_bytes = block_bytes
        self.read_inputs = read_inputs
        self._client: Any = None
        self._cluster: Any = None

    @property
    def matches_on_worker(self) -> bool:
        """Whether dedup's matching and grouping run as a task on a worker
        (:mod:`clusterer.worker_match`): with resident results, without shipped
        comparisons. Read by :func:`clusterer.worker_match.matches_on_worker`."""
        return bool(self.keeps_results and not self.ships_comparisons)

    @property
    def reads_inputs(self) -> bool:
        """Whether the workers read plain JSONL inputs by byte ranges and write the dedup
        output from them (:mod:`clusterer.partitions`): with matching on a worker. Read
        by :func:`clusterer.partitions.reads_inputs`."""
        return bool(self.read_inputs and self.matches_on_worker)

    def resident_signatures(self, chunks: Sequence[Any], sizes: Sequence[int],
                            names: Sequence[str], num_perm: int) -> dict[str, Any]:
        """The signatures ``names`` of pass 2's chunks (futures of their results, of
        ``sizes`` articles), stacked on the workers into partitions of about
        ``partition_size`` articles: one :class:`ResidentSignatures` per name."""
        from distributed import wait

        from clusterer.resident import ResidentSignatures, stack

        client = self.client()
        parts, bounds, group, rows = [], [0], [], 0
        for chunk, size in zip(chunks, sizes):
            group.append(chunk)
            rows += size
            if rows - bounds[-1] >= self.partition_size:
                parts.append(client.submit(stack, names, *group, pure=False))
                bounds.append(rows)
                group = []
        if group or not parts:
            parts.append(client.submit(stack, names, *group, pure=False))
            bounds.append(rows)
        wait(parts)  # the chunks' futures are let go by the caller once this returns
        places = self.places()
        fetched: dict[str, dict[int, Any]] = {}  # rows fetched ahead, shared by the kinds
        return {name: ResidentSignatures(client, name, parts, bounds, num_perm, places, fetched)
                for name in names}

    def places(self) -> int:
        """Places of a shuffle on this cluster: twice its workers, at least 4."""
        return max(4, 2 * len(self.client().scheduler_info().get("workers", ())))

    def reduce(self, merge: Callable[..., Any], kept: Sequence[Any], pieces: int,
               finish: Callable[..., Any], *args: Any) -> list[Any]:
        """Per piece ``p < pieces``: ``finish(merged, *args)``, computed on the workers,
        where ``merged`` is piece ``p`` of each of the results kept there (``kept``: their
        futures, at least one; each result a list of ``pieces`` items) merged by
        ``merge`` (``merge(a, b, …)``: up to :data:`MERGED_AT_ONCE` at a time) in a tree
        on the workers. Only ``finish``'s results come here, in piece order. ``merge``
        must be associative (neighbours are merged, in order). Every piece's tree is
        submitted before the first result is awaited."""
        client = self.client()
        finished = []
        for piece in range(pieces):
            level = [client.submit(operator.getitem, k, piece, pure=False) for k in kept]
            while len(level) > 1:
                level = [client.submit(merge, *level[at:at + MERGED_AT_ONCE], pure=False)
                         if len(level[at:at + MERGED_AT_ONCE]) > 1 else level[at]
                         for at in range(0, len(level), MERGED_AT_ONCE)]
            finished.append(client.submit(finish, level[0], *args, pure=False))
            # Only the last level is held here: Dask keeps a merge's inputs until it ran.
            del level
        return [future.result() for future in finished]

    def __enter__(self) -> DaskEngine:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: object) -> None:
        self.close()
        if exc is not None and _from_the_cluster(exc):
            raise ClusterError(cluster_failure(exc, self.scheduler)) from exc

    def client(self) -> Any:
        """The ``distributed.Client``, connected (and the cluster started) on first use."""
        if self._client is not None:
            return self._client
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError:
            raise UsageError(f"--engine dask needs dask and distributed; {EXTRA_HINT}") from None
        with dask.config.set({"distributed.admin.low-level-log-length": LOG_LENGTH}):
            return self._connect(Client, LocalCluster)

    def _connect(self, Client: Any, LocalCluster: Any) -> Any:  # noqa: N803
        if self.scheduler is None:
            # The dashboard on any free port: a second cluster on one machine does not warn.
            self._cluster = LocalCluster(n_workers=worker_count(self.workers), threads_per_worker=1,
                                         processes=True, dashboard_address=":0",
                                         memory_limit=self.memory_limit,
                                         silence_logs=logging.ERROR)
            self._client = Client(self._cluster)
        else:
            try:
                self._client = Client(self.scheduler, timeout=self.timeout)
            except (OSError, TimeoutError, ValueError) as exc:
                raise UsageError(f"cannot reach the Dask scheduler at {self.scheduler} ({exc}); "
                                 "start it with `dask scheduler` and workers with `dask worker "
                                 "ADDRESS`, or check --scheduler") from None
        return self._client

    def close(self) -> None:
        """Disconnect, and stop the cluster this engine started."""
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.close()
            self._client = None
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()
            self._cluster = None

    @contextlib.contextmanager
    def mapper(self, items: int, state: Any, view: Callable[[Any], Any] | None = None,
               keep: Callable[[Any], Any] | None = None, held: list[Any] | None = None
               ) -> Iterator[MapFn]:
        """An ordered map on the workers. With ``view``, each result stays on its
        worker and a :class:`~clusterer.engine.Resident` comes back: the future of the
        result (of ``keep(result)`` with ``keep``: the rest is let go) and
        ``view(result)``, computed there. With ``held`` too, the future of each job
        sent to a worker is appended to it, in order: the jobs stay there while
        ``held`` holds them (the texts, for :mod:`clusterer.worker_match`)."""
        client = self.client()
        # hash=False: a fresh key per stage, so that cancelling one stage's copy never
        # cancels the same state scattered again by the next stage.
        shared = (client.scatter(state, broadcast=True, hash=False) if state is not None
                  else None)

        def submit(fn: Stage, job: Any) -> Any:
            if view is None:
                return client.submit(fn, shared, job, pure=False), None
            # A task's arguments stay in the scheduler while its result is kept (its
            # ``run_spec``): a job of plain data (a chunk of texts) goes to a worker
            # first, the task holding only a reference to it, let go once it ran.
            if not _holds_future(job):
                job = client.scatter([job], hash=False)[0]
                if held is not None:
                    held.append(job)
            future = client.submit(fn, shared, job, pure=False)
            shown = client.submit(view, future, pure=False)
            return (future if keep is None else client.submit(keep, future, pure=False)), shown

        def fetch(task: tuple[Any, Any]) -> Any:
            future, shown = task
            return future.result() if shown is None else Resident(future, shown.result())

        def run(fn: Stage, jobs: Iterable[Any]) -> Iterator[Any]:
            pending: collections.deque[Any] = collections.deque()
            for job in jobs:
                pending.append(submit(fn, job))
                if len(pending) > self.in_flight:
                    yield fetch(pending.popleft())
            while pending:
                yield fetch(pending.popleft())

        try:
            yield run
        finally:
            # Cancelling the state would cancel the results kept on the workers too
            # (its dependants): with ``view`` it is only let go.
            if shared is not None and view is None:
                with contextlib.suppress(Exception):
                    client.cancel(shared)


def _holds_future(job: Any) -> bool:
    from distributed import Future

    items = job if isinstance(job, (tuple, list)) else (job,)
    return any(isinstance(item, Future) for item in items)


def _from_the_cluster(exc: BaseException) -> bool:
    """Whether ``exc`` is the cluster failing (``distributed``'s ``KilledWorker``, a
    future cancelled or lost with its worker, a closed connection), not a bug of ours."""
    module = type(exc).__module__ or ""
    return (module.split(".")[0] in ("distributed", "tornado")
            or type(exc).__name__ in ("CancelledError", "FutureCancelledError"))


def cluster_failure(exc: BaseException, scheduler: str | None) -> str:
    """The one-line message for a run stopped by the cluster."""
    what = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")
    where = (f"the workers of {scheduler} (their logs and memory limits)" if scheduler
             else "the memory of this machine (a local cluster's workers were stopped)")
    return (f"the Dask cluster failed during the run ({what[:200]}); nothing was written: "
            f"check {where}, then run again (or use --engine local)")
