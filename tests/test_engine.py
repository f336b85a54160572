import os
import threading
import time
from collections.abc import Iterator

import pytest

from clusterer.engine import MIN_PARALLEL, LocalEngine, run_stage, worker_count


def _pid_and_sum(state: int, job: list[int]) -> tuple[int, int]:
    return os.getpid(), state + sum(job)


def _jobs(n: int) -> list[list[int]]:
    return [list(range(k, k + 4)) for k in range(0, n, 4)]


def test_small_inputs_run_in_this_process_with_the_state() -> None:
    with LocalEngine(2).mapper(MIN_PARALLEL - 1, 100) as mapper:
        results = list(mapper(_pid_and_sum, _jobs(12)))
    assert results == [(os.getpid(), 106), (os.getpid(), 122), (os.getpid(), 138)]


def test_a_pool_gives_the_same_results_in_order() -> None:
    jobs = _jobs(400)
    with LocalEngine(1).mapper(MIN_PARALLEL, 7) as mapper:
        serial = list(mapper(_pid_and_sum, jobs))
    with LocalEngine(2).mapper(MIN_PARALLEL, 7) as mapper:
        pooled = list(mapper(_pid_and_sum, iter(jobs)))
    assert [s for _, s in pooled] == [s for _, s in serial] == [7 + 4 * k + 6 for k in range(0, 400, 4)]
    assert {pid for pid, _ in serial} == {os.getpid()}
    assert os.getpid() not in {pid for pid, _ in pooled}  # the workers did the work


def test_run_stage_reports_progress_by_job_sizes() -> None:
    seen = []
    with LocalEngine(1).mapper(3, 0) as mapper:
        out = run_stage(mapper, _pid_and_sum, _jobs(12), [4, 4, 2], "adding", 10,
                        lambda stage, done, total: seen.append((stage, done, total)))
    assert [s for _, s in out] == [6, 22, 38]
    assert seen == [("adding", 0, 10), ("adding", 4, 10), ("adding", 8, 10), ("adding", 10, 10)]


def test_worker_count() -> None:
    assert worker_count(3) == 3
    assert worker_count(0) == len(os.sched_getaffinity(0))


def _fails_on_three(state: int, job: list[int]) -> int:
    if 3 in job:
        raise ValueError(f"job {job} holds 3")
    return sum(job)


def _exits(state: int, job: list[int]) -> int:
    os._exit(3)


def test_a_pool_raises_a_workers_error_in_the_caller() -> None:
    error = pytest.raises(ValueError, match=r"job \[0, 1, 2, 3\] holds 3")
    with error, LocalEngine(2).mapper(MIN_PARALLEL, 0) as mapper:
        list(mapper(_fails_on_three, _jobs(40)))


def test_a_pool_raises_an_error_reading_the_jobs_in_the_caller() -> None:
    def jobs() -> Iterator[list[int]]:
        yield [1]
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"), LocalEngine(2).mapper(MIN_PARALLEL, 0) as mapper:
        list(mapper(_pid_and_sum, jobs()))


def test_a_pool_maps_no_jobs_and_reports_a_dead_worker() -> None:
    with LocalEngine(2).mapper(MIN_PARALLEL, 0) as mapper:
        assert list(mapper(_pid_and_sum, [])) == []
    error = pytest.raises(RuntimeError, match=r"a worker process ended unexpectedly \(exit codes ")
    with error, LocalEngine(2).mapper(MIN_PARALLEL, 0) as mapper:
        list(mapper(_exits, _jobs(8)))


def _slow_length(state: int, job: bytes) -> int:
    time.sleep(0.02)
    return len(job)


def test_a_pool_stops_reading_jobs_when_the_caller_stops() -> None:
    # Jobs of 1 MiB fill the pipe to the workers: the sending thread is blocked writing
    # one when the caller stops, and must be released, not left hanging.
    read = []

    def jobs() -> Iterator[bytes]:
        for k in range(200):
            read.append(k)
            yield b"x" * (1 << 20)

    with pytest.raises(KeyError), LocalEngine(2).mapper(MIN_PARALLEL, 0) as mapper:
        for _ in mapper(_slow_length, jobs()):
            raise KeyError("stop")
    assert 0 < len(read) < 200
    assert not [t for t in threading.enumerate() if t.name == "clusterer-jobs"]
