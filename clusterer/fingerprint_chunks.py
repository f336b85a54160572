"""The work of fingerprinting's two passes on one chunk of articles, as an engine runs it
in its workers (:mod:`clusterer.fingerprint` drives the passes): pass 1 splits and
hashes the units (:func:`_units_chunk`) and counts the chrome (:func:`_counts_chunk`);
pass 2 shingles and signs what the chrome leaves (:func:`_prints_chunk`). The views
(``_units_view``, ``_counts_view``, ``_prints_view``) are what comes back to the client
where an engine keeps the results on its workers (:mod:`clusterer.resident`).

The names keep their leading underscore: they are the engine's tasks, named so in Dask's
task keys, not an API.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from clusterer.boilerplate import BoilerplateConfig, BoilerplateModel
from clusterer.chrome_counts import ChromeCounts, count_chunk, text_digests
from clusterer.hashing import HashedUnits, hash_unit_bytes
from clusterer.minhash import Signer
from clusterer.normalize import unit_bytes
from clusterer.prints import SIGNATURES
from clusterer.shingling import Packed, article_prints, regular_shingles, title_sets
from clusterer.spill import ArraySpill, SpilledArray

if TYPE_CHECKING:
    from clusterer.fingerprint import FingerprintConfig


@dataclass(frozen=True)
class _Split:
    """The units of a chunk of articles: how many per article, and their hashes."""

    units: np.ndarray
    hashed: HashedUnits

    def __len__(self) -> int:
        return len(self.units)


@dataclass(frozen=True)
class _Stowed(_Split):
    """A :class:`_Split` whose word hashes (``hashed.tokens``, left empty) wait in an
    :class:`~clusterer.spill.ArraySpill` until pass 2."""

    tokens: SpilledArray

    def restored(self) -> _Split:
        """The chunk with its word hashes read back."""
        return _Split(self.units, replace(self.hashed, tokens=self.tokens.load()))


def _stowed(part: Any, spill: ArraySpill) -> Any:
    """``part`` with its word hashes written to ``spill`` (a :class:`_Split` made
    here; parts kept on an engine's workers stay as they are)."""
    if type(part) is not _Split:
        return part
    hashed = part.hashed
    return _Stowed(part.units, replace(hashed, tokens=hashed.tokens[:0].copy()),
                   spill.add(hashed.tokens))


def _units_chunk(state: None, texts: list[bytes]) -> _Split:
    hashed, counts = hash_unit_bytes([unit_bytes(t.decode("utf-8", "surrogatepass")) if t else b""
                                      for t in texts])
    return _Split(counts, hashed)


def _prints_chunk(state: tuple[BoilerplateModel, FingerprintConfig],
                  job: tuple[_Split, list[str], list[str]]) -> dict[str, Any]:
    """The fingerprints of a chunk of articles: those of :func:`clusterer.shingling.article_prints` for
    every article (tested), computed for the whole chunk at once where the body has at
    least ``shingle_size`` words (nearly every article): a numpy call per chunk, not
    several per article."""
    model, config = state
    split, keys, titles = job
    hashed = split.hashed
    n, k = len(keys), config.shingle_size
    bounds = np.concatenate(([0], np.cumsum(split.units))).tolist()
    all_hashes = hashed.unit_hashes.tolist()
    kept = np.fromiter(itertools.chain.from_iterable(
        model.content_mask(key, all_hashes[bounds[i]:bounds[i + 1]]) for i, key in enumerate(keys)),
        dtype=bool, count=len(all_hashes))
    unit_article = np.repeat(np.arange(n), split.units)[kept]
    words = hashed.tokens[np.repeat(kept, hashed.unit_tokens)]
    word_counts = np.bincount(unit_article, hashed.unit_tokens[kept], minlength=n).astype(np.int64)
    word_at = np.concatenate(([0], np.cumsum(word_counts))).tolist()
    chars = np.bincount(unit_article, hashed.unit_chars[kept], minlength=n).astype(np.int64)
    lengths = (chars + np.bincount(unit_article, minlength=n) - 1).tolist()
    regular = (word_counts >= config.min_body_words) & (word_counts >= k)
    body, lead, head = regular_shingles(words[np.repeat(regular, word_counts)],
                                         word_counts[regular], config)
    out: dict[str, Any] = {name: [] for name in ("body", "lead", "title", "head", "title_only",
                                                 "digest", "length")}
    title_texts = [" ".join(model.title_tokens(title, key)) for key, title in zip(keys, titles)]
    headline_sets = title_sets(title_texts)
    row = 0
    for article, (title, title_text, title_set) in enumerate(zip(titles, title_texts, headline_sets)):
        article_words = words[word_at[article]:word_at[article + 1]]
        if regular[article]:
            prints = (body[row], lead[row], title_set, head[row], False,
                      hashlib.blake2b(b"b:" + article_words.tobytes(), digest_size=8).digest(),
                      lengths[article])
            row += 1
        else:
            prints = article_prints(config, title, title_text, title_set, article_words,
                                     lengths[article])
        for name, value in zip(out, prints):
            out[name].append(value)
    signer = Signer(config.num_perm, config.seed)
    for name in ("body", "lead", "title"):
        out[f"{name}_sig"] = signer.signatures(out[name])
    for name in ("body", "lead", "title", "head"):
        out[name] = Packed.of(out[name])
    return out


@dataclass(frozen=True)
class _Digests:
    """What comes back of pass 1 where its units stay on the workers: units per
    article and :func:`clusterer.chrome_counts.text_digests` (exact copies)."""

    units: np.ndarray
    digests: list[bytes]

    def __len__(self) -> int:
        return len(self.units)


def _units_view(split: _Split) -> _Digests:
    return _Digests(split.units, text_digests(split.units, split.hashed.unit_hashes))


def _counts_chunk(state: tuple[BoilerplateConfig, int],
                  job: tuple[_Split, list[str], list[str], np.ndarray]) -> list[ChromeCounts]:
    """The chrome counts of one chunk of pass 1 (its counted articles), in buckets."""
    config, buckets = state
    split, keys, titles, counted = job
    model = BoilerplateModel(config)
    affixes = [model.affix_candidates(t) if c else [] for t, c in zip(titles, counted.tolist())]
    return count_chunk(keys, split.units, split.hashed.unit_hashes, split.hashed.unit_tokens,
                       affixes, counted, config.short_unit_words,
                       config.affix_words).buckets(buckets)


def _counts_view(buckets: list[ChromeCounts]) -> int:
    return sum(b.nbytes for b in buckets)


def _model_of(counts: ChromeCounts, config: BoilerplateConfig) -> BoilerplateModel:
    return BoilerplateModel(config).from_counts(counts, part=True)


def _prints_view(part: dict[str, Any]) -> dict[str, Any]:
    """Pass 2's fingerprints without their MinHash signatures."""
    return {name: value for name, value in part.items() if name not in SIGNATURES}


def _signatures(part: dict[str, Any]) -> dict[str, Any]:
    """Pass 2's MinHash signatures (what stays on the workers)."""
    return {name: part[name] for name in SIGNATURES}
