"""`heady ps`: the servers of the running `heady up`, from its status file."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from heady.cli.app import app
from heady.cli.output import console, fail
from heady.compose import DEFAULT_FILE
from heady.supervisor.status import GIVEN_UP
from heady.supervisor.statusfile import pid_alive, read_status, status_path

_STATE_STYLE = {
    "ready": "green",
    "starting": "yellow",
    "waiting": "yellow",
    "backoff": "yellow",
    "unhealthy": "red",
    "failed": "bold red",
    "crash-loop": "bold red",
}


def format_uptime(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def status_table(servers: list[dict[str, object]], now: float | None = None) -> Table:
    """One row per server process; shared by ``heady up`` (live) and ``heady ps``."""
    now = now or time.time()
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("server", "transport", "state", "pid", "restarts", "uptime", "health"):
        table.add_column(column)
    for s in servers:
        label = str(s["server"]) + (f"#{s['replica']}" if s.get("replica") else "")
        state = str(s["state"])
        started = s.get("started_at")
        running = isinstance(started, int | float) and s.get("pid") is not None
        uptime = format_uptime(now - started) if running else "-"  # type: ignore[operator]
        health = s.get("last_health")
        if isinstance(health, dict):
            mark = "ok" if health.get("ok") else "failing"
            at = health.get("at")
            if isinstance(at, int | float):
                mark += f" {format_uptime(max(now - at, 0))} ago"
            health_text = Text(f"{mark}: {health.get('detail', '')}", style="" if health.get("ok") else "red")
        else:
            health_text = Text(str(s.get("message") or "-"), style="dim")
        if state in GIVEN_UP and s.get("message"):
            health_text = Text(str(s["message"]), style="red" if state != "stopped" else "dim")
        table.add_row(
            label,
            str(s.get("transport", "")),
            Text(state, style=_STATE_STYLE.get(state, "")),
            str(s.get("pid") or "-"),
            str(s.get("restarts", 0)),
            uptime,
            health_text,
        )
    return table


@app.command()
def ps(
    file: Annotated[Path, typer.Option("-f", "--file", help="The compose file the stack runs from.")] = Path(
        DEFAULT_FILE
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
) -> None:
    """List the servers of the running `heady up`: state, pid, restarts, uptime, last health.

    Reads the status `heady up` keeps beside the compose file. Examples:

        heady ps
        heady ps -f examples/mcp-compose.yaml --json
    """
    path = status_path(file)
    doc = read_status(path)
    start = f"start it with 'heady up -f {file}'"
    if doc is None:
        fail(f"no running stack for {file} (no status in {path}); {start}")
    if doc.get("state") == "stopped" or not pid_alive(doc.get("pid")):
        fail(f"no running stack for {file} (heady up, pid {doc.get('pid')}, is not running); {start}")
    servers: list[dict[str, Any]] = doc.get("servers") or []
    now = time.time()
    if as_json:
        for s in servers:
            started = s.get("started_at")
            s["uptime"] = now - started if isinstance(started, int | float) and s.get("pid") else None
        typer.echo(json.dumps(doc, indent=2))
        return
    console.print(
        f"{doc.get('project')}: {doc.get('endpoint')} (heady up pid {doc.get('pid')})", highlight=False
    )
    console.print(status_table(servers, now))
