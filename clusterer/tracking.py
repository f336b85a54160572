"""Storylines on a state: the stored storylines extended with the new articles, their
ids kept from run to run (the storylines step of :mod:`clusterer.incremental`).

Only a *working set* is clustered again (:func:`working_set`): the new groups (holding
an article stored since the last run through this step), the groups of a stored
storyline with a member within ``window_hours`` of the new articles that lie within
``window_hours`` too (its older members stay anchored in it: :func:`_anchor`; all of
it when its articles changed: expired, or regrouped by dedup), and the other stored
groups within
``window_hours`` whose stored term vectors (:mod:`clusterer.screen`) give them, with a
new group, the evidence a batch run asks of a storyline of two. A new article joins a
storyline only within ``window_hours`` of it, and a stored group without a new one
had its turn. So the working set is clustered as before (:func:`extend_storylines`:
the TF-IDF vocabulary fitted on the working set's stored text, old and new vectors
made in one fit, so comparable) and the storylines outside it stand as stored, with
the headline, keywords and member order the state keeps for them. A run's cost follows
the working set, not the whole history (all of it near in time when a new article is
undated). A state's first run is the batch run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from clusterer.extend import _near, extend_storylines
from clusterer.features import document
from clusterer.pipeline import StorylinesRun, chrome_title
from clusterer.records import Article, DuplicateGroup
from clusterer.state import State
from clusterer.state_records import StoredStoryline
from clusterer.storyline_records import time_hours, time_sort_key
from clusterer.storylines import Storyline, StorylineConfig, StorylineResult

if TYPE_CHECKING:
    from clusterer.incremental import IncrementalDedup

Progress = Callable[[str, int, "int | None"], None]
CHANGES = ("new", "grown", "merged", "shrunk", "unchanged")


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
        clustered: Groups clustered again (the working set); the others stood as stored.
    """

    run: StorylinesRun
    dedup: IncrementalDedup
    changes: dict[str, str]
    merged: dict[str, tuple[str, ...]]
    ended: tuple[str, ...]
    clustered: int = 0

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
    config = config or StorylineConfig()
    everything = state.storylines()
    groups = dedup.run.result.groups
    # New to storylines: stored since the last storylines run (a dedup run may have
    # stored some), this run's new and updated articles among them. An updated article
    # is placed afresh, on its new content.
    changed = state.added_since("storylines")
    fresh = np.array([any(i in changed for i in g.ids) for g in groups], dtype=bool)
    _store_vectors(state, groups, changed, dedup.run.result.content_text, config)
    new_hours = np.array([time_hours(a.published) for k in np.flatnonzero(fresh).tolist()
                          for a in (groups[k].kept, *groups[k].duplicates) if a.id in changed],
                         dtype=np.float64)
    work, standing, anchored = working_set(groups, everything, fresh, config.window_hours,
                                           state.vectors, config.similarity, new_hours)
    stored = {sid: s for sid, s in everything.items() if sid not in standing}
    kept_back = {sid: {i for k in at for i in groups[k].ids} for sid, at in anchored.items()}
    recent = {sid: replace(s, members=s.members - kept_back.get(sid, set()))
              for sid, s in stored.items()}
    part = [groups[k] for k in np.flatnonzero(work).tolist()]
    found = extend_storylines(part, _seeds(part, recent, set(dedup.intake.updated)), config,
                              body_text=dedup.run.result.content_text, progress=progress,
                              merge_seeded=merge_stored, fresh=fresh[work].tolist(),
                              chrome_title=chrome_title(dedup.run.result))
    ids, changes, merged = assign_ids(found.storylines, recent,
                                      state.retired_ids() | set(standing))
    redone = _anchor([replace(s, id=ids[s.id]) for s in found.storylines], anchored, groups,
                     stored, {old: ids[sid] for sid, olds in merged.items() for old in olds},
                     max(config.min_size, 2))
    changes.update((sid, "shrunk") for sid in anchored
                   if sid not in ids.values() and any(s.id == sid for s in redone))
    storylines = sorted([*redone, *standing.values()], key=lambda s: (-s.size, s.id))
    held = {g.kept.id for s in [*standing.values(), *redone] for g in s.groups}
    held |= {g.kept.id for g in found.unclustered}
    alone = [g for g in groups if g.kept.id not in held]
    unclustered = sorted([*found.unclustered, *alone],
                         key=lambda g: (time_sort_key(g.kept.published), g.kept.id))
    result = StorylineResult(storylines, unclustered, found.config)
    survivors = set(ids.values()) | {old for olds in merged.values() for old in olds}
    survivors |= {s.id for s in redone}
    ended = tuple(sorted(set(stored) - survivors))
    state.set_storylines(
        [(s.id, stored[s.id].created if s.id in stored else state.run, s.first_seen,
          s.last_seen, s.size, sorted(i for g in s.groups for i in g.ids)) for s in redone],
        [(old, ids[sid]) for sid, olds in merged.items() for old in olds], ended,
        replaced=stored,
        shapes={s.id: (s.representative.kept.id, s.keywords, [g.kept.id for g in s.groups])
                for s in redone})
    state.mark_step("storylines")
    return IncrementalStorylines(
        StorylinesRun(result, dedup.run), dedup,
        {**{ids.get(k, k): v for k, v in changes.items()},
         **{sid: "unchanged" for sid in standing}},
        {ids[k]: v for k, v in merged.items() if v}, ended, len(part))


def _anchor(redone: list[Storyline], anchored: dict[str, list[int]],
            groups: Sequence[DuplicateGroup], stored: dict[str, StoredStoryline],
            into: dict[str, str], smallest: int) -> list[Storyline]:
    """The storylines clustered again, with the anchored members of each stored one
    put back (after the others): in the storyline holding its id, or the one it merged
    into; a stored storyline that went leaves them as a storyline of its own (its id,
    the members in stored order) if they are ``smallest`` articles or more, else
    unclustered."""
    by_id = {s.id: s for s in redone}
    out = dict(by_id)
    for sid in sorted(anchored):
        members = [groups[k] for k in anchored[sid]]
        target = sid if sid in by_id else into.get(sid)
        if target is not None and target in out:
            out[target] = replace(out[target], groups=out[target].groups + tuple(members))
            continue
        if sum(g.size for g in members) < smallest:
            continue
        order = {kept: n for n, kept in enumerate(stored[sid].ranked)}
        members.sort(key=lambda g: (order.get(g.kept.id, len(order)), g.kept.id))
        representative = next((g for g in members if g.kept.id == stored[sid].representative),
                              members[0])
        out[sid] = Storyline(id=sid, representative=representative,
                             keywords=stored[sid].keywords, groups=tuple(members))
    return list(out.values())


def _store_vectors(state: State, groups: Sequence[DuplicateGroup], changed: set[str],
                   body: Callable[[Article], str], config: StorylineConfig) -> None:
    """Store the term vectors (:mod:`clusterer.screen`) of the ``changed`` articles."""
    from clusterer.screen import pack, term_rows

    articles = [a for g in groups for a in (g.kept, *g.duplicates) if a.id in changed]
    docs = [document(a.title, body(a), config.features) for a in articles]
    state.put_vectors(dict(zip((a.id for a in articles), pack(term_rows(docs)))))


def working_set(groups: Sequence[DuplicateGroup], stored: dict[str, StoredStoryline],
                fresh: np.ndarray, window: float,
                load: Callable[[list[str]], dict[str, bytes]] | None = None,
                threshold: float = 0.0, new_hours: np.ndarray | None = None
                ) -> tuple[np.ndarray, dict[str, Storyline], dict[str, list[int]]]:
    """Which groups are clustered again, and the stored storylines that stand as stored.

    Clustered again: the ``fresh`` groups; the groups within ``window`` hours of their
    time span (of ``new_hours``, the times of the new articles, when given: a fresh
    group may be kept under an old article; undated ones too; every group when a fresh
    one is undated) of a stored storyline with a member there; every group of a stored
    storyline whose articles are not exactly those of its stored members' groups (some
    expired or were regrouped), or whose entry the state does not hold; and the other
    groups within ``window`` hours, but with ``load``
    (the stored term vectors of article ids, :mod:`clusterer.screen`) only those
    whose kept article has, with a fresh one, the evidence a batch run asks of a
    storyline of two: a cosine of ``threshold`` x (1 + ``FEW_OTHERS``) and a headline
    word in common (one without a stored vector is taken). Those left out stay
    unclustered: a storyline they form needs a new article (the others had their
    turn). The other stored storylines stand, rebuilt from the groups (in their
    stored order, with their stored headline and keywords). Of a stored storyline
    with a member near in time, the members not near in time are *anchored*: left out
    of the working set and kept in the storyline (returned per storyline id, as group
    positions), unless its articles changed.
    """
    hours = np.array([time_hours(g.kept.published) for g in groups], dtype=np.float64)
    if new_hours is None:
        near = _near(hours, fresh, window) | fresh
    else:  # a copy stored today of an article kept weeks ago is today's news
        times = np.concatenate([new_hours, hours])
        marks = np.concatenate([np.ones(len(new_hours), dtype=bool), np.zeros(len(hours), bool)])
        near = _near(times, marks, window)[len(new_hours):] | fresh
    home = {i: s.id for s in stored.values() for i in s.members}
    touched = {home[i] for k in np.flatnonzero(near).tolist() for i in groups[k].ids
               if i in home}
    by_time = set(touched)
    recent = near.copy()
    if load is not None and fresh.any():
        near = _screen(groups, fresh, near, load, threshold)
    by_kept = {g.kept.id: k for k, g in enumerate(groups)}
    standing: dict[str, Storyline] = {}
    for sid in sorted(set(stored) - touched):
        old = stored[sid]
        places = [by_kept[kept] for kept in old.ranked if kept in by_kept]
        if not old.ranked or len(places) < len(old.ranked) \
                or old.representative not in old.ranked \
                or sum(groups[k].size for k in places) != len(old.members) \
                or any(i not in old.members for k in places for i in groups[k].ids):
            touched.add(sid)
            continue
        members = tuple(groups[k] for k in places)
        standing[sid] = Storyline(id=sid, representative=groups[by_kept[old.representative]],
                                  keywords=old.keywords, groups=members)
    # A storyline touched by the new articles is clustered again with its members
    # within the time window; the older ones stay in it (anchored), unless its
    # articles changed (then all of it is clustered again).
    whole = {sid for sid in touched if sid not in by_time}
    work = near.copy()
    anchored: dict[str, list[int]] = {}
    for k, group in enumerate(groups):
        owners = {home.get(i) for i in group.ids} & touched
        if work[k] or not owners:
            continue
        if recent[k] or owners & whole or len(owners) > 1 \
                or any(i not in home for i in group.ids):
            work[k] = True
        else:
            anchored.setdefault(owners.pop(), []).append(k)  # type: ignore[arg-type]
    return work, standing, anchored


def _screen(groups: Sequence[DuplicateGroup], fresh: np.ndarray, near: np.ndarray,
            load: Callable[[list[str]], dict[str, bytes]], threshold: float) -> np.ndarray:
    """The fresh groups and the near ones related to a fresh one by their stored term
    vectors (see :func:`working_set`)."""
    from clusterer.evidence import FEW_OTHERS
    from clusterer.features import site_words, title_terms
    from clusterer.readers.urls import url_host
    from clusterer.screen import closest, unpack, weighted

    others = np.flatnonzero(near & ~fresh)
    blobs = load([groups[k].kept.id for k in np.flatnonzero(near).tolist()])
    ids = sorted(blobs)
    row = {i: k for k, i in enumerate(ids)}
    rows = weighted(unpack([blobs[i] for i in ids]))
    new_at = [k for k in np.flatnonzero(fresh).tolist() if groups[k].kept.id in row]
    had = np.asarray([groups[k].kept.id in row for k in others.tolist()], dtype=bool)
    old_at = others[had].tolist()
    # The headline words a batch run judges by (storylines.headline_words), but with
    # the English stop words: the languages are known only once the working set is
    # clustered, and keeping other languages' function words only lets more through.
    chosen = [groups[k].kept for k in [*new_at, *old_at]]
    words = title_terms([a.title for a in chosen], "en",
                        [site_words(a.source, url_host(a.url)) for a in chosen])
    best = np.ones(len(others))
    best[had] = closest(rows[[row[groups[k].kept.id] for k in new_at]],
                        rows[[row[groups[k].kept.id] for k in old_at]],
                        (words[:len(new_at)], words[len(new_at):]))
    related = fresh.copy()
    related[others[best >= threshold * (1 + FEW_OTHERS)]] = True
    return related


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
