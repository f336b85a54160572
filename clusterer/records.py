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

    def location(self) -> dict[str, Any]:
        """Where it was read: ``{"file": …, "line": …}`` (``line`` None for a feed item,
        whose number is ``item``; ``file`` ``-`` for stdin)."""
        file, _, place = self.origin.rpartition(":")
        if place.isdigit():
            return {"file": file, "line": int(place)}
        if place.startswith("item ") and place[5:].isdigit():
            return {"file": file, "line": None, "item": int(place[5:])}
        return {"file": self.origin, "line": None}

    def normalized(self) -> dict[str, Any]:
        """The fields as clusterer read them, whatever the input called them: the
        headline (a site affix cut, see :mod:`clusterer.readers.titles`), the body text
        when the input does not hold it as ``text`` already (JSON Feed ``content_html``,
        news-please ``maintext``, an HTML page), time in ISO 8601 UTC, source (the URL
        host when the input names none), canonical URL, and where the article was read."""
        out: dict[str, Any] = {"title": self.title}
        if self.text and self.fields.get("text") != self.text:
            out["text"] = self.text
        out.update(published=iso_utc(self.published), source=self.source, url=self.url,
                   origin=self.location())
        return out


@dataclass(frozen=True)
class Link:
    """The match that joined an article to its duplicate group.

    Attributes:
        via: Id of the member it was matched with (on the way from the kept article).
        kind: The rule that matched them (see :class:`Match`).
        similarity: Their similarity by that rule (None for ``url`` and ``guid``).
    """

    via: str
    kind: str
    similarity: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON form used in ``--groups`` files."""
        return {"via": self.via, "kind": self.kind,
                "similarity": None if self.similarity is None else round(self.similarity, 4)}


@dataclass(frozen=True)
class DuplicateGroup:
    """A kept article and the copies merged into it.

    Attributes:
        kept: The article kept for the group (chosen by ``--keep``).
        duplicates: The other members, in input order.
        similarities: Exact similarity of each duplicate to ``kept``, same order.
        kinds: How each duplicate compares to ``kept`` (a :class:`Match` kind), same
            order; empty if not known.
        links: The match that joined each duplicate to the group, same order; empty if
            not known.
    """

    kept: Article
    duplicates: tuple[Article, ...] = ()
    similarities: tuple[float, ...] = ()
    kinds: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()

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
        members: list[dict[str, Any]] = [{"id": self.kept.id, "similarity": 1.0, "kept": True}]
        for k, (article, similarity) in enumerate(zip(self.duplicates, self.similarities)):
            member: dict[str, Any] = {"id": article.id, "similarity": round(similarity, 4)}
            if self.kinds:
                member["kind"] = self.kinds[k]
            member["kept"] = False
            if self.links:
                member["joined_by"] = self.links[k].to_dict()
            members.append(member)
        return {
            "kept_id": self.kept.id,
            "size": self.size,
            "title": self.kept.title,
            "members": members,
        }


def iso_utc(moment: datetime | None) -> str | None:
    """A UTC time as ISO 8601 with ``Z`` (``2024-10-16T22:00:00Z``), as every output
    writes times; None stays None."""
    return moment.isoformat().replace("+00:00", "Z") if moment else None


MATCH_KINDS = ("exact", "url", "guid", "containment", "coverage", "inside", "jaccard",
               "headline", "lead")


@dataclass(frozen=True)
class Match:
    """How two articles compare, as near-duplicate detection judges them.

    Attributes:
        kind: The rule that decided: ``exact`` (the same normalised content), ``url``
            (the same canonical URL), ``guid`` (the same feed GUID), ``containment``
            (an abridged copy inside the other), ``coverage`` (the same, word by word:
            the share of the smaller text's words in one stretch of the other, copied in
            order, a scan's misread words counted),
            ``jaccard`` (shingle-set overlap),
            ``headline`` (a headline-only article, by headline character shingles) or
            ``lead`` (a headline-only article whose few words of body begin the other's
            body, and whose headline comes near).
        similarity: The content similarity measured (1.0 for ``exact``; for ``url``
            and ``guid``, the body or headline similarity, which did not decide).
        threshold: The similarity the rule needs (``--threshold`` or
            ``--headline-threshold``; 1.0 for the identity rules).
        copy: Whether the two are copies by this rule.
        shared: Shingles the two compared sets share.
        sizes: The sizes of the two compared sets.
        before: Shingles of each article's opening that come before the first shared
            one (where the shared text starts; a sidebar shares only after the page's
            own text), or None where not measured.
        rechecked: Whether the sets were compared with both sources' chrome left out.
        veto: Why a pair at or above the threshold is no copy all the same (headlines
            that differ in a number or date), or ``""``.
    """

    kind: str
    similarity: float
    threshold: float
    copy: bool
    shared: int = 0
    sizes: tuple[int, int] = (0, 0)
    before: tuple[int | None, int | None] = (None, None)
    rechecked: bool = False
    veto: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``explain --json``)."""
        return {
            "kind": self.kind,
            "similarity": round(self.similarity, 4),
            "threshold": self.threshold,
            "copy": self.copy,
            "shared_shingles": self.shared,
            "sizes": list(self.sizes),
            "before": list(self.before),
            "rechecked": self.rechecked,
            "veto": self.veto,
        }
