"""Tests of clusterer.extend: how new clusters join stored storylines."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from clusterer.extend import _joining, _with_new

# Rows on three words: a stored storyline on word 0 (label 0), a new cluster on words 0
# and 1 (label 1: cosine 0.71 with the stored one) and a new cluster on word 1 (label 2:
# cosine 0 with the stored one, 0.71 with the first new cluster).
ROWS = normalize(sp.csr_matrix(np.array([
    [1.0, 0.0, 0.0], [1.0, 0.0, 0.0],
    [1.0, 1.0, 0.0], [1.0, 1.0, 0.0],
    [0.0, 1.0, 0.0], [0.0, 1.0, 0.0],
])))
WEIGHTS = np.ones(6)
LABELS = np.array([0, 0, 1, 1, 2, 2])
SEEDS = np.array([0, 0, -1, -1, -1, -1])
IS_NEW = SEEDS < 0


def test_a_new_cluster_close_to_a_stored_storyline_joins_it() -> None:
    labels = LABELS[:4]
    merged = np.zeros(4, dtype=np.int64)
    out = _with_new(merged, ROWS[:4], WEIGHTS[:4], labels, SEEDS[:4], IS_NEW[:4], 0.15, True)
    assert out.tolist() == [0, 0, 0, 0]


def test_a_new_cluster_joining_through_another_new_cluster_undoes_the_merge() -> None:
    merged = np.zeros(6, dtype=np.int64)
    out = _with_new(merged, ROWS, WEIGHTS, LABELS, SEEDS, IS_NEW, 0.15, True)
    assert out.tolist() == LABELS.tolist()


def test_joining_is_the_worst_new_cluster_against_its_closest_stored_storyline() -> None:
    # A second stored storyline on word 1 (label 3): each new cluster now has a close one.
    rows = sp.vstack([ROWS, normalize(sp.csr_matrix(np.array([[0.0, 1.0, 0.0]])))]).tocsr()
    labels = np.append(LABELS, 3)
    stored = np.array([True, True, False, False, False, False, True])
    assert _joining(rows, np.ones(7), labels, stored, np.array([0]),
                    np.array([1, 2])) == 0.0
    value = _joining(rows, np.ones(7), labels, stored, np.array([0, 3]), np.array([1, 2]))
    assert abs(value - 1 / np.sqrt(2)) < 1e-9
    assert _joining(rows, np.ones(7), labels, stored, np.array([0]), np.array([], dtype=int)) == 1.0
