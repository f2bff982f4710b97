"""Request controls at the front: body size, rate limits, the read-only result cache."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
from gateway_support import alpha, compose_for, initialize_body, modern_body, modern_headers, rpc, serve

__all__ = ["alpha"]


def echo_body(size: int) -> bytes:
    return orjson.dumps(modern_body("tools/call", {"name": "alpha__echo", "arguments": {"text": "x" * size}}))


async def test_too_large_by_content_length_and_while_streaming(alpha: int) -> None:
    async with (
        serve(compose_for({"alpha": alpha}, limits={"max_request_bytes": "4KiB"})) as gw,
        httpx.AsyncClient() as client,
    ):
        headers = modern_headers("tools/call", "alpha__echo")
        small = await client.post(gw.url, content=echo_body(100), headers=headers)
        assert small.status_code == 200
        big = await client.post(gw.url, content=echo_body(10_000), headers=headers)
        assert big.status_code == 413
        assert big.json()["error"]["code"] == -32004
        assert "4096" in big.json()["error"]["message"]

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the limit holds while reading
            body = echo_body(50_000)
            for i in range(0, len(body), 1000):
                yield body[i : i + 1000]

        streamed = await client.post(gw.url, content=chunks(), headers=headers)
        assert streamed.status_code == 413
        assert streamed.json()["error"]["code"] == -32004


async def test_tool_override_allows_a_bigger_body(alpha: int) -> None:
    servers: dict[str, Any] = {
        "alpha": {
            "url": f"http://127.0.0.1:{alpha}/mcp",
            "tool_limits": {"echo": {"max_request_bytes": "64KiB"}},
        }
    }
    async with (
        serve(compose_for(servers, limits={"max_request_bytes": "4KiB"})) as gw,
        httpx.AsyncClient() as client,
    ):
        ok = await client.post(
            gw.url, content=echo_body(10_000), headers=modern_headers("tools/call", "alpha__echo")
        )
        assert ok.status_code == 200
        assert len(ok.json()["result"]["content"][0]["text"]) == 10_000
        other = orjson.dumps(
            modern_body("tools/call", {"name": "alpha__whoami", "arguments": {"pad": "x" * 10_000}})
        )
        refused = await client.post(
            gw.url, content=other, headers=modern_headers("tools/call", "alpha__whoami")
        )
        assert refused.status_code == 413


async def test_rate_limit_per_client_answers_429_with_retry_after(alpha: int) -> None:
    async with (
        serve(compose_for({"alpha": alpha}, rate_limit={"rate": "1/m", "burst": 2})) as gw,
        httpx.AsyncClient() as client,
    ):
        statuses = [(await rpc(client, gw.url, "tools/list")).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        limited = await rpc(client, gw.url, "tools/list")
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.json()["error"]["code"] == -32005


async def test_new_sessions_do_not_buy_a_fresh_rate_limit_bucket(alpha: int) -> None:
    legacy = {"content-type": "application/json", "accept": "application/json"}
    listing = orjson.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    async with (
        serve(compose_for({"alpha": alpha}, rate_limit={"rate": "1/m", "burst": 2})) as gw,
        httpx.AsyncClient() as client,
    ):
        statuses = []
        for _ in range(3):  # each call from a brand-new session of the same client
            init = await client.post(gw.url, content=initialize_body(), headers=legacy)
            assert init.status_code == 200
            session = {**legacy, "mcp-session-id": init.headers["mcp-session-id"]}
            statuses.append((await client.post(gw.url, content=listing, headers=session)).status_code)
        assert statuses == [200, 200, 429]


async def test_rate_limit_per_tool(alpha: int) -> None:
    servers = {
        "alpha": {
            "url": f"http://127.0.0.1:{alpha}/mcp",
            "tool_limits": {"echo": {"rate_limit": {"rate": "1/m", "burst": 1, "per": "tool"}}},
        }
    }
    async with serve(compose_for(servers)) as gw, httpx.AsyncClient() as client:
        echo = {"name": "alpha__echo", "arguments": {"text": "a"}}
        assert (await rpc(client, gw.url, "tools/call", echo)).status_code == 200
        second = await rpc(client, gw.url, "tools/call", echo)
        assert second.status_code == 429
        assert "echo" in second.json()["error"]["message"]
        assert "retry-after" in second.headers
        other = await rpc(client, gw.url, "tools/call", {"name": "alpha__whoami", "arguments": {}})
        assert other.status_code == 200


async def test_cache_serves_read_only_tools_only(alpha: int) -> None:
    servers = {
        "alpha": {
            "url": f"http://127.0.0.1:{alpha}/mcp",
            "cache": {"tick": {"ttl": "60s"}, "bump": {"ttl": "60s"}},
        }
    }
    async with serve(compose_for(servers)) as gw, httpx.AsyncClient() as client:

        async def call(tool: str) -> Any:
            response = await rpc(client, gw.url, "tools/call", {"name": f"alpha__{tool}", "arguments": {}})
            return response.json()["result"]["structuredContent"]["result"]

        first = await call("tick")
        assert await call("tick") == first  # served from the cache: the server's counter did not move
        bumped = await call("bump")
        assert await call("bump") == bumped + 1  # bump is not read-only: never cached
        direct = await call("tick")
        assert direct == first
