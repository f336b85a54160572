"""Fingerprints: each article's chrome-free content as shingle sets and MinHashes.

Per article, in worker processes (the work is pure Python text handling, so threads
would not help): split the body into units, learn chrome from the whole dump
(:mod:`clusterer.boilerplate`), then shingle what is left. An article with fewer than
``min_body_words`` words of content is fingerprinted by its headline instead.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from clusterer.boilerplate import BoilerplateModel, source_key, unit_key
from clusterer.minhash import HashedUnits, Signer, char_shingles, distinct, hash_units, shingles
from clusterer.normalize import units
from clusterer.records import Article

if TYPE_CHECKING:
    from clusterer.dedup import DedupConfig

Progress = Callable[[str, int, int], None]
TITLE_SHINGLE = 4  # characters per headline shingle: robust to one-letter noise
HEAD_SHINGLES = 64  # content shingles kept in text order, from the start
_CHUNK = 256  # articles per task sent to a worker
_MIN_PARALLEL = 4 * _CHUNK  # below this, process start-up costs more than it saves


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

    body: list[np.ndarray]
    lead: list[np.ndarray]
    title: list[np.ndarray]
    head: list[np.ndarray]
    title_only: list[bool]
    digest: list[bytes]
    length: list[int]
    body_sig: np.ndarray
    lead_sig: np.ndarray
    title_sig: np.ndarray


def fingerprint(docs: Sequence[Article], config: DedupConfig,
                report: Progress) -> tuple[Fingerprints, BoilerplateModel]:
    """Fingerprint every article; learn the dump's chrome on the way.

    Returns:
        The fingerprints (row i is ``docs[i]``) and the fitted boilerplate model.
    """
    texts = [a.text for a in docs]
    keys = [source_key(a) for a in docs]
    titles = [a.title for a in docs]
    sizes = [len(chunk) for chunk in _chunks(texts)]
    # Units come back hashed (HashedUnits): numbers, not a string per unit or word.
    with _executor(config.workers, len(docs), None) as pool:
        split: list[_Split] = _run(pool, _units_chunk, list(_chunks(texts)), sizes, "splitting",
                                   len(docs), report)
    del texts
    model = BoilerplateModel(config.boilerplate).fit_hashed(
        keys,
        np.concatenate([c.units for c in split]) if split else np.zeros(0, np.int64),
        np.concatenate([c.hashed.unit_hashes for c in split]) if split else np.zeros(0, np.uint64),
        np.concatenate([c.hashed.unit_tokens for c in split]) if split else np.zeros(0, np.int64),
        titles,
    )
    jobs = list(zip(split, _chunks(keys), _chunks(titles)))
    del split
    with _executor(config.workers, len(docs), (model, config)) as pool:
        parts = _run(pool, _prints_chunk, jobs, sizes, "fingerprinting", len(docs), report)
    return _concat(parts, config.num_perm), model


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


def _units_chunk(texts: list[str]) -> _Split:
    per_article = [units(t) if t else [] for t in texts]
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
    out["body_sig"] = signer.signatures(out["body"])
    out["lead_sig"] = signer.signatures(out["lead"])
    out["title_sig"] = signer.signatures(out["title"])
    return out


# ---------------------------------------------------------------- plumbing
def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


def worker_count(requested: int) -> int:
    """``requested`` workers, or every available core when 0."""
    if requested > 0:
        return requested
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


MapFn = Callable[[Callable[[Any], Any], list[Any]], Iterator[Any]]


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


def _run(pool: MapFn, fn: Callable[[Any], Any], jobs: list[Any], sizes: list[int], stage: str,
         total: int, report: Progress) -> list[Any]:
    """``fn`` of every job, in order; ``sizes`` are the articles per job (progress)."""
    results = []
    done = 0
    report(stage, 0, total)
    for size, result in zip(sizes, pool(fn, jobs)):
        results.append(result)
        done += size
        report(stage, done, total)
    return results


def _concat(parts: list[dict[str, Any]], num_perm: int) -> Fingerprints:
    def flat(name: str) -> list[Any]:
        return [x for part in parts for x in part[name]]

    def stack(name: str) -> np.ndarray:
        if not parts:
            return np.zeros((0, num_perm), dtype=np.uint32)
        return np.concatenate([part[name] for part in parts])

    return Fingerprints(body=flat("body"), lead=flat("lead"), title=flat("title"),
                        head=flat("head"), title_only=flat("title_only"), digest=flat("digest"),
                        length=flat("length"),
                        body_sig=stack("body_sig"), lead_sig=stack("lead_sig"),
                        title_sig=stack("title_sig"))
