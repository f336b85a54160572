"""The screen on stored term vectors: hashed counts, packed and unpacked, weighted,
compared."""

from __future__ import annotations

import numpy as np
import pytest

from clusterer.screen import COLUMNS, closest, pack, term_rows, unpack, weighted


def test_term_rows_count_words_and_pairs_in_fixed_columns_whatever_else_is_hashed():
    alone = term_rows(["the oil prices oil"])
    among = term_rows(["copper futures fall", "the oil prices oil"])
    assert alone.shape == (1, COLUMNS)
    # "oil" twice; "prices", "oil prices" and "prices oil" once; "the" is a stop word
    assert sorted(alone.data.tolist()) == [1.0, 1.0, 1.0, 2.0]
    assert (alone != among[1]).nnz == 0  # the same columns in any run
    assert term_rows([]).shape == (0, COLUMNS)


def test_pack_and_unpack_give_back_the_rows():
    rows = term_rows(["oil prices ease on weak data", "", "copper copper copper"])
    back = unpack(pack(rows))
    assert back.shape == rows.shape
    assert (back != rows).nnz == 0
    assert unpack([]).shape == (0, COLUMNS)


def test_closest_is_the_largest_cosine_with_a_new_row():
    rows = weighted(term_rows(["oil prices ease on weak china data",
                               "oil prices fall on weak china trade data",
                               "bitcoin exchange files for bankruptcy",
                               "copper futures slide"]))
    best = closest(rows[:1], rows[1:])
    assert best[0] > 0.3 and best[1] == 0.0 and best[2] == 0.0
    assert best[0] == pytest.approx(float((rows[0] @ rows[1].T).toarray()[0, 0]))
    assert closest(rows[:0], rows).tolist() == [0.0] * 4
    assert np.allclose(np.asarray(rows.multiply(rows).sum(axis=1)).ravel(), 1.0)
