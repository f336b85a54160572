"""Incremental runs: new articles added to a state store, copies of earlier articles
found, storylines that keep their ids from run to run.

How a run works:

1. Intake: each new article is compared with the state by id: an unknown id is
   **new**; a known id with the same content (:func:`clusterer.state.digest`: every
   field as read, not the file it came from) is **skipped**; a known id with other
   content is an **update**: the new version replaces the stored one in place (same
   position, so ``--keep first`` still sees it where it first came) and is matched
   afresh. With ``expire_after`` days, stored articles older than that before the
   newest publication time in the state and input are dropped first (an undated
   article by the newest time known when it arrived). Articles of this run are never
   expired by it.
2. Dedup (:func:`clusterer.delta.match_on_state`): only the new and updated articles
   are fingerprinted; chrome is learned again over everything from the stored unit
   hashes, and the stored fingerprints it made stale are made again; the new articles
   are matched against their stored candidates (stored LSH band keys, then the MinHash
   screen), and any stored group one of them meets is matched again whole. The groups
   are those of one batch run over everything, entry for entry
   (``scripts/incremental_check.py identity``); what still grows with the state is
   reading it (the stored records, unit hashes and band keys) and learning chrome.
3. Storylines (:func:`clusterer.storylines.extend_storylines`): stored storylines keep
   their members; each new (or still unclustered) article joins the stored storyline
   for which it has the evidence a batch run asks of a member (TF-IDF cosine with the
   storyline's centroid and a shared headline word, within the time window); the rest
   are clustered among themselves and the unclustered stored articles by the batch
   code; then storylines merge as a batch run merges its fragments. Vectors stay
   comparable because none is stored: the TF-IDF vocabulary is refitted every run on
   every article the state holds (stored text, not stored vectors), at a cost
   proportional to the state. The storylines then get the ids of the stored ones by
   shared members (:func:`assign_ids`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from clusterer.dedup import DedupConfig, DedupResult
from clusterer.delta import match_on_state
from clusterer.engine import Engine, LocalEngine
from clusterer.errors import OutOfMemory
from clusterer.extend import extend_storylines
from clusterer.pipeline import DedupRun, StorylinesRun
from clusterer.readers import ReaderConfig, ReadReport, read_articles
from clusterer.records import Article, DuplicateGroup, Link
from clusterer.state import State, StoredArticle, StoredStoryline, digest
from clusterer.storylines import Storyline, StorylineConfig, StorylineResult
from clusterer.validation import check_range

Progress = Callable[[str, int, "int | None"], None]
CHANGES = ("new", "grown", "merged", "shrunk", "unchanged")


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
    """

    run: DedupRun
    intake: Intake
    number: int
    fresh: int = 0
    refreshed: int = 0

    def touched(self) -> list[DuplicateGroup]:
        """The groups holding an article this run added or updated (``--only-new``)."""
        fresh = set(self.intake.new) | set(self.intake.updated)
        return [g for g in self.run.result.groups if any(i in fresh for i in g.ids)]


def dedup_with_state(state: State, inputs: Sequence[str], reader: ReaderConfig | None = None,
                     config: DedupConfig | None = None, progress: Progress | None = None,
                     engine: Engine | None = None, expire_after: float | None = None,
                     command: str = "dedup", report: ReadReport | None = None
                     ) -> IncrementalDedup:
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
    """
    if expire_after is not None:
        check_range("expire_after", expire_after, 0.0, None, low_open=True)
    report = report if report is not None else ReadReport()
    config = config or DedupConfig()
    incoming = list(read_articles(inputs, reader, report, progress))
    stored = state.articles()
    intake, articles = _intake(stored, incoming, expire_after)
    newest = _newest([s.article for s in stored] + incoming)
    seq_of = {s.article.id: s.seq for s in stored}
    changed = set(intake.new) | set(intake.updated)
    next_seq = state.next_seq()
    places = {**{i: seq_of[i] for i in intake.updated},
              **{i: next_seq + k for k, i in enumerate(intake.new)}}
    gone = {seq_of[i] for i in (*intake.expired, *intake.updated)}
    try:
        placed = match_on_state(state, [(places[a.id], a) for a in incoming if a.id in changed],
                                gone, _stored_groups(state, seq_of), config,
                                engine or LocalEngine(config.workers),
                                progress or (lambda stage, done, total: None),
                                {s.seq: s.article for s in stored})
    except MemoryError:
        raise OutOfMemory(report.reading) from None
    places.update((i, seq) for i, seq in seq_of.items() if i not in places)
    kept_groups = _kept_groups(state, {a.id: a for a in articles}, places, placed.fresh | gone)
    groups = sorted([*kept_groups, *placed.groups], key=lambda g: places[g.kept.id])
    result = DedupResult(groups=groups, config=config, boilerplate=placed.model)
    state.delete_articles(intake.expired)
    state.put_articles((a for a in incoming if a.id in changed), newest, places)
    state.set_groups(placed.groups)
    state.record_run(command, len(intake.new), len(intake.updated), len(intake.skipped),
                     len(intake.expired))
    return IncrementalDedup(DedupRun(result, report), intake, state.run, len(placed.fresh),
                            placed.refreshed)


def _stored_groups(state: State, seq_of: dict[str, int]) -> dict[int, list[int]]:
    """Per stored seq, the seqs of its stored duplicate group."""
    members: dict[str, list[int]] = {}
    for row in state.group_rows():
        if row[0] in seq_of:
            members.setdefault(row[1], []).append(seq_of[row[0]])
    return {seq: group for group in members.values() for seq in group}


def _kept_groups(state: State, articles: dict[str, Article], places: dict[str, int],
                 fresh: set[int]) -> list[DuplicateGroup]:
    """The stored duplicate groups that stand as they were (no member fresh or gone)."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for row in state.group_rows():
        if row[0] in articles and places[row[0]] not in fresh:
            rows.setdefault(row[1], []).append(row)
    out = []
    for kept, members in rows.items():
        others = sorted((r for r in members if r[0] != kept), key=lambda r: places[r[0]])
        out.append(DuplicateGroup(
            kept=articles[kept], duplicates=tuple(articles[r[0]] for r in others),
            similarities=tuple(r[2] for r in others if r[2] is not None),
            kinds=tuple(r[3] for r in others if r[3] is not None),
            links=tuple(Link(r[4], r[5], r[6]) for r in others if r[4] is not None)))
    return out


def _intake(stored: list[StoredArticle], incoming: list[Article], expire_after: float | None
            ) -> tuple[Intake, list[Article]]:
    """Sort the input into new, updated and skipped; drop expired stored articles.
    Returns the intake and every article to match, in stored order then new."""
    known = {s.article.id: s for s in stored}
    new, updated, skipped = [], {}, []
    for article in incoming:
        before = known.get(article.id)
        if before is None:
            new.append(article)
        elif before.digest == digest(article):
            skipped.append(article.id)
        else:
            updated[article.id] = article
    expired: list[str] = []
    if expire_after is not None:
        newest = _newest([s.article for s in stored] + incoming)
        if newest is not None:
            cutoff = newest - timedelta(days=expire_after)
            expired = [s.article.id for s in stored
                       if s.article.id not in updated and _age_time(s) is not None
                       and _age_time(s) < cutoff]  # type: ignore[operator]
    gone = set(expired)
    articles = [updated.get(s.article.id, s.article) for s in stored if s.article.id not in gone]
    intake = Intake(tuple(a.id for a in new), tuple(updated), tuple(skipped), tuple(expired))
    return intake, articles + new


def _age_time(stored: StoredArticle) -> datetime | None:
    return stored.article.published or stored.seen


def _newest(articles: Iterable[Article]) -> datetime | None:
    return max((a.published for a in articles if a.published is not None), default=None)


# ---------------------------------------------------------------- storylines
@dataclass(frozen=True)
class IncrementalStorylines:
    """A storylines run on a state: every storyline the state holds, with stable ids.

    Attributes:
        run: The storylines (ids from the state) and the dedup run beneath them.
        dedup: The dedup step on the state.
        changes: Per storyline id, ``new``, ``grown``, ``merged``, ``shrunk`` or
            ``unchanged`` (see :func:`assign_ids`).
        merged: Per storyline id, the ids merged into it in this run.
        ended: Stored storyline ids with no successor (their articles expired or are
            unclustered now), sorted.
    """

    run: StorylinesRun
    dedup: IncrementalDedup
    changes: dict[str, str]
    merged: dict[str, tuple[str, ...]]
    ended: tuple[str, ...]

    def document(self) -> dict[str, Any]:
        """The JSON cluster file, with ``change`` and ``merged`` on each storyline and
        ``changes`` (the run number, ids merged away, ids ended) at the top."""
        document = self.run.document()
        for entry in document["storylines"]:
            entry["change"] = self.changes[entry["id"]]
            entry["merged"] = list(self.merged.get(entry["id"], ()))
        document["changes"] = {
            "run": self.dedup.number,
            "merged_away": [{"id": old, "into": sid}
                            for sid, olds in sorted(self.merged.items()) for old in olds],
            "ended": list(self.ended),
        }
        return document


def storylines_with_state(state: State, dedup: IncrementalDedup,
                          config: StorylineConfig | None = None,
                          progress: Progress | None = None,
                          merge_stored: bool = True) -> IncrementalStorylines:
    """Extend the stored storylines with the state's new articles and store them
    (inside the state's open transaction).

    Args:
        state: The open state.
        dedup: This run's dedup step on it.
        config: Storyline parameters.
        progress: Called as ``progress(stage, done, total)``.
        merge_stored: Whether two stored storylines may merge (one id then goes).
    """
    stored = state.storylines()
    groups = dedup.run.result.groups
    # An updated article is placed afresh, on its new content.
    # New to storylines: stored since the last storylines run (a dedup run may have
    # stored some), this run's new and updated articles among them.
    changed = state.added_since("storylines")
    found = extend_storylines(groups, _seeds(groups, stored, set(dedup.intake.updated)), config,
                              body_text=dedup.run.result.content_text, progress=progress,
                              merge_seeded=merge_stored,
                              fresh=[any(i in changed for i in g.ids) for g in groups])
    ids, changes, merged = assign_ids(found.storylines, stored, state.retired_ids())
    storylines = sorted((replace(s, id=ids[s.id]) for s in found.storylines),
                        key=lambda s: (-s.size, s.id))
    result = StorylineResult(storylines, found.unclustered, found.config)
    created = {sid: stored[sid].created for sid in stored}
    survivors = set(ids.values()) | {old for olds in merged.values() for old in olds}
    ended = tuple(sorted(set(stored) - survivors))
    state.set_storylines(
        [(s.id, created.get(s.id, state.run), s.first_seen, s.last_seen, s.size,
          sorted(i for g in s.groups for i in g.ids)) for s in storylines],
        [(old, ids[sid]) for sid, olds in merged.items() for old in olds], ended)
    return IncrementalStorylines(StorylinesRun(result, dedup.run), dedup,
                                 {ids[k]: v for k, v in changes.items()},
                                 {ids[k]: v for k, v in merged.items() if v}, ended)


def _seeds(groups: Sequence[DuplicateGroup], stored: dict[str, StoredStoryline],
           updated: set[str]) -> list[int]:
    """Per group, the stored storyline (an index in id order) holding most of its
    articles, updated ones not counted (ties: the smaller id), or -1."""
    numbers = {sid: n for n, sid in enumerate(sorted(stored))}
    home = {i: sid for sid, s in stored.items() for i in s.members if i not in updated}
    seeds = []
    for group in groups:
        counts: dict[str, int] = {}
        for article_id in group.ids:
            if article_id in home:
                counts[home[article_id]] = counts.get(home[article_id], 0) + 1
        best = min(counts, key=lambda sid: (-counts[sid], sid)) if counts else None
        seeds.append(-1 if best is None else numbers[best])
    return seeds


def assign_ids(found: Sequence[Storyline], stored: dict[str, StoredStoryline],
               retired: set[str] = frozenset()  # type: ignore[assignment]
               ) -> tuple[dict[str, str], dict[str, str], dict[str, tuple[str, ...]]]:
    """Give this run's storylines the ids of stored ones, by shared articles.

    Each stored storyline goes to the found storyline holding most of its articles
    (a split keeps the id on the part with most of them; ties: the larger storyline,
    then the smaller batch id). A found storyline that receives several stored ids
    keeps the oldest (created in the earliest run) and the
    others are merged into it (of ids created in one run, the one with most articles in
    it survives). A found storyline that receives none is new and keeps
    its batch id (a hash of its members), unless that id is taken. Nothing depends on
    input order: only on member sets and stored ids.

    Returns:
        Three maps keyed by batch id: the id to use, the change (``new``, ``merged``:
        two or more stored ids met, ``grown``: gained articles, ``shrunk``: only lost
        some, ``unchanged``), and the stored ids merged into it (sorted).
    """
    members = {s.id: frozenset(i for g in s.groups for i in g.ids) for s in found}
    owner = {i: s.id for s in found for i in members[s.id]}
    claims: dict[str, list[str]] = {}
    shares: dict[str, int] = {}  # stored id -> its articles in the storyline it went to
    for old in sorted(stored.values(), key=lambda o: o.id):
        overlap: dict[str, int] = {}
        for article_id in old.members:
            sid = owner.get(article_id)
            if sid is not None:
                overlap[sid] = overlap.get(sid, 0) + 1
        if overlap:
            best = min(overlap, key=lambda sid: (-overlap[sid], -len(members[sid]), sid))
            claims.setdefault(best, []).append(old.id)
            shares[old.id] = overlap[best]
    ids: dict[str, str] = {}
    changes: dict[str, str] = {}
    merged: dict[str, tuple[str, ...]] = {}
    taken = set(stored) | set(retired)
    for s in sorted(found, key=lambda s: s.id):
        olds = sorted(claims.get(s.id, ()), key=lambda o: (stored[o].created, -shares[o], o))
        if not olds:
            ids[s.id] = _free_id(s.id, taken)
            taken.add(ids[s.id])
            changes[s.id] = "new"
            continue
        ids[s.id] = olds[0]
        merged[s.id] = tuple(sorted(olds[1:]))
        before = stored[olds[0]].members
        if len(olds) > 1:
            changes[s.id] = "merged"
        elif members[s.id] == before:
            changes[s.id] = "unchanged"
        elif members[s.id] - before:
            changes[s.id] = "grown"
        else:
            changes[s.id] = "shrunk"
    return ids, changes, merged


def _free_id(candidate: str, taken: set[str]) -> str:
    """The batch id, or (if a stored or retired storyline has it) one hashed from it."""
    salt = 0
    out = candidate
    while out in taken:
        salt += 1
        out = "s-" + hashlib.blake2b(f"{candidate}#{salt}".encode(), digest_size=6).hexdigest()
    return out
