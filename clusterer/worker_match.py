"""Matching and grouping as one task on a worker, for an engine that keeps results there.

With the Dask engine the client held, after fingerprinting, every article's shingle sets
(2.1 KB an article at 50,000 ``make_corpus.py`` articles, the largest thing it held,
see docs/dask.md) and matching's transient arrays, as the walk over candidate pairs
(:func:`clusterer.match.merge_near`) reads them pair by pair. Here that walk, and
grouping, run unchanged (:func:`clusterer.dedup.match_prints`,
:func:`clusterer.dedup.group_members`) in one task on a worker
(:func:`_match_task`), beside what it reads:

- the shingle sets of pass 2, left on the workers (only each chunk's size comes back
  to the client) and copied by the task (then let go where they were: only the
  task's copy stays), without the MinHash signatures, which stay
  in their partitions (:mod:`clusterer.resident`), the task asking for LSH candidates
  and estimates as the client did;
- each article's header (id, headline, URL, source, time, GUID, origin: what the
  client keeps of it), sent once;
- the texts, which rechecks read (a body again without both sites' chrome): each
  chunk's texts, sent to a worker for pass 1, stay there until the task is done, and
  the task reads a chunk when one of its articles' texts is asked for (the last few
  chunks kept).

Only the groups come back, as arrays of row numbers, similarities, kinds and links
(:class:`~clusterer.headers.GroupColumns`): the client keeps them so, and makes each
:class:`~clusterer.records.DuplicateGroup` from its own articles when it is read
(:class:`~clusterer.headers.GroupTable`).
The same code on the same data gives the same groups as the local engine.
"""

from __future__ import annotations

import collections
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from clusterer.boilerplate import BoilerplateModel
from clusterer.engine import Engine, return_free_memory
from clusterer.fingerprint import Fingerprints, learn_chrome, prints_parts, split_articles
from clusterer.fingerprint_chunks import _prints_view
from clusterer.headers import GroupColumns, GroupTable
from clusterer.partitions import Header, WorkerInput
from clusterer.prints import SIGNATURES
from clusterer.records import Article
from clusterer.shingling import Packed
from clusterer.spill import StoredArticle

if TYPE_CHECKING:
    from clusterer.dedup import DedupConfig

Progress = Callable[[str, int, "int | None"], None]
logger = logging.getLogger(__name__)
HEADERS_PER_JOB = 8192  # article headers per piece sent to the workers
_READ_ONCE = "-read-once"  # the dataset of what the task copies, then lets go
# Bytes of texts the task keeps, the chunks read last (at 50,000 make_corpus articles,
# 196 ranges of 1 MiB read 16,228 times: 1,466 gathers with 64 chunks kept, 196 with 256).
CACHED_TEXT_BYTES = 256 << 20
# An article's header: what StoredArticle keeps in memory.
_HEADER = tuple(f.name for f in fields(Header))


def matches_on_worker(engine: Engine | None) -> bool:
    """Whether ``engine`` runs matching and grouping as a task on a worker (its
    ``matches_on_worker``)."""
    return bool(getattr(engine, "matches_on_worker", False))


@dataclass(frozen=True)
class _Keys:
    """What the task reads: the name of the dataset published on the scheduler that
    holds the futures of the data kept on the workers (a future passed as a task's
    argument would be gathered whole into it), and the sizes it needs."""

    dataset: str
    text_sizes: list[int]
    bounds: list[int]
    num_perm: int
    places: int


def deduplicate_on_worker(articles: Iterable[Article] | WorkerInput, config: DedupConfig,
                          progress: Progress | None, engine: Engine
                          ) -> tuple[GroupTable, BoilerplateModel]:
    """:func:`clusterer.dedup.deduplicate` on a Dask engine: fingerprinting on the
    workers, then matching and grouping in one task on a worker. Returns the groups and
    the chrome model (with the dump's common text, as learned by the task).
    ``articles`` may be inputs read on the workers (:mod:`clusterer.partitions`)."""
    report = progress or (lambda stage, done, total: None)
    from distributed import wait

    client = engine.client()  # type: ignore[attr-defined]
    fconfig = config.fingerprint_config()
    texts: list[Any] = []  # futures of the chunks' texts, kept on the workers
    split = (articles.split(report, texts) if isinstance(articles, WorkerInput)
             else split_articles(articles, engine, report, resident=True, texts=texts))
    model = learn_chrome(split, fconfig.boilerplate, engine)
    docs, sizes = split.docs, list(split.sizes)
    parts = prints_parts(split, model, fconfig, engine, report, _size, None)
    kept = [part.kept for part in parts]
    del parts, split
    signatures = engine.resident_signatures(  # type: ignore[attr-defined]
        kept, sizes, SIGNATURES, fconfig.num_perm)
    views = [client.submit(_prints_view, part, pure=False) for part in kept]
    # Made before the task looks for them (it fails on a key no worker holds).
    wait(views)
    del kept  # the signatures are stacked; the views hold the rest until the task runs
    headers = [client.scatter([[tuple(getattr(doc, name) for name in _HEADER)
                                for doc in docs[start:start + HEADERS_PER_JOB]]], hash=False)[0]
               for start in range(0, len(docs), HEADERS_PER_JOB)]
    first = next(iter(signatures.values()))
    # The task reaches the futures through datasets published on the scheduler
    # (``Client.publish_dataset``, read back by ``get_dataset``), which hold them while
    # they are published: the texts and signatures until the task is done, the headers
    # and views until the task has its own copies (it unpublishes that one: only the
    # dataset holds them, this client lets go of its futures here).
    dataset = f"clusterer-match-{uuid.uuid4().hex}"
    client.publish_dataset(**{
        dataset: {"texts": texts,
                  "signatures": {name: list(s.parts) for name, s in signatures.items()}},
        dataset + _READ_ONCE: {"headers": headers, "views": views}})
    keys = _Keys(dataset=dataset, text_sizes=sizes, bounds=first.bounds.tolist(),
                 num_perm=fconfig.num_perm, places=first.places)
    del views, headers
    report("matching and grouping", 0, 1)
    try:
        task = client.submit(_match_task, config, model, keys, pure=False)
        groups, common, reads = task.result()
    finally:
        client.unpublish_dataset(dataset)
        client.unpublish_dataset(dataset + _READ_ONCE)
    del task, texts, signatures, first
    return_free_memory()
    report("matching and grouping", 1, 1)
    logger.info("matching task's texts: %d read, %d chunk reads from its own worker, %d "
                "gathered in %.1f s", reads["texts"], reads["local"], reads["gathered"],
                reads["gather_seconds"])
    model.common_shingles_ = common
    # Kept as arrays; each DuplicateGroup is made when read (about 0.25 KB an article
    # less on the client than the groups as objects, at 20,000 make_corpus articles).
    return GroupTable(docs, groups), model


def _size(part: dict[str, Any]) -> list[bool]:
    """The view of a pass-2 result that comes back: one item per article."""
    return list(part["title_only"])


def _match_task(config: DedupConfig, model: BoilerplateModel, keys: _Keys
                ) -> tuple[GroupColumns, Any, dict[str, float]]:
    """The task: the dump's copies joined and grouped, as the local engine does."""
    from distributed import get_worker, worker_client
    from distributed.client import FutureCancelledError

    from clusterer.dedup import group_members, match_prints
    from clusterer.resident import ResidentSignatures

    with worker_client() as client:
        held = client.get_dataset(keys.dataset)

        def checked(made: list[Any]) -> list[Any]:
            # A key lost with its worker (scattered data cannot be made again) would be
            # waited for forever when this task is run again elsewhere: fail instead, as
            # a future of the cluster does (a 400,000-article run lost a worker).
            where = client.who_has(made)
            lost = [future.key for future in made if not where.get(future.key)]
            if lost:
                raise FutureCancelledError(lost[0], "lost with its worker")
            return made

        try:
            once = client.get_dataset(keys.dataset + _READ_ONCE)
        except KeyError:  # this task run again, after an earlier run let them go
            raise FutureCancelledError(keys.dataset + _READ_ONCE,
                                       "let go by an earlier run of the task") from None
        texts = _Texts(client, checked(held["texts"]), keys.text_sizes,
                       local=get_worker().data)
        docs = _documents(client, checked(once["headers"]), texts)
        fetched: dict[str, dict[int, np.ndarray]] = {}
        signatures = {name: ResidentSignatures(client, name, checked(parts), keys.bounds,
                                               keys.num_perm, keys.places, fetched)
                      for name, parts in held["signatures"].items()}
        prints = _joined(client, checked(once["views"]), signatures)
        # This task has its own copies: the workers' let go (about 1.1 KB an article
        # at make_corpus sizes, half of it on this worker).
        client.unpublish_dataset(keys.dataset + _READ_ONCE)
        del once
        comparer, uf = match_prints(docs, prints, model, config, lambda *_: None)
        groups = group_members(comparer, uf, config.keep)
        row = {doc.id: index for index, doc in enumerate(docs)}
        return GroupColumns.of(groups, row), comparer.model.common_shingles_, texts.reads


def _documents(client: Any, headers: list[Any], texts: _Texts) -> list[StoredArticle]:
    """The articles of the headers' pieces, in order, gathered piece by piece."""
    docs: list[StoredArticle] = []
    for piece in headers:
        docs.extend([StoredArticle.of(Header(*row), texts, index)  # type: ignore[arg-type]
                     for index, row in enumerate(client.gather(piece), start=len(docs))])
    return docs


_PACKED = ("body", "lead", "title", "head")
_COLUMNS = ("title_only", "digest", "length")
_JOINED_AT_ONCE = 16  # views gathered at a time


def _joined(client: Any, views: list[Any], signatures: dict[str, Any]) -> Fingerprints:
    """Pass 2's views (futures), in order, as one :class:`Fingerprints` with
    ``signatures``. Each shingle set's arrays are made at their final size first (from
    each view's sizes, computed where it is) and filled a few views at a time: the
    gathered views and the joined sets are never all in memory at once."""
    shapes = client.gather([client.submit(_shape, view, pure=False) for view in views])
    rows = sum(n for n, _ in shapes)
    values = {name: np.empty(sum(sizes[name][0] for _, sizes in shapes),
                             dtype=shapes[0][1][name][1] if shapes else np.uint32)
              for name in _PACKED}
    offsets = {name: np.zeros(rows + 1, dtype=np.int64) for name in _PACKED}
    columns: dict[str, Any] = {name: [] for name in _COLUMNS}
    row, at = 0, dict.fromkeys(_PACKED, 0)
    for start in range(0, len(views), _JOINED_AT_ONCE):
        for view in client.gather(views[start:start + _JOINED_AT_ONCE]):
            n = len(view["title_only"])
            for name, column in columns.items():
                column.extend(view[name])
            for name in _PACKED:
                part: Packed = view[name]
                end = at[name] + len(part.values)
                values[name][at[name]:end] = part.values
                offsets[name][row + 1:row + n + 1] = part.offsets[1:] + at[name]
                at[name] = end
            row += n
    packed: dict[str, Any] = {name: Packed(values[name], offsets[name]) for name in _PACKED}
    return Fingerprints(**packed, **columns, **signatures)


def _shape(view: dict[str, Any]) -> tuple[int, dict[str, tuple[int, str]]]:
    """A view's rows, and each shingle set's values and their dtype."""
    return len(view["title_only"]), {name: (len(view[name].values), view[name].values.dtype.str)
                                     for name in _PACKED}


class _Texts:
    """The texts of the dump's articles, chunk by chunk on the workers: what a
    :class:`StoredArticle` made by the task reads its text from (``fields`` empty:
    matching never reads the original records).

    A chunk the task's own worker holds (``local``: its data, by key) is read from
    there, with neither a copy nor a round trip through the scheduler; another is
    gathered, and the chunks gathered last are kept up to ``cached_bytes``. ``reads``
    counts the texts read, the chunks read locally and gathered, and the seconds the
    gathers took."""

    def __init__(self, client: Any, chunks: list[Any], sizes: Sequence[int],
                 cached_bytes: int = CACHED_TEXT_BYTES,
                 local: Mapping[Any, Any] | None = None) -> None:
        self.client = client
        self.chunks = chunks
        self.bounds = np.cumsum([0, *sizes])
        self.cached_bytes = cached_bytes
        self.local = local if local is not None else {}
        self.held = 0  # bytes of texts in the cache
        self.cache: collections.OrderedDict[int, list[bytes]] = collections.OrderedDict()
        self.reads = dict.fromkeys(("texts", "local", "gathered", "gather_seconds"), 0.0)

    def load(self, index: int, header: Article) -> Article:
        chunk = int(np.searchsorted(self.bounds, index, side="right")) - 1
        self.reads["texts"] += 1
        texts = self.cache.get(chunk)
        key = getattr(self.chunks[chunk], "key", None)
        if texts is None and key is not None and key in self.local:
            texts = self.local[key]
            self.reads["local"] += 1
        elif texts is None:
            started = time.perf_counter()
            texts = self.cache[chunk] = self.client.gather(self.chunks[chunk])
            self.reads["gathered"] += 1
            self.reads["gather_seconds"] += time.perf_counter() - started
            self.held += sum(map(len, texts))
            # The chunks read least recently go first; the last one read always stays.
            while self.held > self.cached_bytes and len(self.cache) > 1:
                self.held -= sum(map(len, self.cache.popitem(last=False)[1]))
        else:
            self.cache.move_to_end(chunk)
        text = texts[index - int(self.bounds[chunk])].decode("utf-8", "surrogatepass")
        return Article(header.id, header.title, text, header.url, header.source,
                       header.published, header.guid, {}, header.origin)
