"""Syndication feeds: RSS 0.9x/1.0/2.0 and Atom (via feedparser), and JSON Feed 1/1.1.

A feed document is loaded whole (feeds are documents, not streams); its items are
yielded one at a time. Items get derived ids: the feed GUID (``Article.guid``) is
only unique within one feed, and two snapshots of the same feed must not clash.
"""

from __future__ import annotations

import calendar
import io
import time
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import IO, Any

from clusterer.errors import InputError
from clusterer.readers.config import ReaderConfig
from clusterer.readers.encodings import bom_encoding, drop_nuls
from clusterer.readers.fields import (
    Draft,
    MarkupTooDeep,
    as_text,
    html_to_text,
    make_draft,
    parse_time,
)
from clusterer.readers.sources import read_whole
from clusterer.readers.titles import headline_from_text

_JSONFEED_VERSION = "https://jsonfeed.org/version/"
_SKIP_HINT = "pass --skip-bad to skip such items"


def read_feed(stream: IO[bytes], name: str, config: ReaderConfig) -> Iterator[Draft | InputError]:
    """Every item of an RSS or Atom feed.

    Raises:
        InputError: If the data is not a feed at all. A feed with small XML errors is
            still read, as far as feedparser gets.
    """
    import feedparser  # here, not at start-up: importing it takes 0.02 s

    data = drop_nuls(read_whole(stream, name, config), config.encoding)
    # A charset given (--encoding) or found (UTF-16 without a BOM) is passed the way a
    # server would: it wins over the XML declaration (RFC 3023, as feedparser reads it).
    # A BOM feedparser reads itself (told "utf-16" too, it fails on the BOM).
    headers = {} if config.is_utf8 or bom_encoding(data) else {
        "content-type": f"application/xml; charset={config.encoding}"}
    try:
        parsed = feedparser.parse(io.BytesIO(data), sanitize_html=True,
                                  resolve_relative_uris=False, response_headers=headers)
    except Exception as exc:  # noqa: BLE001 - feedparser can crash on garbage (e.g. a
        # non-ASCII byte in the XML encoding declaration); that is bad input, not our bug.
        raise InputError(name, f"not a readable RSS or Atom feed ({type(exc).__name__}: "
                         f"{str(exc)[:120]})", "check the file, or pass --format for another "
                         "format") from None
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        why = f": {str(problem).strip()[:120]}" if problem else ""
        raise InputError(name, f"not an RSS or Atom feed{why}",
                         "check the file, or pass --format for another format")
    feed_title = _plain(parsed.feed.get("title"), parsed.feed.get("title_detail"))
    for number, entry in enumerate(parsed.entries, start=1):
        yield _entry_draft(entry, f"{name}:item {number}", feed_title)


def _entry_draft(entry: Mapping[str, Any], origin: str,
                 feed_title: str | None) -> Draft | InputError:
    try:
        return _entry(entry, origin, feed_title)
    except MarkupTooDeep as exc:
        return InputError(origin, exc.problem, _SKIP_HINT)


def _entry(entry: Mapping[str, Any], origin: str, feed_title: str | None) -> Draft | InputError:
    title = _plain(entry.get("title"), entry.get("title_detail"))
    text = ""
    for content in entry.get("content") or ():
        text = _plain(content.get("value"), content) or ""
        if text:
            break
    if not text:
        text = _plain(entry.get("summary"), entry.get("summary_detail")) or ""
    title, title_from = _title_or_text(title, text)
    if title is None:
        return InputError(origin, "no <title> and no text", _SKIP_HINT)
    source = entry.get("source")
    if not isinstance(source, Mapping):
        source = {}
    link = as_text(entry.get("link"))
    guid = as_text(entry.get("id"))
    published = _struct_time(_own(entry, "published_parsed") or _own(entry, "updated_parsed"))
    fields = {
        "title": title, "title_from": title_from, "text": text, "url": link,
        "source": as_text(source.get("title")) or feed_title,
        "published": as_text(_own(entry, "published") or _own(entry, "updated")),
        "guid": guid, "author": as_text(entry.get("author")),
    }
    return make_draft(
        origin, title=title, text=text, url=link, source=fields["source"], published=published,
        guid=guid, fields={k: v for k, v in fields.items() if v is not None})


def _title_or_text(title: str | None, text: str) -> tuple[str | None, str | None]:
    """The item's title, else one made from its text (and ``"text"`` to say so); None
    when it has neither."""
    if title and title.strip():
        return title, None
    made = headline_from_text(text)
    return (made, "text") if made else (None, None)


def _own(entry: Mapping[str, Any], key: str) -> Any:
    # Not entry.get: feedparser maps a missing "updated" to "published" with a warning.
    return dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)


def _plain(value: Any, detail: Any) -> str | None:
    """Text of a feed element; HTML (feedparser says which) is flattened."""
    text = as_text(value)
    if text is None:
        return None
    kind = detail.get("type", "") if isinstance(detail, Mapping) else ""
    return html_to_text(text) if "html" in kind else text.strip()


def _struct_time(value: Any) -> datetime | None:
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc)
    except (OverflowError, ValueError, OSError):
        return None


def is_jsonfeed(document: Any) -> bool:
    """True for a JSON Feed document (its ``version`` is a jsonfeed.org URL)."""
    return (isinstance(document, Mapping)
            and str(document.get("version", "")).startswith(_JSONFEED_VERSION))


def jsonfeed_drafts(document: Any, name: str,
                    config: ReaderConfig) -> Iterator[Draft | InputError]:
    """Every item of a JSON Feed document.

    Each item's fields are kept as they are, except that its ``id`` becomes ``guid``
    (the article id is derived, see the module docstring).

    Raises:
        InputError: If the document has no ``items`` array.
    """
    items = document.get("items") if isinstance(document, Mapping) else None
    if not isinstance(items, list):
        raise InputError(name, 'not a JSON Feed: no "items" array',
                         "check the file, or pass --format for another format")
    feed_title = as_text(document.get("title"))
    for number, item in enumerate(items, start=1):
        yield _jsonfeed_item(item, f"{name}:item {number}", feed_title)


def _jsonfeed_item(item: Any, origin: str, feed_title: str | None) -> Draft | InputError:
    try:
        return _jsonfeed_entry(item, origin, feed_title)
    except MarkupTooDeep as exc:
        return InputError(origin, exc.problem, _SKIP_HINT)


def _jsonfeed_entry(item: Any, origin: str, feed_title: str | None) -> Draft | InputError:
    if not isinstance(item, Mapping):
        return InputError(origin, "expected a JSON object as item", _SKIP_HINT)
    text = as_text(item.get("content_text"))
    if not text:
        html = as_text(item.get("content_html"))
        text = html_to_text(html) if html else as_text(item.get("summary")) or ""
    title, title_from = _title_or_text(as_text(item.get("title")), text)
    if title is None:
        return InputError(origin, 'no "title" and no text', _SKIP_HINT)
    published = parse_time(item.get("date_published") or item.get("date_modified"), origin,
                           "date_published")
    if isinstance(published, InputError):
        return published
    guid = as_text(item.get("id"))
    fields = {("guid" if key == "id" else key): value for key, value in item.items()}
    if title_from:
        fields = {"title": title, "title_from": title_from,
                  **{key: value for key, value in fields.items() if key != "title"}}
    return make_draft(
        origin, title=title, text=text,
        url=as_text(item.get("url")) or as_text(item.get("external_url")),
        source=feed_title, published=published, guid=guid, fields=fields)
