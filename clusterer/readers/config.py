"""Reader settings and the report of what was read and skipped."""

from __future__ import annotations

import codecs
import re
from collections import Counter
from dataclasses import dataclass, field

from clusterer.errors import InputError

FORMATS = (
    "auto", "jsonl", "json", "csv", "tsv", "txt",
    "rss", "atom", "jsonfeed", "news-please", "html",
)
MIB = 1 << 20
GIB = 1 << 30
MAX_EXAMPLES = 5  # skipped-error messages kept for the summary; the rest are only counted


@dataclass(frozen=True)
class ReaderConfig:
    """Which input fields hold what, which format to read, what to do with bad records.

    The field names apply to record formats (JSONL, JSON, CSV, TSV). Feeds, HTML pages
    and ``.txt`` files have fixed structure and ignore them.

    Args:
        format: One of ``FORMATS``; ``auto`` detects by extension and content.
        id_field: Field holding the article id (derived stably when absent).
        title_field: Field holding the headline (required).
        text_field: Field holding the body (may be absent or empty).
        url_field: Field holding the URL.
        source_field: Field holding the publisher name.
        published_field: Field holding the ISO 8601 publication time.
        encoding: Text encoding of record and ``.txt`` files when they have no byte
            order mark (UTF-8 with or without BOM, UTF-16 and UTF-32 with BOM are
            always recognised).
        skip_bad: Skip bad records (and the unreadable rest of a broken file) and count
            them in the :class:`ReadReport`, instead of raising :class:`InputError`.
        max_record_bytes: Largest record: a JSONL or CSV line, a JSON value, or a
            document read whole (a feed, an HTML page, a ``.txt`` file, a JSON Feed).
            A larger one is an error (skipped with ``skip_bad``), found while reading,
            without holding it whole. Bounds the memory one record can take.
        max_input_bytes: Largest file, counted after decompression: more is an error
            (the rest skipped with ``skip_bad``). Stops gzip bombs and endless streams.
    """

    format: str = "auto"
    id_field: str = "id"
    title_field: str = "title"
    text_field: str = "text"
    url_field: str = "url"
    source_field: str = "source"
    published_field: str = "published"
    encoding: str = "utf-8"
    skip_bad: bool = False
    max_record_bytes: int = 32 * MIB
    max_input_bytes: int = 16 * GIB

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {self.format!r}")
        for name in ("id", "title", "text", "url", "source", "published"):
            if not getattr(self, f"{name}_field"):
                raise ValueError(f"{name}_field must be a non-empty field name")
        try:
            # rot13, base64, zlib … are codecs too, but not from bytes to text.
            if not codecs.lookup(self.encoding)._is_text_encoding:
                raise LookupError(self.encoding)
        except LookupError:
            raise ValueError(f"encoding must be a text encoding Python knows (e.g. utf-8, "
                             f"cp1252, latin-1), got {self.encoding!r}") from None
        if not 1024 <= self.max_record_bytes <= 2**31 - 1:
            raise ValueError(f"max_record_bytes must be between 1024 and {2**31 - 1}, "
                             f"got {self.max_record_bytes}")
        if not self.max_input_bytes >= 1024:
            raise ValueError(f"max_input_bytes must be at least 1024, got {self.max_input_bytes}")

    @property
    def is_utf8(self) -> bool:
        """True when the configured encoding is UTF-8 (the fast, line-exact path)."""
        return codecs.lookup(self.encoding).name in ("utf-8", "utf-8-sig")


@dataclass(frozen=True)
class Skipped:
    """One record or file left out of a run (``--skip-report`` writes one per line).

    Attributes:
        location: ``file:line``, ``file:item N`` or ``file``.
        what: ``record``, ``rest of file`` (after a fatal error in it) or ``file``.
        reason: What was wrong.
        hint: How to fix it.
    """

    location: str
    what: str
    reason: str
    hint: str = ""

    def to_dict(self) -> dict[str, object]:
        """``{"file", "line", "item", "skipped", "reason", "hint"}`` (line and item None
        when they do not apply)."""
        file, line, item = self.location, None, None
        head, _, place = self.location.rpartition(":")
        if head and place.isdigit():
            file, line = head, int(place)
        elif head and place.startswith("item ") and place[5:].isdigit():
            file, item = head, int(place[5:])
        return {"file": file, "line": line, "item": item, "skipped": self.what,
                "reason": self.reason, "hint": self.hint}


_SKIP_BAD = re.compile(r"(?:,\s*)?\bor pass --skip-bad\b[^,;]*|\bpass --skip-bad\b[^,;]*(?:,\s*or\s*)?")


def _without_skip_bad(hint: str) -> str:
    """A hint as the skip report gives it: the run had --skip-bad, so "pass --skip-bad
    to skip it, or a larger --max-record-bytes" says "a larger --max-record-bytes"."""
    return _SKIP_BAD.sub("", hint).strip(" ,;")


_VALUES = re.compile(r'(?<=id )"[^"]*"|\d[\d,.]*')


def reason_kind(problem: str) -> str:
    """A problem without its particulars, to count like problems together:
    ``invalid JSON: expected ',' at column 7`` gives ``invalid JSON``, ``duplicate id
    "a7" (first at f:1)`` gives ``duplicate id "…"``."""
    kind = re.split(r": | \(", problem, maxsplit=1)[0]
    return _VALUES.sub(lambda m: '"…"' if m.group().startswith('"') else "N", kind).strip()


@dataclass
class ReadReport:
    """What :func:`~clusterer.readers.read_articles` read, skipped and ignored.

    Attributes:
        files: Input files opened (a directory counts its files).
        articles: Articles yielded.
        skipped: Bad records skipped (``skip_bad`` only).
        truncated_files: Files whose unreadable rest was skipped (``skip_bad`` only).
        unreadable_files: Files skipped whole, found bad before reading (not a format
            that can be told, binary data, cannot be opened; ``skip_bad`` only).
        reasons: How many of the skipped records and files each kind of problem
            (:func:`reason_kind`) took.
        examples: The first ``MAX_EXAMPLES`` skipped errors, for the summary.
        entries: Every skipped record and file, when ``keep_all`` (for
            ``--skip-report``).
        ignored: Files in input directories left out (unknown extension).
        special: Entries of input directories that are not regular files (FIFOs,
            sockets, devices, broken or looping symlinks), left out, as
            ``"path (kind)"``.
        reading: The file being read (the last one opened), for the message when
            the process runs out of memory.
        keep_all: Keep every skipped record in ``entries``.
    """

    files: int = 0
    articles: int = 0
    skipped: int = 0
    truncated_files: int = 0
    unreadable_files: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    examples: list[InputError] = field(default_factory=list)
    entries: list[Skipped] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    special: list[str] = field(default_factory=list)
    reading: str = ""
    keep_all: bool = False

    def skip(self, error: InputError, what: str = "record") -> None:
        """Count one skipped record (or the rest of a file, or a file) and keep the
        first examples."""
        if what == "rest of file":
            self.truncated_files += 1
        elif what == "file":
            self.unreadable_files += 1
        else:
            self.skipped += 1
        self.reasons[reason_kind(error.problem)] += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(error)
        if self.keep_all:
            self.entries.append(Skipped(error.location, what, error.problem,
                                        _without_skip_bad(error.hint)))

    def skipped_entries(self) -> list[Skipped]:
        """Every record and file left out: the skipped ones (``keep_all`` only), then the
        files of input directories that were not read."""
        left_out = [Skipped(path, "file", "unknown file type",
                            "pass --format to read such files") for path in self.ignored]
        for entry in self.special:
            path, _, kind = entry.rpartition(" (")
            left_out.append(Skipped(path, "file", f"not a regular file: {kind.rstrip(')')}"))
        return [*self.entries, *left_out]

    def summary(self) -> list[str]:
        """Warning lines about skipped records, empty when nothing was skipped."""
        total = self.skipped + self.truncated_files + self.unreadable_files
        if not total:
            return []
        parts = []
        if self.skipped:
            parts.append(f"{self.skipped} bad record{'s' if self.skipped != 1 else ''}")
        if self.truncated_files:
            n = self.truncated_files
            parts.append(f"the rest of {n} broken file{'s' if n != 1 else ''}")
        if self.unreadable_files:
            n = self.unreadable_files
            parts.append(f"{n} unreadable file{'s' if n != 1 else ''}")
        joined = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
        lines = [f"Skipped {joined} (--skip-bad):"]
        lines.extend(f"  {error}" for error in self.examples)
        more = total - len(self.examples)
        if more > 0:
            counts = ", ".join(f"{n:,} {kind}" for kind, n in
                               sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0])))
            lines.append(f"  … and {more:,} more; by reason: {counts} (--skip-report FILE "
                         "lists them all)")
        return lines
