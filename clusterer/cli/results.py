"""Commands over what the clustering commands keep and write: ``state`` (what a state
holds), ``explain`` (why two articles are or are not copies), ``evaluate`` (scores against
gold labels) and ``report`` (storylines as one HTML page)."""

from __future__ import annotations

from typing import Annotated

import orjson
import typer
from rich.table import Table

from clusterer.cli.app import app
from clusterer.cli.boundary import error_boundary
from clusterer.cli.options import (
    Common,
    Encoding,
    FormatOpt,
    IdField,
    Quiet,
    TitleField,
    build_config,
    engine_for,
    reader_config,
    reads_a_dump,
)
from clusterer.cli.printing import (
    print_explanation,
    print_state,
    progress_bar,
    stderr,
    stdout,
)
from clusterer.evaluate import check_same_ids, gold_labels, load_prediction, score
from clusterer.output import STDOUT
from clusterer.readers import read_articles
from clusterer.report import ReportConfig, load_storylines, write_report


# ---------------------------------------------------------------- state
@app.command("state")
def state_command(
    path: Annotated[str, typer.Argument(help="A state written by --state.", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print it as JSON.")] = False,
) -> None:
    """Say what a state holds: articles, duplicate groups, storylines, oldest/newest.

    Example: clusterer state news.state
    """
    from clusterer.state import read_summary

    with error_boundary():
        summary = read_summary(path)
        if as_json:
            typer.echo(orjson.dumps(summary.to_dict(), option=orjson.OPT_INDENT_2).decode())
            return
        print_state(summary)


# ---------------------------------------------------------------- explain
@app.command()
@reads_a_dump
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
    from clusterer.explain import explain as explain_pair  # here: no other command needs it

    with engine_for(common) as engine, progress_bar(common.quiet) as progress:
        run = explain_pair(read_articles(common.inputs, common.reader), id_a, id_b, common.dedup,
                           progress, engine)
    if as_json:
        typer.echo(orjson.dumps(run.to_dict(), option=orjson.OPT_INDENT_2).decode())
        return
    print_explanation(run)


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
    with error_boundary():
        gold_reader = reader_config(fmt, id_field, title_field, "text", "url", "source",
                                    "published", encoding)
        predicted = load_prediction(prediction)
        truth = gold_labels(read_articles([gold], gold_reader), label_field)
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
    with error_boundary():
        config = build_config(ReportConfig, title=title, page_size=page_size)
        document = load_storylines(storylines_json)
        size = write_report(output, document, config, inputs=[storylines_json])
        if not quiet and output != STDOUT:
            n = len(document["storylines"])
            stderr.print(f"Wrote {output}: {n} storyline{'s' if n != 1 else ''}, "
                         f"{size / 1e6:.1f} MB.", markup=False, highlight=False, soft_wrap=True)

