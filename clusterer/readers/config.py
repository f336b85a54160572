"""Reader settings and the report of what was read and skipped."""

from __future__ import annotations

import codecs
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


@dataclass
class ReadReport:
    """What :func:`~clusterer.readers.read_articles` read, skipped and ignored.

    Attributes:
        files: Input files opened (a directory counts its files).
        articles: Articles yielded.
        skipped: Bad records skipped (``skip_bad`` only).
        truncated_files: Files whose unreadable rest was skipped (``skip_bad`` only).
        examples: The first ``MAX_EXAMPLES`` skipped errors, for the summary.
        ignored: Files in input directories left out (unknown extension).
        special: Entries of input directories that are not regular files (FIFOs,
            sockets, devices, broken or looping symlinks), left out, as
            ``"path (kind)"``.
        reading: The file being read (the last one opened), for the message when
            the process runs out of memory.
    """

    files: int = 0
    articles: int = 0
    skipped: int = 0
    truncated_files: int = 0
    examples: list[InputError] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    special: list[str] = field(default_factory=list)
    reading: str = ""

    def skip(self, error: InputError, rest_of_file: bool = False) -> None:
        """Count one skipped record (or the rest of a file) and keep the first examples."""
        if rest_of_file:
            self.truncated_files += 1
        else:
            self.skipped += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(error)

    def summary(self) -> list[str]:
        """Warning lines about skipped records, empty when nothing was skipped."""
        if not self.skipped and not self.truncated_files:
            return []
        parts = []
        if self.skipped:
            parts.append(f"{self.skipped} bad record{'s' if self.skipped != 1 else ''}")
        if self.truncated_files:
            n = self.truncated_files
            parts.append(f"the rest of {n} broken file{'s' if n != 1 else ''}")
        lines = [f"Skipped {' and '.join(parts)} (--skip-bad):"]
        lines.extend(f"  {error}" for error in self.examples)
        more = self.skipped + self.truncated_files - len(self.examples)
        if more > 0:
            lines.append(f"  … and {more} more")
        return lines
