"""Comparisons made ahead on an engine, from the shipped rows only, are the local ones."""

import numpy as np
import orjson

from clusterer.comparer import Comparer
from clusterer.dedup import DedupConfig
from clusterer.engine import MIN_PARALLEL, LocalEngine
from clusterer.fingerprint import fingerprint
from clusterer.readers import ReaderConfig, read_articles
from clusterer.records import Match
from clusterer.spill import ArticleSpill
from clusterer.verify import PAIRS_PER_JOB, ForkedComparer, ShippedComparer, comparer_for

from conftest import make_article
from syndication import make_fixture


class _Counting(LocalEngine):
    """A local engine that counts the jobs it runs (and ships comparisons)."""

    ships_comparisons = True

    def __init__(self) -> None:
        super().__init__(1)
        self.jobs = 0

    def mapper(self, items, state):
        inner = super().mapper(items, state)
        engine = self

        class _Counted:
            def __enter__(self):
                run = inner.__enter__()

                def counted(fn, jobs):
                    for result in run(fn, jobs):
                        engine.jobs += 1
                        yield result
                return counted

            def __exit__(self, *exc):
                return inner.__exit__(*exc)

        return _Counted()


def _dump(tmp_path):
    path = tmp_path / "fixture.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in make_fixture(0).records))
    settings = DedupConfig()
    articles = list(read_articles([str(path)], ReaderConfig()))
    # Two sources sharing most of one text (in the band where a pair is compared again
    # from the texts, with both sources' chrome left out).
    shared = " ".join(f"story{k}" for k in range(100))
    for name in ("one", "two"):
        own = " ".join(f"{name}{k}" for k in range(60))
        articles.append(make_article(f"band-{name}", f"Headline {name}", f"{shared} {own}",
                                     source=f"Site {name}"))
    docs, prints, model = fingerprint(articles, settings.fingerprint_config(), engine=LocalEngine(1))
    return docs, prints, model, settings.match_config()


def test_shipped_comparisons_equal_the_local_ones_pair_for_pair(tmp_path):
    docs, prints, model, config = _dump(tmp_path)
    local = Comparer(docs, prints, model, config)
    engine = _Counting()
    shipped = comparer_for(engine, docs, prints, model, config)
    assert isinstance(shipped, ShippedComparer)
    n = len(docs)
    pairs = np.asarray([(i, j) for i in range(n) for j in range(i + 1, n)], dtype=np.int64)
    shipped.prefetch(pairs)
    assert shipped.fetched == len(pairs) == len(shipped.known)
    assert engine.jobs == -(-len(pairs) // PAIRS_PER_JOB) > 8  # many jobs, renumbered rows
    expected = {(i, j): local.compare(i, j) for i, j in pairs.tolist()}
    assert {(key >> 32, key & 0xFFFFFFFF): Match(*row)
            for key, row in shipped.known.items()} == expected
    kinds = {m.kind for m in expected.values() if m.copy}
    assert {"exact", "containment", "jaccard", "headline"} <= kinds
    # Pairs from two sources in the recheck band are shingled again from their texts
    # (the shipped articles), with both sources' chrome left out.
    band = [(i, j) for (i, j), m in expected.items() if m.kind != "headline"
            and 0.7 * config.threshold <= m.similarity < config.threshold
            and docs[i].source != docs[j].source]
    assert band
    i, j = pairs[0].tolist()
    assert shipped.compare(i, j) == expected[(i, j)] and i << 32 | j not in shipped.known  # once
    assert shipped.compare(i, j) == expected[(i, j)]  # then compared here


def test_the_local_engine_compares_pair_by_pair(tmp_path):
    docs, prints, model, config = _dump(tmp_path)
    comparer = comparer_for(LocalEngine(1), docs, prints, model, config)
    assert type(comparer) is Comparer
    comparer.prefetch(np.asarray([(0, 1)], dtype=np.int64))  # nothing to do


def test_a_forked_pool_compares_ahead_what_this_process_would(tmp_path):
    # The workers are forked from this process: the articles (spilled to disk, texts
    # read back by the workers for the pairs compared again), fingerprints and model
    # are theirs as they are here; only the pairs' numbers travel.
    docs, prints, model, config = _dump(tmp_path)
    spilled = list(ArticleSpill(recent=0).spilled(docs))
    local = Comparer(docs, prints, model, config)
    forked = comparer_for(LocalEngine(2), spilled, prints, model, config)
    assert isinstance(forked, ForkedComparer)
    n = len(docs)
    pairs = np.asarray([(i, j) for i in range(n) for j in range(i + 1, n)], dtype=np.int64)
    assert len(pairs) >= MIN_PARALLEL  # enough to start the pool
    forked.prefetch(pairs)
    expected = {(i, j): local.compare(i, j) for i, j in pairs.tolist()}
    assert {(key >> 32, key & 0xFFFFFFFF): Match(*row)
            for key, row in forked.known.items()} == expected
    assert forked.ordered_bodies == {}  # the texts were read back in the workers
    assert all(forked.compare(i, j) == expected[(i, j)] for i, j in pairs[:50].tolist())
    assert comparer_for(LocalEngine(1), docs, prints, model, config).__class__ is Comparer
