"""What a state keeps per article for matching, and the index candidates are looked up in.

Per article (:class:`StoredPrint`, a row of the state's ``prints`` and ``shingles``
tables): its unit hashes (what chrome is learned from), its fingerprints packed as
bytes and its exact keys; its LSH band keys are kept sorted apart
(:mod:`clusterer.band_parts`, :func:`band_part`). :class:`CandidateIndex` looks up the
stored articles that matching could pair with new ones (:mod:`clusterer.delta` runs the
matching).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from clusterer.alignment import inside_floor
from clusterer.band_parts import Keys, Part, PartIndex, check_seqs
from clusterer.boilerplate import BoilerplateModel
from clusterer.candidates import Screen, shared_counts_of
from clusterer.comparer import by_content
from clusterer.fingerprint import Fingerprints
from clusterer.lsh import band_key, lsh_params
from clusterer.match import MatchConfig, headline_floor
from clusterer.normalize import title_segments, title_tokens
from clusterer.records import Article
from clusterer.shingling import Packed
from clusterer.weaklinks import RECHECK


@dataclass(frozen=True)
class StoredPrint:
    """What a state keeps per article for matching (a row of its ``prints`` and
    ``shingles`` tables).

    Attributes:
        seq: The article's place in the state.
        source: Its source key (chrome is learned per source).
        segments: The normalised segments of a headline cut into two or more (affixes),
            else empty.
        units: Unit hashes (uint64) then words per unit (uint32), as bytes.
        exact: Its content digest where exact content matches it (else None), URL, GUID.
        prints: Its fingerprints, and what screening reads (:func:`pack_row`).
    """

    seq: int
    source: str
    segments: tuple[str, ...]
    units: bytes
    exact: tuple[bytes | None, str | None, str | None]
    prints: tuple[bytes, bytes]


TITLE_ONLY, HAS_BODY, HAS_TITLE = 1, 2, 4
ExactLookup = Callable[[Iterable[tuple[int, "bytes | str"]]], dict[tuple[int, "bytes | str"], list[int]]]
"""Per exact key ``(kind, key)`` asked, the stored seqs holding it
(:meth:`clusterer.state.State.exact_seqs`)."""


def print_flags(prints: Fingerprints) -> np.ndarray:
    """Per article, :data:`TITLE_ONLY`, :data:`HAS_BODY`, :data:`HAS_TITLE` (which LSH
    tables it is in: :func:`band_part`)."""
    return (np.asarray(prints.title_only, dtype=np.int64) * TITLE_ONLY
            + (prints.body.lengths() > 0) * HAS_BODY + (prints.title.lengths() > 0) * HAS_TITLE)


# ---------------------------------------------------------------- fingerprints as bytes
def pack_row(prints: Fingerprints, i: int) -> tuple[bytes, bytes]:
    """Row ``i`` of ``prints`` as bytes (:func:`unpack_rows` reads it back): the shingle
    sets and the rest, and what screening a pair reads (:func:`screen_rows`): the size
    of the body set and the MinHash signatures."""
    arrays = [prints.body[i], prints.lead[i], prints.title[i], prints.head[i]]
    digest = prints.digest[i]
    header = np.asarray([*map(len, arrays), int(prints.title_only[i]), prints.length[i],
                         len(digest)], dtype=np.int64)
    sigs = np.concatenate([[len(arrays[0])], prints.body_sig[i], prints.lead_sig[i],
                           prints.title_sig[i]])
    # Not compressed: hashes do not compress.
    return (header.tobytes() + digest + np.concatenate(arrays).astype(np.uint32).tobytes(),
            sigs.astype(np.uint32).tobytes())


def screen_rows(screens: Sequence[bytes], num_perm: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Body set sizes and body, lead and headline signatures from :func:`pack_row`'s
    second part, row k from ``screens[k]``."""
    values = (np.frombuffer(b"".join(screens), dtype=np.uint32).reshape(len(screens),
                                                                        1 + 3 * num_perm))
    return (values[:, 0].astype(np.int64), values[:, 1:1 + num_perm],
            values[:, 1 + num_perm:1 + 2 * num_perm], values[:, 1 + 2 * num_perm:])


def unpack_bodies(blobs: Sequence[tuple[bytes, bytes]]) -> list[np.ndarray]:
    """Only the body shingle sets of the rows :func:`pack_row` packed (what
    :func:`unpack_rows` reads as ``body``), without the other sets or the signatures."""
    out = []
    for data, _ in blobs:
        header = np.frombuffer(data[:56], dtype=np.int64)
        at = 56 + int(header[6])
        out.append(np.frombuffer(data[at:at + 4 * int(header[0])], dtype=np.uint32))
    return out


def unpack_rows(blobs: Sequence[tuple[bytes, bytes]], num_perm: int) -> Fingerprints:
    """The fingerprints packed by :func:`pack_row`, row k from ``blobs[k]``."""
    columns: dict[str, list[Any]] = {name: [] for name in ("body", "lead", "title", "head",
                                                            "title_only", "digest", "length")}
    for data, _ in blobs:
        header = np.frombuffer(data[:56], dtype=np.int64).tolist()
        at = 56 + header[6]
        columns["digest"].append(data[56:at])
        values = np.frombuffer(data[at:], dtype=np.uint32)
        start = 0
        for name, size in zip(("body", "lead", "title", "head"), header[:4]):
            columns[name].append(values[start:start + size])
            start += size
        columns["title_only"].append(bool(header[4]))
        columns["length"].append(header[5])
    _, body_sig, lead_sig, title_sig = screen_rows([b for _, b in blobs], num_perm)
    return Fingerprints(
        body=Packed.of(columns["body"]), lead=Packed.of(columns["lead"]),
        title=Packed.of(columns["title"]), head=Packed.of(columns["head"]),
        title_only=columns["title_only"], digest=columns["digest"], length=columns["length"],
        body_sig=body_sig, lead_sig=lead_sig, title_sig=title_sig)


def band_keys(prints: Fingerprints, config: MatchConfig) -> np.ndarray:
    """Every LSH band key matching may look up, per article: the body, lead and headline
    bands of ``lsh_threshold`` and the headline bands of the headline floor, folded to
    32 bits (a collision only adds a candidate). Shape (n, columns), uint32. A column of
    an empty set is never looked up (:func:`_wanted_keys`)."""
    num_perm = prints.body_sig.shape[1]
    columns = []
    for signatures, (bands, rows) in _schemes(prints, config, num_perm):
        for band in range(bands):
            key = band_key(signatures[:, band * rows:(band + 1) * rows])
            columns.append((key ^ (key >> np.uint64(32))).astype(np.uint32))
    return (np.stack(columns, axis=1) if columns
            else np.zeros((len(prints.body), 0), dtype=np.uint32))


def _schemes(prints: Fingerprints, config: MatchConfig, num_perm: int
             ) -> list[tuple[np.ndarray, tuple[int, int]]]:
    params = lsh_params(config.lsh_threshold, num_perm)
    floor = lsh_params(headline_floor(config, num_perm), num_perm)
    return [(prints.body_sig, params), (prints.lead_sig, params), (prints.title_sig, params),
            (prints.title_sig, floor)]


# ---------------------------------------------------------------- chrome
def segment_keys(title: str) -> tuple[str, ...]:
    """The normalised segments of a headline cut into two or more (what affixes are
    matched on), else ``()``."""
    segments = title_segments(title)
    if len(segments) < 2:
        return ()
    return tuple(" ".join(title_tokens(s)) for s in segments)


def affix_candidates(segments: tuple[str, ...], affix_words: int) -> list[str]:
    """:meth:`BoilerplateModel.affix_candidates` from a headline's :func:`segment_keys`."""
    if len(segments) < 2:
        return []
    return [k for k in {segments[0], segments[-1]} if 0 < len(k.split()) <= affix_words]


def model_json(model: BoilerplateModel) -> str:
    """The learned state of a chrome model, as JSON (:func:`model_from_json`)."""
    return json.dumps({
        "source": {s: sorted(u) for s, u in sorted(model.source_chrome_.items())},
        "short": sorted(model.short_chrome_), "spread": sorted(model.spread_chrome_),
        "before": sorted([s, u, sorted(b)] for (s, u), b in model.usual_before_.items()),
        "affixes": sorted(model.affixes_)})


def model_from_json(text: str, model: BoilerplateModel) -> BoilerplateModel:
    """Fill ``model`` with the state :func:`model_json` wrote."""
    data = json.loads(text)
    model.source_chrome_ = {s: frozenset(u) for s, u in data["source"].items()}
    model.short_chrome_ = frozenset(data["short"])
    model.spread_chrome_ = frozenset(data["spread"])
    model.usual_before_ = {(s, u): frozenset(b) for s, u, b in data["before"]}
    model.affixes_ = frozenset(data["affixes"])
    return model


def split_units(blob: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Unit hashes and words per unit from a :attr:`StoredPrint.units` blob."""
    n = len(blob) // 12
    return (np.frombuffer(blob, dtype=np.uint64, count=n),
            np.frombuffer(blob, dtype=np.uint32, offset=8 * n).astype(np.int64))


def units_blob(hashes: np.ndarray, words: np.ndarray) -> bytes:
    """:attr:`StoredPrint.units` of an article's unit hashes and words per unit."""
    return hashes.astype(np.uint64).tobytes() + words.astype(np.uint32).tobytes()


def exact_keys(docs: Sequence[Article], prints: Fingerprints
               ) -> list[tuple[bytes | None, str | None, str | None]]:
    """Per article, the keys :func:`clusterer.match.merge_exact` joins on."""
    return [(prints.digest[i] if by_content(prints, i) else None, a.url or None, a.guid or None)
            for i, a in enumerate(docs)]


class CandidateIndex:
    """The band keys and exact keys of the stored articles, to look candidates up.

    As matching pairs them: bodies (body, lead and headline-floor bands) with bodies;
    headlines (headline bands) only where one side is a headline-only article. The
    band keys are the state's sorted parts (:mod:`clusterer.band_parts`), the exact
    keys looked up in the state (``exact``).
    """

    def __init__(self, parts: PartIndex, exact: ExactLookup, config: MatchConfig,
                 num_perm: int) -> None:
        self.config = config
        self.parts = parts
        self.exact = exact
        self.title_columns, self.body_columns = _columns(config, num_perm)

    def candidates(self, prints: Fingerprints, keys: np.ndarray,
                   exact: list[tuple[bytes | None, str | None, str | None]],
                   worded: Sequence[bool], stored: StoredReads, matched: Container[int] = ()
                   ) -> tuple[set[int], set[int]]:
        """Seqs of the stored articles that matching could compare with one of these
        articles (``keys`` from :func:`band_keys`; ``worded``: whether each has any
        text), other than those ``matched`` anyway (not looked at): sharing an exact
        key; or a band key where matching pairs them (bodies with bodies, headlines where
        one side is headline-only) and passing the checks :mod:`clusterer.match` asks of
        such a pair before comparing it. And those of them that are likely copies (an
        exact key, or an estimate the screen finds likely).

        The checks, from what the state keeps (``stored``): bodies pass the MinHash
        estimate of :class:`clusterer.candidates.Screen` and either its exact count of
        shared shingles (:func:`clusterer.candidates.verify_pairs`) or, under headlines
        close enough to be paired by them, the shingles of a story inside a page
        (:func:`clusterer.candidates.verify_screened_out`); headlines pass the headline
        screen, or its recheck level where a headline-only side has a few words of body
        (a ``lead`` match). The other stored articles could only be screened out."""
        body, heads, heads_only = _kinds(print_flags(prints))
        found = _at(self.parts.pairs(BODIES, keys[body][:, self.body_columns]), body, matched)
        headlines = [_at(self.parts.pairs(HEADLINES_ONLY, keys[heads][:, self.title_columns]),
                         heads, matched),
                     _at(self.parts.pairs(HEADLINES, keys[heads_only][:, self.title_columns]),
                         heads_only, matched)]
        seqs = sorted({s for _, found_seqs in [found, *headlines] for s in found_seqs.tolist()})
        out: set[int] = set()
        likely: set[int] = set()
        if seqs:
            screens = stored.screens(seqs)
            sizes, body_sig, _, title_sig = screen_rows([screens[s] for s in seqs],
                                                        prints.body_sig.shape[1])
            listed = np.asarray(seqs, dtype=np.int64)

            def where(found_seqs: np.ndarray) -> np.ndarray:  # rows after these articles'
                return np.searchsorted(listed, found_seqs) + len(prints.body)

            titles = np.concatenate([prints.title_sig, title_sig])
            screen = Screen(np.concatenate([prints.body_sig, body_sig]),
                            RECHECK * self.config.threshold, self.config.threshold,
                            sizes=np.concatenate([prints.body.lengths(), sizes]))
            rows, pair_seqs = found
            other = where(pair_seqs)
            kept, probable = self._bodies(rows, other, screen, titles, prints.body,
                                          stored, seqs)
            out.update(pair_seqs[kept].tolist())
            likely.update(pair_seqs[probable].tolist())
            heads_too = np.asarray(worded, dtype=bool) & np.asarray(prints.title_only, dtype=bool)
            for (rows, pair_seqs), table in zip(headlines, (HEADLINES_ONLY, HEADLINES)):
                other = where(pair_seqs)
                kept, probable = self._headlines(rows, pair_seqs, other, titles, heads_too,
                                                 stored if table == HEADLINES_ONLY else None)
                out.update(pair_seqs[kept].tolist())
                likely.update(pair_seqs[probable].tolist())
        held = self.exact([(kind, key) for keys_of in exact
                           for kind, key in enumerate(keys_of) if key is not None])
        for seqs_of in held.values():
            likely.update(s for s in seqs_of if s not in self.parts.excluded
                          and s not in matched)
        return out | likely, likely

    def _bodies(self, rows: np.ndarray, other: np.ndarray, screen: Screen, titles: np.ndarray,
                own: Packed, stored: StoredReads, seqs: list[int]
                ) -> tuple[np.ndarray, np.ndarray]:
        """Which body pairs matching could compare, and which are likely copies."""
        passes, probable = screen.estimate(rows, other)
        floor = headline_floor(self.config, titles.shape[1])
        close = Screen(titles, floor, 1.0).estimate(rows, other)[0]
        kept = probable.copy()
        asked = np.flatnonzero(passes & ~probable)
        shared = _shared(rows[asked], other[asked], own, stored, seqs)
        assert screen.sizes is not None
        smaller = np.minimum(screen.sizes[rows[asked]], screen.sizes[other[asked]])
        kept[asked] = (shared >= screen.least * smaller) | close[asked] & (
            shared >= inside_floor(True, self.config.min_containment_shingles))
        return kept, probable

    def _headlines(self, rows: np.ndarray, pair_seqs: np.ndarray, other: np.ndarray,
                   titles: np.ndarray, worded: np.ndarray, stored: StoredReads | None
                   ) -> tuple[np.ndarray, np.ndarray]:
        """Which headline pairs matching could compare (``stored`` where the stored
        side is headline-only), and which are likely copies."""
        num_perm = titles.shape[1]
        config = self.config
        passes, probable = Screen(titles, headline_floor(config, num_perm, RECHECK),
                                  config.headline_threshold).estimate(rows, other)
        kept = passes & Screen(titles, headline_floor(config, num_perm),
                               config.headline_threshold).estimate(rows, other)[0]
        # Below the headline screen, a pair is compared where a headline-only side has
        # a few words of body (match.merge_near's `near` pairs).
        low = np.flatnonzero(passes & ~kept)
        kept[low] = worded[rows[low]]
        asked = low[~kept[low]]
        if stored is not None and len(asked):
            texts = stored.worded(sorted(set(pair_seqs[asked].tolist())))
            kept[asked] = [texts[s] for s in pair_seqs[asked].tolist()]
        return kept, probable


class StoredReads(Protocol):
    """What :meth:`CandidateIndex.candidates` reads of stored articles, by seq."""

    def screens(self, seqs: list[int]) -> dict[int, bytes]:
        """:func:`pack_row`'s second part (body set size, signatures)."""
        ...

    def bodies(self, seqs: list[int]) -> dict[int, np.ndarray]:
        """Body shingle sets."""
        ...

    def worded(self, seqs: list[int]) -> dict[int, bool]:
        """Whether each has any text."""
        ...


def _shared(rows: np.ndarray, other: np.ndarray, own: Packed, stored: StoredReads,
            seqs: list[int]) -> np.ndarray:
    """Shingles shared by the body sets of the pairs ``(rows[k], other[k])``: rows of
    ``own`` with stored articles (row ``len(own) + k`` for ``seqs[k]``)."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    wanted = np.unique(other)
    read = stored.bodies([seqs[k - len(own)] for k in wanted.tolist()])
    sets = Packed.joined([own, Packed.of([read[seqs[k - len(own)]] for k in wanted.tolist()])])
    at = np.searchsorted(wanted, other) + len(own)  # the stored rows, renumbered
    return shared_counts_of(rows, at, sets)


def _at(pairs: tuple[np.ndarray, np.ndarray], mask: np.ndarray, matched: Container[int]
        ) -> tuple[np.ndarray, np.ndarray]:
    """Pairs found for the rows of ``mask``, numbered among all rows, but those with a
    stored article of ``matched``."""
    rows, seqs = pairs
    listed = seqs.tolist()
    keep = np.fromiter((s not in matched for s in listed), dtype=bool, count=len(listed))
    return np.flatnonzero(mask)[rows[keep]], seqs[keep]


def _kinds(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks: matched by body; with a headline; headline-only with a headline."""
    heads = (flags & HAS_TITLE) > 0
    only = (flags & TITLE_ONLY) > 0
    return ((flags & HAS_BODY) > 0) & ~only, heads, heads & only


BODIES, HEADLINES, HEADLINES_ONLY = range(3)  # the tables of a band part


def _columns(config: MatchConfig, num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """The columns of :func:`band_keys` holding headline bands, and the others."""
    bands = lsh_params(config.lsh_threshold, num_perm)[0]
    width = 3 * bands + lsh_params(headline_floor(config, num_perm), num_perm)[0]
    titles = np.arange(2 * bands, 3 * bands)
    return titles, np.setdiff1d(np.arange(width), titles)


def band_part(seqs: Sequence[int], keys: np.ndarray, flags: np.ndarray, dropped: Sequence[int],
              config: MatchConfig, num_perm: int) -> Part:
    """The band part (:mod:`clusterer.band_parts`) of the articles ``seqs`` written in a
    run (``keys`` from :func:`band_keys`, ``flags`` from :func:`print_flags`), and of the
    stored ones it ``dropped``."""
    titles, bodies = _columns(config, num_perm)
    at = np.asarray(seqs, dtype=np.int64)
    body, heads, heads_only = _kinds(np.asarray(flags, dtype=np.int64))
    covered = np.union1d(at, np.asarray(dropped, dtype=np.int64))
    check_seqs(covered)
    return Part(covered, (Keys.of(keys[body][:, bodies], at[body]),
                          Keys.of(keys[heads & ~heads_only][:, titles],
                                  at[heads & ~heads_only]),
                          Keys.of(keys[heads_only][:, titles], at[heads_only])))
