"""Command-line interface: a thin Typer layer over the library.

This is the only module that imports ``typer`` and ``rich``, and the single error
boundary: :class:`~clusterer.errors.ClustererError` becomes ``Error: …`` on stderr and
exit code 1; Ctrl-C becomes one line and exit code 130.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import FrameType
from typing import Annotated, Any, Optional, TypeVar

import orjson
import typer
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

from clusterer import __version__
from clusterer.dedup import KEEP_POLICIES, DedupConfig, DedupResult
from clusterer.engine import Engine, LocalEngine
from clusterer.errors import ClustererError, OutOfMemory, UsageError
from clusterer.evaluate import check_same_ids, gold_labels, load_prediction, score
from clusterer.explain import Explanation
from clusterer.explain import explain as explain_pair
from clusterer.output import (
    CAUGHT_SIGNALS,
    STDOUT,
    OutputSet,
    dedup_records,
    interrupted_note,
    remove_temporaries,
)
from clusterer.pipeline import DedupRun, run_dedup, run_storylines
from clusterer.readers import FORMATS, ReaderConfig, ReadReport, read_articles
from clusterer.records import iso_utc
from clusterer.report import ReportConfig, load_storylines, write_report
from clusterer.storylines import StorylineConfig, StorylineResult
from clusterer.tables import article_rows, csv_bytes, parquet_bytes

app = typer.Typer(
    name="clusterer",
    help="Deduplicate news feed dumps and group them into storylines.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
stderr = Console(stderr=True)
stdout = Console()
T = TypeVar("T")

# ---------------------------------------------------------------- shared options
Inputs = Annotated[
    list[str],
    typer.Argument(help="Feed files or directories: JSONL, JSON, CSV, TSV, RSS, Atom, JSON Feed, "
                        "news-please, HTML pages, .txt; .gz too; - for stdin.",
                   show_default=False),
]
FormatOpt = Annotated[
    str, typer.Option("--format", help=f"Input format: {', '.join(FORMATS)} (auto: by name and "
                      "content).")
]
SkipBad = Annotated[
    bool, typer.Option("--skip-bad", help="Skip bad records, counted and listed on stderr, "
                       "instead of stopping at the first. Example: --skip-bad")
]
MaxRecordBytes = Annotated[
    int, typer.Option("--max-record-bytes", help="Largest record in bytes (a JSONL/CSV line, a "
                      "JSON value, a feed or page read whole); larger is a bad record. Bounds "
                      "memory. Example: --max-record-bytes 134217728")
]
MaxInputBytes = Annotated[
    int, typer.Option("--max-input-bytes", help="Largest input file in bytes, after "
                      "decompression; more is an error. Stops gzip bombs. "
                      "Example: --max-input-bytes 68719476736")
]
Encoding = Annotated[
    str, typer.Option("--encoding", help="Encoding of JSONL/JSON/CSV/TSV/.txt inputs without a "
                      "byte order mark. Example: --encoding cp1252")
]
IdField = Annotated[str, typer.Option("--id-field", help="Input field holding the article id.")]
TitleField = Annotated[str, typer.Option("--title-field", help="Input field holding the headline.")]
TextField = Annotated[str, typer.Option("--text-field", help="Input field holding the body text.")]
UrlField = Annotated[str, typer.Option("--url-field", help="Input field holding the URL.")]
SourceField = Annotated[str, typer.Option("--source-field", help="Input field holding the publisher.")]
PublishedField = Annotated[
    str, typer.Option("--published-field", help="Input field holding the ISO 8601 time.")
]
Threshold = Annotated[
    float, typer.Option("--threshold", help="Similarity (Jaccard or containment) to merge copies, 0-1.")
]
HeadlineThreshold = Annotated[
    float, typer.Option("--headline-threshold",
                        help="Headline similarity (Jaccard) to merge headline-only copies, 0-1.")
]
ShingleSize = Annotated[int, typer.Option("--shingle-size", help="Words per shingle, 1-10.")]
NumPerm = Annotated[int, typer.Option("--num-perm", help="MinHash permutations, 16-1024.")]
Keep = Annotated[
    str, typer.Option("--keep", help=f"Which copy to keep: {', '.join(KEEP_POLICIES)}.")
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No summary or progress on stderr.")]
Jobs = Annotated[
    int, typer.Option("--jobs", "-j", help="Worker processes for fingerprinting; 0 = every core.")
]
EngineOpt = Annotated[
    str, typer.Option("--engine", help="Where fingerprinting runs: local (a process pool) or dask "
                      "(a Dask cluster; pip install 'clusterer[dask]').")
]
Scheduler = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--scheduler", help="Address of a running Dask scheduler (with --engine dask); "
                 "without it a local Dask cluster of --jobs workers is started. "
                 "Example: --scheduler tcp://10.0.0.5:8786"),
]
ENGINES = ("local", "dask")


@dataclass(frozen=True)
class Common:
    """The options every command that reads a dump takes, as stage configs."""

    inputs: list[str]
    reader: ReaderConfig
    dedup: DedupConfig
    quiet: bool
    engine: str = "local"
    scheduler: str | None = None


# Declared once, added to each command by @_reads_a_dump (as sqlite-utils' option groups).
_COMMON_OPTIONS = [
    inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind)
    for name, kind, default in [
        ("keep", Keep, DedupConfig.keep),
        ("threshold", Threshold, DedupConfig.threshold),
        ("headline_threshold", HeadlineThreshold, DedupConfig.headline_threshold),
        ("shingle_size", ShingleSize, DedupConfig.shingle_size),
        ("num_perm", NumPerm, DedupConfig.num_perm),
        ("jobs", Jobs, DedupConfig.workers),
        ("engine", EngineOpt, "local"),
        ("scheduler", Scheduler, None),
        ("fmt", FormatOpt, ReaderConfig.format),
        ("id_field", IdField, ReaderConfig.id_field),
        ("title_field", TitleField, ReaderConfig.title_field),
        ("text_field", TextField, ReaderConfig.text_field),
        ("url_field", UrlField, ReaderConfig.url_field),
        ("source_field", SourceField, ReaderConfig.source_field),
        ("published_field", PublishedField, ReaderConfig.published_field),
        ("encoding", Encoding, ReaderConfig.encoding),
        ("skip_bad", SkipBad, ReaderConfig.skip_bad),
        ("max_record_bytes", MaxRecordBytes, ReaderConfig.max_record_bytes),
        ("max_input_bytes", MaxInputBytes, ReaderConfig.max_input_bytes),
        ("quiet", Quiet, False),
    ]
]


def _reads_a_dump(command: Callable[..., None]) -> Callable[..., None]:
    """Give ``command`` the input argument and the shared options; it receives them as
    one ``common: Common`` (configs built and checked inside the error boundary)."""
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != "common"]
    inputs = inspect.Parameter("inputs", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                               annotation=Inputs)

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> None:
        values = {p.name: kwargs.pop(p.name) for p in [inputs, *_COMMON_OPTIONS]}
        with _error_boundary():
            command(common=_common(**values), **kwargs)

    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[inputs, *own, *_COMMON_OPTIONS])
    return wrapper


def _common(inputs: list[str], keep: str, threshold: float, headline_threshold: float,
            shingle_size: int, num_perm: int, jobs: int, engine: str, scheduler: str | None,
            fmt: str, id_field: str, title_field: str, text_field: str, url_field: str,
            source_field: str, published_field: str, encoding: str, skip_bad: bool,
            max_record_bytes: int, max_input_bytes: int, quiet: bool) -> Common:
    reader = _reader_config(fmt, id_field, title_field, text_field, url_field, source_field,
                            published_field, encoding, skip_bad, max_record_bytes,
                            max_input_bytes)
    dedup = _config(DedupConfig, threshold=threshold, headline_threshold=headline_threshold,
                    shingle_size=shingle_size, num_perm=num_perm, keep=keep, workers=jobs)
    if engine not in ENGINES:
        raise UsageError(f"invalid option: --engine must be one of {', '.join(ENGINES)}, "
                         f"got {engine!r}")
    if scheduler is not None and engine != "dask":
        raise UsageError("--scheduler needs --engine dask")
    return Common(inputs, reader, dedup, quiet, engine, scheduler)


@contextlib.contextmanager
def _engine(common: Common) -> Iterator[Engine]:
    """The engine the options ask for, stopped (with any cluster it started) after use."""
    if common.engine == "local":
        yield LocalEngine(common.dedup.workers)
        return
    from clusterer.engine_dask import DaskEngine  # dask is an optional extra

    with DaskEngine(common.dedup.workers, common.scheduler) as engine:
        yield engine


def _version(value: bool) -> None:
    if value:
        typer.echo(f"clusterer {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        Optional[bool],  # noqa: UP045 - typer needs Optional here
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = None,
) -> None:
    """Deduplicate news feed dumps and group them into storylines.

    Example: clusterer dedup feed.jsonl --output deduped.jsonl
    """


class _Terminated(BaseException):
    """SIGTERM (or SIGHUP …), raised like Ctrl-C so that temporary output files are removed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    if os.getpid() != _MAIN_PID:  # a forked worker inherited the handler: just die
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise _Terminated(signum)


# Signals that would kill the process without cleaning up (Ctrl-C is KeyboardInterrupt).
_TERMINATING = sorted(CAUGHT_SIGNALS - {signal.SIGINT})


_MAIN_PID = os.getpid()


@contextlib.contextmanager
def _error_boundary() -> Iterator[None]:
    """The one place user errors become a one-line message and an exit code."""
    global _MAIN_PID
    _MAIN_PID = os.getpid()
    previous: dict[int, object] = {}
    with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
        for signum in _TERMINATING:
            previous[signum] = signal.signal(signum, _on_sigterm)
    try:
        yield
    except ClustererError as exc:
        stderr.print(f"Error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except MemoryError:
        stderr.print(f"Error: {OutOfMemory()}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        remove_temporaries()
        stderr.print(f"Interrupted; {interrupted_note()}", highlight=False)
        raise typer.Exit(130) from None
    except _Terminated as stop:
        remove_temporaries()
        word = ("Terminated" if stop.signum == signal.SIGTERM
                else f"Stopped by {signal.Signals(stop.signum).name}")
        stderr.print(f"{word}; {interrupted_note()}", highlight=False)
        raise typer.Exit(128 + stop.signum) from None
    except BrokenPipeError:
        # The reader of stdout went away (`| head`): stop quietly, as Unix tools do.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(141) from None
    finally:
        remove_temporaries()  # a signal during any cleanup: nothing may stay behind
        for number, handler in previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]


@contextlib.contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[str, int, int | None], None]]:
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


def _reader_config(fmt: str, id_field: str, title_field: str, text_field: str, url_field: str,
                   source_field: str, published_field: str, encoding: str = "utf-8",
                   skip_bad: bool = False, max_record_bytes: int = ReaderConfig.max_record_bytes,
                   max_input_bytes: int = ReaderConfig.max_input_bytes) -> ReaderConfig:
    return _config(ReaderConfig, format=fmt, id_field=id_field, title_field=title_field,
                   text_field=text_field, url_field=url_field, source_field=source_field,
                   published_field=published_field, encoding=encoding, skip_bad=skip_bad,
                   max_record_bytes=max_record_bytes, max_input_bytes=max_input_bytes)


def _print_read_report(report: ReadReport, inputs: Sequence[str], quiet: bool) -> None:
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


def _config(cls: Callable[..., T], **kwargs: object) -> T:
    """Build a stage config; its ValueError is a user error (one line, exit 1)."""
    try:
        return cls(**kwargs)
    except ValueError as exc:
        raise UsageError(f"invalid option: {exc}") from None


# ---------------------------------------------------------------- dedup
@app.command()
@_reads_a_dump
def dedup(
    output: Annotated[
        str, typer.Option("--output", "-o", help="Output JSONL: one line per kept article; - for stdout.")
    ] = "-",
    groups: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--groups", help="Also write every duplicate group as JSON, with similarities."),
    ] = None,
    top: Annotated[int, typer.Option("--top", help="Largest groups shown in the summary table.")] = 10,
    *,
    common: Common,
) -> None:
    """Merge syndicated copies: one output line per kept article, with its duplicates.

    Example: clusterer dedup feeds/ --output deduped.jsonl --groups groups.json
    """
    outputs = OutputSet([output, groups], common.inputs)
    run = _read_and_deduplicate(common)
    with outputs:
        outputs.write_jsonl(output, dedup_records(run.result.groups))
        if groups is not None:
            outputs.write_json(groups, run.groups_document())
    if not common.quiet:
        _print_dedup_summary(run.result, top)


def _read_and_deduplicate(common: Common) -> DedupRun:
    """Read every input and merge copies, reporting skipped records and empty inputs."""
    with _engine(common) as engine, _progress(common.quiet) as progress:
        run = run_dedup(common.inputs, common.reader, common.dedup, progress, engine)
    _print_read_report(run.read, common.inputs, common.quiet)
    return run


def _print_dedup_summary(result: DedupResult, top: int) -> None:
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


# ---------------------------------------------------------------- storylines
@app.command()
@_reads_a_dump
def storylines(
    json_path: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--json", help="Write the JSON cluster file (schema_version 1); - for stdout."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Storylines shown in the table; 0 for all.")] = 20,
    print_format: Annotated[
        str, typer.Option("--output-format", help="How storylines are printed: table, tsv (a "
                          "header line, then one tab-separated line per storyline), json (one "
                          "JSON object per line), or auto: a table on a terminal, TSV when piped.")
    ] = "auto",
    min_size: Annotated[
        int, typer.Option("--min-size", help="Smallest storyline, counting copies; smaller ones "
                          "are unclustered.")
    ] = StorylineConfig.min_size,
    window: Annotated[
        float, typer.Option("--window", help="Largest time gap inside one storyline, in hours.")
    ] = StorylineConfig.window_hours,
    similarity: Annotated[
        float, typer.Option("--similarity", help="Evidence to share a storyline: TF-IDF cosine "
                            "of an article with the rest of it, 0 to 1; lower joins more.")
    ] = StorylineConfig.similarity,
    csv_path: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--csv", help="Also write one CSV row per input article: id, storyline_id, "
                     "kept_id, kept, title, source, published, url, file, line."),
    ] = None,
    parquet_path: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--parquet", help="The same rows as Parquet (needs pyarrow: "
                     "pip install 'clusterer[parquet]')."),
    ] = None,
    *,
    common: Common,
) -> None:
    """List the storylines of a dump, one representative headline each (copies merged first).

    Example: clusterer storylines feeds/ --json storylines.json --limit 10
    """
    if print_format not in PRINT_FORMATS:
        raise UsageError(f"invalid option: --output-format must be one of "
                         f"{', '.join(PRINT_FORMATS)}, got {print_format!r}")
    config = _config(StorylineConfig, min_size=min_size, window_hours=window,
                     similarity=similarity)
    outputs = OutputSet([json_path, csv_path, parquet_path], common.inputs)
    deduped = _read_and_deduplicate(common)
    with _progress(common.quiet) as progress:
        run = run_storylines(deduped, config, progress)
    rows = list(article_rows(run.result)) if csv_path or parquet_path else []
    with outputs:
        if json_path is not None:
            outputs.write_json(json_path, run.document())
        if csv_path is not None:
            with outputs.open(csv_path) as handle:
                handle.write(csv_bytes(rows))
        if parquet_path is not None:
            with outputs.open(parquet_path) as handle:
                handle.write(parquet_bytes(rows))
    if json_path != STDOUT or not common.quiet:  # -q silences stderr only
        _print_storylines(stderr if json_path == STDOUT else stdout, run.result, limit,
                          print_format, common.quiet)


PRINT_FORMATS = ("auto", "table", "tsv", "json")
_TSV_COLUMNS = ("rank", "id", "size", "sources", "first_seen", "last_seen", "headline", "keywords")


def _print_storylines(console: Console, result: StorylineResult, limit: int, form: str,
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


# ---------------------------------------------------------------- explain
@app.command()
@_reads_a_dump
def explain(
    id_a: Annotated[str, typer.Argument(help="Id of article A.", show_default=False)],
    id_b: Annotated[str, typer.Argument(help="Id of article B.", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the explanation as JSON.")] = False,
    *,
    common: Common,
) -> None:
    """Say whether two articles are copies, and why: the rule, the similarity against its
    threshold, the shared passages and the chrome each side lost (the dump is matched
    exactly as by dedup, with the same options).

    Example: clusterer explain feeds/ 0012 0345
    """
    with _engine(common) as engine, _progress(common.quiet) as progress:
        run = explain_pair(read_articles(common.inputs, common.reader), id_a, id_b, common.dedup,
                           progress, engine)
    if as_json:
        typer.echo(orjson.dumps(run.to_dict(), option=orjson.OPT_INDENT_2).decode())
        return
    _print_explanation(run)


def _print_explanation(run: Explanation) -> None:
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


# ---------------------------------------------------------------- evaluate
@app.command()
def evaluate(
    prediction: Annotated[
        str, typer.Argument(help="A `dedup` JSONL output or a `storylines` JSON file.",
                            show_default=False)
    ],
    gold: Annotated[str, typer.Argument(help="The input it was made from, with a label field.",
                                        show_default=False)],
    label_field: Annotated[
        str, typer.Option("--label-field", help="Gold field holding each article's true cluster.")
    ] = "label",
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    fmt: FormatOpt = "auto",
    id_field: IdField = "id",
    title_field: TitleField = "title",
    encoding: Encoding = "utf-8",
) -> None:
    """Score a prediction against gold labels: B-cubed, ARI, NMI and pairwise metrics.

    Example: clusterer evaluate storylines.json feed.jsonl --label-field story
    """
    with _error_boundary():
        reader_config = _reader_config(fmt, id_field, title_field, "text", "url", "source",
                                       "published", encoding)
        predicted = load_prediction(prediction)
        truth = gold_labels(read_articles([gold], reader_config), label_field)
        check_same_ids(predicted, truth, prediction, gold)
        scores = score(predicted, truth)
        if as_json:
            typer.echo(orjson.dumps(scores.to_dict(), option=orjson.OPT_INDENT_2).decode())
            return
        table = Table(title=f"{prediction} against {gold} ({scores.articles} articles)")
        table.add_column("metric")
        table.add_column("precision", justify="right")
        table.add_column("recall", justify="right")
        table.add_column("F1 / value", justify="right")
        table.add_row("B-cubed", f"{scores.bcubed_precision:.4f}", f"{scores.bcubed_recall:.4f}",
                      f"{scores.bcubed_f1:.4f}")
        table.add_row("pairwise", f"{scores.pairwise_precision:.4f}",
                      f"{scores.pairwise_recall:.4f}", f"{scores.pairwise_f1:.4f}")
        table.add_row("adjusted Rand index", "", "", f"{scores.adjusted_rand:.4f}")
        table.add_row("NMI", "", "", f"{scores.nmi:.4f}")
        stdout.print(table)


# ---------------------------------------------------------------- report
@app.command()
def report(
    storylines_json: Annotated[
        str, typer.Argument(help="A file written by `clusterer storylines --json`.",
                            metavar="STORYLINES.json", show_default=False)
    ],
    output: Annotated[
        str, typer.Option("--output", "-o", help="The HTML file to write; - for stdout.",
                          show_default=False)
    ],
    title: Annotated[str, typer.Option("--title", help="The page's title.")] = ReportConfig.title,
    page_size: Annotated[
        int, typer.Option("--page-size", help="Storylines per page, 1-1000.")
    ] = ReportConfig.page_size,
    quiet: Quiet = False,
) -> None:
    """Write one self-contained HTML page: a timeline of the storylines and the storylines
    with their articles, searchable; it needs no network to view.

    Example: clusterer report storylines.json --output report.html
    """
    with _error_boundary():
        config = _config(ReportConfig, title=title, page_size=page_size)
        document = load_storylines(storylines_json)
        size = write_report(output, document, config, inputs=[storylines_json])
        if not quiet and output != STDOUT:
            n = len(document["storylines"])
            stderr.print(f"Wrote {output}: {n} storyline{'s' if n != 1 else ''}, "
                         f"{size / 1e6:.1f} MB.", markup=False, highlight=False, soft_wrap=True)
