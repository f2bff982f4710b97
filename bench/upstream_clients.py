"""Client CPU per upstream POST: heady's HTTP/1.1 pool vs httpx, httpcore and aiohttp.

Starts the FastMCP echo fixture on a free loopback port, then for each client sends N
2026-07-28 ``tools/call`` POSTs over one keep-alive connection (sequential; bounded count)
and reports this process's CPU time per request (user + system from ``getrusage``, / N)
and wall time.

Run: .venv/bin/python bench/upstream_clients.py [N] [--uvloop]   (the gateway runs on uvloop)
"""

from __future__ import annotations

import asyncio
import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import httpcore
import httpx
import orjson

from heady.compose.model import Limits
from heady.gateway.upstream.base import CallContext
from heady.gateway.upstream.http import HttpUpstream
from heady.gateway.upstream.http11 import ConnectionPool

REPO = Path(__file__).resolve().parent.parent
ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
N = int(ARGS[0]) if ARGS else 5000
UVLOOP = "--uvloop" in sys.argv
BODY = orjson.dumps(
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {
            "name": "echo",
            "arguments": {"text": "hello"},
            "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": {},
            },
        },
    }
)
HEADERS = {
    "content-type": "application/json",
    "accept": "application/json, text/event-stream",
    "mcp-protocol-version": "2026-07-28",
    "mcp-method": "tools/call",
    "mcp-name": "echo",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def heady(url: str) -> Callable[[], Awaitable[bytes]]:
    pool = ConnectionPool(url)
    head = pool.head("POST", list(HEADERS.items()))

    async def send() -> bytes:
        async with pool.request(head, body=BODY) as response:
            return await response.read()

    return send


async def heady_upstream(url: str) -> Callable[[], Awaitable[bytes]]:
    """The whole upstream hot path: breaker, limiter, timeout, headers, JSON in and out."""
    upstream = HttpUpstream("bench", url, Limits(), protocol="2026-07-28")
    await upstream.start()
    request = orjson.loads(BODY)
    ctx = CallContext(timeout=30, max_response_bytes=8 * 1024 * 1024)
    CLOSERS.append(upstream.close)

    async def send() -> bytes:
        return orjson.dumps(await upstream.call(request, ctx))

    return send


async def with_httpx(url: str) -> Callable[[], Awaitable[bytes]]:
    client = httpx.AsyncClient(headers=HEADERS)
    CLOSERS.append(client.aclose)

    async def send() -> bytes:
        return (await client.post(url, content=BODY)).content

    return send


async def with_httpcore(url: str) -> Callable[[], Awaitable[bytes]]:
    pool = httpcore.AsyncConnectionPool()
    headers = list(HEADERS.items())

    async def send() -> bytes:
        response = await pool.request("POST", url, headers=headers, content=BODY)
        return bytes(response.content)

    return send


async def with_aiohttp(url: str) -> Callable[[], Awaitable[bytes]]:
    session = aiohttp.ClientSession(headers=HEADERS)
    CLOSERS.append(session.close)

    async def send() -> bytes:
        async with session.post(url, data=BODY) as response:
            return await response.read()

    return send


Maker = Callable[[str], Awaitable[Callable[[], Awaitable[bytes]]]]
CLOSERS: list[Callable[[], Awaitable[object]]] = []


async def measure(name: str, make: Maker, url: str) -> None:
    send = await make(url)
    for _ in range(200):  # warm up
        assert b'"hello"' in await send()
    before, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    for _ in range(N):
        await send()
    after, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - wall
    user = (after.ru_utime - before.ru_utime) / N * 1e6
    system = (after.ru_stime - before.ru_stime) / N * 1e6
    print(
        f"{name:10s} CPU {user + system:7.1f} us/request (user {user:6.1f}, system {system:6.1f})"
        f"   wall {wall / N * 1e3:6.2f} ms/request"
    )


async def run(url: str, port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            await asyncio.sleep(0.1)
    loop = "uvloop" if UVLOOP else "asyncio"
    print(f"N={N} sequential POSTs per client, Python {sys.version.split()[0]}, {loop}, pid {os.getpid()}")
    clients: list[tuple[str, Maker]] = [
        ("heady", heady),
        ("upstream", heady_upstream),
        ("httpx", with_httpx),
        ("httpcore", with_httpcore),
        ("aiohttp", with_aiohttp),
    ]
    for name, make in clients:
        await measure(name, make, url)
    for close in CLOSERS:
        await close()


def main() -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(REPO / "tests/fixtures/upstream/echo_server.py"), "http", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/mcp"
        if UVLOOP:
            import uvloop

            uvloop.run(run(url, port))
        else:
            asyncio.run(run(url, port))
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
