"""Weak links: matches that say "A belongs with B" without saying that A is B.

A headline-only article matching a headline, a short text contained in a long one: such
an article can be contained in, or share its headline with, several articles that have
nothing else in common, and union-find over every such match would chain them together.
:class:`BodyJoin` and :class:`HeadlineJoin` (called by :func:`clusterer.match.merge_near`
for each candidate pair) join strong matches at once and collect weak ones as offers,
resolved by :meth:`_Attach.attach` so that a group never holds two bodies that clearly
differ.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from clusterer.fingerprint import shingles_without
from clusterer.headlines import articles_numbers_differ
from clusterer.lsh import shared_count
from clusterer.normalize import title_tokens
from clusterer.readers.urls import source_key
from clusterer.records import Match
from clusterer.shingling import HEAD_SHINGLES, title_sets

if TYPE_CHECKING:
    from clusterer.comparer import Comparer
    from clusterer.unionfind import UnionFind

# The recheck level, as a share of the threshold: a cross-source pair within it is
# compared again with both sources' chrome left out (Comparer.compare), and two bodies
# reaching it do not clearly differ.
RECHECK = 0.7
# Body groups tied for a headline-only article's best match that are compared with each
# other (a headline shared by more groups than this is too common to say anything).
_MAX_TIED = 8
# The longest members of a weak link's group and of its target group checked against
# each other (it joins where one of each does not clearly differ from the other).
_MAX_FULLEST = 3
# Members of each group whose headlines are checked for a number or date that differs.
_MAX_CHECKED = 32


class _Attach:
    """Weak links, resolved so that they never chain different articles together.

    Some matches say "A belongs with B" without saying that A is B: a headline-only
    article matching a headline, a short text contained in a long one. Such an article
    can be contained in, or share its headline with, several articles that have nothing
    else in common (a sentence a site reuses, a recurring headline), and union-find over
    every such match would join them all. So these matches are collected as offers
    (from the weak side's group to a target group) and resolved at the end: a group joins
    the target it matches best, and every other target whose body does not clearly
    differ from the best one's (similarity at least the recheck level, ``RECHECK`` of
    the threshold: an abridged or edited version of one story). Where the best match is
    tied between targets whose bodies clearly differ, it cannot say which it belongs to,
    and joins none.

    Ties are broken, and groups resolved, in the order of article ids, never of input
    positions: the groups do not depend on the order of the input.
    """

    def __init__(self, comparer: Comparer, uf: UnionFind) -> None:
        self.comparer = comparer
        self.uf = uf
        self.offers: list[tuple[int, int, str, float]] = []  # weak side, target, kind, similarity
        ids = [article.id for article in comparer.docs]
        self.rank = np.empty(len(ids), dtype=np.int64)
        self.rank[sorted(range(len(ids)), key=ids.__getitem__)] = np.arange(len(ids))

    def offer(self, weak: int, target: int, match: Match) -> bool:
        self.offers.append((weak, target, match.kind, match.similarity))
        return False

    def attach(self) -> None:
        """Resolve the offers (see the class docstring)."""
        uf, rank = self.uf, self.rank
        roots = uf.roots()
        first = np.full(len(rank), len(rank), dtype=np.int64)  # a group's least id rank
        np.minimum.at(first, roots, rank)
        offers: dict[int, dict[int, tuple[float, int, int, int, int, str]]] = {}
        for weak, target_article, kind, similarity in self.offers:
            group, target = int(roots[weak]), int(roots[target_article])
            if group == target:
                continue
            offer = (similarity, int(rank[weak]), int(rank[target_article]), weak, target_article,
                     kind)
            known = offers.setdefault(group, {}).get(target)
            if known is None or _better(offer, known):
                offers[group][target] = offer
        offers = {group: weighed for group, targets in offers.items()
                  if (weighed := self._weigh(targets))}
        sizes = self.comparer.prints.body.lengths()
        members: dict[int, list[int]] = {}
        for article, root in enumerate(roots.tolist()):
            members.setdefault(root, []).append(article)

        def join(weak: int, target: int, kind: str, similarity: float) -> None:
            roots = [uf.find(weak), uf.find(target)]
            if roots[0] == roots[1] or not self._may_join(members[roots[0]], members[roots[1]]):
                return
            uf.union(weak, target, kind, similarity)
            members[uf.find(weak)] = members.pop(roots[0]) + members.pop(roots[1])

        for group in sorted(offers, key=lambda g: first[g]):
            ranked = sorted(offers[group].values(),
                            key=lambda o: (self._weight(o), o[1], o[2]))[:_MAX_TIED]
            best_similarity, _, _, weak, anchor, kind = ranked[0]
            best = self._weight(ranked[0])
            agree = [self._agree(anchor, offer[4]) or self._both_hold(weak, anchor, offer[4])
                     for offer in ranked[1:]]
            tied = [ok for offer, ok in zip(ranked[1:], agree) if self._weight(offer) == best]
            # A story inside a page (``inside``) is the page's opening-to-end match with the
            # anchor under nearly the same headline; the group's longest version may be
            # another page with other chrome, which shares the story and little else.
            # The target group's fullest versions: its longest may be an OCR scan, whose
            # misread words add shingles it shares with no other copy. And the weak
            # group's: its longest may be a page of a site seen once, whose chrome is not
            # learned, beside another such page in the target group (two pages holding
            # one story clearly differ as wholes; the copies they hold do not).
            fullest = self._fullest(members[uf.find(anchor)], sizes)
            own = self._fullest(members[uf.find(weak)], sizes)
            if not all(tied) or kind != "inside" and not any(
                    self._groups_agree(mine, full) for mine in own for full in fullest):
                continue
            if kind == "inside" and not self._page_group_agrees(
                    weak, members[uf.find(weak)], fullest, sizes):
                continue
            join(weak, anchor, kind, best_similarity)
            for offer, ok in zip(ranked[1:], agree):
                if ok:
                    join(offer[3], offer[4], offer[5], offer[0])

    def _page_group_agrees(self, page: int, group: list[int], fullest: list[int],
                           sizes: np.ndarray) -> bool:
        """Whether the group of a page offering a story inside it (``inside``) may join
        the story's group, whose fullest versions are ``fullest``: where the page is not
        alone, one of its group's other longest members does not clearly differ from one
        of them. The page may hold the story in its "Latest news" box, or a sentence of it
        amid its own text (two articles on one event whose headlines come near); its own
        story's other copies, joined to it already, then clearly differ from the story."""
        others = self._fullest([a for a in group if a != page], sizes)
        return not others or any(self._groups_agree(other, full)
                                 for other in others for full in fullest)

    def _fullest(self, group: list[int], sizes: np.ndarray) -> list[int]:
        """The longest members of ``group`` (its fullest versions), at most
        :data:`_MAX_FULLEST`, longest first, then by id rank."""
        rank = self.rank
        return sorted(group, key=lambda a: (-sizes[a], rank[a]))[:_MAX_FULLEST]

    def _weigh(self, targets: dict[int, tuple[float, int, int, int, int, str]]
               ) -> dict[int, tuple[float, int, int, int, int, str]]:
        """The offers of one group worth resolving (all of them here)."""
        return targets

    def _weight(self, offer: tuple[float, int, int, int, int, str]) -> tuple[float, ...]:
        """How an offer ranks among its group's (least first; equal: tied): by
        similarity here."""
        return (-offer[0],)

    def _may_join(self, first: list[int], second: list[int]) -> bool:
        """Whether two groups (their members) may be joined (always, here)."""
        return True

    def _groups_agree(self, first: int, second: int) -> bool:
        """Whether two groups, by their members ``first`` and ``second`` (one of their
        longest bodies), do not clearly differ: a short
        text inside a long one says little when the two groups' full versions share
        nothing (sentences a site reuses in several stories). A group without a body
        (headlines only) has nothing to disagree with."""
        prints = self.comparer.prints
        if prints.title_only[first] or prints.title_only[second]:
            return True
        return self._agree(first, second)

    def _both_hold(self, text: int, first: int, second: int) -> bool:
        """Whether two targets both hold one long text (more than ``HEAD_SHINGLES``
        shingles: not sentences a site reuses): ``threshold`` of its shingles in each of
        them at once. Two pages of sites seen once carrying one story each amid their own
        chrome, which is not learned, clearly differ as wholes, but each is a copy of it."""
        body = self.comparer.prints.body
        words = body[text]
        if len(words) <= HEAD_SHINGLES or self.comparer.prints.title_only[text]:
            return False
        held = np.intersect1d(np.intersect1d(words, body[first], assume_unique=True),
                              body[second], assume_unique=True)
        return len(held) >= self.comparer.config.threshold * len(words)

    def _agree(self, first: int, second: int) -> bool:
        """Whether two articles' bodies do not clearly differ: their similarity, or the
        share of the smaller text inside the other (however short it is), reaches the
        recheck level. A story's opening inside a page (``inside``) is not agreement: it
        may be the page's sidebar, which a page shares with other stories just as well;
        only the page itself, by its headline and its offers weighed against each other,
        may join it."""
        match = self.comparer.compare(first, second)
        level = RECHECK * self.comparer.config.threshold
        smaller = min(match.sizes)
        return (match.kind != "inside" and match.similarity >= level
                or bool(smaller) and match.shared / smaller >= level)


def _better(offer: tuple[float, int, int, int, int, str],
            known: tuple[float, int, int, int, int, str]) -> bool:
    """Higher similarity, then lower id ranks."""
    return (-offer[0], offer[1], offer[2]) < (-known[0], known[1], known[2])


class BodyJoin(_Attach):
    """Joins two articles whose bodies verify as copies: near-identical texts at once;
    a text contained in another (the smaller side is weak) by :meth:`attach`.

    A text contained in another is a copy of a stretch of it: an abridged copy holds
    the story's first paragraphs in their order. A site that reuses its sentences in
    several stories makes a short page whose sentences are nearly all in another story,
    scattered through it in another order. So a short text (at most ``HEAD_SHINGLES``
    shingles: a few sentences once chrome is left out) contained in another is offered
    only where it lies in the other as one stretch (its
    :meth:`~clusterer.comparer.Comparer.stretch` reaches the threshold), and, as it may
    be no more than one sentence the site reuses (its body says too little alone),
    where the two headlines come near too (the recheck level of the headline
    threshold, as for a headline-only article's few words, see
    :meth:`~clusterer.comparer.Comparer.compare`). A longer text has most of its
    sentences in the other: not by chance.
    """

    def _weight(self, offer: tuple[float, int, int, int, int, str]) -> tuple[float, ...]:
        """The headline before the share of an opening: a page holding its own story
        and, in its sidebar, another's opening (``inside`` offers to both, under headlines
        near enough) is told apart by its headline, so its ``inside`` offers rank by how
        close the headlines are (Jaccard), then by similarity; other matches (the text
        itself, not a part of a page) come first. The share of each opening in the page
        says nothing of which is its own: the sidebar's may be copied whole and the
        page's own cut or edited."""
        if offer[5] != "inside":
            return (-1.0, -offer[0])
        title = self.comparer.prints.title
        return (-_jaccard(title[offer[3]], title[offer[4]]), -offer[0])

    def __call__(self, i: int, j: int) -> bool:
        match = self.comparer.compare(i, j)
        if not match.copy:
            return False
        if match.kind == "inside":  # the page holding the story is the weak side
            page, story = (i, j) if (match.before[0] or 0) > (match.before[1] or 0) else (j, i)
            return self.offer(page, story, match)
        # A short text's match (``lead``: the few words of a copy cut short) is weak too.
        if match.kind not in ("containment", "coverage", "lead"):
            return self.uf.union(i, j, match.kind, match.similarity)
        key_i, key_j = (match.sizes[0], self.rank[i]), (match.sizes[1], self.rank[j])
        small, large = (i, j) if key_i < key_j else (j, i)
        if refusal(self.comparer, small, large, match):
            return False
        return self.offer(small, large, match)


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The Jaccard index of two sorted, unique shingle sets (0 where both are empty)."""
    shared = shared_count(a, b)
    union = len(a) + len(b) - shared
    return shared / union if union else 0.0


def refusal(comparer: Comparer, small: int, large: int, match: Match) -> str:
    """Why a containment or coverage match of text ``small`` inside ``large`` is not
    offered (see :class:`BodyJoin`), or ``""``."""
    threshold = comparer.config.threshold
    size = len(comparer.prints.body[small])
    if size > HEAD_SHINGLES:
        return ""
    if match.kind == "containment":
        stretch = comparer.stretch(small, large, threshold)
        if stretch < threshold:
            return (f"the smaller text is not one stretch of the other: its longest stretch "
                    f"copied in order covers {stretch:.2f} of its words, < {threshold:.2f} "
                    "(sentences carried in other places)")
    if not _headlines_near(comparer, small, large):
        return (f"the smaller text is short ({size} shingles) and the headlines do not come "
                "near: a short text joins another only where the headlines come near too")
    return ""


def _headlines_near(comparer: Comparer, i: int, j: int) -> bool:
    """Whether two articles' headlines come near: the share of the shorter one's character
    shingles in the other reaches the recheck level of the headline threshold (a
    headline cut short is inside the full one), or one has none."""
    a, b = comparer.prints.title[i], comparer.prints.title[j]
    if not len(a) or not len(b):
        return True
    shared = shared_count(a, b)
    return shared >= RECHECK * comparer.config.headline_threshold * min(len(a), len(b))


class HeadlineJoin(_Attach):
    """Joins headline matches without letting a headline bridge two body groups.

    A group is *anchored* if it holds an article with a body when headline matching
    starts (a headline-only feed item may be a URL copy of a full article). Headline
    matches between articles of groups that are not anchored are joined; a match
    between one of those and an anchored article is an offer (:meth:`attach`); a match
    between two anchored articles is ignored (it would bridge two bodies).
    """

    def __init__(self, comparer: Comparer, uf: UnionFind) -> None:
        super().__init__(comparer, uf)
        prints = comparer.prints
        has_body = ~np.asarray(prints.title_only, dtype=bool) & (prints.body.lengths() > 0)
        roots = uf.roots()
        anchored_roots = np.zeros(len(roots), dtype=bool)
        anchored_roots[roots[has_body]] = True
        self.anchored = anchored_roots[roots]  # per article, fixed before any match
        self._short: dict[int, np.ndarray] = {}  # short bodies of headline-only articles
        self._vetoed: dict[int, list[int]] = {}  # headline matches the numbers vetoed
        # Matches between groups that are not anchored, joined by attach (best first).
        self._among: list[tuple[float, int, int, str]] = []
        self._wholes: dict[int, np.ndarray] = {}  # headlines with their affixes (_whole)

    def _weigh(self, targets: dict[int, tuple[float, int, int, int, int, str]]
               ) -> dict[int, tuple[float, int, int, int, int, str]]:
        """Body evidence before headlines: a headline-only article may keep a few words of
        body (a copy cut to a sentence or two). Where those words are found in some of
        the bodies its headline matches, the others are not offered: a headline shared
        by two stories ("… (Jan" cut from "… (Jan 8)" and "… (Jan 14)") does not say
        which one it is, its body does. So where those words are, for the most part
        (the recheck level), inside some of those bodies, or of those whose headline
        match the numbers vetoed ("… (Jan 8)"), the bodies holding less than half as
        many of them as the one holding most are not offered. Where they are found in
        none (a caption, a byline), they say nothing."""
        found = {target: self._held(offer[3], offer[4]) for target, offer in targets.items()}
        best = max([*found.values(), *(self._held(offer[3], other) for offer in targets.values()
                                       for other in self._vetoed.get(offer[3], ()))])
        if best < RECHECK * self.comparer.config.threshold:
            return targets
        return {target: offer for target, offer in targets.items() if 2 * found[target] >= best}

    def attach(self) -> None:
        """Join the matches between groups that are not anchored, best first (then by
        id ranks: whatever the input order), unless the two groups hold two items of a
        series (:meth:`_may_join`) or each article's headline matches an anchored
        article's better (their offers say more: "German reliance on Russian gas threatens
        Europe" and "Poland: German reliance …", two stories' headline-only copies, come
        near each other, but each is its own story's headline exactly; joined first, the
        two offer to both stories alike and join neither); then resolve the offers."""
        uf, rank = self.uf, self.rank
        best: dict[int, float] = {}  # an article's best offer to an anchored article
        for weak, _, _, similarity in self.offers:
            best[weak] = max(best.get(weak, 0.0), similarity)
        members: dict[int, list[int]] = {}
        for similarity, i, j, kind in sorted(
                self._among, key=lambda m: (-m[0], *sorted((int(rank[m[1]]), int(rank[m[2]]))))):
            roots = uf.find(i), uf.find(j)
            if roots[0] == roots[1] or similarity < min(best.get(i, 0.0), best.get(j, 0.0)):
                continue
            first, second = (members.get(root, [k]) for root, k in zip(roots, (i, j)))
            if self._may_join(first, second):
                uf.union(i, j, kind, similarity)
                members.pop(roots[0], None)
                members.pop(roots[1], None)
                members[uf.find(i)] = first + second
        super().attach()

    def _weight(self, offer: tuple[float, int, int, int, int, str]) -> tuple[float, ...]:
        """By similarity, then, among offers equally similar, those whose whole headlines
        (learned affixes kept) come near (Jaccard at the recheck level of the headline
        threshold) first: an end segment that recurs because one story was syndicated
        ("Titanfall review – Call Of Duty with robots" on five sites) is learned as an
        affix, and without it the headline is another story's ("Titanfall Review").
        Where both come near, or neither, the offers stay tied."""
        level = RECHECK * self.comparer.config.headline_threshold
        return (-offer[0], float(_jaccard(self._whole(offer[3]), self._whole(offer[4])) < level))

    def _whole(self, article: int) -> np.ndarray:
        """The character shingles of an article's headline with its affixes (wire
        prefixes left out), made once."""
        known = self._wholes.get(article)
        if known is None:
            title = " ".join(title_tokens(self.comparer.docs[article].title))
            known = self._wholes[article] = title_sets([title])[0]
        return known

    def _may_join(self, first: list[int], second: list[int]) -> bool:
        """Headline matches never chain items of a series: two groups where a member's
        headline has a number or date and one of the other's has another
        (:func:`articles_numbers_differ` without its exception for bodies; "… (18)"
        and "… (33)", joined through "…" without a number) are not joined."""
        docs = self.comparer.docs
        return not any(articles_numbers_differ(docs[a], docs[b], bodies=False)
                       for a in first[:_MAX_CHECKED] for b in second[:_MAX_CHECKED])

    def _held(self, weak: int, target: int) -> float:
        """The share of the short body of headline-only ``weak`` inside the body of
        ``target`` (0 where either has none)."""
        comparer = self.comparer
        if comparer.prints.title_only[target] or not comparer.docs[weak].text:
            return 0.0
        size = comparer.config.shingle_size
        short = self._short.get(weak)
        if short is None:
            doc = comparer.docs[weak]
            short = self._short[weak] = shingles_without(doc, comparer.model,
                                                         [source_key(doc)], size)
        if not len(short):
            return 0.0
        shared = shared_count(short, comparer.prints.body[target])
        return shared / len(short)

    def __call__(self, i: int, j: int) -> bool:
        match = self.comparer.compare(i, j)
        anchored_i, anchored_j = self.anchored[i], self.anchored[j]
        if not match.copy:
            if match.veto and anchored_i != anchored_j:
                weak, target = (j, i) if anchored_i else (i, j)
                self._vetoed.setdefault(weak, []).append(target)
            return False
        if not anchored_i and not anchored_j:
            self._among.append((match.similarity, i, j, match.kind))
            return False
        if anchored_i and anchored_j:
            return False
        weak, target = (j, i) if anchored_i else (i, j)
        return self.offer(weak, target, match)
