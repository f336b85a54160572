"""The pipeline: read → dedup → storylines → output documents.

The command line and the Python API both run it; it never prints. Each step takes
the previous step's result, so a caller can stop after dedup, or report between steps
(the CLI prints what the readers skipped before clustering starts)::

    from clusterer.pipeline import run_dedup, run_storylines

    deduped = run_dedup(["feeds/"])
    for record in deduped.records():
        ...
    storylines = run_storylines(deduped)
    document = storylines.document()

An :class:`~clusterer.engine.Engine` chooses where the heavy stages run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from clusterer import partition_output
from clusterer.dedup import DedupConfig, DedupResult, deduplicate
from clusterer.engine import Engine
from clusterer.errors import OutOfMemory
from clusterer.output import dedup_records, dumps_record
from clusterer.partitions import WorkerInput, worker_input
from clusterer.readers import ReaderConfig, ReadReport, read_articles
from clusterer.readers.urls import source_key
from clusterer.records import Article
from clusterer.spill import ArticleSpill
from clusterer.storylines import StorylineConfig, StorylineResult, build_storylines
from clusterer.worker_match import deduplicate_on_worker

Progress = Callable[[str, int, "int | None"], None]  # stage, done, total (None: unknown)


@dataclass(frozen=True)
class DedupRun:
    """What ``dedup`` gives: the groups and what reading skipped.

    Attributes:
        result: The duplicate groups, the parameters and the learned chrome.
        read: Records skipped, files ignored, articles read.
    """

    result: DedupResult
    read: ReadReport = field(default_factory=ReadReport)
    inputs: WorkerInput | None = None

    def records(self) -> Iterator[dict[str, Any]]:
        """One output record per kept article: its original fields plus
        ``"duplicates"``, the ids of the copies merged into it (the JSONL output)."""
        return dedup_records(self.result.groups)

    def record_lines(self) -> Iterator[bytes]:
        """:meth:`records` as JSONL bytes; written on the workers, range by range, when
        the inputs were read there (:mod:`clusterer.partition_output`: use the run before its
        engine is closed)."""
        if self.inputs is not None:
            yield from partition_output.record_lines(self.inputs, self.result.groups)
            return
        for record in self.records():
            yield dumps_record(record) + b"\n"

    def groups_document(self) -> dict[str, Any]:
        """The ``--groups`` JSON document: every group, singletons included."""
        return self.result.groups_document()


@dataclass(frozen=True)
class StorylinesRun:
    """What ``storylines`` gives: the storylines and the dedup run beneath them."""

    result: StorylineResult
    deduped: DedupRun

    def document(self) -> dict[str, Any]:
        """The JSON cluster file, with the parameters of both stages."""
        params = {"dedup": self.deduped.result.config.to_dict(),
                  "storylines": self.result.config.to_dict()}
        return self.result.to_dict(params)


def run_dedup(inputs: Sequence[str], reader: ReaderConfig | None = None,
              config: DedupConfig | None = None, progress: Progress | None = None,
              engine: Engine | None = None, report: ReadReport | None = None) -> DedupRun:
    """Read every input and merge syndicated copies.

    Args:
        inputs: Files, directories or ``-`` (stdin).
        reader: How inputs are read; defaults to :class:`ReaderConfig`.
        config: Dedup parameters; defaults to :class:`DedupConfig`.
        progress: Called as ``progress(stage, done, total)``.
        engine: Where the heavy stages run; defaults to a local process pool.
        report: Filled as reading goes (a ``ReadReport(keep_all=True)`` keeps every
            skipped record); a new one by default. Returned as ``DedupRun.read``.

    Raises:
        InputError: Bad input (unless skipped with ``reader.skip_bad``).
        OutOfMemory: The process could not get memory (says what was being read).
    """
    report = report if report is not None else ReadReport()
    on_workers = worker_input(inputs, reader, report, engine, progress)
    if on_workers is not None and engine is not None:  # read on the engine's workers
        config = config or DedupConfig()
        try:
            groups, model = deduplicate_on_worker(on_workers, config, progress, engine)
        except MemoryError:
            raise OutOfMemory(report.reading) from None
        return DedupRun(DedupResult(groups=groups, config=config, boilerplate=model), report,
                        on_workers)
    # Only a few fields of each article stay in memory (see clusterer.spill).
    articles = ArticleSpill().spilled(read_articles(inputs, reader, report, progress))
    try:
        return DedupRun(deduplicate(articles, config, progress, engine), report)
    except MemoryError:
        raise OutOfMemory(report.reading) from None


def chrome_title(result: DedupResult) -> Callable[[Article], bool]:
    """Whether an article's headline is page chrome ("News Feed"), as the chrome model
    dedup learned from the dump tells: such a headline names no storyline."""
    model = result.boilerplate
    return lambda article: model.generic_title(article.title, source_key(article))


def run_storylines(deduped: DedupRun, config: StorylineConfig | None = None,
                   progress: Progress | None = None, engine: Engine | None = None
                   ) -> StorylinesRun:
    """Group the kept articles of a dedup run into storylines (chrome left out of their
    bodies, as dedup learned it); with ``engine``, each time block is clustered as one
    of its jobs (:func:`clusterer.storylines.build_storylines`)."""
    result = build_storylines(deduped.result.groups, config,
                              body_text=deduped.result.content_text, progress=progress,
                              chrome_title=chrome_title(deduped.result), engine=engine)
    return StorylinesRun(result, deduped)
