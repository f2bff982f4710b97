"""`heady up`: run the stack in the foreground, with a live status table, until Ctrl-C."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from heady.cli.app import app
from heady.cli.output import EXIT_FAILED, EXIT_OK, ComposeFileOption, EnvOption, console, err_console, fail
from heady.cli.ps import format_uptime, status_table
from heady.compose import DEFAULT_FILE, ComposeError, load_compose
from heady.stack import Stack, StackError
from heady.supervisor import ReplicaStatus
from heady.supervisor.statusfile import pid_alive, read_status, status_path


class _Display:
    """Live table on a terminal; plain status lines otherwise (tests, CI, log files)."""

    def __init__(self, live: bool) -> None:
        self.live: Live | None = None
        self._live = live
        self._stack: Stack | None = None
        self.out: Console = console
        self._seen: dict[str, tuple[str, str]] = {}

    def start(self, stack: Stack) -> None:
        self._stack = stack
        if self._live:
            self.live = Live(get_renderable=self._render, console=console, refresh_per_second=2)
            self.live.start()

    def _render(self) -> Table:
        assert self._stack is not None
        return status_table([s.to_json() for s in self._stack.supervisor.statuses()])

    def stop(self) -> None:
        if self.live is not None:
            self.live.stop()

    def log(self, label: str, line: str) -> None:
        text = Text(f"{label} | ", style="dim")
        text.append(line)
        self.out.print(text, highlight=False, soft_wrap=True)

    def changed(self, status: ReplicaStatus) -> None:
        seen = (status.state, status.message)
        if self._seen.get(status.label) == seen:  # a health probe that changed nothing to say
            return
        self._seen[status.label] = seen
        if status.state in ("failed", "crash-loop"):
            text = Text("error: ", style="bold red")
            text.append(f"server '{status.label}': {status.message}")
            err_console.print(text, highlight=False, soft_wrap=True)
        elif not self._live:
            line = f"heady: {status.label} {status.state}"
            if status.pid and status.state == "starting":
                line += f" (pid {status.pid})"
            if status.message:
                line += f": {status.message}"
            self.out.print(Text(line), highlight=False, soft_wrap=True)

    def ready(self, stack: Stack) -> None:
        statuses = stack.supervisor.statuses()
        ready = sum(1 for s in statuses if s.state == "ready")
        self.out.print(
            f"heady: endpoint {stack.endpoint} ({ready}/{len(statuses)} server processes ready)",
            highlight=False,
            soft_wrap=True,
        )


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""Each stops the stack gracefully (SIGHUP: the terminal went away)."""


async def _run(stack: Stack, display: _Display) -> bool:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in _STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    display.start(stack)
    try:
        return await stack.run(stop)
    finally:
        display.stop()
        for sig in _STOP_SIGNALS:
            loop.remove_signal_handler(sig)


def _loop_run(main: Coroutine[Any, Any, bool]) -> bool:
    """Run on uvloop when it is installed (the gateway's hot path is measured faster on it), else asyncio."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


@app.command()
def up(
    file: ComposeFileOption = Path(DEFAULT_FILE),
    env: EnvOption = None,
) -> None:
    """Start every server in the compose file (and the gateway) and keep them running.

    Prints the endpoint once every server is ready or has failed; Ctrl-C or SIGTERM
    stops everything. Examples:

        heady up
        heady up -f examples/mcp-compose.yaml
        heady up --env staging
    """
    try:
        compose = load_compose(file, env=env, missing_command="warning")
    except ComposeError as exc:
        fail(str(exc))
    for problem in compose.warnings:
        err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    running = read_status(status_path(file))
    if running and running.get("state") != "stopped" and pid_alive(running.get("pid")):
        fail(
            f"a stack from {file} is already running (heady up pid {running['pid']}); "
            "stop it first, or see it with 'heady ps'"
        )
    display = _Display(live=console.is_terminal)
    try:
        stack = Stack(compose, log=display.log, on_change=display.changed, on_ready=display.ready)
    except StackError as exc:
        fail(str(exc))
    started = time.monotonic()
    try:
        ok = _loop_run(_run(stack, display))
    except Exception as exc:  # every server is stopped by now (Stack.run's finally); say why in one line
        fail(f"heady up stopped: {exc}")
    if not ok:
        fail("every server failed; nothing left to run (see the errors above)")
    console.print(f"heady: stopped after {format_uptime(time.monotonic() - started)}", highlight=False)
    raise typer.Exit(EXIT_OK if ok else EXIT_FAILED)
