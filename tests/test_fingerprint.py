import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clusterer.boilerplate import BoilerplateConfig, BoilerplateModel
from clusterer.engine import MIN_PARALLEL, LocalEngine
from clusterer.fingerprint import (
    FingerprintConfig,
    fingerprint,
    split_articles,
)
from clusterer.fingerprint_chunks import _prints_chunk, _Stowed, _units_chunk
from clusterer.hashing import char_shingles, unit_hashes, word_shingles
from clusterer.lsh import distinct
from clusterer.normalize import units
from clusterer.prints import _Filling
from clusterer.shingling import HEAD_SHINGLES, TITLE_SHINGLE, Packed, article_prints

from conftest import examples, make_article


def _quiet(stage: str, done: int, total: int | None) -> None:
    pass


def _dump(n: int) -> list:
    """n articles on 3 sources, each with its own chrome line, distinct story text."""
    docs = []
    for i in range(n):
        source = f"site-{i % 3}"
        story = " ".join(f"w{i}x{k} alpha{k % 7} beta{(i + k) % 11}." for k in range(40))
        text = f"{story}\nSupport {source} journalism, donate today to keep it free."
        docs.append(make_article(f"a{i}", f"Headline {i} about thing {i % 5}", text,
                                 source=source))
    return docs


def test_chrome_is_left_out_of_the_body_fingerprint() -> None:
    docs = _dump(4)
    _, prints, model = fingerprint(docs, FingerprintConfig(), _quiet, LocalEngine(1))
    story_units = units(docs[0].text)[:-1]
    words = " ".join(story_units).split()
    expected = np.unique(word_shingles(words, 4))
    assert np.array_equal(prints.body[0], expected)
    assert np.array_equal(prints.head[0], word_shingles(words, 4)[:HEAD_SHINGLES])
    assert prints.title_only == [False] * 4
    assert model.source_chrome_["site-0"] == frozenset(
        unit_hashes(["support site 0 journalism donate today to keep it free"]))


def test_a_short_body_is_fingerprinted_by_its_headline() -> None:
    docs = [make_article("a", "Storm hits the coast", "Ten words or so are not enough here.")]
    _, prints, _ = fingerprint(docs, FingerprintConfig(), _quiet, LocalEngine(1))
    assert prints.title_only == [True]
    assert np.array_equal(prints.body[0], prints.title[0])
    assert len(prints.head[0]) == 0


def test_worker_processes_give_the_same_fingerprints_as_one_process() -> None:
    docs = _dump(MIN_PARALLEL + 10)
    read, serial, serial_model = fingerprint(iter(docs), FingerprintConfig(), _quiet, LocalEngine(1))
    again, parallel, parallel_model = fingerprint(iter(docs), FingerprintConfig(), _quiet, LocalEngine(2))
    assert read == again == docs
    assert serial_model.source_chrome_ == parallel_model.source_chrome_
    for name in ("body", "lead", "title", "head"):
        assert all(np.array_equal(a, b) for a, b in
                   zip(getattr(serial, name), getattr(parallel, name), strict=True)), name
    assert serial.title_only == parallel.title_only
    assert serial.digest == parallel.digest
    assert serial.length == parallel.length
    assert np.array_equal(serial.body_sig, parallel.body_sig)
    assert np.array_equal(serial.lead_sig, parallel.lead_sig)


_WORDS = ["alpha", "beta", "gamma", "delta", "Donate today.", "Read more.", "\n", "x", "Über"]


@pytest.mark.fuzz
@examples(150)
@given(st.lists(st.lists(st.sampled_from(_WORDS), max_size=40).map(" ".join), min_size=1,
                max_size=8),
       st.integers(1, 6), st.integers(0, 8))
def test_chunk_prints_equal_each_articles_own(texts, shingle_size, min_body_words) -> None:
    # _prints_chunk computes most articles' shingles for the chunk at once: the same
    # rows as shingling.article_prints gives for each article alone, whatever its length.
    config = FingerprintConfig(shingle_size=shingle_size, min_body_words=min_body_words,
                               lead_shingles=5)
    keys = [f"site-{i % 2}" for i in range(len(texts))]
    titles = [f"Headline {i % 3} - Site" for i in range(len(texts))]
    split = _units_chunk(None, [t.encode() for t in texts])
    h = split.hashed
    model = BoilerplateModel(BoilerplateConfig(min_docs=2)).fit_hashed(
        keys, split.units, h.unit_hashes, h.unit_tokens, titles)
    out = _prints_chunk((model, config), (split, keys, titles))
    unit_at = np.concatenate(([0], np.cumsum(split.units)))
    token_at = np.concatenate(([0], np.cumsum(h.unit_tokens)))
    for i, (key, title) in enumerate(zip(keys, titles)):
        first, last = unit_at[i], unit_at[i + 1]
        kept = np.asarray(model.content_mask(key, h.unit_hashes[first:last].tolist()), dtype=bool)
        words = h.tokens[token_at[first]:token_at[last]][np.repeat(kept, h.unit_tokens[first:last])]
        title_text = " ".join(model.title_tokens(title, key))
        title_set = distinct(char_shingles(title_text, TITLE_SHINGLE))
        length = int(h.unit_chars[first:last][kept].sum()) + int(kept.sum()) - 1
        expected = article_prints(config, title, title_text, title_set, words, length)
        for name, value in zip(("body", "lead", "title", "head", "title_only", "digest",
                                "length"), expected):
            got = out[name][i]
            assert (np.array_equal(got, value) and got.dtype == value.dtype
                    if isinstance(value, np.ndarray) else got == value), (name, i)


def test_split_chunks_keep_their_word_hashes_on_disk_until_pass_2() -> None:
    texts = [f"Story {i} opens here. It goes on with words {i} and {i + 1}." for i in range(600)]
    articles = [make_article(f"a{i}", f"Headline {i}", text) for i, text in enumerate(texts)]
    split = split_articles(articles, LocalEngine(1, chunk_size=256))
    assert [len(p) for p in split.parts] == [256, 256, 88]
    for start, part in zip((0, 256, 512), split.parts):
        assert isinstance(part, _Stowed) and len(part.hashed.tokens) == 0
        whole = _units_chunk(None, [t.encode() for t in texts[start:start + len(part)]])
        restored = part.restored()
        assert restored.units.tolist() == whole.units.tolist()
        for name in ("tokens", "unit_tokens", "unit_hashes", "unit_chars"):
            assert getattr(restored.hashed, name).tolist() == getattr(whole.hashed, name).tolist()


def test_parts_are_joined_as_packed_joined_would() -> None:
    rng = np.random.default_rng(3)
    rows = [rng.integers(0, 1000, int(rng.integers(0, 6)), dtype=np.uint32) for _ in range(40)]
    pieces = [Packed.of(rows[a:b]) for a, b in ((0, 7), (7, 7), (7, 31), (31, 40))]
    filling = _Filling(40, pieces)
    for piece in pieces:
        filling.add(piece)
    made, expected = filling.packed(), Packed.joined(pieces)
    assert made.values.tolist() == expected.values.tolist()
    assert made.offsets.tolist() == expected.offsets.tolist()
    assert made.offsets.dtype == expected.offsets.dtype == np.int64
