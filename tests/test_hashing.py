import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clusterer.hashing import (
    char_shingles,
    hash_unit_text,
    hash_units,
    unit_hashes,
    word_shingles,
)


def test_word_shingles_are_ordered_windows_and_stable():
    a = word_shingles(["a", "b", "c", "d"], 2)
    b = word_shingles(["x", "a", "b", "c", "d"], 2)
    assert len(a) == 3
    assert list(b[1:]) == list(a)
    assert a.dtype == np.uint32


def test_short_token_lists_give_one_shingle():
    assert len(word_shingles(["only", "two"], 5)) == 1
    assert len(word_shingles([], 5)) == 0


def test_char_shingles_count():
    assert len(char_shingles("abcdef", 4)) == 3
    assert len(char_shingles("", 4)) == 0


def test_hash_units_counts_tokens_and_characters_per_unit():
    hashed = hash_units("the cat sat\ncafé au lait\nx")
    assert hashed.unit_tokens.tolist() == [3, 3, 1]
    assert hashed.unit_chars.tolist() == [11, 12, 1]
    assert hashed.tokens.dtype == np.uint32 and hashed.unit_hashes.dtype == np.uint64
    assert len(hashed.tokens) == 7
    assert hash_units("").unit_hashes.tolist() == []


@pytest.mark.fuzz
@given(st.lists(st.lists(st.text(alphabet="abcé1_", min_size=1, max_size=6),
                         min_size=1, max_size=5), min_size=1, max_size=6))
def test_a_hash_depends_on_the_text_only_not_where_it_stands(units):
    joined = [" ".join(tokens) for tokens in units]
    together = hash_units("\n".join(joined))
    assert together.unit_hashes.tolist() == [hash_units(u).unit_hashes[0] for u in joined]
    alone = [int(hash_units(t).tokens[0]) for tokens in units for t in tokens]
    assert together.tokens.tolist() == alone
    assert unit_hashes(joined) == together.unit_hashes.tolist()


def test_distinct_tokens_and_units_get_distinct_hashes():
    words = [f"{a}{b}{c}" for a in "abcdefghij" for b in "klmnopqrst" for c in "uvwxyz0123"]
    assert len(set(hash_units(" ".join(words)).tokens.tolist())) == len(words)
    lines = [f"{w} {v}" for w, v in zip(words, reversed(words))]
    assert len(set(unit_hashes(lines))) == len(set(lines))


@pytest.mark.parametrize("piece", [1, 2, 3, 5, 13])
def test_hashing_in_pieces_gives_the_values_of_one_piece(monkeypatch, piece):
    # Long texts are hashed in pieces to bound memory: units and tokens spanning the
    # cuts (spaces, newlines, multi-byte characters around them) must not change.
    rng = random.Random(piece)
    alphabet = ["a", "b", "é", "字", " ", " ", "\n", "xyz", "  ", "\n\n"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 80)))
             for _ in range(300)]
    whole = [hash_units(text) for text in texts]
    monkeypatch.setattr("clusterer.hashing._PIECE", piece)
    for text, expected in zip(texts, whole):
        got = hash_units(text)
        for name in ("tokens", "unit_tokens", "unit_hashes", "unit_chars"):
            assert getattr(got, name).dtype == getattr(expected, name).dtype
            assert getattr(got, name).tolist() == getattr(expected, name).tolist(), (text, name)


@pytest.mark.fuzz
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab é中 \n\t.!?A")), max_size=30),
                max_size=6))
def test_hash_unit_text_equals_hashing_the_folded_units(texts):
    from clusterer.normalize import unit_text, units

    hashed, counts = hash_unit_text([unit_text(t) for t in texts])
    expected = hash_units("\n".join(u for t in texts for u in units(t)))
    assert counts.tolist() == [len(units(t)) for t in texts]
    for name in ("tokens", "unit_tokens", "unit_hashes", "unit_chars"):
        assert np.array_equal(getattr(hashed, name), getattr(expected, name)), name
        assert getattr(hashed, name).dtype == getattr(expected, name).dtype, name


def test_hash_unit_text_of_a_text_longer_than_a_piece_gives_the_same_values(monkeypatch):
    # Past _PIECE bytes the folded text is hashed in pieces (bounded memory): the
    # values are those of one piece.
    from clusterer.normalize import unit_text

    rng = random.Random(7)
    alphabet = ["a", "b", "é", "字", " ", "  ", "\n", "Xyz. ", "Ab? ", "\n\n"]
    texts = [unit_text("".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 60))))
             for _ in range(40)]
    whole, whole_counts = hash_unit_text(texts)
    monkeypatch.setattr("clusterer.hashing._PIECE", 7)
    pieces, counts = hash_unit_text(texts)
    assert counts.tolist() == whole_counts.tolist()
    for name in ("tokens", "unit_tokens", "unit_hashes", "unit_chars"):
        assert getattr(pieces, name).dtype == getattr(whole, name).dtype
        assert getattr(pieces, name).tolist() == getattr(whole, name).tolist(), name
