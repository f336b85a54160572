"""Why two articles are (or are not) copies: the decision ``dedup`` made, shown.

Nothing here decides anew: the dump is matched by :func:`clusterer.dedup.match_dump`
and the pair compared by :meth:`clusterer.comparer.Comparer.compare`, exactly as
``dedup`` does; this module only reads out the evidence (the rule, the similarity
against its threshold, the chain of links that joined them, the shared passages and
the chrome each side lost).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from clusterer.comparer import Comparer
from clusterer.dedup import DedupConfig, Progress, match_dump
from clusterer.engine import Engine
from clusterer.errors import UsageError
from clusterer.hashing import unit_hashes
from clusterer.normalize import units
from clusterer.readers.urls import source_key
from clusterer.records import Article, Match
from clusterer.shingling import HEAD_SHINGLES
from clusterer.unionfind import UnionFind
from clusterer.weaklinks import refusal

_RULES = {
    "exact": "the same content once normalised",
    "url": "the same canonical URL",
    "guid": "the same feed GUID",
}


@dataclass(frozen=True)
class Step:
    """One link on the way from A to B inside their duplicate group."""

    source: str
    target: str
    kind: str
    similarity: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.source, "to": self.target, "kind": self.kind,
                "similarity": None if self.similarity is None else round(self.similarity, 4)}


@dataclass(frozen=True)
class Explanation:
    """Whether A and B are copies, and why.

    Attributes:
        a: Article A.
        b: Article B.
        match: How A and B compare directly (:meth:`Comparer.compare`).
        copies: Whether ``dedup`` puts them in one duplicate group.
        path: The links that joined them, from A to B (one step for a direct match;
            several when they were joined through other copies; empty if apart).
        headline_only: Whether each is compared by headline (too little body).
        shared: Passages both share (normalised text, as compared), in A's order.
        chrome: Per side, the units of the body left out as the site's chrome.
        reasons: Why, one sentence each.
    """

    a: Article
    b: Article
    match: Match
    copies: bool
    path: tuple[Step, ...]
    headline_only: tuple[bool, bool]
    shared: tuple[str, ...]
    chrome: tuple[tuple[str, ...], tuple[str, ...]]
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``explain --json``)."""
        return {
            "a": self.a.id,
            "b": self.b.id,
            "copies": self.copies,
            "match": self.match.to_dict(),
            "path": [step.to_dict() for step in self.path],
            "headline_only": list(self.headline_only),
            "shared_passages": list(self.shared),
            "chrome": {"a": list(self.chrome[0]), "b": list(self.chrome[1])},
            "reasons": list(self.reasons),
        }


def explain(articles: Iterable[Article], id_a: str, id_b: str,
            config: DedupConfig | None = None, progress: Progress | None = None,
            engine: Engine | None = None) -> Explanation:
    """Match the dump as ``dedup`` does and explain the pair ``id_a``, ``id_b``.

    Raises:
        UsageError: If either id is not in the dump.
    """
    config = config or DedupConfig()
    comparer, uf = match_dump(articles, config, progress, engine)
    return explain_matched(comparer, uf, id_a, id_b, config)


def explain_matched(comparer: Comparer, uf: UnionFind, id_a: str, id_b: str,
                    config: DedupConfig) -> Explanation:
    """:func:`explain` on a dump already matched (:func:`clusterer.dedup.match_dump`),
    for many pairs of one dump."""
    index = {article.id: i for i, article in enumerate(comparer.docs)}
    for given in (id_a, id_b):
        if given not in index:
            raise UsageError(f"no article has the id {given!r} in the input; give ids as "
                             "the dedup output lists them")
    i, j = index[id_a], index[id_b]
    match = comparer.compare(i, j)
    path = _path(uf, comparer.docs, i, j)
    copies = uf.find(i) == uf.find(j)
    headline_only = (bool(comparer.prints.title_only[i]), bool(comparer.prints.title_only[j]))
    return Explanation(
        a=comparer.docs[i], b=comparer.docs[j], match=match, copies=copies, path=path,
        headline_only=headline_only, shared=_shared_passages(comparer, i, j, match),
        chrome=(_chrome(comparer, i), _chrome(comparer, j)),
        reasons=_reasons(comparer, match, copies, path, headline_only, config, (i, j)))


def _path(uf: UnionFind, docs: Sequence[Article], start: int, goal: int) -> tuple[Step, ...]:
    """The shortest chain of links from ``start`` to ``goal`` (lower indexes first)."""
    if start == goal or uf.find(start) != uf.find(goal):
        return ()
    came = uf.paths([start], goal)
    steps = []
    node = goal
    while node != start:
        previous, kind, similarity = came[node]
        steps.append(Step(docs[previous].id, docs[node].id, kind, similarity))
        node = previous
    return tuple(reversed(steps))


def _words(comparer: Comparer, i: int, headline: bool) -> list[str]:
    article = comparer.docs[i]
    key = source_key(article)
    if headline:
        return comparer.model.title_tokens(article.title, key)
    return " ".join(comparer.model.content_units(key, units(article.text))).split()


def _shared_passages(comparer: Comparer, i: int, j: int, match: Match) -> tuple[str, ...]:
    """Runs of A's words covered by a shingle that B has too (words for headlines)."""
    headline = comparer.prints.title_only[i] or comparer.prints.title_only[j]
    k = 1 if headline else comparer.config.shingle_size
    first, second = _words(comparer, i, headline), _words(comparer, j, headline)
    theirs = {tuple(second[p:p + k]) for p in range(len(second) - k + 1)}
    covered = [False] * len(first)
    for p in range(len(first) - k + 1):
        if tuple(first[p:p + k]) in theirs:
            covered[p:p + k] = [True] * k
    passages, run = [], []
    for word, inside in zip(first, covered):
        if inside:
            run.append(word)
        elif run:
            passages.append(" ".join(run))
            run = []
    if run:
        passages.append(" ".join(run))
    return tuple(passages)


def _chrome(comparer: Comparer, i: int) -> tuple[str, ...]:
    article = comparer.docs[i]
    doc_units = units(article.text)
    mask = comparer.model.content_mask(source_key(article), unit_hashes(doc_units))
    return tuple(u for u, kept in zip(doc_units, mask) if not kept)


def _reasons(comparer: Comparer, match: Match, copies: bool, path: tuple[Step, ...],
             headline_only: tuple[bool, bool], config: DedupConfig,
             pair: tuple[int, int]) -> tuple[str, ...]:
    reasons = [_rule(match)]
    if match.veto:
        reasons.append(f"but {match.veto}")
    for side, flag in zip("AB", headline_only):
        if flag:
            reasons.append(f"{side} is compared by its headline: it has fewer than "
                           f"{config.min_body_words} words of body once chrome is left out")
    if match.rechecked:
        reasons.append("compared again with the chrome of both sites left out of both texts")
    if not match.copy and match.kind in ("jaccard", "containment", "coverage"):
        reasons.extend(_why_not_containment(match, config))
    if copies and len(path) > 1:
        chain = " → ".join([path[0].source, *(step.target for step in path)])
        reasons.append(f"joined through other copies: {chain}")
    elif not copies and match.copy and match.kind in ("containment", "coverage") and (
            why := refusal(comparer, *_smaller_first(comparer, match, pair))):
        reasons.append(f"but {why}")
    elif not copies and match.copy and match.kind in ("headline", "containment", "coverage",
                                                      "lead", "inside"):
        reasons.append(f"a {match.kind} match is a weak link: it joins the group it matches "
                       "best, and none where it matches groups whose bodies clearly differ "
                       "equally well")
    elif not copies and match.copy:
        reasons.append("but LSH never proposed them as candidates (no band of their MinHash "
                       "signatures in common), so dedup did not compare them")
    return tuple(reasons)


def _smaller_first(comparer: Comparer, match: Match, pair: tuple[int, int]
                   ) -> tuple[int, int, Match]:
    """The pair, the article with the smaller compared set first (as ``BodyJoin`` orders
    it: by size, then id)."""
    i, j = pair
    key_i, key_j = ((size, comparer.docs[k].id) for size, k in zip(match.sizes, pair))
    return (i, j, match) if key_i < key_j else (j, i, match)


def _rule(match: Match) -> str:
    if match.kind in _RULES:
        return f"a match: {_RULES[match.kind]}"
    reached = match.similarity >= match.threshold
    sign = "≥" if reached else "<"
    measure = {"containment": "containment (the smaller text inside the other)",
               "coverage": "coverage (the share of the smaller text's words in one "
                           "stretch of the other, copied in order, a scan's misread words "
                           "counted)",
               "lead": "the share of the headline-only article's few words of body that "
                       "begin the other's body",
               "inside": "the share of one text's opening found in one stretch of the other "
                         "(a story inside a page of chrome, under nearly the same headline)",
               "jaccard": "Jaccard similarity of the texts",
               "headline": "Jaccard similarity of the headlines"}[match.kind]
    verdict = "a match" if reached else "no match"
    return (f"{verdict}: {measure} {match.similarity:.2f} {sign} {match.threshold:.2f} "
            f"({match.shared} of {match.sizes[0]} and {match.sizes[1]} shingles shared)")


def _why_not_containment(match: Match, config: DedupConfig) -> list[str]:
    """Why containment did not make them copies, where it would have."""
    smaller = min(match.sizes)
    if match.kind != "jaccard" or not smaller or match.shared / smaller < match.threshold:
        return []
    if smaller < config.min_containment_shingles:
        return [f"containment ({match.shared / smaller:.2f}) needs at least "
                f"{config.min_containment_shingles} shingles in the smaller text, which has "
                f"{smaller}: Jaccard was used"]
    reasons = []
    for side, before in zip("AB", match.before):
        if before is None or 2 * before <= match.shared:
            continue
        where = (f"does not start within the first {HEAD_SHINGLES} words of {side}"
                 if before == HEAD_SHINGLES else f"starts {before} words into {side}")
        reasons.append(f"containment is {match.shared / smaller:.2f}, but the shared text {where}, "
                       "after its own text: a sidebar carrying the other story, not a copy")
    return reasons
