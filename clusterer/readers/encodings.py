"""Telling the text encoding of an input before any "binary data" verdict.

In the order feedparser and trafilatura look (the first that answers wins):

1. a byte order mark (UTF-8, UTF-16, UTF-32);
2. ``--encoding``, when given (anything but the default UTF-8);
3. data without NUL bytes: ASCII-compatible, left to the format (an XML declaration,
   an HTML ``<meta charset>``, UTF-8 for records);
4. the layout of the first character (XML 1.0 appendix F, for any ASCII first
   character, so JSON and HTML too): ``< 00 00 00`` is UTF-32-LE, ``< 00 ? 00``
   UTF-16-LE, …;
5. charset-normalizer (what trafilatura uses): UTF-16/32 it finds is used; a text in
   an ASCII-compatible encoding with a few stray NUL bytes (at most 1 in 500 bytes of
   the first 64 KiB: e.g. a page saved with one) is text, its NULs dropped where a document is read
   whole;
6. else the data is binary: an error.
"""

from __future__ import annotations

import codecs

from clusterer.errors import InputError
from clusterer.readers.config import ReaderConfig

_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
# Which of the first four bytes are zero, for an ASCII first character.
_LAYOUTS = {
    (True, True, True, False): "utf-32-be", (False, True, True, True): "utf-32-le",
    (True, False, True, False): "utf-16-be", (False, True, False, True): "utf-16-le",
}
STRAY_NULS = 500  # at most one NUL byte in this many is stray (a page saved with one)
BINARY_HINT = ("pass JSONL, JSON, CSV, TSV, RSS, Atom, HTML or .txt files (text in an "
               "encoding that was not recognised needs --encoding, e.g. --encoding utf-16)")


def bom_encoding(head: bytes) -> str | None:
    """``utf-16``/``utf-32`` when the data starts with their byte order mark."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    return None


def is_wide(encoding: str | None) -> bool:
    """True for UTF-16 and UTF-32, whose text has NUL bytes."""
    return bool(encoding) and codecs.lookup(encoding).name.startswith(  # type: ignore[arg-type]
        ("utf-16", "utf-32"))


def layout_encoding(head: bytes) -> str | None:
    """UTF-16/32 without a byte order mark, told by the zero bytes around a printable
    ASCII first character, else None."""
    four = head[:4]
    if len(four) < 4:
        return None
    encoding = _LAYOUTS.get(tuple(b == 0 for b in four))  # type: ignore[arg-type]
    if encoding is None:
        return None
    first = four[3] if encoding.endswith("be") else four[0]
    return encoding if 0x20 <= first < 0x7F or first in b"\t\r\n" else None


def text_encoding(name: str, head: bytes, config: ReaderConfig) -> str | None:
    """The encoding to read the input with, or None for "ASCII-compatible: as the
    format declares, else UTF-8" (see the module docstring).

    Raises:
        InputError: If the data is binary.
    """
    bom = bom_encoding(head)
    if bom:
        return bom
    given = None if config.is_utf8 else config.encoding
    if b"\x00" not in head or is_wide(given):
        return given
    layout = layout_encoding(head)
    if layout and given is None:
        return layout
    import charset_normalizer  # only here: most inputs are UTF-8 text (a tenth of start-up)

    guess = charset_normalizer.from_bytes(head).best()
    if guess is not None:
        if is_wide(guess.encoding) and given is None:
            return codecs.lookup(guess.encoding).name
        if head.count(b"\x00") * STRAY_NULS <= len(head):
            return given
    offset = head.index(b"\x00")
    raise InputError(name, f"binary data (a NUL byte at offset {offset}), not a feed",
                     BINARY_HINT)


def drop_nuls(data: bytes, encoding: str | None) -> bytes:
    """A whole document without stray NUL bytes (which no text needs), unless its
    encoding is UTF-16/32."""
    return data if is_wide(encoding) or b"\x00" not in data else data.replace(b"\x00", b"")
