"""The dedup output written from the input partitions read on the Dask workers.

With inputs read by byte ranges on the workers (:mod:`clusterer.partitions`), each
range's kept articles are read again and written as JSONL on a worker (:func:`_render`,
the local engine's :func:`~clusterer.output.dedup_record`), given their final ids and
their copies' ids; the client appends the ranges' bytes in input order (a few ranges in
flight, :func:`record_lines`), so it never holds more than those.
"""

from __future__ import annotations

import bisect
import collections
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from clusterer.output import dedup_record, dumps_record
from clusterer.partitions import Block, WorkerInput, _articles
from clusterer.readers import ReaderConfig

_RENDERED_AHEAD = 8  # output ranges in flight


# ---------------------------------------------------------------- on the workers
def _render(config: ReaderConfig, block: Block, positions: list[int] | None,
            kept: list[tuple[int, str, list[str]]]) -> bytes:
    """The output lines of the range's kept articles: (row in the range, final id,
    the copies' ids) each."""
    articles = _articles(config, block, positions)
    lines = []
    for row, article_id, duplicates in kept:
        article = articles[row]
        if article.id != article_id:
            article = replace(article, id=article_id)
        lines.append(dumps_record(dedup_record(article, duplicates)) + b"\n")
    return b"".join(lines)


# ---------------------------------------------------------------- on the client
def record_lines(inputs: WorkerInput, groups: Sequence[Any]) -> Iterator[bytes]:
    """The dedup output of ``groups`` (in the input order of their kept articles,
    as :func:`clusterer.dedup.deduplicate` gives them), written range by range on
    the workers that read ``inputs``."""
    client = inputs._live()
    pending: collections.deque[Any] = collections.deque()
    at = -1  # the range of the groups met, and its kept articles
    kept: list[tuple[int, str, list[str]]] = []

    def submit() -> None:
        if kept:
            pending.append(client.submit(_render, inputs.config, inputs.blocks[at],
                                         inputs.positions[at], list(kept), pure=False))

    for group in groups:
        row = group.kept._index
        block = bisect.bisect_right(inputs.starts, row) - 1
        if block < at:
            raise ValueError("groups out of input order")
        if block != at:
            submit()
            at, kept = block, []
            while len(pending) > _RENDERED_AHEAD:
                yield pending.popleft().result()
        kept.append((row - inputs.starts[at], group.kept.id, [d.id for d in group.duplicates]))
    submit()
    while pending:
        yield pending.popleft().result()
