"""Fingerprints: each article's chrome-free content as shingle sets and MinHashes.

Two passes over the dump in worker processes (the text handling is Python, so threads
would not help), with the chrome learned in between from the whole dump
(:mod:`clusterer.boilerplate`):

1. *splitting*: each body is cut into units (:func:`clusterer.normalize.units`) and
   every unit and word is hashed (:func:`clusterer.minhash.hash_units`); only the
   hashes come back, so the parent holds numbers, not a string per unit or word;
2. *fingerprinting*: the chrome units are left out and the remaining words shingled,
   deduplicated and signed.

An article with fewer than ``min_body_words`` words of content is fingerprinted by its
headline instead.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import itertools
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from clusterer.boilerplate import BoilerplateModel, source_key, unit_key
from clusterer.minhash import HashedUnits, Signer, char_shingles, distinct, hash_units, shingles
from clusterer.normalize import units
from clusterer.records import Article

if TYPE_CHECKING:
    from clusterer.dedup import DedupConfig

Progress = Callable[[str, int, "int | None"], None]  # stage, done, total (None: unknown)
TITLE_SHINGLE = 4  # characters per headline shingle: robust to one-letter noise
HEAD_SHINGLES = 64  # content shingles kept in text order, from the start
_CHUNK = 256  # articles per task sent to a worker
_MIN_PARALLEL = 4 * _CHUNK  # below this, process start-up costs more than it saves
_TRIM_EVERY = 32  # chunks between two hand-backs of freed memory (a few ms each)


class Packed(Sequence[np.ndarray]):
    """Many small arrays stored as one: ``values`` cut at ``offsets`` (row i is
    ``values[offsets[i]:offsets[i + 1]]``, a view). No Python object per row: at 100,000
    articles a list of arrays costs a third more memory, and more time to pickle.
    """

    def __init__(self, values: np.ndarray, offsets: np.ndarray) -> None:
        self.values = values
        self.offsets = offsets

    @classmethod
    def of(cls, rows: Sequence[np.ndarray]) -> Packed:
        """Rows packed in order."""
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(r) for r in rows], out=offsets[1:])
        values = np.concatenate(rows) if rows else np.zeros(0, dtype=np.uint32)
        return cls(values.astype(np.uint32, copy=False), offsets)

    @classmethod
    def joined(cls, parts: Sequence[Packed]) -> Packed:
        """The rows of every part, in order."""
        if not parts:
            return cls.of([])
        starts = np.cumsum([0] + [len(p.values) for p in parts[:-1]])
        offsets = np.concatenate([[0]] + [p.offsets[1:] + s for p, s in zip(parts, starts)])
        return cls(np.concatenate([p.values for p in parts]), offsets.astype(np.int64))

    def lengths(self) -> np.ndarray:
        """The length of every row."""
        return np.diff(self.offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @overload
    def __getitem__(self, index: int) -> np.ndarray: ...

    @overload
    def __getitem__(self, index: slice) -> list[np.ndarray]: ...

    def __getitem__(self, index: int | slice) -> np.ndarray | list[np.ndarray]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.values[self.offsets[index]:self.offsets[index + 1]]


@dataclass
class Fingerprints:
    """Column-wise fingerprints of n articles (no Python object per article).

    Attributes:
        body: Sorted unique 32-bit shingles of the content (the headline's character
            shingles for headline-only articles).
        lead: The same for the first ``lead_shingles`` shingles of the content.
        title: Sorted unique character shingles of the cleaned headline.
        head: The first ``HEAD_SHINGLES`` shingles of the content in text order (where
            a match begins: see :func:`clusterer.dedup.aligned`).
        title_only: Whether the article is fingerprinted by its headline.
        digest: 16-byte hash of the normalised content (exact duplicates).
        length: Characters of normalised content (``keep=longest``).
        body_sig: MinHash values of ``body``, shape (n, num_perm).
        lead_sig: MinHash values of ``lead``, shape (n, num_perm).
        title_sig: MinHash values of ``title``, shape (n, num_perm).
    """

    body: Packed
    lead: Packed
    title: Packed
    head: Packed
    title_only: list[bool]
    digest: list[bytes]
    length: list[int]
    body_sig: np.ndarray
    lead_sig: np.ndarray
    title_sig: np.ndarray


def fingerprint(articles: Iterable[Article], config: DedupConfig, report: Progress
                ) -> tuple[list[Article], Fingerprints, BoilerplateModel]:
    """Read and fingerprint every article; learn the dump's chrome on the way.

    The articles are read while the workers split those already read (reading is a
    tenth of the run, and the workers would wait for it otherwise).

    Returns:
        The articles, in input order; their fingerprints (row i is article i); the
        fitted boilerplate model.
    """
    docs: list[Article] = []
    keys: list[str] = []
    titles: list[str] = []
    sizes: list[int] = []
    iterator = iter(articles)
    first = list(itertools.islice(iterator, _MIN_PARALLEL))

    failed: list[Exception] = []

    def encoded() -> Iterator[list[bytes]]:
        # Texts travel to the workers as UTF-8 bytes made here: pickling a str would
        # leave a UTF-8 copy cached inside it for the rest of the run (CPython keeps the
        # one it makes for a non-ASCII str), 40% more memory for the articles.
        try:
            for chunk in _chunks(itertools.chain(first, iterator)):
                docs.extend(chunk)
                keys.extend(source_key(a) for a in chunk)
                titles.extend(a.title for a in chunk)
                sizes.append(len(chunk))
                yield [a.text.encode("utf-8", "surrogatepass") for a in chunk]
        except Exception as error:  # raised below, not inside the pool's task thread
            failed.append(error)

    # With the pool, this generator runs in the pool's task thread, so that reading
    # goes on while the workers split. Units come back hashed (HashedUnits): numbers,
    # not a string per unit or word.
    with _executor(config.workers, len(first), None) as pool:
        split: list[_Split] = _run(pool, _units_chunk, encoded(), None, "reading and splitting",
                                   None, report)
    if failed:
        raise failed[0]
    model = BoilerplateModel(config.boilerplate).fit_hashed(
        keys,
        np.concatenate([c.units for c in split]) if split else np.zeros(0, np.int64),
        np.concatenate([c.hashed.unit_hashes for c in split]) if split else np.zeros(0, np.uint64),
        np.concatenate([c.hashed.unit_tokens for c in split]) if split else np.zeros(0, np.int64),
        titles,
    )
    jobs = deque(zip(split, _chunks(keys), _chunks(titles)))
    del split

    def handed_out() -> Iterator[tuple[_Split, list[str], list[str]]]:
        while jobs:  # a chunk's hashes are let go once a worker has them
            yield jobs.popleft()

    with _executor(config.workers, len(docs), (model, config)) as pool:
        parts = _run(pool, _prints_chunk, handed_out(), sizes, "fingerprinting", len(docs),
                     report)
    prints = _concat(parts, config.num_perm)
    _return_free_memory()  # the parts, now copied
    return docs, prints, model


def content_text(article: Article, model: BoilerplateModel) -> str:
    """The normalised body without chrome, as fingerprinted (empty if there is none)."""
    return " ".join(model.content_units(source_key(article), units(article.text)))


def shingles_without(article: Article, model: BoilerplateModel, sources: Sequence[str],
                     config: DedupConfig) -> np.ndarray:
    """Body shingles of ``article`` with the chrome of every one of ``sources`` left out
    (to compare two articles with both sites' chrome excluded)."""
    content = units(article.text)
    for source in sources:
        content = model.content_units(source, content)
    return distinct(shingles(hash_units("\n".join(content)).tokens, config.shingle_size))


# ---------------------------------------------------------------- workers
_STATE: tuple[BoilerplateModel, DedupConfig] | None = None


def _init_worker(state: tuple[BoilerplateModel, DedupConfig] | None, worker: bool = False) -> None:
    global _STATE
    _STATE = state
    if worker:
        # Ctrl-C reaches the whole process group: the parent handles it and terminates
        # the workers, which must not each print a traceback.
        signal.signal(signal.SIGINT, signal.SIG_IGN)


@dataclass(frozen=True)
class _Split:
    """The units of a chunk of articles: how many per article, and their hashes."""

    units: np.ndarray
    hashed: HashedUnits

    def __len__(self) -> int:
        return len(self.units)


def _units_chunk(texts: list[bytes]) -> _Split:
    per_article = [units(t.decode("utf-8", "surrogatepass")) if t else [] for t in texts]
    joined = "\n".join(u for article in per_article for u in article)
    return _Split(np.fromiter(map(len, per_article), dtype=np.int64, count=len(texts)),
                  hash_units(joined))


def _prints_chunk(job: tuple[_Split, list[str], list[str]]) -> dict[str, Any]:
    assert _STATE is not None
    model, config = _STATE
    split, keys, titles = job
    hashed = split.hashed
    unit_at = np.concatenate(([0], np.cumsum(split.units))).tolist()
    token_at = np.concatenate(([0], np.cumsum(hashed.unit_tokens)))
    all_hashes = hashed.unit_hashes.tolist()
    out: dict[str, Any] = {k: [] for k in ("body", "lead", "title", "head", "title_only",
                                                 "digest", "length")}
    for article, (key, title) in enumerate(zip(keys, titles)):
        first, last = unit_at[article], unit_at[article + 1]
        kept = np.asarray(model.content_mask(key, all_hashes[first:last]), dtype=bool)
        tokens = hashed.tokens[token_at[first]:token_at[last]]
        words = tokens if kept.all() else tokens[np.repeat(kept, hashed.unit_tokens[first:last])]
        title_text = " ".join(model.title_tokens(title, key))
        title_set = distinct(char_shingles(title_text, TITLE_SHINGLE))
        title_only = len(words) < config.min_body_words
        if title_only:
            body, lead, head = title_set, title_set, title_set[:0]
            digest, length = unit_key("t:" + title_text), len(title_text)
        else:
            ordered = shingles(words, config.shingle_size)
            head = ordered[:HEAD_SHINGLES].copy()
            body = distinct(ordered)
            lead_span = words[: config.lead_shingles + config.shingle_size - 1]
            lead = distinct(shingles(lead_span, config.shingle_size))
            digest = hashlib.blake2b(b"b:" + words.tobytes(), digest_size=8).digest()
            # Characters of the content joined by spaces, as ``content_text`` gives it.
            length = int(hashed.unit_chars[first:last][kept].sum()) + int(kept.sum()) - 1
        out["body"].append(body)
        out["lead"].append(lead)
        out["title"].append(title_set)
        out["head"].append(head)
        out["title_only"].append(title_only)
        out["digest"].append(digest)
        out["length"].append(length)
    signer = Signer(config.num_perm, config.seed)
    for name in ("body", "lead", "title"):
        out[f"{name}_sig"] = signer.signatures(out[name])
    for name in ("body", "lead", "title", "head"):
        out[name] = Packed.of(out[name])
    return out


# ---------------------------------------------------------------- plumbing
def _return_free_memory() -> None:
    """Hand freed memory back to the system (glibc's ``malloc_trim``; nothing
    elsewhere). glibc keeps freed heap pages for reuse otherwise: the split units of
    chunks already fingerprinted were 0.6 GiB of the peak at 100,000 articles."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


def _chunks(items: Iterable[Any]) -> Iterator[list[Any]]:
    """Lists of ``_CHUNK`` items in order (the last one shorter), read as they come."""
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, _CHUNK)):
        yield chunk


def worker_count(requested: int) -> int:
    """``requested`` workers, or every available core when 0."""
    if requested > 0:
        return requested
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


MapFn = Callable[[Callable[[Any], Any], Iterable[Any]], Iterator[Any]]


@contextmanager
def _executor(workers: int, n: int, state: tuple[BoilerplateModel, DedupConfig] | None
              ) -> Iterator[MapFn]:
    """An ordered ``map`` over chunks: in worker processes, or here for small inputs.

    On any exception (Ctrl-C, SIGTERM, an error) the workers are terminated at once,
    never waited for, so an interrupted run exits promptly.
    """
    count = worker_count(workers)
    if count <= 1 or n < _MIN_PARALLEL:
        _init_worker(state)
        yield lambda fn, jobs: map(fn, jobs)
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    # Objects that exist at the fork are left out of garbage collection until the pool
    # is done: a collection in a worker would otherwise write to every page holding one
    # (the articles), and each worker would get its own copy of them.
    gc.freeze()
    try:
        pool = multiprocessing.get_context(method).Pool(count, initializer=_init_worker,
                                                        initargs=(state, True))
        try:
            yield lambda fn, jobs: pool.imap(fn, jobs)
        except BaseException:
            pool.terminate()
            raise
        else:
            pool.close()
        finally:
            pool.join()
    finally:
        gc.unfreeze()


def _run(pool: MapFn, fn: Callable[[Any], Any], jobs: Iterable[Any], sizes: list[int] | None,
         stage: str, total: int | None, report: Progress) -> list[Any]:
    """``fn`` of every job, in order; ``sizes`` are the articles per job, for progress
    (None: each result's ``len``). Memory freed meanwhile (the jobs handed out) goes
    back to the system as it goes."""
    results = []
    done = 0
    report(stage, 0, total)
    for index, result in enumerate(pool(fn, jobs)):
        results.append(result)
        done += len(result) if sizes is None else sizes[index]
        report(stage, done, total)
        if len(results) % _TRIM_EVERY == 0:
            _return_free_memory()
    _return_free_memory()
    return results


def _concat(parts: list[dict[str, Any]], num_perm: int) -> Fingerprints:
    """The workers' parts as one :class:`Fingerprints`; ``parts`` is emptied on the way
    (each part's arrays are let go once copied)."""
    n = sum(len(part["title_only"]) for part in parts)
    signatures: dict[str, Any] = {name: np.empty((n, num_perm), dtype=np.uint32)
                                  for name in ("body_sig", "lead_sig", "title_sig")}
    columns: dict[str, Any] = {name: [] for name in ("title_only", "digest", "length")}
    packed: dict[str, list[Packed]] = {name: [] for name in ("body", "lead", "title", "head")}
    row = 0
    while parts:
        part = parts.pop(0)
        size = len(part["title_only"])
        for name, values in signatures.items():
            values[row:row + size] = part[name]
        for name, column in columns.items():
            column.extend(part[name])
        for name, pieces in packed.items():
            pieces.append(part[name])
        row += size
    joined: dict[str, Any] = {name: Packed.joined(pieces) for name, pieces in packed.items()}
    return Fingerprints(**joined, **columns, **signatures)
