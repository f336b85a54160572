import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clusterer.hashing import char_shingles
from clusterer.lsh import distinct
from clusterer.shingling import TITLE_SHINGLE, Packed, title_sets


def test_packed_rows_are_views_of_one_array_in_order() -> None:
    rows = [np.array([3, 1], dtype=np.uint32), np.zeros(0, dtype=np.uint32),
            np.array([7], dtype=np.uint32)]
    packed = Packed.of(rows)
    assert len(packed) == 3 and packed.lengths().tolist() == [2, 0, 1]
    assert [r.tolist() for r in packed] == [[3, 1], [], [7]]
    assert packed[-1].tolist() == [7] and [r.tolist() for r in packed[1:]] == [[], [7]]
    joined = Packed.joined([packed, Packed.of([np.array([9, 9], dtype=np.uint32)])])
    assert [r.tolist() for r in joined] == [[3, 1], [], [7], [9, 9]]
    with pytest.raises(IndexError):
        packed[3]


@pytest.mark.fuzz
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab Zé中\U0001F600-")), max_size=9),
                max_size=8))
def test_title_sets_equal_each_titles_own(texts) -> None:
    got = title_sets(texts)
    assert len(got) == len(texts)
    for text, row in zip(texts, got):
        expected = distinct(char_shingles(text, TITLE_SHINGLE))
        assert np.array_equal(row, expected) and row.dtype == expected.dtype
