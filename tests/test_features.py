import numpy as np
import pytest

from clusterer.features import (
    FeatureConfig,
    _auto_dims,
    _exact,
    build_features,
    document,
    site_words,
    title_terms,
)


def test_document_repeats_the_headline():
    doc = document("Fed holds", "body text", FeatureConfig(title_weight=2))
    assert doc == "Fed holds Fed holds body text"


def test_vectors_are_normalised_and_reduced():
    docs = [f"story {i % 5} about topic {i % 5} with words w{i % 5} and w{(i + 1) % 5}"
            for i in range(60)]
    features = build_features(docs, FeatureConfig(svd_dims=10))
    assert features.vectors.shape == (60, 10)
    assert np.allclose(np.linalg.norm(features.vectors, axis=1), 1.0)
    assert features.tfidf.shape[0] == 60


def test_unrelated_documents_of_one_broad_topic_are_not_similar():
    # 80 documents, each 40 words drawn from one 400-word vocabulary: no two share a
    # story, all share the topic. Centred, their average cosine is about 0 (uncentred,
    # the shared vocabulary made it about 0.3, above the storyline merge threshold). In
    # 50 dimensions, as a dump of 1,750 headlines gets (80 get 5, where unrelated
    # documents look alike: the sparse TF-IDF is the evidence).
    rng = np.random.default_rng(0)
    vocabulary = [f"term{i}" for i in range(400)]
    docs = [" ".join(rng.choice(vocabulary, 40)) for _ in range(80)]
    vectors = build_features(docs, FeatureConfig(svd_dims=50)).vectors
    cosines = vectors @ vectors.T
    off_diagonal = cosines[~np.eye(80, dtype=bool)]
    assert abs(off_diagonal.mean()) < 0.05
    assert np.percentile(off_diagonal, 99) < 0.5


def test_same_text_gives_the_same_vectors():
    docs = ["nato invites ukraine", "fed holds rates", "nato summit in brussels"] * 20
    a = build_features(docs).vectors
    b = build_features(docs).vectors
    assert np.array_equal(a, b)


def test_tiny_and_empty_inputs():
    assert build_features([]).vectors.shape == (0, 1)
    one = build_features(["only one document here"])
    assert one.vectors.shape[0] == 1
    stop = build_features(["the", "and the"])
    assert stop.vectors.shape == (2, 1)


@pytest.mark.parametrize(("name", "value"), [("title_weight", 0), ("svd_dims", 1),
                                             ("max_features", 10)])
def test_config_rejects_out_of_range(name, value):
    with pytest.raises(ValueError, match=f"{name} must be in \\["):
        FeatureConfig(**{name: value})


def test_stop_words_follow_the_language():
    docs = ["el banco central y la inflación", "la inflación y el banco central"] * 3
    terms = set(build_features(docs, language="es").terms.tolist())
    assert "banco" in terms and "inflación" in terms
    assert not {"el", "la", "y"} & terms


def test_title_terms_are_binary_without_stop_words_or_day_names():
    titles = ["Fed holds rates on Monday", "The Fed and the rates", "Monday"]
    matrix = title_terms(titles)
    assert matrix.shape == (3, 3)  # fed, holds, rates
    assert matrix.toarray().tolist() == [[1, 1, 1], [1, 0, 1], [0, 0, 0]]


def test_numbers_in_headlines_are_no_evidence_names_with_digits_are():
    titles = ["Best of 2014: 15 ideas", "What airlines did well in 2014", "MH370 search",
              "MH370 found, 15 say"]
    shared = (title_terms(titles) @ title_terms(titles).T).toarray()
    assert shared[0, 1] == 0  # only "2014" in common
    assert shared[0, 3] == 0  # only "15"
    assert shared[2, 3] == 1  # "mh370"


def test_seed_changes_only_the_randomised_svd():
    docs = [f"story {i % 7} words w{i % 7} v{i % 5} and u{i % 3}" for i in range(80)]
    a = build_features(docs, FeatureConfig(seed=0, svd_dims=50))
    b = build_features(docs, FeatureConfig(seed=1, svd_dims=50))
    assert (a.tfidf != b.tfidf).nnz == 0
    assert not np.array_equal(a.vectors, b.vectors)
    # Either seed finds about the same subspace: the cosines between articles agree.
    assert np.abs(a.vectors @ a.vectors.T - b.vectors @ b.vectors.T).max() < 0.1


def test_site_words_name_the_source_and_the_host():
    assert site_words("WNET", "wnet.org") == "WNET wnet"
    assert site_words(None, "telegraph.co.uk") == " telegraph"
    assert site_words("Reuters", None) == "Reuters"


def test_headline_words_of_the_article_s_own_site_are_no_evidence():
    titles = ["WNET Audit Committee Meetings | WNET", "WNET Interactive Technology | WNET",
              "WNET wins an award"]
    sites = [site_words("WNET", "wnet.org"), site_words("WNET", "wnet.org"), ""]
    terms = title_terms(titles, "en", sites)
    shared = (terms @ terms.T).toarray()
    assert shared[0, 1] == 0  # only the site's name in common
    assert shared[0, 2] == 0 and shared[2, 2] == 3  # the third is not from that site


def test_svd_dimensions_follow_the_documents_length_and_number():
    headlines = ["Fed official says weak data caused by weather"] * 2000
    bodies = [" ".join(["word"] * 80)] * 2000
    assert _auto_dims(headlines) == 50  # at most 50 for headlines
    assert _auto_dims(headlines[:1750]) == 50 and _auto_dims(headlines[:1749]) == 49
    assert _auto_dims(headlines[:700]) == 20  # one per 35 headlines
    assert _auto_dims(headlines[:174]) == 5 and _auto_dims(headlines[:9]) == 5  # at least 5
    assert _auto_dims(bodies) == 100 and _auto_dims(bodies[:9]) == 100
    assert _auto_dims(headlines[:5] + bodies[:4]) == 5  # most are headlines
    assert _auto_dims(headlines[:4] + bodies[:5]) == 100


HEADLINES = ["Fed official says weak data caused by weather", "Fed's Plosser sees high bar for taper",
             "Titanfall review: prepare for the revolution", "Titanfall launches on Xbox One",
             "Apple releases iOS 7.1 with CarPlay", "iOS 7.1 brings CarPlay to iPhones"]


def test_feature_kind_is_checked():
    with pytest.raises(ValueError, match="features must be one of tfidf, semantic, hybrid, "
                                         "got 'bert'"):
        FeatureConfig(kind="bert")


@pytest.mark.parametrize(("kind", "width"), [("semantic", 256), ("hybrid", 5 + 256)])
def test_semantic_and_hybrid_vectors(kind, width):
    features = build_features(HEADLINES, FeatureConfig(kind=kind, svd_dims=5))
    plain = build_features(HEADLINES, FeatureConfig(svd_dims=5))
    assert features.vectors.shape == (6, width)
    assert np.allclose(np.linalg.norm(features.vectors, axis=1), 1.0)
    # The evidence does not change with the vectors.
    assert (features.tfidf != plain.tfidf).nnz == 0
    # Two headlines of one story are closer than two of different stories.
    similar = features.vectors @ features.vectors.T
    assert similar[2, 3] > similar[2, 0] and similar[4, 5] > similar[4, 1]


def test_semantic_without_its_extra_says_how_to_install_it(monkeypatch):
    import sys

    from clusterer import semantic
    from clusterer.errors import UsageError

    semantic._model.cache_clear()
    monkeypatch.setitem(sys.modules, "wordllama", None)  # as if not installed
    with pytest.raises(UsageError, match=r"^--features semantic and hybrid need wordllama: "
                                         r"pip install 'clusterer\[semantic\]'$"):
        build_features(HEADLINES, FeatureConfig(kind="semantic"))
    semantic._model.cache_clear()


def test_each_part_gets_its_own_svd_on_one_tfidf():
    headlines = [f"fed holds rates story {i % 6} word{i % 6} term{i % 4}" for i in range(60)]
    pages = ["nato summit in brussels " * 20 + f"page {i}" for i in range(3)]
    docs = headlines + pages
    one = build_features(docs, FeatureConfig(svd_dims=10))
    same = build_features(docs, FeatureConfig(svd_dims=10), parts=[np.arange(63)])
    assert np.array_equal(one.vectors, same.vectors)
    parts = [np.arange(60), np.arange(60, 63)]
    apart = build_features(docs, FeatureConfig(svd_dims=10), parts=parts)
    assert (apart.tfidf != one.tfidf).nnz == 0  # the TF-IDF is fitted on all documents
    assert apart.vectors.shape == (63, 10)
    assert np.allclose(np.linalg.norm(apart.vectors, axis=1), 1.0)
    # The headlines' SVD is fitted on their rows alone, centred on their own mean.
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    own = TruncatedSVD(10, algorithm="randomized", n_iter=3,
                       random_state=0).fit_transform(apart.tfidf[:60]).astype(np.float64)
    assert np.allclose(apart.vectors[:60], normalize(own - own.mean(axis=0)))
    assert not np.allclose(one.vectors[:60], apart.vectors[:60])
    # A part of three is reduced to 2 dimensions (padded with zeros to 10).
    assert np.array_equal(apart.vectors[60:, 2:], np.zeros((3, 8)))


def test_parts_too_small_for_an_svd_keep_their_exact_cosines():
    docs = [f"fed holds rates story {i % 6} word{i % 6}" for i in range(60)]
    docs += ["ukraine crisis talks in geneva", "geneva talks on ukraine end"]
    features = build_features(docs, parts=[np.arange(60), np.arange(60, 62)])
    rows = features.tfidf[60:]
    cosine = (rows @ rows.T).toarray()[0, 1]
    assert cosine > 0.1
    assert features.vectors[60] @ features.vectors[61] == pytest.approx(cosine)
    assert np.allclose(_exact(rows) @ _exact(rows).T, (rows @ rows.T).toarray())
