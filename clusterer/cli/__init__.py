"""Command-line interface: a thin Typer layer over the library.

The ``clusterer.cli`` package is the only code that imports ``typer`` and ``rich``: the
application is in :mod:`~clusterer.cli.app`, the commands that read a dump and cluster it
(``dedup``, ``storylines``) here, those over their results (``state``, ``explain``,
``evaluate``, ``report``) in :mod:`~clusterer.cli.results`, the shared options in
:mod:`~clusterer.cli.options`, what they print in :mod:`~clusterer.cli.printing`, and the
single error boundary in
:mod:`~clusterer.cli.boundary` (:class:`~clusterer.errors.ClustererError` becomes
``Error: …`` on stderr and exit code 1; Ctrl-C becomes one line and exit code 130).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from clusterer.cli.app import app
from clusterer.cli.options import (
    Common,
    build_config,
    engine_for,
    reads_a_dump,
)
from clusterer.cli.printing import (
    PRINT_FORMATS,
    print_dedup_counts,
    print_dedup_summary,
    print_read_report,
    print_storylines,
    progress_bar,
    stderr,
    stdout,
)
from clusterer.errors import UsageError
from clusterer.features import FeatureConfig
from clusterer.output import STDOUT, OutputSet, dedup_records
from clusterer.pipeline import DedupRun, run_dedup, run_storylines
from clusterer.readers import ReadReport
from clusterer.storylines import StorylineConfig, StorylineResult
from clusterer.tables import article_rows, csv_bytes, parquet_bytes

# --state runs import the state store and the incremental code when used: 30 ms of
# every start-up otherwise (clusterer --help included).
if TYPE_CHECKING:
    from clusterer.engine import Engine
    from clusterer.incremental import IncrementalDedup
    from clusterer.state import State

StatePath = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--state", help="SQLite state of earlier runs (created on first use): new "
                 "articles are added to it and matched against everything it holds; the outputs "
                 "hold every article it holds. Example: --state news.state"),
]
ExpireAfter = Annotated[
    Optional[float],  # noqa: UP045
    typer.Option("--expire-after", help="With --state: drop stored articles published more than "
                 "DAYS before the newest one (and storylines left empty). Example: "
                 "--expire-after 30", metavar="DAYS"),
]


def _check_state_options(state: str | None, expire_after: float | None, only_new: bool,
                         paths: list[str | None]) -> None:
    if state is None and (expire_after is not None or only_new):
        option = "--expire-after" if expire_after is not None else "--only-new"
        raise UsageError(f"invalid option: {option} needs --state")
    if state is not None and state in paths:
        raise UsageError(f"invalid option: --state {state} is also an input or output; "
                         "choose another path")
    if expire_after is not None and not expire_after > 0:
        raise UsageError(f"invalid option: --expire-after must be > 0, got {expire_after:g}")


# ---------------------------------------------------------------- dedup
@app.command()
@reads_a_dump
def dedup(
    output: Annotated[
        str, typer.Option("--output", "-o", help="Output JSONL: one line per kept article; - for stdout.")
    ] = "-",
    groups: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--groups", help="Also write every duplicate group as JSON, with similarities."),
    ] = None,
    top: Annotated[int, typer.Option("--top", help="Largest groups shown in the summary table.")] = 10,
    state: StatePath = None,
    only_new: Annotated[
        bool, typer.Option("--only-new", help="With --state: --output holds only the groups "
                           "with an article added or updated by this run (and --groups and "
                           "the summary only the groups matched in it); the other stored "
                           "articles are not read back.")
    ] = False,
    expire_after: ExpireAfter = None,
    *,
    common: Common,
) -> None:
    """Merge syndicated copies: one output line per kept article, with its duplicates.

    Example: clusterer dedup feeds/ --output deduped.jsonl --groups groups.json
    """
    _check_state_options(state, expire_after, only_new, [*common.inputs, output, groups])
    outputs = OutputSet([output, groups, common.skip_report], common.inputs)
    if state is not None:
        from clusterer.state import open_state
        from clusterer.state_output import largest, stream_dedup_records, summary_counts

        # Without --only-new or --groups, the stored groups that stand are streamed to
        # --output from the state (clusterer.state_output), not held.
        stream = not only_new and groups is None
        counts: dict[str, int] = {}
        shown: list[tuple[int, str, str]] = []
        with open_state(state) as store:
            incremental = _deduplicate_with_state(common, store, expire_after, "dedup",
                                                  only_new, stream)
            chosen = incremental.touched() if only_new else incremental.run.result.groups
            with outputs:
                if stream:
                    outputs.write_jsonl(output, stream_dedup_records(
                        store, chosen, incremental.places, incremental.standing))
                else:
                    outputs.write_jsonl(output, dedup_records(chosen))
                if groups is not None:
                    outputs.write_json(groups, incremental.run.groups_document())
                _write_skip_report(outputs, common, incremental.run)
            if stream and not common.quiet:  # the headlines read before the state closes
                counts = summary_counts(chosen, incremental.standing)
                shown = largest(store, chosen, incremental.standing, top)
        if not common.quiet:
            if stream:
                print_dedup_counts(counts, shown)
            else:
                print_dedup_summary(incremental.run.result, top)
        return
    # The engine stays up while the output is written: with --engine dask it is
    # written on the workers from the inputs they read (clusterer.partitions).
    with engine_for(common) as engine:
        run = _read_and_deduplicate(common, engine)
        with outputs:
            outputs.write_lines(output, run.record_lines())
            if groups is not None:
                head, items = run.result.groups_document_parts()
                outputs.write_json(groups, head, ("groups", items))
            _write_skip_report(outputs, common, run)
    if not common.quiet:
        print_dedup_summary(run.result, top)


def _read_and_deduplicate(common: Common, engine: Engine | None = None) -> DedupRun:
    """Read every input and merge copies, reporting skipped records and empty inputs
    (on ``engine``, else on one started and stopped here)."""
    report = ReadReport(keep_all=common.skip_report is not None)
    with (contextlib.nullcontext(engine) if engine is not None else engine_for(common)
          ) as running, progress_bar(common.quiet) as progress:
        run = run_dedup(common.inputs, common.reader, common.dedup, progress, running, report)
    print_read_report(run.read, common.inputs, common.quiet)
    return run


def _write_skip_report(outputs: OutputSet, common: Common, run: DedupRun) -> None:
    if common.skip_report is not None:
        outputs.write_jsonl(common.skip_report,
                            (entry.to_dict() for entry in run.read.skipped_entries()))


def _deduplicate_with_state(common: Common, store: State, expire_after: float | None,
                            command: str, only_new: bool = False, stream: bool = False
                            ) -> IncrementalDedup:
    """Read every input into the state and merge copies over all it holds (with
    ``only_new``, the result holds the groups matched in this run only)."""
    from clusterer.incremental import dedup_with_state

    report = ReadReport(keep_all=common.skip_report is not None)
    with engine_for(common) as engine, progress_bar(common.quiet) as progress:
        incremental = dedup_with_state(store, common.inputs, common.reader, common.dedup,
                                       progress, engine, expire_after, command, report,
                                       only_new, stream)
    print_read_report(incremental.run.read, common.inputs, common.quiet)
    if not common.quiet:
        counts = incremental.intake.to_dict()
        stderr.print(f"State {store.path}, run {incremental.number}: {counts['new']} new, "
                     f"{counts['updated']} updated, {counts['skipped']} already held, "
                     f"{counts['expired']} expired.", markup=False, highlight=False,
                     soft_wrap=True)
    return incremental


# ---------------------------------------------------------------- storylines
@app.command()
@reads_a_dump
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
    features: Annotated[
        str, typer.Option("--features", help="Vectors that propose storylines (the TF-IDF "
                          "evidence decides either way): tfidf, semantic (a static word "
                          "embedding; pip install 'clusterer\\[semantic]') or hybrid (both). "
                          "Example: --features hybrid")
    ] = FeatureConfig.kind,
    csv_path: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--csv", help="Also write one CSV row per input article: id, storyline_id, "
                     "kept_id, kept, title, source, published, url, file, line."),
    ] = None,
    parquet_path: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--parquet", help="The same rows as Parquet (needs pyarrow: "
                     "pip install 'clusterer\\[parquet]')."),
    ] = None,
    state: StatePath = None,
    expire_after: ExpireAfter = None,
    *,
    common: Common,
) -> None:
    """List the storylines of a dump, one representative headline each (copies merged first).

    With --state, storylines keep their ids from run to run and the JSON says, for each,
    whether it is new, grown, merged, shrunk or unchanged.

    Example: clusterer storylines feeds/ --json storylines.json --limit 10
    """
    if print_format not in PRINT_FORMATS:
        raise UsageError(f"invalid option: --output-format must be one of "
                         f"{', '.join(PRINT_FORMATS)}, got {print_format!r}")
    if limit < 0:
        raise UsageError(f"invalid option: --limit must be 0 (all) or more, got {limit}")
    config = build_config(StorylineConfig, min_size=min_size, window_hours=window,
                          similarity=similarity,
                          features=build_config(FeatureConfig, kind=features))
    _check_state_options(state, expire_after, False,
                         [*common.inputs, json_path, csv_path, parquet_path])
    outputs = OutputSet([json_path, csv_path, parquet_path, common.skip_report], common.inputs)
    with contextlib.ExitStack() as stack:
        if state is None:
            # With --engine dask, each time block is clustered on the workers; the
            # local engine's storylines run in this process, as before.
            with engine_for(common) as engine:
                deduped = _read_and_deduplicate(common, engine)
                with progress_bar(common.quiet) as progress:
                    run = run_storylines(deduped, config, progress,
                                         engine if common.engine == "dask" else None)
            document = run.document
        else:
            from clusterer.state import open_state
            from clusterer.tracking import storylines_with_state

            store = stack.enter_context(open_state(state))
            incremental = _deduplicate_with_state(common, store, expire_after, "storylines")
            deduped = incremental.run
            with progress_bar(common.quiet) as progress:
                tracked = storylines_with_state(store, incremental, config, progress)
            run, document = tracked.run, tracked.document
        _write_storylines(outputs, run.result, document, json_path, csv_path, parquet_path,
                          lambda: _write_skip_report(outputs, common, deduped))
    if json_path != STDOUT or not common.quiet:  # -q silences stderr only
        print_storylines(stderr if json_path == STDOUT else stdout, run.result, limit,
                          print_format, common.quiet)


def _write_storylines(outputs: OutputSet, result: StorylineResult,
                      document: Callable[[], dict[str, Any]], json_path: str | None,
                      csv_path: str | None, parquet_path: str | None,
                      skip_report: Callable[[], None]) -> None:
    rows = list(article_rows(result)) if csv_path or parquet_path else []
    with outputs:
        if json_path is not None:
            outputs.write_json(json_path, document())
        if csv_path is not None:
            with outputs.open(csv_path) as handle:
                handle.write(csv_bytes(rows))
        if parquet_path is not None:
            with outputs.open(parquet_path) as handle:
                handle.write(parquet_bytes(rows))
        skip_report()


# The other commands register on the same app when their module is imported.
from clusterer.cli import results  # noqa: E402, F401
