"""`heady validate` (provisional; issue #2 owner replaces this)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from heady.cli.app import app
from heady.cli.output import console, fail
from heady.compose import DEFAULT_FILE, ComposeError, load_compose


@app.command()
def validate(
    file: Annotated[Path, typer.Option("-f", "--file", help="The compose file.")] = Path(DEFAULT_FILE),
    env: Annotated[str | None, typer.Option("--env", help="Environment overlay to apply.")] = None,
) -> None:
    """Check a compose file and report every problem at once."""
    try:
        compose = load_compose(file, env=env)
    except ComposeError as exc:
        fail(str(exc))
    console.print(f"{file}: valid ({len(compose.servers)} servers)")
