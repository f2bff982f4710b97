"""The gateway service next to the supervisor: a backend killed mid-call, restarted, and served again."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from typing import Any

import httpx
from gateway_support import beta, compose_for, rpc

from conftest import FIXTURES, PYTHON, free_port
from heady.gateway.service import GatewayService
from heady.supervisor import Supervisor

__all__ = ["beta"]


async def wait_for(predicate: Any, seconds: float = 30.0, every: float = 0.1) -> None:
    for _ in range(int(seconds / every)):
        if await predicate():
            return
        await asyncio.sleep(every)
    raise AssertionError("condition not met in time")


async def test_backend_killed_mid_call_fails_that_call_and_comes_back(beta: int) -> None:
    alpha_port, gateway_port = free_port(), free_port()
    servers: dict[str, Any] = {
        "alpha": {
            "command": [PYTHON, str(FIXTURES / "gateway_server.py"), "alpha", str(alpha_port)],
            "port": alpha_port,
            "backoff": {"initial": "100ms"},
        },
        "beta": beta,
    }
    compose = compose_for(servers, listen=f"127.0.0.1:{gateway_port}")
    supervisor = Supervisor(compose, log=lambda label, line: None)
    stop = asyncio.Event()
    url = f"http://127.0.0.1:{gateway_port}/mcp"
    await supervisor.start()
    serving = asyncio.create_task(GatewayService(compose, supervisor).serve(stop))
    try:
        async with httpx.AsyncClient(timeout=30) as client:

            async def alpha_answers() -> bool:
                try:
                    response = await rpc(
                        client, url, "tools/call", {"name": "alpha__whoami", "arguments": {}}
                    )
                except httpx.TransportError:
                    return False
                return "result" in response.json()

            await wait_for(alpha_answers)
            pid = next(s.pid for s in supervisor.statuses() if s.server == "alpha")
            assert pid is not None
            slow = asyncio.create_task(
                rpc(client, url, "tools/call", {"name": "alpha__sleep", "arguments": {"ms": 10_000}})
            )
            await asyncio.sleep(0.5)
            os.kill(pid, signal.SIGKILL)
            failed = (await asyncio.wait_for(slow, 15)).json()
            assert "'alpha'" in failed["error"]["message"]  # a clear error naming the server, not a success

            other = await rpc(client, url, "tools/call", {"name": "beta__whoami", "arguments": {}})
            assert other.json()["result"]["content"][0]["text"] == "beta"

            # restarted by the supervisor, reconnected by the gateway (polled gently: every failed
            # call counts towards the circuit breaker)
            await wait_for(alpha_answers, every=1.0)
            new_pid = next(s.pid for s in supervisor.statuses() if s.server == "alpha")
            assert new_pid != pid
    finally:
        stop.set()
        await asyncio.wait_for(serving, 30)
        await supervisor.stop()


async def test_accepted_connections_get_tcp_nodelay() -> None:
    """Without it, an answer written in several pieces waits on Nagle's algorithm (~40 ms)."""
    from heady.gateway.service import bind

    port = free_port()
    seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(accepted, sock=bind("127.0.0.1", port))
    async with server:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(seen, 10) == 1
        writer.close()
