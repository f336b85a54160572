"""The Typer application every command registers on, with its ``--version`` option."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from clusterer import __version__

app = typer.Typer(
    name="clusterer",
    help="Deduplicate news feed dumps and group them into storylines.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


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
