"""Telling an input's format (``--format auto``).

1. ``.txt``, ``.csv``, ``.tsv`` (``.tab``) are trusted: their content is free text.
2. Otherwise the content decides when it can: ``<rss``, ``<rdf:RDF`` or ``<feed`` is an
   RSS/Atom feed, ``<html`` or ``<!DOCTYPE html`` an HTML page; ``[`` or ``{`` is JSON,
   read as JSON Lines when it starts with ``{`` (or is a ``.jsonl`` file) and its first
   line is a whole value with more lines after it, and always when a ``.jsonl`` file
   starts with ``{``; else as JSON (array, objects, JSON Feed), ``.json`` files always.
3. Else the extension: ``.jsonl``/``.ndjson``, ``.json``, ``.rss``/``.atom``/``.xml``/
   ``.rdf``, ``.html``/``.htm``/``.xhtml``; else an error asking for ``--format``.
"""

from __future__ import annotations

import codecs
import os
import re
from typing import TYPE_CHECKING

import orjson

from clusterer.errors import InputError
from clusterer.readers.config import ReaderConfig

if TYPE_CHECKING:
    from clusterer.readers.sources import Source

EXTENSIONS = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonlines": "jsonl", ".json": "json",
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "txt", ".text": "txt",
    ".rss": "rss", ".atom": "atom", ".xml": "rss", ".rdf": "rss",
    ".html": "html", ".htm": "html", ".xhtml": "html",
}
_TRUSTED = frozenset({"txt", "csv", "tsv"})
_MARKUP_PROLOG = re.compile(r"\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*|<!doctype\s+(?!html)[^>]*>\s*)*",
                            re.S | re.I)
_FEED_TAG = re.compile(r"<(?:rss|rdf:rdf|feed)[\s>/]", re.I)
_HTML_TAG = re.compile(r"<(?:!doctype\s+html|html|head|body)[\s>/]", re.I)


def format_from_name(name: str) -> str | None:
    """The format an extension suggests (``.gz`` looked through), or None."""
    lowered = name.lower()
    if lowered.endswith(".gz"):
        lowered = lowered[:-3]
    return EXTENSIONS.get(os.path.splitext(lowered)[1])


def detect(source: Source, head: bytes, config: ReaderConfig,
           encoding: str | None = None) -> str:
    """The format to read ``source`` with (see the module docstring); ``encoding`` is
    the one :func:`~.encodings.text_encoding` found."""
    if config.format != "auto":
        return config.format
    by_name = format_from_name(source.path.name) if source.path is not None else None
    if by_name in _TRUSTED:
        return by_name
    by_content = _format_from_content(head, by_name, encoding)
    if by_content is not None:
        return by_content
    if by_name is not None:
        return by_name
    raise InputError(source.name, "cannot tell the format from the name or the content",
                     "pass --format (e.g. --format csv, tsv or txt)")


def _format_from_content(head: bytes, by_name: str | None, encoding: str | None) -> str | None:
    try:
        text = head[:8192].decode(encoding or "utf-8", errors="replace")
    except LookupError:  # checked by ReaderConfig; a guess is a name Python knows
        text = head[:8192].decode("utf-8", errors="replace")
    text = text.replace("\x00", "").lstrip("\ufeff \t\r\n")
    if text.startswith("<"):
        body = text[_MARKUP_PROLOG.match(text).end():]  # type: ignore[union-attr]
        if _FEED_TAG.match(body):
            return "atom" if body[1:5].lower() == "feed" else "rss"
        if _HTML_TAG.match(body) or _HTML_TAG.match(text):
            return "html"
        return None
    if text.startswith(("[", "{")):
        if by_name == "json" or "jsonfeed.org/version" in text:
            return "json"
        if text.startswith("{") and by_name == "jsonl":
            return "jsonl"
        first_line, _, rest = head.partition(b"\n")
        # A whole value on the first line and more lines: JSON Lines (of arrays too, when
        # the name says so); a one-line array is a minified JSON array.
        if _is_value(first_line) and rest.strip() and (text.startswith("{")
                                                       or by_name == "jsonl"):
            return "jsonl"
        return "json"
    return None


def _is_value(line: bytes) -> bool:
    try:
        orjson.loads(line.removeprefix(codecs.BOM_UTF8))
    except orjson.JSONDecodeError:
        return False
    return bool(line.strip())
