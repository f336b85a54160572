"""Matching: which candidate pairs of a dump are copies.

:func:`merge_exact` joins exact copies (content, URL, GUID); :func:`merge_near` asks
LSH for candidate pairs over the MinHash fingerprints, drops in bulk those that cannot
verify (:mod:`clusterer.candidates`), and has
:meth:`clusterer.comparer.Comparer.compare`, the single definition of how two articles
compare, decide the rest, pair by pair (or component by component in a big bucket).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from clusterer.alignment import inside_floor
from clusterer.candidates import (
    Screen,
    feed_cut_pairs,
    opening_in_page,
    same_opening,
    screen_floor,
    verify_pairs,
    verify_screened_out,
)
from clusterer.comparer import Comparer, by_content
from clusterer.engine import LocalEngine, return_free_memory
from clusterer.fingerprint import Fingerprints
from clusterer.lsh import lsh_pairs_of, lsh_params, union_pairs
from clusterer.records import Article
from clusterer.unionfind import UnionFind
from clusterer.validation import check_range
from clusterer.weaklinks import RECHECK as _RECHECK
from clusterer.weaklinks import BodyJoin, HeadlineJoin

Progress = Callable[[str, int, "int | None"], None]  # stage, done, total (None: unknown)



@dataclass(frozen=True)
class MatchConfig:
    """Parameters of matching (held for users by :class:`clusterer.dedup.DedupConfig`).

    Args:
        threshold: Verified body similarity at which two articles are copies, 0 < t <= 1.
        headline_threshold: Headline Jaccard at which a headline-only article is a
            copy, 0 < t <= 1.
        lsh_threshold: Jaccard the LSH bands are tuned for (candidates only), 0 < t <= 1.
        min_containment_shingles: Smallest set for which containment counts.
        shingle_size: Words per body shingle (to shingle again without chrome).
    """

    threshold: float = 0.7
    headline_threshold: float = 0.8
    lsh_threshold: float = 0.4
    min_containment_shingles: int = 25
    shingle_size: int = 4

    def __post_init__(self) -> None:
        check_range("threshold", self.threshold, 0.0, 1.0, low_open=True)
        check_range("headline_threshold", self.headline_threshold, 0.0, 1.0, low_open=True)
        check_range("lsh_threshold", self.lsh_threshold, 0.0, 1.0, low_open=True)
        check_range("min_containment_shingles", self.min_containment_shingles, 1, 100_000)


def merge_exact(docs: Sequence[Article], prints: Fingerprints, uf: UnionFind) -> None:
    """Join articles with the same normalised content, canonical URL or feed GUID.

    The same headline is not the same content: headline-only articles are matched by
    :func:`merge_near`, which keeps a headline from joining two bodies (two feed items
    with one headline may each be an exact copy, by URL, of a different article).
    Only those with no headline word to match ("!") are matched here, by their raw form.
    """
    # The first article of each value, one table per signal: no (signal, value) tuple
    # per article (traced peak at 100k make_corpus 28 -> 11 MiB).
    exact: dict[str | bytes, int] = {}
    urls: dict[str | bytes, int] = {}
    guids: dict[str | bytes, int] = {}
    for i, article in enumerate(docs):
        signals: list[tuple[str, dict[str | bytes, int], str | bytes]] = (
            [("exact", exact, prints.digest[i])] if by_content(prints, i) else [])
        if article.url:
            signals.append(("url", urls, article.url))
        if article.guid:
            signals.append(("guid", guids, article.guid))
        for kind, first, value in signals:
            j = first.setdefault(value, i)
            if j != i:
                uf.union(j, i, kind, 1.0 if kind == "exact" else None)


def merge_near(comparer: Comparer, uf: UnionFind, report: Progress,
               fresh: np.ndarray | None = None, keep_lead: bool = True,
               pool: LocalEngine | None = None) -> None:
    """Join the near-duplicate pairs that LSH proposes and :meth:`Comparer.compare`
    accepts: bodies by their whole and their lead, headline-only articles by headline.
    With ``fresh`` (a mask), only pairs with a fresh article are offered: the others
    were matched before (:mod:`clusterer.delta`). Without ``keep_lead``, the lead
    signatures are let go once their candidate pairs are found (``prints.lead_sig``
    becomes an empty array: nothing after needs them, and at 1M articles they are
    0.5 GiB of the matching stage's peak). With ``pool`` (a local engine whose workers
    are forked), the body LSH bands are banded and screened in its workers
    (:func:`clusterer.lsh.lsh_pairs`), and the body walks' pairs are compared ahead
    there (:meth:`Comparer.prefetch`); headlines are matched here."""
    prints, config = comparer.prints, comparer.config
    num_perm = prints.body_sig.shape[1]
    n = len(prints.body)
    # One representative per exact class enters the indexes; empty sets cannot match.
    has_body = (prints.body.lengths() > 0).tolist()
    reps = [i for i in range(n) if uf.find(i) == i and has_body[i]]
    bands, rows = lsh_params(config.lsh_threshold, num_perm)

    # Body and lead candidates are verified alike (body similarity), so they are pooled.
    body_reps = np.asarray([i for i in reps if not prints.title_only[i]], dtype=np.int64)
    if len(body_reps) >= 2:
        report("matching (body)", 0, 1)
        # A third source of candidates: the headline. Copies whose bodies were edited,
        # cut or cluttered apart in every band may still share a headline; the body
        # decides all the same (screen and verification below).
        # Only near-identical headlines count (the headline threshold's screen): similar
        # headlines are common (a 100k dump gave 4.5M pairs at the LSH level) and the
        # body pairs they propose are nearly all futile.
        # Banded for that floor, not for lsh_threshold: far fewer pairs to screen.
        titled_reps = body_reps[prints.title.lengths()[body_reps] > 0]
        floor = headline_floor(config, num_perm)
        by_title, title_buckets = lsh_pairs_of(prints.title_sig, titled_reps,
                                               *lsh_params(floor, num_perm),
                                               None if fresh is None else fresh[titled_reps],
                                               pool=pool)
        close = Screen(prints.title_sig, floor, 1.0).estimate(
            titled_reps[by_title[:, 0]], titled_reps[by_title[:, 1]])[0]
        wanted = None if fresh is None else fresh[body_reps]
        # Nor a headline a feed cut to its length limit ("..."), by a third of a long one.
        cut = feed_cut_pairs(comparer, titled_reps)
        if fresh is not None:
            cut = cut[fresh[cut[:, 0]] | fresh[cut[:, 1]]]
        headed = np.concatenate([titled_reps[by_title[close]], cut])
        # A pair below the recheck level is rejected without a recheck (see
        # Comparer.compare), and its similarity is at most its containment.
        screen = Screen(prints.body_sig, _RECHECK * config.threshold, config.threshold,
                         prints.body)

        def passing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            # verify_pairs offers only the pairs that pass the estimate: the others are
            # dropped band by band, not gathered (the lead pairs grow with the square of
            # the dump). The same pairs, in the same order, are verified.
            return screen.estimate(body_reps[a], body_reps[b])[0]

        found = [(body_reps, lsh_pairs_of(prints.body_sig, body_reps, bands, rows, wanted,
                                          passing, pool)),
                 (body_reps, lsh_pairs_of(prints.lead_sig, body_reps, bands, rows, wanted,
                                          passing, pool)),
                 (titled_reps, (by_title[close], title_buckets))]
        if not keep_lead and isinstance(prints.lead_sig, np.ndarray):
            prints.lead_sig = np.empty((0, num_perm), dtype=prints.lead_sig.dtype)
        pairs = union_pairs([*(members[p] for members, (p, _) in found), cut], n)
        big = [members[b] for members, (_, buckets) in found for b in buckets]
        del found  # each index's pairs: let go at their last use, as the pooled ones below
        joiner = BodyJoin(comparer, uf)
        verify_pairs(pairs, big, None, screen, joiner, uf, comparer.prefetch)
        del pairs, big
        # A story inside a page of long chrome is a minority of the page: the screen drops
        # the pair, and its shared text alone decides (Comparer._inside).
        verify_screened_out(headed, screen, joiner, uf,
                            inside_floor(True, config.min_containment_shingles),
                            comparer.prefetch)
        # Nor, where the page's headline was cut short, does the headline LSH propose it.
        inside = opening_in_page(comparer, body_reps)
        if fresh is not None:
            inside = inside[fresh[inside[:, 0]] | fresh[inside[:, 1]]]
        for i, j in inside.tolist():
            if uf.find(i) != uf.find(j):
                joiner(i, j)
        joiner.attach()
        del screen
        return_free_memory()
        report("matching (body)", 1, 1)

    # Every headline is indexed, copies in an exact class too (their headlines differ);
    # only headline-only articles look for matches.
    titled = np.flatnonzero(prints.title.lengths() > 0)
    asking = np.zeros(n, dtype=bool)
    asking[[i for i in reps if prints.title_only[i]]] = True
    if len(titled) >= 2 and asking.any():
        report("matching (headline)", 0, 1)
        signatures = prints.title_sig
        low = Screen(signatures, headline_floor(config, num_perm, _RECHECK),
                     config.headline_threshold)

        def near_enough(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            # Only pairs passing the lower of the two screens below are ever verified:
            # the others are dropped band by band, not gathered (headline pairs grow
            # with the square of the dump: 1.1M at 100,000 articles, 3.9M at 200,000).
            return low.estimate(titled[a], titled[b])[0]

        # Here, not in the pool: a headline comparison is cheap, and shipping the pairs
        # and answers cost more than it saved (100k dump: 2.7 s of CPU here, against
        # 1.6 s here and 3.1 s in the workers).
        pairs, buckets = lsh_pairs_of(signatures, titled, bands, rows, asking[titled],
                                      near_enough)
        # As article pairs, held once (the pairs grow with the square of the dump).
        pairs = titled[pairs]
        if fresh is not None:
            pairs = pairs[fresh[pairs[:, 0]] | fresh[pairs[:, 1]]]
        # A headline pair is verified by the Jaccard of the very sets signed.
        headlines = HeadlineJoin(comparer, uf)
        screen = Screen(signatures, headline_floor(config, num_perm), config.headline_threshold)
        verify_pairs(pairs, [titled[b] for b in buckets], asking, screen, headlines, uf)
        # A headline-only article with a few words of body may match by them (a "lead"
        # match, see Comparer._lead) where its headline only comes near: such pairs are
        # screened for the recheck level of the headline threshold.
        # Only the asking articles' texts are read back (the others stay on disk).
        worded = np.zeros(n, dtype=bool)
        asked = np.flatnonzero(asking)
        worded[asked] = [bool(comparer.docs[i].text) for i in asked.tolist()]
        near = pairs[worded[pairs].any(axis=1)]
        del pairs
        near = near[~screen.estimate(near[:, 0], near[:, 1])[0]]
        if len(near):
            verify_pairs(near, [], asking, low, headlines, uf)
        opening = same_opening(comparer, np.flatnonzero(worded), reps)
        if fresh is not None:
            opening = opening[fresh[opening[:, 0]] | fresh[opening[:, 1]]]
        for i, j in opening.tolist():
            if uf.find(i) != uf.find(j):
                headlines(i, j)
        headlines.attach()
        report("matching (headline)", 1, 1)


def headline_floor(config: MatchConfig, num_perm: int, share: float = 1.0) -> float:
    """The least estimated headline Jaccard worth verifying (against ``share`` of the
    headline threshold)."""
    return float(max(config.lsh_threshold,
                     screen_floor(share * config.headline_threshold, num_perm)))
