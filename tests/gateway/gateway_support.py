"""Test support for the gateway front: fixture servers, a served gateway, raw 2026-07-28 requests."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import httpx
import orjson
import pytest

from conftest import FIXTURES, PYTHON, free_port, stop_process
from heady.compose.model import ComposeFile
from heady.gateway.app import Gateway
from heady.gateway.server import make_server
from heady.gateway.upstream.base import JSON, Upstream
from heady.state import MemoryStore, StateStore

MODERN = "2026-07-28"
META = {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientInfo": {"name": "test", "version": "1"},
    "io.modelcontextprotocol/clientCapabilities": {},
}


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"fixture server exited with {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"fixture server did not listen on {port} within {timeout}s")


@contextlib.contextmanager
def fixture_server(name: str, page_size: int | None = None) -> Iterator[int]:
    """Run tests/fixtures/gateway_server.py as ``name`` on a free port; yields the port."""
    port = free_port()
    args = [PYTHON, str(FIXTURES / "gateway_server.py"), name, str(port)]
    if page_size:
        args.append(str(page_size))
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, proc)
        yield port
    finally:
        stop_process(proc)


def compose_for(servers: Mapping[str, Any], **gateway: Any) -> ComposeFile:
    """A compose file of remote http servers: ``{name: port or url or full server dict}``."""
    spec: dict[str, Any] = {}
    for name, value in servers.items():
        if isinstance(value, int):
            spec[name] = {"url": f"http://127.0.0.1:{value}/mcp"}
        elif isinstance(value, str):
            spec[name] = {"url": value}
        else:
            spec[name] = value
    return ComposeFile.model_validate({"gateway": gateway, "servers": spec})


class Served:
    """A gateway served for real on a free loopback port."""

    def __init__(self, gateway: Gateway, port: int) -> None:
        self.gateway = gateway
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.url = f"{self.base}/mcp"


@contextlib.asynccontextmanager
async def serve(
    compose: ComposeFile,
    upstreams: Mapping[str, Upstream] | None = None,
    state: StateStore | None = None,
) -> AsyncIterator[Served]:
    from gateway_upstreams import upstreams_for

    port = free_port()
    gateway = Gateway(
        compose, upstreams if upstreams is not None else upstreams_for(compose), state or MemoryStore()
    )
    server = make_server(gateway, "127.0.0.1", port, signals=False, drain=5)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(500):
            if server.started:
                break
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        await gateway.started()
        yield Served(gateway, port)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


def modern_headers(method: str, name: str | None = None, **extra: str) -> dict[str, str]:
    headers = {
        "content-type": "application/json",
        "accept": "application/json, text/event-stream",
        "mcp-protocol-version": MODERN,
        "mcp-method": method,
    }
    if name is not None:
        headers["mcp-name"] = name
    headers.update(extra)
    return headers


def modern_body(method: str, params: JSON | None = None, request_id: Any = 1) -> JSON:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": method,
        "params": {**(params or {}), "_meta": dict(META)},
    }


def initialize_body(version: str = "2025-11-25", capabilities: JSON | None = None) -> bytes:
    """A 2025-era ``initialize`` request, the start of a session."""
    return orjson.dumps(
        {
            "jsonrpc": "2.0",
            "id": 0,
            "method": "initialize",
            "params": {
                "protocolVersion": version,
                "capabilities": capabilities or {},
                "clientInfo": {"name": "legacy-test", "version": "1.0"},
            },
        }
    )


async def rpc(
    client: httpx.AsyncClient, url: str, method: str, params: JSON | None = None, request_id: Any = 1
) -> httpx.Response:
    """POST one 2026-07-28 request with headers that match the body."""
    params = params or {}
    name = params.get("name") if method in ("tools/call", "prompts/get") else params.get("uri")
    return await client.post(
        url,
        content=orjson.dumps(modern_body(method, params, request_id)),
        headers=modern_headers(method, name if isinstance(name, str) else None),
    )


@pytest.fixture(scope="module")
def alpha() -> Iterator[int]:
    with fixture_server("alpha") as port:
        yield port


@pytest.fixture(scope="module")
def beta() -> Iterator[int]:
    with fixture_server("beta") as port:
        yield port


def answer(response: httpx.Response) -> Any:
    """The JSON-RPC response in a JSON body or as the last event of an SSE body."""
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        events = [orjson.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: ")]
        return events[-1]
    return response.json()
