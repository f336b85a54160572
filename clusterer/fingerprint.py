"""Fingerprints: each article's chrome-free content as shingle sets and MinHashes.

Two passes over the dump in worker processes (the text handling is Python, so threads
would not help), with the chrome learned in between from the whole dump
(:mod:`clusterer.boilerplate`):

1. *splitting*: each body is cut into units (:func:`clusterer.normalize.units`) and
   every unit and word is hashed (:func:`clusterer.hashing.hash_units`); only the
   hashes come back, so the parent holds numbers, not a string per unit or word;
2. *fingerprinting*: the chrome units are left out and the remaining words shingled,
   deduplicated and signed.

An article with fewer than ``min_body_words`` words of content is fingerprinted by its
headline instead.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from clusterer.boilerplate import BoilerplateConfig, BoilerplateModel
from clusterer.chrome_counts import ChromeCounts, first_copies, text_digests
from clusterer.engine import (
    MIN_PARALLEL,
    Engine,
    LocalEngine,
    Resident,
    keeps_results,
    return_free_memory,
    run_stage,
)
from clusterer.fingerprint_chunks import (
    _counts_chunk,
    _counts_view,
    _model_of,
    _prints_chunk,
    _prints_view,
    _signatures,
    _Split,
    _Stowed,
    _stowed,
    _units_chunk,
    _units_view,
)
from clusterer.hashing import hash_units, shingles
from clusterer.lsh import distinct
from clusterer.minhash import permutations
from clusterer.normalize import units
from clusterer.prints import Fingerprints as Fingerprints  # where the other modules import it
from clusterer.prints import joined_prints
from clusterer.readers.urls import source_key
from clusterer.records import Article
from clusterer.spill import ArraySpill
from clusterer.validation import check_range

Progress = Callable[[str, int, "int | None"], None]  # stage, done, total (None: unknown)


@dataclass(frozen=True)
class FingerprintConfig:
    """Parameters of fingerprinting (see :class:`clusterer.dedup.DedupConfig`, which
    holds them for the command line and output files).

    Args:
        shingle_size: Words per body shingle, 1 to 10.
        num_perm: MinHash permutations, 16 to 1024.
        lead_shingles: Shingles in the lead fingerprint, 5 to 1000.
        min_body_words: Fewer content words (chrome excluded): fingerprint the headline
            instead.
        seed: MinHash seed.
        boilerplate: How chrome is learned.
    """

    shingle_size: int = 4
    num_perm: int = 128
    lead_shingles: int = 20
    min_body_words: int = 30
    seed: int = 1
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)

    def __post_init__(self) -> None:
        check_range("shingle_size", self.shingle_size, 1, 10)
        check_range("num_perm", self.num_perm, 16, 1024)
        check_range("lead_shingles", self.lead_shingles, 5, 1000)
        check_range("min_body_words", self.min_body_words, 0, 100_000)


def fingerprint(articles: Iterable[Article], config: FingerprintConfig | None = None,
                report: Progress | None = None, engine: Engine | None = None
                ) -> tuple[list[Article], Fingerprints, BoilerplateModel]:
    """Read and fingerprint every article; learn the dump's chrome on the way.

    The articles are read while the workers split those already read (reading is a
    tenth of the run, and the workers would wait for it otherwise).

    Args:
        articles: The dump, in input order.
        config: Parameters; defaults to :class:`FingerprintConfig`.
        report: Called as ``report(stage, done, total)``.
        engine: Runs the two passes; defaults to a local pool on every core.

    Returns:
        The articles, in input order; their fingerprints (row i is article i); the
        fitted boilerplate model.
    """
    config = config or FingerprintConfig()
    engine = engine or LocalEngine()
    # On an engine that keeps results (Dask), the word hashes of pass 1 and the MinHash
    # signatures of pass 2 stay on its workers (see clusterer.resident).
    split = split_articles(articles, engine, report, resident=True)
    model = learn_chrome(split, config.boilerplate, engine)
    docs = split.docs
    return docs, prints_of(split, model, config, engine, report, resident=True), model


@dataclass
class SplitDump:
    """Pass 1 over some articles: each body cut into units, units and words hashed.

    Attributes:
        docs: The articles, in input order.
        keys: Their source keys.
        titles: Their headlines.
        sizes: Articles per chunk of ``parts``.
        parts: The hashed units, chunk by chunk (each a :class:`Resident` whose view
            has the units' hashes and words, not the words' hashes, where the engine
            keeps them).
    """

    docs: list[Article] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    parts: list[_Split | Resident] = field(default_factory=list)

    def extend(self, other: SplitDump) -> None:
        """Append the articles of ``other`` (its chunks after these)."""
        self.docs += other.docs
        self.keys += other.keys
        self.titles += other.titles
        self.sizes += other.sizes
        self.parts += other.parts

    def unit_counts(self) -> np.ndarray:
        """Units of each article."""
        return _joined([_shown(c).units for c in self.parts], np.int64)

    def unit_hashes(self) -> np.ndarray:
        """The hash of every unit, article after article."""
        return _joined([_shown(c).hashed.unit_hashes for c in self.parts], np.uint64)

    def unit_words(self) -> np.ndarray:
        """The words of every unit, same order."""
        return _joined([_shown(c).hashed.unit_tokens for c in self.parts], np.int64)


    def digests(self) -> list[bytes]:
        """:func:`clusterer.chrome_counts.text_digests` of every article."""
        return [d for part in self.parts for d in (
            part.view.digests if isinstance(part, Resident)
            else text_digests(part.units, part.hashed.unit_hashes))]


def _shown(part: _Split | Resident) -> _Split:
    if isinstance(part, Resident):
        raise TypeError("the units of this chunk stay on the engine's workers")
    return part


def learn_chrome(split: SplitDump, config: BoilerplateConfig, engine: Engine) -> BoilerplateModel:
    """The chrome model of the split articles. Where pass 1's units stay on the engine's
    workers, each chunk is counted there (:mod:`clusterer.chrome_counts`), the counts
    merged there and the model made there: this process gets the model, never the units.
    """
    model = BoilerplateModel(config)
    kept = [p.kept for p in split.parts if isinstance(p, Resident)]
    if not kept or len(kept) < len(split.parts):
        return model.fit_hashed(split.keys, split.unit_counts(), split.unit_hashes(),
                                split.unit_words(), split.titles)
    counted = first_copies(split.keys, split.digests())
    bounds = np.cumsum([0, *split.sizes]).tolist()
    # Sliced as sent: the headlines may be read from columns (clusterer.headers).
    jobs = ((part, split.keys[start:end], split.titles[start:end], counted[start:end])
            for part, start, end in zip(kept, bounds, bounds[1:]))
    # Cut by unit hash into buckets, merged and learned apart: no worker holds the
    # dump's whole counts (they are larger than its unit hashes).
    buckets = engine.places()  # type: ignore[attr-defined]
    with _mapper(engine, len(split.docs), (config, buckets), _counts_view) as mapper:
        parts = list(mapper(_counts_chunk, jobs))
    models = engine.reduce(  # type: ignore[attr-defined]
        ChromeCounts.merge, [p.kept for p in parts], buckets, _model_of, config)
    return model.joined(models)


def _joined(arrays: list[np.ndarray], dtype: Any) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype)


def split_articles(articles: Iterable[Article], engine: Engine, report: Progress | None = None,
                   resident: bool = False, texts: list[Any] | None = None) -> SplitDump:
    """Pass 1: read the articles while the engine's workers cut them into units and
    hash them (what chrome learning and pass 2 read). With ``resident``, an engine that
    keeps results keeps each chunk's word hashes on its workers, for pass 2; with
    ``texts`` too, the futures of each chunk's texts (UTF-8) sent there are appended
    to it, and the texts stay there while it holds them."""
    report = report or (lambda stage, done, total: None)
    out = SplitDump()
    iterator = iter(articles)
    first = list(itertools.islice(iterator, MIN_PARALLEL))

    failed: list[Exception] = []

    def encoded() -> Iterator[list[bytes]]:
        # Texts travel to the workers as UTF-8 bytes made here: pickling a str would
        # leave a UTF-8 copy cached inside it for the rest of the run (CPython keeps the
        # one it makes for a non-ASCII str), 40% more memory for the articles.
        try:
            for chunk in _chunks(itertools.chain(first, iterator), engine.chunk_size):
                out.docs.extend(chunk)
                out.keys.extend(source_key(a) for a in chunk)
                out.titles.extend(a.title for a in chunk)
                out.sizes.append(len(chunk))
                yield [a.text.encode("utf-8", "surrogatepass") for a in chunk]
        except Exception as error:  # raised below, not inside the pool's task thread
            failed.append(error)

    # With the pool, this generator runs in the pool's task thread, so that reading
    # goes on while the workers split. Units come back hashed (HashedUnits): numbers,
    # not a string per unit or word.
    # The word hashes (four fifths of pass 1) wait in a temporary file until pass 2
    # reads them: chrome learning never reads them, and the workers forked for it and
    # for pass 2 would each inherit them.
    spill = ArraySpill()

    def stowed(mapper: Any) -> Any:
        return lambda fn, jobs: (_stowed(part, spill) for part in mapper(fn, jobs))

    with _mapper(engine, len(first), None, _units_view if resident else None,
                 held=texts) as mapper:
        out.parts = run_stage(stowed(mapper), _units_chunk, encoded(), None,
                              "reading and splitting", None, report)
    if failed:
        raise failed[0]
    return out


def prints_of(split: SplitDump, model: BoilerplateModel, config: FingerprintConfig,
              engine: Engine, report: Progress | None = None, resident: bool = False
              ) -> Fingerprints:
    """Pass 2: the fingerprints of the split articles with ``model``'s chrome left out
    (row i for ``split.docs[i]``). ``split.parts`` is emptied on the way (a chunk's
    hashes are let go once a worker has them). With ``resident``, an engine that keeps
    results keeps the MinHash signatures on its workers (``Fingerprints.*_sig`` are
    then its :class:`clusterer.resident.ResidentSignatures`)."""
    view = _prints_view if resident else None
    parts = prints_parts(split, model, config, engine, report, view, _signatures)
    prints = joined_prints(parts, config.num_perm, engine)
    return_free_memory()  # the parts, now copied
    return prints


def prints_parts(split: SplitDump, model: BoilerplateModel, config: FingerprintConfig,
                 engine: Engine, report: Progress | None = None,
                 view: Callable[[Any], Any] | None = None,
                 keep: Callable[[Any], Any] | None = None) -> list[Any]:
    """Pass 2's results chunk by chunk (:func:`prints_of` without joining them); with
    ``view``, an engine that keeps results keeps them (``keep`` of them) and gives
    :class:`Resident` parts. ``split.parts`` is emptied."""
    report = report or (lambda stage, done, total: None)
    bounds = np.cumsum([0, *split.sizes]).tolist()
    jobs = deque((part.kept if isinstance(part, Resident) else part, start, end)
                 for part, start, end in zip(split.parts, bounds, bounds[1:]))
    split.parts = []

    def handed_out() -> Iterator[tuple[_Split, list[str], list[str]]]:
        # Sliced as sent: the headlines may be read from columns (clusterer.headers).
        while jobs:
            part, start, end = jobs.popleft()
            yield ((part.restored() if isinstance(part, _Stowed) else part),
                   split.keys[start:end], split.titles[start:end])

    permutations(config.num_perm, config.seed)  # drawn once, here: forked workers inherit them
    with _mapper(engine, len(split.docs), (model, config), view, keep) as mapper:
        return run_stage(mapper, _prints_chunk, handed_out(), split.sizes, "fingerprinting",
                         len(split.docs), report)


def content_text(article: Article, model: BoilerplateModel) -> str:
    """The normalised body without chrome, as fingerprinted (empty if there is none)."""
    return " ".join(model.content_units(source_key(article), units(article.text)))


def shingles_without(article: Article, model: BoilerplateModel, sources: Sequence[str],
                     shingle_size: int) -> np.ndarray:
    """Body shingles of ``article`` with the chrome of every one of ``sources`` left out
    (to compare two articles with both sites' chrome excluded)."""
    return distinct(ordered_shingles_without(article, model, sources, shingle_size))


def ordered_shingles_without(article: Article, model: BoilerplateModel, sources: Sequence[str],
                             shingle_size: int) -> np.ndarray:
    """:func:`shingles_without` in text order, repeats kept (where the shared text
    starts, and which words it covers)."""
    content = units(article.text)
    for source in sources:
        content = model.content_units(source, content)
    return shingles(hash_units("\n".join(content)).tokens, shingle_size)


# ---------------------------------------------------------------- plumbing
def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Lists of ``size`` items in order (the last one shorter), read as they come."""
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _mapper(engine: Engine, items: int, state: Any, view: Callable[[Any], Any] | None,
            keep: Callable[[Any], Any] | None = None, held: list[Any] | None = None) -> Any:
    """``engine.mapper``, keeping results (``keep`` of them) on the engine with
    ``view`` where it can (and the jobs sent, in ``held``, if given)."""
    if view is not None and keeps_results(engine):
        extra = {} if held is None else {"held": held}
        return engine.mapper(items, state, view=view, keep=keep, **extra)  # type: ignore[call-arg]
    return engine.mapper(items, state)
