"""Features for storyline clustering: TF-IDF, reduced with TruncatedSVD, centred and
L2-normalised.

Each article's document is its headline (twice: headlines name the story) and its body
without the dump's chrome. Raw sparse TF-IDF never goes to HDBSCAN: it is reduced to
``svd_dims`` dense dimensions first (HDBSCAN's cost and memory grow fast with both).

The TF-IDF is fitted on all the documents; the SVD may be fitted on parts of them
(``parts``: storylines fit one per stretch of time), each part's vectors in a space of
their own. From 50 documents on (where ``max_df`` also starts to drop terms in over half of them),
a part's reduced vectors are centred (the mean vector subtracted) before normalising. The
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

FEATURE_KINDS = ("tfidf", "semantic", "hybrid")
# A headline word that is evidence: two or more letters or digits, not all digits.
_HEADLINE_WORD = r"(?u)\b(?!\d+\b)\w\w+\b"
_SEMANTIC_WEIGHT = 0.25  # of the semantic part in hybrid vectors (0.75 for TF-IDF+SVD)
_MANY_DOCS = 50  # documents: fewer make pairs of documents rare and the mean noisy
_SHORT_DIMS = 50  # most SVD dimensions for documents that are mostly a headline
_DOCS_PER_DIM = 35  # headlines per SVD dimension, up to _SHORT_DIMS
_FEWEST_DIMS = 5  # fewest SVD dimensions chosen for headlines
_LONG_DIMS = 100  # SVD dimensions for documents that mostly hold a body
_LONG_WORDS = 60  # words (headline twice and body) from which a document holds a body


@dataclass(frozen=True)
class FeatureConfig:
    """How articles become vectors.

    Args:
        title_weight: Times the headline is repeated in the document, 1 to 5.
        svd_dims: Dimensions after TruncatedSVD, 2 to 500 (fewer for tiny inputs); None
            chooses by the documents' length and number (:func:`_auto_dims`): when
            most are headlines or short items, one per ``_DOCS_PER_DIM`` (35)
            documents, from ``_FEWEST_DIMS`` (5) to ``_SHORT_DIMS`` (50); when most
            hold a body, ``_LONG_DIMS`` (100). A few words per document support few
            independent directions, and fewer the fewer the documents (more split the
            stories of a headline dump: uci-dev B-cubed F1 0.80 at 50, 0.71 at 100);
            a body supports more, which keeps apart neighbouring stories told in full
            text (topic sets: precision 0.91 at 50, 0.94 at 100).
        max_features: Vocabulary size cap (most frequent terms), 1,000 to 10,000,000.
        body_words: Words of the body used, from its start (news puts the story in the
            lead; the rest costs time and adds topic drift), 0 to 100,000.
        seed: Seed of the randomised SVD, 0 to 2**32 - 1.
        kind: The vectors HDBSCAN and merging see (the sparse TF-IDF is the evidence
            whatever this is): ``tfidf`` (TF-IDF reduced by SVD), ``semantic`` (a
            static word embedding, :mod:`clusterer.semantic`, an optional extra) or
            ``hybrid`` (both, centred, joined with weights 0.75 and 0.25).
    """

    title_weight: int = 2
    svd_dims: int | None = None
    max_features: int = 262_144
    body_words: int = 250
    seed: int = 0
    kind: str = "tfidf"

    def __post_init__(self) -> None:
        if self.kind not in FEATURE_KINDS:
            raise ValueError(f"features must be one of {', '.join(FEATURE_KINDS)}, "
                             f"got {self.kind!r}")
        check_range("title_weight", self.title_weight, 1, 5)
        if self.svd_dims is not None:
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
                   language: str = "en", parts: Sequence[np.ndarray] | None = None) -> Features:
    """TF-IDF (words and word pairs, sublinear tf, the language's stop words) reduced by
    SVD.

    Terms must occur in two documents (one for inputs under 50 documents, where a
    pair is rare), and in at most half of them. The TF-IDF is fitted on all the
    documents; the SVD on each part of them on its own, and from 50 documents on, a
    part's reduced vectors are centred (on the part's mean) before normalising.

    Args:
        documents: One text per article (see :func:`document`), all in one language.
        config: Parameters; defaults to :class:`FeatureConfig`.
        language: ISO 639-1 code of the documents, for stop words.
        parts: Positions of the documents whose reduced vectors are compared with each
            other (storylines: the stretches of time no storyline crosses), covering
            every document once; default one part of all. Vectors of two parts are in
            different spaces (padded with zeros to one width): never compare them. A
            dump's pages from other years so take no SVD direction from a day's
            headlines nor move its mean (uci-dev headlines among the 147 pages of
            pages-dev: B-cubed recall of the headlines 0.756 with one SVD, 0.801 with
            one per stretch of time).
    """
    import scipy.sparse as sp

    config = config or FeatureConfig()
    n = len(documents)
    if n == 0:
        return Features(np.zeros((0, 1)), sp.csr_matrix((0, 0)), np.array([], dtype=object))
    # scikit-learn is imported when used: `clusterer dedup` starts without it.
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
    meaning = None
    if config.kind != "tfidf":
        from clusterer.semantic import embed

        meaning = embed(documents)
    pieces = []
    for part in [np.arange(n)] if parts is None else parts:
        # One part of all: no copy of the TF-IDF (400 MB at 100k articles).
        whole = len(part) == n and bool((part == np.arange(n)).all())
        piece = _reduced(tfidf if whole else tfidf[part],
                         documents if whole else [documents[k] for k in part.tolist()], config,
                         None if meaning is None else meaning[part])
        pieces.append((part, normalize(piece)))
    vectors = np.zeros((n, max(piece.shape[1] for _, piece in pieces)))
    for part, piece in pieces:
        vectors[part, : piece.shape[1]] = piece
    return Features(vectors=vectors, tfidf=tfidf, terms=terms)


def _reduced(tfidf: sp.csr_matrix, documents: Sequence[str], config: FeatureConfig,
             meaning: np.ndarray | None) -> np.ndarray:
    """The vectors of one part of the documents (rows of ``tfidf``), not normalised:
    TF-IDF reduced by an SVD fitted on these rows (joined to or replaced by the
    semantic ``meaning`` as ``config.kind`` says), centred from ``_MANY_DOCS`` rows on."""
    from sklearn.decomposition import TruncatedSVD

    n = tfidf.shape[0]
    dims = min(config.svd_dims or _auto_dims(documents), tfidf.shape[1] - 1, n - 1)
    if dims >= 2:
        # Constant columns make sklearn's explained-variance ratio 0/0: harmless here.
        with np.errstate(invalid="ignore", divide="ignore"):
            reduced = TruncatedSVD(dims, algorithm="randomized", n_iter=3,
                                   random_state=config.seed).fit_transform(tfidf)
    else:
        reduced = _exact(tfidf)
    reduced = reduced.astype(np.float64)
    if meaning is not None:
        reduced = meaning if config.kind == "semantic" else np.hstack([
            (1 - _SEMANTIC_WEIGHT) * _centred_unit(reduced),
            _SEMANTIC_WEIGHT * _centred_unit(meaning)])
    if n >= _MANY_DOCS:
        reduced -= reduced.mean(axis=0)
    return np.asarray(reduced)


def _exact(rows: sp.csr_matrix) -> np.ndarray:
    """Dense vectors, one dimension per row, with exactly the dot products of ``rows``
    (for parts too small for an SVD: their TF-IDF rows, densified, would be as wide as
    the vocabulary)."""
    values, basis = np.linalg.eigh((rows @ rows.T).toarray().astype(np.float64))
    return np.asarray(basis * np.sqrt(np.maximum(values, 0.0)))


def _centred_unit(vectors: np.ndarray) -> np.ndarray:
    """Rows centred (from ``_MANY_DOCS`` rows on) and scaled to unit length."""
    from sklearn.preprocessing import normalize

    if len(vectors) >= _MANY_DOCS:
        vectors = vectors - vectors.mean(axis=0)
    return np.asarray(normalize(vectors))


def _auto_dims(documents: Sequence[str]) -> int:
    """SVD dimensions for these documents: ``_LONG_DIMS`` when most of them hold a body;
    for headlines, one per ``_DOCS_PER_DIM`` documents, from ``_FEWEST_DIMS`` to
    ``_SHORT_DIMS``.

    In a headline dump the directions an SVD keeps beyond the number its documents
    support fit the word choices of single stories and split them. uci-dev's
    headlines in time order, cut in parts that each hold their own stories (adjusted
    Rand index, mean over SVD seeds 0-2 and the parts): halves 0.787 with this rule,
    0.727 with 50 dimensions; quarters 0.792 and 0.628; eighths 0.755 and 0.468; on the
    whole (2,000 headlines, 1,885 after dedup) 50 scored best (0.795; 0.754 at 25). So
    a batch run on part of a day's headlines (a state's first run, a small dump) no
    longer splits its stories more than one on the whole day. 35 rather than 40 per
    dimension keeps the whole at 50.
    """
    words = sorted(len(d.split()) for d in documents)
    if words[len(words) // 2] >= _LONG_WORDS:
        return _LONG_DIMS
    return max(_FEWEST_DIMS, min(_SHORT_DIMS, len(documents) // _DOCS_PER_DIM))


def title_terms(titles: Sequence[str], language: str = "en",
                sites: Sequence[str] | None = None) -> sp.csr_matrix:
    """Which words (not stop words) each headline holds: binary, shape (n, words).

    Two articles of one story almost always share a name or a word in their headlines;
    two unrelated pages of one site share boilerplate in their bodies, not their
    headlines, except the site's name ("WNET Audit Committee Meetings | WNET"): the
    words of each article's own site (``sites``: its source name and URL host) are
    left out of its headline. Day and month names are no evidence either ("The 52-Week
    Low Club for Monday" and "The 4 Stocks That Slimmed the DJIA Monday Slide"), nor
    are numbers: years, counts and list sizes ("Best of 2014" and "What the Airlines
    Did Well in 2014", "15 Good Ideas ..."). In a dump of unrelated headlines (the
    bodies of pages-dev removed), "2014" alone held a storyline of ten: B-cubed
    precision 0.786 with numbers, 0.820 without (mean of 5 seeds), uci-dev unchanged.
    """
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import CountVectorizer

    stop = stop_words(language) | (ENGLISH_DATES if language == "en" else frozenset())
    vectorizer = CountVectorizer(binary=True, stop_words=sorted(stop) or None, dtype=np.float32,
                                 token_pattern=_HEADLINE_WORD)
    try:
        terms = vectorizer.fit_transform(titles).tocsr()
    except ValueError:  # no word at all
        return sp.csr_matrix((len(titles), 0), dtype=np.float32)
    if sites is not None:
        analyse = vectorizer.build_analyzer()
        column = vectorizer.vocabulary_
        own = [(row, column[w]) for row, site in enumerate(sites)
               for w in set(analyse(site)) if w in column]
        if own:
            rows, cols = zip(*own)
            mask = sp.csr_matrix((np.ones(len(own), dtype=np.float32), (rows, cols)),
                                 shape=terms.shape)
            terms = (terms - terms.multiply(mask)).tocsr()
            terms.eliminate_zeros()
    return terms


def site_words(source: str | None, host: str | None) -> str:
    """The words that name an article's site: its source name and its URL host's labels
    but the last (``www.wnet.org`` gives ``wnet``; ``telegraph.co.uk`` gives
    ``telegraph``; labels of two letters, as ``co``, are no name)."""
    labels = [label for label in (host or "").split(".")[:-1] if len(label) > 2]
    return " ".join([source or "", *labels])
