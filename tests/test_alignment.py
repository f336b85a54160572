import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clusterer import alignment
from clusterer.alignment import (
    COMMON_LEAST_PAGES,
    UNLEARNED_INSIDE_SHINGLES,
    aligned,
    blank_common,
    common_least,
    common_shingles,
    coverage,
    inside_floor,
    misread,
    misread_coverage,
    opening_inside,
    shingles_before,
)
from clusterer.hashing import hash_units, shingles
from clusterer.shingling import Packed


def test_coverage_counts_an_edited_word_once_in_one_stretch() -> None:
    ordered = np.arange(20, dtype=np.uint32)  # 20 shingles of 4 words: 23 words
    edited = np.arange(100, dtype=np.uint32)
    edited[8:12] = [900, 901, 902, 903]  # word 11 substituted: 4 shingles lost
    assert coverage(ordered, edited, 4) == pytest.approx(22 / 23)
    inserted = np.concatenate([edited[:8], [904], edited[8:]]).astype(np.uint32)  # offset + 1
    assert coverage(ordered, inserted, 4) == pytest.approx(22 / 23)
    # The same shingles in another order (sentences carried elsewhere): the largest
    # stretch only, shingles 12-19 (8 shingles: 11 words).
    moved = np.concatenate([np.arange(12, 20), np.arange(500, 520), np.arange(0, 8)])
    assert coverage(ordered, moved.astype(np.uint32), 4) == pytest.approx(11 / 23)
    assert coverage(ordered, edited[:0], 4) == 0.0
    assert coverage(ordered[:0], edited, 4) == 0.0


def test_misread_allows_a_scan_s_character_errors_but_not_other_words_or_numbers() -> None:
    assert misread("against", "agalnst") and misread("has", "hos") and misread("of", "0f")
    assert misread("jumps", "jurnps")  # "rn" read for "m": two edits in a longer word
    assert misread("same", "same")
    assert not misread("has", "hoss")  # two edits in a short word
    assert not misread("however", "against") and not misread("members", "readers")
    assert not misread("12", "13")  # another number: an edit of the story


def _text(tokens: list[str]) -> tuple[np.ndarray, list[str]]:
    return shingles(hash_units(" ".join(tokens)).tokens, 4), tokens


def test_misread_coverage_counts_misread_words_in_runs_of_the_same_words() -> None:
    story = [f"word{i}" for i in range(100)]
    scan = list(story[:40])
    misread_at = (4, 6, 8, 20, 22, 24)  # misread three at a time, two words apart
    for k in misread_at:
        scan[k] = scan[k].replace("o", "0")
    (ordered, mine), (other, theirs) = _text(scan), _text(story)
    assert coverage(ordered, other, 4) == pytest.approx(30 / 40)  # 5 words lost a cluster
    assert misread_coverage(ordered, other, mine, theirs, 4) == 1.0
    # The words edited instead: only the runs of the same words count.
    edited = [f"edit{k}" if k in misread_at else w for k, w in enumerate(scan)]
    (ordered, mine) = _text(edited)
    assert misread_coverage(ordered, other, mine, theirs, 4) == pytest.approx(30 / 40)
    # Words two texts share here and there ("the", a name) make no run of 4.
    scattered = [w if k % 3 == 0 else f"new{k}" for k, w in enumerate(story[:41])]
    (ordered, mine) = _text(scattered + story[50:60])
    assert misread_coverage(ordered, other, mine, theirs, 4) == pytest.approx(10 / 51)
    assert misread_coverage(ordered[:0], other, [], theirs, 4) == 0.0


def test_shingles_before_counts_the_head_before_the_first_shared_shingle() -> None:
    other = np.arange(100, 200, dtype=np.uint32)
    head = np.concatenate([np.arange(10, dtype=np.uint32), np.arange(100, 120, dtype=np.uint32)])
    assert shingles_before(head, other) == 10
    assert shingles_before(np.arange(5, dtype=np.uint32), other) == 5
    assert shingles_before(head, other[:0]) == len(head)


def test_aligned_allows_a_short_prefix_before_the_shared_text():
    other = np.arange(100, 200, dtype=np.uint32)
    head = np.concatenate([np.arange(10, dtype=np.uint32), np.arange(100, 120, dtype=np.uint32)])
    assert aligned(head, other, shared=20)  # 10 before, 20 shared
    assert not aligned(head, other, shared=19)
    assert not aligned(np.arange(64, dtype=np.uint32), other, shared=100)  # none in a short match
    assert aligned(np.arange(64, dtype=np.uint32), other, shared=129)  # a long match past the head


def test_inside_floor_is_lower_only_where_no_chrome_is_learned() -> None:
    assert inside_floor(True, 25) == UNLEARNED_INSIDE_SHINGLES == 8
    assert inside_floor(False, 25) == 25
    assert inside_floor(True, 5) == 5


def test_opening_inside_finds_a_stretch_that_starts_the_text_anywhere_in_the_other() -> None:
    text = np.arange(20, dtype=np.uint64)
    page = np.concatenate([np.arange(100, 140, dtype=np.uint64), text[:10],
                           np.arange(200, 230, dtype=np.uint64)])
    # Words 0..12 of the text (10 shingles of 4) lie in the page from shingle 40.
    assert opening_inside(text, page, 4) == (1.0, 13, 40)
    # A stretch that starts the text late is not its opening.
    late = np.concatenate([np.arange(100, 140, dtype=np.uint64), text[12:]])
    assert opening_inside(text, late, 4) == (0.0, 0, 0)
    assert opening_inside(text[:0], page, 4) == (0.0, 0, 0)


def test_common_shingles_are_exactly_those_enough_pages_carry() -> None:
    # 5 and 5 + 2**22 fall in one bucket of the first count (4 pages in all): only
    # the exact count decides.
    rows = [np.array(r, dtype=np.uint32) for r in
            ([1, 5, 9], [1, 9], [1, 5 + (1 << 22), 9], [1, 5 + (1 << 22)], [2])]
    packed = Packed.of(rows)
    assert common_shingles(packed, 3).tolist() == [1, 9]
    assert common_shingles(packed, 4).tolist() == [1]
    assert common_shingles(packed, 5).tolist() == []
    assert common_shingles(Packed.of([]), 1).tolist() == []


def test_common_shingles_counted_in_chunks_are_counted_exactly(monkeypatch) -> None:
    # Chunks of 2 values: a shingle's pages fall in different chunks, summed after.
    rows = [np.array(r, dtype=np.uint32) for r in
            ([1, 5, 9], [1, 9], [1, 5 + (1 << 22), 9], [1, 5 + (1 << 22)], [2])]
    monkeypatch.setattr(alignment, "_CHUNK", 2)
    packed = Packed.of(rows)
    assert common_shingles(packed, 3).tolist() == [1, 9]
    assert common_shingles(packed, 4).tolist() == [1]
    assert common_shingles(packed, 2).tolist() == [1, 9, 5 + (1 << 22)]
    assert common_shingles(packed, 5).tolist() == []


def test_common_least_is_a_share_of_the_pages_and_never_few() -> None:
    assert common_least(100) == COMMON_LEAST_PAGES == 50
    assert common_least(30_000) == 300
    assert common_least(30_001) == 301


def test_blank_common_keeps_every_other_shingle_in_its_place() -> None:
    page = np.array([0, 7, 3, 7, 9], dtype=np.uint32)
    opening = np.array([0, 1, 3], dtype=np.uint32)
    blanked = blank_common(page, np.array([7, 8], dtype=np.uint32), opening)
    assert blanked.tolist() == [0, 2, 3, 2, 9]  # 2: the least value the opening lacks
    assert blanked.dtype == np.uint32
    assert blank_common(page, np.zeros(0, dtype=np.uint32), opening) is page


@pytest.mark.fuzz
@given(st.lists(st.integers(0, 40), max_size=30), st.sets(st.integers(0, 40), max_size=12),
       st.lists(st.integers(0, 40), max_size=10))
def test_blank_common_blanks_exactly_the_common_shingles(page, common, opening) -> None:
    page = np.asarray(page, dtype=np.uint32)
    common = np.asarray(sorted(common), dtype=np.uint32)
    blanked = blank_common(page, common, np.asarray(opening, dtype=np.uint32))
    hit = np.isin(page, common)
    assert np.array_equal(blanked[~hit], page[~hit])
    assert not set(blanked[hit].tolist()) & set(opening)
    assert len(set(blanked[hit].tolist())) <= 1
