"""`heady config clients`: client config files that point at the gateway endpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, cast

import typer
from rich.markup import escape

from heady.cli.app import app
from heady.cli.output import EXIT_USAGE, ComposeFileOption, EnvOption, err_console, fail
from heady.clients import CLIENTS, ClientError, ClientFileError, client_configs, write_config
from heady.clients.formats import AuthStyle
from heady.compose import DEFAULT_FILE, ComposeError, ComposeUsageError, load_compose

config_app = typer.Typer(
    name="config",
    help="Generate configuration from the compose file.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
app.add_typer(config_app)

EXAMPLES = """
Examples:

  heady config clients                               # every client, printed

  heady config clients --client cursor --out .       # writes .cursor/mcp.json

  heady config clients -f examples/mcp-compose.yaml --env prod --client vscode

  heady config clients --json | jq '."claude-code".config'
"""

CLIENT_NAMES = ", ".join([*CLIENTS, "all"])


@config_app.command(epilog=EXAMPLES)
def clients(
    file: ComposeFileOption = Path(DEFAULT_FILE),
    env: EnvOption = None,
    client: Annotated[
        list[str], typer.Option("--client", "-c", help=f"Which client; repeat for several: {CLIENT_NAMES}.")
    ] = ["all"],  # noqa: B006  (typer copies option defaults)
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the files under this folder (merged into existing ones)."),
    ] = None,
    auth: Annotated[
        str | None,
        typer.Option(
            "--auth",
            help="With gateway auth on: header (bearer token from a placeholder, the default) "
            "or oauth (the client signs in; URL only).",
        ),
    ] = None,
    token_env: Annotated[
        str, typer.Option("--token-env", help="Environment variable that holds the token (--auth header).")
    ] = "HEADY_TOKEN",
    per_server: Annotated[
        bool, typer.Option("--per-server", help="Add one entry per server (/servers/NAME/mcp) too.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print every config as one JSON object, keyed by client.")
    ] = False,
) -> None:
    """Write each MCP client's config, in its own format, pointing at the gateway endpoint.

    One entry, named after the project, points at the merged endpoint (public_url or listen, + /mcp).

    With gateway auth on, the token comes from a placeholder the client fills in; no token is written.
    """
    if auth not in (None, "none", "header", "oauth"):
        fail(f"--auth {auth}: not an auth style; use header or oauth", EXIT_USAGE)
    try:
        compose = load_compose(file, env=env)
    except ComposeUsageError as exc:
        fail("\n".join(str(p) for p in exc.problems), EXIT_USAGE)
    except ComposeError as exc:
        fail(f"{file} is not valid; run 'heady validate -f {file}' for details\n{exc}")
    style = cast(AuthStyle | None, auth)  # checked above
    try:
        configs = client_configs(compose, client, style, token_env, per_server)
    except ClientError as exc:
        fail(str(exc), EXIT_USAGE)

    if as_json:
        document = {
            c.client.name: {
                "file": c.client.path,
                "install": c.client.install,
                "notes": c.notes,
                "config": c.document,
            }
            for c in configs
        }
        typer.echo(json.dumps(document, indent=2))
        return
    for config in configs:
        if out is None:
            typer.echo(f"# {config.client.title}: {config.client.path}  ({config.client.install})")
            typer.echo(config.text())
        else:
            try:
                path, existed = write_config(config, out)
            except ClientFileError as exc:
                fail(str(exc))
            verb = "updated" if existed else "wrote"
            typer.echo(f"{verb} {path}  ({config.client.title}: {config.client.install})")
        for note in config.notes:
            text = f"[yellow]note:[/] {escape(config.client.title)}: {escape(note)}"
            err_console.print(text, highlight=False, soft_wrap=True)
