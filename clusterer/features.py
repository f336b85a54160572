"""Features for storyline clustering: TF-IDF, reduced with TruncatedSVD, centred and
L2-normalised.

Each article's document is its headline (twice: headlines name the story) and its body
without the dump's chrome. Raw sparse TF-IDF never goes to HDBSCAN: it is reduced to
``svd_dims`` dense dimensions first (HDBSCAN's cost and memory grow fast with both).

From 50 documents on (where ``max_df`` also starts to drop terms in over half of them),
the reduced vectors are centred (the mean vector subtracted) before normalising. The
first SVD direction of TF-IDF is close to the mean document: uncentred, what every
article shares (the vocabulary of a dump about one broad topic) dominates the cosine,
and unrelated full-text articles score about 0.3, above the storyline merge threshold;
a 10,000-article dump collapsed into one storyline. Centred, unrelated articles score
about 0: the cosine measures what two articles share beyond the dump's average.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from clusterer.language import ENGLISH_DATES, stop_words
from clusterer.validation import check_range

if TYPE_CHECKING:  # imported where used, like scikit-learn: 0.15 s of every start-up
    import scipy.sparse as sp

_MANY_DOCS = 50  # documents: fewer make pairs of documents rare and the mean noisy


@dataclass(frozen=True)
class FeatureConfig:
    """How articles become vectors.

    Args:
        title_weight: Times the headline is repeated in the document, 1 to 5.
        svd_dims: Dimensions after TruncatedSVD, 2 to 500 (fewer for tiny inputs).
        max_features: Vocabulary size cap (most frequent terms), 1,000 to 10,000,000.
        body_words: Words of the body used, from its start (news puts the story in the
            lead; the rest costs time and adds topic drift), 0 to 100,000.
        seed: Seed of the randomised SVD, 0 to 2**32 - 1.
    """

    title_weight: int = 2
    svd_dims: int = 50
    max_features: int = 262_144
    body_words: int = 250
    seed: int = 0

    def __post_init__(self) -> None:
        check_range("title_weight", self.title_weight, 1, 5)
        check_range("svd_dims", self.svd_dims, 2, 500)
        check_range("max_features", self.max_features, 1000, 10_000_000)
        check_range("body_words", self.body_words, 0, 100_000)
        check_range("seed", self.seed, 0, 2**32 - 1)


@dataclass(frozen=True)
class Features:
    """Vectors of n documents.

    Attributes:
        vectors: Dense, L2-normalised, shape (n, d).
        tfidf: Sparse TF-IDF, rows L2-normalised, shape (n, vocabulary): the evidence
            that articles share a story (unrelated articles score near 0 on it), and
            the keywords.
        terms: The vocabulary, in column order of ``tfidf``.
    """

    vectors: np.ndarray
    tfidf: sp.csr_matrix
    terms: np.ndarray


def document(title: str, body: str, config: FeatureConfig) -> str:
    """The text an article is represented by: the headline, repeated, and the start of
    the body."""
    lead = " ".join(body.split()[: config.body_words])
    return " ".join([title] * config.title_weight + [lead])


def build_features(documents: Sequence[str], config: FeatureConfig | None = None,
                   language: str = "en") -> Features:
    """TF-IDF (words and word pairs, sublinear tf, the language's stop words) reduced by
    SVD.

    Terms must occur in two documents (one for inputs under 50 documents, where a
    pair is rare), and in at most half of them. From 50 documents on, the reduced
    vectors are centred before normalising.

    Args:
        documents: One text per article (see :func:`document`), all in one language.
        config: Parameters; defaults to :class:`FeatureConfig`.
        language: ISO 639-1 code of the documents, for stop words.
    """
    import scipy.sparse as sp

    config = config or FeatureConfig()
    n = len(documents)
    if n == 0:
        return Features(np.zeros((0, 1)), sp.csr_matrix((0, 0)), np.array([], dtype=object))
    # scikit-learn is imported when used: `clusterer dedup` starts without it.
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    stop = sorted(stop_words(language)) or None
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words=stop, ngram_range=(1, 2),
                                 min_df=2 if n >= _MANY_DOCS else 1,
                                 max_df=0.5 if n >= _MANY_DOCS else 1.0,
                                 max_features=config.max_features, dtype=np.float32)
    try:
        tfidf = vectorizer.fit_transform(documents).tocsr()
        terms = vectorizer.get_feature_names_out()
    except ValueError:  # no term at all (empty or stop-word-only documents)
        return Features(np.zeros((n, 1)), sp.csr_matrix((n, 0)), np.array([], dtype=object))
    dims = min(config.svd_dims, tfidf.shape[1] - 1, n - 1)
    if dims >= 2:
        # Constant columns make sklearn's explained-variance ratio 0/0: harmless here.
        with np.errstate(invalid="ignore", divide="ignore"):
            reduced = TruncatedSVD(dims, algorithm="randomized", n_iter=3,
                                   random_state=config.seed).fit_transform(tfidf)
    else:
        reduced = tfidf.toarray()
    reduced = reduced.astype(np.float64)
    if n >= _MANY_DOCS:
        reduced -= reduced.mean(axis=0)
    return Features(vectors=normalize(reduced), tfidf=tfidf, terms=terms)


def title_terms(titles: Sequence[str], language: str = "en") -> sp.csr_matrix:
    """Which words (not stop words) each headline holds: binary, shape (n, words).

    Two articles of one story almost always share a name or a word in their headlines;
    two unrelated pages of one site share boilerplate in their bodies, not their
    headlines. Day and month names are no evidence either ("The 52-Week Low Club for
    Monday" and "The 4 Stocks That Slimmed the DJIA Monday Slide").
    """
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import CountVectorizer

    stop = stop_words(language) | (ENGLISH_DATES if language == "en" else frozenset())
    vectorizer = CountVectorizer(binary=True, stop_words=sorted(stop) or None, dtype=np.float32)
    try:
        return vectorizer.fit_transform(titles).tocsr()
    except ValueError:  # no word at all
        return sp.csr_matrix((len(titles), 0), dtype=np.float32)
