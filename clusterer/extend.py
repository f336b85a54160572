"""Storylines that continue stored ones: the hook :mod:`clusterer.tracking` calls,
built from the batch run's own steps (:mod:`clusterer.storylines`,
:mod:`clusterer.evidence`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from clusterer.evidence import NOISE, attach, drop_singletons, prune, time_blocks
from clusterer.features import build_features
from clusterer.neighbours import merge_neighbours
from clusterer.records import Article, DuplicateGroup
from clusterer.storyline_records import Storyline, StorylineResult, assemble, time_hours
from clusterer.storylines import (
    Progress,
    StorylineConfig,
    _cluster_language,
    _merge,
    by_language,
    headline_words,
)
from clusterer.unionfind import UnionFind

if TYPE_CHECKING:
    import scipy.sparse as sp

    from clusterer.evidence import Evidence
def extend_storylines(groups: Sequence[DuplicateGroup], seeds: Sequence[int],
                      config: StorylineConfig | None = None,
                      body_text: Callable[[Article], str] | None = None,
                      progress: Progress | None = None, merge_seeded: bool = True,
                      fresh: Sequence[bool] | None = None,
                      chrome_title: Callable[[Article], bool] | None = None) -> StorylineResult:
    """Storylines that continue given ones (the hook of :mod:`clusterer.tracking`).

    ``seeds[i]`` is the storyline (any number >= 0) ``groups[i]`` already belongs to,
    or -1; ``fresh[i]`` whether it is new in this run (default: every unseeded one).
    The unseeded groups (fresh ones and stored unclustered ones near them) are first
    clustered among themselves as by :func:`build_storylines`, keeping the clusters with
    a fresh group. Then, when there are seeds, storylines merge as a batch run merges
    fragments (:func:`_merge`, then :func:`~clusterer.evidence.prune`), but only where a
    fresh group is among those merged, two seeded storylines only where their stored
    members alone have the evidence two fragments need (:func:`_weakest`), and a new
    cluster into a seeded storyline only where no stored member loses the evidence it
    has there (:func:`_merge_new`). The groups still alone then join the storyline for which they
    have the evidence a batch run asks (:func:`~clusterer.evidence.rescue`,
    :func:`~clusterer.evidence.rescue_near`), and storylines whose short articles are
    mutual nearest neighbours merge (:func:`~clusterer.neighbours.merge_neighbours`) on
    the same terms, after which the groups still alone are judged again. Only groups and storylines within
    ``window_hours`` of the fresh groups' time span are clustered or merged again. So a
    run with nothing fresh changes nothing. With ``merge_seeded`` False, two seeded
    storylines never merge (new ones may still join one). A storyline left with fewer
    than ``min_size`` articles is unclustered. ``chrome_title`` is as for
    :func:`build_storylines`. Without seeds the result is that of :func:`build_storylines`.
    """
    config = config or StorylineConfig()
    report = progress or (lambda stage, done, total: None)
    seeded = np.asarray(seeds, dtype=np.int64)
    new = seeded < 0 if fresh is None else np.asarray(fresh, dtype=bool)
    return by_language(groups, config, body_text, report,
                       lambda docs, part, positions, language: _extend_language(
                           docs, part, seeded[positions], new[positions], language, config,
                           report, merge_seeded, chrome_title))


def _extend_language(docs: list[str], part: list[DuplicateGroup], seeds: np.ndarray,
                     is_new: np.ndarray, language: str, config: StorylineConfig,
                     report: Progress, merge_seeded: bool,
                     chrome_title: Callable[[Article], bool] | None = None
                     ) -> tuple[list[Storyline], list[DuplicateGroup]]:
    """:func:`extend_storylines` within one language (groups in time order). Only
    what lies within ``window_hours`` of the new groups' time span is clustered or
    merged again (all of it when a new group is undated)."""
    hours = np.array([time_hours(g.kept.published) for g in part], dtype=np.float64)
    # As a batch run: one SVD per stretch of time no storyline crosses.
    stretches = time_blocks(hours, len(part), config.window_hours)
    features = build_features(docs, config.features, language, stretches)
    weights = np.array([g.size for g in part], dtype=np.float64)
    evidence = (features.tfidf, headline_words(part, language))  # as a batch run's
    labels = np.where(seeds >= 0, seeds, NOISE)
    # The new groups are first clustered among themselves (with the stored unclustered
    # ones near them), as a batch run would cluster them; only then do whole clusters
    # join stored storylines (_merge_new) and the groups left alone join one by
    # evidence. Placing each new group in a stored storyline first let a large stored
    # storyline take in the new groups of a neighbouring story one by one.
    near = _near(hours, is_new, config.window_hours)
    rest = np.flatnonzero((labels == NOISE) & near)
    more, _ = _cluster_language([docs[k] for k in rest], [part[k] for k in rest], language,
                                config, report)
    where = {part[k].kept.id: k for k in rest}
    label = int(labels.max(initial=-1)) + 1
    for found in more:
        members = [where[g.kept.id] for g in found.groups]
        if is_new[members].any():  # stored unclustered ones alone: as they were
            labels[members] = label
            label += 1
    if (seeds >= 0).any():  # with no seeds: exactly a batch run
        labels = _merge_new(features.vectors, evidence, weights, labels, near, seeds, is_new,
                            config.similarity, merge_seeded, stretches)
        # As a batch run ends: groups still alone near the new ones (stored ones too: a
        # storyline that grew may now hold their closest members) join their closest
        # members' storyline.
        judged = np.flatnonzero((labels != NOISE) | is_new | near)
        labels[judged] = attach((evidence[0][judged], evidence[1][judged]), weights[judged],
                                hours[judged], labels[judged], config)
        # And storylines near the new groups that share mutual nearest neighbours
        # merge, on the same terms as above; then, as a batch run, the groups still
        # alone are judged again against the merged storylines.
        touched = np.isin(labels, np.unique(labels[near & (labels != NOISE)]))
        merged = merge_neighbours(evidence[0], weights, hours, np.where(touched, labels, NOISE),
                                  config)
        labels = np.where(touched, _with_new(merged, evidence[0], weights, labels, seeds, is_new,
                                             config.similarity, merge_seeded), labels)
        labels[judged] = attach((evidence[0][judged], evidence[1][judged]), weights[judged],
                                hours[judged], labels[judged], config)
    return assemble(part, features, weights, labels, config, language, chrome_title)


def _near(hours: np.ndarray, is_new: np.ndarray, window: float) -> np.ndarray:
    """Groups within ``window`` hours of the new groups' time span (undated ones too);
    every group when a new one is undated, none when nothing is new."""
    dated = hours[is_new]
    if len(dated) == 0:
        return np.zeros(len(hours), dtype=bool)
    if np.isnan(dated).any():
        return np.ones(len(hours), dtype=bool)
    return np.isnan(hours) | ((hours >= dated.min() - window) & (hours <= dated.max() + window))


def _merge_new(vectors: np.ndarray, evidence: Evidence, weights: np.ndarray, labels: np.ndarray,
               near: np.ndarray, seeds: np.ndarray, is_new: np.ndarray, similarity: float,
               merge_seeded: bool, stretches: list[np.ndarray]) -> np.ndarray:
    """Storylines with a member near the new groups merge as a batch run merges
    fragments (:func:`_merge_by_stretch`, then :func:`~clusterer.evidence.prune`), where a new
    group is among those merged. Seeded storylines merge with each other only where their
    stored members
    alone have the evidence two fragments need (:func:`_weakest`: a TF-IDF cosine of
    ``similarity`` between their centroids), and never unless ``merge_seeded``: a
    merge costs an id, so new articles bridging two storylines do not merge them
    without it. A merge with a new cluster after which a stored member of a seeded
    storyline no longer has the evidence it has there without the merge is undone."""
    touched = np.isin(labels, np.unique(labels[near & (labels != NOISE)]))
    merged = _merge_by_stretch(vectors, weights, np.where(touched, labels, NOISE), stretches)
    merged = np.where(touched, _with_new(merged, evidence[0], weights, labels, seeds, is_new,
                                         similarity, merge_seeded), labels)
    pruned = prune(evidence, weights, np.where(touched, merged, NOISE), similarity)
    # New clusters continue a stored storyline, they do not take it over: a merge with
    # a new cluster that costs a stored member the evidence it has in its own storyline
    # is undone.
    stored = touched & ~is_new & (labels >= 0) & (labels <= int(seeds.max()))
    kept = prune(evidence, weights, np.where(touched, labels, NOISE), similarity) != NOISE
    undo = np.unique(merged[stored & kept & (pruned == NOISE)])
    undo = undo[np.isin(undo, merged[labels > int(seeds.max())])]
    if len(undo):
        merged = np.where(np.isin(merged, undo), labels, merged)
        pruned = prune(evidence, weights, np.where(touched, merged, NOISE), similarity)
    return drop_singletons(np.where(touched, pruned, merged))


def _merge_by_stretch(vectors: np.ndarray, weights: np.ndarray, labels: np.ndarray,
                      stretches: list[np.ndarray]) -> np.ndarray:
    """:func:`_merge` (of clusters of two or more) in each of the ``stretches`` of time
    on its own, as a batch run merges: the reduced vectors of two stretches are in
    different spaces. A storyline with members in two stretches (an undated article
    rescued into it sits in the last) takes part in the merges of both; each merged
    set keeps its smallest label."""
    ids = np.unique(labels[labels != NOISE])
    sets = UnionFind(len(ids))
    for stretch in stretches:
        merged = _merge(vectors[stretch], weights[stretch], labels[stretch], only_multi=True)
        inside = labels[stretch] != NOISE
        for a, b in zip(np.searchsorted(ids, labels[stretch][inside]).tolist(),
                        np.searchsorted(ids, merged[inside]).tolist()):
            sets.union(a, b)
    out = labels.copy()
    inside = labels != NOISE
    out[inside] = ids[sets.roots()][np.searchsorted(ids, labels[inside])]
    return out


def _with_new(merged: np.ndarray, tfidf: sp.csr_matrix, weights: np.ndarray, labels: np.ndarray,
              seeds: np.ndarray, is_new: np.ndarray, similarity: float, merge_seeded: bool
              ) -> np.ndarray:
    """``merged`` (storylines of ``labels`` merged, each set under its smallest label)
    with the merges undone that join no new group, or two seeded storylines unless
    ``merge_seeded`` and :func:`_weakest` reaches ``similarity``."""
    merged = merged.copy()
    first_new = int(seeds.max()) + 1
    for value in np.unique(merged[merged != NOISE]).tolist():
        at = merged == value
        old = np.unique(labels[at & (labels >= 0) & (labels < first_new)])
        if not is_new[at].any() or (len(old) > 1 and (
                not merge_seeded
                or _weakest(tfidf, weights, labels, at & ~is_new, old) < similarity)):
            merged[at] = labels[at]
    return merged


def _weakest(tfidf: sp.csr_matrix, weights: np.ndarray, labels: np.ndarray,
             stored: np.ndarray, seeded: np.ndarray) -> float:
    """The smallest TF-IDF cosine between the centroid of one ``seeded`` storyline's
    ``stored`` members and that of the others' (weighted by copies)."""
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize

    sums = [sp.csr_matrix(weights[stored & (labels == s)] @ tfidf[stored & (labels == s)])
            for s in seeded.tolist()]
    total = sums[0]
    for other in sums[1:]:
        total = total + other
    return min(float((normalize(mine) @ normalize(total - mine).T).toarray()[0, 0])
               for mine in sums)
