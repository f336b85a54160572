"""Which stored articles a storylines run on a state looks at again: a screen on term
vectors the state keeps, so that a run reads and clusters what the new articles may
relate to, not everything within the time window.

Each article's document (headline and chrome-free lead, :func:`clusterer.features.document`)
is kept as hashed counts of its words and word pairs, English stop words left out,
as the storyline features count them (scikit-learn's ``HashingVectorizer``, 2**20
columns; about 2.6 KB per article). Hashing, not a vocabulary: a vector made in any
run lives in the same columns as one made today, so nothing is refitted or
refreshed, and a stored vector is never stale (a fitted vocabulary would drop the
words that are new since it was fitted). The screen weights the counts (sublinear
tf) by an IDF computed over the vectors it compares, normalises them, and compares
stored articles with the new ones (:func:`closest`); the batch code then clusters
the new articles with the ones kept, on TF-IDF fitted on them
(:mod:`clusterer.extend`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from clusterer.language import stop_words

if TYPE_CHECKING:  # imported where used: 0.15 s of every start-up
    import scipy.sparse as sp

COLUMNS = 2**20
_CHUNK_CELLS = 4_000_000  # stored-by-new cosines held at once


def term_rows(documents: Sequence[str]) -> sp.csr_matrix:
    """Hashed word counts of each document, shape (n, ``COLUMNS``), float32."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import HashingVectorizer

    if not documents:
        return sp.csr_matrix((0, COLUMNS), dtype=np.float32)
    vectorizer = HashingVectorizer(n_features=COLUMNS, alternate_sign=False, norm=None,
                                   ngram_range=(1, 2), stop_words=sorted(stop_words("en")),
                                   dtype=np.float32)
    rows = vectorizer.transform(documents).tocsr()
    rows.sum_duplicates()
    rows.sort_indices()
    return rows


def pack(rows: sp.csr_matrix) -> list[bytes]:
    """One blob per row: its column numbers (uint32), then its counts (float32)."""
    out = []
    for k in range(rows.shape[0]):
        start, end = rows.indptr[k], rows.indptr[k + 1]
        out.append(rows.indices[start:end].astype("<u4").tobytes()
                   + rows.data[start:end].astype("<f4").tobytes())
    return out


def unpack(blobs: Sequence[bytes]) -> sp.csr_matrix:
    """The rows of :func:`pack` blobs, in order."""
    import scipy.sparse as sp

    sizes = np.asarray([len(b) // 8 for b in blobs], dtype=np.int64)
    indptr = np.concatenate(([0], np.cumsum(sizes)))
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    data = np.empty(int(indptr[-1]), dtype=np.float32)
    for k, blob in enumerate(blobs):
        n = int(sizes[k])
        indices[indptr[k]:indptr[k + 1]] = np.frombuffer(blob, dtype="<u4", count=n)
        data[indptr[k]:indptr[k + 1]] = np.frombuffer(blob, dtype="<f4", offset=4 * n)
    return sp.csr_matrix((data, indices, indptr), shape=(len(blobs), COLUMNS))


def weighted(rows: sp.csr_matrix) -> sp.csr_matrix:
    """Sublinear tf times the IDF over these rows (as scikit-learn's smooth IDF),
    rows L2-normalised."""
    from sklearn.preprocessing import normalize

    rows = rows.copy()
    rows.data = 1.0 + np.log(np.maximum(rows.data, 1.0))
    n = rows.shape[0]
    df = np.bincount(rows.indices, minlength=rows.shape[1])
    idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
    rows.data *= idf[rows.indices]
    return normalize(rows)


def closest(new: sp.csr_matrix, others: sp.csr_matrix,
            words: tuple[sp.csr_matrix, sp.csr_matrix] | None = None) -> np.ndarray:
    """Each row of ``others``: its largest cosine with a row of ``new`` (rows
    normalised; 0 when ``new`` is empty), with ``words`` (the headline words of
    ``new`` and of ``others``) among the rows sharing a headline word with it."""
    if new.shape[0] == 0 or others.shape[0] == 0:
        return np.zeros(others.shape[0])
    best = np.zeros(others.shape[0])
    transposed = new.T.tocsr()
    shared = words[0].T.tocsr() if words is not None else None
    rows = max(1, _CHUNK_CELLS // new.shape[0])
    for start in range(0, others.shape[0], rows):
        cosine = (others[start:start + rows] @ transposed).toarray()
        if shared is not None and words is not None:
            cosine[(words[1][start:start + rows] @ shared).toarray() < 0.5] = 0.0
        best[start:start + rows] = cosine.max(axis=1)
    return best

