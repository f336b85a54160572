"""What the commands print: progress, summaries, storyline tables, explanations.

Results go to stdout, progress and notes to stderr."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

import orjson
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from clusterer.dedup import DedupResult
from clusterer.explain import Explanation
from clusterer.readers import ReadReport
from clusterer.records import iso_utc
from clusterer.state import Summary
from clusterer.storylines import StorylineResult

stderr = Console(stderr=True)
stdout = Console()

@contextlib.contextmanager
def progress_bar(quiet: bool) -> Iterator[Callable[[str, int, int | None], None]]:
    """A progress callback for the core, drawn on stderr (nothing when quiet)."""
    if quiet or not stderr.is_terminal:
        yield lambda stage, done, total: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=stderr, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield report



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
    stats = result.stats
    stderr.print(
        f"Read {stats['articles']} articles: kept {stats['kept']}, "
        f"merged {stats['duplicates']} duplicates into {stats['groups']} groups.",
        highlight=False,
    )
    largest = sorted((g for g in result.groups if g.size > 1), key=lambda g: (-g.size, g.kept.id))
    if not largest or top <= 0:
        return
    table = Table(title="Largest duplicate groups")
    table.add_column("size", justify="right")
    table.add_column("kept id")
    table.add_column("headline", overflow="fold")
    for group in largest[:top]:
        table.add_row(str(group.size), group.kept.id, group.kept.title)
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
