"""Near-duplicate detection: syndicated copies merged into duplicate groups.

Pipeline:

1. Each article's body is split into units and its chrome left out
   (:mod:`clusterer.boilerplate`); an article with fewer than ``min_body_words`` words
   of content is fingerprinted by its headline instead (headline-only feeds).
2. Exact duplicates (the same normalised content, the same canonical URL or the same
   feed GUID) are merged at once.
3. Near-duplicate candidates come from datasketch ``MinHashLSH`` over three MinHash
   fingerprints: the whole body (word shingles), its lead (first ``lead_shingles``
   shingles, which an abridged copy shares with the full story) and the headline
   (character shingles, for headline-only articles).
4. Every candidate pair is verified exactly on its shingle sets: similarity is the
   containment ``|A∩B| / min(|A|,|B|)`` when the smaller set has at least
   ``min_containment_shingles`` shingles, else the Jaccard index; a pair at or above
   ``threshold`` is merged (union-find).
5. The kept article of each group follows ``keep``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np
from datasketch import MinHashLSH

from clusterer.boilerplate import BoilerplateConfig, BoilerplateModel, source_key
from clusterer.minhash import Signer, TokenHasher, char_shingles, word_shingles
from clusterer.normalize import units
from clusterer.records import Article, DuplicateGroup

KEEP_POLICIES = ("longest", "earliest", "first")
Progress = Callable[[str, int, int], None]
_TITLE_SHINGLE = 4  # characters per headline shingle: robust to one-letter noise
_FAR_FUTURE = datetime.max.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class DedupConfig:
    """Parameters of near-duplicate detection.

    Args:
        threshold: Verified similarity (containment or Jaccard) at which two articles
            are copies, 0 < t <= 1.
        shingle_size: Words per body shingle, 1 to 10.
        num_perm: MinHash permutations, 16 to 1024.
        keep: Which member of a group is kept: ``longest`` text, ``earliest``
            published, or ``first`` in input order.
        lsh_threshold: Jaccard threshold the LSH bands are tuned for (candidates only;
            every candidate is verified), 0 < t <= 1.
        lead_shingles: Shingles in the lead fingerprint, 5 to 1000.
        min_containment_shingles: Smallest set for which containment counts.
        min_body_words: Fewer content words: fingerprint the headline instead.
        seed: MinHash seed.
        boilerplate: How chrome is learned.
    """

    threshold: float = 0.7
    shingle_size: int = 4
    num_perm: int = 128
    keep: str = "longest"
    lsh_threshold: float = 0.4
    lead_shingles: int = 40
    min_containment_shingles: int = 25
    min_body_words: int = 12
    seed: int = 1
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)

    def __post_init__(self) -> None:
        _check("threshold", self.threshold, 0.0, 1.0, low_open=True)
        _check("lsh_threshold", self.lsh_threshold, 0.0, 1.0, low_open=True)
        _check("shingle_size", self.shingle_size, 1, 10)
        _check("num_perm", self.num_perm, 16, 1024)
        _check("lead_shingles", self.lead_shingles, 5, 1000)
        _check("min_containment_shingles", self.min_containment_shingles, 1, 100_000)
        _check("min_body_words", self.min_body_words, 0, 100_000)
        if self.keep not in KEEP_POLICIES:
            raise ValueError(f"keep must be one of {', '.join(KEEP_POLICIES)}, got {self.keep!r}")

    def to_dict(self) -> dict[str, Any]:
        """Parameters as written into output files."""
        return asdict(self)


def _check(name: str, value: float, low: float, high: float, low_open: bool = False) -> None:
    ok = (low < value if low_open else low <= value) and value <= high
    if not ok:
        bracket = "(" if low_open else "["
        raise ValueError(f"{name} must be in {bracket}{low}, {high}], got {value}")


@dataclass(frozen=True)
class DedupResult:
    """Duplicate groups, one per kept article, in the input order of kept articles.

    Attributes:
        groups: Every input article is in exactly one group.
        config: The parameters used.
        boilerplate: The chrome model learned from the dump (storylines reuse it).
        content: Per article id, the normalised content text used as fingerprint.
    """

    groups: list[DuplicateGroup]
    config: DedupConfig
    boilerplate: BoilerplateModel
    content: dict[str, str]

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


@dataclass
class _Prints:
    """Per-article fingerprints (shingle sets sorted and unique)."""

    body: list[np.ndarray]
    lead: list[np.ndarray]
    title: list[np.ndarray]
    is_title_only: list[bool]
    content: list[str]


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
    docs = list(articles)
    n = len(docs)
    report("reading", n, n)
    split = [units(a.text) if a.text else [] for a in docs]
    keys = [source_key(a) for a in docs]
    model = BoilerplateModel(config.boilerplate).fit(
        (k, u, a.title) for k, u, a in zip(keys, split, docs)
    )
    prints = _fingerprint(docs, split, keys, model, config, report)
    del split
    uf = _UnionFind(n)
    _merge_exact(docs, prints, uf)
    _merge_near(prints, uf, config, report)
    groups = _groups(docs, prints, uf, config)
    content = {a.id: c for a, c in zip(docs, prints.content)}
    return DedupResult(groups=groups, config=config, boilerplate=model, content=content)


def _fingerprint(docs: Sequence[Article], split: Sequence[list[str]], keys: Sequence[str],
                 model: BoilerplateModel, config: DedupConfig, report: Progress) -> _Prints:
    hasher = TokenHasher()
    prints = _Prints([], [], [], [], [])
    for i, (article, doc_units, key) in enumerate(zip(docs, split, keys)):
        content_units = model.content_units(key, doc_units) if doc_units else []
        words = " ".join(content_units).split()
        title = " ".join(model.title_tokens(article.title))
        title_set = np.unique(char_shingles(title, _TITLE_SHINGLE))
        if len(words) < config.min_body_words:
            prints.body.append(title_set)
            prints.lead.append(title_set)
            prints.is_title_only.append(True)
            prints.content.append(title)
        else:
            ordered = word_shingles(words, config.shingle_size, hasher)
            prints.body.append(np.unique(ordered))
            prints.lead.append(np.unique(ordered[: config.lead_shingles]))
            prints.is_title_only.append(False)
            prints.content.append(" ".join(words))
        prints.title.append(title_set)
        if i % 1000 == 0:
            report("fingerprinting", i, len(docs))
    report("fingerprinting", len(docs), len(docs))
    return prints


def _merge_exact(docs: Sequence[Article], prints: _Prints, uf: _UnionFind) -> None:
    first: dict[tuple[str, str], int] = {}
    for i, article in enumerate(docs):
        kind = "t" if prints.is_title_only[i] else "b"
        digest = hashlib.blake2b(prints.content[i].encode("utf-8"), digest_size=16).hexdigest()
        signals = [(kind, digest)]
        if article.url:
            signals.append(("url", article.url))
        if article.guid:
            signals.append(("guid", article.guid))
        for signal in signals:
            j = first.setdefault(signal, i)
            if j != i:
                uf.union(j, i)


def _merge_near(prints: _Prints, uf: _UnionFind, config: DedupConfig, report: Progress) -> None:
    n = len(prints.body)
    # One representative per exact class enters the indexes.
    reps = [i for i in range(n) if uf.find(i) == i]
    signer = Signer(config.num_perm, config.seed)
    body_reps = [i for i in reps if not prints.is_title_only[i]]
    title_reps = reps  # every headline is indexed; only headline-only articles query it
    indexes = (
        ("body", body_reps, prints.body, body_reps),
        ("lead", body_reps, prints.lead, body_reps),
        ("headline", title_reps, prints.title, [i for i in reps if prints.is_title_only[i]]),
    )
    for name, members, sets, queries in indexes:
        if not members or not queries:
            continue
        sigs = signer.signatures([sets[i] for i in members])
        lsh = MinHashLSH(threshold=config.lsh_threshold, num_perm=config.num_perm)
        with lsh.insertion_session() as session:
            for row, i in enumerate(members):
                if len(sets[i]):
                    session.insert(i, signer.lean(sigs[row]), check_duplication=False)
            report(f"indexing ({name})", len(members), len(members))
        _verify_buckets(lsh, name, set(queries), prints, uf, config)


def _verify_buckets(lsh: MinHashLSH, index: str, queries: set[int], prints: _Prints,
                    uf: _UnionFind, config: DedupConfig) -> None:
    """Verify every pair that shares an LSH bucket (what querying each member would
    return), skipping pairs already connected and pairs already rejected."""
    rejected: set[tuple[int, int]] = set()
    for table in lsh.hashtables:
        for band in table.keys():  # noqa: SIM118 - a datasketch Storage, not a dict
            bucket = table.get(band)
            if len(bucket) < 2:
                continue
            keys = sorted(bucket)
            for pos, i in enumerate(keys):
                for j in keys[pos + 1:]:
                    if (i not in queries and j not in queries) or (i, j) in rejected:
                        continue
                    if uf.find(i) == uf.find(j):
                        continue
                    if _verified(i, j, index, prints, config):
                        uf.union(i, j)
                    else:
                        rejected.add((i, j))


def _verified(i: int, j: int, index: str, prints: _Prints, config: DedupConfig) -> bool:
    if index == "headline" or prints.is_title_only[i] or prints.is_title_only[j]:
        return similarity(prints.title[i], prints.title[j], 10**9) >= config.threshold
    return similarity(prints.body[i], prints.body[j],
                      config.min_containment_shingles) >= config.threshold


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


def _groups(docs: Sequence[Article], prints: _Prints, uf: _UnionFind,
            config: DedupConfig) -> list[DuplicateGroup]:
    members: dict[int, list[int]] = {}
    for i in range(len(docs)):
        members.setdefault(uf.find(i), []).append(i)
    chosen = []
    for group in members.values():
        kept = min(group, key=lambda i: _keep_key(docs[i], i, len(prints.content[i]), config.keep))
        chosen.append((kept, [i for i in group if i != kept]))
    chosen.sort(key=lambda item: item[0])
    out = []
    for kept, others in chosen:
        sims = tuple(_pair_similarity(kept, j, prints, config) for j in others)
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


def _pair_similarity(i: int, j: int, prints: _Prints, config: DedupConfig) -> float:
    if prints.content[i] == prints.content[j] and prints.is_title_only[i] == prints.is_title_only[j]:
        return 1.0
    if prints.is_title_only[i] or prints.is_title_only[j]:
        return similarity(prints.title[i], prints.title[j], 10**9)
    return similarity(prints.body[i], prints.body[j], config.min_containment_shingles)
