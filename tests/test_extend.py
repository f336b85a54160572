"""Tests of clusterer.extend: how new clusters join stored storylines."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from clusterer.extend import _merge_new


def _merged(new_row: list[float]) -> list[int]:
    """A stored storyline (label 0: three stored articles on word 0) and a new cluster
    (label 1: twenty new articles, each ``new_row``), alike in the reduced vectors so
    that the SVD merge proposes joining them; every headline shares a word."""
    rows = [[1.0, 0.0, 0.0]] * 3 + [new_row] * 20
    tfidf = sp.csr_matrix(np.array(rows) / np.linalg.norm(rows, axis=1, keepdims=True))
    titles = sp.csr_matrix(np.ones((23, 1)))
    vectors = np.tile([1.0, 0.0], (23, 1))
    labels = np.array([0] * 3 + [1] * 20)
    seeds = np.array([0] * 3 + [-1] * 20)
    return _merge_new(vectors, (tfidf, titles), np.ones(23), labels, np.ones(23, dtype=bool),
                      seeds, seeds < 0, 0.15, True).tolist()


def test_a_new_cluster_that_would_push_out_the_stored_members_stays_apart() -> None:
    # Merged, the stored members' cosine with the rest (2 / sqrt(404) = 0.10) falls
    # below 0.15: the twenty new articles would take the storyline over.
    assert _merged([0.0, 1.0, 0.0]) == [0] * 3 + [1] * 20


def test_a_new_cluster_that_keeps_the_stored_members_joins_them() -> None:
    assert _merged([1.0, 1.0, 0.0]) == [0] * 23
