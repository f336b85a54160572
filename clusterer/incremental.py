"""Incremental runs: new articles added to a state store, copies of earlier articles
found, storylines that keep their ids from run to run.

How a run works:

1. Intake: each new article is compared with the state by id: an unknown id is
   **new**; a known id with the same content (:func:`clusterer.state_records.digest`: every
   field as read, not the file it came from) is **skipped**; a known id with other
   content is an **update**: the new version replaces the stored one in place (same
   position, so ``--keep first`` still sees it where it first came) and is matched
   afresh. With ``expire_after`` days, stored articles older than that before the
   newest publication time in the state and input are dropped first (an undated
   article by the newest time known when it arrived). Articles of this run are never
   expired by it.
2. Dedup (:func:`clusterer.delta.match_on_state`): only the new and updated articles
   are fingerprinted; chrome is learned again over everything from counts the state
   keeps up to date, and the stored fingerprints it made stale are made again; the new articles
   are matched against their stored candidates (stored LSH band keys, then the MinHash
   screen), and any stored group one of them meets is matched again whole. The groups
   are those of one batch run over everything, entry for entry
   (``scripts/incremental_check.py identity``); what still grows with the state is
   reading it (the stored records and band keys) and learning chrome from the kept
   counts (numpy over the count tables).
3. Storylines (:mod:`clusterer.tracking`): only the articles near the new ones in
   time, and the stored storylines they touch, are clustered again (the rest stand as
   stored); the storylines then get the ids of the stored ones by shared members.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from clusterer.dedup import DedupConfig, DedupResult
from clusterer.delta import GroupsOf, match_on_state
from clusterer.engine import Engine, LocalEngine
from clusterer.errors import OutOfMemory
from clusterer.pipeline import DedupRun
from clusterer.readers import ReaderConfig, ReadReport, read_articles
from clusterer.records import Article, DuplicateGroup, Link
from clusterer.state import State
from clusterer.state_output import Standing
from clusterer.state_records import StoredRow, digest
from clusterer.validation import check_range

Progress = Callable[[str, int, "int | None"], None]


@dataclass(frozen=True)
class Intake:
    """What a run did to the state's articles (ids, in input order; expired in stored
    order)."""

    new: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    expired: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, int]:
        """Counts, as the summary prints them."""
        return {"new": len(self.new), "updated": len(self.updated),
                "skipped": len(self.skipped), "expired": len(self.expired)}


@dataclass(frozen=True)
class IncrementalDedup:
    """A dedup run on a state: the groups of everything the state holds now.

    Attributes:
        run: The groups (of every stored article) and what reading skipped.
        intake: Which input articles were new, updated or skipped, and what expired.
        number: The run's number in the state.
        fresh: Articles matched in this run (new, updated, and stored ones whose group
            a new one touched or whose chrome changed): the rest kept their groups.
        refreshed: Stored articles fingerprinted again because their chrome changed.
        places: With ``stream``, the place of each group's kept article in ``run``.
        standing: With ``stream``, the stored groups that stand as stored, by id (their
            records are not read: :func:`clusterer.state_output.stream_dedup_records`).
    """

    run: DedupRun
    intake: Intake
    number: int
    fresh: int = 0
    refreshed: int = 0
    places: tuple[int, ...] = ()
    standing: tuple[Standing, ...] = ()

    def touched(self) -> list[DuplicateGroup]:
        """The groups holding an article this run added or updated (``--only-new``)."""
        fresh = set(self.intake.new) | set(self.intake.updated)
        return [g for g in self.run.result.groups if any(i in fresh for i in g.ids)]


def dedup_with_state(state: State, inputs: Sequence[str], reader: ReaderConfig | None = None,
                     config: DedupConfig | None = None, progress: Progress | None = None,
                     engine: Engine | None = None, expire_after: float | None = None,
                     command: str = "dedup", report: ReadReport | None = None,
                     only_new: bool = False, stream: bool = False) -> IncrementalDedup:
    """Read ``inputs``, add them to ``state`` and deduplicate everything it holds.

    The state is changed inside its open transaction (committed by the caller's
    :func:`clusterer.state.open_state` block).

    Args:
        state: The open state.
        inputs: Files, directories or ``-``.
        reader: How inputs are read.
        config: Dedup parameters (they may differ from earlier runs': nothing they
            decide is stored).
        progress: Called as ``progress(stage, done, total)``.
        engine: Where fingerprinting runs.
        expire_after: Days; stored articles older than that are dropped (None: keep all).
        command: Recorded in the state's log of runs.
        report: Counts what was read and skipped (a new one by default).
        only_new: Hold in the result only the groups matched in this run (those of the
            new, updated and fingerprinted-again articles, and the stored groups they
            met): every group with an article this run added or updated is among
            them, and the stored records of the rest are not read.
        stream: Hold in the result only the groups matched in this run, and the other
            stored groups by id in ``standing`` (their records are not read).
    """
    if expire_after is not None:
        check_range("expire_after", expire_after, 0.0, None, low_open=True)
    report = report if report is not None else ReadReport()
    config = config or DedupConfig()
    incoming = list(read_articles(inputs, reader, report, progress))
    # Every stored article's row is read to expire them, or for an output holding every
    # stored record; else only the rows of the input's ids (and the newest time kept).
    whole = expire_after is not None or not (only_new or stream)
    stored = state.article_rows(None if whole else (a.id for a in incoming))
    intake = _intake(stored, incoming, expire_after)
    newest = _newest(stored, incoming) if whole else max(
        [t for t in (state.newest_published(), *(a.published for a in incoming))
         if t is not None], default=None)
    seq_of = {s.id: s.seq for s in stored}
    changed = set(intake.new) | set(intake.updated)
    next_seq = state.next_seq()
    places = {**{i: seq_of[i] for i in intake.updated},
              **{i: next_seq + k for k, i in enumerate(intake.new)}}
    gone = {seq_of[i] for i in (*intake.expired, *intake.updated)}
    # Every stored record is read for an output of everything; --only-new reads those
    # of the articles matched again only (their groups are all it writes).
    records = {} if only_new or stream else state.records(s.seq for s in stored if s.seq not in gone)
    # Every stored group row is read for an output of everything (the groups that
    # stand); --only-new looks up only the groups of the articles it matches.
    group_rows = [] if only_new else state.group_rows()
    if stream and not whole:
        seq_of = state.seqs_of()
    stored_groups: GroupsOf = _Lookup(state) if only_new else _stored_groups(group_rows, seq_of)
    try:
        placed = match_on_state(state, [(places[a.id], a) for a in incoming if a.id in changed],
                                gone, stored_groups, config,
                                engine or LocalEngine(config.workers),
                                progress or (lambda stage, done, total: None), records)
    except MemoryError:
        raise OutOfMemory(report.reading) from None
    if only_new:
        seq_of = state.seqs_of(g.kept.id for g in placed.groups if g.kept.id not in places)
    places.update((i, seq) for i, seq in seq_of.items() if i not in places)
    groups = placed.groups
    standing: list[Standing] = []
    if stream:
        standing = _standing(group_rows, places, placed.fresh | gone)
    elif not only_new:
        articles = {a.id: a for a in records.values()}
        articles.update((a.id, a) for a in incoming if a.id in changed)
        groups = groups + _kept_groups(group_rows, articles, places, placed.fresh | gone)
    groups = sorted(groups, key=lambda g: places[g.kept.id])
    result = DedupResult(groups=groups, config=config, boilerplate=placed.model)
    state.delete_articles(intake.expired)
    state.put_articles((a for a in incoming if a.id in changed), newest, places)
    state.set_groups(placed.groups)
    state.record_run(command, len(intake.new), len(intake.updated), len(intake.skipped),
                     len(intake.expired))
    return IncrementalDedup(DedupRun(result, report), intake, state.run, len(placed.fresh),
                            placed.refreshed,
                            tuple(places[g.kept.id] for g in groups) if stream else (),
                            tuple(standing))


class _Lookup:
    """Per stored seq, the seqs of its stored duplicate group, looked up in the state
    when asked (:meth:`State.group_seqs`), as :func:`_stored_groups` gives them."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.known: dict[int, list[int] | None] = {}

    def get(self, seq: int, default: Any = None) -> Any:
        if seq not in self.known:
            self.known[seq] = self.state.group_seqs([seq]).get(seq)
        found = self.known[seq]
        return default if found is None else found

    def ask(self, seqs: Iterable[int]) -> None:
        wanted = [s for s in seqs if s not in self.known]
        found = self.state.group_seqs(wanted)
        self.known.update((s, found.get(s)) for s in wanted)


class _Held(dict[int, list[int]]):
    """Per stored seq, the seqs of its stored duplicate group, all held."""

    def ask(self, seqs: Iterable[int]) -> None:
        """Nothing to look up."""


def _stored_groups(group_rows: list[tuple[Any, ...]], seq_of: dict[str, int]) -> _Held:
    """Per stored seq, the seqs of its stored duplicate group (from the stored group
    rows, :meth:`State.group_rows`)."""
    members: dict[str, list[int]] = {}
    for row in group_rows:
        if row[0] in seq_of:
            members.setdefault(row[1], []).append(seq_of[row[0]])
    return _Held((seq, group) for group in members.values() for seq in group)


def _kept_groups(group_rows: list[tuple[Any, ...]], articles: dict[str, Article],
                 places: dict[str, int], fresh: set[int]) -> list[DuplicateGroup]:
    """The stored duplicate groups that stand as they were (no member fresh or gone)."""
    out = []
    for kept, members in _standing_rows(group_rows, articles, places, fresh).items():
        others = sorted((r for r in members if r[0] != kept), key=lambda r: places[r[0]])
        out.append(DuplicateGroup(
            kept=articles[kept], duplicates=tuple(articles[r[0]] for r in others),
            similarities=tuple(r[2] for r in others if r[2] is not None),
            kinds=tuple(r[3] for r in others if r[3] is not None),
            links=tuple(Link(r[4], r[5], r[6]) for r in others if r[4] is not None)))
    return out


def _standing(group_rows: list[tuple[Any, ...]], places: dict[str, int], fresh: set[int]
              ) -> list[Standing]:
    """The stored duplicate groups that stand as they were, by id and place (the
    groups :func:`_kept_groups` makes, without their records)."""
    return sorted((Standing(places[kept], kept, tuple(sorted(
        (r[0] for r in rows if r[0] != kept), key=places.__getitem__)))
        for kept, rows in _standing_rows(group_rows, places, places, fresh).items()),
        key=lambda s: s.seq)


def _standing_rows(group_rows: list[tuple[Any, ...]], present: Container[str],
                   places: dict[str, int], fresh: set[int]) -> dict[str, list[tuple[Any, ...]]]:
    """The stored group rows of the groups that stand, by kept id: rows of ``present``
    articles none of which is ``fresh`` (matched again or gone in this run)."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for row in group_rows:
        if row[0] in present and places[row[0]] not in fresh:
            rows.setdefault(row[1], []).append(row)
    return rows


def _intake(stored: list[StoredRow], incoming: list[Article], expire_after: float | None
            ) -> Intake:
    """Sort the input into new, updated and skipped; drop expired stored articles."""
    known = {s.id: s for s in stored}
    new, updated, skipped = [], [], []
    for article in incoming:
        before = known.get(article.id)
        if before is None:
            new.append(article.id)
        elif before.digest == digest(article):
            skipped.append(article.id)
        else:
            updated.append(article.id)
    expired: list[str] = []
    if expire_after is not None:
        newest = _newest(stored, incoming)
        if newest is not None:
            cutoff = newest - timedelta(days=expire_after)
            again = set(updated)
            expired = [s.id for s in stored if s.id not in again and _age_time(s) is not None
                       and _age_time(s) < cutoff]  # type: ignore[operator]
    return Intake(tuple(new), tuple(updated), tuple(skipped), tuple(expired))


def _age_time(stored: StoredRow) -> datetime | None:
    return stored.published or stored.seen


def _newest(stored: Iterable[StoredRow], incoming: Iterable[Article]) -> datetime | None:
    return max([s.published for s in stored if s.published is not None]
               + [a.published for a in incoming if a.published is not None], default=None)
