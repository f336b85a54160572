"""Plain-text articles: one ``.txt`` file is one article.

The first non-empty line is the headline, the rest the body, the file stem the id.
A file is read whole (it is one article); an empty file holds no article.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import replace
from typing import IO

from clusterer.errors import InputError
from clusterer.readers.config import ReaderConfig
from clusterer.readers.fields import Draft, make_draft
from clusterer.readers.sources import ENCODING_HINT, read_whole


def read_txt(stream: IO[bytes], name: str, config: ReaderConfig,
             stem: str | None = None) -> Iterator[Draft | InputError]:
    """The article of one text file, given as UTF-8 (see :func:`.sources.utf8_stream`)."""
    try:
        data = read_whole(stream, f"{name}:1", config)
    except InputError as exc:  # one file is one article: skipped like one with --skip-bad
        yield exc
        return
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        yield InputError(f"{name}:{line}", f"not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                         ENCODING_HINT)
        return
    lines = raw.replace("\x00", "").splitlines()  # a stray NUL is no text
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return
    title = lines[first].strip()
    text = "\n".join(lines[first + 1:]).strip()
    draft = make_draft(f"{name}:{first + 1}", title=title, text=text, url=None, source=None,
                       published=None, guid=None, fields={"title": title, "text": text})
    if isinstance(draft, Draft) and stem:
        draft = Draft(replace(draft.article, id=stem, fields={"id": stem, **draft.article.fields}),
                      derived=True)
    yield draft
