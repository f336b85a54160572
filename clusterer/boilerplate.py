"""Boilerplate learned from the dump itself: site chrome left out of fingerprints.

The rule (also in the README):

* A body *unit* (a line or sentence, normalised) is **chrome of a source** when it
  recurs in at least ``min_docs`` different articles of that source (the ``source``
  field, else the URL host), and most of the pages that carry it anywhere belong to
  sources where it recurs like this. Donation pitches, newsletter prompts, "Related
  posts" and "Latest news" sidebars repeat across one site's pages; the text of a
  syndicated story spreads across *different* sites, once each, so it is kept even
  where one site carries two versions of the story.
* A **short unit** (at most ``short_unit_words`` words, e.g. "Read more", "Show More",
  "1 min read") is chrome wherever it recurs in at least ``min_docs`` articles.
* A headline **affix** (a segment before or after `` | ``, `` - ``, `` :: ``, at most
  ``affix_words`` words, e.g. "| Reuters") is stripped when it recurs in at least
  ``min_docs`` headlines.

An exact copy on the same source counts once, so a story posted twice word for word is
never mistaken for chrome by sheer repetition. Chrome is left out of fingerprints only; the
output keeps every article's original text.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from clusterer.normalize import title_segments, title_tokens
from clusterer.records import Article
from clusterer.validation import check_range


@dataclass(frozen=True)
class BoilerplateConfig:
    """How recurring text is recognised as chrome.

    Args:
        min_docs: A unit recurring in this many articles (of one source; any source for
            short units and headline affixes) is chrome. At least 2.
        short_unit_words: Units of at most this many words are "short". 0 to 20.
        affix_words: Headline segments of at most this many words may be affixes. 0 to 10.
    """

    min_docs: int = 2
    short_unit_words: int = 4
    affix_words: int = 5

    def __post_init__(self) -> None:
        check_range("min_docs", self.min_docs, 2, 1_000_000)
        check_range("short_unit_words", self.short_unit_words, 0, 20)
        check_range("affix_words", self.affix_words, 0, 10)


def source_key(article: Article) -> str:
    """The key chrome is learned per: the source, else the URL host, else ``""``."""
    if article.source:
        return article.source.casefold().strip()
    if article.url:
        return urlsplit(article.url).netloc.casefold().removeprefix("www.")
    return ""


def _source_names(source: str) -> set[str]:
    """Headline forms of a source key: "the herald" for "The Herald", and for a host
    such as ``news.example.co.uk`` its name without the suffix ("news example", "example")."""
    if not source:
        return set()
    names = {" ".join(title_tokens(source))}
    if "." in source and " " not in source:
        labels = source.split(".")
        while len(labels) > 1 and (len(labels[-1]) <= 3 or labels[-1] in ("info", "news")):
            labels.pop()
        names.add(" ".join(labels))
        names.add(labels[-1])
    names.discard("")
    return names


def unit_key(unit: str) -> bytes:
    """A compact, process-independent key for a text (exact-copy detection)."""
    return hashlib.blake2b(unit.encode("utf-8"), digest_size=8).digest()


class BoilerplateModel:
    """Learns chrome units and headline affixes from a dump.

    Attributes (after :meth:`fit`):
        source_chrome_: Per source key, its chrome units (normalised).
        short_chrome_: Short units that are chrome everywhere.
        spread_chrome_: Source chrome also seen on other sources' pages: text of a story
            shown in a sidebar. It counts as content where it leads into content.
        affixes_: Normalised headline affixes that are stripped.
    """

    def __init__(self, config: BoilerplateConfig | None = None) -> None:
        self.config = config or BoilerplateConfig()
        self.source_chrome_: dict[str, frozenset[str]] = {}
        self.short_chrome_: frozenset[str] = frozenset()
        self.spread_chrome_: frozenset[str] = frozenset()
        self.affixes_: frozenset[str] = frozenset()

    def fit(self, docs: Iterable[tuple[str, Sequence[str], str]]) -> BoilerplateModel:
        """Learn chrome from ``(source_key, units, title)`` triples, one per article.

        Returns:
            self
        """
        cfg = self.config
        per_source: dict[str, Counter[str]] = defaultdict(Counter)
        pages: Counter[str] = Counter()
        short: Counter[str] = Counter()
        affixes: Counter[str] = Counter()
        seen_texts: set[tuple[str, bytes]] = set()
        for source, doc_units, title in docs:
            text_key = (source, unit_key("\n".join(doc_units)))
            if text_key in seen_texts:  # exact copies on one source count once
                continue
            seen_texts.add(text_key)
            distinct = set(doc_units)
            if source:
                per_source[source].update(distinct)
                pages.update(distinct)
            short.update(u for u in distinct if u.count(" ") < cfg.short_unit_words)
            affixes.update(set(self._affix_candidates(title)))
        recurring = {source: {u: n for u, n in counts.items() if n >= cfg.min_docs}
                     for source, counts in sorted(per_source.items())}
        # Pages carrying a unit on a source where it recurs, against all pages carrying it:
        # chrome recurs within sources, a syndicated story spreads across them.
        within: Counter[str] = Counter()
        for units in recurring.values():
            within.update(units)
        self.source_chrome_ = {}
        for source, units in recurring.items():
            chrome = frozenset(u for u in units if 2 * within[u] > pages[u])
            if chrome:
                self.source_chrome_[source] = chrome
        self.short_chrome_ = frozenset(k for k, n in short.items() if n >= cfg.min_docs)
        self.spread_chrome_ = frozenset(
            u for source, units in self.source_chrome_.items() for u in units
            if pages[u] > per_source[source][u])
        self.affixes_ = frozenset(a for a, n in affixes.items() if n >= cfg.min_docs)
        return self

    def content_units(self, source: str, doc_units: Sequence[str]) -> list[str]:
        """The units of one article that are not chrome.

        A site's "Latest news" sidebar may show the lead of a story the site also
        carries, which makes that lead chrome of the site. On the story's own page the
        lead is followed by the story, in the sidebar by more chrome: chrome also seen
        on other sources is kept where the unit after it is kept.
        """
        chrome = self.source_chrome_.get(source, frozenset())
        short, spread = self.short_chrome_, self.spread_chrome_
        kept: list[str] = []
        next_kept = False
        for unit in reversed(doc_units):
            if unit in short:
                keep = False
            elif unit in chrome:
                keep = next_kept and unit in spread
            else:
                keep = True
            if keep:
                kept.append(unit)
            next_kept = keep
        kept.reverse()
        return kept

    def title_tokens(self, title: str, source: str = "") -> list[str]:
        """Headline tokens without wire prefixes, learned affixes (site names) and an
        affix that names the article's own source (``source_key``: "Reuters" in
        "… | Reuters", "example" for a host such as ``example.com``)."""
        segments = title_segments(title)
        if len(segments) > 1:
            own = _source_names(source)
            if self._is_affix(segments[-1], own):
                segments = segments[:-1]
            if len(segments) > 1 and self._is_affix(segments[0], own):
                segments = segments[1:]
        return title_tokens(" - ".join(segments))

    def _is_affix(self, segment: str, own: set[str]) -> bool:
        key = " ".join(title_tokens(segment))
        return key in self.affixes_ or key in own

    def _affix_candidates(self, title: str) -> list[str]:
        segments = title_segments(title)
        if len(segments) < 2:
            return []
        ends = {segments[0], segments[-1]}
        out = []
        for segment in ends:
            words = title_tokens(segment)
            if 0 < len(words) <= self.config.affix_words:
                out.append(" ".join(words))
        return out
