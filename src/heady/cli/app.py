"""The `heady` command line; each command lives in its own module of this package."""

from __future__ import annotations

import typer

from heady import __version__

app = typer.Typer(
    name="heady",
    help="Run your MCP servers in production: one compose file, one gateway endpoint.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"heady {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Heady: one mcp-compose.yaml, one fast, secure, observable MCP gateway."""


def main() -> None:
    from heady.cli import commands  # noqa: F401  (registers every command on ``app``)

    app()
