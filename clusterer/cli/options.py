"""The options every command that reads a dump shares, declared once, and the
configs they build."""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Optional, TypeVar

import typer

from clusterer.cli.boundary import error_boundary
from clusterer.dedup import KEEP_POLICIES, DedupConfig
from clusterer.engine import Engine, LocalEngine
from clusterer.errors import UsageError
from clusterer.readers import FORMATS, ReaderConfig

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
SkipReport = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--skip-report", help="Write every skipped record and file with its reason "
                 "as JSONL (with --skip-bad; also lists files of input directories left out). "
                 "Example: --skip-report skipped.jsonl"),
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
    str, typer.Option("--encoding", help="Encoding of inputs without a byte order mark, any "
                      "format (for feeds and pages it wins over their declaration); without "
                      "it, as declared, else UTF-8. Example: --encoding cp1252")
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
    str, typer.Option("--engine", help="Where the heavy stages run: local (fingerprinting in a "
                      "process pool) or dask (a Dask cluster: dedup's stages and each storyline "
                      "time block's clustering; pip install 'clusterer\\[dask]').")
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
    skip_report: str | None = None


# Declared once, added to each command by @reads_a_dump (as sqlite-utils' option groups).
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
        ("skip_report", SkipReport, None),
        ("max_record_bytes", MaxRecordBytes, ReaderConfig.max_record_bytes),
        ("max_input_bytes", MaxInputBytes, ReaderConfig.max_input_bytes),
        ("quiet", Quiet, False),
    ]
]


def reads_a_dump(command: Callable[..., None]) -> Callable[..., None]:
    """Give ``command`` the input argument and the shared options; it receives them as
    one ``common: Common`` (configs built and checked inside the error boundary)."""
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != "common"]
    inputs = inspect.Parameter("inputs", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                               annotation=Inputs)

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> None:
        values = {p.name: kwargs.pop(p.name) for p in [inputs, *_COMMON_OPTIONS]}
        with error_boundary():
            command(common=_common(**values), **kwargs)

    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[inputs, *own, *_COMMON_OPTIONS])
    return wrapper


def _common(inputs: list[str], keep: str, threshold: float, headline_threshold: float,
            shingle_size: int, num_perm: int, jobs: int, engine: str, scheduler: str | None,
            fmt: str, id_field: str, title_field: str, text_field: str, url_field: str,
            source_field: str, published_field: str, encoding: str, skip_bad: bool,
            skip_report: str | None, max_record_bytes: int, max_input_bytes: int,
            quiet: bool) -> Common:
    reader = reader_config(fmt, id_field, title_field, text_field, url_field, source_field,
                            published_field, encoding, skip_bad, max_record_bytes,
                            max_input_bytes)
    dedup = build_config(DedupConfig, threshold=threshold, headline_threshold=headline_threshold,
                    shingle_size=shingle_size, num_perm=num_perm, keep=keep, workers=jobs)
    if engine not in ENGINES:
        raise UsageError(f"invalid option: --engine must be one of {', '.join(ENGINES)}, "
                         f"got {engine!r}")
    if scheduler is not None and engine != "dask":
        raise UsageError("--scheduler needs --engine dask")
    return Common(inputs, reader, dedup, quiet, engine, scheduler, skip_report)


@contextlib.contextmanager
def engine_for(common: Common) -> Iterator[Engine]:
    """The engine the options ask for, stopped (with any cluster it started) after use."""
    if common.engine == "local":
        yield LocalEngine(common.dedup.workers)
        return
    from clusterer.engine_dask import DaskEngine  # dask is an optional extra

    with DaskEngine(common.dedup.workers, common.scheduler) as engine:
        yield engine


def reader_config(fmt: str, id_field: str, title_field: str, text_field: str, url_field: str,
                   source_field: str, published_field: str, encoding: str = "utf-8",
                   skip_bad: bool = False, max_record_bytes: int = ReaderConfig.max_record_bytes,
                   max_input_bytes: int = ReaderConfig.max_input_bytes) -> ReaderConfig:
    return build_config(ReaderConfig, format=fmt, id_field=id_field, title_field=title_field,
                   text_field=text_field, url_field=url_field, source_field=source_field,
                   published_field=published_field, encoding=encoding, skip_bad=skip_bad,
                   max_record_bytes=max_record_bytes, max_input_bytes=max_input_bytes)


def build_config(cls: Callable[..., T], **kwargs: object) -> T:
    """Build a stage config; its ValueError is a user error (one line, exit 1)."""
    try:
        return cls(**kwargs)
    except ValueError as exc:
        raise UsageError(f"invalid option: {exc}") from None

