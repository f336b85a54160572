"""Candidate pairs: dropping those that cannot verify, and walking the rest.

LSH proposes candidate pairs (:func:`clusterer.lsh.lsh_pairs`); most of them are
chance collisions. :class:`Screen` drops, in bulk, the pairs whose MinHash-estimated
similarity (and, for bodies, exact containment counted for many pairs at once) is too
low to verify; :func:`verify_pairs` offers the rest to a ``join`` callable (which
compares the pair exactly and decides, see :mod:`clusterer.match`), likely copies
first, and walks big LSH buckets component by component. :func:`same_opening` proposes
the pairs no headline LSH can: a short copy and a page whose headline is page chrome.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from clusterer.fingerprint import ordered_shingles_without
from clusterer.headlines import CUT_WORDS, feed_cut, kept_by_feed, opens
from clusterer.lsh import distinct, in_sorted, shared_count
from clusterer.normalize import title_tokens
from clusterer.readers.urls import source_key
from clusterer.shingling import Packed

if TYPE_CHECKING:
    from clusterer.comparer import Comparer
    from clusterer.unionfind import UnionFind

Join = Callable[[int, int], bool]  # verify a candidate pair; whether it was joined
Pick = Callable[[np.ndarray], np.ndarray]  # which pairs (rows of a (k, 2) array) to verify
# The pairs a walk may verify next, and which of them it verifies: the mask ``pick`` gives
# (Comparer.prefetch: the picked ones may be compared ahead, in bulk, where they are picked).
Ahead = Callable[[np.ndarray, "Pick | None"], np.ndarray]


def _nothing_ahead(pairs: np.ndarray, pick: Pick | None = None) -> np.ndarray:
    """No comparisons made ahead (each pair is compared when the walk asks): the pairs
    ``pick`` picks (all without it)."""
    return np.ones(len(pairs), dtype=bool) if pick is None else pick(pairs)


def screen_floor(threshold: Any, num_perm: int) -> Any:
    """The lowest MinHash-estimated Jaccard worth verifying against ``threshold`` (a
    number or an array): four standard errors below it (``sqrt(t(1-t)/num_perm)``), so
    a pair at the threshold is screened out about once in 30,000."""
    return threshold - 4 * np.sqrt(threshold * (1 - threshold) / num_perm)


class Screen:
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
            probably a copy: such pairs are verified first (see :func:`verify_pairs`).
        sizes: Without ``sets``, their sizes: :meth:`estimate` judges as with ``sets``
            (:meth:`exact` passes every pair).
    """

    CHUNK = 1 << 14  # pairs compared at once (CHUNK x num_perm x 2 values in memory)

    def __init__(self, signatures: np.ndarray, least: float, likely: float,
                 sets: Sequence[np.ndarray] | None = None, sizes: np.ndarray | None = None
                 ) -> None:
        self.signatures = signatures
        self.least = least
        self.likely = likely
        self.sets = sets
        self.sizes = sizes if sets is None else (
            sets.lengths() if isinstance(sets, Packed)  # no Python call per set
            else np.fromiter((len(s) for s in sets), dtype=np.int64, count=len(sets)))

    def estimate(self, first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which pairs ``(first[k], second[k])`` pass the estimate, and which of them are
        likely copies."""
        passes = np.zeros(len(first), dtype=bool)
        likely = np.zeros(len(first), dtype=bool)
        remote = getattr(self.signatures, "equal_counts", None)
        # Signatures kept on an engine's workers are compared there, all pairs at once.
        counts = remote(first, second) if remote is not None else None
        for start in range(0, len(first), self.CHUNK):
            a, b = first[start:start + self.CHUNK], second[start:start + self.CHUNK]
            equal = (counts[start:start + self.CHUNK] if counts is not None
                     else np.count_nonzero(self.signatures[a] == self.signatures[b], axis=1))
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
        smaller = np.minimum(self.sizes[first], self.sizes[second])
        return shared_counts_of(first, second, self.sets) >= self.least * smaller

    def passes(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """Which pairs pass both checks."""
        out = self.estimate(first, second)[0]
        kept = np.flatnonzero(out)
        out[kept] = self.exact(first[kept], second[kept])
        return out

    def exact_of(self, pairs: np.ndarray) -> np.ndarray:
        """:meth:`exact` of the rows of ``pairs`` (shape (k, 2))."""
        return self.exact(pairs[:, 0], pairs[:, 1])

    def pair_passes(self, i: int, j: int) -> bool:
        """:meth:`passes` for one pair, without setting up arrays: a big bucket is walked
        pair by pair, hundreds of thousands of pairs on a large dump."""
        equal = int(np.count_nonzero(self.signatures[i] == self.signatures[j]))
        if self.sets is None or self.sizes is None:
            return bool(self._judge(equal, None, None)[0])
        size_i, size_j = int(self.sizes[i]), int(self.sizes[j])
        if not self._judge(equal, size_i, size_j)[0]:
            return False
        shared = shared_count(self.sets[i], self.sets[j])
        return bool(shared >= self.least * min(size_i, size_j))


def shared_counts_of(first: np.ndarray, second: np.ndarray, sets: Sequence[np.ndarray]
                     ) -> np.ndarray:
    """:func:`shared_counts` of pairs in any order (``first`` need not be ascending)."""
    order = np.argsort(first, kind="stable")
    shared = np.empty(len(first), dtype=np.int64)
    shared[order] = shared_counts(first[order], second[order], sets)
    return shared


def shared_counts(first: np.ndarray, second: np.ndarray, sets: Sequence[np.ndarray]
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


def verify_pairs(pairs: np.ndarray, big: Iterable[np.ndarray], asking: np.ndarray | None,
                  screen: Screen, join: Join, uf: UnionFind, ahead: Ahead | None = None
                  ) -> None:
    """Offer ``join`` the candidate pairs that pass the screen, until they are joined.

    The result is that of verifying every pair (the connected components of verified
    pairs) whatever the order, but pairs already connected are not compared again, so
    pairs the screen finds likely copies go first.
    ``big`` buckets (from :func:`lsh_pairs`) are walked component by component, so that a
    bucket of thousands of copies costs about one verification per copy, not per pair.
    Only pairs with an ``asking`` member count (all pairs when ``asking`` is None).
    ``ahead`` is told, before each of the two walks over ``pairs``, which pairs it may
    compare, and screens the second walk's
    (:meth:`clusterer.comparer.Comparer.prefetch`).
    """
    ahead = ahead or _nothing_ahead
    # Likely copies first: they connect most components, so that far fewer of the
    # other pairs need their shared shingles counted, let alone a verification.
    passes, likely = screen.estimate(pairs[:, 0], pairs[:, 1])
    ahead(pairs[likely], None)
    for i, j in pairs[likely].tolist():
        if uf.find(i) != uf.find(j):
            join(i, j)
    rest = pairs[passes & ~likely]
    roots = uf.roots()
    rest = rest[roots[rest[:, 0]] != roots[rest[:, 1]]]
    rest = rest[ahead(rest, screen.exact_of)]
    find = uf.find
    for i, j in rest.tolist():
        if find(i) != find(j):
            join(i, j)
    # Pairs (i < j) already rejected, as i << 32 | j: one int each, not a tuple of two
    # (a big bucket's walk rejects pairs by the hundred thousand: 0.38M at 200,000
    # articles, and it grows with the square of the bucket).
    rejected: set[int] = set()
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
                _join_components(first, second, asking, screen, join, rejected)


def verify_screened_out(pairs: np.ndarray, screen: Screen, join: Join, uf: UnionFind,
                        least_shared: int, ahead: Ahead | None = None) -> None:
    """Offer ``join`` the pairs (shape (k, 2)) that ``screen`` drops but that share at
    least ``least_shared`` shingles, until they are joined: pairs with another reason to
    be compared (nearly the same headline) whose shared text is a minority of both."""
    if not len(pairs) or screen.sets is None:
        return
    roots = uf.roots()
    pairs = pairs[roots[pairs[:, 0]] != roots[pairs[:, 1]]]
    pairs = pairs[np.argsort(pairs[:, 0], kind="stable")]
    sets = screen.sets

    def pick(part: np.ndarray) -> np.ndarray:  # ``part``: rows of pairs, first ascending
        out = ~screen.passes(part[:, 0], part[:, 1])
        kept = np.flatnonzero(out)
        out[kept] = shared_counts(part[kept, 0], part[kept, 1], sets) >= least_shared
        return out

    # Picked here: most pairs are dropped, each in microseconds in bulk; picked in the
    # pool, a job per 512 pairs cost more than it saved (100k dump, loaded machine:
    # 3.2 s of wall for this step, against 2.8 s).
    pairs = pairs[pick(pairs)]
    (ahead or _nothing_ahead)(pairs, None)
    find = uf.find
    for i, j in pairs.tolist():
        if find(i) != find(j):
            join(i, j)


def _join_components(first: list[int], second: list[int], asking: np.ndarray | None,
                     screen: Screen, join: Join, rejected: set[int]) -> None:
    for i in first:
        for j in second:
            pair = (i, j) if i < j else (j, i)
            key = pair[0] << 32 | pair[1]
            if asking is not None and not (asking[i] or asking[j]) or key in rejected:
                continue
            if screen.pair_passes(*pair) and join(*pair):
                return
            rejected.add(key)


def same_opening(comparer: Comparer, short: np.ndarray, reps: Sequence[int]) -> np.ndarray:
    """Pairs (shape (k, 2)) of a headline-only article that kept a few words of body
    (``short``) and a body whose content opens with the same shingle, where either
    headline is page chrome (:meth:`clusterer.comparer.Comparer.generic_headline`): a copy
    cut to its first lines whose headline ("News Feed" or the like, or that cut to
    "News") says nothing about the story is found by its opening words, which
    :meth:`clusterer.comparer.Comparer._lead` verifies (not the headline LSH: the two
    headlines may share nothing)."""
    prints, docs = comparer.prints, comparer.docs
    size = comparer.config.shingle_size
    heads = prints.head
    bodies = np.asarray([i for i in reps if not prints.title_only[i]], dtype=np.int64)
    bodies = bodies[heads.lengths()[bodies] > 0] if len(bodies) else bodies
    if not len(short) or not len(bodies):
        return np.zeros((0, 2), dtype=np.int64)
    first = heads.values[heads.offsets[bodies]]
    by_first: dict[int, list[int]] = {}
    for article, value in zip(bodies.tolist(), first.tolist()):
        by_first.setdefault(value, []).append(article)
    generic: dict[int, bool] = {}  # a body's headline is asked about once

    def is_generic(article: int) -> bool:
        known = generic.get(article)
        if known is None:
            known = generic[article] = comparer.generic_headline(article)
        return known

    pairs = []
    for i in short.tolist():
        doc = docs[i]
        opening = ordered_shingles_without(doc, comparer.model, [source_key(doc)], size)
        same = by_first.get(int(opening[0]), []) if len(opening) else []
        if same and not is_generic(i):
            same = [j for j in same if is_generic(j)]
        pairs += [(i, j) for j in same]
    return np.asarray(pairs, dtype=np.int64).reshape(-1, 2)


# The first shingles of a story's content looked up in pages (an edit or a misread word
# among the first words still leaves one of them).
OPENING_SHINGLES = 4


def opening_in_page(comparer: Comparer, bodies: np.ndarray) -> np.ndarray:
    """Pairs (shape (k, 2)) of a page whose site has no chrome learned (a site seen once
    in the dump) and a body of another source whose content opens with a shingle the
    page holds (one of its first :data:`OPENING_SHINGLES`, not the dump's common text),
    under nearly the same headline (:func:`clusterer.comparer.headlines_close`, the
    shorter at least half as long as the other, :func:`_cut_short`, or cut by a feed's
    length limit, :func:`clusterer.headlines.feed_cut`): a story
    inside a page of unlearned chrome, which :meth:`clusterer.comparer.Comparer._inside`
    verifies. No LSH proposes them where the page's headline was cut short ("Bond" for
    "Bond default": a headline Jaccard far below the headline LSH's floor) and the story
    is a minority of the page."""
    prints, docs, model = comparer.prints, comparer.docs, comparer.model
    keys = [source_key(docs[i]) for i in bodies.tolist()]
    pages = [k for k, key in enumerate(keys) if key not in model.source_chrome_]
    heads = prints.head
    if not pages or not len(bodies):
        return np.zeros((0, 2), dtype=np.int64)
    by_value: dict[int, list[int]] = {}
    common = model.common_shingles_
    for k, article in enumerate(bodies.tolist()):
        opening = distinct(heads[article][:OPENING_SHINGLES])
        for value in opening[~in_sorted(opening, common)].tolist():
            by_value.setdefault(value, []).append(k)
    values = np.asarray(sorted(by_value), dtype=prints.body.values.dtype)
    level = comparer.config.headline_threshold
    titles = prints.title
    title_sizes = titles.lengths()
    articles = bodies.tolist()
    pairs: set[tuple[int, int]] = set()
    for k in pages:
        page = articles[k]
        if not title_sizes[page]:
            continue  # no headline is close to an empty one
        # The page's shingles looked up in the openings (sorted): its few hundred
        # shingles searched, not every opening of the dump. Each story it shares an
        # opening shingle with is weighed once (long pages share several with one story:
        # 136k headline checks for 4.6k pairs on a 20k long-article dump), the
        # headlines of all of them counted at once (:func:`headlines_close`, in bulk).
        body = prints.body[page]
        others = {other for value in body[in_sorted(body, values)].tolist()
                  for other in by_value[value]}
        stories = np.asarray(sorted(articles[other] for other in others
                                    if keys[other] != keys[k] and articles[other] != page),
                             dtype=np.int64)
        stories = stories[title_sizes[stories] > 0]
        if not len(stories):
            continue
        shared = shared_counts(np.full(len(stories), page), stories, titles)
        close = shared >= level * np.minimum(title_sizes[page], title_sizes[stories])
        for story in stories[close].tolist():
            if (_cut_short(titles[page], titles[story])
                    or feed_cut(docs[page].title, docs[story].title)):
                pairs.add((min(page, story), max(page, story)))
    return np.asarray(sorted(pairs), dtype=np.int64).reshape(-1, 2)


def feed_cut_pairs(comparer: Comparer, reps: np.ndarray) -> np.ndarray:
    """Pairs (shape (k, 2), sorted) of bodies ``reps`` where one's headline is the other's
    as a feed with a length limit cut it (:func:`clusterer.headlines.feed_cut`): nearly the
    same headline, which the headline LSH misses where the cut left out a third of a long
    one. The body decides, as for the headline LSH's pairs."""
    docs = comparer.docs
    kept = {i: words for i in reps.tolist() if (words := kept_by_feed(docs[i].title))
            and len(words) >= CUT_WORDS}
    if not kept:
        return np.zeros((0, 2), dtype=np.int64)
    # What a feed kept, by its words but the last (perhaps cut within the word); and the
    # lengths kept under each opening of CUT_WORDS - 1 words: a headline is looked up by
    # its own first words of those lengths only. Comparing each kept headline with every
    # headline of its opening grew with the square of the dump (many share one: "Apple
    # releases iOS 7 ..." opens 1,323 of a 100,000-article make_corpus dump).
    by_start: dict[tuple[str, ...], list[tuple[int, list[str]]]] = {}
    lengths: dict[tuple[str, ...], set[int]] = {}
    for i, words in kept.items():
        by_start.setdefault(tuple(words[:-1]), []).append((i, words))
        lengths.setdefault(tuple(words[:CUT_WORDS - 1]), set()).add(len(words))
    pairs: set[tuple[int, int]] = set()
    for j in reps.tolist():
        words = title_tokens(docs[j].title)
        for size in lengths.get(tuple(words[:CUT_WORDS - 1]), ()):
            if len(words) > size:
                pairs.update((min(i, j), max(i, j)) for i, cut in by_start.get(
                    tuple(words[:size - 1]), ()) if i != j and opens(cut, words))
    return np.asarray(sorted(pairs), dtype=np.int64).reshape(-1, 2)


def _cut_short(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether the shorter of two headlines (character shingle sets) holds at least half
    as many shingles as the longer: a headline cut by a word or two ("Mt. Gox files for
    US"), not one word that any longer headline holds ("News" inside "Business news and
    markets"), which says nothing of which story a page holds."""
    return 2 * min(len(a), len(b)) >= max(len(a), len(b))
