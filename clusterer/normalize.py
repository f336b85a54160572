"""Text normalisation: the same words give the same tokens however they were encoded.

Covers HTML entities and tags, Unicode NFKC, typographic quotes and dashes,
non-breaking and zero-width spaces, case, and wire datelines (``KYIV (AP) —``).
Splits bodies into *units* (lines, then sentences): the grain at which boilerplate is
learned and left out of fingerprints.
"""

from __future__ import annotations

import functools
import html
import itertools
import re
import unicodedata

import numpy as np

# Tags that end a block of text: a line break in the plain text.
_BLOCK_TAG = re.compile(
    r"<\s*/?\s*(?:p|br|div|li|ul|ol|h[1-6]|tr|td|blockquote|section|article|header|footer)\b[^<>]*>",
    re.IGNORECASE,
)
# Anything that looks like a tag; a lone "<" in prose ("a < b") is left alone.
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,500}>")
_PUNCT = {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
        "`": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"', "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
        "\u2014": "-", "\u2015": "-", "\u2212": "-", "\u00a0": " ", "\u202f": " ", "\u2009": " ",
        "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "", "\u00ad": "",
        "\u2026": "...",
}
_PUNCT_ITEMS = tuple(_PUNCT.items())
# Characters whose NFKC form is their _PUNCT replacement (no-break and thin spaces, the
# ellipsis): replaced before the NFKC check, NFKC gives the same text (a character may be
# replaced by its compatibility decomposition before normalising) and most texts holding
# one need no normalising at all (5x faster than normalising).
_PLAIN_COMPATIBLE = tuple((c, r) for c, r in _PUNCT_ITEMS if c in "\u00a0\u202f\u2009\u2026")
# A unit ends at a sentence end followed by a capital, digit or quote; also where a
# scraper glued two blocks together ("…the difference.Ukraine is…").
# One character class first (a line break or a sentence end), then what must follow
# it: the regex engine scans for the class, 2.5x faster than trying each branch at
# every position. The glued case drops the stop itself, which is no word anyway.
# A stop after a title or place abbreviation ("Mt. Gox", "Mr. Biden", "St. Louis") ends
# no sentence: split there, a name loses its first word, and that word alone is a short
# unit every page carries (chrome, see boilerplate), which breaks the story around it.
_ABBREVIATIONS = ("Mr", "Mrs", "Ms", "Dr", "Mt", "St", "Ft", "Gen", "Gov", "Sen", "Rep", "Lt",
                  "Col", "Sgt", "Capt", "Prof", "Rev")
# One lookbehind per length of abbreviation (a lookbehind has one width), not one per
# abbreviation: every stop is tried against 3 of them, not 17 (splitting at sentences
# 1.4x faster; the same boundaries, tested).
_NOT_ABBREVIATED = "".join(
    rf"(?<!\b(?:{'|'.join(a for a in _ABBREVIATIONS if len(a) == size)})\.)"
    for size in sorted({len(a) for a in _ABBREVIATIONS}))
_UNIT_BOUNDARY = re.compile(
    r"[\n.!?](?:(?<=\n)|(?<=[.!?])" + _NOT_ABBREVIATED + r"[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])"
    r"|(?<=[a-z][.!?])" + _NOT_ABBREVIATED + r"(?=[A-Z][a-z]))")
# The boundaries that are not line breaks, replaced by one: the same text as joining
# the pieces of a split at ``_UNIT_BOUNDARY`` with newlines (tested; a line break is its
# own boundary and is left in place), without a match at every line.
_SENTENCE_BOUNDARY = re.compile(
    r"[.!?](?:" + _NOT_ABBREVIATED + r"[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])"
    r"|(?<=[a-z][.!?])" + _NOT_ABBREVIATED + r"(?=[A-Z][a-z]))")
# The ASCII whitespace (and line breaks) other than space and newline.
_ASCII_ODD_SPACES = "\t\r\x0b\x0c\x1c\x1d\x1e\x1f"
_TOKEN = re.compile(r"\w+")
# Everything but word characters, newlines and spaces, as a space (same tokens as
# ``_TOKEN``). Spaces are left alone rather than replaced run by run: a text has far fewer
# runs of other characters than words, and the spaces are folded later anyway.
_NON_WORD = re.compile(r"[^\w\n ]+")
_ASCII_NON_WORD = str.maketrans(
    {chr(c): " " for c in range(128) if not (chr(c).isalnum() or chr(c) in "_\n")})
# The same on ASCII bytes, with case folded: word characters and newlines lowercased,
# every other byte a space.
_ASCII_WORD_BYTES = bytes(ord(chr(c).lower()) if chr(c).isalnum() or chr(c) in "_\n" else 32
                          for c in range(256))
# Wire datelines: "KYIV (AP) - ", "PARIS (AFP) -- ", "LONDON, March 10 (Reuters) - ",
# "WASHINGTON - ". Matched on cleaned, case-kept text at the start of a unit.
_DATELINE = re.compile(
    r"(?m)^[A-Z][A-Z.'-]+(?:[ /][A-Z][A-Z.'-]+){0,3}"
    r"(?:,\s*[A-Z][A-Za-z.]+(?:\s+\d{1,2})?)?"
    r"\s*(?:\([A-Za-z][A-Za-z .&'-]{0,30}\))?\s*-{1,2}\s+"
)
# Where a dateline may begin after the first line: a line starting with two of its
# first characters. A search for a newline runs at C speed; trying the dateline at every
# position (``(?m)^``) does not.
_DATELINE_START = re.compile(r"\n(?=[A-Z][A-Z.'-])")
# The most times entities are decoded: a text escaped this many times over is rare.
_UNESCAPES = 4
# Wire headline prefixes: "UPDATE 2-", "BREAKING:", "EXCLUSIVE-" …, however many (a copy
# of a copy may get the prefix again: "UPDATE 2-UPDATE 2-News Feed").
_TITLE_PREFIX = re.compile(
    r"^(?:(?:update|updated|breaking(?: news)?|exclusive|wrapup|corrected|correction|refile"
    r"|rpt|analysis|factbox|live|watch|video)\s*\d*\s*[-:|]+\s*)+",
    re.IGNORECASE,
)


def clean(text: str) -> str:
    """Decode entities and tags, NFKC, plain quotes and dashes; keep case and line breaks."""
    if "&" in text:
        # Until nothing changes (at most _UNESCAPES times): feeds double-escape
        # ("&amp;#8217;"), and a copy of a copy may be escaped once more by each site
        # ("&amp;amp;#8217;").
        for _ in range(_UNESCAPES):
            plain = html.unescape(text)
            if plain == text:
                break
            text = plain
    if "<" in text:
        text = _TAG.sub(" ", _BLOCK_TAG.sub("\n", text))
    if not text.isascii():
        text = _plain_punctuation(text)
    if "`" in text:
        # The one ASCII character of _PUNCT, replaced whatever else the text holds:
        # _plain_punctuation leaves it in a text that is ASCII once its spaces are
        # plain, and a sentence opening with it ("`Cosmos' is back") was split off
        # on some pages of a site and not on others (their sidebar then not chrome).
        text = text.replace("`", "'")
    if (not any(space in text for space in _ASCII_ODD_SPACES) if text.isascii()
            # Every space but " " is unprintable (tested): one C loop, no regex.
            else text.replace("\n", "").isprintable()):
        # Only spaces and newlines (most texts): a line is folded only if it needs to be,
        # twice as fast as splitting every line into words (same result, tested).
        return "\n".join(filter(None, [
            " ".join(line.split()) if line[:1] == " " or line[-1:] == " " or "  " in line
            else line for line in text.split("\n")]))
    # str.split() folds every Unicode space at C speed; blank lines go.
    return "\n".join(filter(None, (" ".join(line.split()) for line in text.splitlines())))


def _plain_punctuation(text: str) -> str:
    """NFKC, then plain quotes, dashes and spaces (:data:`_PUNCT`) if the text is still not
    ASCII. ``str.replace`` of the characters present: a text holds few of them, and a
    search for one character runs at C speed (3x faster than a regex substitution calling
    back for every quote)."""
    for char, plain in _PLAIN_COMPATIBLE:
        if char in text:
            text = text.replace(char, plain)
    if not unicodedata.is_normalized("NFKC", text):  # a quick check: 5x faster than normalising
        text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        # One character for one or several: no replacement makes another one's character.
        for char, plain in _PUNCT_ITEMS:
            if char in text:
                text = text.replace(char, plain)
    return text


def normalize(text: str) -> str:
    """:func:`clean`, case-folded, on one line: the form that fingerprints are taken of."""
    return " ".join(tokens(text))


def tokens(text: str) -> list[str]:
    """Word tokens of ``text`` after :func:`clean` and case folding; punctuation dropped."""
    return _TOKEN.findall(clean(text).casefold())


def units(text: str) -> list[str]:
    """Split a body into units (lines, then sentences), each cleaned, datelines removed.

    Returns:
        Case-folded, token-joined units (``"ukraine is on an irreversible path"``);
        units without a word character are dropped.
    """
    return [unit for unit in (" ".join(piece.split()) for piece in unit_text(text).split("\n"))
            if unit]


def unit_text(text: str) -> str:
    """The units of ``text`` before spaces are folded: pieces separated by newlines,
    words by one or more spaces, empty pieces kept. :func:`units` folds it in Python;
    :func:`clusterer.hashing.hash_unit_text` hashes it as folded, in numpy."""
    joined = _unit_pieces(text)
    return (joined.casefold().translate(_ASCII_NON_WORD) if joined.isascii()
            else _NON_WORD.sub(" ", joined.casefold()))


def unit_bytes(text: str) -> bytes:
    """:func:`unit_text` in UTF-8 (tested), as :func:`clusterer.hashing.hash_unit_bytes`
    takes it. An ASCII text is case-folded and its non-word characters blanked in one
    ``bytes.translate`` (3x faster than ``casefold`` and ``str.translate``)."""
    joined = _unit_pieces(text)
    if joined.isascii():
        return joined.encode("ascii").translate(_ASCII_WORD_BYTES)
    folded = joined.casefold()
    codes = np.frombuffer(folded.encode("utf-32-le"), dtype=np.uint32)
    if codes.max() > 0xFFFF:  # beyond the table (emoji, rare scripts)
        return _NON_WORD.sub(" ", folded).encode("utf-8")
    return _words_only(codes).tobytes().decode("utf-32-le").encode("utf-8")


def _words_only(codes: np.ndarray) -> np.ndarray:
    """``_NON_WORD.sub(" ", text)`` on the code points of ``text`` (all below 2**16):
    each run of other characters replaced by one space (tested). A table lookup per
    character in numpy, 2x faster than the regex on a text in Arabic or Thai, where
    the regex tests most characters for ``\\w`` one by one (Thai's vowel and tone
    marks are no word characters)."""
    kept = _word_table()[codes]
    first = ~kept  # the first character of each run replaced
    first[1:] &= kept[:-1]
    return np.where(kept, codes, np.uint32(32))[kept | first]


@functools.cache
def _word_table() -> np.ndarray:
    """Whether each code point below 2**16 is a word character, newline or space (what
    :data:`_NON_WORD` leaves), as the regex itself tells: 6 ms, once per process."""
    table = np.zeros(1 << 16, dtype=bool)
    for run in re.finditer(r"[\w\n ]+", "".join(map(chr, range(1 << 16)))):
        table[run.start():run.end()] = True
    return table


def _unit_pieces(text: str) -> str:
    """``text`` cleaned, without datelines, its units on lines of their own (case kept)."""
    # One pass over the whole text for each step (this runs on every article): the
    # word tokens of every piece, with the pieces kept apart by newlines.
    return _SENTENCE_BOUNDARY.sub("\n", _drop_datelines(clean(text)))


def _drop_datelines(text: str) -> str:
    """``_DATELINE.sub("", text)`` (tested), trying the pattern only where a line may hold
    one: 2x faster on texts with such lines, 10x on those without (most news)."""
    pieces = []
    done = 0  # text[:done] is settled
    starts = itertools.chain((0,), (m.end() for m in _DATELINE_START.finditer(text)))
    for start in starts:
        if start < done:  # inside the last dateline removed (its trailing spaces)
            continue
        found = _DATELINE.match(text, start)
        if found:
            pieces.append(text[done:start])
            done = found.end()
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def title_tokens(title: str) -> list[str]:
    """Headline tokens with a wire prefix ("UPDATE 2-", "BREAKING:") removed."""
    words = _title_words(title)
    return words.split(" ") if words else []


def title_segments(title: str) -> list[str]:
    """Headline split at `` | ``, `` - ``, `` :: `` (where a site name is often appended)."""
    return list(_title_segments(title))


# Headlines are read again and again: a copy's headline is its original's, and the same
# headline is tokenised for chrome learning, for the fingerprints and by matching (about
# four times per article). Remembered by text (each caller gets a new list); the tokens
# as one string, a third of the memory of a tuple of them.
@functools.lru_cache(maxsize=1 << 14)
def _title_words(title: str) -> str:
    return " ".join(_TOKEN.findall(_TITLE_PREFIX.sub("", clean(title)).casefold()))


_TITLE_SEPARATOR = re.compile(r"\s+(?:\||-{1,2}|::)\s+")


@functools.lru_cache(maxsize=1 << 14)
def _title_segments(title: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in _TITLE_SEPARATOR.split(clean(title)) if s.strip())
