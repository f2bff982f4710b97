"""How every command talks to the user: one console, one-line errors, fixed exit codes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)

EXIT_OK = 0
EXIT_FAILED = 1  # the command ran and found a problem (invalid file, server failed)
EXIT_USAGE = 2  # the command could not run as asked (bad arguments, missing file)


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """Print ``error: message`` on stderr and exit; never a traceback."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


ComposeFileOption = Annotated[Path, typer.Option("-f", "--file", help="The compose file.")]
"""``-f/--file``, the same in every command that reads the compose file."""

EnvOption = Annotated[
    str | None, typer.Option("--env", help="Environment overlay to apply (a key of environments:).")
]
"""``--env``, the same in every command that applies an overlay."""
