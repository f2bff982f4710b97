"""Cancellation from 2025-era clients and the draining shutdown, on a served gateway."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
from gateway_support import alpha, compose_for, rpc, serve

from heady.gateway.upstream.pool import UpstreamPool

__all__ = ["alpha"]

LEGACY = {"content-type": "application/json", "accept": "application/json"}


def message(method: str, params: dict[str, object], request_id: int | None = None) -> bytes:
    body: dict[str, object] = {"jsonrpc": "2.0", "method": method, "params": params}
    if request_id is not None:
        body["id"] = request_id
    return orjson.dumps(body)


async def test_notifications_cancelled_ends_the_matching_request(alpha: int) -> None:
    async with serve(compose_for({"alpha": alpha})) as gw, httpx.AsyncClient(timeout=30) as client:
        init = message(
            "initialize",
            {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"},
            },
            0,
        )
        sid = (await client.post(gw.url, content=init, headers=LEGACY)).headers["mcp-session-id"]
        session = {**LEGACY, "mcp-session-id": sid}
        slow = asyncio.create_task(
            client.post(
                gw.url,
                content=message("tools/call", {"name": "alpha__sleep", "arguments": {"ms": 20_000}}, 42),
                headers=session,
            )
        )
        for _ in range(200):
            if gw.gateway._inflight:
                break
            await asyncio.sleep(0.01)
        assert list(gw.gateway._inflight) == [(gw.gateway.signer.verify(sid).nonce, 42)]  # type: ignore[union-attr]
        cancel = await client.post(
            gw.url,
            content=message("notifications/cancelled", {"requestId": 42, "reason": "user"}),
            headers=session,
        )
        assert cancel.status_code == 202
        response = await asyncio.wait_for(slow, 10)  # long before the 20 s sleep would end
        assert response.json()["error"]["code"] == -32800
        assert not gw.gateway._inflight
        still = await client.post(
            gw.url,
            content=message("tools/call", {"name": "alpha__echo", "arguments": {"text": "ok"}}, 43),
            headers=session,
        )
        assert still.json()["result"]["content"][0]["text"] == "ok"


async def test_shutdown_drains_in_flight_requests(alpha: int) -> None:
    async with serve(compose_for({"alpha": alpha})) as gw, httpx.AsyncClient(timeout=30) as client:
        slow = asyncio.create_task(
            rpc(client, gw.url, "tools/call", {"name": "alpha__sleep", "arguments": {"ms": 800}})
        )
        for _ in range(200):
            if gw.gateway._active:
                break
            await asyncio.sleep(0.01)
        await gw.gateway.shutdown(drain=10)  # what the server's shutdown runs, in order
        response = await slow
        assert response.status_code == 200
        assert response.json()["result"]["content"][0]["text"] == "slept"
        ready = await client.get(gw.base + "/readyz")
        assert ready.status_code == 503  # a closing gateway leaves the load balancer's rotation


class Recording:
    """A real upstream that notes when the gateway closes it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.closed = 0

    @property
    def status(self) -> Any:
        return self.inner.status

    async def start(self) -> None:
        await self.inner.start()

    async def call(self, request: Any, ctx: Any) -> Any:
        return await self.inner.call(request, ctx)

    def listen(self, request: Any, ctx: Any) -> Any:
        return self.inner.listen(request, ctx)

    async def close(self) -> None:
        self.closed += 1
        await self.inner.close()


async def test_server_shutdown_closes_every_upstream_once(alpha: int) -> None:
    compose = compose_for({"alpha": alpha})
    upstreams = {name: Recording(u) for name, u in UpstreamPool(compose).items()}
    async with serve(compose, upstreams) as gw, httpx.AsyncClient() as client:
        ok = await rpc(client, gw.url, "tools/call", {"name": "alpha__echo", "arguments": {"text": "x"}})
        assert ok.status_code == 200
    assert [u.closed for u in upstreams.values()] == [1]
