"""The Dask engine gives byte-identical results to the local engine (a LocalCluster of 2
worker processes, inputs cut into many partitions so that copies cross them), with
fingerprinting run on the workers, and optionally the exact verification of candidate
pairs."""

import dataclasses
import gc
import operator
import sys
import time

import numpy as np
import orjson
import pytest
from typer.testing import CliRunner

from clusterer.cli import app
from clusterer.dedup import DedupConfig
from clusterer.engine import LocalEngine
from clusterer.errors import ClusterError, UsageError
from clusterer.fingerprint import fingerprint
from clusterer.lsh import lsh_pairs, lsh_pairs_of
from clusterer.pipeline import run_dedup, run_storylines
from clusterer.readers import read_articles
from clusterer.storylines import StorylineConfig

from conftest import ROOT, SAMPLES
from syndication import make_fixture

pytest.importorskip("distributed")
from distributed import get_task_stream  # noqa: E402

from clusterer.engine_dask import LOG_LENGTH, DaskEngine  # noqa: E402
from clusterer.resident import ResidentSignatures  # noqa: E402


@pytest.fixture(scope="module")
def dask_engine():
    with DaskEngine(workers=2, chunk_size=8, partition_size=8, block_bytes=16384) as engine:
        yield engine


def _documents(path, engine):
    deduped = run_dedup([str(path)], config=DedupConfig(workers=1), engine=engine)
    records = b"".join(orjson.dumps(r) + b"\n" for r in deduped.records())
    # The output as the CLI writes it: on the workers, when they read the input.
    assert b"".join(deduped.record_lines()) == records
    return records, orjson.dumps(deduped.groups_document()), run_storylines(deduped).document()


# With resident results, chrome is also counted, merged and learned on the workers.
RESIDENT_STAGES = {"_units_view", "_prints_view", "_signatures", "stack", "_band_keys", "getitem",
                   "_place_pairs", "_equal", "_counts_chunk", "_counts_view", "merge", "_model_of"}


@pytest.mark.parametrize(("ship", "resident"), [(False, True), (True, True), (False, False)])
def test_dask_gives_the_local_engines_outputs(tmp_path, dask_engine, monkeypatch, ship,
                                              resident):
    monkeypatch.setattr(dask_engine, "ships_comparisons", ship)
    monkeypatch.setattr(dask_engine, "keeps_results", resident)
    fixture = make_fixture(0)
    path = tmp_path / "fixture.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in fixture.records))
    assert len(fixture.records) >= 8 * dask_engine.chunk_size  # at least 8 partitions
    assert path.stat().st_size >= 8 * dask_engine.block_bytes  # and 8 ranges read there
    assert len(fixture.records) >= 8 * dask_engine.partition_size
    local = _documents(path, LocalEngine(1))
    if resident and not ship:  # the client neither matches nor groups: a worker does
        monkeypatch.setattr("clusterer.dedup.match_prints", _refused)
        monkeypatch.setattr("clusterer.dedup.group_members", _refused)
    with get_task_stream(client=dask_engine.client()) as stream:
        assert _documents(path, dask_engine) == local
    # Fingerprinting ran on the workers, and with ship_comparisons the exact verification
    # of candidate pairs too; with resident signatures, LSH and the estimates too.
    # Without shipped comparisons, matching and grouping ran as one task on a worker
    # (clusterer.worker_match), which read pass 2's sets there (_prints_view).
    stages = {task["key"].rsplit("-", 5)[0] for task in stream.data}
    on_worker = {"_size", "_match_task", "_shape"} | RESIDENT_STAGES - {"_signatures"}
    # Without shipped comparisons, the workers read the input by byte ranges (counting
    # their lines first), and write the output from them (clusterer.partitions); the
    # client's storylines read the kept bodies from them (_render: partition_output).
    reading = {"_count_lines", "_parse_block", "_texts_of", "_items_of", "_render", "_contents"}
    assert stages == {"_units_chunk", "_prints_chunk", *(["compare_chunk"] if ship else []),
                      *((RESIDENT_STAGES if ship else on_worker | reading) if resident else [])}
    groups = orjson.loads(local[1])["groups"]
    assert any(len(g["members"]) >= 3 for g in groups)  # chains of copies to cross partitions
    # Nothing stays on the cluster after the run (the texts kept for matching included).
    assert _keys_left(dask_engine.client()) == []


def _keys_left(client):
    """The keys the scheduler still holds, once the client's releases have reached it."""
    gc.collect()
    deadline = time.monotonic() + 10
    while True:
        left = client.run_on_scheduler(lambda dask_scheduler: sorted(map(str, dask_scheduler.tasks)))
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def _refused(*args, **kwargs):
    raise AssertionError("called on the client")


def test_storyline_blocks_are_clustered_on_the_workers(tmp_path, dask_engine, monkeypatch):
    # Two time blocks of uci-dev's first 1,000 articles, each clustered (HDBSCAN,
    # prune, merge) as a task on a worker: the same storylines as clustered here.
    lines = (ROOT / "data" / "uci-dev.jsonl").read_bytes().splitlines(keepends=True)[:1000]
    path = tmp_path / "uci.jsonl"
    path.write_bytes(b"".join(lines))
    deduped = run_dedup([str(path)], config=DedupConfig(workers=1), engine=LocalEngine(1))
    config = StorylineConfig(block_size=500)
    local = run_storylines(deduped, config).document()
    assert len(local["storylines"]) >= 10
    monkeypatch.setattr("clusterer.storylines._hdbscan", _refused)  # never on the client
    with get_task_stream(client=dask_engine.client()) as stream:
        assert run_storylines(deduped, config, engine=dask_engine).document() == local
    assert [task["key"].rsplit("-", 5)[0] for task in stream.data] == ["_cluster_block"] * 2
    assert _keys_left(dask_engine.client()) == []


def test_the_client_holds_no_signature_and_the_same_sets(dask_engine):
    articles = list(read_articles([str(SAMPLES / "feed.jsonl")])) * 3
    articles = [dataclasses.replace(a, id=f"{a.id}-{k}") for k, a in enumerate(articles)]
    config = DedupConfig().fingerprint_config()
    _, local, _ = fingerprint(articles, config, None, LocalEngine(1))
    _, kept, _ = fingerprint(articles, config, None, dask_engine)
    for name in ("body_sig", "lead_sig", "title_sig"):
        assert isinstance(getattr(kept, name), ResidentSignatures)
        assert [getattr(kept, name)[i].tolist() for i in range(len(articles))] == \
            getattr(local, name).tolist()
    for name in ("body", "lead", "title", "head"):
        assert [row.tolist() for row in getattr(kept, name)] == \
            [row.tolist() for row in getattr(local, name)]
    assert (kept.title_only, kept.digest, kept.length) == \
        (local.title_only, local.digest, local.length)


def test_resident_signatures_answer_as_the_matrix(dask_engine):
    # Signatures kept on the workers, in partitions of about 16 rows: LSH pairs and big
    # buckets, equal values of pairs across partitions, single rows, as from the matrix.
    rng = np.random.default_rng(7)
    names = ("body_sig", "lead_sig", "title_sig")
    matrices = {name: rng.integers(0, 3, size=(100, 8), dtype=np.uint32) for name in names}
    client = dask_engine.client()
    sizes = [8] * 12 + [4]
    bounds = np.cumsum([0, *sizes])
    chunks = client.scatter([{name: m[a:b] for name, m in matrices.items()}
                             for a, b in zip(bounds, bounds[1:])], hash=False)
    engine = DaskEngine(workers=2, partition_size=16)
    engine._client = client
    resident = engine.resident_signatures(chunks, sizes, names, 8)
    body = resident["body_sig"]
    assert body.shape == (100, 8) and len(body.parts) == 7
    rows = np.flatnonzero(rng.random(100) < 0.7)
    wanted = rng.random(len(rows)) < 0.4
    for want in (None, wanted):
        pairs, big = lsh_pairs_of(body, rows, 4, 2, want)
        expected, expected_big = lsh_pairs(matrices["body_sig"][rows], 4, 2, want)
        assert pairs.tolist() == expected.tolist() and len(pairs) > 100
        assert [b.tolist() for b in big] == [b.tolist() for b in expected_big]
    small, big = resident["lead_sig"].lsh_pairs(rows, 4, 2, max_bucket=8)
    expected, expected_big = lsh_pairs(matrices["lead_sig"][rows], 4, 2, max_bucket=8)
    assert small.tolist() == expected.tolist()
    assert [b.tolist() for b in big] == [b.tolist() for b in expected_big] and big
    # The big buckets' members (walked pair by pair) have every kind fetched ahead.
    members = sorted(set(rows[np.concatenate(big)].tolist()))
    for name in names:
        fetched = resident[name].fetched[name]
        assert sorted(fetched) == members
        assert all(fetched[i].tolist() == matrices[name][i].tolist() for i in members)
    first, second = rng.integers(0, 100, size=(2, 500))
    title = matrices["title_sig"]
    assert resident["title_sig"].equal_counts(first, second).tolist() == \
        np.count_nonzero(title[first] == title[second], axis=1).tolist()
    assert [resident["title_sig"][i].tolist() for i in (0, 15, 16, 99)] == \
        [title[i].tolist() for i in (0, 15, 16, 99)]
    engine._client = None  # the module's engine owns the client


def test_stages_run_as_tasks_on_the_workers_in_order(dask_engine):
    client = dask_engine.client()
    with get_task_stream(client=client) as stream, dask_engine.mapper(3, 7) as mapper:
        out = list(mapper(operator.add, range(40)))  # fn(state, job): 7 + job
    assert out == [7 + k for k in range(40)]
    workers = set(client.scheduler_info()["workers"])
    assert len(workers) == 2
    ran = [task for task in stream.data if task["key"].startswith("add-")]
    assert len(ran) == 40 and {task["worker"] for task in ran} <= workers


def _referenced_arguments(dask_scheduler):
    """Per task of ``operator.add`` the scheduler holds, how many of its arguments are
    references to data on the workers (the rest are held in the task itself)."""
    return sorted(len(ts.run_spec.dependencies) for key, ts in dask_scheduler.tasks.items()
                  if str(key).startswith("add-"))


def test_kept_results_come_back_as_views_and_their_jobs_wait_on_a_worker(dask_engine):
    # With a view, each result stays on its worker (a Resident: its future, and the view
    # made there); the job went to a worker first, so the task the scheduler keeps with
    # the result holds a reference to the job, not the job (a chunk of texts).
    client = dask_engine.client()
    with dask_engine.mapper(3, 7, view=str) as mapper:
        kept = list(mapper(operator.add, range(5)))
        assert [k.view for k in kept] == [str(7 + n) for n in range(5)]
        assert [k.kept.result() for k in kept] == [7 + n for n in range(5)]
        assert client.run_on_scheduler(_referenced_arguments) == [2] * 5  # state and job
    del kept
    with dask_engine.mapper(3, 7, view=str, keep=operator.neg) as mapper:  # part of it kept
        kept = list(mapper(operator.add, range(3)))
        assert [(k.view, k.kept.result()) for k in kept] == [("7", -7), ("8", -8), ("9", -9)]
    del kept
    with dask_engine.mapper(3, 7) as mapper:  # results fetched: the job travels inline
        running = mapper(operator.add, range(5))
        assert next(running) == 7
        assert client.run_on_scheduler(_referenced_arguments)[:1] == [1]  # the state only
        assert list(running) == [8, 9, 10, 11]


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


def _cluster_exception(name: str, module: str) -> Exception:
    kind = type(name, (Exception,), {"__module__": module})
    return kind("Attempted to run task 'x' on 4 different workers, but all those workers died")


@pytest.mark.parametrize(("name", "module"), [("KilledWorker", "distributed.scheduler"),
                                              ("FutureCancelledError", "distributed.client"),
                                              ("CommClosedError", "distributed.comm.core")])
def test_a_cluster_failure_under_a_run_is_one_clear_error(name, module):
    with pytest.raises(ClusterError) as caught, DaskEngine(workers=1):
        raise _cluster_exception(name, module)
    message = str(caught.value)
    assert "\n" not in message and message.startswith("the Dask cluster failed during the run")
    assert f"({name}: Attempted to run task 'x' on 4 different workers" in message
    assert "nothing was written" in message and "--engine local" in message
    with pytest.raises(ClusterError) as remote, DaskEngine(scheduler="tcp://10.0.0.9:8786"):
        raise _cluster_exception(name, module)
    assert "the workers of tcp://10.0.0.9:8786" in str(remote.value)


def test_other_errors_under_a_run_pass_through_the_engine():
    with pytest.raises(ValueError, match="ours"), DaskEngine(workers=1):
        raise ValueError("ours")
    with pytest.raises(UsageError), DaskEngine(workers=1):
        raise UsageError("a usage error")


def test_the_matching_task_run_again_after_letting_go_fails(dask_engine):
    # The task lets go of the headers and views it copied (their dataset unpublished):
    # run again elsewhere (its worker lost), it fails as a cluster failure.
    from clusterer.engine_dask import _from_the_cluster

    client = dask_engine.client()
    client.publish_dataset(**{"clusterer-test-again": {"texts": [], "signatures": {}}})
    caught = _matching_failure(client, "clusterer-test-again", ["clusterer-test-again"])
    assert _from_the_cluster(caught)
    assert "clusterer-test-again-read-once" in str(caught)
    assert "let go by an earlier run" in str(caught)


def _matching_failure(client, dataset: str, published: list[str]) -> BaseException:
    """The error of a matching task run on ``dataset`` (the datasets ``published`` are
    unpublished after it)."""
    from clusterer.boilerplate import BoilerplateModel
    from clusterer.worker_match import _Keys, _match_task

    keys = _Keys(dataset=dataset, text_sizes=[], bounds=[0], num_perm=128, places=4)
    task = client.submit(_match_task, DedupConfig(), BoilerplateModel(), keys, pure=False)
    try:
        with pytest.raises(Exception) as caught:
            task.result(timeout=60)
    finally:
        for name in published:
            client.unpublish_dataset(name)
    return caught.value


@pytest.mark.filterwarnings("ignore:Client .* desires key .* but key is unknown")
def test_a_key_lost_with_a_worker_fails_the_matching_task(dask_engine):
    # Scattered data lost with its worker cannot be made again: the task run again
    # elsewhere fails as a cluster failure instead of waiting for it forever. The loss
    # is made by cancelling the key though the published dataset still names it.
    from clusterer.engine_dask import _from_the_cluster

    client = dask_engine.client()
    lost = client.scatter([[("id",) * 7]], hash=False)[0]
    key = lost.key
    client.publish_dataset(**{"clusterer-test-lost": {"texts": [], "signatures": {}},
                              "clusterer-test-lost-read-once": {"headers": [lost], "views": []}})
    client.cancel([lost], force=True)
    del lost
    caught = _matching_failure(client, "clusterer-test-lost",
                               ["clusterer-test-lost", "clusterer-test-lost-read-once"])
    assert _from_the_cluster(caught) and str(key) in str(caught)


def _joined_lists(*parts):
    return [item for part in parts for item in part]


def _tagged(merged, tag):
    return (tag, merged)


def test_reduce_merges_each_piece_in_order_on_the_workers(dask_engine, monkeypatch):
    # Joining lists is associative but not commutative: the tree (fan-in 3 here, so
    # that 20 results take three levels, one merge of a single leftover) keeps order.
    monkeypatch.setattr("clusterer.engine_dask.MERGED_AT_ONCE", 3)
    client = dask_engine.client()
    kept = client.scatter([[[k], [100 + k]] for k in range(20)], hash=False)
    out = dask_engine.reduce(_joined_lists, kept, 2, _tagged, "t")
    assert out == [("t", list(range(20))), ("t", [100 + k for k in range(20)])]
    assert dask_engine.reduce(_joined_lists, kept[:1], 1, _tagged, "one") == [("one", [0])]


class _Gathers:
    """A client whose futures are their values, counting gathers."""

    def __init__(self):
        self.gathered = []

    def gather(self, chunk):
        self.gathered.append(chunk[0])
        return chunk[1]


def test_the_matching_tasks_texts_keep_the_chunks_read_last_within_their_bytes():
    from clusterer.records import Article
    from clusterer.worker_match import _Texts

    client = _Gathers()
    chunks = [(k, [f"{k}:{j}".encode() * 10 for j in range(3)]) for k in range(4)]
    texts = _Texts(client, chunks, [3] * 4, cached_bytes=2 * 3 * 30)  # two chunks
    header = Article("x", "t", "")
    read = [texts.load(index, header).text for index in (0, 4, 1, 7, 5, 2, 10, 3)]
    assert read == [f"{i // 3}:{i % 3}" * 10 for i in (0, 4, 1, 7, 5, 2, 10, 3)]
    # Chunk 0 read again before chunk 2 came in, so chunk 1 went first (least recent),
    # then 0 for 1, 2 for 0, 1 for 3, 0 for 1.
    assert client.gathered == [0, 1, 2, 1, 0, 3, 1]
    assert texts.held <= 2 * 3 * 30 and list(texts.cache) == [3, 1]


class _Keyed(tuple):
    """A chunk's future as the test's client sees it: (number, texts), with a key."""

    @property
    def key(self):
        return f"texts-{self[0]}"


def test_the_matching_tasks_texts_on_its_own_worker_are_read_there():
    from clusterer.records import Article
    from clusterer.worker_match import _Texts

    client = _Gathers()
    chunks = [_Keyed((k, [f"{k}:{j}".encode() for j in range(3)])) for k in range(4)]
    local = {"texts-1": chunks[1][1], "texts-3": chunks[3][1]}  # what this worker holds
    texts = _Texts(client, chunks, [3] * 4, cached_bytes=1, local=local)
    header = Article("x", "t", "")
    read = [texts.load(index, header).text for index in (0, 4, 3, 10, 2, 5, 7)]
    assert read == [f"{i // 3}:{i % 3}" for i in (0, 4, 3, 10, 2, 5, 7)]
    assert client.gathered == [0, 2]  # chunk 0 stayed cached for row 2 (the last one read)
    assert list(texts.cache) == [2] and texts.reads["texts"] == 7
    assert texts.reads["local"] == 4 and texts.reads["gathered"] == 2
