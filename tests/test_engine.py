import os

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
