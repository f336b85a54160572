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
   bulk first (MinHash-estimated Jaccard, then exact containment). Every remaining
   candidate pair is verified exactly on its shingle sets (:mod:`clusterer.match`,
   :meth:`~clusterer.comparer.Comparer.compare`): similarity is the containment
   ``|A∩B| / min(|A|,|B|)`` when the smaller set has at least
   ``min_containment_shingles`` shingles, else the Jaccard index; a pair at or above
   ``threshold`` is merged (union-find).
5. The kept article of each group follows ``keep``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np

from clusterer.alignment import common_least, common_shingles
from clusterer.boilerplate import BoilerplateConfig, BoilerplateModel
from clusterer.comparer import Comparer
from clusterer.engine import (
    Engine,
    LocalEngine,
    forked_pool,
    frozen_objects,
    return_free_memory,
)
from clusterer.fingerprint import FingerprintConfig, Fingerprints, content_text, fingerprint
from clusterer.match import MatchConfig, merge_exact, merge_near
from clusterer.records import Article, DuplicateGroup, Link
from clusterer.unionfind import UnionFind
from clusterer.validation import check_range
from clusterer.verify import comparer_for
from clusterer.worker_match import deduplicate_on_worker, matches_on_worker

KEEP_POLICIES = ("longest", "earliest", "first")
Progress = Callable[[str, int, "int | None"], None]  # stage, done, total (None: unknown)
_FAR_FUTURE = datetime.max.replace(tzinfo=timezone.utc)


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
        # The stage configs check their own parameters.
        self.match_config()
        self.fingerprint_config()
        check_range("workers", self.workers, 0, 256)
        if self.keep not in KEEP_POLICIES:
            raise ValueError(f"keep must be one of {', '.join(KEEP_POLICIES)}, got {self.keep!r}")

    def fingerprint_config(self) -> FingerprintConfig:
        """The fingerprinting stage's parameters."""
        return FingerprintConfig(shingle_size=self.shingle_size, num_perm=self.num_perm,
                                 lead_shingles=self.lead_shingles,
                                 min_body_words=self.min_body_words, seed=self.seed,
                                 boilerplate=self.boilerplate)

    def match_config(self) -> MatchConfig:
        """The matching stage's parameters."""
        return MatchConfig(threshold=self.threshold, headline_threshold=self.headline_threshold,
                           lsh_threshold=self.lsh_threshold,
                           min_containment_shingles=self.min_containment_shingles,
                           shingle_size=self.shingle_size)

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

    groups: Sequence[DuplicateGroup]
    config: DedupConfig
    boilerplate: BoilerplateModel

    def content_text(self, article: Article) -> str:
        """An article's normalised body without the dump's chrome."""
        return content_text(article, self.boilerplate)

    @property
    def stats(self) -> dict[str, int]:
        """Counts: articles read, kept, duplicates merged, groups of two or more."""
        return size_counts([g.size for g in self.groups])

    def groups_document(self) -> dict[str, Any]:
        """The ``--groups`` JSON document: every group, singletons included."""
        head, groups = self.groups_document_parts()
        return {**head, "groups": list(groups)}

    def groups_document_parts(self) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
        """:meth:`groups_document` without its last key, ``"groups"``, and that key's
        items one at a time (written so by :meth:`clusterer.output.OutputSet.write_json`
        with ``items``: the whole document is never in memory, about 0.5 KB an article
        at 20,000 make_corpus articles)."""
        head = {"schema_version": 1, "params": self.config.to_dict(), "stats": self.stats}
        return head, (g.to_dict() for g in self.groups)


def deduplicate(
    articles: Iterable[Article],
    config: DedupConfig | None = None,
    progress: Progress | None = None,
    engine: Engine | None = None,
) -> DedupResult:
    """Merge syndicated copies into duplicate groups.

    Args:
        articles: The dump, in input order (ids must be unique).
        config: Parameters; defaults to :class:`DedupConfig`.
        progress: Called as ``progress(stage, done, total)``.
        engine: Runs the fingerprinting stages; defaults to a local pool of
            ``config.workers`` processes.

    Returns:
        The groups, in the input order of their kept articles.
    """
    config = config or DedupConfig()
    if engine is not None and matches_on_worker(engine):
        table, model = deduplicate_on_worker(articles, config, progress, engine)
        return DedupResult(groups=table, config=config, boilerplate=model)
    comparer, uf = match_dump(articles, config, progress, engine)
    groups = _groups(comparer, uf, config.keep)
    return DedupResult(groups=groups, config=config, boilerplate=comparer.model)


def match_dump(articles: Iterable[Article], config: DedupConfig, progress: Progress | None = None,
               engine: Engine | None = None) -> tuple[Comparer, UnionFind]:
    """Fingerprint the dump and join its copies: what :func:`deduplicate` groups and
    ``explain`` shows. Returns the comparer over every article (in input order) and
    the union-find of copies, with the link of every join."""
    report = progress or (lambda stage, done, total: None)
    engine = engine or LocalEngine(config.workers)
    docs, prints, model = fingerprint(articles, config.fingerprint_config(), report, engine)
    return match_prints(docs, prints, model, config, report, engine)


def match_prints(docs: Sequence[Article], prints: Fingerprints, model: BoilerplateModel,
                 config: DedupConfig, report: Progress, engine: Engine | None = None
                 ) -> tuple[Comparer, UnionFind]:
    """:func:`match_dump` past fingerprinting: the dump's common text learned into
    ``model``, exact copies joined, then near copies."""
    model.common_shingles_ = common_shingles(prints.body, common_least(len(docs)))
    uf = UnionFind(len(docs))
    merge_exact(docs, prints, uf)
    return_free_memory()  # what fingerprinting and these steps let go (0.1-0.2 GiB at 100k)
    comparer = comparer_for(engine, docs, prints, model, config.match_config())
    # The local pool's workers are forked: LSH bands are banded there too.
    pool = forked_pool(engine)
    # The articles and the model live through matching: left out of the collector's
    # full passes meanwhile (a tenth of matching's CPU went to them at 100k articles).
    with frozen_objects():
        merge_near(comparer, uf, report, keep_lead=False, pool=pool)
    return comparer, uf


def _groups(comparer: Comparer, uf: UnionFind, keep: str) -> list[DuplicateGroup]:
    return group_members(comparer, uf, keep)


def group_members(comparer: Comparer, uf: UnionFind, keep: str,
                  rows: np.ndarray | None = None) -> list[DuplicateGroup]:
    """The duplicate groups of the union-find's sets, in the order of their kept
    articles; only those of ``rows`` (a mask of whole sets) if given."""
    docs, prints = comparer.docs, comparer.prints
    # Each set's members in ascending order, the sets in the order of their least member.
    roots = uf.roots()
    listed = np.arange(len(docs)) if rows is None else np.flatnonzero(rows)
    listed = listed[np.argsort(roots[listed], kind="stable")]
    bounds = np.flatnonzero(np.diff(roots[listed])) + 1
    members = {int(group[0]): group.tolist() for group in np.split(listed, bounds)} \
        if len(listed) else {}
    chosen = []
    for group in members.values():
        kept = min(group, key=lambda i: _keep_key(docs[i], i, prints.length[i], keep))
        chosen.append((kept, [i for i in group if i != kept]))
    chosen.sort(key=lambda item: item[0])
    joined_by = uf.paths(kept for kept, others in chosen if others)
    comparer.prefetch(np.asarray([(kept, j) for kept, others in chosen for j in others],
                                 dtype=np.int64).reshape(-1, 2))
    out = []
    for kept, others in chosen:
        matches = [comparer.compare(kept, j) for j in others]
        links = []
        for j in others:
            via, kind, similarity = joined_by[j]
            links.append(Link(docs[via].id, kind, similarity))
        out.append(DuplicateGroup(kept=docs[kept], duplicates=tuple(docs[j] for j in others),
                                  similarities=tuple(m.similarity for m in matches),
                                  kinds=tuple(m.kind for m in matches), links=tuple(links)))
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


def size_counts(sizes: Sequence[int]) -> dict[str, int]:
    """:attr:`DedupResult.stats` of groups of these sizes: articles read, kept,
    duplicates merged, groups of two or more."""
    articles = sum(sizes)
    return {"articles": articles, "kept": len(sizes), "duplicates": articles - len(sizes),
            "groups": sum(1 for n in sizes if n > 1)}
