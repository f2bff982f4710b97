"""Helpers for the upstream tests: fixture servers that can be killed and restarted on their port."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest

from conftest import FIXTURES, PYTHON, free_port
from heady.compose.model import Limits
from heady.gateway.upstream.base import JSON, CallContext
from heady.gateway.upstream.guarded import GuardedUpstream
from heady.protocol import jsonrpc, versions

ECHO = FIXTURES / "upstream" / "echo_server.py"
HANGING = FIXTURES / "upstream" / "hanging_server.py"
RAW_STDIO = FIXTURES / "upstream" / "raw_stdio_server.py"


class ServerProcess:
    """A fixture server on a fixed free port: ``start()``, ``kill()``, ``start()`` again."""

    def __init__(self, argv: Callable[[int], list[str]]) -> None:
        self.port = free_port()
        self.argv = argv(self.port)
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{self.port}/mcp"

    def start(self) -> ServerProcess:
        self.process = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.argv} exited with {self.process.returncode}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        raise RuntimeError(f"{self.argv} did not listen on {self.port}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def echo_server(mode: str = "http") -> Callable[[int], list[str]]:
    return lambda port: [PYTHON, str(ECHO), mode, str(port)]


def hanging_server(legacy: bool = False, key: str | None = None) -> Callable[[int], list[str]]:
    flags = (["--legacy"] if legacy else []) + (["--require-key", key] if key else [])
    return lambda port: [PYTHON, str(HANGING), str(port), *flags]


def limits(**overrides: Any) -> Limits:
    return Limits(**{"timeout": 10, **overrides})


def ctx(timeout: float = 10, max_bytes: int = 1024 * 1024, on_message: Any = None) -> CallContext:
    return CallContext(timeout=timeout, max_response_bytes=max_bytes, on_message=on_message)


def tool_call(
    id: jsonrpc.RequestId, tool: str, arguments: JSON | None = None, meta: JSON | None = None
) -> JSON:
    """A canonical 2026-07-28 tools/call as the front hands it to an upstream."""
    params = {"name": tool, "arguments": arguments or {}, "_meta": {**versions.modern_meta(), **(meta or {})}}
    return jsonrpc.request(id, "tools/call", params)


def list_request(id: jsonrpc.RequestId, method: str = "tools/list") -> JSON:
    return jsonrpc.request(id, method, {"_meta": versions.modern_meta()})


def text(response: JSON) -> str:
    return str(response["result"]["content"][0]["text"])


async def fetch_json(url: str) -> Any:
    """GET ``url`` with a bare socket client (keeps the test independent of the code under test)."""
    host, port = url.split("//")[1].split("/")[0].split(":")
    path = "/" + url.split("//")[1].split("/", 1)[1]
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"GET {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n\r\n".encode())
    data = await reader.read()
    writer.close()
    return jsonrpc.loads(data.split(b"\r\n\r\n", 1)[1])


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 10) -> bool:
    """Poll ``check`` until it is true (bounded); for effects that land asynchronously."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.05)
    return False


@pytest.fixture
def servers() -> Iterator[Callable[[Callable[[int], list[str]]], ServerProcess]]:
    """Start fixture servers: ``servers(echo_server("legacy"))``; all are killed at the end."""
    started: list[ServerProcess] = []

    def start(argv: Callable[[int], list[str]]) -> ServerProcess:
        server = ServerProcess(argv)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.kill()


@pytest.fixture
async def upstreams() -> AsyncIterator[Callable[[GuardedUpstream], Awaitable[GuardedUpstream]]]:
    """Start upstreams (``await upstreams(HttpUpstream(...))``); all are closed at the end."""
    started: list[GuardedUpstream] = []

    async def start(upstream: GuardedUpstream) -> GuardedUpstream:
        started.append(upstream)
        await upstream.start()
        return upstream

    yield start
    for upstream in started:
        await upstream.close()
