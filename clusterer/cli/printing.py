"""What the commands print: progress, summaries, storyline tables, explanations.

Results go to stdout, progress and notes to stderr."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from clusterer.readers.sources import READING
from clusterer.records import iso_utc

if TYPE_CHECKING:
    from clusterer.dedup import DedupResult
    from clusterer.explain import Explanation
    from clusterer.readers import ReadReport
    from clusterer.state_records import Summary
    from clusterer.storylines import StorylineResult

stderr = Console(stderr=True)
stdout = Console()

@contextlib.contextmanager
def progress_bar(quiet: bool) -> Iterator[Callable[[str, int, int | None], None]]:
    """A progress callback for the core, drawn on stderr: bars with totals and an ETA
    on a terminal (reading counted in bytes; a stage of one step shows no count), one
    plain line per finished stage with its count and seconds otherwise (cron, CI
    logs); nothing when quiet. ``CLUSTERER_PROGRESS`` (``auto``, ``log``, ``off``)
    forces the log lines or turns both off, keeping the summary (the tests run with
    ``off``)."""
    mode = os.environ.get("CLUSTERER_PROGRESS", "auto")
    if quiet or mode == "off":
        yield lambda stage, done, total: None
        return
    if mode == "log" or not stderr.is_terminal:
        with _stage_log() as log:
            yield log
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[count]}"),
               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=stderr, transient=True) as bar:
        tasks: dict[str, TaskID] = {}
        lock = threading.Lock()  # reading reports from the thread that feeds the workers

        def report(stage: str, done: int, total: int | None) -> None:
            with lock:
                _draw(stage, done, total)

        def _draw(stage: str, done: int, total: int | None) -> None:
            one_step = stage != READING and total is not None and total <= 1
            if stage not in tasks:  # a stage of one step: a pulsing bar while it runs
                tasks[stage] = bar.add_task(stage, total=None if one_step else total, count="")
            if one_step:
                bar.update(tasks[stage], visible=done < (total or 0))
            else:
                bar.update(tasks[stage], completed=done, total=total,
                           count=_count(stage, done, total))

        yield report


def _count(stage: str, done: int, total: int | None) -> str:
    """``12.3/45.6 MB`` for reading, ``120/400`` for other stages, nothing for one step."""
    if stage == READING:
        unit, name = _unit(total or done)
        digits = 0 if unit == 1 else 1
        return (f"{done / unit:,.{digits}f}/{total / unit:,.{digits}f} {name}" if total else
                f"{done / unit:,.{digits}f} {name}")
    if total is not None and total <= 1:
        return ""
    return f"{done:,}/{total:,}" if total is not None else f"{done:,}"


def _unit(size: int) -> tuple[float, str]:
    for unit, name in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
        if size >= unit:
            return unit, name
    return 1, "B"


@contextlib.contextmanager
def _stage_log() -> Iterator[Callable[[str, int, int | None], None]]:
    """One line per stage as it ends (its count reaches its total, a later stage starts
    when its total is unknown, or the work ends): ``reading: 45.2/45.2 MB in 17.8 s``."""
    started: dict[str, float] = {}
    last: dict[str, tuple[int, int | None]] = {}

    def line(stage: str) -> None:
        done, total = last.pop(stage)
        count = _count(stage, done, total)
        seconds = time.monotonic() - started[stage]
        stderr.print(f"{stage}: {count + ' ' if count else ''}in {seconds:.1f} s",
                     markup=False, highlight=False, soft_wrap=True)

    lock = threading.Lock()  # reading reports from the thread that feeds the workers

    def report(stage: str, done: int, total: int | None) -> None:
        with lock:
            _log(stage, done, total)

    def _log(stage: str, done: int, total: int | None) -> None:
        if stage in started and stage not in last:
            return  # already logged as ended
        if stage not in started:
            # The core's stages follow one another (reading overlaps them): a new one
            # ends any before it whose total is not known.
            for other in [s for s, (_, t) in last.items() if t is None and s != READING]:
                line(other)
            started[stage] = time.monotonic()
        last[stage] = (done, total)
        if total is not None and done >= total:
            line(stage)

    yield report  # after an error, the stages that did not end are not logged as ended
    for stage in list(last):
        line(stage)



def print_read_report(report: ReadReport, inputs: Sequence[str], quiet: bool) -> None:
    """Skipped records (always: data was left out), ignored files and empty inputs."""
    for line in report.summary():
        stderr.print(line, markup=False, highlight=False, soft_wrap=True)
    if quiet:
        return
    if report.ignored:
        n = len(report.ignored)
        shown = ", ".join(report.ignored[:3]) + (", …" if n > 3 else "")
        stderr.print(f"Ignored {n} file{'s' if n != 1 else ''} of unknown type in input "
                     f"directories (pass --format to read them): {shown}",
                     markup=False, highlight=False, soft_wrap=True)
    if report.special:
        n = len(report.special)
        stderr.print(f"Skipped {n} entr{'ies' if n != 1 else 'y'} of input directories that "
                     f"{'are' if n != 1 else 'is'} not a regular file: "
                     f"{', '.join(report.special)}", markup=False, highlight=False,
                     soft_wrap=True)
    if report.articles == 0:
        stderr.print(f"No articles read from {', '.join(inputs)}; the outputs are empty.",
                     markup=False, highlight=False, soft_wrap=True)



def print_dedup_summary(result: DedupResult, top: int) -> None:
    largest = sorted((g for g in result.groups if g.size > 1), key=lambda g: (-g.size, g.kept.id))
    print_dedup_counts(result.stats, [(g.size, g.kept.id, g.kept.title)
                                      for g in largest[:max(top, 0)]])


def print_dedup_counts(stats: dict[str, int], largest: list[tuple[int, str, str]]) -> None:
    """The dedup summary: counts, then the largest groups as ``(size, kept id,
    headline)``, already chosen and ordered."""
    stderr.print(
        f"Read {stats['articles']} articles: kept {stats['kept']}, "
        f"merged {stats['duplicates']} duplicates into {stats['groups']} groups.",
        highlight=False,
    )
    if not largest:
        return
    table = Table(title="Largest duplicate groups")
    table.add_column("size", justify="right")
    table.add_column("kept id")
    table.add_column("headline", overflow="fold")
    for size, kept, title in largest:
        table.add_row(str(size), kept, title)
    stderr.print(table)



PRINT_FORMATS = ("auto", "table", "tsv", "json")
_TSV_COLUMNS = ("rank", "id", "size", "sources", "first_seen", "last_seen", "headline", "keywords")


def print_storylines(console: Console, result: StorylineResult, limit: int, form: str,
                      quiet: bool) -> None:
    """The storylines on ``console``: a table for people, TSV or JSON lines for tools
    (``auto``: a table on a terminal, TSV when piped). Only the table carries the count
    line; for TSV and JSON it goes to stderr, so that stdout stays data."""
    if form == "auto":
        form = "table" if console.is_terminal else "tsv"
    shown = len(result.storylines) if limit == 0 else min(len(result.storylines), max(limit, 0))
    unclustered = sum(g.size for g in result.unclustered)
    summary = (f"{len(result.storylines)} storylines ({shown} shown); "
               f"{unclustered} unclustered articles.")
    if form == "table":
        _print_table(console, result, shown)
        console.print(summary, highlight=False)
        return
    rows = [_storyline_row(rank, story) for rank, story in
            enumerate(result.storylines[:shown], start=1)]
    out = console.file
    if form == "tsv":
        out.write("\t".join(_TSV_COLUMNS) + "\n")
        for row in rows:
            out.write("\t".join(_tsv_cell(row[c]) for c in _TSV_COLUMNS) + "\n")
    else:
        for row in rows:
            out.write(orjson.dumps(row).decode() + "\n")
    out.flush()
    if not quiet:
        stderr.print(summary, highlight=False)


def _storyline_row(rank: int, story: Any) -> dict[str, Any]:
    return {"rank": rank, "id": story.id, "size": story.size, "sources": story.sources,
            "first_seen": iso_utc(story.first_seen), "last_seen": iso_utc(story.last_seen),
            "headline": story.headline, "keywords": list(story.keywords)}


def _tsv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = ", ".join(value)
    return " ".join(str(value).split())  # no tab or newline inside a cell


def _print_table(console: Console, result: StorylineResult, shown: int) -> None:
    table = Table(title="Storylines")
    table.add_column("#", justify="right")
    table.add_column("id", no_wrap=True)
    table.add_column("size", justify="right")
    table.add_column("sources", justify="right")
    table.add_column("time span")
    table.add_column("headline", overflow="fold", ratio=3)
    table.add_column("keywords", overflow="fold", ratio=2)
    for rank, story in enumerate(result.storylines[:shown], start=1):
        table.add_row(str(rank), story.id, str(story.size), str(story.sources),
                      _span(story.first_seen, story.last_seen), story.headline,
                      ", ".join(story.keywords))
    if result.storylines:
        console.print(table)


def _span(first: datetime | None, last: datetime | None) -> str:
    if first is None or last is None:
        return "-"
    if first.date() == last.date():
        return f"{first:%Y-%m-%d %H:%M}-{last:%H:%M}"
    return f"{first:%Y-%m-%d %H:%M} - {last:%m-%d %H:%M}"



def print_explanation(run: Explanation) -> None:
    verdict = "[bold green]copies[/]" if run.copies else "[bold red]not copies[/]"
    stdout.print(f"{verdict}: {escape(run.a.id)} and {escape(run.b.id)}", soft_wrap=True)
    for side, article, flag in (("A", run.a, run.headline_only[0]), ("B", run.b, run.headline_only[1])):
        origin = f"  {escape(article.origin)}" if article.origin else ""
        kind = "headline only" if flag else "full text"
        stdout.print(f"  {side}: {escape(article.title)} ({escape(article.source or '-')}, {kind})"
                     f"{origin}", highlight=False, soft_wrap=True)
    for reason in run.reasons:
        stdout.print(f"  - {escape(reason)}", highlight=False, soft_wrap=True)
    if run.shared:
        words = sum(len(p.split()) for p in run.shared)
        passages = f"{len(run.shared)} passage{'s' if len(run.shared) != 1 else ''}"
        stdout.print(f"Shared text ({passages}, {words} words):", highlight=False, soft_wrap=True)
        for passage in run.shared[:10]:
            stdout.print(Text("  " + _cut(passage, 300), style="bold yellow"), soft_wrap=True)
        if len(run.shared) > 10:
            stdout.print(f"  … {len(run.shared) - 10} more", highlight=False, soft_wrap=True)
    for side, chrome in zip("AB", run.chrome):
        if chrome:
            shown = "; ".join(_cut(u, 80) for u in chrome[:5])
            more = f" (+{len(chrome) - 5} more)" if len(chrome) > 5 else ""
            stdout.print(f"Left out of {side} as chrome ({len(chrome)} units): {escape(shown)}{more}",
                         highlight=False, soft_wrap=True)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"




def print_state(summary: Summary) -> None:
    """What a state holds, one fact a line, on stdout."""
    lines = [
        f"state        {summary.path} (schema version {summary.schema_version}, "
        f"{summary.bytes / 1e6:.1f} MB)",
        f"runs         {summary.runs}",
        f"articles     {summary.articles} ({summary.undated} undated)",
        f"groups       {summary.groups} of two or more ({summary.duplicates} duplicates)",
        f"storylines   {summary.storylines} ({summary.merged} ids merged away)",
        f"oldest       {iso_utc(summary.oldest) or '-'}",
        f"newest       {iso_utc(summary.newest) or '-'}",
    ]
    for line in lines:
        stdout.print(line, markup=False, highlight=False, soft_wrap=True)
