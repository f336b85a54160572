"""Headlines as readers find them: made from the text, cut of site names, chosen on a page.

* A feed item without a title (RSS 2.0 allows an item with only a description) gets
  the first sentence of its text, cut on a word boundary (:func:`headline_from_text`).
* Publishers append or prepend their name to headlines (``… | DW | 19.01.2020``,
  ``… - CNET.de``, ``SPIEGEL ONLINE - …``); :func:`strip_site_affix` removes such an
  affix when it names the site (the source or the URL's host), so that copies of one
  story on two sites have the same headline.
* A saved page offers ``<h1>``, ``og:title`` and ``<title>``; :func:`choose_page_title`
  takes the first that looks like a headline (not a URL slug, not the site name).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence

MAX_HEADLINE = 120  # characters of a headline made from text (a long headline's length)

# A sentence ends at . ! ? (or …) followed by space, unless the word before is a single
# letter or a common abbreviation ("U.S.", "Dr.", "z.B."): then the cut would be early.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s|$)")
_ABBREVIATION = re.compile(r"(?:\b\w|\b(?:Dr|Mr|Mrs|Ms|Prof|St|Jr|Sr|Nr|No|Vol|vs|ca|bzw|"
                           r"etc|Inc|Ltd|Co|Corp|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|"
                           r"Nov|Dec|z\.B|u\.a|d\.h|Str))\.$")
_SPACE = re.compile(r"\s+")


def headline_from_text(text: str, limit: int = MAX_HEADLINE) -> str:
    """The first sentence of ``text``, at most ``limit`` characters, cut on a word
    boundary (with ``…``) when longer; ``""`` for a text without words.

    >>> headline_from_text("Storm hits coast. Thousands without power.")
    'Storm hits coast.'
    """
    first = next((p for p in text.split("\n") if p.strip()), "")
    first = _SPACE.sub(" ", first).strip()
    if not first:
        return ""
    for match in _SENTENCE_END.finditer(first):
        before = first[: match.start() + 1]
        if match.group()[0] == "." and _ABBREVIATION.search(before):
            continue
        if len(before.split()) >= 2:  # "1." or "Update:" alone is no headline
            first = first[: match.end()]
            break
    if len(first) <= limit:
        return first
    cut = first[: limit].rsplit(" ", 1)[0].rstrip(" ,;:-–—")
    if len(cut) < limit // 2 or len(cut) >= limit:  # a very long word: cut inside it
        cut = first[: limit - 1]
    return cut + "…"


# Separators publishers put between a headline and their name (a plain "-" needs spaces
# around it: "Covid-19" is one word).
_AFFIX_SEPARATORS = r"(?:\s+[|–—-]\s+|\s*[|»«·•]\s*|\s+::\s+)"
_SEPARATOR_SPLIT = re.compile(_AFFIX_SEPARATORS)


def has_separator(title: str) -> bool:
    """True when ``title`` may have a site affix (it holds a separator)."""
    # Substring tests first (in C, 1 µs): the regex costs 10 µs on a headline, and most
    # headlines have no separator. A dash needs whitespace around it.
    return ("|" in title or "»" in title or "«" in title or "·" in title or "•" in title
            or "-" in title or "–" in title or "—" in title or "::" in title) and bool(
        _SEPARATOR_SPLIT.search(title))
_DATE_PART = re.compile(r"^[\d.\s/:-]+$|^\d{1,2}\.?\s+\w+\.?\s+\d{4}$")
_WORD = re.compile(r"\w+")


def site_words(names: Iterable[str | None]) -> set[str]:
    """The words naming a site: of its source name and its host (``www.`` and the
    top-level domain dropped: ``www.cnet.de`` gives ``cnet``), lowercased."""
    words: set[str] = set()
    for name in names:
        if name:
            words.update(_name_words(name))
    return words


@functools.lru_cache(maxsize=4096)  # a dump has few sites and many articles from each
def _name_words(name: str) -> frozenset[str]:
    lowered = _fold(name)
    if "." in lowered and " " not in lowered.strip():  # a host name
        parts = [p for p in lowered.split(".") if p not in ("www", "m", "amp", "")]
        lowered = " ".join(parts[:-1] or parts)
    return frozenset(_WORD.findall(lowered))


def strip_site_affix(title: str, site: set[str]) -> str:
    """``title`` without the leading or trailing parts that name the site (and dates
    beside them): ``Heavy rain | DW | 19.01.2020`` gives ``Heavy rain`` when the site
    is ``dw.com``. A part names the site when its words are site words (``CNET.de``,
    ``SPIEGEL ONLINE`` for ``spiegel.de`` needs ``spiegel`` and a short part). The
    title is kept whole when nothing would be left of it, or no site is known."""
    if not site or not has_separator(title):
        return title
    parts = _SEPARATOR_SPLIT.split(title)
    if len(parts) < 2:
        return title
    start, end = 0, len(parts)
    while end - start > 1 and (_is_date(parts[end - 1]) or _names_site(parts[end - 1], site)):
        end -= 1
    while end - start > 1 and (_is_date(parts[start]) or _names_site(parts[start], site)):
        start += 1
    if (start, end) == (0, len(parts)):
        return title
    if not any(_names_site(p, site) for p in parts[:start] + parts[end:]):
        return title  # only dates around it: they may be part of the headline
    kept = _join_between(title, parts, start, end)
    return kept if len(kept.split()) >= 2 else title


def _join_between(title: str, parts: Sequence[str], start: int, end: int) -> str:
    """The title's own text from ``parts[start]`` to ``parts[end - 1]`` (inner separators
    kept as written)."""
    position = 0
    spans = []
    for part in parts:
        found = title.index(part, position)
        spans.append((found, found + len(part)))
        position = found + len(part)
    return title[spans[start][0]: spans[end - 1][1]].strip()


def _is_date(part: str) -> bool:
    return bool(_DATE_PART.match(part.strip())) and any(c.isdigit() for c in part)


def _names_site(part: str, site: set[str]) -> bool:
    words = _WORD.findall(_fold(part))
    if not words or len(words) > 4:
        return False
    # "CNET.de": the host's own words; "SPIEGEL ONLINE": a site word and a generic one.
    named = [w for w in words if w in site and w not in _SITE_GENERIC]
    generic = [w for w in words if w in _SITE_GENERIC]
    return bool(named) and len(named) + len(generic) == len(words)


_SITE_GENERIC = frozenset({
    "online", "news", "de", "com", "net", "org", "uk", "at", "ch", "the", "co", "www",
    "nachrichten", "aktuell", "magazin", "zeitung", "tv", "live", "media",
})


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


_SLUG = re.compile(r"^[\w]+(?:[-_][\w]+){2,}(?:\.\w{2,5})?$")


def looks_like_slug(title: str) -> bool:
    """True for a URL slug (``adac-kindersitztest-herbst-2018``): words joined by
    hyphens or underscores, no spaces."""
    return " " not in title.strip() and bool(_SLUG.match(title.strip()))


def choose_page_title(candidates: Sequence[str | None], site: set[str]) -> str | None:
    """The first candidate (``<h1>``, ``og:title``, ``<title>`` in that order) that looks
    like a headline: not a slug, not only the site's name, three words or more once a site
    affix is cut; else the one with most such words (the first of equals); None when
    there is none."""
    usable = [c.strip() for c in candidates if c and c.strip()]
    usable = [c for c in usable if not looks_like_slug(c)] or usable
    for candidate in usable:
        cleaned = strip_site_affix(candidate, site)
        if len(cleaned.split()) >= 3 and not _names_site(cleaned, site):
            return candidate
    if not usable:
        return None
    return max(usable, key=lambda c: (len(strip_site_affix(c, site).split()), -usable.index(c)))
