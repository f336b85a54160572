"""Inputs read by byte ranges on the Dask workers, and the output written from them
(clusterer.partitions): the same articles, ids, errors, skip reports and output bytes as
the local reader and writer."""

import gzip
from types import SimpleNamespace

import orjson
import pytest

from clusterer.dedup import DedupConfig
from clusterer.engine import LocalEngine
from clusterer.errors import InputError, UsageError
from clusterer.partitions import _read as read_range
from clusterer.partitions import plan_blocks, worker_input
from clusterer.pipeline import run_dedup
from clusterer.readers import ReaderConfig, ReadReport, read_articles

from syndication import make_fixture

pytest.importorskip("distributed")

from clusterer.engine_dask import DaskEngine  # noqa: E402

BLOCK = 16384  # bytes per range: 15 ranges of the fixture (233 KB)


@pytest.fixture(scope="module")
def dask_engine():
    with DaskEngine(workers=2, chunk_size=8, partition_size=16, block_bytes=BLOCK) as engine:
        yield engine


def _lines(records):
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def _read(paths, engine, reader=None):
    """What reading gives: per article its header and origin, or the error; the report
    (what the run would show)."""
    report = ReadReport(keep_all=True)
    paths = [str(p) for p in paths]
    headers = []
    try:
        if isinstance(engine, LocalEngine):
            articles = read_articles(paths, reader, report)
        else:
            inputs = worker_input(paths, reader, report, engine, None)
            assert inputs is not None
            articles = (a for _, docs in inputs._read() for a in docs)
        for article in articles:
            headers.append((article.id, article.title, article.url, article.origin))
    except InputError as exc:  # the run stops: the articles read before it do not matter
        headers = [str(exc)]
    return (headers, [e.to_dict() for e in report.skipped_entries()], report.articles,
            report.files)


def test_ranges_cover_every_line_once_ended_at_newlines(tmp_path):
    path = tmp_path / "a.jsonl"
    data = b"".join(b'{"n": %d, "pad": "%s"}\n' % (i, b"x" * (i * 37 % 300)) for i in range(200))
    path.write_bytes(data + b'{"n": "last, without a newline"}')
    files, _, _ = plan_blocks([str(path)], ReaderConfig(), 997)
    blocks = files[0]
    assert len(blocks) == -(-path.stat().st_size // 997)
    parts = [read_range(block) for block in blocks]
    assert b"".join(parts) == path.read_bytes()
    assert all(part.endswith(b"\n") or not part for part in parts[:-1])


def test_only_plain_jsonl_is_read_by_ranges(tmp_path):
    plain = tmp_path / "a.jsonl"
    plain.write_bytes(b'{"id": "1", "title": "t", "text": "x"}\n')
    zipped = tmp_path / "b.jsonl.gz"
    zipped.write_bytes(gzip.compress(plain.read_bytes()))
    other = tmp_path / "c.csv"
    other.write_bytes(b"id,title,text\n1,t,x\n")
    latin = ReaderConfig(encoding="latin-1")
    assert plan_blocks([str(plain)], ReaderConfig(), 10) is not None
    assert plan_blocks([str(plain), str(zipped)], ReaderConfig(), 10) is None
    assert plan_blocks([str(other)], ReaderConfig(), 10) is None
    assert plan_blocks([str(plain)], latin, 10) is None
    assert plan_blocks(["-"], ReaderConfig(), 10) is None
    assert plan_blocks([str(tmp_path / "missing.jsonl")], ReaderConfig(), 10) is None


def _fixture_lines():
    return [orjson.dumps(r) for r in make_fixture(0).records]


def test_a_bad_line_is_named_by_file_and_line_as_locally(tmp_path, dask_engine):
    lines = _fixture_lines()
    lines.insert(70, b'{"id": "broken", "title": ')  # in a later range
    lines.insert(40, b"")  # a blank line: skipped, but counted
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    local = _read([path], LocalEngine(1))
    assert f"{path}:72:" in local[0][-1] and local[2] == 70
    assert _read([path], dask_engine) == local
    skipping = ReaderConfig(skip_bad=True)
    local = _read([path], LocalEngine(1), skipping)
    assert local[1] and _read([path], dask_engine, skipping) == local


def test_ids_are_made_unique_across_ranges_and_files_as_locally(tmp_path, dask_engine):
    records = [orjson.loads(line) for line in _fixture_lines()]
    for record in records:  # ids derived from the URLs: the two files collide
        del record["id"]
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_bytes(_lines(records))
    second.write_bytes(_lines(records[:40]))
    local = _read([first, second], LocalEngine(1))
    assert len({h[0] for h in local[0]}) == len(local[0]) == 141
    assert _read([first, second], dask_engine) == local
    # An input id met twice is an error naming both places.
    duplicated = tmp_path / "dup.jsonl"
    lines = _fixture_lines()
    duplicated.write_bytes(b"\n".join([*lines, lines[3]]) + b"\n")
    local = _read([duplicated], LocalEngine(1))
    assert "duplicate id" in local[0][-1]
    assert _read([duplicated], dask_engine) == local


def test_other_inputs_are_read_by_the_client(tmp_path, dask_engine):
    plain = tmp_path / "a.jsonl"
    plain.write_bytes(b"\n".join(_fixture_lines()) + b"\n")
    zipped = tmp_path / "b.jsonl.gz"
    zipped.write_bytes(gzip.compress(plain.read_bytes()))
    assert worker_input([str(plain)], None, ReadReport(), dask_engine, None) is not None
    assert worker_input([str(plain), str(zipped)], None, ReadReport(), dask_engine, None) is None
    assert worker_input([str(plain)], None, ReadReport(), LocalEngine(1), None) is None


def test_the_output_cannot_be_read_once_the_engine_is_closed(tmp_path, dask_engine):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"\n".join(_fixture_lines()[:40]) + b"\n")
    run = run_dedup([str(path)], config=DedupConfig(workers=1), engine=dask_engine)
    assert len(run.inputs.blocks) >= 2
    run.inputs.client = SimpleNamespace(status="closed")  # as a closed engine's client
    with pytest.raises(UsageError, match="before its engine is closed"):
        b"".join(run.record_lines())
    with pytest.raises(UsageError, match="before its engine is closed"):
        run.result.groups[0].kept.text  # noqa: B018
