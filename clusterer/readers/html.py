"""Saved HTML article pages: main text via trafilatura, title and metadata from the page.

One page is one article, loaded whole. Its id is derived like a feed item's (from the
canonical URL the page declares, else its text), not taken from the file name: saved
pages are often named ``index.html`` or after the very ids another input uses.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import IO, Any

import lxml.etree
import lxml.html

from clusterer.errors import InputError
from clusterer.readers.config import ReaderConfig
from clusterer.readers.encodings import drop_nuls
from clusterer.readers.fields import Draft, MarkupTooDeep, make_draft, parse_time, too_deep_markup
from clusterer.readers.sources import read_whole
from clusterer.readers.titles import choose_page_title, site_words
from clusterer.readers.urls import canonical_url, url_host

# trafilatura logs "empty HTML tree" and the like at ERROR for pages it cannot use; the
# reader reports those itself, so keep them off stderr unless the app configures logging.
for _name in ("trafilatura", "htmldate", "courlan"):  # courlan comes with trafilatura
    logging.getLogger(_name).addHandler(logging.NullHandler())

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# htmldate finds the publication time; ask for it with the time of day, not just the date.
_DATE_PARAMS = {"extensive_search": False, "original_date": True,
                "outputformat": "%Y-%m-%dT%H:%M:%S%z"}


def read_html(stream: IO[bytes], name: str, config: ReaderConfig) -> Iterator[Draft | InputError]:
    """The article of one saved page."""
    origin = f"{name}:1"
    try:
        data = read_whole(stream, origin, config)
    except InputError as exc:  # one page is one record: skipped like one with --skip-bad
        yield exc
        return
    page = _decoded(data, config)
    root, deep = _parse(page)
    if deep:
        yield InputError(origin, MarkupTooDeep.problem, "pass --skip-bad to skip such pages")
        return
    document = _extract(page)
    url = document.get("url") or None
    source = document.get("sitename") or _first(root, "//meta[@property='og:site_name']/@content")
    title = (choose_page_title([*_title_candidates(root), document.get("title")],
                               site_words((source, url_host(canonical_url(url) if url else None))))
             or "").strip()
    text = (document.get("text") or "").strip()
    first, _, rest = text.partition("\n")
    if title and first.strip() == title:
        text = rest.strip()  # trafilatura keeps the <h1> headline as the first line
    if not title:
        yield InputError(origin, "no title found (<title>, og:title or <h1>)",
                         "check that the file is an article page, or pass --skip-bad")
        return
    raw_date = _meta_time(root) or document.get("date")
    published = parse_time(raw_date, origin, "date")
    if isinstance(published, InputError):
        published = None  # a page's or htmldate's guess, not the user's data: never an error
    fields = {"title": title, "text": text, "url": url, "source": source or None,
              "published": raw_date or None,
              "author": document.get("author") or None}
    yield make_draft(origin, title=title, text=text, url=url, source=fields["source"],
                     published=published, guid=None,
                     fields={k: v for k, v in fields.items() if v is not None})


def _decoded(data: bytes, config: ReaderConfig) -> bytes | str:
    """The page as text when it is UTF-8 or its encoding is given or was found (UTF-16
    without a BOM), else as bytes for trafilatura and lxml to decode by its ``<meta
    charset>`` (lxml alone takes a page that declares none for Latin-1); stray NUL bytes
    dropped either way."""
    data = drop_nuls(data, config.encoding)
    try:
        text = data.decode("utf-8-sig") if config.is_utf8 else data.decode(
            config.encoding, errors="replace").lstrip("\ufeff")
    except UnicodeDecodeError:
        return data
    # lxml refuses text that declares an encoding; the declaration is moot once decoded.
    return _XML_DECLARATION.sub("", text, count=1)


def _extract(data: bytes | str) -> dict[str, Any]:
    import trafilatura  # here, not at start-up: importing it takes 0.1 s

    try:
        document = trafilatura.bare_extraction(
            data, with_metadata=True, include_comments=False, include_tables=True,
            date_extraction_params=_DATE_PARAMS)
    except Exception:  # noqa: BLE001 - a parser crash on a broken page is bad input:
        return {}  # the page then has no text, and no title unless lxml finds one
    if document is None:
        return {}
    return document.as_dict() if hasattr(document, "as_dict") else dict(document)


def _meta_time(root: Any) -> str | None:
    # htmldate often finds only the day; the article meta tag has the time too.
    if root is None:
        return None
    for path in ("//meta[@property='article:published_time']/@content",
                 "//meta[@itemprop='datePublished']/@content"):
        found = [str(v).strip() for v in root.xpath(path) if str(v).strip()]
        if found:
            return found[0]
    return None


def _parse(data: bytes | str) -> tuple[Any, bool]:
    """The page's tree (None when it cannot be parsed), and whether it is too deep."""
    parser = lxml.html.HTMLParser()
    try:
        return lxml.html.document_fromstring(data, parser=parser), too_deep_markup(parser)
    except (ValueError, lxml.etree.LxmlError):
        return None, False


def _title_candidates(root: Any) -> list[str | None]:
    """``og:title``, the first two ``<h1>`` and ``<title>``, in that order (see
    :func:`~.titles.choose_page_title`)."""
    if root is None:
        return []
    headings = [" ".join(h.text_content().split()) for h in root.xpath("//h1")[:2]]
    return [_first(root, "//meta[@property='og:title']/@content"), *headings,
            _first(root, "//title/text()")]


def _first(root: Any, path: str) -> str | None:
    if root is None:
        return None
    found = (str(v).strip() for v in root.xpath(path))
    return next((v for v in found if v), None)
