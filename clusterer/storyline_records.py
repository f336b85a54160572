"""Storyline records: :class:`Storyline` and :class:`StorylineResult`, their JSON form,
and their assembly from the cluster labels :mod:`clusterer.storylines` finds (members
ranked by closeness to the centroid, the representative headline, keywords, ids).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from clusterer.evidence import NOISE, cluster_centroids
from clusterer.naming import (
    dangling_words,
    group_headline,
    keywords,
    representative,
    shared_titles,
)
from clusterer.records import Article, DuplicateGroup, iso_utc

if TYPE_CHECKING:
    from clusterer.features import Features
    from clusterer.storylines import StorylineConfig


@dataclass(frozen=True)
class Storyline:
    """One storyline: distinct articles (with their copies) about one story.

    Attributes:
        id: Stable id derived from the member ids.
        representative: The duplicate group whose headline (its kept article's, or a
            copy's: :attr:`headline`) names the storyline.
        keywords: Class TF-IDF keywords, most distinctive first.
        groups: Members, most central first.
    """

    id: str
    representative: DuplicateGroup
    keywords: tuple[str, ...]
    groups: tuple[DuplicateGroup, ...]

    @property
    def headline(self) -> str:
        """The representative's headline: its kept article's, or a copy's where that
        one is complete and the kept one cut (:func:`~clusterer.naming.group_headline`)."""
        return group_headline(self.representative)

    @property
    def size(self) -> int:
        """Articles in the storyline, copies included."""
        return sum(g.size for g in self.groups)

    @property
    def sources(self) -> int:
        """Distinct sources over all articles and copies."""
        return len({a.source for g in self.groups for a in (g.kept, *g.duplicates) if a.source})

    @property
    def first_seen(self) -> datetime | None:
        """Earliest publication time over all articles and copies."""
        times = _times(self.groups)
        return min(times) if times else None

    @property
    def last_seen(self) -> datetime | None:
        """Latest publication time over all articles and copies."""
        times = _times(self.groups)
        return max(times) if times else None

    def to_dict(self) -> dict[str, Any]:
        """JSON form, keys in schema order."""
        return {
            "id": self.id,
            "headline": self.headline,
            "representative_id": self.representative.kept.id,
            "size": self.size,
            "keywords": list(self.keywords),
            "sources": self.sources,
            "first_seen": iso_utc(self.first_seen),
            "last_seen": iso_utc(self.last_seen),
            "articles": [article_entry(g) for g in self.groups],
        }


@dataclass(frozen=True)
class StorylineResult:
    """Storylines, largest first, and the duplicate groups left unclustered."""

    storylines: list[Storyline]
    unclustered: list[DuplicateGroup]
    config: StorylineConfig

    def to_dict(self, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """The JSON cluster file (``schema_version`` 1)."""
        kept = sum(len(s.groups) for s in self.storylines) + len(self.unclustered)
        clustered = sum(s.size for s in self.storylines)
        unclustered = sum(g.size for g in self.unclustered)
        return {
            "schema_version": 1,
            "params": params if params is not None else {"storylines": self.config.to_dict()},
            "stats": {"articles": clustered + unclustered, "kept": kept,
                      "storylines": len(self.storylines), "clustered": clustered,
                      "unclustered": unclustered},
            "storylines": [s.to_dict() for s in self.storylines],
            "unclustered": [article_entry(g) for g in self.unclustered],
        }


def article_entry(group: DuplicateGroup) -> dict[str, Any]:
    """A kept article as listed in the JSON file, with its copies' ids (in time order,
    then by id: not in input order, so that the file does not depend on it)."""
    a = group.kept
    copies = sorted(group.duplicates, key=lambda d: (time_sort_key(d.published), d.id))
    return {"id": a.id, "title": a.title, "url": a.url, "source": a.source,
            "published": iso_utc(a.published), "duplicates": [d.id for d in copies]}


def time_sort_key(moment: datetime | None) -> float:
    """Hours since 1970 for sorting, undated last."""
    return math.inf if moment is None else time_hours(moment)


def assemble(groups: list[DuplicateGroup], features: Features, weights: np.ndarray,
              labels: np.ndarray, config: StorylineConfig, language: str,
              chrome_title: Callable[[Article], bool] | None = None
              ) -> tuple[list[Storyline], list[DuplicateGroup]]:
    """Storyline records (members most central first) and the unclustered groups.

    ``chrome_title`` tells whether an article's headline is page chrome (as dedup's
    chrome model tells, "News Feed"); a headline that three or more distinct articles
    of one site carry, not all in one storyline, is taken as chrome too
    (:func:`~clusterer.naming.shared_titles`). Neither names a storyline while another
    member's headline can."""
    import scipy.sparse as sp

    storylines: list[Storyline] = []
    unclustered_index: list[int] = []
    smallest = max(config.min_size, 2)
    labels = _copies_alone(labels, weights, smallest)
    space = features.tfidf if features.tfidf.shape[1] else features.vectors
    ids, centroids = cluster_centroids(space, weights, labels)
    stop = dangling_words(language)
    shared = shared_titles(groups, labels.tolist(), NOISE)

    def chrome(group: DuplicateGroup) -> bool:
        return group.kept.id in shared or (chrome_title is not None and chrome_title(group.kept))
    for row, label in enumerate(ids.tolist()):
        members = np.flatnonzero(labels == label)
        if sum(groups[i].size for i in members) < smallest:
            unclustered_index.extend(members.tolist())
            continue
        product = space[members] @ centroids[row].T
        centrality = np.asarray(product.toarray() if sp.issparse(product) else product).ravel()
        order = sorted(range(len(members)), key=lambda k: (-round(float(centrality[k]), 9),
                                                            -groups[members[k]].size,
                                                            groups[members[k]].kept.id))
        ranked = tuple(groups[members[k]] for k in order)
        storylines.append(Storyline(
            id=storyline_id(ranked),
            representative=representative(ranked, sorted(centrality.tolist(), reverse=True),
                                          stop, chrome),
            keywords=(),
            groups=ranked,
        ))
    unclustered_index.extend(np.flatnonzero(labels == NOISE).tolist())
    if storylines:
        row_of = {g.kept.id: i for i, g in enumerate(groups)}
        chosen = keywords([[row_of[g.kept.id] for g in s.groups] for s in storylines],
                          [[g.kept.title for g in s.groups] for s in storylines],
                          features, config.keywords)
        storylines = [replace(s, keywords=k) for s, k in zip(storylines, chosen)]
    return storylines, [groups[i] for i in sorted(unclustered_index)]


def _copies_alone(labels: np.ndarray, weights: np.ndarray, smallest: int) -> np.ndarray:
    """An unclustered article with at least ``smallest`` articles counting its copies is
    a storyline of its own: one story that several sites carried."""
    labels = labels.copy()
    alone = np.flatnonzero((labels == NOISE) & (weights >= smallest))
    labels[alone] = labels.max(initial=-1) + 1 + np.arange(len(alone))
    return labels


def storyline_id(groups: Sequence[DuplicateGroup]) -> str:
    ids = sorted(i for g in groups for i in g.ids)
    return "s-" + hashlib.blake2b("\n".join(ids).encode("utf-8"), digest_size=6).hexdigest()


def _times(groups: Sequence[DuplicateGroup]) -> list[datetime]:
    return [a.published for g in groups for a in (g.kept, *g.duplicates) if a.published]


def time_hours(moment: datetime | None) -> float:
    if moment is None:
        return float("nan")
    return (moment - _EPOCH).total_seconds() / 3600.0


_EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")
