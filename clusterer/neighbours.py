"""Storylines that share mutual nearest neighbours merge.

A story told in many headlines ends up in fragments: HDBSCAN on the reduced vectors
splits it, and the evidence of :mod:`clusterer.evidence` is asked of one article
against one storyline at a time, so two fragments whose articles are each other's
closest matches stay apart when their centroids are not close enough for the SVD to
propose a merge. Two storylines merge here when many of their articles are mutual
nearest neighbours across them (each among the other's ``_NEIGHBOURS`` closest
articles on the sparse TF-IDF, where unrelated articles score near 0) and their
centroids still agree: an average cosine of ``_GATE`` x ``similarity``.

Neighbours are sought within the same blocks of articles in time order as HDBSCAN's
(:func:`clusterer.storylines._cluster_blocks`) and within ``window_hours`` of each
other, on each article's ``_TERMS`` heaviest terms (the cost of the products falls a
hundredfold on full text; headlines have fewer terms and lose none).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from clusterer.evidence import NOISE, cluster_centroids

if TYPE_CHECKING:
    import scipy.sparse as sp

    from clusterer.storylines import StorylineConfig

_NEIGHBOURS = 5  # closest articles of each article that count
_TERMS = 80  # heaviest terms of each article its neighbours are sought on
_SHARE = 0.15  # mutual-neighbour pairs across two storylines, over the smaller's size
_GATE = 5 / 3  # their centroids' cosine must reach similarity x this (0.25 by default)


def merge_neighbours(tfidf: sp.csr_matrix, weights: np.ndarray, hours: np.ndarray,
                     labels: np.ndarray, config: StorylineConfig) -> np.ndarray:
    """Labels with storylines that share mutual nearest neighbours merged (each merged
    set keeps its smallest label).

    Args:
        tfidf: Sparse TF-IDF rows (L2-normalised) of the articles, in time order.
        weights: Articles each row stands for (copies included).
        hours: Publication times in hours (NaN when unknown).
        labels: Storyline of each article, ``NOISE`` for none.
        config: ``similarity``, ``window_hours`` and ``block_size`` are used.
    """
    n = tfidf.shape[0]
    ids, sizes = np.unique(labels[labels != NOISE], return_counts=True)
    if len(ids) < 2 or tfidf.shape[1] == 0:
        return labels
    rows = _heaviest(tfidf, _TERMS)
    pairs = []
    for block in np.array_split(np.arange(n), max(1, math.ceil(n / config.block_size))):
        first, second = _mutual(rows[block], hours[block], config.window_hours)
        pairs.append(np.stack([labels[block][first], labels[block][second]]))
    found = np.concatenate(pairs, axis=1)
    across = (found[0] != NOISE) & (found[1] != NOISE) & (found[0] != found[1])
    low = np.minimum(found[0][across], found[1][across])
    high = np.maximum(found[0][across], found[1][across])
    if len(low) == 0:
        return labels
    edges, counts = np.unique(np.stack([low, high], axis=1), axis=0, return_counts=True)
    size = sizes[np.searchsorted(ids, edges)]
    edges = edges[counts >= _SHARE * size.min(axis=1)]
    if len(edges) == 0:
        return labels
    _, centroids = cluster_centroids(tfidf, weights, labels)
    at = np.searchsorted(ids, edges)
    cosine = np.asarray(centroids[at[:, 0]].multiply(centroids[at[:, 1]]).sum(axis=1)).ravel()
    parent = {int(i): int(i) for i in ids}

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges[cosine >= _GATE * config.similarity].tolist():
        ra, rb = root(a), root(b)
        parent[max(ra, rb)] = min(ra, rb)
    mapping = np.array([root(int(i)) for i in ids], dtype=np.int64)
    out = labels.copy()
    inside = labels != NOISE
    out[inside] = mapping[np.searchsorted(ids, labels[inside])]
    return out


def _heaviest(tfidf: sp.csr_matrix, terms: int) -> sp.csr_matrix:
    """Each row cut to its ``terms`` largest weights (ties: lower column first),
    L2-normalised again."""
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize

    matrix = tfidf.tocsr()
    row = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    order = np.lexsort((matrix.indices, -matrix.data, row))
    rank = np.arange(len(order)) - matrix.indptr[row[order]]
    keep = order[rank < terms]
    cut = sp.csr_matrix((matrix.data[keep], (row[keep], matrix.indices[keep])),
                        shape=matrix.shape)
    return normalize(cut)


def _mutual(rows: sp.csr_matrix, hours: np.ndarray, window: float
            ) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (first < second) of rows that are each among the other's
    ``_NEIGHBOURS`` closest (cosine above 0, ties: lower row first), within
    ``window`` hours of each other (undated rows are near any time)."""
    gram = (rows @ rows.T).tocoo()
    r, c, v = gram.row, gram.col, gram.data
    with np.errstate(invalid="ignore"):
        far = np.abs(hours[r] - hours[c]) > window
    keep = (r != c) & (v > 0) & ~far
    r, c, v = r[keep], c[keep], v[keep]
    order = np.lexsort((c, -v, r))
    r, c = r[order], c[order]
    rank = np.arange(len(r)) - np.searchsorted(r, r)
    r, c = r[rank < _NEIGHBOURS].astype(np.int64), c[rank < _NEIGHBOURS].astype(np.int64)
    n = rows.shape[0]
    forward = r * n + c
    mutual = (r < c) & np.isin(forward, c * n + r)
    return r[mutual], c[mutual]
