"""HttpUpstream against real 2026-07-28 servers: FastMCP over HTTP and the hanging fixture."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from upstream_support import (
    ServerProcess,
    ctx,
    echo_server,
    eventually,
    fetch_json,
    hanging_server,
    limits,
    list_request,
    servers,
    text,
    tool_call,
    upstreams,
)

from heady.gateway.upstream.base import JSON, UpstreamError
from heady.gateway.upstream.breaker import CircuitBreaker
from heady.gateway.upstream.http import HttpUpstream
from heady.protocol import versions

__all__ = ["servers", "upstreams"]


async def test_discovers_the_server_and_forwards_calls(servers: Any, upstreams: Any) -> None:
    server = servers(echo_server())
    upstream = await upstreams(HttpUpstream("echo", server.url, limits()))
    status = upstream.status
    assert (status.state, status.protocol_version) == ("ready", versions.MODERN)
    assert status.server_info["name"] == "upstream-echo"
    assert "tools" in status.capabilities
    assert status.instructions == "Echoes what it gets."
    response = await upstream.call(tool_call("c-1", "echo", {"text": "hello"}), ctx())
    assert response["id"] == "c-1"
    assert text(response) == "hello"


async def test_calls_share_kept_alive_connections(servers: Any, upstreams: Any) -> None:
    server = servers(echo_server())
    upstream = await upstreams(HttpUpstream("echo", server.url, limits()))
    for n in range(30):
        assert text(await upstream.call(tool_call(n, "echo", {"text": str(n)}), ctx())) == str(n)
    assert upstream.pool.opened == 1
    answers = await asyncio.gather(
        *(upstream.call(tool_call(n, "echo", {"text": str(n)}), ctx()) for n in range(8))
    )
    assert [text(a) for a in answers] == [str(n) for n in range(8)]
    assert upstream.pool.opened <= 8


async def test_sends_configured_headers_and_the_2026_headers_only(servers: Any, upstreams: Any) -> None:
    server = servers(echo_server())
    configured = {"X-Api-Key": "from-compose", "X-Team": "heady"}
    upstream = await upstreams(HttpUpstream("echo", server.url, limits(), headers=configured))
    await upstream.call(tool_call(1, "echo", {"text": "a"}), ctx())
    seen = (await upstream.call(tool_call(2, "headers"), ctx()))["result"]["structuredContent"]["result"]
    assert len(seen) >= 3
    for headers in seen:
        assert headers["x-api-key"] == "from-compose" and headers["x-team"] == "heady"
        assert headers["mcp-protocol-version"] == versions.MODERN
        assert "authorization" not in headers and "cookie" not in headers
    methods = [(h["mcp-method"], h.get("mcp-name")) for h in seen]
    assert methods[0] == ("server/discover", None)
    assert ("tools/call", "echo") in methods and methods[-1] == ("tools/call", "headers")


async def test_progress_is_relayed_from_the_sse_stream(servers: Any, upstreams: Any) -> None:
    server = servers(echo_server())
    upstream = await upstreams(HttpUpstream("echo", server.url, limits()))
    relayed: list[JSON] = []

    async def on_message(message: JSON) -> None:
        relayed.append(message)

    request = tool_call(9, "progress", {"steps": 3}, {"progressToken": "client-token"})
    response = await upstream.call(request, ctx(on_message=on_message))
    assert text(response) == "done 3"
    assert [m["params"]["progress"] for m in relayed] == [1, 2, 3]
    assert {m["params"]["progressToken"] for m in relayed} == {"client-token"}
    assert text(await upstream.call(tool_call(10, "echo", {"text": "after"}), ctx())) == "after"


@pytest.mark.parametrize("streamed", [False, True])
async def test_response_over_the_limit_is_cut(servers: Any, upstreams: Any, streamed: bool) -> None:
    server = servers(echo_server())
    upstream = await upstreams(HttpUpstream("echo", server.url, limits()))
    meta = {"progressToken": "p"} if streamed else None  # a progress token makes FastMCP answer with SSE
    with pytest.raises(UpstreamError) as failed:
        await upstream.call(tool_call(1, "big", {"size": 200_000}, meta), ctx(max_bytes=50_000))
    assert failed.value.kind == "too_large" and failed.value.server == "echo"
    assert "max_response_bytes (50000 bytes)" in str(failed.value)
    small = await upstream.call(tool_call(2, "big", {"size": 100}, meta), ctx(max_bytes=50_000))
    assert text(small) == "x" * 100
    assert upstream.status.state == "ready"


async def test_timeout_fails_and_closes_the_upstream_stream(servers: Any, upstreams: Any) -> None:
    server = servers(hanging_server())
    upstream = await upstreams(HttpUpstream("slow", server.url, limits()))
    assert upstream.status.state == "ready"
    with pytest.raises(UpstreamError) as failed:
        await upstream.call(tool_call("h1", "hang"), ctx(timeout=0.3))
    assert failed.value.kind == "timeout"
    assert str(failed.value) == (
        "server 'slow': no answer within the timeout of 0.3s; the request was cancelled"
    )
    seen_url = server.url.replace("/mcp", "/seen")

    async def disconnected() -> bool:
        return "h1" in (await fetch_json(seen_url))["disconnected"]

    assert await eventually(disconnected)
    assert text(await upstream.call(tool_call("ok", "fine"), ctx())) == "ok"


async def test_beyond_the_queue_calls_are_refused_at_once(servers: Any, upstreams: Any) -> None:
    server = servers(hanging_server())
    upstream = await upstreams(HttpUpstream("slow", server.url, limits(max_in_flight=2, max_queue=1)))
    hung = [asyncio.create_task(upstream.call(tool_call(n, "hang"), ctx(timeout=30))) for n in range(3)]
    await asyncio.sleep(0.3)
    assert (upstream.limiter.in_flight, upstream.limiter.waiting) == (2, 1)
    with pytest.raises(UpstreamError) as failed:
        await upstream.call(tool_call(9, "hang"), ctx(timeout=30))
    assert failed.value.kind == "overloaded" and failed.value.retry_after is not None
    assert "max_in_flight, max_queue" in str(failed.value)
    for task in hung:
        task.cancel()
    await asyncio.gather(*hung, return_exceptions=True)
    assert (upstream.limiter.in_flight, upstream.limiter.waiting) == (0, 0)
    assert text(await upstream.call(tool_call(10, "fine"), ctx())) == "ok"


async def test_circuit_opens_fails_fast_then_closes_after_a_good_probe(servers: Any, upstreams: Any) -> None:
    server = servers(echo_server())
    breaker = CircuitBreaker(threshold=3, cooldown=0.5)
    upstream = await upstreams(HttpUpstream("echo", server.url, limits(), breaker=breaker))
    server.kill()
    for n in range(3):
        with pytest.raises(UpstreamError) as failed:
            await upstream.call(tool_call(n, "echo"), ctx())
        assert failed.value.kind == "unavailable"
    with pytest.raises(UpstreamError) as failed:
        await upstream.call(tool_call(3, "echo"), ctx())
    assert failed.value.kind == "circuit_open" and failed.value.retry_after is not None
    assert upstream.status.state == "circuit_open"
    await asyncio.sleep(0.6)  # cooldown over: the next call is the half-open probe
    with pytest.raises(UpstreamError) as failed:
        await upstream.call(tool_call(4, "echo"), ctx())
    assert failed.value.kind == "unavailable"  # the probe failed: open again
    assert breaker.state == "open"
    server.start()
    await asyncio.sleep(0.6)
    assert text(await upstream.call(tool_call(5, "echo", {"text": "back"}), ctx())) == "back"
    assert breaker.state == "closed" and upstream.status.state == "ready"


async def test_backend_killed_mid_call_fails_clearly_then_recovers(servers: Any, upstreams: Any) -> None:
    server = servers(echo_server())
    upstream = await upstreams(HttpUpstream("echo", server.url, limits()))
    call = asyncio.create_task(upstream.call(tool_call(1, "sleep", {"ms": 5000}), ctx()))
    await asyncio.sleep(0.5)
    server.kill()
    with pytest.raises(UpstreamError) as failed:
        await call
    assert failed.value.kind == "unavailable" and failed.value.server == "echo"
    assert str(failed.value).startswith("server 'echo': ")
    assert upstream.status.state == "down"
    server.start()
    assert text(await upstream.call(tool_call(2, "echo", {"text": "again"}), ctx())) == "again"
    assert upstream.status.state == "ready"


async def test_absent_server_is_down_then_ready_when_it_comes(upstreams: Any) -> None:
    server = ServerProcess(echo_server())
    upstream = await upstreams(HttpUpstream("late", server.url, limits()))
    assert upstream.status.state == "down"
    assert "cannot connect" in upstream.status.detail
    try:
        server.start()

        async def ready() -> bool:
            return upstream.status.state == "ready"

        assert await eventually(ready)
        assert upstream.status.protocol_version == versions.MODERN
    finally:
        server.kill()


async def test_lists_pass_through(servers: Any, upstreams: Any) -> None:
    server = servers(echo_server())
    upstream = await upstreams(HttpUpstream("echo", server.url, limits()))
    listed = await upstream.call(list_request("l"), ctx())
    names = {tool["name"] for tool in listed["result"]["tools"]}
    assert {"echo", "progress", "sleep", "big", "headers", "pid"} <= names


async def test_a_server_that_never_answers_the_handshake_is_down(upstreams: Any) -> None:
    async def accept_and_ignore(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # reads the request, never answers
        writer.close()

    silent = await asyncio.start_server(accept_and_ignore, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    try:
        upstream = await upstreams(HttpUpstream("mute", f"http://127.0.0.1:{port}/mcp", limits(timeout=0.5)))
        assert upstream.status.state == "down"
        assert upstream.status.detail == "no answer to the handshake within 0.5s"
    finally:
        silent.close()


async def test_x_mcp_header_parameters_are_mirrored(servers: Any, upstreams: Any) -> None:
    server = servers(echo_server())
    upstream = await upstreams(HttpUpstream("echo", server.url, limits()))
    # Not listed yet: the server answers HeaderMismatch, the upstream re-reads tools/list and retries.
    first = await upstream.call(tool_call(1, "regional", {"region": "eu-west"}), ctx())
    assert text(first) == "eu-west"
    second = await upstream.call(tool_call(2, "regional", {"region": "région"}), ctx())
    assert text(second) == "région"
    seen = (await upstream.call(tool_call(3, "headers"), ctx()))["result"]["structuredContent"]["result"]
    regional = [h for h in seen if h.get("mcp-name") == "regional"]
    assert [h.get("mcp-param-region") for h in regional] == [None, "eu-west", "=?base64?csOpZ2lvbg==?="]


async def test_a_server_that_wants_credentials_says_where_to_put_them(servers: Any, upstreams: Any) -> None:
    server = servers(hanging_server(key="s3cret"))
    without = await upstreams(HttpUpstream("locked", server.url, limits()))
    assert without.status.state == "down"
    assert without.status.detail == (
        "answered HTTP 401 to the gateway: it wants credentials; "
        "set them under the server's headers: in mcp-compose.yaml"
    )
    with_key = await upstreams(HttpUpstream("locked", server.url, limits(), headers={"X-Api-Key": "s3cret"}))
    assert with_key.status.state == "ready"
    assert text(await with_key.call(tool_call(1, "fine"), ctx())) == "ok"


async def test_many_concurrent_calls_stay_within_in_flight_connections(servers: Any, upstreams: Any) -> None:
    server = servers(echo_server())
    upstream = await upstreams(HttpUpstream("echo", server.url, limits(max_in_flight=8, max_queue=500)))
    calls = [upstream.call(tool_call(n, "echo", {"text": f"t{n}"}), ctx(timeout=60)) for n in range(200)]
    answers = await asyncio.gather(*calls)
    assert [text(a) for a in answers] == [f"t{n}" for n in range(200)]
    assert [a["id"] for a in answers] == list(range(200))
    assert upstream.pool.opened <= 9  # 8 in flight, plus the discover probe's connection at most
