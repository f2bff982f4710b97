"""`heady validate`: check a compose file and report every problem at once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from heady.cli.app import app
from heady.cli.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, ComposeFileOption, EnvOption, console, fail
from heady.compose import (
    DEFAULT_FILE,
    ComposeError,
    ComposeUsageError,
    Problem,
    load_compose,
    overlay_problems,
    render_schema,
)

EXAMPLES = """
Examples:

  heady validate                                   # ./mcp-compose.yaml

  heady validate -f examples/mcp-compose.yaml --env prod

  heady validate --json | jq '.problems[] | select(.severity == "error")'

  heady validate --print-schema > schema/mcp-compose.schema.json
"""


@app.command(epilog=EXAMPLES)
def validate(
    file: ComposeFileOption = Path(DEFAULT_FILE),
    env: EnvOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as JSON (problems with file, line, column).")
    ] = False,
    print_schema: Annotated[
        bool, typer.Option("--print-schema", help="Print the JSON Schema of the compose file and exit.")
    ] = False,
) -> None:
    """Check a compose file: every problem at once, each with file:line:column, field and a hint.

    Without --env, every overlay under environments: is checked as well. Exit code 0
    when the file is valid (warnings allowed), 1 when it has errors, 2 when it
    cannot be read or --env names no environment.
    """
    if print_schema:
        typer.echo(render_schema(), nl=False)
        raise typer.Exit(EXIT_OK)
    servers: list[str] = []
    try:
        compose = load_compose(file, env=env)
        problems = compose.warnings
        servers = list(compose.servers)
    except ComposeUsageError as exc:
        if as_json:
            _report(file, env, exc.problems, servers, as_json)
            raise typer.Exit(EXIT_USAGE) from None
        fail("\n".join(str(p) for p in exc.problems), EXIT_USAGE)
    except ComposeError as exc:
        problems = exc.problems
    if env is None:  # overlays are checked too, so CI catches a typo in environments.prod
        problems = sorted([*problems, *overlay_problems(file)], key=lambda p: p.sort_key)
    _report(file, env, problems, servers, as_json)
    if any(p.severity == "error" for p in problems):
        raise typer.Exit(EXIT_FAILED)


def _report(file: Path, env: str | None, problems: list[Problem], servers: list[str], as_json: bool) -> None:
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    servers = [] if errors else servers
    if as_json:
        document = {
            "file": str(file),
            "env": env,
            "valid": errors == 0,
            "errors": errors,
            "warnings": warnings,
            "servers": servers,
            "problems": [p.to_dict() for p in problems],
        }
        typer.echo(json.dumps(document, indent=2))
        return
    for problem in problems:
        style = "red" if problem.severity == "error" else "yellow"
        console.print(str(problem), style=style, highlight=False, markup=False, soft_wrap=True)
    where = f"{file}" + (f" (env {env})" if env else "")
    if errors:
        counts = f"{errors} error{'s' * (errors != 1)}"
        if warnings:
            counts += f", {warnings} warning{'s' * (warnings != 1)}"
        console.print(f"{where}: {counts}", highlight=False, markup=False, soft_wrap=True)
        return
    names = ", ".join(servers)
    summary = f"{where}: valid, {len(servers)} server{'s' * (len(servers) != 1)}"
    if names:
        summary += f" ({names})"
    if warnings:
        summary += f", {warnings} warning{'s' * (warnings != 1)}"
    console.print(summary, highlight=False, markup=False, soft_wrap=True)
