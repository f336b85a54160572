"""From raw fields to an :class:`~clusterer.records.Article`: ids, URLs, dates, text.

Shared by every reader. Functions return an :class:`~clusterer.errors.InputError`
for a bad record instead of raising it, so that a reader can go on to the next record
when bad records are skipped.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from clusterer.errors import InputError
from clusterer.readers.config import ReaderConfig
from clusterer.readers.titles import has_separator, site_words, strip_site_affix
from clusterer.readers.urls import canonical_url, url_host
from clusterer.records import Article

if TYPE_CHECKING:
    import lxml.html

# lxml and email.utils are imported where used (HTML fragments, RFC 2822 dates): a dump of
# JSON records with ISO dates never needs them, and every run would pay for their import.

TIME_HINT = "use ISO 8601, e.g. 2024-10-16T22:00:00Z"
_DEFAULTS = ReaderConfig()
_BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "pre", "tr", "table", "section", "article", "header", "footer", "figure", "figcaption",
    "dd", "dt",
})
_BLANK_LINES = re.compile(r"\n\s*\n\s*")
_SPACES = re.compile(r"[ \t\r\f\v\xa0]+")


class Draft(NamedTuple):
    """An article before its id is made unique across all inputs.

    Attributes:
        article: The article; its id is the input's own or a derived one.
        derived: True when the id was derived (a collision is then disambiguated
            instead of being reported as a duplicate id).
    """

    article: Article
    derived: bool


@dataclass(frozen=True)
class FieldNames:
    """The record fields to read, after the news-please profile is applied."""

    id: str
    title: str
    text: str
    url: str
    source: str
    published: str
    title_fallbacks: tuple[str, ...] = ()
    text_fallbacks: tuple[str, ...] = ()


def field_names(config: ReaderConfig, record: Mapping[str, Any]) -> FieldNames:
    """The configured field names, or news-please's where the record is news-please.

    A record is news-please's when ``--format news-please`` is given, or (auto) when it
    has ``maintext`` and not the configured text field. Options the user changed from
    their defaults still win.
    """
    names = FieldNames(config.id_field, config.title_field, config.text_field,
                       config.url_field, config.source_field, config.published_field)
    newsplease = config.format == "news-please" or (
        config.format == "auto" and "maintext" in record and config.text_field not in record)
    if not newsplease:
        return names

    def pick(name: str, theirs: str) -> str:
        ours = getattr(config, f"{name}_field")
        return theirs if ours == getattr(_DEFAULTS, f"{name}_field") else ours

    return FieldNames(
        id=names.id, title=names.title,
        text=pick("text", "maintext"), url=names.url,
        source=pick("source", "source_domain"), published=pick("published", "date_publish"),
        title_fallbacks=("title_page", "title_rss"), text_fallbacks=("description",),
    )


def record_draft(record: Any, origin: str, config: ReaderConfig) -> Draft | InputError:
    """An article from one JSON/CSV record, or the error that makes it unreadable."""
    if not isinstance(record, Mapping):
        return InputError(origin, f"expected a JSON object, got {_kind(record)}",
                          "put one article object per line or per array element")
    names = field_names(config, record)
    title_value = _first_present(record, (names.title, *names.title_fallbacks))
    if title_value is None:
        return InputError(origin, f'missing field "{names.title}"',
                          "pass --title-field to choose another field")
    title = as_text(title_value)
    if title is None:
        return InputError(origin, f'field "{names.title}" must be a string, got '
                          f"{_kind(title_value)}", "pass --title-field to choose another field")
    text_value = _first_present(record, (names.text, *names.text_fallbacks))
    text = as_text(text_value) if text_value is not None else ""
    if text is None:
        return InputError(origin, f'field "{names.text}" must be a string, got '
                          f"{_kind(text_value)}", "pass --text-field to choose another field")
    id_value = record.get(names.id)
    explicit_id = as_text(id_value) if id_value is not None else None
    if id_value is not None and explicit_id is None:
        return InputError(origin, f'field "{names.id}" must be a string or a number, got '
                          f"{_kind(id_value)}", "pass --id-field to choose another field")
    published = parse_time(record.get(names.published), origin, names.published)
    if isinstance(published, InputError):
        return published
    raw_url = as_text(record.get(names.url))
    source = _source_name(record.get(names.source))
    return make_draft(
        origin, title=title, text=text, url=raw_url, source=source, published=published,
        guid=as_text(record.get("guid")), fields=dict(record),
        # An id that is empty or only whitespace is no id: one is derived.
        explicit_id=explicit_id if explicit_id and explicit_id.strip() else None)


def make_draft(origin: str, *, title: str, text: str, url: str | None, source: str | None,
               published: datetime | None, guid: str | None, fields: Mapping[str, Any],
               explicit_id: str | None = None) -> Draft | InputError:
    """The article, with canonical URL, source fallback and id (explicit or derived).

    Its ``title`` is the headline without an affix naming the site
    (:func:`~.titles.strip_site_affix`); ``fields`` keep the title as it was. A derived
    id is made from the title as it was, so that it does not change with the affix rules.
    """
    if not title.strip() and not text.strip():
        return InputError(origin, "empty article: no title and no text",
                          "remove the record or fill in its title")
    canonical = canonical_url(url) if url else None
    cut = has_separator(title)
    host = url_host(canonical) if cut or not source else None
    headline = strip_site_affix(title, site_words((source, host))) if cut else title
    article = Article(
        id=explicit_id or derived_id(canonical, guid, title, text),
        title=headline, text=text, url=canonical,
        source=source or host, published=published, guid=guid or None,
        fields=fields, origin=origin,
    )
    return Draft(article, derived=explicit_id is None)


def as_text(value: Any) -> str | None:
    """A string or number as text; anything else (None, bool, list, dict) is None."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _first_present(record: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        if record.get(name) is not None:
            return record[name]
    return None


def _source_name(value: Any) -> str | None:
    # NewsAPI-style {"id": …, "name": …} sources are common enough to accept.
    if isinstance(value, Mapping):
        value = value.get("name") or value.get("title")
    text = as_text(value)
    return text.strip() or None if text else None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "an array", bool: "a boolean", str: "a string",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def derived_id(url: str | None, guid: str | None, title: str, text: str) -> str:
    """A stable id from the canonical URL, else the GUID, else headline and body."""
    basis = url or guid or f"{title}\n{text}"
    return "h" + hashlib.blake2b(basis.encode("utf-8", "surrogatepass"),
                                 digest_size=8).hexdigest()


def disambiguated_id(article: Article, taken: Mapping[str, object]) -> str:
    """A free id for a derived id that is taken: the base plus a hash of the fields.

    The suffix depends on the record, not on its position; only records whose
    fields are identical too get a counter (``-2``, ``-3``, …) after it.
    """
    return free_id(id_base(article), taken)


def id_base(article: Article) -> str:
    """The id a taken derived id becomes: the id plus a hash of the record's fields."""
    try:
        dump = orjson.dumps(article.fields, option=orjson.OPT_SORT_KEYS, default=str)
    except (TypeError, orjson.JSONEncodeError):
        dump = repr(sorted(article.fields.items(), key=repr)).encode("utf-8", "surrogatepass")
    return f"{article.id}-{hashlib.blake2b(dump, digest_size=4).hexdigest()}"


def free_id(base: str, taken: Mapping[str, object]) -> str:
    """``base``, or ``base-2``, ``base-3`` … : the first not ``taken``."""
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


_RFC2822_YEAR = re.compile(r"\b\d{1,2}\s+[A-Za-z]{3}\s+(\d+)\b")


def parse_time(value: Any, origin: str, name: str) -> datetime | None | InputError:
    """An ISO 8601 (or RFC 2822) time as an aware UTC datetime; naive means UTC."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        return InputError(origin, f'field "{name}" is not a date string', TIME_HINT)
    text = value.strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "zZ" else text)
    except ValueError:
        try:
            from email.utils import parsedate_to_datetime

            parsed = parsedate_to_datetime(text)  # RSS-style dates in record fields
            year = _RFC2822_YEAR.search(text)
            if year is not None and len(year.group(1)) > 2:
                # email.utils reads years below 100 as 19xx/20xx, a written "0001" too.
                parsed = parsed.replace(year=int(year.group(1)))
        except (TypeError, ValueError, IndexError, OverflowError):
            return InputError(origin, f'field "{name}": not an ISO 8601 date: {value[:40]!r}',
                              TIME_HINT)
    try:
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=timezone.utc)
        return parsed.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return InputError(origin, f'field "{name}": date out of range: {value[:40]!r}',
                          TIME_HINT)


class MarkupTooDeep(ValueError):
    """HTML nested deeper than libxml2 parses: the text inside would be lost silently."""

    problem = "HTML nested deeper than 256 elements: its text cannot be read"


def too_deep_markup(parser: lxml.html.HTMLParser) -> bool:
    """Whether libxml2 dropped the inside of a document for its depth."""
    return any("Excessive depth" in entry.message for entry in parser.error_log)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment (a feed summary), one paragraph per block.

    trafilatura is meant for whole pages and drops short fragments, so feed content
    is flattened here with lxml, keeping paragraph breaks.

    Raises:
        MarkupTooDeep: If the fragment is nested too deeply to be read.
    """
    if "<" not in markup and "&" not in markup:
        return markup.strip()
    import lxml.etree
    import lxml.html

    parser = lxml.html.HTMLParser()
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div", parser=parser)
    except (ValueError, lxml.etree.ParserError):
        return markup.strip()
    if too_deep_markup(parser):
        raise MarkupTooDeep(MarkupTooDeep.problem)
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCK_TAGS:
            element.tail = "\n\n" + (element.tail or "")
    text = _SPACES.sub(" ", root.text_content())
    return _BLANK_LINES.sub("\n\n", text).strip()
