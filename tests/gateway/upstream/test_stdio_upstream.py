"""StdioUpstream over real processes: FastMCP (2026-07-28), the npx memory server (2025), a recorder."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from upstream_support import ECHO, RAW_STDIO, ctx, limits, list_request, text, tool_call, upstreams

from conftest import PYTHON
from heady.gateway.upstream.base import UpstreamError
from heady.gateway.upstream.stdio import StdioUpstream
from heady.protocol import jsonrpc, versions
from heady.protocol.stdio import StdioChannel

__all__ = ["upstreams"]
Start = Callable[..., Awaitable[StdioChannel]]
MEMORY = ("npx", "-y", "@modelcontextprotocol/server-memory@2026.8.31")


async def test_replicas_are_used_in_turn(stdio_channels: Start, upstreams: Any) -> None:
    channels = [await stdio_channels(PYTHON, str(ECHO), "stdio", name=f"echo#{n}") for n in range(2)]
    upstream = await upstreams(StdioUpstream("echo", lambda: channels, limits()))
    status = upstream.status
    assert (status.state, status.protocol_version) == ("ready", versions.MODERN)
    assert status.server_info["name"] == "upstream-echo"
    pids = [
        (await upstream.call(tool_call(1, "pid"), ctx()))["result"]["structuredContent"]["result"]
        for _ in range(4)
    ]
    assert pids[0] != pids[1] and pids[:2] == pids[2:]
    assert text(await upstream.call(tool_call(2, "echo", {"text": "hi"}), ctx())) == "hi"


async def test_a_2025_process_gets_translated_results(stdio_channels: Start, upstreams: Any) -> None:
    channel = await stdio_channels(*MEMORY, name="memory")
    await channel.handshake(timeout=60)
    upstream = await upstreams(StdioUpstream("memory", lambda: [channel], limits()))
    assert upstream.status.protocol_version == "2025-11-25"
    listed = await upstream.call(list_request("l"), ctx())
    assert (listed["result"]["resultType"], listed["result"]["ttlMs"]) == ("complete", 0)
    entity = {"name": "gateway", "entityType": "component", "observations": ["pools upstreams"]}
    created = await upstream.call(tool_call("c", "create_entities", {"entities": [entity]}), ctx())
    assert created["id"] == "c" and created["result"]["resultType"] == "complete"
    graph = await upstream.call(tool_call("g", "read_graph"), ctx())
    assert "pools upstreams" in text(graph)


async def test_a_killed_process_fails_clearly_and_a_new_one_serves(
    stdio_channels: Start, upstreams: Any
) -> None:
    current = [await stdio_channels(PYTHON, str(ECHO), "stdio", name="echo")]
    upstream = await upstreams(StdioUpstream("echo", lambda: current, limits()))
    call = asyncio.create_task(upstream.call(tool_call(1, "sleep", {"ms": 5000}), ctx()))
    await asyncio.sleep(0.5)
    assert current[0].process is not None
    current[0].process.kill()
    with pytest.raises(UpstreamError) as failed:
        await call
    assert failed.value.kind == "unavailable"
    assert str(failed.value).startswith("server 'echo': stdio server 'echo' exited with code -9")
    current.clear()
    assert upstream.status.state == "down"
    with pytest.raises(UpstreamError, match="no process is running"):
        await upstream.call(tool_call(2, "echo"), ctx())
    restarted = await stdio_channels(PYTHON, str(ECHO), "stdio", name="echo")
    await restarted.handshake()
    current.append(restarted)
    assert upstream.status.state == "ready"
    assert text(await upstream.call(tool_call(3, "echo", {"text": "back"}), ctx())) == "back"


async def test_timeout_cancels_on_the_process(stdio_channels: Start, upstreams: Any) -> None:
    channel = await stdio_channels(PYTHON, str(RAW_STDIO), name="raw")
    upstream = await upstreams(StdioUpstream("raw", lambda: [channel], limits()))
    assert upstream.status.protocol_version == "2025-11-25"  # start() did the handshake
    with pytest.raises(UpstreamError) as failed:
        await upstream.call(jsonrpc.request(1, "hang", {"_meta": versions.modern_meta()}), ctx(timeout=0.2))
    assert failed.value.kind == "timeout"
    received = (await channel.request(jsonrpc.request(2, "received"), 5))["result"]["received"]
    hang = next(m for m in received if m.get("method") == "hang")
    assert "_meta" not in hang.get("params", {})  # 2026-only _meta keys stripped for a 2025 server
    assert received[-1] == {
        "jsonrpc": "2.0",
        "method": "notifications/cancelled",
        "params": {"requestId": hang["id"], "reason": "cancelled"},
    }


async def test_listen_relays_list_changed(stdio_channels: Start, upstreams: Any) -> None:
    channel = await stdio_channels(PYTHON, str(RAW_STDIO), name="raw")
    upstream = await upstreams(StdioUpstream("raw", lambda: [channel], limits()))
    stream = upstream.listen(jsonrpc.request(1, "subscriptions/listen", {}), ctx())
    first = asyncio.ensure_future(anext(stream))
    for attempt in range(20):  # the stream subscribes when first awaited: announce until it hears one
        await channel.request(jsonrpc.request(attempt, "announce"), 5)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(first), 0.5)
            break
    message = first.result()
    assert message["method"] == "notifications/tools/list_changed"
    await stream.aclose()


async def test_no_process_means_down(upstreams: Any) -> None:
    upstream = await upstreams(StdioUpstream("none", list, limits()))
    assert upstream.status.state == "down"
    with pytest.raises(UpstreamError) as failed:
        await upstream.call(tool_call(1, "echo"), ctx())
    assert failed.value.kind == "unavailable" and failed.value.server == "none"
