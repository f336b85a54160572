import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from clusterer.evidence import NOISE
from clusterer.neighbours import _TERMS, _mutual, merge_neighbours
from clusterer.storylines import StorylineConfig


def _rows(*dense):
    return normalize(sp.csr_matrix(np.array(dense, dtype=np.float64)))


def test_mutual_neighbours_are_each_among_the_other_s_closest():
    # Row 0 is closer to rows 1-5 than to row 6: row 6 is not among its 5 closest,
    # though row 0 is among row 6's.
    eye = np.eye(8)
    rows = _rows(eye[0], *(eye[0] + 0.1 * eye[k] for k in range(1, 6)), eye[0] + 3 * eye[6],
                 eye[7])
    first, second = _mutual(rows, np.zeros(8), 72.0)
    pairs = set(zip(first.tolist(), second.tolist()))
    assert {(0, k) for k in range(1, 6)} <= pairs
    assert (0, 6) not in pairs
    assert not any(7 in pair for pair in pairs)  # nothing in common: no neighbour
    far = np.array([0.0, 100.0, 0, 0, 0, 0, 0, 0])
    assert (0, 1) not in set(zip(*(a.tolist() for a in _mutual(rows, far, 72.0))))


def _two_storylines(spread):
    # Storylines 0 and 1 of two articles each and an unclustered one; every article
    # holds word 0 with weight ``spread`` beside a word of its own.
    eye = np.eye(6)
    rows = _rows(*(eye[k] + spread * eye[0] for k in range(1, 6)))
    return rows, np.array([0, 0, 1, 1, NOISE])


def test_storylines_of_mutual_neighbours_merge_when_their_centroids_agree():
    rows, labels = _two_storylines(1.0)  # centroid cosine 0.67
    out = merge_neighbours(rows, np.ones(5), np.zeros(5), labels, StorylineConfig())
    assert out.tolist() == [0, 0, 0, 0, NOISE]
    rows, labels = _two_storylines(0.2)  # neighbours still, centroid cosine 0.07
    out = merge_neighbours(rows, np.ones(5), np.zeros(5), labels, StorylineConfig())
    assert out.tolist() == labels.tolist()


def test_storylines_apart_in_time_do_not_merge():
    rows, labels = _two_storylines(1.0)
    hours = np.array([0.0, 1.0, 100.0, 101.0, 0.0])
    out = merge_neighbours(rows, np.ones(5), hours, labels, StorylineConfig())
    assert out.tolist() == labels.tolist()


def test_long_articles_take_no_part():
    # The same two storylines, each article holding _TERMS words more of its own.
    eye = np.eye(6 + 5 * _TERMS)
    rows = _rows(*(eye[k] + eye[0] + eye[6 + _TERMS * (k - 1): 6 + _TERMS * k].sum(axis=0) * 0.01
                   for k in range(1, 6)))
    labels = np.array([0, 0, 1, 1, NOISE])
    out = merge_neighbours(rows, np.ones(5), np.zeros(5), labels, StorylineConfig())
    assert out.tolist() == labels.tolist()
    short = _rows(*(eye[k] + eye[0] for k in range(1, 6)))  # the same without them
    assert merge_neighbours(short, np.ones(5), np.zeros(5), labels,
                            StorylineConfig()).tolist() == [0, 0, 0, 0, NOISE]
