import numpy as np
import pytest

from clusterer.candidates import Screen, screen_floor, shared_counts
from clusterer.minhash import Signer


def test_screen_passes_pairs_by_share_of_equal_minhash_values() -> None:
    signatures = np.array([[1, 2, 3, 4], [1, 2, 3, 9], [1, 9, 9, 9], [7, 8, 9, 9]],
                          dtype=np.uint32)
    first, second = np.array([0, 0, 0, 1, 1, 2]), np.array([1, 2, 3, 2, 3, 3])
    assert Screen(signatures, 0.75, 1.0).passes(first, second).tolist() == [
        True, False, False, False, False, False]
    assert Screen(signatures, 0.5, 1.0).passes(np.array([2]), np.array([3])).tolist() == [True]
    small = Screen(signatures, 0.75, 1.0)
    small.CHUNK = 2  # compared a few pairs at a time: same answers
    assert small.passes(first, second).tolist() == [True, False, False, False, False, False]
    assert [small.pair_passes(i, j) for i, j in zip(first.tolist(), second.tolist())] == [
        True, False, False, False, False, False]


def test_one_pair_screen_answers_as_the_bulk_screen() -> None:
    # Sets overlapping by every amount, so that many pairs sit near each floor.
    rng = np.random.default_rng(7)
    base = np.arange(100_000, 100_400, dtype=np.uint32)
    sets = [np.unique(np.concatenate([rng.choice(base, size=int(rng.integers(5, 400)), replace=False),
                                      rng.integers(0, 99_999, size=int(rng.integers(0, 300)),
                                                   dtype=np.uint32)]))
            for _ in range(60)]
    signatures = Signer(num_perm=128, seed=1).signatures(sets)
    first, second = (a.ravel() for a in np.triu_indices(len(sets), 1))
    for screen in (Screen(signatures, 0.49, 0.7, sets), Screen(signatures, 0.3, 0.8)):
        bulk = screen.passes(first, second).tolist()
        assert 0 < sum(bulk) < len(bulk)
        assert [screen.pair_passes(i, j) for i, j in zip(first.tolist(), second.tolist())] == bulk


def test_containment_screen_passes_an_abridged_copy_and_drops_a_shared_lead_only() -> None:
    signer = Signer(num_perm=128, seed=1)
    story = np.arange(1000, 1400, dtype=np.uint32)  # 400 shingles
    abridged = story[:60]  # the first paragraphs: contained, Jaccard 0.15
    sidebar = np.concatenate([story[:20], np.arange(5000, 5100, dtype=np.uint32)])
    other = np.arange(9000, 9400, dtype=np.uint32)
    sets = [story, abridged, sidebar, other]
    screen = Screen(signer.signatures(sets), 0.49, 0.7, sets)
    first, second = np.array([0, 0, 0]), np.array([1, 2, 3])
    # containment 1.0, 20/120 = 0.17 (its lead only), 0.0
    assert screen.passes(first, second).tolist() == [True, False, False]
    assert [screen.pair_passes(0, j) for j in (1, 2, 3)] == [True, False, False]
    passes, likely = screen.estimate(first, second)
    assert passes.tolist() == [True, True, False]  # the sidebar's needs counting
    assert likely.tolist() == [True, False, False]  # estimated containment about 1


def testshared_counts_are_exact_intersection_sizes() -> None:
    rng = np.random.default_rng(5)
    sets = [np.unique(rng.integers(0, 60, size=int(rng.integers(1, 40)))) for _ in range(12)]
    pairs = np.array([(i, j) for i in range(12) for j in range(12) if i < j and (i + j) % 3])
    expected = [len(np.intersect1d(sets[i], sets[j])) for i, j in pairs]
    assert shared_counts(pairs[:, 0], pairs[:, 1], sets).tolist() == expected


def test_screen_floor_is_four_standard_errors_below_the_threshold() -> None:
    assert screen_floor(0.8, 128) == pytest.approx(0.8 - 4 * (0.8 * 0.2 / 128) ** 0.5)
    assert screen_floor(0.8, 128) == pytest.approx(0.6586, abs=1e-4)
    assert screen_floor(1.0, 128) == 1.0
