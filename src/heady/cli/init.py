"""`heady init`: a starter mcp-compose.yaml and a FastMCP server module that follows the checklist."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from heady.cli.app import app
from heady.cli.output import EXIT_USAGE, fail
from heady.scaffold import ScaffoldError, init_project

EXAMPLES = """
Examples:

  heady init                         # here; the project is named after this folder

  heady init notes-service --name notes

  heady init . --force               # rewrite the starter files
"""


@app.command(epilog=EXAMPLES)
def init(
    directory: Annotated[Path, typer.Argument(help="Project folder; created if missing.")] = Path("."),
    name: Annotated[
        str | None, typer.Option("--name", help="Project and server name (default: the folder's name).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite files that already exist.")] = False,
) -> None:
    """Write a starter mcp-compose.yaml and a production-ready FastMCP server to edit.

    The server keeps its state in SQLite (STATE_URL), logs JSON, answers GET /healthz and reads PORT.
    """
    try:
        written = init_project(directory, name, force)
    except ScaffoldError as exc:
        fail(str(exc), EXIT_USAGE)
    for path in written:
        typer.echo(f"wrote {path}")
    compose = written[0]
    typer.echo("")
    typer.echo("next:")
    typer.echo(f"  heady validate -f {compose}")
    typer.echo(f"  heady up -f {compose}")
    typer.echo(f"  heady config clients -f {compose} --out {directory}")
