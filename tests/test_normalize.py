import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clusterer.normalize import (
    _DATELINE,
    _UNIT_BOUNDARY,
    clean,
    normalize,
    title_segments,
    title_tokens,
    tokens,
    unit_bytes,
    unit_text,
    units,
)

from conftest import examples


def test_clean_decodes_entities_tags_quotes_and_spaces():
    raw = "Ukraine&#8217;s &amp;quot;plan&amp;quot;<p>is\u00a0ready \u2014 “now”</p>"
    assert clean(raw) == "Ukraine's \"plan\"\nis ready - \"now\""


def test_clean_decodes_entities_escaped_again_by_each_site_of_a_chain():
    # A copy of a copy, escaped once more by each site that republished it.
    assert clean("Obama&amp;amp;#8217;s &amp;amp;amp;quot;Cosmos&amp;amp;amp;quot;") == (
        "Obama's \"Cosmos\"")
    assert clean("AT&T &amp; more") == "AT&T & more"


def test_a_stop_after_a_title_or_place_abbreviation_ends_no_unit():
    text = "Bitcoin exchange Mt. Gox files for bankruptcy. Mr. Biden spoke in St. Louis. Mt.Gox"
    assert units(text) == ["bitcoin exchange mt gox files for bankruptcy",
                           "mr biden spoke in st louis", "mt gox"]
    # Other stops before a capital still end a unit.
    assert units("It rose 3 pct. Gox fell. Dr. No") == ["it rose 3 pct", "gox fell", "dr no"]


def test_clean_keeps_a_lone_less_than_sign():
    assert clean("a < b and c > d") == "a < b and c > d"


def test_normalize_folds_case_and_drops_punctuation():
    assert normalize("KYIV’s  “Plan”\u200b — Ready!") == "kyiv s plan ready"


def test_tokens_are_nfkc_normalised():
    assert tokens("ﬁnal Ｆｕｌｌ") == ["final", "full"]


def test_units_split_lines_sentences_and_glued_blocks():
    text = "First line. Second sentence!\nSupport us.Ukraine is on a path"
    assert units(text) == ["first line", "second sentence", "support us", "ukraine is on a path"]


def test_units_strip_wire_datelines():
    assert units("KYIV (AP) — Ukraine said") == ["ukraine said"]
    assert units("LONDON, March 10 (Reuters) - Stocks fell") == ["stocks fell"]
    assert units("PARIS (AFP) -- The minister") == ["the minister"]
    assert units("WASHINGTON — The Senate") == ["the senate"]


def test_units_keep_ordinary_sentences_starting_with_capitals():
    assert units("NATO allies met. Ukraine - not yet - joined") == [
        "nato allies met", "ukraine not yet joined"]


def test_title_tokens_drop_wire_prefixes():
    assert title_tokens("UPDATE 2-Ukraine urges NATO") == ["ukraine", "urges", "nato"]
    assert title_tokens("BREAKING: Fed holds rates") == ["fed", "holds", "rates"]


def test_title_tokens_drop_every_stacked_wire_prefix():
    # A copy of a copy got the prefix again.
    assert title_tokens("UPDATE 2-UPDATE 2-News Feed") == ["news", "feed"]
    assert title_tokens("UPDATE 2-BREAKING: Fed holds") == ["fed", "holds"]
    assert title_tokens("Update on the update - Fed") == ["update", "on", "the", "update", "fed"]


def test_a_backtick_quote_splits_units_whatever_else_the_text_holds():
    text = "Did Cosmos pick the wrong hero?. `Cosmos' is back with a new host."
    split = ["did cosmos pick the wrong hero", "cosmos is back with a new host"]
    assert units(text) == split  # all ASCII
    assert units(text.replace("new host", "new\u00a0host")) == split  # ASCII once spaces are plain
    assert units(text + " \u201cQuoted\u201d.") == [*split, "quoted"]  # curly quotes


def test_title_segments_split_site_suffixes():
    assert title_segments("Ukraine urges NATO | Reuters") == ["Ukraine urges NATO", "Reuters"]
    assert title_segments("Fed - Plosser speaks - WSJ") == ["Fed", "Plosser speaks", "WSJ"]
    assert title_segments("Well-known co-founder") == ["Well-known co-founder"]


@pytest.mark.fuzz
@given(st.text(alphabet=st.sampled_from(list("aZ9_ .!?\n\t'\"()[]é—ßİ\u00a0\u2019<>&;#-\u3000\u0660²Ж中")),
               max_size=40))
def test_units_are_the_word_tokens_of_each_piece(text: str) -> None:
    pieces = _UNIT_BOUNDARY.split(_DATELINE.sub("", clean(text)))
    expected = [" ".join(w) for w in (re.findall(r"\w+", p.casefold()) for p in pieces) if w]
    assert units(text) == expected
    assert unit_bytes(text) == unit_text(text).encode("utf-8")


@pytest.mark.fuzz
@examples(300)
@given(st.text(alphabet=st.sampled_from(list(
    "aZ9_ .!?\n'\u00e9\u0301\u0e01\u0e48\u0e32\u0627\u064e\u0644\u00b2\u2153\u0130\u00df"
    "\u2014\u060c\u3002\u4e2d\uff01\U0001f600\U00020000")), max_size=40))
def test_unit_bytes_of_any_script_are_unit_text_in_utf8(text: str) -> None:
    # Non-ASCII texts: a table lookup per code point below 2**16 (combining marks, Thai
    # tone marks and Arabic vowels are no word characters), the regex beyond.
    assert unit_bytes(text) == unit_text(text).encode("utf-8")


# The unit boundary as first written: three alternatives tried at every position.
_BOUNDARY_AS_WRITTEN = re.compile(
    r"\n|[.!?](?:[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|(?<=[a-z][.!?])(?=[A-Z][a-z]))")


_FRAGMENTS = ["ab", "Zb", "9", "é", ".", "?", " ", "\n", "'", "("]


@pytest.mark.fuzz
@examples(200)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=30).map("".join))
def test_unit_boundaries_give_the_same_units_as_first_written(text: str) -> None:
    def words(pattern: re.Pattern[str]) -> list[list[str]]:
        pieces = (re.findall(r"\w+", p) for p in pattern.split(text))
        return [w for w in pieces if w]

    assert words(_UNIT_BOUNDARY) == words(_BOUNDARY_AS_WRITTEN)
    assert words(_UNIT_BOUNDARY) != [] or not re.search(r"\w", text)


_ABBREVIATION_FRAGMENTS = ["Mr.", "Mrs.", "Capt.", "Prof.", "Gen.", "St.", "Sgt.", "xMr.", "r", "s",
                           ".", "!", " ", " A", " 9", "\n", "Bc", "'", ")"]


@pytest.mark.fuzz
@examples(300)
@given(st.lists(st.sampled_from(_ABBREVIATION_FRAGMENTS), max_size=25).map("".join))
def test_sentence_boundaries_skip_abbreviations_as_one_lookbehind_each(text: str) -> None:
    # The lookbehinds are grouped by length; the same boundaries as one per abbreviation.
    from clusterer.normalize import _ABBREVIATIONS, _SENTENCE_BOUNDARY

    one_each = "".join(rf"(?<!\b{a}\.)" for a in _ABBREVIATIONS)
    as_written = re.compile(
        r"[.!?](?:" + one_each + r"[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])"
        r"|(?<=[a-z][.!?])" + one_each + r"(?=[A-Z][a-z]))")
    assert _SENTENCE_BOUNDARY.sub("\n", text) == as_written.sub("\n", text)


def test_the_ascii_odd_spaces_are_every_ascii_space_but_space_and_newline():
    from clusterer.normalize import _ASCII_ODD_SPACES

    assert sorted(_ASCII_ODD_SPACES) == [c for c in map(chr, range(128))
                                         if c.isspace() and c not in " \n"]


def test_every_space_but_space_is_unprintable():
    # clean folds a non-ASCII text line by line where it has no other space: where,
    # newlines aside, it is printable.
    assert [c for c in map(chr, range(0x110000)) if c.isspace() and c.isprintable()] == [" "]


@pytest.mark.fuzz
@given(st.text(alphabet=st.sampled_from(list("ab .\n \n\t\r\x0b\x0c\x1c\x1f\u00a0\u2028é"
                                              "\u2029\u1680\u0e01")),
               max_size=40))
def test_clean_folds_spaces_line_by_line_whatever_the_path(text: str) -> None:
    # Lines with only spaces and newlines take a shortcut: the same lines as folding
    # every line into words.
    expected = "\n".join(filter(None, (" ".join(line.split()) for line in
                                        clean_reference_input(text).splitlines())))
    assert clean(text) == expected


def clean_reference_input(text: str) -> str:
    """``text`` as clean sees it before folding (no entity, tag or quote here but the
    non-breaking space, which becomes a space)."""
    return text.replace("\u00a0", " ") if not text.isascii() else text


def _punctuation_as_first_written(text: str) -> str:
    """NFKC of the whole text, then one regex substitution of every :data:`_PUNCT`
    character if the text is still not ASCII (what ``clean`` did first)."""
    from clusterer.normalize import _PUNCT

    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    return re.sub("[" + "".join(_PUNCT) + "]", lambda m: _PUNCT[m.group()], text)


@pytest.mark.fuzz
@examples(300)
@given(st.text(alphabet=st.sampled_from(
    list("a e`'\u00a0\u202f\u2009\u2026\u2018\u2019\u201c\u2014\u2033\u2032\u00b4\u00ad\u200b"
         "\u0301\u0308\ufb01\uff40\u00bd\u3000\u00e9\u1100\u1161\u00ab")), max_size=30))
def test_plain_punctuation_is_nfkc_then_every_replacement_at_once(text: str) -> None:
    from clusterer.normalize import _plain_punctuation

    assert _plain_punctuation(text) == _punctuation_as_first_written(text)


_DATELINE_FRAGMENTS = ["KYIV", "NEW", "YORK", "A", "B.", "(AP)", "(Reuters)", " ", "  ", "\n", "\n\n",
                       " - ", "--", "-", ", March 10", ",", "MA", "/", "x", "It", "'", "\t"]


@pytest.mark.fuzz
@examples(300)
@given(st.lists(st.sampled_from(_DATELINE_FRAGMENTS), max_size=25).map("".join))
def test_datelines_are_dropped_as_by_one_substitution(text: str) -> None:
    from clusterer.normalize import _drop_datelines

    assert _drop_datelines(text) == _DATELINE.sub("", text)


def test_unit_bytes_fold_every_ascii_character_as_unit_text() -> None:
    text = "".join(map(chr, range(1, 128))) + "\nAbc. Def"
    assert unit_bytes(text) == unit_text(text).encode("utf-8")
    assert unit_bytes("A b_C\u00e9.") == "a b_c\u00e9".encode() + b" "


@pytest.mark.fuzz
@examples(300)
@given(st.lists(st.sampled_from(_FRAGMENTS + ["\n\n", ". ", ".\n", "!", ")", "]", '"', "aB", "Ab",
                                              "Mt", "Dr", " Mr"]),
                max_size=30).map("".join))
def test_sentence_boundaries_give_the_pieces_of_the_unit_boundary_split(text: str) -> None:
    from clusterer.normalize import _SENTENCE_BOUNDARY

    assert _SENTENCE_BOUNDARY.sub("\n", text) == "\n".join(_UNIT_BOUNDARY.split(text))
