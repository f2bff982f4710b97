"""HttpUpstream against 2025-era servers: one pooled session, translation, renewal, cancellation."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from upstream_support import (
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

from heady.gateway.upstream.base import JSON, CallContext, UpstreamError
from heady.gateway.upstream.http import HttpUpstream
from heady.gateway.upstream.legacy import LegacySession
from heady.protocol import jsonrpc

__all__ = ["servers", "upstreams"]


def session_of(upstream: HttpUpstream) -> LegacySession:
    assert upstream._legacy is not None
    return upstream._legacy


async def test_auto_falls_back_to_one_session_for_every_call(servers: Any, upstreams: Any) -> None:
    server = servers(echo_server("legacy"))
    upstream = await upstreams(HttpUpstream("old", server.url, limits()))
    status = upstream.status
    assert (status.state, status.protocol_version) == ("ready", "2025-11-25")
    assert status.server_info["name"] == "upstream-echo"
    session = session_of(upstream).session_id
    assert session
    answers = await asyncio.gather(
        *(upstream.call(tool_call(1, "echo", {"text": str(n)}), ctx()) for n in range(10))
    )
    assert [a["id"] for a in answers] == [
        1
    ] * 10  # every caller used id 1: rewritten on the way, restored after
    assert [text(a) for a in answers] == [str(n) for n in range(10)]
    assert session_of(upstream).session_id == session
    seen = (await upstream.call(tool_call(2, "headers"), ctx()))["result"]["structuredContent"]["result"]
    initializes = [h for h in seen if "mcp-session-id" not in h]
    assert len(initializes) == 2  # the refused discover probe and the one initialize
    assert {h.get("mcp-session-id") for h in seen[2:]} == {session}
    assert all(h.get("mcp-protocol-version") == "2025-11-25" for h in seen[2:])


async def test_results_are_translated_to_2026(servers: Any, upstreams: Any) -> None:
    server = servers(echo_server("legacy"))
    upstream = await upstreams(HttpUpstream("old", server.url, limits(), protocol="2025-11-25"))
    listed = await upstream.call(list_request("l"), ctx())
    result = listed["result"]
    assert (result["resultType"], result["ttlMs"], result["cacheScope"]) == ("complete", 0, "private")
    assert "echo" in {tool["name"] for tool in result["tools"]}
    called = await upstream.call(tool_call("c", "echo", {"text": "x"}), ctx())
    assert called["result"]["resultType"] == "complete" and "ttlMs" not in called["result"]


async def test_progress_tokens_are_rewritten_and_mapped_back(servers: Any, upstreams: Any) -> None:
    server = servers(echo_server("legacy"))
    upstream = await upstreams(HttpUpstream("old", server.url, limits()))
    relayed: dict[str, list[JSON]] = {"one": [], "two": []}

    async def run(slot: str) -> JSON:
        async def on_message(message: JSON) -> None:
            relayed[slot].append(message)

        request = tool_call(5, "progress", {"steps": 2}, {"progressToken": "same-token"})
        return await upstream.call(request, ctx(on_message=on_message))

    first, second = await asyncio.gather(run("one"), run("two"))
    assert text(first) == text(second) == "done 2"
    for slot in relayed:
        assert [m["params"]["progress"] for m in relayed[slot]] == [1, 2]
        assert {m["params"]["progressToken"] for m in relayed[slot]} == {"same-token"}


async def test_session_is_renewed_after_the_server_restarts(servers: Any, upstreams: Any) -> None:
    server = servers(echo_server("legacy"))
    upstream = await upstreams(HttpUpstream("old", server.url, limits()))
    before = session_of(upstream).session_id
    first_pid = (await upstream.call(tool_call(1, "pid"), ctx()))["result"]["structuredContent"]["result"]
    server.kill()
    server.start()
    response = await upstream.call(tool_call(2, "pid"), ctx())
    assert response["result"]["structuredContent"]["result"] != first_pid
    assert session_of(upstream).session_id not in (None, before)


async def test_timeout_sends_notifications_cancelled_in_the_session(servers: Any, upstreams: Any) -> None:
    server = servers(hanging_server(legacy=True))
    upstream = await upstreams(HttpUpstream("old-slow", server.url, limits()))
    assert upstream.status.protocol_version == "2025-11-25"
    with pytest.raises(UpstreamError) as failed:
        await upstream.call(tool_call("client-id", "hang"), ctx(timeout=0.3))
    assert failed.value.kind == "timeout" and "0.3s" in str(failed.value)
    seen_url = server.url.replace("/mcp", "/seen")

    async def cancelled() -> bool:
        seen = await fetch_json(seen_url)
        return (
            bool(seen["hung"]) and seen["cancelled"] == seen["hung"] and seen["disconnected"] == seen["hung"]
        )

    assert await eventually(cancelled)
    seen = await fetch_json(seen_url)
    assert seen["hung"] != ["client-id"]  # the server saw the session-local id, not the client's
    assert text(await upstream.call(tool_call("next", "fine"), ctx())) == "ok"


async def test_forced_2026_against_a_2025_server_is_a_clear_protocol_error(
    servers: Any, upstreams: Any
) -> None:
    server = servers(echo_server("legacy"))
    upstream = await upstreams(HttpUpstream("old", server.url, limits(), protocol="2026-07-28"))
    assert upstream.status.state == "down"
    assert "does not serve revision 2026-07-28" in upstream.status.detail


async def test_server_requests_during_a_call_are_refused_clearly(servers: Any, upstreams: Any) -> None:
    server = servers(echo_server("legacy"))
    upstream = await upstreams(HttpUpstream("old", server.url, limits()))
    response = await upstream.call(tool_call("e", "ask"), ctx())
    assert response["result"]["isError"] is True
    assert "the gateway does not relay 'elicitation/create' requests from a 2025-era server" in text(response)
    assert text(await upstream.call(tool_call("n", "echo", {"text": "still fine"}), ctx())) == "still fine"


async def test_server_requests_become_input_required_rounds(servers: Any, upstreams: Any) -> None:
    server = servers(echo_server("legacy"))
    upstream = await upstreams(HttpUpstream("old", server.url, limits()))
    capable = CallContext(timeout=10, max_response_bytes=1 << 20, client_capabilities={"elicitation": {}})
    first = await upstream.call(tool_call("r1", "ask"), capable)
    assert first["id"] == "r1"
    result = first["result"]
    assert result["resultType"] == "input_required"
    [(key, asked)] = result["inputRequests"].items()
    assert asked["method"] == "elicitation/create" and asked["params"]["message"] == "Your name?"
    retry = tool_call("r2", "ask")
    retry["params"]["inputResponses"] = {key: {"action": "accept", "content": {"value": "Ada"}}}
    retry["params"]["requestState"] = result["requestState"]
    final = await upstream.call(retry, capable)
    assert final["id"] == "r2" and text(final) == "Ada"
    again = await upstream.call(retry, capable)  # a requestState is good for one retry only
    assert (
        again["error"]["code"] == -32602 and "requestState is unknown or expired" in again["error"]["message"]
    )


async def test_an_unclaimed_input_round_expires(servers: Any, upstreams: Any) -> None:
    server = servers(echo_server("legacy"))
    upstream = await upstreams(HttpUpstream("old", server.url, limits()))
    capable = CallContext(timeout=1.5, max_response_bytes=1 << 20, client_capabilities={"elicitation": {}})
    first = await upstream.call(tool_call("r1", "ask"), capable)
    assert first["result"]["resultType"] == "input_required"
    bridge = session_of(upstream)._bridge
    assert len(bridge._parked) == 1

    async def expired() -> bool:
        return not bridge._parked

    assert await eventually(expired)
    retry = tool_call("r2", "ask")
    retry["params"]["requestState"] = first["result"]["requestState"]
    late = await upstream.call(retry, capable)
    assert late["error"]["code"] == -32602
    assert text(await upstream.call(tool_call("n", "echo", {"text": "fine"}), ctx())) == "fine"


async def test_listen_relays_the_sessions_change_notifications(servers: Any, upstreams: Any) -> None:
    server = servers(echo_server("legacy"))
    upstream = await upstreams(HttpUpstream("old", server.url, limits()))
    listen = jsonrpc.request("sub", "subscriptions/listen", {"notifications": {"toolsListChanged": True}})
    stream = upstream.listen(listen, ctx())
    first = asyncio.ensure_future(anext(stream))
    message = None
    for attempt in range(20):  # the GET stream opens when first awaited: announce until it carries one
        await upstream.call(tool_call(attempt, "announce"), ctx())
        with contextlib.suppress(TimeoutError):
            message = await asyncio.wait_for(asyncio.shield(first), 0.5)
            break
    assert message is not None and message["method"] == "notifications/tools/list_changed"
    await stream.aclose()
