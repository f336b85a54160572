"""The state store: what incremental runs (``--state PATH``) keep between runs.

An embedded SQLite database (the standard library's :mod:`sqlite3`, WAL journal),
created on first use. It holds what a later run cannot get back from its own input:

- every article seen (the record as read, zlib-compressed, a digest of its content, the run that
  stored it and the newest publication time known when it arrived, for expiry);
- the duplicate groups (which article each is kept under, its similarity to it and
  the match that joined it), and the pairs compared with both sources' chrome left out;
- the storylines (id, the run that created the id, first/last seen, size) with their
  member article ids (kept articles and copies), and the ids merged away or ended
  (never given again);
- per article, what matching needs (:class:`clusterer.stored.StoredPrint`): unit hashes,
  fingerprints, exact keys; the LSH band keys sorted in parts
  (:mod:`clusterer.band_parts`); and the chrome model and dedup parameters they were
  made with (``meta``), so that a run fingerprints only what changed
  (:mod:`clusterer.delta`).

Safety: a run is one transaction (``BEGIN IMMEDIATE`` when the state is opened,
``COMMIT`` only when the run and its outputs succeeded), so a run that fails or is
killed leaves the state as it was. SQLite's write lock is taken at once: a second run
on the same state waits up to ``wait`` seconds, then stops with a clear message. A
state written with another schema version is refused in one line.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from clusterer import __version__
from clusterer.errors import StateError
from clusterer.records import Article, DuplicateGroup, iso_utc
from clusterer.state_prints import PrintStore
from clusterer.state_records import (
    StoredArticle,
    StoredRow,
    StoredStoryline,
    Summary,
    article_of,
    digest,
    lines_of,
    record_blob,
    time_of,
)

SCHEMA_VERSION = 6  # 2: fingerprints stored (prints), group members' matches;
# 3: storylines keep their headline, keywords and member order, articles their term
# vectors (only what the new articles touch is clustered again);
# 4: the counts chrome and common text are learned from (learned), kept up to date,
# and each article's text digest (prints.text: which copy on a source counts);
# 5: the comparisons of stored pairs (compared: not made again when their group is met);
# 6: the band keys kept sorted (bandparts), fingerprints apart from the unit hashes
WAIT_SECONDS = 5.0  # how long a second run waits for the state's lock before stopping
_HINT_NEW = "pass another --state path to start a new state"
_ADDED = {2: "fingerprints", 3: "term vectors", 4: "the counts chrome is learned from",
          5: "the comparisons of stored pairs", 6: "the band keys sorted for lookups"}
# what each schema version added that an older state lacks (named when one is refused)

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (run INTEGER PRIMARY KEY, command TEXT NOT NULL, new INTEGER NOT NULL,
                   updated INTEGER NOT NULL, skipped INTEGER NOT NULL,
                   expired INTEGER NOT NULL);
CREATE TABLE articles (id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE,
                       run INTEGER NOT NULL, digest TEXT NOT NULL, published TEXT,
                       seen TEXT, record BLOB NOT NULL);
CREATE TABLE prints (seq INTEGER PRIMARY KEY, source TEXT NOT NULL, segments TEXT NOT NULL,
                     units BLOB NOT NULL, digest BLOB, url TEXT, guid TEXT,
                     text BLOB NOT NULL);
CREATE INDEX prints_text ON prints (source, text);
CREATE INDEX prints_digest ON prints (digest);
CREATE INDEX prints_url ON prints (url);
CREATE INDEX prints_guid ON prints (guid);
-- what chrome is learned from and exact keys: read for every stored article each run,
-- so kept apart from the fingerprints (shingles), read only for the articles matched
CREATE TABLE shingles (seq INTEGER PRIMARY KEY, prints BLOB NOT NULL, screen BLOB NOT NULL);
CREATE TABLE bandparts (part INTEGER PRIMARY KEY, data BLOB NOT NULL);
-- the stored LSH band keys, sorted, in parts (clusterer.band_parts)
CREATE TABLE learned (key TEXT PRIMARY KEY, value BLOB NOT NULL);
-- chrome: the chrome counts (clusterer.learned.counts_blob), common: body shingles'
-- page counts (clusterer.learned.PageCounts)
CREATE TABLE rechecked (a INTEGER NOT NULL, b INTEGER NOT NULL, PRIMARY KEY (a, b));
CREATE INDEX rechecked_b ON rechecked (b);
-- pairs compared with both sources' chrome left out (their result depends on it)
CREATE TABLE compared (a INTEGER NOT NULL, b INTEGER NOT NULL, match BLOB NOT NULL,
                       PRIMARY KEY (a, b)) WITHOUT ROWID;
CREATE INDEX compared_b ON compared (b);
-- clusterer.comparer.Comparer.compare(a, b) of the others (clusterer.pairs)
CREATE TABLE groups (article_id TEXT PRIMARY KEY, kept_id TEXT NOT NULL, similarity REAL,
                     kind TEXT, via TEXT, via_kind TEXT, via_similarity REAL);
CREATE INDEX IF NOT EXISTS groups_kept ON groups (kept_id);
-- (created on opening a state of this version made before it: State.prepare)
CREATE TABLE storylines (id TEXT PRIMARY KEY, created INTEGER NOT NULL,
                         updated INTEGER NOT NULL, first_seen TEXT, last_seen TEXT,
                         size INTEGER NOT NULL, representative TEXT NOT NULL,
                         keywords TEXT NOT NULL, ranked TEXT NOT NULL);
-- representative: its kept article's id, keywords and ranked (the kept ids of its
-- members, most central first): newline-separated
CREATE TABLE members (article_id TEXT PRIMARY KEY, storyline_id TEXT NOT NULL);
CREATE INDEX members_storyline ON members (storyline_id);
CREATE TABLE vectors (article_id TEXT PRIMARY KEY, terms BLOB NOT NULL);
-- hashed word counts of each article's document (clusterer.screen)
CREATE TABLE merged (id TEXT PRIMARY KEY, into_id TEXT NOT NULL, run INTEGER NOT NULL);
-- into_id '': the storyline ended (its articles expired or are unclustered)
"""


@contextlib.contextmanager
def open_state(path: str, wait: float = WAIT_SECONDS) -> Iterator[State]:
    """Open (or create) the state at ``path`` for one run: one write transaction,
    committed when the block ends normally, rolled back on any exception.

    Raises:
        StateError: Not a state, another schema version, or in use by another run for
            longer than ``wait`` seconds.
    """
    connection = _connect(path, wait)
    try:
        _begin(connection, path, "BEGIN IMMEDIATE", wait)
        state = State(connection, path)
        state.prepare()
        yield state
        connection.execute("COMMIT")
        # Fold the journal into the database and empty it: the state's size on disk is
        # what it holds (busy readers may keep part of it until the next run).
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except BaseException:
        if connection.in_transaction:  # not when BEGIN itself failed
            connection.execute("ROLLBACK")
        raise
    finally:
        connection.close()


def read_summary(path: str) -> Summary:
    """What the state at ``path`` holds, read without taking the write lock.

    Raises:
        StateError: No state there, not a state, or another schema version.
    """
    if not os.path.isfile(path):
        raise StateError(f"{path}: no state here; the first run with --state {path} creates it")
    connection = _connect(path, WAIT_SECONDS)
    try:
        _begin(connection, path, "BEGIN", WAIT_SECONDS)
        state = State(connection, path)
        if state.check_version():
            summary = state.summary()
        else:  # created by a first run that has not finished (or was killed)
            summary = Summary(path, SCHEMA_VERSION, 0, 0, 0, 0, 0, 0, None, None, 0,
                              os.path.getsize(path))
        connection.execute("COMMIT")
        return summary
    finally:
        connection.close()


def _connect(path: str, wait: float) -> sqlite3.Connection:
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise StateError(f"{path}: directory {directory!r} does not exist; create it first")
    try:
        connection = sqlite3.connect(path, timeout=wait, isolation_level=None)
        # Set before the file is first written (ignored after): a stored article is a
        # few KB, and a 4 KB page holds only one of them.
        connection.execute("PRAGMA page_size=16384")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints
    except sqlite3.DatabaseError as exc:
        raise _state_error(path, exc, wait) from None
    return connection


def _begin(connection: sqlite3.Connection, path: str, statement: str, wait: float) -> None:
    try:
        connection.execute(statement)
    except sqlite3.DatabaseError as exc:
        raise _state_error(path, exc, wait) from None


def _state_error(path: str, exc: sqlite3.DatabaseError, wait: float = WAIT_SECONDS
                 ) -> StateError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return StateError(f"{path}: state is in use by another run (waited {wait:g} s); "
                          "wait for it to finish, or pass another --state path")
    if "not a database" in text or "malformed" in text:
        return StateError(f"{path}: not a clusterer state ({text}); {_HINT_NEW}")
    return StateError(f"{path}: cannot open the state ({text})")


class State(PrintStore):
    """The state inside one open transaction (see :func:`open_state`)."""

    def __init__(self, connection: sqlite3.Connection, path: str) -> None:
        super().__init__(connection)
        self.path = path
        self.run = 0

    # ------------------------------------------------------------ schema
    def check_version(self) -> bool:
        """Whether the schema exists; raises if it is another version's."""
        tables = {row[0] for row in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return False
        if "meta" not in tables:
            raise StateError(f"{self.path}: not a clusterer state (an SQLite database without "
                             f"clusterer's tables); {_HINT_NEW}")
        meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        version = meta.get("schema_version")
        if version != str(SCHEMA_VERSION):
            lacks = [what for v, what in _ADDED.items()
                     if version is not None and version.isdigit() and int(version) < v]
            why = f" (it keeps {', '.join(lacks)}, which that state lacks)" if lacks else ""
            raise StateError(f"{self.path}: state written with schema version {version} "
                             f"(clusterer {meta.get('clusterer', '?')}); this clusterer "
                             f"({__version__}) reads schema version {SCHEMA_VERSION}{why}; use "
                             f"that version or {_HINT_NEW}")
        return True

    def prepare(self) -> None:
        """Create the schema on first use, check its version, and number this run."""
        if not self.check_version():
            # One statement at a time: executescript() would COMMIT the run's transaction.
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self.db.execute(statement)
            self.db.executemany("INSERT INTO meta VALUES (?, ?)",
                                [("schema_version", str(SCHEMA_VERSION)),
                                 ("clusterer", __version__)])
        else:  # the index a group is looked up by, in states made before it
            self.db.execute("CREATE INDEX IF NOT EXISTS groups_kept ON groups (kept_id)")
        last = self.db.execute("SELECT MAX(run) FROM runs").fetchone()[0]
        self.run = (last or 0) + 1

    def record_run(self, command: str, new: int, updated: int, skipped: int,
                   expired: int) -> None:
        """Log this run (``clusterer state`` counts them)."""
        self.db.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)",
                        (self.run, command, new, updated, skipped, expired))

    # ------------------------------------------------------------ articles
    def articles(self) -> list[StoredArticle]:
        """Every stored article, in the order they were first stored."""
        rows = self.db.execute("SELECT seq, run, digest, seen, record FROM articles ORDER BY seq")
        return [StoredArticle(article_of(zlib.decompress(record)), seq, run, dig, time_of(seen))
                for seq, run, dig, seen, record in rows]

    def article_rows(self, ids: Iterable[str] | None = None) -> list[StoredRow]:
        """Every stored article without its record (or those of ``ids`` the state holds,
        looked up by id), in the order they were first stored."""
        select = "SELECT id, seq, digest, published, seen FROM articles"
        if ids is None:
            rows = self.db.execute(f"{select} ORDER BY seq").fetchall()
        else:
            wanted = sorted(set(ids))
            rows = []
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                rows += self.db.execute(f"{select} WHERE id IN ({','.join('?' * len(chunk))})",
                                        chunk).fetchall()
            rows.sort(key=lambda row: row[1])
        return [StoredRow(i, seq, dig, time_of(published), time_of(seen))
                for i, seq, dig, published, seen in rows]

    def seqs_of(self, ids: Iterable[str] | None = None) -> dict[str, int]:
        """The seq of every stored article (or of those of ``ids`` it holds), by id."""
        if ids is None:
            return dict(self.db.execute("SELECT id, seq FROM articles"))
        wanted = sorted(set(ids))
        out: dict[str, int] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            out.update(self.db.execute(f"SELECT id, seq FROM articles WHERE id IN "
                                       f"({','.join('?' * len(chunk))})", chunk))
        return out

    def newest_published(self) -> datetime | None:
        """The newest publication time of the stored articles: kept in ``meta`` (the
        stored times are not read each run), counted again from every stored article
        when it is not (a new state; or a run replaced or dropped articles, which may
        have held it)."""
        kept = self.meta("newest")
        if kept is None:
            times = [time_of(row[0]) for row in self.db.execute(
                "SELECT published FROM articles WHERE published IS NOT NULL")]
            newest = max((t for t in times if t is not None), default=None)
            self.set_meta("newest", iso_utc(newest) or "")
            return newest
        return time_of(kept) if kept else None

    def put_articles(self, articles: Iterable[Article], seen: datetime | None,
                     places: dict[str, int] | None = None) -> None:
        """Store new articles (after every stored one, or at ``places``) or replace
        updated ones (keeping their place)."""
        articles = list(articles)
        places = places or {}
        if not all(a.id in places for a in articles):  # else the stored ones are not read
            places = {**self.seqs_of(), **places}
        self._newest_after(articles)
        next_seq = max(places.values(), default=-1) + 1
        for article in articles:
            seq = places.get(article.id)
            if seq is None:
                seq, next_seq = next_seq, next_seq + 1
            self.db.execute("INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (article.id, seq, self.run, digest(article),
                             iso_utc(article.published), iso_utc(seen),
                             zlib.compress(record_blob(article), 1)))

    def _newest_after(self, articles: list[Article]) -> None:
        """Keep :meth:`newest_published` for ``articles`` about to be stored: the newer
        of it and theirs, or (one replacing a stored one, which may have held it)
        counted again when next asked."""
        if self.meta("newest") is None:
            return
        if self.seqs_of(a.id for a in articles):
            self.db.execute("DELETE FROM meta WHERE key = 'newest'")
            return
        newest = max([t for t in (self.newest_published(), *(a.published for a in articles))
                      if t is not None], default=None)
        self.set_meta("newest", iso_utc(newest) or "")

    def added_since(self, step: str) -> set[str]:
        """Ids of the articles stored or updated since the last earlier run that went
        through ``step`` (see :meth:`mark_step`; all of them if none did)."""
        last = self.meta(f"last_{step}_run")
        return {row[0] for row in self.db.execute("SELECT id FROM articles WHERE run > ?",
                                                  (int(last or 0),))}

    def mark_step(self, step: str) -> None:
        """Record that this run went through ``step`` (``storylines``): the next run's
        :meth:`added_since` counts from it, whatever command the runs were."""
        self.set_meta(f"last_{step}_run", str(self.run))

    def delete_articles(self, ids: Iterable[str]) -> None:
        """Drop articles (expired) from the state, with their fingerprints and group rows."""
        rows = [(i,) for i in ids]
        if rows:  # the newest may go: counted again when next asked
            self.db.execute("DELETE FROM meta WHERE key = 'newest'")
        for table in ("prints", "shingles"):
            self.db.executemany(f"DELETE FROM {table} WHERE seq = (SELECT seq FROM articles "
                                "WHERE id = ?)", rows)
        self.db.executemany("DELETE FROM articles WHERE id = ?", rows)
        self.db.executemany("DELETE FROM groups WHERE article_id = ?", rows)
        self.db.executemany("DELETE FROM vectors WHERE article_id = ?", rows)

    def set_groups(self, groups: Iterable[DuplicateGroup], replaced: Iterable[str] = ()
                   ) -> None:
        """Store the duplicate groups of this run, with each member's match, in place
        of the stored rows of ``replaced`` ids (and of the groups' members)."""
        self.db.executemany("DELETE FROM groups WHERE article_id = ?", [(i,) for i in replaced])
        rows: list[tuple[Any, ...]] = []
        for g in groups:
            rows.append((g.kept.id, g.kept.id, None, None, None, None, None))
            for k, article in enumerate(g.duplicates):
                link = g.links[k] if k < len(g.links) else None
                rows.append((article.id, g.kept.id,
                             g.similarities[k] if k < len(g.similarities) else None,
                             g.kinds[k] if k < len(g.kinds) else None,
                             *((link.via, link.kind, link.similarity) if link else (None,) * 3)))
        self.db.executemany("INSERT OR REPLACE INTO groups VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def group_rows(self) -> list[tuple[Any, ...]]:
        """Every stored group member: ``(article id, kept id, similarity, kind, via,
        via kind, via similarity)``."""
        return self.db.execute("SELECT * FROM groups").fetchall()

    def group_seqs(self, seqs: Iterable[int]) -> dict[int, list[int]]:
        """Per stored article of ``seqs`` with a group row, the seqs of its stored
        duplicate group (looked up by the ``groups_kept`` index, not read whole)."""
        out: dict[int, list[int]] = {}
        wanted = sorted(set(seqs))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            for seq, member in self.db.execute(
                    "SELECT a1.seq, a2.seq FROM articles a1 "
                    "JOIN groups g1 ON g1.article_id = a1.id "
                    "JOIN groups g2 ON g2.kept_id = g1.kept_id "
                    "JOIN articles a2 ON a2.id = g2.article_id "
                    f"WHERE a1.seq IN ({','.join('?' * len(chunk))})", chunk):
                out.setdefault(seq, []).append(member)
        return out

    def records(self, seqs: Iterable[int]) -> dict[int, Article]:
        """The stored articles ``seqs`` by seq."""
        return {seq: article_of(zlib.decompress(record))
                for seq, record in self._by_seq("SELECT seq, record FROM articles", seqs)}

    def next_seq(self) -> int:
        """The place the next new article takes."""
        last = self.db.execute("SELECT MAX(seq) FROM articles").fetchone()[0]
        return 0 if last is None else int(last) + 1

    # ------------------------------------------------------------ storylines
    def put_vectors(self, rows: dict[str, bytes]) -> None:
        """Store (or replace) articles' term vectors (:func:`clusterer.screen.pack`)."""
        self.db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows.items())

    def vectors(self, ids: Iterable[str]) -> dict[str, bytes]:
        """The stored term vectors of articles ``ids`` (those that have one)."""
        wanted = sorted(set(ids))
        out: dict[str, bytes] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            out.update(self.db.execute("SELECT article_id, terms FROM vectors WHERE article_id "
                                       f"IN ({','.join('?' * len(chunk))})", chunk).fetchall())
        return out

    def storylines(self) -> dict[str, StoredStoryline]:
        """The stored storylines by id, with their member article ids."""
        members: dict[str, set[str]] = {}
        for article_id, storyline_id in self.db.execute("SELECT article_id, storyline_id "
                                                        "FROM members"):
            members.setdefault(storyline_id, set()).add(article_id)
        return {sid: StoredStoryline(sid, created, frozenset(members.get(sid, ())),
                                     representative, lines_of(keywords), lines_of(ranked))
                for sid, created, representative, keywords, ranked in self.db.execute(
                    "SELECT id, created, representative, keywords, ranked FROM storylines")}

    def retired_ids(self) -> set[str]:
        """Ids merged away or ended in earlier runs (never given to a new storyline)."""
        return {row[0] for row in self.db.execute("SELECT id FROM merged")}

    def set_storylines(self, storylines: Iterable[tuple[str, int, datetime | None,
                                                        datetime | None, int, list[str]]],
                       merged: Iterable[tuple[str, str]], ended: Iterable[str] = (),
                       replaced: Iterable[str] | None = None,
                       shapes: dict[str, tuple[str, Sequence[str], Sequence[str]]] | None = None
                       ) -> None:
        """Store storylines: ``(id, created run, first seen, last seen, size, member
        ids)`` each, in place of the stored ones ``replaced`` (all of them when None),
        with ``shapes[id]``: the representative's id, the keywords and the ranked kept
        ids (see :class:`StoredStoryline`); record ``(id, into)`` merges and the ids
        ended in this run (``into`` empty)."""
        if replaced is None:
            self.db.execute("DELETE FROM storylines")
            self.db.execute("DELETE FROM members")
        else:
            gone = [(sid,) for sid in replaced]
            self.db.executemany("DELETE FROM storylines WHERE id = ?", gone)
            self.db.executemany("DELETE FROM members WHERE storyline_id = ?", gone)
        shapes = shapes or {}
        for sid, created, first, last, size, ids in storylines:
            representative, words, ranked = shapes.get(sid, ("", (), ()))
            self.db.execute("INSERT INTO storylines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (sid, created, self.run, iso_utc(first), iso_utc(last), size,
                             representative, "\n".join(words), "\n".join(ranked)))
            self.db.executemany("INSERT INTO members VALUES (?, ?)", [(i, sid) for i in ids])
        self.db.executemany("INSERT OR REPLACE INTO merged VALUES (?, ?, ?)",
                            [(old, into, self.run) for old, into in merged]
                            + [(old, "", self.run) for old in ended])

    # ------------------------------------------------------------ summary
    def summary(self) -> Summary:
        """Counts and time span of what the state holds."""
        def one(sql: str) -> Any:
            return self.db.execute(sql).fetchone()[0]

        size = sum(os.path.getsize(self.path + suffix) for suffix in ("", "-wal")
                   if os.path.exists(self.path + suffix))
        grouped = one("SELECT COUNT(*) FROM (SELECT kept_id FROM groups GROUP BY kept_id "
                      "HAVING COUNT(*) > 1)")
        duplicates = one("SELECT COUNT(*) FROM groups WHERE article_id != kept_id")
        return Summary(path=self.path, schema_version=SCHEMA_VERSION,
                       runs=one("SELECT COUNT(*) FROM runs"),
                       articles=one("SELECT COUNT(*) FROM articles"), groups=grouped,
                       duplicates=duplicates, storylines=one("SELECT COUNT(*) FROM storylines"),
                       merged=one("SELECT COUNT(*) FROM merged WHERE into_id != ''"),
                       oldest=time_of(one("SELECT MIN(published) FROM articles")),
                       newest=time_of(one("SELECT MAX(published) FROM articles")),
                       undated=one("SELECT COUNT(*) FROM articles WHERE published IS NULL"),
                       bytes=size)
