"""The stored band keys in sorted parts: lookups equal to a search of every live key."""

import numpy as np

from clusterer.band_parts import Keys, Part, PartIndex, merge_tail


def _brute(rows: dict[int, np.ndarray], keys: np.ndarray) -> set[tuple[int, int]]:
    """Every (row of keys, seq) sharing a value in one column, by looking at each."""
    return {(r, seq) for r in range(len(keys)) for seq, stored in rows.items()
            if (stored == keys[r]).any()}


def _part(rows: dict[int, np.ndarray], dropped: tuple[int, ...] | list[int] = ()) -> Part:
    seqs = sorted(rows)
    keys = np.asarray([rows[s] for s in seqs], dtype=np.uint32).reshape(len(seqs), 3)
    covered = np.union1d(np.asarray(seqs, dtype=np.int64), np.asarray(dropped, dtype=np.int64))
    return Part(covered, (Keys.of(keys, np.asarray(seqs, dtype=np.int64)),) * 3)


def test_lookups_see_only_each_articles_latest_keys_and_survive_merges_and_bytes():
    rng = np.random.default_rng(0)
    live: dict[int, np.ndarray] = {}
    parts: list[Part] = []
    next_seq = 0
    for run in range(12):
        written: dict[int, np.ndarray] = {}
        for _ in range(int(rng.integers(1, 9))):  # new articles
            written[next_seq] = rng.integers(0, 6, size=3).astype(np.uint32)
            next_seq += 1
        for seq in rng.choice(next_seq, size=2, replace=False).tolist():  # written again
            if seq in live and seq not in written:
                written[seq] = rng.integers(0, 6, size=3).astype(np.uint32)
        dropped = [s for s in live if s not in written and rng.random() < 0.1]
        for s in dropped:
            del live[s]
        live.update(written)
        parts.append(_part(written, dropped))
        merge_tail(parts)
        parts = [Part.from_blob(p.to_blob()) for p in parts]
        asked = rng.integers(0, 6, size=(5, 3)).astype(np.uint32)
        index = PartIndex(parts, set())
        rows, seqs = index.pairs(0, asked)
        assert set(zip(rows.tolist(), seqs.tolist())) == _brute(live, asked), run
        assert len(rows) == len(set(zip(rows.tolist(), seqs.tolist())))  # distinct
        assert rows.tolist() == sorted(rows.tolist())
        excluded = set(list(live)[:3])
        rows, seqs = PartIndex(parts, excluded).pairs(0, asked)
        assert set(zip(rows.tolist(), seqs.tolist())) == {
            p for p in _brute(live, asked) if p[1] not in excluded}
    assert len(parts) <= 4  # merged as they come: a handful of parts, not one a run


def test_merging_keeps_the_newer_keys_of_an_article_written_twice():
    old = _part({0: np.asarray([1, 2, 3]), 1: np.asarray([4, 5, 6])})
    new = _part({1: np.asarray([7, 8, 9])}, dropped=[0])
    merged = old.merged(new)
    assert merged.seqs.tolist() == [0, 1]
    table = merged.tables[0]
    assert table.offsets.tolist() == [0, 1, 2, 3]
    assert (table.keys.tolist(), table.seqs.tolist()) == ([7, 8, 9], [1, 1, 1])
