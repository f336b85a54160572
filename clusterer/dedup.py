"""Near-duplicate detection: syndicated copies merged into duplicate groups.

Pipeline:

1. Each article's body is split into units and its chrome left out
   (:mod:`clusterer.boilerplate`); an article with fewer than ``min_body_words`` words
   of content is fingerprinted by its headline instead (headline-only feeds).
2. Exact duplicates (the same normalised content, the same canonical URL or the same
   feed GUID) are merged at once.
3. Near-duplicate candidates come from LSH banding (the bands datasketch's
   ``MinHashLSH`` chooses, the same buckets, in numpy) over three MinHash fingerprints:
   the whole body (word shingles), its lead (first ``lead_shingles`` shingles, which an
   abridged copy shares with the full story) and the headline (character shingles, for
   headline-only articles).
4. Candidates are handled as arrays of pairs; those that cannot verify are dropped in
   bulk first (:class:`_Screen`: MinHash-estimated Jaccard, then exact containment).
   Every remaining candidate pair is verified exactly on its shingle sets: similarity is the
   containment ``|A∩B| / min(|A|,|B|)`` when the smaller set has at least
   ``min_containment_shingles`` shingles, else the Jaccard index; a pair at or above
   ``threshold`` is merged (union-find).
5. The kept article of each group follows ``keep``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np

from clusterer.boilerplate import BoilerplateConfig, BoilerplateModel, source_key
from clusterer.fingerprint import (
    HEAD_SHINGLES,
    Fingerprints,
    content_text,
    fingerprint,
    shingles_without,
)
from clusterer.headlines import articles_numbers_differ
from clusterer.minhash import lsh_pairs, lsh_params, union_pairs
from clusterer.records import Article, DuplicateGroup
from clusterer.validation import check_range

KEEP_POLICIES = ("longest", "earliest", "first")
Progress = Callable[[str, int, "int | None"], None]  # stage, done, total (None: unknown)
_FAR_FUTURE = datetime.max.replace(tzinfo=timezone.utc)
# A cross-source pair within this share of the threshold is compared again with both
# sources' chrome left out (see _Verifier.similarity).
_RECHECK = 0.7


@dataclass(frozen=True)
class DedupConfig:
    """Parameters of near-duplicate detection.

    Args:
        threshold: Verified similarity (containment or Jaccard) at which two articles
            are copies, 0 < t <= 1.
        headline_threshold: Jaccard similarity of headline character shingles at which
            a headline-only article is a copy, 0 < t <= 1. Stricter than ``threshold``:
            a headline is short, and different stories share headline wording ("Stocks
            open lower on Wall Street"); a syndicated headline differs from its
            original mostly by prefixes, affixes and case, which are normalised away.
        shingle_size: Words per body shingle, 1 to 10.
        num_perm: MinHash permutations, 16 to 1024.
        keep: Which member of a group is kept: ``longest`` text, ``earliest``
            published, or ``first`` in input order.
        lsh_threshold: Jaccard threshold the LSH bands are tuned for (candidates only;
            every candidate is verified), 0 < t <= 1.
        lead_shingles: Shingles in the lead fingerprint, 5 to 1000.
        min_containment_shingles: Smallest set for which containment counts.
        min_body_words: Fewer content words (chrome excluded): fingerprint the headline
            instead. The default, 30, gives about ``min_containment_shingles`` shingles.
        seed: MinHash seed.
        workers: Processes for fingerprinting; 0 uses every available core.
        boilerplate: How chrome is learned.
    """

    threshold: float = 0.7
    headline_threshold: float = 0.8
    shingle_size: int = 4
    num_perm: int = 128
    keep: str = "longest"
    lsh_threshold: float = 0.4
    lead_shingles: int = 20
    min_containment_shingles: int = 25
    min_body_words: int = 30
    seed: int = 1
    workers: int = 0
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)

    def __post_init__(self) -> None:
        check_range("threshold", self.threshold, 0.0, 1.0, low_open=True)
        check_range("headline_threshold", self.headline_threshold, 0.0, 1.0, low_open=True)
        check_range("lsh_threshold", self.lsh_threshold, 0.0, 1.0, low_open=True)
        check_range("shingle_size", self.shingle_size, 1, 10)
        check_range("num_perm", self.num_perm, 16, 1024)
        check_range("lead_shingles", self.lead_shingles, 5, 1000)
        check_range("min_containment_shingles", self.min_containment_shingles, 1, 100_000)
        check_range("min_body_words", self.min_body_words, 0, 100_000)
        check_range("workers", self.workers, 0, 256)
        if self.keep not in KEEP_POLICIES:
            raise ValueError(f"keep must be one of {', '.join(KEEP_POLICIES)}, got {self.keep!r}")

    def to_dict(self) -> dict[str, Any]:
        """Parameters as written into output files (not ``workers``: it never changes
        the result, and outputs must not depend on the machine)."""
        params = asdict(self)
        del params["workers"]
        return params


@dataclass(frozen=True)
class DedupResult:
    """Duplicate groups, one per kept article, in the input order of kept articles.

    Attributes:
        groups: Every input article is in exactly one group.
        config: The parameters used.
        boilerplate: The chrome model learned from the dump (storylines reuse it).
    """

    groups: list[DuplicateGroup]
    config: DedupConfig
    boilerplate: BoilerplateModel

    def content_text(self, article: Article) -> str:
        """An article's normalised body without the dump's chrome."""
        return content_text(article, self.boilerplate)

    @property
    def stats(self) -> dict[str, int]:
        """Counts: articles read, kept, duplicates merged, groups of two or more."""
        articles = sum(g.size for g in self.groups)
        return {
            "articles": articles,
            "kept": len(self.groups),
            "duplicates": articles - len(self.groups),
            "groups": sum(1 for g in self.groups if g.size > 1),
        }

    def groups_document(self) -> dict[str, Any]:
        """The ``--groups`` JSON document: every group, singletons included."""
        return {
            "schema_version": 1,
            "params": self.config.to_dict(),
            "stats": self.stats,
            "groups": [g.to_dict() for g in self.groups],
        }


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        return True

    def roots(self) -> np.ndarray:
        """The root of every element, found for all at once (pointer jumping)."""
        parent = np.asarray(self.parent, dtype=np.int64)
        while not np.array_equal(grand := parent[parent], parent):
            parent = grand
        return parent


def deduplicate(
    articles: Iterable[Article],
    config: DedupConfig | None = None,
    progress: Progress | None = None,
) -> DedupResult:
    """Merge syndicated copies into duplicate groups.

    Args:
        articles: The dump, in input order (ids must be unique).
        config: Parameters; defaults to :class:`DedupConfig`.
        progress: Called as ``progress(stage, done, total)``.

    Returns:
        The groups, in the input order of their kept articles.
    """
    config = config or DedupConfig()
    report = progress or (lambda stage, done, total: None)
    docs, prints, model = fingerprint(articles, config, report)
    uf = _UnionFind(len(docs))
    _merge_exact(docs, prints, uf)
    verifier = _Verifier(docs, prints, model, config)
    _merge_near(verifier, uf, report)
    groups = _groups(verifier, uf)
    return DedupResult(groups=groups, config=config, boilerplate=model)


def _merge_exact(docs: Sequence[Article], prints: Fingerprints, uf: _UnionFind) -> None:
    first: dict[tuple[str, str | bytes], int] = {}
    for i, article in enumerate(docs):
        signals: list[tuple[str, str | bytes]] = [("content", prints.digest[i])]
        if article.url:
            signals.append(("url", article.url))
        if article.guid:
            signals.append(("guid", article.guid))
        for signal in signals:
            j = first.setdefault(signal, i)
            if j != i:
                uf.union(j, i)


def _merge_near(verifier: _Verifier, uf: _UnionFind, report: Progress) -> None:
    prints, config = verifier.prints, verifier.config
    n = len(prints.body)
    # One representative per exact class enters the indexes; empty sets cannot match.
    has_body = (prints.body.lengths() > 0).tolist()
    reps = [i for i in range(n) if uf.find(i) == i and has_body[i]]
    bands, rows = lsh_params(config.lsh_threshold, config.num_perm)

    # Body and lead candidates are verified alike (body similarity), so they are pooled.
    body_reps = np.asarray([i for i in reps if not prints.title_only[i]], dtype=np.int64)
    if len(body_reps) >= 2:
        report("matching (body)", 0, 1)
        found = [lsh_pairs(sigs[body_reps], bands, rows)
                 for sigs in (prints.body_sig, prints.lead_sig)]
        pairs = union_pairs([body_reps[p] for p, _ in found], n)
        big = [body_reps[b] for _, buckets in found for b in buckets]
        # A pair below the recheck level is rejected without a recheck (see
        # _Verifier.similarity), and its similarity is at most its containment.
        screen = _Screen(prints.body_sig, _RECHECK * config.threshold, config.threshold,
                         prints.body)
        _verify_pairs(pairs, big, None, "body", screen, verifier, uf)
        report("matching (body)", 1, 1)

    # Every headline is indexed, copies in an exact class too (their headlines differ);
    # only headline-only articles look for matches.
    titled = np.flatnonzero(prints.title.lengths() > 0)
    asking = np.zeros(n, dtype=bool)
    asking[[i for i in reps if prints.title_only[i]]] = True
    if len(titled) >= 2 and asking.any():
        report("matching (headline)", 0, 1)
        signatures = prints.title_sig
        pairs, buckets = lsh_pairs(signatures[titled], bands, rows, asking[titled])
        # A headline pair is verified by the Jaccard of the very sets signed.
        floor = max(config.lsh_threshold, screen_floor(config.headline_threshold, config.num_perm))
        _verify_pairs(titled[pairs], [titled[b] for b in buckets], asking, "headline",
                      _Screen(signatures, floor, config.headline_threshold), verifier, uf)
        report("matching (headline)", 1, 1)


def screen_floor(threshold: Any, num_perm: int) -> Any:
    """The lowest MinHash-estimated Jaccard worth verifying against ``threshold`` (a
    number or an array): four standard errors below it (``sqrt(t(1-t)/num_perm)``), so
    a pair at the threshold is screened out about once in 30,000."""
    return threshold - 4 * np.sqrt(threshold * (1 - threshold) / num_perm)


class _Screen:
    """Drops candidate pairs that cannot verify, before the exact verification.

    First by their estimated Jaccard (the share of equal MinHash values): a chance
    collision in one band costs a vectorised comparison instead of a verification.
    Then, for body pairs, by their exact containment ``|A∩B| / min(|A|,|B|)``, counted
    for many pairs at once: a short page that begins with the lead of another story (a
    "Latest news" box above its own text) shares that story's lead fingerprint, and
    nothing more.

    Args:
        signatures: MinHash values, row i for article i.
        least: Without ``sets``, the least estimated Jaccard that passes. With ``sets``
            (the signed shingle sets), the least containment a pair needs: a pair passes
            if the Jaccard this containment implies for the pair's sizes,
            ``c·m / (a + b - c·m)`` with ``m`` the smaller size, less four standard
            errors (:func:`screen_floor`), is reached, and if its exact containment is
            at least ``least``. An abridged copy has a low Jaccard with the full story
            but passes.
        likely: The estimated Jaccard (containment with ``sets``) from which a pair is
            probably a copy: such pairs are verified first (see :func:`_verify_pairs`).
    """

    CHUNK = 1 << 14  # pairs compared at once (CHUNK x num_perm x 2 values in memory)

    def __init__(self, signatures: np.ndarray, least: float, likely: float,
                 sets: Sequence[np.ndarray] | None = None) -> None:
        self.signatures = signatures
        self.least = least
        self.likely = likely
        self.sets = sets
        self.sizes = None if sets is None else np.fromiter(
            (len(s) for s in sets), dtype=np.int64, count=len(sets))

    def estimate(self, first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which pairs ``(first[k], second[k])`` pass the estimate, and which of them are
        likely copies."""
        passes = np.zeros(len(first), dtype=bool)
        likely = np.zeros(len(first), dtype=bool)
        for start in range(0, len(first), self.CHUNK):
            a, b = first[start:start + self.CHUNK], second[start:start + self.CHUNK]
            equal = np.count_nonzero(self.signatures[a] == self.signatures[b], axis=1)
            sizes = (None, None) if self.sizes is None else (self.sizes[a], self.sizes[b])
            passes[start:start + len(a)], likely[start:start + len(a)] = self._judge(equal, *sizes)
        return passes, likely & passes

    def _judge(self, equal: Any, size_a: Any, size_b: Any) -> tuple[Any, Any]:
        """Whether pairs with ``equal`` equal MinHash values (and these set sizes) pass
        the estimate, and whether they are likely copies; arrays or numbers alike."""
        num_perm = self.signatures.shape[1]
        jaccard = equal / num_perm
        if self.sizes is None:
            return equal >= self.least * num_perm, jaccard >= self.likely
        smaller = np.minimum(size_a, size_b)
        shared = self.least * smaller
        needed = screen_floor(shared / np.maximum(size_a + size_b - shared, 1), num_perm)
        guess = jaccard * (size_a + size_b) / (1 + jaccard) / np.maximum(smaller, 1)
        return equal >= needed * num_perm, guess >= self.likely

    def exact(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """Which pairs pass the exact containment check (all of them without ``sets``)."""
        if self.sets is None or self.sizes is None:
            return np.ones(len(first), dtype=bool)
        order = np.argsort(first, kind="stable")
        smaller = np.minimum(self.sizes[first], self.sizes[second])
        shared = np.empty(len(first), dtype=np.int64)
        shared[order] = _shared_counts(first[order], second[order], self.sets)
        return shared >= self.least * smaller

    def passes(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """Which pairs pass both checks."""
        out = self.estimate(first, second)[0]
        kept = np.flatnonzero(out)
        out[kept] = self.exact(first[kept], second[kept])
        return out

    def pair_passes(self, i: int, j: int) -> bool:
        """:meth:`passes` for one pair, without setting up arrays: a big bucket is walked
        pair by pair, hundreds of thousands of pairs on a large dump."""
        equal = int(np.count_nonzero(self.signatures[i] == self.signatures[j]))
        if self.sets is None or self.sizes is None:
            return bool(self._judge(equal, None, None)[0])
        size_i, size_j = int(self.sizes[i]), int(self.sizes[j])
        if not self._judge(equal, size_i, size_j)[0]:
            return False
        shared = len(np.intersect1d(self.sets[i], self.sets[j], assume_unique=True))
        return bool(shared >= self.least * min(size_i, size_j))


def _shared_counts(first: np.ndarray, second: np.ndarray, sets: Sequence[np.ndarray]
                   ) -> np.ndarray:
    """``|sets[first[k]] ∩ sets[second[k]]|`` for every k (``first`` ascending): the
    sets paired with one article are searched in its set in one go."""
    out = np.zeros(len(first), dtype=np.int64)
    if not len(first):
        return out
    bounds = (np.flatnonzero(np.diff(first)) + 1).tolist()
    partners = second.tolist()
    for start, end in zip([0, *bounds], [*bounds, len(first)]):
        own = sets[int(first[start])]
        others = [sets[j] for j in partners[start:end]]
        values = np.concatenate(others)
        at = np.minimum(np.searchsorted(own, values), len(own) - 1)
        hits = np.concatenate(([0], np.cumsum(own[at] == values)))
        ends = np.cumsum([len(o) for o in others])
        out[start:end] = np.diff(hits[np.concatenate(([0], ends))])
    return out


def _verify_pairs(pairs: np.ndarray, big: Iterable[np.ndarray], asking: np.ndarray | None,
                  index: str, screen: _Screen, verifier: _Verifier, uf: _UnionFind) -> None:
    """Merge the candidate pairs that pass the screen and verify.

    The result is that of verifying every pair (the connected components of verified
    pairs) whatever the order, but pairs already connected are not compared again, so
    pairs the screen finds likely copies go first.
    ``big`` buckets (from :func:`lsh_pairs`) are walked component by component, so that a
    bucket of thousands of copies costs about one verification per copy, not per pair.
    Only pairs with an ``asking`` member count (all pairs when ``asking`` is None).
    """
    # Likely copies first: they connect most components, so that far fewer of the
    # other pairs need their shared shingles counted, let alone a verification.
    passes, likely = screen.estimate(pairs[:, 0], pairs[:, 1])
    for i, j in pairs[likely].tolist():
        if uf.find(i) != uf.find(j) and verifier.verified(i, j, index):
            uf.union(i, j)
    rest = pairs[passes & ~likely]
    roots = uf.roots()
    rest = rest[roots[rest[:, 0]] != roots[rest[:, 1]]]
    find = uf.find
    for i, j in rest[screen.exact(rest[:, 0], rest[:, 1])].tolist():
        if find(i) != find(j) and verifier.verified(i, j, index):
            uf.union(i, j)
    rejected: set[tuple[int, int]] = set()
    for bucket in big:
        components: dict[int, list[int]] = {}
        for key in bucket.tolist():
            components.setdefault(uf.find(key), []).append(key)
        groups = list(components.values())
        asks = [asking is None or bool(asking[g].any()) for g in groups]
        for a, first in enumerate(groups):
            if not asks[a]:
                continue
            for b, second in enumerate(groups):
                if b == a or (asks[b] and b < a) or uf.find(first[0]) == uf.find(second[0]):
                    continue
                _join_if_verified(first, second, index, asking, screen, verifier, uf, rejected)


def _join_if_verified(first: list[int], second: list[int], index: str,
                      asking: np.ndarray | None, screen: _Screen, verifier: _Verifier,
                      uf: _UnionFind, rejected: set[tuple[int, int]]) -> None:
    for i in first:
        for j in second:
            pair = (i, j) if i < j else (j, i)
            if asking is not None and not (asking[i] or asking[j]) or pair in rejected:
                continue
            if screen.pair_passes(*pair) and verifier.verified(pair[0], pair[1], index):
                uf.union(i, j)
                return
            rejected.add(pair)


@dataclass
class _Verifier:
    """Exact similarity of two articles, as used to accept a candidate pair."""

    docs: Sequence[Article]
    prints: Fingerprints
    model: BoilerplateModel
    config: DedupConfig

    def similarity(self, i: int, j: int) -> float:
        """Headline similarity if either is headline-only, else body similarity.

        A site's sidebar can carry the lead of a story the same site published, which
        makes that lead chrome there and leaves it out of one copy only; so a pair from
        two sources that falls short is compared again with the chrome of both sources
        left out of both texts.
        """
        prints, config = self.prints, self.config
        if prints.digest[i] == prints.digest[j]:
            return 1.0
        if prints.title_only[i] or prints.title_only[j]:
            return similarity(prints.title[i], prints.title[j], 10**9)
        value = self._body_similarity(i, j, prints.body[i], prints.body[j])
        if value < config.threshold and value >= _RECHECK * config.threshold:
            sources = sorted({source_key(self.docs[i]), source_key(self.docs[j])})
            if len(sources) == 2:
                a = shingles_without(self.docs[i], self.model, sources, config)
                b = shingles_without(self.docs[j], self.model, sources, config)
                value = max(value, self._body_similarity(i, j, a, b))
        return value

    def _body_similarity(self, i: int, j: int, a: np.ndarray, b: np.ndarray) -> float:
        """Containment where it applies and the shared text is aligned (see
        :func:`aligned`), else the Jaccard index."""
        if len(a) == 0 or len(b) == 0:
            return 0.0
        shared = len(np.intersect1d(a, b, assume_unique=True))
        jaccard = shared / (len(a) + len(b) - shared)
        smaller = min(len(a), len(b))
        if smaller < self.config.min_containment_shingles or jaccard >= self.config.threshold:
            return jaccard
        heads = self.prints.head
        if not (aligned(heads[i], b, shared) and aligned(heads[j], a, shared)):
            return jaccard
        return shared / smaller

    def verified(self, i: int, j: int, index: str) -> bool:
        if index == "headline" or self.prints.title_only[i] or self.prints.title_only[j]:
            sim = similarity(self.prints.title[i], self.prints.title[j], 10**9)
            return sim >= self.config.headline_threshold and not articles_numbers_differ(
                self.docs[i], self.docs[j])
        return self.similarity(i, j) >= self.config.threshold


def similarity(a: np.ndarray, b: np.ndarray, min_containment: int) -> float:
    """Exact similarity of two sorted, unique shingle sets.

    Containment ``|A∩B| / min(|A|,|B|)`` (an abridged copy inside the full story) when
    the smaller set has at least ``min_containment`` shingles, else the Jaccard index.
    """
    if len(a) == 0 or len(b) == 0:
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    smaller = min(len(a), len(b))
    if smaller >= min_containment:
        return inter / smaller
    return inter / (len(a) + len(b) - inter)


def aligned(head: np.ndarray, other: np.ndarray, shared: int) -> bool:
    """Whether the text shared with ``other`` begins near the start of this article.

    ``head`` holds the article's first shingles in text order. An abridged copy and
    the full story share their start; a page that carries another story's lead in a
    "Latest news" sidebar shares it only after its own text. So the shingles before
    the first shared one may be at most half as many as the shared ones (room for a
    caption or an editor's note in front). Past the end of ``head`` a long match is
    taken as aligned.
    """
    # ``other`` is sorted: a binary search per head shingle (np.isin sorts both sides).
    at = np.searchsorted(other, head)
    found = np.flatnonzero(other[np.minimum(at, len(other) - 1)] == head) if len(other) else at[:0]
    before = int(found[0]) if len(found) else len(head)
    if not len(found) and len(head) == HEAD_SHINGLES and shared > 2 * HEAD_SHINGLES:
        return True
    return 2 * before <= shared


def _groups(verifier: _Verifier, uf: _UnionFind) -> list[DuplicateGroup]:
    docs, prints, config = verifier.docs, verifier.prints, verifier.config
    members: dict[int, list[int]] = {}
    for i in range(len(docs)):
        members.setdefault(uf.find(i), []).append(i)
    chosen = []
    for group in members.values():
        kept = min(group, key=lambda i: _keep_key(docs[i], i, prints.length[i], config.keep))
        chosen.append((kept, [i for i in group if i != kept]))
    chosen.sort(key=lambda item: item[0])
    out = []
    for kept, others in chosen:
        sims = tuple(verifier.similarity(kept, j) for j in others)
        out.append(DuplicateGroup(kept=docs[kept], duplicates=tuple(docs[j] for j in others),
                                  similarities=sims))
    return out


def _keep_key(article: Article, index: int, content_length: int, keep: str) -> tuple[Any, ...]:
    # "longest" measures normalised content without chrome: the most complete copy wins,
    # not the one with the most entities, markup or page chrome.
    if keep == "first":
        return (index,)
    length = -content_length
    published = article.published or _FAR_FUTURE
    if keep == "longest":
        return (length, published, article.id)
    return (published, length, article.id)
