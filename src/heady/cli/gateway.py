"""`heady gateway`: the gateway alone, for replicas behind a load balancer.

HTTP servers are reached by their url or port (something else runs them); stdio
servers are launched here by the supervisor, since a stdio process belongs to one
gateway. Replicas must share ``gateway.session_secret`` and a shared ``gateway.state``.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from heady.cli.app import app
from heady.cli.output import EXIT_USAGE, ComposeFileOption, EnvOption, console, err_console, fail
from heady.compose import DEFAULT_FILE, ComposeError, ComposeUsageError, load_compose
from heady.compose.model import ComposeFile, GatewayConfig
from heady.gateway.service import GatewayService, GatewayStartError
from heady.state import StateError
from heady.supervisor import Supervisor, SupervisorError


def _stdio_only(compose: ComposeFile) -> ComposeFile:
    """The compose file with only its stdio servers: what this gateway launches itself."""
    stdio = {name: s for name, s in compose.servers.items() if s.transport == "stdio"}
    return compose.model_copy(update={"servers": stdio})


def _server_line(label: str, line: str) -> None:
    """A line a launched stdio server wrote to stderr, prefixed with its name."""
    err_console.print(f"{label} | {line}", highlight=False, markup=False, soft_wrap=True)


async def _run(compose: ComposeFile) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    launched = _stdio_only(compose)
    supervisor = Supervisor(launched, log=_server_line) if launched.servers else None
    try:
        if supervisor is not None:
            await supervisor.start()
        service = GatewayService(compose, supervisor)
        serving = asyncio.create_task(service.serve(stop))
        await asyncio.sleep(0)
        console.print(
            f"heady: gateway on http://{compose.gateway.listen}/mcp "
            f"({len(compose.servers)} servers, {len(launched.servers)} launched here)",
            highlight=False,
            soft_wrap=True,
        )
        await serving
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        if supervisor is not None:
            await supervisor.stop()


def _event_loop_run(main: Coroutine[Any, Any, None]) -> None:
    """Run on uvloop when it is installed (measured faster, docs/gateway.md), else asyncio."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


@app.command()
def gateway(
    file: ComposeFileOption = Path(DEFAULT_FILE),
    env: EnvOption = None,
    listen: Annotated[
        str | None, typer.Option("--listen", help="host:port to serve on (default: gateway.listen).")
    ] = None,
) -> None:
    """Serve the gateway alone (one replica); stdio servers are launched here, http ones reached.

    Examples:

        heady gateway
        heady gateway -f mcp-compose.yaml --env prod --listen 127.0.0.1:8081
    """
    try:
        compose = load_compose(file, env=env, missing_command="warning")
    except ComposeUsageError as exc:
        fail(str(exc), EXIT_USAGE)
    except ComposeError as exc:
        fail(str(exc))
    for problem in compose.warnings:
        err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    if listen is not None:
        try:
            config = GatewayConfig.model_validate({**compose.gateway.model_dump(), "listen": listen})
        except ValidationError as exc:
            fail(f"--listen {listen!r}: {exc.errors()[0]['msg'].removeprefix('Value error, ')}", EXIT_USAGE)
        compose = compose.model_copy(update={"gateway": config})
    if compose.gateway.session_secret is None:
        err_console.print(
            "heady: gateway.session_secret is unset: sessions are signed with a random key and do not "
            "survive a restart or reach other replicas",
            highlight=False,
            soft_wrap=True,
        )
    try:
        _event_loop_run(_run(compose))
    except (GatewayStartError, StateError, SupervisorError) as exc:
        fail(str(exc))
    console.print("heady: gateway stopped", highlight=False)
