"""Shared fixtures: ports, real server processes, the gateway, services.

Every fixture that needs a component starts it here (or installs it through
scripts/install-test-deps.sh), so a fresh machine passes.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from heady.protocol.stdio import StdioChannel

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
EXAMPLES = REPO / "examples"
PYTHON = sys.executable


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_process(process: subprocess.Popen[Any], grace: float = 10.0) -> int:
    """SIGTERM, then SIGKILL after ``grace`` seconds; returns the exit code. Never leaves it running."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait()


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
async def stdio_channels() -> AsyncIterator[Callable[..., Awaitable[StdioChannel]]]:
    """Start stdio server processes wrapped in channels: ``await stdio_channels(*argv, name=...)``.

    Every process is killed (and reaped) when the test ends.
    """
    from heady.protocol.stdio import StdioChannel

    started: list[tuple[asyncio.subprocess.Process, StdioChannel]] = []

    async def start(*argv: str, name: str = "stdio") -> StdioChannel:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        channel = StdioChannel.from_process(process, name=name)
        started.append((process, channel))
        return channel

    yield start
    for process, channel in started:
        await channel.close()
        if process.returncode is None:
            process.kill()
        await process.wait()


def write_compose(folder: Path, servers: dict[str, object], **top: object) -> Path:
    """Write ``folder/mcp-compose.yaml`` (as JSON, which is YAML) and return its path."""
    import json

    path = folder / "mcp-compose.yaml"
    path.write_text(json.dumps({"version": 1, **top, "servers": servers}, indent=2))
    return path


def start_loadtest_server(*args: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start tests/fixtures/loadtest/server.py on a free port: (process, base URL)."""
    import time

    port = free_port()
    script = FIXTURES / "loadtest" / "server.py"
    process = subprocess.Popen([PYTHON, str(script), str(port), *args], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while process.poll() is None and time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process, f"http://127.0.0.1:{port}"
        time.sleep(0.1)
    process.kill()
    process.wait()
    raise RuntimeError(f"the loadtest fixture server did not listen on {port}")


@pytest.fixture(scope="module")
def loadtest_server() -> Iterator[str]:
    """Base URL of a running loadtest fixture server (a FastMCP server with one tool per outcome)."""
    process, base = start_loadtest_server()
    yield base
    stop_process(process)


class HttpServer:
    """A server script started over HTTP with ``PORT`` set; its stderr goes to ``log``."""

    def __init__(self, script: Path, port: int, log: Path, process: subprocess.Popen[bytes]) -> None:
        self.script, self.port, self.log, self.process = script, port, log, process
        self.url = f"http://127.0.0.1:{port}/mcp"
        self.base = f"http://127.0.0.1:{port}"

    def stop(self) -> int:
        """SIGTERM, then SIGKILL after 10 s; returns the exit code."""
        return stop_process(self.process)


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[Callable[..., HttpServer]]:
    """Start a server script that reads PORT: ``http_server(script, cwd=..., env={...})``.

    Returns once the port accepts connections (or fails with the server's stderr); every
    server is stopped when the test ends.
    """
    import os
    import time

    started: list[HttpServer] = []

    def start(script: Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> HttpServer:
        port = free_port()
        log = tmp_path / f"{script.stem}-{port}.log"
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                [PYTHON, str(script)],
                cwd=cwd or tmp_path,
                env={**os.environ, **(env or {}), "PORT": str(port)},
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        server = HttpServer(script, port, log, process)
        started.append(server)
        deadline = time.monotonic() + 30
        while process.poll() is None and time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    return server
            time.sleep(0.05)
        server.stop()
        raise RuntimeError(f"{script.name} did not listen on {port}:\n{log.read_text()[-2000:]}")

    yield start
    for server in started:
        server.stop()
