"""Which HTTP client lets `heady loadtest` drive the most calls/s from one core?

Starts the no-op MCP target (``python -m heady.loadtest.noop``) pinned to CPU 1, then
from this process pinned to CPU 0 sends N keep-alive 2026-07-28 ``tools/call`` POSTs at
concurrency C with each client: the raw asyncio-streams client ``heady.loadtest.http``,
httpx and aiohttp. Reports calls/s and this process's CPU time per call. Bounded: N calls
per client. aiohttp is not a Heady dependency: ``.venv/bin/pip install aiohttp`` first.

Run: .venv/bin/python bench/loadtest_clients.py [N] [C]
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable

import aiohttp
import httpx
import orjson

from heady.loadtest.http import Connection, Endpoint

N = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
C = int(sys.argv[2]) if len(sys.argv) > 2 else 32
HEADERS = {"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "noop"}
META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28"}


def body(i: int) -> bytes:
    params = {"name": "noop", "arguments": {}, "_meta": META}
    return orjson.dumps({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": params})


async def drive(send: Callable[[int], Awaitable[bytes]]) -> None:
    counter = iter(range(N))

    async def lane() -> None:
        for i in counter:
            reply = orjson.loads(await send(i))
            assert reply["id"] == i

    await asyncio.gather(*(lane() for _ in range(C)))


async def raw(url: str) -> None:
    endpoint = Endpoint.parse(url)
    pool = [Connection(endpoint) for _ in range(C)]
    idle = list(pool)
    extra = "".join(f"{k}: {v}\r\n" for k, v in HEADERS.items()).encode()

    async def send(i: int) -> bytes:
        conn = idle.pop()
        try:
            return (await conn.post(body(i), extra)).body
        finally:
            idle.append(conn)

    await drive(send)
    for conn in pool:
        conn.close()


async def with_httpx(url: str) -> None:
    limits = httpx.Limits(max_connections=C, max_keepalive_connections=C)
    async with httpx.AsyncClient(limits=limits, headers=HEADERS) as client:

        async def send(i: int) -> bytes:
            return (
                await client.post(url, content=body(i), headers={"content-type": "application/json"})
            ).content

        await drive(send)


async def with_aiohttp(url: str) -> None:
    connector = aiohttp.TCPConnector(limit=C)
    async with aiohttp.ClientSession(connector=connector, headers=HEADERS) as session:

        async def send(i: int) -> bytes:
            headers = {"content-type": "application/json"}
            async with session.post(url, data=body(i), headers=headers) as response:
                return await response.read()

        await drive(send)


def main() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    target = subprocess.Popen(["taskset", "-c", "1", sys.executable, "-m", "heady.loadtest.noop", str(port)])
    os.sched_setaffinity(0, {0})
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        time.sleep(1.0)
        print(f"{N} keep-alive POSTs at concurrency {C}, generator on CPU 0, no-op target on CPU 1")
        print(f"{'client':<26}{'calls/s':>10}{'CPU us/call':>14}")
        for name, run in (
            ("heady.loadtest.http (raw)", raw),
            ("httpx", with_httpx),
            ("aiohttp", with_aiohttp),
        ):
            cpu, wall = time.process_time(), time.perf_counter()
            asyncio.run(run(url))
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            print(f"{name:<26}{N / wall:>10.0f}{1e6 * cpu / N:>14.1f}")
    finally:
        target.terminate()
        target.wait()


if __name__ == "__main__":
    main()
