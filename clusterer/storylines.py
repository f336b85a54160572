"""Storylines: distinct articles about the same story, grouped with HDBSCAN, kept only
on evidence that holds in a dump of unrelated news.

Pipeline (kept articles only; copies travel with their kept article):

0. Order and language: the articles are sorted by time, then id (every later step
   sees the same order whatever the input's), and split by language
   (:mod:`clusterer.language`); each language is clustered on its own, so articles in
   different languages never share a storyline.
1. Features (:mod:`clusterer.features`): TF-IDF of headline and chrome-free body with
   the language's stop words, reduced with TruncatedSVD and L2-normalised. The TF-IDF
   is fitted on all the language's articles; the SVD on each stretch of time on its
   own (the articles cut wherever two consecutive ones are more than ``window_hours``
   apart, :func:`~clusterer.evidence.time_blocks`): no storyline crosses such a gap,
   and pages of other years would otherwise take SVD directions and move the mean
   that a day's headlines are compared in.
2. HDBSCAN on the reduced vectors proposes dense groups. It runs on blocks of at most
   ``block_size`` articles of one stretch, in time order (news is local in time;
   HDBSCAN's cost grows faster than linearly), and step 3 runs within each block; then
   the clusters of each pair of consecutive blocks of a stretch are merged the same
   way, so a storyline can continue across a block edge.
3. HDBSCAN shatters a story into many small clusters and leaves many articles as
   noise, so its clusters (as weighted centroids) and noise articles are merged by
   average-linkage agglomeration on the reduced vectors. The SVD proposes; it is not
   evidence: in a low-dimensional SVD of a diverse dump unrelated articles look alike.
   So after HDBSCAN and again at the end a member stays only with evidence against
   the rest of its storyline: a cosine of at least ``similarity`` on the sparse TF-IDF
   (where unrelated articles score near 0) and a headline word in common. Being
   unclustered is a normal outcome. Unclustered articles with that evidence against a
   storyline join it (:func:`~clusterer.evidence.attach`), before and again after
   storylines whose short articles are mutual nearest neighbours merge
   (:mod:`clusterer.neighbours`): a merged storyline has a new centroid and members.
   A storyline of one site's articles alone also
   needs a headline word that is not in most of that site's headlines
   (:func:`~clusterer.evidence.drop_site_themes`): one site's pages share its themes.
4. Time: a storyline is split wherever two consecutive articles are more than
   ``window_hours`` apart (articles without a time go with the closest part).
5. Each storyline (:mod:`clusterer.storyline_records`) gets a stable id, members
   ordered by closeness to the TF-IDF centroid (weighing each article by its copies),
   a representative headline
   (:func:`~clusterer.naming.representative`: not page chrome, complete, not cut with
   "...", then central, with a bonus for copies), class TF-IDF keywords (no word
   beside a chosen word pair holding it), size counting copies, sources and
   first/last time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from clusterer.engine import Engine, run_stage
from clusterer.evidence import (
    NOISE,
    attach,
    cluster_centroids,
    drop_singletons,
    drop_site_themes,
    prune,
    time_blocks,
)
from clusterer.features import (
    FeatureConfig,
    Features,
    build_features,
    document,
    site_words,
    title_terms,
)
from clusterer.language import SAMPLE_CHARS, detect_languages
from clusterer.neighbours import merge_neighbours
from clusterer.readers.urls import source_key, url_host
from clusterer.records import Article, DuplicateGroup
from clusterer.storyline_records import (
    Storyline,
    StorylineResult,
    assemble,
    time_hours,
    time_sort_key,
)
from clusterer.validation import check_range

Progress = Callable[[str, int, int], None]
# scipy.sparse is imported by the functions that use it: importing it costs 0.15 s,
# which every command would pay at start-up.
if TYPE_CHECKING:
    import scipy.sparse as sp

    from clusterer.evidence import Evidence

_SVD_SIMILARITY = 0.2  # average cosine of reduced centroids that proposes a merge


@dataclass(frozen=True)
class StorylineConfig:
    """Parameters of storyline clustering.

    Args:
        min_cluster_size: HDBSCAN ``min_cluster_size``; 2 lets a story of two articles
            exist (merging then joins the fragments HDBSCAN leaves). 2 to 1,000.
        min_samples: HDBSCAN ``min_samples``, 1 to 1,000.
        similarity: Evidence needed to share a storyline, 0 to 1: the cosine, on the
            sparse TF-IDF (where unrelated articles score near 0, whatever the dump),
            between an article and the centroid of the rest of its storyline, and the
            average cosine between the centroids of two fragments that merge. Chosen on
            real dumps of three kinds (all-story headlines, unrelated full-text pages,
            and both mixed); lower joins more.
        window_hours: Largest time gap inside one storyline, in hours (> 0).
        min_size: Smallest storyline, counting copies; smaller ones are unclustered. An
            unclustered article whose copies make it this large (and at least 2) is a
            storyline of its own: one story that several sites carried.
        keywords: Keywords per storyline, 1 to 50.
        block_size: Articles per HDBSCAN run, 500 to 1,000,000.
        features: How articles become vectors.
    """

    min_cluster_size: int = 2
    min_samples: int = 1
    similarity: float = 0.15
    window_hours: float = 72.0
    min_size: int = 2
    keywords: int = 6
    block_size: int = 4000
    features: FeatureConfig = field(default_factory=FeatureConfig)

    def __post_init__(self) -> None:
        check_range("min_cluster_size", self.min_cluster_size, 2, 1000)
        check_range("min_samples", self.min_samples, 1, 1000)
        check_range("similarity", self.similarity, 0.0, 1.0)
        check_range("window_hours", self.window_hours, 0.0, None, low_open=True)
        check_range("min_size", self.min_size, 1)
        check_range("keywords", self.keywords, 1, 50)
        check_range("block_size", self.block_size, 500, 1_000_000)

    def to_dict(self) -> dict[str, Any]:
        """Parameters as written into the JSON file."""
        return asdict(self)


def build_storylines(groups: Sequence[DuplicateGroup], config: StorylineConfig | None = None,
                     body_text: Callable[[Article], str] | None = None,
                     progress: Progress | None = None,
                     chrome_title: Callable[[Article], bool] | None = None,
                     engine: Engine | None = None) -> StorylineResult:
    """Group duplicate groups (their kept articles) into storylines.

    Args:
        groups: The output of deduplication, in any order: the result does not depend
            on it.
        config: Parameters; defaults to :class:`StorylineConfig`.
        body_text: Body of an article without chrome; defaults to ``article.text``.
        progress: Called as ``progress(stage, done, total)``.
        chrome_title: Whether an article's headline is page chrome ("News Feed", as
            dedup's chrome model tells): such a headline never names a storyline while
            another member's can.
        engine: Where the clustering of each time block (HDBSCAN, prune, merge) runs:
            here by default, or as that engine's jobs (the Dask engine's workers); the
            features, the joins across blocks and every later step run here. The
            result does not depend on it.

    Returns:
        Storylines sorted by size (largest first, then id) and unclustered groups in
        time order (undated last), then by id.
    """
    config = config or StorylineConfig()
    report = progress or (lambda stage, done, total: None)
    return by_language(groups, config, body_text, report,
                       lambda docs, part, _, language: _cluster_language(
                           docs, part, language, config, report, chrome_title, engine))


Cluster = Callable[[list[str], list[DuplicateGroup], list[int], str],
                   tuple[list["Storyline"], list[DuplicateGroup]]]


def by_language(groups: Sequence[DuplicateGroup], config: StorylineConfig,
                body_text: Callable[[Article], str] | None, report: Progress,
                cluster: Cluster) -> StorylineResult:
    """Storylines found language by language: ``cluster(docs, part, positions,
    language)`` gets one language's articles in time order (then id), their documents
    and their positions in ``groups``, and returns its storylines and unclustered
    groups.

    Every order-sensitive step (SVD, HDBSCAN, merging) so sees the articles in one
    order that does not depend on the input's, and articles in different languages
    never share a storyline.
    """
    body = body_text or (lambda article: article.text)
    order = sorted(range(len(groups)), key=lambda i: _order_key(groups[i]))
    ordered = [groups[i] for i in order]
    bodies = [body(g.kept) for g in ordered]
    report("languages", 0, 1)
    languages = detect_languages([f"{g.kept.title}\n{text[:SAMPLE_CHARS]}"
                                  for g, text in zip(ordered, bodies)])
    report("languages", 1, 1)
    storylines: list[Storyline] = []
    unclustered: list[DuplicateGroup] = []
    for language in sorted(set(languages)):
        index = [k for k, lang in enumerate(languages) if lang == language]
        part = [ordered[k] for k in index]
        docs = [document(g.kept.title, bodies[k], config.features) for k, g in zip(index, part)]
        found, alone = cluster(docs, part, [order[k] for k in index], language)
        storylines += found
        unclustered += alone
    storylines.sort(key=lambda s: (-s.size, s.id))
    unclustered.sort(key=_order_key)
    return StorylineResult(storylines=storylines, unclustered=unclustered, config=config)


def _cluster_language(docs: list[str], groups: list[DuplicateGroup], language: str,
                      config: StorylineConfig, report: Progress,
                      chrome_title: Callable[[Article], bool] | None = None,
                      engine: Engine | None = None
                      ) -> tuple[list[Storyline], list[DuplicateGroup]]:
    """Storylines among the articles of one language (in time order)."""
    hours = np.array([time_hours(g.kept.published) for g in groups], dtype=np.float64)
    report("features", 0, 1)
    features = build_features(docs, config.features, language,
                              time_blocks(hours, len(groups), config.window_hours))
    report("features", 1, 1)
    weights = np.array([g.size for g in groups], dtype=np.float64)
    titles = headline_words(groups, language)
    labels = _cluster_blocks(features, titles, weights, hours, config, report, engine)
    labels = _split_in_time(features.vectors, hours, labels, config)
    labels = drop_singletons(prune((features.tfidf, titles), weights, labels, config.similarity))
    labels = join_and_merge((features.tfidf, titles), weights, hours, labels, config)
    labels = drop_site_themes(titles, [frozenset(source_key(a) for a in (g.kept, *g.duplicates))
                                       for g in groups], labels)
    return assemble(groups, features, weights, labels, config, language, chrome_title)


def join_and_merge(evidence: Evidence, weights: np.ndarray, hours: np.ndarray,
                   labels: np.ndarray, config: StorylineConfig) -> np.ndarray:
    """Unclustered articles join storylines on evidence (:func:`~clusterer.evidence.attach`),
    storylines whose short articles are mutual nearest neighbours merge
    (:func:`~clusterer.neighbours.merge_neighbours`), and the articles still alone are
    judged again: a merged storyline has a new centroid and members (uci-dev, 5 seeds:
    B-cubed F1 0.820 to 0.823, ARI 0.798 to 0.801; pages-dev unchanged)."""
    labels = attach(evidence, weights, hours, labels, config)
    labels = merge_neighbours(evidence[0], weights, hours, labels, config)
    return attach(evidence, weights, hours, labels, config)


def headline_words(groups: Sequence[DuplicateGroup], language: str) -> sp.csr_matrix:
    """The headline words of each group's kept article that are evidence
    (:func:`~clusterer.features.title_terms`): not stop words, nor words of the
    article's own site (its source name and URL host)."""
    return title_terms([g.kept.title for g in groups], language,
                       [site_words(g.kept.source, url_host(g.kept.url)) for g in groups])


def _order_key(group: DuplicateGroup) -> tuple[float, str]:
    return (time_sort_key(group.kept.published), group.kept.id)


# ---------------------------------------------------------------- clustering steps
def _singletons(labels: np.ndarray) -> np.ndarray:
    """Noise points become clusters of one, so that merging can join them."""
    labels = labels.copy()
    noise = np.flatnonzero(labels == NOISE)
    labels[noise] = labels.max(initial=-1) + 1 + np.arange(len(noise))
    return labels


def _cluster_blocks(features: Features, titles: sp.csr_matrix, weights: np.ndarray,
                    hours: np.ndarray, config: StorylineConfig, report: Progress,
                    engine: Engine | None = None) -> np.ndarray:
    """Cluster labels (NOISE for none), block by block (the articles are in time order).

    Each block of at most ``block_size`` articles (:func:`_cluster_block`): HDBSCAN on
    the reduced vectors finds candidate fragments; members without evidence on the
    sparse TF-IDF are dropped from them; then fragments and lone articles merge on the
    sparse TF-IDF. The blocks run here, or as jobs of ``engine`` (a block's vectors,
    TF-IDF and headline rows travel, its labels come back). Then, here, storylines that
    cross a block edge are joined by merging the clusters of each pair of consecutive
    blocks.
    """
    vectors, tfidf = features.vectors, features.tfidf
    n = len(vectors)
    labels = np.full(n, NOISE, dtype=np.int64)
    if n == 0:
        return labels
    blocks = time_blocks(hours, config.block_size, config.window_hours)
    jobs = ((vectors[block], tfidf[block], titles[block], weights[block]) for block in blocks)
    mapper: Any = (engine.mapper(n, config) if engine is not None
                   else contextlib.nullcontext(lambda fn, items: (fn(config, job) for job in items)))
    with mapper as run:
        found = run_stage(run, _cluster_block, jobs, [1] * len(blocks), "clustering",
                          len(blocks), lambda stage, done, _: report(stage, done, len(blocks)))
    next_label = 0
    for block, local in zip(blocks, found):
        labels[block] = local + next_label
        next_label += int(local.max()) + 1
    for first, second in zip(blocks, blocks[1:]):
        if hours[second[0]] - hours[first[-1]] > config.window_hours:
            continue  # a gap no storyline spans
        both = np.concatenate([first, second])
        labels[both] = _merge(vectors[both], weights[both], labels[both], only_multi=True)
    return drop_singletons(labels)


def _cluster_block(config: StorylineConfig,
                   job: tuple[np.ndarray, sp.csr_matrix, sp.csr_matrix, np.ndarray]
                   ) -> np.ndarray:
    """One block's labels, from 0 (none NOISE): HDBSCAN, prune, merge."""
    vectors, tfidf, titles, weights = job
    local = _hdbscan(vectors, config)
    local = _singletons(prune((tfidf, titles), weights, local, config.similarity))
    return _merge(vectors, weights, local)


def _hdbscan(vectors: np.ndarray, config: StorylineConfig) -> np.ndarray:
    if len(vectors) < max(config.min_cluster_size, 3):
        return np.full(len(vectors), NOISE, dtype=np.int64)
    import hdbscan  # imported when used: `clusterer dedup` starts without it

    clusterer = hdbscan.HDBSCAN(min_cluster_size=config.min_cluster_size,
                                min_samples=config.min_samples)
    return np.asarray(clusterer.fit_predict(vectors), dtype=np.int64)


def _merge(vectors: np.ndarray, weights: np.ndarray, labels: np.ndarray,
           only_multi: bool = False) -> np.ndarray:
    """Join clusters whose reduced (SVD) centroids are similar: average linkage on
    cosine similarity, cut at ``_SVD_SIMILARITY``. Labels keep the smallest id of each
    merged set.

    The SVD proposes (it links headlines that share few words); :func:`~clusterer.evidence.prune` then
    keeps only the members with evidence on the sparse TF-IDF.
    With ``only_multi``, clusters of one article take no part (used across blocks).
    """
    ids, counts = np.unique(labels[labels != NOISE], return_counts=True)
    if only_multi:
        ids = ids[counts > 1]
    if len(ids) < 2:
        return labels
    _, centroids = cluster_centroids(vectors, weights, np.where(np.isin(labels, ids), labels, NOISE))
    distances = np.clip(1.0 - centroids @ centroids.T, 0.0, 2.0)
    np.fill_diagonal(distances, 0.0)
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    tree = linkage(squareform(distances, checks=False), method="average")
    merged = fcluster(tree, t=1.0 - _SVD_SIMILARITY, criterion="distance")
    first_id: dict[int, int] = {}
    for cluster_id, group in zip(ids.tolist(), merged.tolist()):
        first_id.setdefault(group, cluster_id)
    mapping = {cluster_id: first_id[group] for cluster_id, group in zip(ids.tolist(), merged.tolist())}
    return np.array([mapping.get(x, x) for x in labels.tolist()], dtype=np.int64)


def _split_in_time(vectors: np.ndarray, hours: np.ndarray, labels: np.ndarray,
                   config: StorylineConfig) -> np.ndarray:
    """Split storylines at gaps longer than the window; undated articles go with the
    most similar part."""
    labels = labels.copy()
    next_label = int(labels.max()) + 1 if len(labels) else 0
    for label in np.unique(labels[labels != NOISE]).tolist():
        members = np.flatnonzero(labels == label)
        dated = members[~np.isnan(hours[members])]
        if len(dated) < 2:
            continue
        dated = dated[np.lexsort((dated, hours[dated]))]
        gaps = np.diff(hours[dated]) > config.window_hours
        if not gaps.any():
            continue
        parts = np.split(dated, np.flatnonzero(gaps) + 1)
        for part in parts[1:]:
            labels[part] = next_label
            next_label += 1
        undated = members[np.isnan(hours[members])]
        if len(undated):
            part_labels = [labels[p[0]] for p in parts]
            centres = np.array([vectors[p].mean(axis=0) for p in parts])
            labels[undated] = np.array(part_labels)[(vectors[undated] @ centres.T).argmax(axis=1)]
    return labels
