import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clusterer.boilerplate import BoilerplateConfig, BoilerplateModel
from clusterer.chrome_counts import (
    ChromeCounts,
    _key,
    count_chunk,
    first_copies,
    text_digests,
)
from clusterer.hashing import hash_units
from clusterer.stored import model_json

# Few units, sources and headline ends, so that units recur within and across sources,
# short units appear, and exact copies on one source happen.
UNITS = ["read more", "please donate to keep our newsroom going today",
         "latest news", "a story sentence with several distinct words one",
         "a story sentence with several distinct words two",
         "a story sentence with several distinct words three",
         "subscribe to our daily newsletter for the top stories",
         "another long sentence of some article about the city council"]
SOURCES = ["", "site-a", "site-b", "news.example.co.uk"]
TITLES = ["Story | Site A", "Site B - Story", "Story", "Other story | Reuters", "Story - Site A"]

docs_strategy = st.lists(st.tuples(st.sampled_from(SOURCES),
                                   st.lists(st.sampled_from(UNITS), max_size=7),
                                   st.sampled_from(TITLES)), max_size=30)


def _hashed(docs):
    units = [u for _, doc_units, _ in docs for u in doc_units]
    hashed = hash_units("\n".join(units))
    counts = np.asarray([len(d[1]) for d in docs], dtype=np.int64)
    return [d[0] for d in docs], counts, hashed.unit_hashes, hashed.unit_tokens


def _counts_of(docs, chunks, config, counted=None):
    """Counts of ``docs`` taken per chunk (lists of article indices), merged in order."""
    sources, counts, hashes, words = _hashed(docs)
    if counted is None:
        counted = first_copies(sources, text_digests(counts, hashes))
    offsets = np.concatenate(([0], np.cumsum(counts)))
    model = BoilerplateModel(config)
    merged = None
    for chunk in chunks:
        part = count_chunk(
            [sources[i] for i in chunk], counts[chunk],
            np.concatenate([hashes[offsets[i]:offsets[i + 1]] for i in chunk] or [hashes[:0]]),
            np.concatenate([words[offsets[i]:offsets[i + 1]] for i in chunk] or [words[:0]]),
            [model.affix_candidates(docs[i][2]) for i in chunk], counted[chunk],
            config.short_unit_words, config.affix_words)
        merged = part if merged is None else merged.merge(part)
    return merged


def _fitted(docs, config):
    return model_json(BoilerplateModel(config).fit(docs))


@pytest.mark.fuzz
@given(docs=docs_strategy, data=st.data())
def test_counts_merged_over_any_split_give_the_model_of_one_fit(docs, data):
    config = BoilerplateConfig(min_docs=data.draw(st.integers(2, 3)))
    k = data.draw(st.integers(1, 4))
    chunk_of = data.draw(st.lists(st.integers(0, k - 1), min_size=len(docs),
                                  max_size=len(docs)))
    chunks = [[i for i, c in enumerate(chunk_of) if c == chunk] for chunk in range(k)]
    order = data.draw(st.permutations(range(k)))
    merged = _counts_of(docs, [chunks[c] for c in order], config)
    fitted = _fitted(docs, config)
    assert model_json(BoilerplateModel(config).from_counts(merged)) == fitted
    # Cut by unit hash into buckets, each learned apart, then joined: the same model.
    parts = [BoilerplateModel(config).from_counts(b, part=True)
             for b in merged.buckets(data.draw(st.integers(1, 5)))]
    assert model_json(BoilerplateModel(config).joined(parts)) == fitted


@pytest.mark.fuzz
@given(docs=docs_strategy, cut=st.integers(0, 30), cut2=st.integers(0, 30))
def test_merge_is_order_independent_and_associative(docs, cut, cut2):
    config = BoilerplateConfig()
    lo, hi = sorted((min(cut, len(docs)), min(cut2, len(docs))))
    a, b, c = (_counts_of(docs, [list(range(lo))], config),
               _counts_of(docs, [list(range(lo, hi))], config),
               _counts_of(docs, [list(range(hi, len(docs)))], config))
    assert _tables(a.merge(b).merge(c)) == _tables(c.merge(a.merge(b))) \
        == _tables(b.merge(c).merge(a))
    # Several at once (DaskEngine.reduce's fan-in) is the same as two by two.
    assert _tables(a.merge(b, c)) == _tables(a.merge(b).merge(c)) == _tables(c.merge(b, a))


def _tables(counts: ChromeCounts):
    return (counts.names, counts.site_pages.tolist(), counts.affixes,
            [[c.tolist() for c in t] for t in (counts.short, counts.carried, counts.placed,
                                               counts.before)])


def test_a_copy_in_another_chunk_counts_once():
    chrome = "please donate to keep our newsroom going today"
    story = ["a story sentence with several distinct words one", chrome]
    docs = [("site-a", story, "t"), ("site-a", story, "t"),
            ("site-a", ["another long sentence of some article about the city council"], "t")]
    config = BoilerplateConfig()
    merged = _counts_of(docs, [[0], [1, 2]], config)
    assert model_json(BoilerplateModel(config).from_counts(merged)) == _fitted(docs, config)
    assert BoilerplateModel(config).from_counts(merged).source_chrome_ == {}
    # Counting the copy in both chunks would make its units chrome.
    twice = _counts_of(docs, [[0], [1, 2]], config, counted=np.ones(3, dtype=bool))
    assert "site-a" in BoilerplateModel(config).from_counts(twice).source_chrome_


def test_counts_of_another_config_are_refused():
    docs = [("site-a", ["read more"], "t")]
    counts = _counts_of(docs, [[0]], BoilerplateConfig(short_unit_words=3))
    with pytest.raises(ValueError, match="short_unit_words=3"):
        BoilerplateModel(BoilerplateConfig()).from_counts(counts)
    with pytest.raises(ValueError, match="cannot be merged"):
        counts.merge(_counts_of(docs, [[0]], BoilerplateConfig()))


def test_buckets_of_a_dump_without_sources_join_to_the_fitted_model():
    docs = [("", ["read more", "a story sentence with several distinct words one"], "t"),
            ("", ["read more", "latest news"], "t"), ("", ["latest news", "read more"], "t")]
    config = BoilerplateConfig()
    merged = _counts_of(docs, [[0, 1], [2]], config)
    parts = [BoilerplateModel(config).from_counts(b, part=True) for b in merged.buckets(3)]
    joined = BoilerplateModel(config).joined(parts)
    assert joined.short_chrome_  # "read more", "latest news" recur
    assert model_json(joined) == _fitted(docs, config)


@pytest.mark.fuzz
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2**40 - 1),
                          st.integers(0, 2**40 - 1)), max_size=40))
def test_row_keys_order_rows_as_lexsort_even_when_ranked_again(rows):
    # Spans of 4 * 2^40 * 2^40 do not fit in 63 bits: the key is ranked again on the way.
    columns = [np.asarray([r[k] for r in rows], dtype=np.int64) for k in range(3)]
    key = _key((columns[0], 4), (columns[1], 2**40), (columns[2], 2**40))
    assert np.array_equal(np.argsort(key, kind="stable"), np.lexsort(columns[::-1]))
    as_tuples = list(zip(*(c.tolist() for c in columns)))
    for a in range(len(rows)):
        for b in range(len(rows)):
            assert (key[a] == key[b]) == (as_tuples[a] == as_tuples[b])
