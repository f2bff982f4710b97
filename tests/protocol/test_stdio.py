"""StdioChannel against real processes: a FastMCP server, the npx memory server, and a recording fixture."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from conftest import FIXTURES, PYTHON
from heady.protocol import jsonrpc, versions
from heady.protocol.jsonrpc import JSON
from heady.protocol.stdio import ChannelClosed, RequestFailed, ResponseTooLarge, StdioChannel

Start = Callable[..., Awaitable[StdioChannel]]
ECHO = (PYTHON, str(FIXTURES / "upstream" / "echo_server.py"), "stdio")
RAW = (PYTHON, str(FIXTURES / "upstream" / "raw_stdio_server.py"))
MEMORY = ("npx", "-y", "@modelcontextprotocol/server-memory@2026.8.31")


def call(id: jsonrpc.RequestId, tool: str, arguments: JSON, meta: JSON | None = None) -> JSON:
    params: JSON = {"name": tool, "arguments": arguments, "_meta": {**versions.modern_meta(), **(meta or {})}}
    return jsonrpc.request(id, "tools/call", params)


async def test_fastmcp_handshake_discovers_2026(stdio_channels: Start) -> None:
    channel = await stdio_channels(*ECHO, name="echo")
    assert await channel.handshake() == versions.MODERN
    assert channel.server_info == {"name": "upstream-echo", "version": channel.server_info["version"]}
    assert "tools" in (channel.capabilities or {})
    assert channel.instructions == "Echoes what it gets."


async def test_concurrent_callers_with_the_same_id_get_their_own_answers(stdio_channels: Start) -> None:
    channel = await stdio_channels(*ECHO, name="echo")
    await channel.handshake()
    texts = [f"text-{n}" for n in range(20)]
    responses = await asyncio.gather(*(channel.request(call(1, "echo", {"text": t}), 10) for t in texts))
    assert [r["id"] for r in responses] == [1] * 20
    assert [r["result"]["content"][0]["text"] for r in responses] == texts
    assert channel.in_flight == 0


async def test_progress_reaches_the_caller_with_its_own_token(stdio_channels: Start) -> None:
    channel = await stdio_channels(*ECHO, name="echo")
    await channel.handshake()
    seen: dict[str, list[JSON]] = {"a": [], "b": []}

    async def run(token: str) -> JSON:
        async def relay(message: JSON) -> None:
            seen[token].append(message)

        request = call("same", "progress", {"steps": 3}, {"progressToken": token})
        return await channel.request(request, 10, on_message=relay)

    first, second = await asyncio.gather(run("a"), run("b"))
    assert first["result"]["content"][0]["text"] == second["result"]["content"][0]["text"] == "done 3"
    for token in ("a", "b"):
        assert [m["params"]["progress"] for m in seen[token]] == [1, 2, 3]
        assert {m["params"]["progressToken"] for m in seen[token]} == {token}


async def test_memory_server_is_2025_and_serves_tools(stdio_channels: Start) -> None:
    channel = await stdio_channels(*MEMORY, name="memory")
    assert await channel.handshake(timeout=60) == "2025-11-25"
    assert (channel.server_info or {}).get("name") == "memory-server"
    listed = await channel.request(jsonrpc.request("l", "tools/list", {}), 30)
    assert "create_entities" in {tool["name"] for tool in listed["result"]["tools"]}
    entity = {"name": "heady", "entityType": "project", "observations": ["runs MCP servers"]}
    created = await channel.request(call(7, "create_entities", {"entities": [entity]}), 30)
    assert created["id"] == 7
    assert "error" not in created and not created["result"].get("isError")
    graph = await channel.request(call(8, "read_graph", {}), 30)
    assert "runs MCP servers" in graph["result"]["content"][0]["text"]


async def test_auto_falls_back_to_initialize_on_a_legacy_error(stdio_channels: Start) -> None:
    channel = await stdio_channels(*RAW, name="raw")
    assert await channel.handshake() == "2025-11-25"
    received = (await channel.request(jsonrpc.request(1, "received"), 5))["result"]["received"]
    assert [m.get("method") for m in received] == [
        "server/discover",
        "initialize",
        "notifications/initialized",
    ]


async def test_forced_modern_protocol_fails_on_a_legacy_server(stdio_channels: Start) -> None:
    channel = await stdio_channels(*RAW, name="raw")
    with pytest.raises(RequestFailed) as failed:
        await channel.handshake(versions.MODERN)
    assert failed.value.code == jsonrpc.METHOD_NOT_FOUND


async def test_timeout_cancels_the_request_on_the_server(stdio_channels: Start) -> None:
    channel = await stdio_channels(*RAW, name="raw")
    with pytest.raises(TimeoutError):
        await channel.request(jsonrpc.request("mine", "hang"), 0.2)
    received = (await channel.request(jsonrpc.request(2, "received"), 5))["result"]["received"]
    hang, cancelled = received
    assert hang["method"] == "hang" and hang["id"] != "mine"
    assert cancelled["method"] == "notifications/cancelled"
    assert cancelled["params"]["requestId"] == hang["id"]
    assert channel.in_flight == 0


async def test_caller_cancellation_cancels_on_the_server(stdio_channels: Start) -> None:
    channel = await stdio_channels(*RAW, name="raw")
    task = asyncio.create_task(channel.request(jsonrpc.request(1, "hang"), 30))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    received = (await channel.request(jsonrpc.request(2, "received"), 5))["result"]["received"]
    assert received[-1]["method"] == "notifications/cancelled"
    assert received[-1]["params"]["requestId"] == received[0]["id"]


async def test_server_requests_ping_answered_others_refused(stdio_channels: Start) -> None:
    channel = await stdio_channels(*RAW, name="raw")
    answer = await channel.request(jsonrpc.request(1, "ask"), 5)
    ping, sampling = answer["result"]["replies"]
    assert ping == {"jsonrpc": "2.0", "id": "srv-ping", "result": {}}
    assert sampling["error"]["code"] == jsonrpc.METHOD_NOT_FOUND
    assert "sampling/createMessage" in sampling["error"]["message"]


async def test_registered_handler_answers_server_requests(stdio_channels: Start) -> None:
    channel = await stdio_channels(*RAW, name="raw")

    async def sample(message: JSON) -> JSON:
        return {"role": "assistant", "content": {"type": "text", "text": "hi"}, "model": "none"}

    channel.set_request_handler("sampling/createMessage", sample)
    answer = await channel.request(jsonrpc.request(1, "ask"), 5)
    assert answer["result"]["replies"][1]["result"]["content"]["text"] == "hi"


async def test_list_changed_goes_to_subscribers(stdio_channels: Start) -> None:
    channel = await stdio_channels(*RAW, name="raw")
    got: asyncio.Queue[JSON] = asyncio.Queue()
    unsubscribe = channel.subscribe(got.put)
    await channel.request(jsonrpc.request(1, "announce"), 5)
    message = await asyncio.wait_for(got.get(), 5)
    assert message["method"] == "notifications/tools/list_changed"
    unsubscribe()
    await channel.request(jsonrpc.request(2, "announce"), 5)
    await channel.request(jsonrpc.request(3, "received"), 5)
    assert got.empty()


async def test_progress_token_is_rewritten_on_the_wire(stdio_channels: Start) -> None:
    channel = await stdio_channels(*RAW, name="raw")
    seen: list[JSON] = []

    async def relay(message: JSON) -> None:
        seen.append(message)

    request = jsonrpc.request(1, "progress", {"_meta": {"progressToken": 42}})
    answer = await channel.request(request, 5, on_message=relay)
    assert answer["result"]["token_seen"] != 42
    assert [m["params"]["progressToken"] for m in seen] == [42, 42]


async def test_response_over_the_limit_fails(stdio_channels: Start) -> None:
    channel = await stdio_channels(*ECHO, name="echo")
    await channel.handshake()
    with pytest.raises(ResponseTooLarge):
        await channel.request(call(1, "big", {"size": 50_000}), 10, max_response_bytes=10_000)
    small = await channel.request(call(2, "big", {"size": 10}), 10, max_response_bytes=10_000)
    assert small["result"]["content"][0]["text"] == "x" * 10


async def test_process_exit_fails_pending_requests_and_closes(stdio_channels: Start) -> None:
    channel = await stdio_channels(*RAW, name="raw")
    hanging = asyncio.create_task(channel.request(jsonrpc.request(1, "hang"), 30))
    with pytest.raises(ChannelClosed, match="'raw' exited with code 3"):
        await channel.request(jsonrpc.request(2, "exit"), 10)
    with pytest.raises(ChannelClosed, match="'raw' exited with code 3"):
        await hanging
    assert channel.closed
    with pytest.raises(ChannelClosed):
        await channel.request(jsonrpc.request(3, "received"), 5)


async def test_messages_larger_than_a_pipe_read_arrive_whole(stdio_channels: Start) -> None:
    channel = await stdio_channels(*ECHO, name="echo")
    await channel.handshake()
    sizes = [3_000_000, 10, 700_000]
    answers = await asyncio.gather(*(channel.request(call(n, "big", {"size": n}), 30) for n in sizes))
    assert [len(a["result"]["content"][0]["text"]) for a in answers] == sizes
