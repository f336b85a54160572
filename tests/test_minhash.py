import numpy as np
import pytest
from datasketch import MinHash

from clusterer import lsh
from clusterer.engine import MIN_PARALLEL, LocalEngine
from clusterer.hashing import (
    char_shingles,
    word_shingles,
)
from clusterer.lsh import (
    KNOWN_LSH_PARAMS,
    _bucket_pairs,
    band_key,
    distinct,
    keyed_pairs,
    lsh_buckets,
    lsh_pairs,
    lsh_params,
    pairs_of_keys,
    union_pairs,
)
from clusterer.minhash import Signer, permutations


def _datasketch(values, num_perm=64, seed=3):
    m = MinHash(num_perm=num_perm, seed=seed, hashfunc=lambda x: x, scheme="affine32")
    m.update_batch([int(v) for v in values])
    return m.hashvalues


def test_batched_signatures_equal_datasketch_update_batch():
    words = ["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog", "and",
             "runs", "far", "away"]
    sets = [np.unique(word_shingles(words[:n], 3)) for n in (1, 3, 8, 14)]
    sets.append(np.zeros(0, dtype=np.uint32))
    sets.append(np.unique(char_shingles("hello world", 4)))
    sigs = Signer(num_perm=64, seed=3).signatures(sets)
    for values, row in zip(sets, sigs):
        assert np.array_equal(row, _datasketch(values))


def test_batches_split_large_inputs_identically():
    rng = np.random.default_rng(0)
    sizes = (40000, 5, 30000)
    sets = [np.unique(rng.integers(0, 2**32, size=n, dtype=np.uint32)) for n in sizes]
    sigs = Signer(num_perm=32, seed=1).signatures(sets)
    for values, row in zip(sets, sigs):
        assert np.array_equal(row, _datasketch(values, num_perm=32, seed=1))


def test_lean_minhash_round_trip():
    signer = Signer(num_perm=16, seed=1)
    sig = signer.signatures([np.array([1, 2, 3], dtype=np.uint32)])[0]
    lean = signer.lean(sig)
    assert np.array_equal(lean.hashvalues, sig)
    assert lean.jaccard(signer.lean(sig)) == 1.0


def test_lsh_params_are_datasketch_choices():
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=0.4, num_perm=128)
    assert lsh_params(0.4, 128) == (lsh.b, lsh.r) == (32, 4)


def test_known_lsh_params_are_datasketch_choices():
    from datasketch import MinHashLSH

    from clusterer.candidates import screen_floor
    from clusterer.dedup import DedupConfig

    # The thresholds the default settings band for are known (no datasketch import):
    # LSH for bodies, and the headline floor (match.headline_floor).
    defaults = DedupConfig()
    floor = float(max(defaults.lsh_threshold,
                      screen_floor(defaults.headline_threshold, defaults.num_perm)))
    assert (defaults.lsh_threshold, defaults.num_perm) in KNOWN_LSH_PARAMS
    assert (floor, defaults.num_perm) in KNOWN_LSH_PARAMS
    for (threshold, num_perm), params in KNOWN_LSH_PARAMS.items():
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        assert params == (lsh.b, lsh.r)
    lsh = MinHashLSH(threshold=0.55, num_perm=64)
    assert lsh_params(0.55, 64) == (lsh.b, lsh.r)  # not known: asked of datasketch


@pytest.mark.parametrize(("num_perm", "seed"), [(16, 0), (128, 1), (256, 7), (1024, 12345)])
def test_permutations_are_datasketch_affine32_permutations(num_perm, seed):
    a, b = permutations(num_perm, seed)
    theirs = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    assert a.dtype == b.dtype == np.uint32
    assert np.array_equal(a, theirs[0]) and np.array_equal(b, theirs[1])


def test_lsh_buckets_give_the_same_candidates_as_datasketch_minhashlsh():
    from datasketch import MinHashLSH

    rng = np.random.default_rng(1)
    sets = []
    for _ in range(200):
        base = np.unique(rng.integers(0, 2**32, size=200, dtype=np.uint32))
        cut = int(rng.integers(0, len(base)))
        noise = rng.integers(0, 2**32, size=int(rng.integers(0, 150)), dtype=np.uint32)
        sets += [base, np.unique(np.concatenate([base[:cut], noise]))]
    signer = Signer(num_perm=128, seed=1)
    sigs = signer.signatures(sets)
    bands, rows = lsh_params(0.4, 128)
    ours = {(int(i), int(j)) for bucket in lsh_buckets(sigs, bands, rows)
            for x, i in enumerate(bucket) for j in bucket[x + 1:]}
    lsh = MinHashLSH(threshold=0.4, num_perm=128)
    for i, row in enumerate(sigs):
        lsh.insert(i, signer.lean(row))
    theirs = {(i, j) for i, row in enumerate(sigs) for j in lsh.query(signer.lean(row)) if j > i}
    assert len(theirs) > 50  # many planted near-copies are candidates at all
    assert ours == theirs


def test_lsh_buckets_with_wanted_rows_keep_only_buckets_holding_one():
    sigs = np.array([[1, 1], [1, 1], [2, 2], [2, 2], [2, 2], [3, 3]], dtype=np.uint32)
    everything = [b.tolist() for b in lsh_buckets(sigs, 2, 1)]
    assert everything == [[0, 1], [2, 3, 4], [0, 1], [2, 3, 4]]
    wanted = np.array([False, False, False, True, False, True])
    assert [b.tolist() for b in lsh_buckets(sigs, 2, 1, wanted)] == [[2, 3, 4], [2, 3, 4]]


def test_lsh_pairs_are_the_pairs_of_lsh_buckets_and_big_buckets_stay_buckets():
    rng = np.random.default_rng(3)
    sigs = rng.integers(0, 3, size=(60, 8), dtype=np.uint32)  # many collisions
    bucket_pairs = {(int(i), int(j)) for bucket in lsh_buckets(sigs, 4, 2)
                    for x, i in enumerate(bucket) for j in bucket[x + 1:]}
    pairs, big = lsh_pairs(sigs, 4, 2, max_bucket=10**6)
    assert big == []
    assert [tuple(p) for p in pairs.tolist()] == sorted(bucket_pairs)
    small, big = lsh_pairs(sigs, 4, 2, max_bucket=8)
    split = {tuple(p) for p in small.tolist()} | {
        (int(i), int(j)) for bucket in big for x, i in enumerate(bucket) for j in bucket[x + 1:]}
    assert big and all(len(b) > 8 for b in big) and split == bucket_pairs


def test_lsh_pairs_with_wanted_rows_keep_only_pairs_with_one():
    sigs = np.array([[1, 1], [1, 1], [2, 2], [2, 2], [2, 2], [3, 3]], dtype=np.uint32)
    wanted = np.array([False, False, False, True, False, True])
    pairs, big = lsh_pairs(sigs, 2, 1, wanted)
    assert pairs.tolist() == [[2, 3], [3, 4]] and big == []
    assert lsh_pairs(sigs[:1], 2, 1)[0].shape == (0, 2)


def test_lsh_pairs_keep_gives_the_kept_pairs_of_all_in_order_and_the_same_big_buckets():
    rng = np.random.default_rng(5)
    sigs = rng.integers(0, 3, size=(60, 8), dtype=np.uint32)
    every, every_big = lsh_pairs(sigs, 4, 2, max_bucket=8)
    calls = []

    def even_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        calls.append(len(a))
        return (a + b) % 2 == 0

    kept, big = lsh_pairs(sigs, 4, 2, max_bucket=8, keep=even_sum)
    assert kept.tolist() == every[every.sum(axis=1) % 2 == 0].tolist()
    assert 0 < len(kept) < len(every) and len(calls) == 4  # once per band
    assert [b.tolist() for b in big] == [b.tolist() for b in every_big]


def test_lsh_pairs_banded_in_forked_workers_are_those_banded_here():
    # Bands are a job each in the pool's workers; pairs, big buckets and their order
    # are the same. ``keep`` is a closure: it reaches the workers forked, not pickled.
    rng = np.random.default_rng(7)
    sigs = rng.integers(0, 6, size=(MIN_PARALLEL + 500, 8), dtype=np.uint32)
    subset = np.flatnonzero(rng.random(len(sigs)) < 0.9)  # enough rows to fork
    wanted = rng.random(len(subset)) < 0.5
    parity = int(rng.integers(0, 2))

    def keep(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (a + b) % 2 == parity

    here = lsh_pairs(sigs, 4, 2, wanted, max_bucket=40, keep=keep, subset=subset)
    pool = LocalEngine(2)
    assert pool.forks() and len(subset) >= MIN_PARALLEL
    forked = lsh_pairs(sigs, 4, 2, wanted, max_bucket=40, keep=keep, subset=subset, pool=pool)
    assert len(here[0]) > 1000 and here[1]
    assert forked[0].tolist() == here[0].tolist()
    assert [b.tolist() for b in forked[1]] == [b.tolist() for b in here[1]]


@pytest.mark.parametrize("places", [1, 3])
@pytest.mark.parametrize("with_wanted", [False, True])
def test_keyed_pairs_over_a_shuffle_give_the_pairs_and_big_buckets_of_lsh_pairs(places,
                                                                                with_wanted):
    rng = np.random.default_rng(5)
    sigs = rng.integers(0, 3, size=(80, 8), dtype=np.uint32)  # many collisions
    wanted = rng.random(80) < 0.3 if with_wanted else None
    expected_pairs, expected_big = lsh_pairs(sigs, 4, 2, wanted, max_bucket=12)
    # One row per (band, article), sent to a place by its band and key, rows shuffled.
    band = np.repeat(np.arange(4), 80)
    key = np.concatenate([band_key(sigs[:, 2 * k:2 * k + 2]) for k in range(4)])
    position = np.tile(np.arange(80), 4)
    wants = None if wanted is None else np.tile(wanted, 4)
    place = (key + band.astype(np.uint64)) % np.uint64(places)
    keys, big = [], []
    for where in range(places):
        chosen = rng.permutation(np.flatnonzero(place == where))
        got_keys, got_big = keyed_pairs(band[chosen], key[chosen], position[chosen],
                                        None if wants is None else wants[chosen], 80, 12)
        keys.append(got_keys)
        big += got_big
    big.sort(key=lambda bucket: (bucket[0], bucket[1]))
    pairs = pairs_of_keys(distinct(np.concatenate(keys)), 80)
    assert pairs.tolist() == expected_pairs.tolist() and len(expected_pairs) > 100
    assert [b[2].tolist() for b in big] == [b.tolist() for b in expected_big] and expected_big


def test_union_pairs_keeps_distinct_pairs_sorted():
    a = np.array([[0, 5], [2, 3]])
    b = np.array([[2, 3], [1, 9], [0, 5]])
    assert union_pairs([a, b], 10).tolist() == [[0, 5], [1, 9], [2, 3]]
    assert union_pairs([], 10).shape == (0, 2)


def test_lsh_pairs_made_in_small_pieces_are_the_same_pairs(monkeypatch: pytest.MonkeyPatch):
    rng = np.random.default_rng(7)
    sigs = rng.integers(0, 4, size=(80, 8), dtype=np.uint32)
    wanted = rng.random(80) < 0.4

    def not_seventh(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (a * 7 + b) % 7 != 0

    whole = [lsh_pairs(sigs, 4, 2, w, max_bucket=12, keep=not_seventh) for w in (None, wanted)]
    calls: list[tuple[int, int]] = []

    def counted(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        calls.append((len(starts), int(((ends - starts) * (ends - starts - 1)).sum()) // 2))
        return _bucket_pairs(starts, ends)

    monkeypatch.setattr(lsh, "PIECE_PAIRS", 5)  # pieces of about 5 pairs: folded often
    monkeypatch.setattr(lsh, "_bucket_pairs", counted)
    for w, (pairs, big) in zip((None, wanted), whole):
        pieces, pieces_big = lsh_pairs(sigs, 4, 2, w, max_bucket=12, keep=not_seventh)
        assert pieces.tolist() == pairs.tolist() and len(pairs)
        assert [b.tolist() for b in pieces_big] == [b.tolist() for b in big]
    # Many pieces, each of about 5 pairs at most (or one bucket of more).
    assert len(calls) > 8 and all(pairs <= 5 or buckets == 1 for buckets, pairs in calls)
    assert any(buckets > 1 for buckets, _ in calls)


def test_lsh_pairs_of_a_subset_are_those_of_its_rows_copied():
    rng = np.random.default_rng(11)
    sigs = rng.integers(0, 3, size=(90, 8), dtype=np.uint32)
    rows = np.flatnonzero(rng.random(90) < 0.5)
    wanted = rng.random(len(rows)) < 0.5
    pairs, big = lsh_pairs(sigs, 4, 2, wanted, max_bucket=10, subset=rows)
    copied, copied_big = lsh_pairs(sigs[rows], 4, 2, wanted, max_bucket=10)
    assert pairs.tolist() == copied.tolist() and len(pairs) and pairs.max() < len(rows)
    assert [b.tolist() for b in big] == [b.tolist() for b in copied_big] and big
