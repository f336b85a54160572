"""The Dask engine gives byte-identical results to the local engine (a LocalCluster of 2
worker processes, inputs cut into many partitions so that copies cross them), with
fingerprinting run on the workers, and optionally the exact verification of candidate
pairs."""

import operator
import sys

import orjson
import pytest
from typer.testing import CliRunner

from clusterer.cli import app
from clusterer.dedup import DedupConfig
from clusterer.engine import LocalEngine
from clusterer.errors import UsageError
from clusterer.pipeline import run_dedup, run_storylines

from conftest import SAMPLES
from syndication import make_fixture

pytest.importorskip("distributed")
from distributed import get_task_stream  # noqa: E402

from clusterer.engine_dask import LOG_LENGTH, DaskEngine  # noqa: E402


@pytest.fixture(scope="module")
def dask_engine():
    with DaskEngine(workers=2, chunk_size=8) as engine:
        yield engine


def _documents(path, engine):
    deduped = run_dedup([str(path)], config=DedupConfig(workers=1), engine=engine)
    records = b"".join(orjson.dumps(r) + b"\n" for r in deduped.records())
    return records, orjson.dumps(deduped.groups_document()), run_storylines(deduped).document()


@pytest.mark.parametrize("ship", [False, True])
def test_dask_gives_the_local_engines_outputs(tmp_path, dask_engine, monkeypatch, ship):
    monkeypatch.setattr(dask_engine, "ships_comparisons", ship)
    fixture = make_fixture(0)
    path = tmp_path / "fixture.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in fixture.records))
    assert len(fixture.records) >= 8 * dask_engine.chunk_size  # at least 8 partitions
    local = _documents(path, LocalEngine(1))
    with get_task_stream(client=dask_engine.client()) as stream:
        assert _documents(path, dask_engine) == local
    # Fingerprinting ran on the workers, and with ship_comparisons the exact verification
    # of candidate pairs too.
    stages = {task["key"].rsplit("-", 5)[0] for task in stream.data}
    assert stages == {"_units_chunk", "_prints_chunk", *(["compare_chunk"] if ship else [])}
    groups = orjson.loads(local[1])["groups"]
    assert any(len(g["members"]) >= 3 for g in groups)  # chains of copies to cross partitions


def test_stages_run_as_tasks_on_the_workers_in_order(dask_engine):
    client = dask_engine.client()
    with get_task_stream(client=client) as stream, dask_engine.mapper(3, 7) as mapper:
        out = list(mapper(operator.add, range(40)))  # fn(state, job): 7 + job
    assert out == [7 + k for k in range(40)]
    workers = set(client.scheduler_info()["workers"])
    assert len(workers) == 2
    ran = [task for task in stream.data if task["key"].startswith("add-")]
    assert len(ran) == 40 and {task["worker"] for task in ran} <= workers


def test_cli_engine_options_are_checked():
    runner = CliRunner()
    result = runner.invoke(app, ["dedup", str(SAMPLES / "feed.jsonl"), "--engine", "spark"])
    assert (result.exit_code, result.stderr) == (
        1, "Error: invalid option: --engine must be one of local, dask, got 'spark'\n")
    result = runner.invoke(app, ["dedup", str(SAMPLES / "feed.jsonl"), "--scheduler", "tcp://x:1"])
    assert (result.exit_code, result.stderr) == (1, "Error: --scheduler needs --engine dask\n")


def test_missing_extra_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(UsageError, match=r"--engine dask needs dask and distributed; install them "
                                         r"with pip install 'clusterer\[dask\]'"):
        DaskEngine().client()


def test_an_unreachable_scheduler_is_one_line():
    with pytest.raises(UsageError, match=r"cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        DaskEngine(scheduler="tcp://127.0.0.1:9", timeout=1).client()


def _stream_log_lengths(dask_scheduler):
    return {stream.recent_message_log.maxlen for stream in dask_scheduler.stream_comms.values()}


def test_dask_streams_keep_few_messages(dask_engine):
    # The client's messages to the scheduler, and the scheduler's to the workers, each
    # hold a chunk of texts: Dask keeps the last 1,000 of them by default.
    client = dask_engine.client()
    assert client.scheduler_comm.recent_message_log.maxlen == LOG_LENGTH == 16
    assert client.run_on_scheduler(_stream_log_lengths) == {LOG_LENGTH}
