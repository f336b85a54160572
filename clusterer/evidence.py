"""Evidence that an article belongs to a storyline, on the sparse TF-IDF (where unrelated
articles score near 0, whatever the dump) and in the headlines: pruning members without
it, and rescuing unclustered articles that have it.

Labels are cluster numbers, one per article, :data:`NOISE` for none. Every function
judges all articles against the same clusters, so the order of the articles does not
matter.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # scipy.sparse is imported where used: 0.15 s of every start-up
    import scipy.sparse as sp

    from clusterer.storylines import StorylineConfig

    Evidence = tuple[sp.csr_matrix, sp.csr_matrix]  # TF-IDF rows, headline words

NOISE = -1
_CHUNK_CELLS = 4_000_000  # article-by-storyline scores held at once when rescuing
FEW_OTHERS = 0.5  # evidence needed: similarity x (1 + this / other members), 1.5x for a pair
_NEIGHBOURS = 2  # closest members an unclustered article is judged against
_NEAR_FACTOR = 2.0  # their average cosine must reach similarity x this


def time_blocks(hours: np.ndarray, block_size: int, window_hours: float) -> list[np.ndarray]:
    """Positions of articles in time order (undated last) cut into the blocks clustering
    runs on: first wherever two consecutive articles are more than ``window_hours``
    apart (no storyline spans such a gap: :func:`clusterer.storylines._split_in_time`
    would split it there), then each part into equal blocks of at most
    ``block_size``. Undated articles go with the last part.

    Articles of other times so never take part in a block's HDBSCAN or merging: in a
    dump spread over years, pages from other months only disturbed a day's headlines.
    """
    n = len(hours)
    if n == 0:
        return []
    with np.errstate(invalid="ignore"):
        gaps = np.flatnonzero(np.diff(hours) > window_hours) + 1
    blocks: list[np.ndarray] = []
    for part in np.split(np.arange(n), gaps):
        blocks += np.array_split(part, max(1, math.ceil(len(part) / block_size)))
    return blocks


def drop_singletons(labels: np.ndarray) -> np.ndarray:
    """Clusters of one article are noise again."""
    ids, counts = np.unique(labels, return_counts=True)
    lonely = ids[counts == 1]
    return np.where(np.isin(labels, lonely), NOISE, labels)


def cluster_sums(space: Any, weights: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, Any]:
    """Cluster ids (ascending) and the weighted sums of their members' rows."""
    import scipy.sparse as sp

    inside = labels != NOISE
    ids = np.unique(labels[inside])
    index = np.searchsorted(ids, labels[inside])
    member = sp.csr_matrix((weights[inside], (index, np.flatnonzero(inside))),
                           shape=(len(ids), space.shape[0]))
    return ids, member @ space


def cluster_centroids(space: Any, weights: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, Any]:
    """Cluster ids (ascending) and their weighted, normalised centroids (dense rows for
    a dense space, sparse for a sparse one)."""
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize

    ids, sums = cluster_sums(space, weights, labels)
    if len(ids) == 0:
        return ids, np.zeros((0, space.shape[1]))
    return ids, normalize(np.asarray(sums) if not sp.issparse(sums) else sums)


def prune(evidence: Evidence, weights: np.ndarray, labels: np.ndarray,
           similarity: float, rounds: int = 3) -> np.ndarray:
    """Members of a cluster without evidence of belonging become noise; repeated while
    some leave.

    Evidence, against the other members of its cluster: a TF-IDF cosine of at least
    ``similarity`` with their (weighted) centroid (times ``1 + FEW_OTHERS / others``:
    1.5 times for a pair, where the centroid is one article), and a headline word
    (not a stop word) shared with one of their headlines. Both hold in a dump of
    unrelated news, where unrelated articles score near 0 on the sparse TF-IDF (in a
    low-dimensional SVD of such a dump they do not) and pages of one site share
    boilerplate in their bodies, not their headlines.
    """
    tfidf, titles = evidence
    labels = labels.copy()
    for _ in range(rounds):
        inside = np.flatnonzero(labels != NOISE)
        if len(inside) == 0:
            return labels
        if tfidf.shape[1] == 0 or titles.shape[1] == 0:
            labels[inside] = NOISE
            return labels
        index = np.unique(labels[inside], return_inverse=True)[1]
        w = weights[inside]
        dots, norms = _dots_with_own_sum(tfidf[inside], index, w)
        # The rest of the cluster: its sum less the member's row (rows have unit norm).
        rest = np.sqrt(np.maximum(norms - 2 * w * dots + w * w, 0.0))
        cosine = (dots - w) / np.where(rest > 1e-9, rest, np.inf)
        mine = titles[inside]
        shared = _dots_with_own_sum(mine, index, np.ones(len(inside)))[0] - mine.getnnz(axis=1)
        # Against few others the cosine is a noisy estimate (against one, a single
        # pair's): the evidence needed grows as the rest of the storyline shrinks.
        others = np.bincount(index)[index] - 1
        need = similarity * (1 + FEW_OTHERS / np.maximum(others, 1))
        gone = inside[(cosine < need) | (shared < 0.5)]
        if len(gone) == 0:
            return labels
        labels[gone] = NOISE
        labels = drop_singletons(labels)
    return labels


def rescue(evidence: Evidence, weights: np.ndarray, hours: np.ndarray, labels: np.ndarray,
            config: StorylineConfig) -> np.ndarray:
    """Unclustered articles join the storyline for which they have the most evidence.

    HDBSCAN and the reduced vectors miss members that share few words with the rest;
    an unclustered article joins the storyline whose TF-IDF centroid it is closest to
    when it has the evidence :func:`~clusterer.evidence.prune` asks of a member (against all the
    storyline's articles) and lies within ``window_hours`` of its time span. All
    articles are judged against the same storylines, so the order does not matter.
    """
    import scipy.sparse as sp

    tfidf, titles = evidence
    alone = np.flatnonzero(labels == NOISE)
    if len(alone) == 0 or len(alone) == len(labels) or tfidf.shape[1] == 0 \
            or titles.shape[1] == 0:
        return labels
    from sklearn.preprocessing import normalize

    ids, sums = cluster_sums(tfidf, weights, labels)
    centroids = normalize(sp.csr_matrix(sums)).T.tocsr()
    words = sp.csr_matrix(cluster_sums(titles, np.ones(len(labels)), labels)[1]).T.tocsr()
    inside = labels != NOISE
    order = np.searchsorted(ids, labels[inside])
    need = config.similarity * (1 + FEW_OTHERS / np.bincount(order, minlength=len(ids)))
    first = np.full(len(ids), np.inf)
    np.minimum.at(first, order, np.where(np.isnan(hours[inside]), np.inf, hours[inside]))
    last = np.full(len(ids), -np.inf)
    np.maximum.at(last, order, np.where(np.isnan(hours[inside]), -np.inf, hours[inside]))
    labels = labels.copy()
    # In chunks: an article-by-storyline matrix of a whole dump may not fit in memory.
    rows = max(1, _CHUNK_CELLS // len(ids))
    for chunk in np.array_split(alone, math.ceil(len(alone) / rows)):
        cosine = (tfidf[chunk] @ centroids).toarray()
        fits = (cosine >= need) & ((titles[chunk] @ words).toarray() > 0.5)
        when = hours[chunk][:, None]
        with np.errstate(invalid="ignore"):  # storylines with no dated article: inf - inf
            near = np.isnan(when) | ~np.isfinite(first) | (
                (when >= first - config.window_hours) & (when <= last + config.window_hours))
        score = np.where(fits & near, cosine, -np.inf)
        best = score.argmax(axis=1)
        joins = np.isfinite(score[np.arange(len(chunk)), best])
        labels[chunk[joins]] = ids[best[joins]]
    return labels


def attach(evidence: Evidence, weights: np.ndarray, hours: np.ndarray, labels: np.ndarray,
           config: StorylineConfig) -> np.ndarray:
    """Unclustered articles join a storyline by :func:`rescue`, then those still alone
    by :func:`rescue_near`."""
    labels = rescue(evidence, weights, hours, labels, config)
    return rescue_near(evidence, hours, labels, config)


def rescue_near(evidence: Evidence, hours: np.ndarray, labels: np.ndarray,
                 config: StorylineConfig) -> np.ndarray:
    """Unclustered articles join the storyline of their closest members.

    A storyline of headlines or short reports is wide: an article that tells it in
    other words is far from its centroid (the :func:`~clusterer.evidence.rescue` test) but close to a
    few of its members. An unclustered article joins the storyline whose
    ``_NEIGHBOURS`` members closest to it (within ``window_hours``) reach an average
    TF-IDF cosine of ``_NEAR_FACTOR`` x ``similarity`` (0.3 by default: unrelated
    articles stay far below it on the sparse TF-IDF), and with one of which it shares
    a headline word. All are judged against the same storylines: the order does not
    matter.
    """
    tfidf, titles = evidence
    need = _NEAR_FACTOR * config.similarity
    alone = np.flatnonzero(labels == NOISE)
    # Members grouped by storyline, so that each storyline is a run of columns.
    inside = np.flatnonzero(labels != NOISE)
    if len(alone) == 0 or len(inside) == 0 or tfidf.shape[1] == 0 or titles.shape[1] == 0:
        return labels
    inside = inside[np.argsort(labels[inside], kind="stable")]
    ids, starts, counts = np.unique(labels[inside], return_index=True, return_counts=True)
    members_t = tfidf[inside].T.tocsr()
    words_t = titles[inside].T.tocsr()
    labels = labels.copy()
    rows = max(1, _CHUNK_CELLS // len(inside))
    for chunk in np.array_split(alone, math.ceil(len(alone) / rows)):
        cosine = (tfidf[chunk] @ members_t).toarray()
        when = hours[chunk][:, None]
        them = hours[inside][None, :]
        with np.errstate(invalid="ignore"):  # undated articles are near any time
            far = np.abs(when - them) > config.window_hours
        cosine[far] = 0.0
        # The average of each storyline's two closest members (one, for a storyline of one).
        first = np.maximum.reduceat(cosine, starts, axis=1)
        top = cosine >= np.repeat(first, counts, axis=1)
        # Only the first column holding a storyline's largest value leaves (ties count).
        running = np.cumsum(top, axis=1)
        before = np.hstack([np.zeros((len(chunk), 1)), running[:, starts[1:] - 1]])
        first_top = top & (running - np.repeat(before, counts, axis=1) == 1)
        rest = np.where(first_top, -np.inf, cosine)
        second = np.maximum.reduceat(rest, starts, axis=1)
        near = np.where(counts >= _NEIGHBOURS, (first + np.maximum(second, 0.0)) / 2, first)
        shares = np.add.reduceat((titles[chunk] @ words_t).toarray(), starts, axis=1) > 0.5
        score = np.where(shares & (near >= need), near, -np.inf)
        best = score.argmax(axis=1)
        joins = np.isfinite(score[np.arange(len(chunk)), best])
        labels[chunk[joins]] = ids[best[joins]]
    return labels


def _dots_with_own_sum(rows: sp.csr_matrix, cluster: np.ndarray, weights: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Each row's dot product with the weighted sum of its cluster's rows, and the
    squared norm of that sum.

    Args:
        rows: Sparse rows, shape (n, terms).
        cluster: Cluster index of each row, 0 to k - 1, shape (n,).
        weights: Weight of each row in its cluster's sum, shape (n,).
    """
    import scipy.sparse as sp

    n, width = rows.shape
    k = int(cluster.max()) + 1 if n else 0
    member = sp.csr_matrix((weights, (cluster, np.arange(n))), shape=(k, n))
    sums = sp.csr_matrix(member @ rows)
    sums.sum_duplicates()
    sums.sort_indices()
    sum_rows = np.repeat(np.arange(k, dtype=np.int64), np.diff(sums.indptr))
    keys = sum_rows * width + sums.indices  # sorted: by row, then column
    coo = rows.tocoo()
    # A row's terms are all in its cluster's sum: look each one up there.
    where = np.searchsorted(keys, cluster[coo.row].astype(np.int64) * width + coo.col)
    dots = np.bincount(coo.row, weights=coo.data * sums.data[where], minlength=n)
    norms = np.bincount(sum_rows, weights=sums.data.astype(np.float64) ** 2, minlength=k)
    return dots, norms[cluster]


def drop_site_themes(titles: sp.csr_matrix, sites: list[frozenset[str]],
                     labels: np.ndarray) -> np.ndarray:
    """Storylines whose articles all come from one site, held together only by that
    site's own vocabulary, become noise.

    Pages of one site share more than a story: series, templates and themes ("WNET
    Audit Committee Meetings" and "WNET Interactive & Technology Committee Meetings").
    Against other sites' articles that vocabulary is no evidence, but between two
    pages of the site it looks like a story. A storyline whose articles (copies
    included: ``sites`` holds each article's sites, ``""`` for unknown) all come from
    one known site stays only if two of its headlines share a word that is in at most
    half of that site's headlines in the dump: a word that tells this story apart from
    the site's other pages. A site none of whose other pages are in the dump gives no
    such contrast, and its storyline goes; in a dump of one site, a storyline stays
    when its words are not in most of the site's headlines.
    """
    labels = labels.copy()
    pages_of: dict[str, list[int]] = {}  # articles of each site alone
    for k, found in enumerate(sites):
        if len(found) == 1:
            pages_of.setdefault(next(iter(found)), []).append(k)
    inside = np.flatnonzero(labels != NOISE)
    inside = inside[np.argsort(labels[inside], kind="stable")]
    starts = np.unique(labels[inside], return_index=True)[1]
    common: dict[str, np.ndarray] = {}
    for members in np.split(inside, starts[1:]):
        found = frozenset().union(*(sites[k] for k in members.tolist()))
        if len(found) != 1 or "" in found:
            continue
        site = next(iter(found))
        if site not in common:  # the site's headlines holding each word, once per site
            common[site] = np.asarray(titles[pages_of[site]].sum(axis=0)).ravel()
        shared = np.asarray(titles[members].sum(axis=0)).ravel() >= 2
        if not (shared & (common[site] <= len(pages_of[site]) / 2)).any():
            labels[members] = NOISE
    return labels
