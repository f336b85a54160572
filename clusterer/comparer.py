"""The one definition of how two articles compare: :meth:`Comparer.compare` decides
whether a pair is a copy and says why (a :class:`~clusterer.records.Match`). ``dedup``
merges by it (:mod:`clusterer.match` proposes the pairs), its groups report it, and
``explain`` shows it.

Body similarity is the containment ``|A∩B| / min(|A|,|B|)`` when the smaller set has
at least ``min_containment_shingles`` shingles and the shared text begins near the
start of both (:func:`clusterer.alignment.aligned`), else the Jaccard index; two bodies
that come near are compared again with both sources' chrome left out; a story inside a
page whose own text comes first is found by its opening under nearly the same headline
(``inside``, :meth:`Comparer._inside`); headline-only articles are compared by the
Jaccard index of their headlines' character shingles, or by their few words of body
(``lead``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from clusterer.alignment import (
    aligned,
    aligned_counts,
    blank_common,
    coverage,
    inside_floor,
    misread_coverage,
    opening_inside,
    shingles_before,
)
from clusterer.boilerplate import BoilerplateModel
from clusterer.fingerprint import Fingerprints, ordered_shingles_without
from clusterer.headlines import articles_numbers_differ
from clusterer.lsh import distinct, shared_count
from clusterer.normalize import units
from clusterer.readers.urls import source_key
from clusterer.records import Article, Match
from clusterer.shingling import HEAD_SHINGLES
from clusterer.weaklinks import RECHECK as _RECHECK

if TYPE_CHECKING:
    from clusterer.candidates import Pick
    from clusterer.match import MatchConfig

# The version of the rules that decide a pair. A state keeps every comparison a run made
# (:mod:`clusterer.pairs`) and the settings they were made under; a run with other rules
# fingerprints and compares everything stored again, as with other settings, so that its
# groups stay a batch run's. Raise it when a change decides some pair otherwise.
RULES = 3  # 2: misread words, the same-headline recheck, one source's furniture; 3: a
# lead only its own site's sidebar shows (boilerplate._lead_in), stacked wire prefixes,
# backticks as quotes in every text, a page's group checked before it joins by inside

_NUMBERS_VETO = ("the headlines differ in a number or date (each has one the other lacks, or "
                 "the one with a body lacks the other's): items of a series, not copies")


def by_content(prints: Fingerprints, i: int) -> bool:
    """Whether article ``i`` is an exact copy of any article with its content digest: if
    it has a body, or no headline word either (a headline-only article is matched by
    its headline instead)."""
    return not prints.title_only[i] or len(prints.title[i]) == 0


@dataclass
class Comparer:
    """Compares articles of one dump by their fingerprints.

    Attributes:
        docs: The articles, row i of ``prints`` for article i.
        prints: Their fingerprints.
        model: The chrome learned from the dump.
        config: Thresholds.
    """

    docs: Sequence[Article]
    prints: Fingerprints
    model: BoilerplateModel
    config: MatchConfig
    ordered_bodies: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    def compare(self, i: int, j: int) -> Match:
        """How articles ``i`` and ``j`` compare, and whether they are copies.

        Exact content, then canonical URL, then feed GUID decide first. Otherwise a
        headline-only article (on either side) is compared by headline, and two bodies
        by body similarity. Two bodies that fall short but come near (see
        :meth:`_recheck`) are compared again, and so are two whose shared text starts
        both (containment applies) under nearly the same headline, however little of
        it is shared: a scan misreads a word in six to ten, and each misread word
        costs containment the shingles around it (an abridged scan with a few word
        edits keeps under half of them), so its word coverage decides.
        """
        prints, config = self.prints, self.config
        if prints.digest[i] == prints.digest[j] and by_content(prints, i):
            return Match("exact", 1.0, 1.0, True)
        a, b = self.docs[i], self.docs[j]
        identity = ("url" if a.url and a.url == b.url
                    else "guid" if a.guid and a.guid == b.guid else None)
        if prints.title_only[i] or prints.title_only[j]:
            match = self._measure(i, j, prints.title[i], prints.title[j], headline=True)
            if not match.copy and (match.similarity >= _RECHECK * config.headline_threshold
                                   or self.generic_headline(i) or self.generic_headline(j)):
                match = self._lead(i, j, match)
            if match.copy and articles_numbers_differ(a, b):
                match = replace(match, copy=False, veto=_NUMBERS_VETO)
        else:
            match = self._measure(i, j, prints.body[i], prints.body[j])
            if not match.copy and (_near(match, config) or match.kind == "containment"
                                   and self._same_headline(i, j)):
                match = self._recheck(i, j, match)
            if not match.copy:
                match = self._inside(i, j, match)
            if not match.copy and 0 < min(match.sizes) < config.min_containment_shingles:
                match = self._short_lead(i, j, match)
        if identity is None:
            return match
        return replace(match, kind=identity, threshold=1.0, copy=True, veto="")

    def generic_headline(self, i: int) -> bool:
        """Whether article ``i``'s headline is page chrome, not its story's
        (:meth:`clusterer.boilerplate.BoilerplateModel.generic_title`)."""
        doc = self.docs[i]
        return self.model.generic_title(doc.title, source_key(doc))

    def prefetch(self, pairs: np.ndarray, pick: Pick | None = None) -> np.ndarray:
        """The pairs (shape (k, 2)) matching may compare next: which of them ``pick``
        picks (a mask; every pair without it). A comparer with a pool of processes
        picks and compares the picked ones there, in bulk (:mod:`clusterer.verify`);
        this one only picks, and compares pair by pair when asked."""
        return np.ones(len(pairs), dtype=bool) if pick is None else pick(pairs)

    def stretch(self, i: int, j: int, enough: float = 1.0) -> float:
        """The :func:`coverage` of article ``i``'s body by one stretch of ``j``'s (each
        without its own source's chrome, as fingerprinted), or, where the two heads
        alone show a stretch of at least ``enough`` (an abridged copy is the start of
        the story), that (a stretch of a part is one of the whole)."""
        size = self.config.shingle_size
        head_i, head_j = self.prints.head[i], self.prints.head[j]
        if len(head_i) < HEAD_SHINGLES:  # the whole of i
            early = coverage(head_i, head_j, size)
            if early >= enough:
                return early
        return coverage(self._ordered(i), self._ordered(j), size)

    def _ordered(self, i: int) -> np.ndarray:
        """Article ``i``'s body shingles in text order, as fingerprinted: its head where
        that is the whole body, else made again (and kept: a story is compared with
        each of its copies)."""
        head = self.prints.head[i]
        if len(head) < HEAD_SHINGLES:
            return head
        known = self.ordered_bodies.get(i)
        if known is None:
            doc = self.docs[i]
            known = self.ordered_bodies[i] = ordered_shingles_without(
                doc, self.model, [source_key(doc)], self.config.shingle_size)
        return known

    def _short_lead(self, i: int, j: int, match: Match) -> Match:
        """A body too short for containment (fewer than ``min_containment_shingles``
        shingles, though it has the words not to be matched by its headline alone: a
        copy cut to about 30 words) under a headline near the other's (the recheck level
        of the headline threshold): a copy where its words are the start of the other's
        body, as a headline-only article's few words (``lead``, :meth:`_lead`), and
        headlines that differ in a number or date veto it (items of a series)."""
        near = self._measure(i, j, self.prints.title[i], self.prints.title[j], headline=True)
        if near.similarity < _RECHECK * self.config.headline_threshold:
            return match
        short = i if (match.sizes[0], self.docs[i].id) <= (match.sizes[1], self.docs[j].id) else j
        lead = self._lead(i, j, match, short)
        if lead.copy and articles_numbers_differ(self.docs[i], self.docs[j]):
            return replace(lead, copy=False, veto=_NUMBERS_VETO)
        return lead

    def _lead(self, i: int, j: int, match: Match, short: int | None = None) -> Match:
        """A headline-only article that kept a few words of body (a feed item's summary,
        a copy cut to a paragraph), whose headline comes near the other's (the recheck
        level of the headline threshold: a cut or rewritten headline): a copy where
        those words are the start of the other's body (``lead``: the share of them in
        it reaches the threshold, and the shared text is aligned in both)."""
        prints, docs, config = self.prints, self.docs, self.config
        if short is None:
            if prints.title_only[i] == prints.title_only[j]:
                return match
            short = i if prints.title_only[i] else j
        full = j if short == i else i
        ordered = ordered_shingles_without(docs[short], self.model, [source_key(docs[short])],
                                           config.shingle_size)
        if not docs[short].text or not len(ordered):
            return match
        words = distinct(ordered)
        shared = shared_count(words, prints.body[full])
        value = shared / len(words)
        if (value < config.threshold or not aligned(ordered[:HEAD_SHINGLES], prints.body[full], shared)
                or not aligned(prints.head[full], words, shared)):
            return match
        sizes = (len(words), len(prints.body[full]))
        return Match("lead", value, config.threshold, True, shared,
                     sizes if short == i else sizes[::-1], (None, None))

    def _inside(self, i: int, j: int, match: Match) -> Match:
        """A story inside a page whose own chrome (long, and not learned: a site seen once
        in the dump) comes before and after it, so that the shared text begins far from
        the page's start and is a minority of it (``inside``): a copy where one text's
        opening lies in one stretch of the other (:func:`opening_inside`, both sources'
        chrome left out), covering at least :func:`inside_floor` shingles' words (fewer
        where the page's site has no chrome learned) and ``threshold`` of the words up
        to its end, and the headlines are nearly the
        same (the shorter's character shingles inside the other at the headline
        threshold). The headline is what tells the page's own story from a "Latest news"
        sidebar that carries another story's opening just as well. Text that many pages
        of the dump carry (``model.common_shingles_``: a donation pitch, a sidebar item)
        is blanked in the page (:func:`blank_common`): two stories whose compound
        headlines share one half shared only such text. Only across sources:
        on one source the chrome is learned, and a site reusing its sentences opens one
        story with a sentence another of its stories carries further down.
        """
        config = self.config
        keys = (source_key(self.docs[i]), source_key(self.docs[j]))
        floors = [inside_floor(key not in self.model.source_chrome_,
                               config.min_containment_shingles) for key in keys]
        if (match.shared < min(floors) or keys[0] == keys[1]
                or not self._same_headline(i, j)):
            return match
        return self._opening_inside(i, j, match, floors)

    def _opening_inside(self, i: int, j: int, match: Match, floors: list[int]) -> Match:
        """:meth:`_inside` past its first checks: the pair's texts with both sources'
        chrome left out and the dump's common text blanked (so its result depends on
        the chrome model and ``model.common_shingles_``)."""
        config = self.config
        size = config.shingle_size
        ordered = self._without_both(i, j)
        best: tuple[float, int, int, int] = (0.0, 0, 0, 0)  # share, words, story side, start
        for story in (0, 1):
            opening = ordered[story][:HEAD_SHINGLES]
            page = blank_common(ordered[1 - story], self.model.common_shingles_, opening)
            share, words, start = opening_inside(opening, page, size)
            least = floors[1 - story] + size - 1  # words, by the page's floor
            # Aligned in both, the shared text is measured as it is (containment): the
            # page has no text of its own in front.
            if words >= least and 2 * start > words and (share, words) > best[:2]:
                best = (share, words, story, start)
        if not best[1]:
            return match
        before = (0, best[3]) if best[2] == 0 else (best[3], 0)
        return Match("inside", best[0], config.threshold, best[0] >= config.threshold,
                     match.shared, match.sizes, before, True)

    def _same_headline(self, i: int, j: int) -> bool:
        """Whether two articles carry nearly the same headline (:func:`headlines_close` at
        the headline threshold), not two items of a series ("… (13)" and "… (14)": each
        has a number or date the other lacks, which a site reusing its sentences across
        the items would otherwise join)."""
        return headlines_close(self.prints.title[i], self.prints.title[j],
                               self.config.headline_threshold) and not articles_numbers_differ(
                                   self.docs[i], self.docs[j], bodies=False)

    def _without_both(self, i: int, j: int) -> list[np.ndarray]:
        """The two bodies' shingles in text order, each without its own source's chrome
        first (where a sidebar run stands is judged on the page as its site shows it),
        then without the other's."""
        keys = [source_key(self.docs[i]), source_key(self.docs[j])]
        return [ordered_shingles_without(self.docs[k], self.model, [keys[n], keys[1 - n]],
                                         self.config.shingle_size)
                for n, k in enumerate((i, j))]

    def _recheck(self, i: int, j: int, match: Match) -> Match:
        """Two bodies that came near, compared again (the better of the two answers).

        A site's sidebar can carry the lead of a story the same site published, which
        makes that lead chrome there and leaves it out of one copy only (which may then
        share the story only after the other's lead: not aligned); so a pair from two
        sources is compared with the chrome of both sources left out of both texts.
        Then, where the smaller text is short (at most ``HEAD_SHINGLES`` shingles) and
        inside the other but for a few words (and aligned), by its word coverage
        (:func:`coverage`): containment counts an edited or misread word once per
        shingle it is in, so that a short copy with three such words falls short of the
        threshold however much of its text is the other's; a word misread by a scan
        (:func:`misread_coverage`) counts as the same word. Not for longer texts: two
        pages of sites seen once in the dump (whose chrome cannot be learned) share
        their template's words, scattered through it, and coverage counts each scattered
        shingle four times over (on the hard fixture it merged such pages).
        """
        docs, config = self.docs, self.config
        sources = sorted({source_key(docs[i]), source_key(docs[j])})
        if len(sources) > 1:
            # Where a sidebar run stands is judged on the page as its own site shows it
            # (own chrome first) or once the other site's is gone (the same order for
            # both): either view may leave the story whole, so the better one counts.
            keys = [source_key(docs[i]), source_key(docs[j])]
            again = max((self._again(i, j, view) for view in (
                [[keys[0], keys[1]], [keys[1], keys[0]]], [sources, sources])),
                key=lambda m: (m.copy, m.similarity))
        else:  # one site's chrome: the texts as fingerprinted, measured already
            again = self._again(i, j, None, match)
        # A pair that only came near by the share of the smaller set, not by similarity,
        # keeps its first answer unless it is now a copy (that share is what says whether
        # two bodies clearly differ, see weaklinks).
        better = again.similarity > match.similarity
        return again if again.copy or better and match.similarity >= _RECHECK * config.threshold \
            else match

    def _again(self, i: int, j: int, view: list[list[str]] | None,
               match: Match | None = None) -> Match:
        """:meth:`_recheck` of one view of the pair: its two texts in order, each without
        the chrome of the sources ``view`` lists for it, in that order (``None``: as
        fingerprinted, measured already as ``match``), by containment or Jaccard, then,
        for a short or same-headline text, by its word coverage where that is higher
        (:func:`misread_coverage`: a misread word counts, where the word count alone
        falls short)."""
        docs, config = self.docs, self.config
        pair = (i, j)
        views = view or [[source_key(docs[k])] for k in pair]
        ordered: list[np.ndarray] | None = None
        if view is not None:
            ordered = [ordered_shingles_without(docs[k], self.model, v, config.shingle_size)
                       for k, v in zip(pair, view)]
            sizes = [len(distinct(o)) for o in ordered]
            again = self._measure(i, j, distinct(ordered[0]), distinct(ordered[1]),
                                  rechecked=True,
                                  heads=(ordered[0][:HEAD_SHINGLES], ordered[1][:HEAD_SHINGLES]))
        else:
            assert match is not None
            again = match
            sizes = [len(self.prints.body[i]), len(self.prints.body[j])]
        small = 0 if (sizes[0], docs[i].id) <= (sizes[1], docs[j].id) else 1
        if not again.copy and again.kind == "containment" and (
                sizes[small] <= HEAD_SHINGLES or self._same_headline(i, j)):
            texts = ordered or [self._ordered(i), self._ordered(j)]
            covered = coverage(texts[small], texts[1 - small], config.shingle_size)
            if covered < config.threshold:
                words = [self._words(k, v) for k, v in zip(pair, views)]
                covered = max(covered, misread_coverage(
                    texts[small], texts[1 - small], words[small], words[1 - small],
                    config.shingle_size))
            if covered > again.similarity:
                again = replace(again, kind="coverage", similarity=covered,
                                copy=covered >= config.threshold)
        return again

    def _words(self, k: int, sources: Sequence[str]) -> list[str]:
        """Article ``k``'s body words in text order without the chrome of ``sources`` (in
        that order): the words of :func:`ordered_shingles_without`'s shingles."""
        content = units(self.docs[k].text)
        for source in sources:
            content = self.model.content_units(source, content)
        return "\n".join(content).split()

    def _measure(self, i: int, j: int, a: np.ndarray, b: np.ndarray, headline: bool = False,
                 rechecked: bool = False,
                 heads: tuple[np.ndarray, np.ndarray] | None = None) -> Match:
        """Similarity of the sorted, unique shingle sets ``a`` (of ``i``) and ``b`` (of
        ``j``): the Jaccard index for headlines; for bodies, containment where it applies
        and the shared text is aligned (see :func:`aligned`; ``heads``: the texts'
        first shingles in order, else the fingerprinted ones), else the Jaccard index."""
        config = self.config
        threshold = config.headline_threshold if headline else config.threshold
        kind = "headline" if headline else "jaccard"
        sizes = (len(a), len(b))
        if not sizes[0] or not sizes[1]:
            return Match(kind, 0.0, threshold, False, 0, sizes, (None, None), rechecked)
        shared = shared_count(a, b)
        value = shared / (sizes[0] + sizes[1] - shared)
        before: tuple[int | None, int | None] = (None, None)
        smaller = min(sizes)
        if not headline and smaller >= config.min_containment_shingles and value < threshold:
            head_i, head_j = heads or (self.prints.head[i], self.prints.head[j])
            before = (shingles_before(head_i, b), shingles_before(head_j, a))
            if (aligned_counts(before[0], len(head_i), shared)
                    and aligned_counts(before[1], len(head_j), shared)
                    and not self._own_furniture(i, j, before)):
                kind, value = "containment", shared / smaller
        return Match(kind, value, threshold, value >= threshold, shared, sizes, before,
                     rechecked)

    def _own_furniture(self, i: int, j: int, before: tuple[int, int]) -> bool:
        """Whether the text two pages of one source share, after text of their own (more
        than one edited word's shingles before it in either), under headlines that are
        not nearly the same, is the site's furniture, not a story: a "Latest news"
        sidebar of other stories' leads, which its chrome learning cannot tell where the
        site has few pages (its units are those stories' text, carried by other sites),
        and which, longer than twice a short story, passes :func:`aligned`. A site's two
        versions of one story share its opening, or its headline."""
        size = self.config.shingle_size
        if max(before) < size:
            return False
        return (source_key(self.docs[i]) == source_key(self.docs[j])
                and not self._same_headline(i, j))


def headlines_close(a: np.ndarray, b: np.ndarray, level: float) -> bool:
    """Whether two headlines (character shingle sets) are nearly the same: the shorter's
    shingles inside the other at ``level`` (a headline cut short, or with a site's name
    or a wire prefix added, is inside the full one)."""
    if not len(a) or not len(b):
        return False
    return shared_count(a, b) >= level * min(len(a), len(b))


def _near(match: Match, config: MatchConfig) -> bool:
    """Whether two bodies that are no copies come near enough to be compared again: their
    similarity reaches the recheck level, or the share of the smaller set inside the
    other reaches the threshold where containment applies but the shared text is not
    aligned (which the other site's chrome, left out, may change)."""
    smaller = min(match.sizes)
    return match.similarity >= _RECHECK * config.threshold or (
        smaller >= config.min_containment_shingles and match.shared >= config.threshold * smaller)
