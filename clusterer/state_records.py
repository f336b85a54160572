"""What the state store (:mod:`clusterer.state`) holds, as records: stored articles,
storylines and the summary ``clusterer state`` prints, and how an article's record is
stored (JSON, read back as it was) and digested."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import orjson

from clusterer.output import dumps_record
from clusterer.records import Article, iso_utc


@dataclass(frozen=True)
class StoredArticle:
    """An article as the state holds it.

    Attributes:
        article: The article as read (its ``origin`` is where it was first read).
        seq: Position in the order articles were first stored (input order per run).
        run: The run that stored (or last updated) it.
        digest: Digest of its content (:func:`digest`).
        seen: The newest publication time the state knew when it arrived: expires
            an undated article.
    """

    article: Article
    seq: int
    run: int
    digest: str
    seen: datetime | None


@dataclass(frozen=True)
class StoredRow:
    """What the state holds of an article besides its record (read without it).

    Attributes:
        id: The article id.
        seq: Its place (:class:`StoredArticle`).
        digest: Digest of its content (:func:`digest`).
        published: Its publication time.
        seen: The newest publication time the state knew when it arrived.
    """

    id: str
    seq: int
    digest: str
    published: datetime | None
    seen: datetime | None


@dataclass(frozen=True)
class StoredStoryline:
    """A storyline as the state holds it: its id, the run that created the id, the
    ids of its articles (kept articles and copies), and what its JSON entry needs
    besides the articles: the representative's id, the keywords and the kept ids of
    its members, most central first (empty when unknown)."""

    id: str
    created: int
    members: frozenset[str]
    representative: str = ""
    keywords: tuple[str, ...] = ()
    ranked: tuple[str, ...] = ()


@dataclass(frozen=True)
class Summary:
    """What ``clusterer state`` prints."""

    path: str
    schema_version: int
    runs: int
    articles: int
    groups: int
    duplicates: int
    storylines: int
    merged: int
    oldest: datetime | None
    newest: datetime | None
    undated: int
    bytes: int

    def to_dict(self) -> dict[str, Any]:
        """JSON form, keys in a fixed order."""
        return {"path": self.path, "schema_version": self.schema_version, "runs": self.runs,
                "articles": self.articles, "groups": self.groups,
                "duplicates": self.duplicates, "storylines": self.storylines,
                "merged": self.merged, "oldest": iso_utc(self.oldest),
                "newest": iso_utc(self.newest), "undated": self.undated,
                "bytes": self.bytes}


def digest(article: Article) -> str:
    """A digest of an article's content (fields as read, not where it was read): the
    same id with the same digest is the same article."""
    return hashlib.blake2b(record_blob(article, with_origin=False), digest_size=16).hexdigest()


def record_blob(article: Article, with_origin: bool = True) -> bytes:
    """An article as the state stores it (JSON; with ``with_origin``, where it was read,
    and a body or headline read as is from a field kept once, as a reference)."""
    record: dict[str, Any] = {
        "id": article.id, "title": article.title, "text": article.text, "url": article.url,
        "source": article.source, "published": iso_utc(article.published),
        "guid": article.guid, "fields": dict(article.fields)}
    if with_origin:  # stored: a body or headline read as is from a field is kept once
        record["origin"] = article.origin
        for name in ("text", "title"):
            key = next((k for k, v in article.fields.items() if v == record[name] and v), None)
            if key is not None:
                record[name] = {"field": key}
    return dumps_record(record)


def article_of(blob: bytes) -> Article:
    """The article :func:`record_blob` stored."""
    try:
        record = orjson.loads(blob)
    except orjson.JSONDecodeError:
        record = json.loads(blob)
    for name in ("text", "title"):
        if isinstance(record[name], dict):
            record[name] = record["fields"][record[name]["field"]]
    return Article(id=record["id"], title=record["title"], text=record["text"],
                   url=record["url"], source=record["source"],
                   published=time_of(record["published"]), guid=record["guid"],
                   fields=record["fields"], origin=record["origin"])


def lines_of(text: str) -> tuple[str, ...]:
    """Lines stored joined by newlines (none for an empty text)."""
    return tuple(text.split("\n")) if text else ()


def time_of(text: str | None) -> datetime | None:
    """A stored ISO 8601 time (UTC when it has no offset)."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
