"""Boilerplate learned from the dump itself: site chrome left out of fingerprints.

The rule (also in the README):

* A body *unit* (a line or sentence, normalised) is **chrome of a source** when it
  recurs in at least ``min_docs`` different articles of that source (the ``source``
  field, else the URL host), and most of the pages that carry it anywhere belong to
  sources where it recurs like this. Donation pitches, newsletter prompts, "Related
  posts" and "Latest news" sidebars repeat across one site's pages; the text of a
  syndicated story spreads across *different* sites, once each, so it is kept even
  where one site carries two versions of the story. Chrome also *stands* like chrome:
  on most of the source's pages that carry it (and on at least ``min_docs``), it sits
  beside the same neighbour (the same unit before or after it, or the page's start or
  end), unless it is on half of the source's pages anyway. A sentence that a site reuses
  across its own distinct stories (background paragraphs, UPDATE 1/2/3 of other wire
  stories) stands amid different text each time and stays content, so an article does
  not lose its body to sentences it merely shares with a few other pages of its site.
* A **short unit** (at most ``short_unit_words`` words, e.g. "Read more", "Show More",
  "1 min read") is chrome wherever it recurs in at least ``min_docs`` articles.
* A headline **affix** (a segment before or after `` | ``, `` - ``, `` :: ``, at most
  ``affix_words`` words, e.g. "| Reuters") is stripped when it recurs in at least
  ``min_docs`` headlines, or when it is the name of a source of the dump (a copy
  republished with the first publisher's name in its headline).

An exact copy on the same source counts once, so a story posted twice word for word is
never mistaken for chrome by sheer repetition. Chrome is left out of fingerprints only; the
output keeps every article's original text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from clusterer.chrome_counts import (
    START,
    ChromeCounts,
    count_chunk,
    first_copies,
    text_digests,
)
from clusterer.chrome_places import grouped, lookup, most_placed, pair_keys, unit_totals, usual_before
from clusterer.hashing import hash_units, unit_hashes
from clusterer.normalize import title_segments, title_tokens
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


@lru_cache(maxsize=4096)
def _source_names(source: str) -> frozenset[str]:
    """Headline forms of a source key: "the herald" for "The Herald", and for a host
    such as ``news.example.co.uk`` its name without the suffix ("news example", "example").
    Cached: a dump has far fewer sources than headlines."""
    if not source:
        return frozenset()
    names = {" ".join(title_tokens(source))}
    if "." in source and " " not in source:
        labels = source.split(".")
        while len(labels) > 1 and (len(labels[-1]) <= 3 or labels[-1] in ("info", "news")):
            labels.pop()
        names.add(" ".join(labels))
        names.add(labels[-1])
    names.discard("")
    return frozenset(names)


def unit_key(unit: str) -> bytes:
    """A compact, process-independent key for a text (exact-copy detection)."""
    return hashlib.blake2b(unit.encode("utf-8"), digest_size=8).digest()


class BoilerplateModel:
    """Learns chrome units and headline affixes from a dump.

    Attributes (after :meth:`fit`):
        source_chrome_: Per source key, the hashes of its chrome units (units are
            normalised, then hashed by :func:`clusterer.hashing.unit_hashes`).
        short_chrome_: Hashes of short units that are chrome everywhere.
        spread_chrome_: Hashes of source chrome also seen on other sources' pages: text
            of a story shown in a sidebar. It counts as content where it leads into content
            or does not stand in its usual place.
        usual_before_: Per ``(source key, unit hash)`` of spread chrome or of a short
            unit, the units that usually come before it on that source's pages
            (``_START`` at the page start).
        affixes_: Normalised headline affixes that are stripped.
        common_shingles_: Sorted body shingles that many pages of the dump carry
            (:func:`clusterer.alignment.common_shingles`), left out where the inside
            rule looks for a story's opening in a page; set by
            :func:`clusterer.dedup.match_dump`, or on a state by
            :func:`clusterer.staleness.learn_common` (from page counts the state keeps, not in
            the model's JSON); empty otherwise.
    """

    def __init__(self, config: BoilerplateConfig | None = None) -> None:
        self.config = config or BoilerplateConfig()
        self.source_chrome_: dict[str, frozenset[int]] = {}
        self.short_chrome_: frozenset[int] = frozenset()
        self.spread_chrome_: frozenset[int] = frozenset()
        self.usual_before_: dict[tuple[str, int], frozenset[int]] = {}
        self.affixes_: frozenset[str] = frozenset()
        self.common_shingles_: np.ndarray = np.zeros(0, dtype=np.uint32)

    def fit(self, docs: Iterable[tuple[str, Sequence[str], str]]) -> BoilerplateModel:
        """Learn chrome from ``(source_key, units, title)`` triples, one per article.

        Returns:
            self
        """
        sources: list[str] = []
        counts: list[int] = []
        titles: list[str] = []
        joined: list[str] = []
        for source, doc_units, title in docs:
            sources.append(source)
            counts.append(len(doc_units))
            titles.append(title)
            joined.extend(doc_units)
        hashed = hash_units("\n".join(joined))
        return self.fit_hashed(sources, np.asarray(counts, dtype=np.int64), hashed.unit_hashes,
                               hashed.unit_tokens, titles)

    def fit_hashed(self, sources: Sequence[str], unit_counts: np.ndarray, hashes: np.ndarray,
                   words: np.ndarray, titles: Sequence[str],
                   affixes: Sequence[Sequence[str]] | None = None) -> BoilerplateModel:
        """:meth:`fit` from units already hashed (:func:`clusterer.hashing.hash_units`),
        counted in numpy.

        Args:
            sources: Source key of each article.
            unit_counts: Units of each article.
            hashes: Hash of every unit, the articles' units one after another.
            words: Words of every unit, same order.
            titles: Headline of each article (unused with ``affixes``).
            affixes: Each headline's :meth:`affix_candidates`, if known (a state keeps
                them instead of the headlines).

        Returns:
            self
        """
        counted = first_copies(sources, text_digests(unit_counts, hashes))
        if affixes is None:  # headlines of the counted articles only: copies count once
            affixes = [self.affix_candidates(titles[k]) if counted[k] else []
                       for k in range(len(sources))]
        return self.from_counts(count_chunk(
            sources, unit_counts, hashes, words, affixes, counted,
            self.config.short_unit_words, self.config.affix_words))

    def from_counts(self, counts: ChromeCounts, part: bool = False) -> BoilerplateModel:
        """Learn chrome from counts taken over the dump (:mod:`clusterer.chrome_counts`):
        the same model as :meth:`fit_hashed` on the counted articles. With ``part``, the
        counts are one of :meth:`ChromeCounts.buckets`, and the models of all buckets
        are joined by :meth:`joined`.

        Returns:
            self
        """
        cfg = self.config
        if (counts.short_unit_words, counts.affix_words) != (cfg.short_unit_words,
                                                             cfg.affix_words):
            raise ValueError("chrome counts were taken with short_unit_words="
                             f"{counts.short_unit_words}, affix_words={counts.affix_words}; "
                             "count again with this model's config")
        names = counts.names
        short_units, short_docs = counts.short
        short = short_units[short_docs >= cfg.min_docs]
        self.short_chrome_ = frozenset(short.tolist())

        # Per (source, unit): articles of that source carrying it; per unit: all pages
        # of any source carrying it.
        source, unit, per_source = counts.carried
        paged, pages = unit_totals(unit, per_source)
        recurring = per_source >= cfg.min_docs
        source, unit, per_source = source[recurring], unit[recurring], per_source[recurring]
        # Pages carrying a unit on a source where it recurs, against all pages carrying it:
        # chrome recurs within sources, a syndicated story spreads across them.
        recurs, where = np.unique(unit, return_inverse=True)
        within = np.bincount(where, weights=per_source, minlength=len(recurs))[where]
        all_pages = pages[np.searchsorted(paged, unit)]
        # Chrome recurs where chrome stands: on most pages carrying it, beside the same
        # unit or page edge; or it is on half the source's pages. A sentence a site
        # reuses across its own distinct stories recurs amid different text.
        site_pages = counts.site_pages[source]
        placed = lookup(*most_placed(counts), pair_keys(source, unit))
        placed = (placed >= cfg.min_docs) & (2 * placed >= per_source)
        half_site = 2 * per_source >= site_pages
        # A unit standing in place on half a source's pages (more than min_docs of them)
        # is that source's chrome however many other sites carry it: a "Latest news" box
        # showing the lead of a story that every other site syndicated once.
        sitewide = placed & half_site & (per_source > cfg.min_docs)
        chrome = ((2 * within > all_pages) & (placed | half_site)) | sitewide
        self.source_chrome_ = {}
        for number_, hashed in grouped(source[chrome], unit[chrome]):
            self.source_chrome_[names[number_ - 1]] = frozenset(hashed)
        spread = chrome & (all_pages > per_source)
        self.spread_chrome_ = frozenset(unit[spread].tolist())
        # Pages without a source (number 0) have no chrome of their own to place. Every
        # chrome unit's usual places: a story's lead that only its own site's sidebar
        # shows (not spread) is told by its place too (content_mask).
        self.usual_before_ = {
            (names[number_ - 1], hashed): before for (number_, hashed), before in
            usual_before(counts, pair_keys(source[chrome], unit[chrome]), short, part).items()
            if number_}
        # A headline carrying the name of a site of the dump ("… - Site H News" republished
        # elsewhere with the first publisher's name) ends in an affix, however rare.
        named = {name for source in names for name in _source_names(source)
                 if len(name.split()) <= cfg.affix_words}
        self.affixes_ = frozenset(a for a, n in counts.affixes if n >= cfg.min_docs) | named
        return self

    def joined(self, parts: Sequence[BoilerplateModel]) -> BoilerplateModel:
        """The model of the whole dump from the models learned on each of the
        :meth:`ChromeCounts.buckets` of its counts (``from_counts(bucket, part=True)``).

        Returns:
            self
        """
        chrome: dict[str, set[int]] = {}
        before: dict[tuple[str, int], frozenset[int]] = {}
        for model in parts:
            for source, units in model.source_chrome_.items():
                chrome.setdefault(source, set()).update(units)
            before.update(model.usual_before_)  # keys: units of one bucket each
        self.source_chrome_ = {s: frozenset(chrome[s]) for s in sorted(chrome)}
        self.short_chrome_ = frozenset().union(*(m.short_chrome_ for m in parts))
        self.spread_chrome_ = frozenset().union(*(m.spread_chrome_ for m in parts))
        # Without chrome anywhere, nothing asks for usual places (as fit_hashed).
        self.usual_before_ = dict(sorted(before.items())) if chrome else {}
        self.affixes_ = parts[0].affixes_ if parts else frozenset()  # the same in each
        return self

    def content_units(self, source: str, doc_units: Sequence[str]) -> list[str]:
        """The units of one article that are not chrome (see :meth:`content_mask`)."""
        mask = self.content_mask(source, unit_hashes(doc_units))
        return [u for u, keep in zip(doc_units, mask) if keep]

    def content_mask(self, source: str, hashes: Sequence[int]) -> list[bool]:
        """Which units of one article (by :func:`clusterer.hashing.hash_units` hash) are
        not chrome.

        A site's "Latest news" sidebar may show the lead of a story the site also
        carries, which makes that lead chrome of the site. On the story's own page the
        lead is followed by the story, in the sidebar by more chrome: chrome also seen
        on other sources is kept where the unit after it is kept. An abridged copy may
        be no more than the lead the sidebar shows, followed by chrome; but it does not
        stand where the sidebar's lead stands: such chrome is also kept where the unit
        before it is not the one that usually comes before it on the source's pages.
        """
        chrome = self.source_chrome_.get(source, frozenset())
        short, spread, usual = self.short_chrome_, self.spread_chrome_, self.usual_before_
        if short.isdisjoint(hashes) and chrome.isdisjoint(hashes):
            # No chrome unit at all (most articles of a site without chrome): every unit
            # is kept, as the loops below keep them, in two C loops instead.
            return [True] * len(hashes)
        mask: list[bool] = []
        next_kept = False
        for unit in reversed(hashes):
            if unit in short:
                keep = False
            elif unit in chrome:
                keep = next_kept and unit in spread
            else:
                keep = True
            mask.append(keep)
            next_kept = keep
        mask.reverse()
        # A run of sidebar text that starts out of its usual place is kept whole. Short
        # units stay out; one inside the run ("Mt." of "Mt. Gox") does not end it where
        # it follows the unit it usually follows, as a "Latest news" heading does not.
        moved = False
        for at, unit in enumerate(hashes):
            before = int(hashes[at - 1]) if at else int(_START)
            if unit in short:
                moved = moved and before in usual.get((source, int(unit)), ())
                continue
            if mask[at] or unit not in chrome or unit not in spread:
                moved = False
                continue
            moved = moved or before not in usual.get((source, int(unit)), ())
            mask[at] = moved
        return _lead_in(mask, hashes, source, chrome, short, usual)

    def title_tokens(self, title: str, source: str = "") -> list[str]:
        """Headline tokens without wire prefixes, learned affixes (site names) and an
        affix that names the article's own source (``source_key``: "Reuters" in
        "… | Reuters", "example" for a host such as ``example.com``)."""
        segments = title_segments(title)
        if len(segments) > 1:
            own = _source_names(source)
            # Affixes pile up: "… - Images Gallery | Site A News" ends in two.
            while len(segments) > 1 and self._is_affix(segments[-1], own):
                segments = segments[:-1]
            while len(segments) > 1 and self._is_affix(segments[0], own):
                segments = segments[1:]
        return title_tokens(" - ".join(segments))

    def generic_title(self, title: str, source: str = "") -> bool:
        """Whether a headline is not a story's headline but page chrome: without its
        affixes (:meth:`title_tokens`) it is a short unit that is chrome everywhere
        ("News Feed", "Home", "Latest News": scraped from the page's navigation) or the
        name of the article's own source alone."""
        words = self.title_tokens(title, source)
        if not words:
            return False
        key = " ".join(words)
        return (len(words) <= self.config.short_unit_words
                and unit_hashes([key])[0] in self.short_chrome_) or key in _source_names(source)

    def _is_affix(self, segment: str, own: frozenset[str]) -> bool:
        key = " ".join(title_tokens(segment))
        return key in self.affixes_ or key in own

    def affix_candidates(self, title: str) -> list[str]:
        """The end segments of a headline that may be affixes (as counted)."""
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


def _lead_in(mask: list[bool], hashes: Sequence[int], source: str, chrome: frozenset[int],
             short: frozenset[int], usual: dict[tuple[str, int], frozenset[int]]
             ) -> list[bool]:
    """``mask`` with the chrome that leads into a page's content out of its usual place
    kept: a site's "Latest news" sidebar may show the lead of a story the site carries,
    which no other site carries word for word (every copy edited it), so it is chrome
    of that site alone (not spread, which :meth:`BoilerplateModel.content_mask` keeps
    where content follows). On the story's own page the lead stands after the page's
    header, not after the sidebar item before it, and the story follows it. So in each
    stretch of dropped units that ends at a kept one, the units from the last one that
    stands out of its usual place (not after a unit usually before it on the source's
    pages) to the end of the stretch are kept, short units still left out; and a
    stretch that continues kept chrome (the part of the lead other sites carry too,
    kept by ``content_mask``) from its usual place after it. Chrome in its usual place
    after the page's own chrome, a header and pitch above every story, stays out."""
    start = 0  # where the current stretch of dropped units begins
    for at, keep in enumerate(mask):
        if not keep:
            continue
        moved = -1
        for k in range(start, at):
            unit = int(hashes[k])
            if (unit in chrome or unit in short) and (
                    int(hashes[k - 1]) if k else int(_START)) not in usual.get((source, unit), ()):
                moved = k
        if moved < 0 and start < at and start and int(hashes[start - 1]) in chrome:
            moved = start  # in its usual place after kept chrome: the run goes on
        if moved >= 0:
            for k in range(moved, at):
                mask[k] = int(hashes[k]) not in short
        start = at + 1
    return mask


_START = START
PAGE_START = START  # what stands before a page's first unit (usual_before_)
