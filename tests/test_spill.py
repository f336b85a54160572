"""Articles spilled to disk come back whole, and pass for the articles they store."""

import dataclasses
import pickle
from datetime import datetime, timezone

import numpy as np
import pytest

from clusterer.errors import OutputError
from clusterer.records import Article
from clusterer.spill import ArraySpill, ArticleSpill, StoredArticle


def _articles(n):
    return [Article(f"id-{i}", f"Headline {i} é", f"Body {i} ünïcode \ud83d\ude00 " * (i + 1),
                    url=f"https://example.com/{i}" if i % 2 else None, source="example.com",
                    published=datetime(2024, 1, 1 + i, tzinfo=timezone.utc), guid=None,
                    fields={"id": f"id-{i}", "text": f"raw {i}", "n": 2**70 + i,
                            "nested": {"a": [i, None]}},
                    origin=f"dump.jsonl:{i + 1}")
            for i in range(n)]


@pytest.mark.parametrize("recent", [0, 2, 100])
def test_stored_articles_read_back_equal_the_originals(recent):
    originals = _articles(6)
    spill = ArticleSpill(recent=recent)
    stored = list(spill.spilled(originals))
    assert len(spill) == 6
    for article, copy in zip(reversed(originals), reversed(stored)):  # out of order
        assert isinstance(copy, StoredArticle)
        assert copy == article and article == copy
        assert hash(copy) == hash(article)
        assert copy.text == article.text
        assert copy.fields == article.fields
        assert copy.origin == article.origin
        assert copy.to_dict() == article.to_dict()
        assert copy.normalized() == article.normalized()
    assert stored[0] != originals[1]


def test_text_stays_on_disk_beyond_the_recent_articles():
    spill = ArticleSpill(recent=2)
    stored = list(spill.spilled(_articles(5)))
    assert sorted(spill._latest) == [3, 4]  # the last two only
    assert stored[0].text == _articles(1)[0].text


def test_a_stored_article_pickles_and_copies_as_a_plain_article():
    original = _articles(3)[2]
    spill = ArticleSpill(recent=0)
    stored = list(spill.spilled(_articles(3)))[2]
    back = pickle.loads(pickle.dumps(stored))
    assert type(back) is Article
    assert back == original and back.fields == original.fields
    changed = dataclasses.replace(stored, fields={})
    assert type(changed) is Article
    assert changed.text == original.text and changed.fields == {}


def test_a_spill_that_cannot_be_written_is_one_line(tmp_path):
    spill = ArticleSpill(directory=str(tmp_path / "missing"))
    with pytest.raises(OutputError, match=r"missing: cannot write the temporary copy of the "
                                          r"input: .*; set TMPDIR to a directory"):
        spill.add(_articles(1)[0])


def test_spilled_arrays_read_back_equal_in_any_order():
    spill = ArraySpill()
    arrays = [np.arange(5, dtype=np.uint32), np.zeros(0, dtype=np.uint32),
              np.array([2**63, 1], dtype=np.uint64), np.arange(100_000, dtype=np.int64)[::3]]
    handles = [spill.add(a) for a in arrays]
    for handle, original in reversed(list(zip(handles, arrays))):
        back = handle.load()
        assert back.dtype == original.dtype and back.tolist() == original.tolist()
        assert back.flags.writeable
    spill.close()


def test_an_array_spill_that_cannot_be_written_is_one_line(tmp_path):
    spill = ArraySpill(directory=str(tmp_path / "missing"))
    with pytest.raises(OutputError, match=r"missing: cannot write the temporary copy of the "
                                          r"input: .*; set TMPDIR to a directory"):
        spill.add(np.arange(3))


def test_a_forked_process_reads_articles_written_but_not_yet_flushed():
    # Articles still in the file's buffer at a fork are flushed first (os.register_at_fork):
    # the child, sharing the spill as it is in memory (not pickled), reads them with
    # pread, and never writes the buffer a second time.
    import multiprocessing

    originals = _articles(8)
    spill = ArticleSpill(recent=0)
    stored = list(spill.spilled(originals[:4]))
    assert spill._written == 0  # all four in the buffer
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=_send_texts, args=(stored, writer))
    child.start()
    assert reader.recv() == [a.text for a in originals[:4]]
    child.join()
    assert child.exitcode == 0
    stored += list(spill.spilled(originals[4:]))  # the parent writes on after the fork
    assert [a.text for a in stored] == [a.text for a in originals]
    assert [a.fields for a in stored] == [a.fields for a in originals]


def _send_texts(stored, pipe):
    pipe.send([article.text for article in stored])


@pytest.mark.parametrize("workers", [1, 2])
def test_splitting_reads_every_text_from_memory(monkeypatch, workers):
    # The recent articles cover fingerprinting's first batch and the chunk after it:
    # pass 1 never reads a text back from the file (fewer than RECENT fails).
    from clusterer import spill as spill_module
    from clusterer.engine import CHUNK_SIZE, MIN_PARALLEL, LocalEngine
    from clusterer.fingerprint import split_articles

    reads = []
    real_pread = spill_module.os.pread
    monkeypatch.setattr(spill_module.os, "pread", lambda *a: reads.append(a) or real_pread(*a))
    n = MIN_PARALLEL + 3 * CHUNK_SIZE + 7
    articles = [Article(f"id-{i}", f"Headline {i}", f"Body of story {i}. Second line {i}.")
                for i in range(n)]
    spill = ArticleSpill()
    split = split_articles(spill.spilled(articles), LocalEngine(workers))
    assert sum(split.sizes) == n
    assert reads == []
    assert spill.recent == spill_module.RECENT
