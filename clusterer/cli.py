"""Command-line interface: a thin Typer layer over the library.

This is the only module that imports ``typer`` and ``rich``, and the single error
boundary: :class:`~clusterer.errors.ClustererError` becomes ``Error: …`` on stderr and
exit code 1; Ctrl-C becomes one line and exit code 130.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Annotated, Optional, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from clusterer import __version__
from clusterer.dedup import KEEP_POLICIES, DedupConfig, DedupResult, deduplicate
from clusterer.errors import ClustererError, UsageError
from clusterer.output import check_outputs, dedup_records, write_json, write_jsonl
from clusterer.readers import FORMATS, ReaderConfig, read_articles

app = typer.Typer(
    name="clusterer",
    help="Deduplicate news feed dumps and group them into storylines.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
stderr = Console(stderr=True)
T = TypeVar("T")

# ---------------------------------------------------------------- shared options
Inputs = Annotated[
    list[str],
    typer.Argument(help="Feed files or directories (JSONL, JSON, CSV, .txt dir, .gz); - for stdin.",
                   show_default=False),
]
FormatOpt = Annotated[str, typer.Option("--format", help=f"Input format: {', '.join(FORMATS)}.")]
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
ShingleSize = Annotated[int, typer.Option("--shingle-size", help="Words per shingle, 1-10.")]
NumPerm = Annotated[int, typer.Option("--num-perm", help="MinHash permutations, 16-1024.")]
Keep = Annotated[
    str, typer.Option("--keep", help=f"Which copy to keep: {', '.join(KEEP_POLICIES)}.")
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No summary or progress on stderr.")]
Jobs = Annotated[
    int, typer.Option("--jobs", "-j", help="Worker processes for fingerprinting; 0 = every core.")
]


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


@contextlib.contextmanager
def _error_boundary() -> Iterator[None]:
    """The one place user errors become a one-line message and an exit code."""
    try:
        yield
    except ClustererError as exc:
        stderr.print(f"Error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        stderr.print("Interrupted; no output was written partially.", highlight=False)
        raise typer.Exit(130) from None


@contextlib.contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[str, int, int], None]]:
    """A progress callback for the core, drawn on stderr (nothing when quiet)."""
    if quiet or not stderr.is_terminal:
        yield lambda stage, done, total: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=stderr, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield report


def _reader_config(fmt: str, id_field: str, title_field: str, text_field: str, url_field: str,
                   source_field: str, published_field: str) -> ReaderConfig:
    return _config(ReaderConfig, format=fmt, id_field=id_field, title_field=title_field,
                   text_field=text_field, url_field=url_field, source_field=source_field,
                   published_field=published_field)


def _config(cls: Callable[..., T], **kwargs: object) -> T:
    """Build a stage config; its ValueError is a user error (one line, exit 1)."""
    try:
        return cls(**kwargs)
    except ValueError as exc:
        raise UsageError(f"invalid option: {exc}") from None


# ---------------------------------------------------------------- dedup
@app.command()
def dedup(
    inputs: Inputs,
    output: Annotated[
        str, typer.Option("--output", "-o", help="Output JSONL: one line per kept article; - for stdout.")
    ] = "-",
    groups: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--groups", help="Also write every duplicate group as JSON, with similarities."),
    ] = None,
    keep: Keep = "longest",
    threshold: Threshold = DedupConfig.threshold,
    shingle_size: ShingleSize = DedupConfig.shingle_size,
    num_perm: NumPerm = DedupConfig.num_perm,
    top: Annotated[int, typer.Option("--top", help="Largest groups shown in the summary table.")] = 10,
    jobs: Jobs = 0,
    fmt: FormatOpt = "auto",
    id_field: IdField = "id",
    title_field: TitleField = "title",
    text_field: TextField = "text",
    url_field: UrlField = "url",
    source_field: SourceField = "source",
    published_field: PublishedField = "published",
    quiet: Quiet = False,
) -> None:
    """Merge syndicated copies: one output line per kept article, with its duplicates.

    Example: clusterer dedup feeds/ --output deduped.jsonl --groups groups.json
    """
    with _error_boundary():
        reader_config = _reader_config(fmt, id_field, title_field, text_field, url_field,
                                       source_field, published_field)
        config = _config(DedupConfig, threshold=threshold, shingle_size=shingle_size,
                         num_perm=num_perm, keep=keep, workers=jobs)
        check_outputs([output, groups], inputs)
        with _progress(quiet) as progress:
            result = deduplicate(read_articles(inputs, reader_config), config, progress=progress)
        write_jsonl(output, dedup_records(result.groups))
        if groups is not None:
            write_json(groups, result.groups_document())
        if not quiet:
            _print_dedup_summary(result, top)


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
