"""The records passed between pipeline stages: small frozen dataclasses.

Each record has an explicit ``to_dict()`` so that JSON key order is fixed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Article:
    """One input article, as read from a feed dump.

    Attributes:
        id: Unique id within the run (taken from the input or derived stably).
        title: Headline, as read (not normalised).
        text: Body text, as read; empty for headline-only feeds.
        url: Canonical URL (tracking parameters and fragment dropped), if any.
        source: Publisher name (or URL host when the input has no source), if any.
        published: Publication time, timezone-aware (UTC when the input had none).
        guid: Feed GUID, if any.
        fields: The original record, written back unchanged in outputs.
        origin: Where it was read, ``"path:line"``, for error messages.
    """

    id: str
    title: str
    text: str = ""
    url: str | None = None
    source: str | None = None
    published: datetime | None = None
    guid: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    origin: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The original fields, with ``id`` first (it may have been derived)."""
        out: dict[str, Any] = {"id": self.id}
        for key, value in self.fields.items():
            if key != "id":
                out[key] = value
        if "title" not in out:
            out["title"] = self.title
        return out


@dataclass(frozen=True)
class DuplicateGroup:
    """A kept article and the copies merged into it.

    Attributes:
        kept: The article kept for the group (chosen by ``--keep``).
        duplicates: The other members, in input order.
        similarities: Exact similarity of each duplicate to ``kept``, same order.
    """

    kept: Article
    duplicates: tuple[Article, ...] = ()
    similarities: tuple[float, ...] = ()

    @property
    def size(self) -> int:
        """Number of articles in the group, the kept one included."""
        return 1 + len(self.duplicates)

    @property
    def ids(self) -> tuple[str, ...]:
        """Every member id, the kept one first."""
        return (self.kept.id, *(a.id for a in self.duplicates))

    def to_dict(self) -> dict[str, Any]:
        """JSON form used in ``--groups`` files."""
        members = [{"id": self.kept.id, "similarity": 1.0, "kept": True}]
        members.extend(
            {"id": a.id, "similarity": round(s, 4), "kept": False}
            for a, s in zip(self.duplicates, self.similarities)
        )
        return {
            "kept_id": self.kept.id,
            "size": self.size,
            "title": self.kept.title,
            "members": members,
        }
