"""Error classification and both protocol revisions, against a real FastMCP server."""

from __future__ import annotations

import asyncio
import re

import pytest

from conftest import free_port
from heady.loadtest.http import Endpoint, parse_header
from heady.loadtest.mcp import LEGACY, MODERN, Client, TargetError, header_params, header_value, probe

REVISIONS = [MODERN, LEGACY]


def client(base: str, protocol: str, timeout: float = 5.0, path: str = "/mcp") -> Client:
    return Client(Endpoint.parse(base + path), protocol, timeout)


async def call_tool(c: Client, name: str, arguments: dict[str, object]) -> str | None:
    try:
        return await c.call("tools/call", {"name": name, "arguments": arguments}, name)
    finally:
        c.close()


@pytest.mark.parametrize("protocol", REVISIONS)
async def test_successful_call_has_no_error_kind(loadtest_server: str, protocol: str) -> None:
    assert await call_tool(client(loadtest_server, protocol), "add", {"a": 1, "b": 2}) is None


@pytest.mark.parametrize("protocol", REVISIONS)
async def test_tool_iserror_is_tool_error(loadtest_server: str, protocol: str) -> None:
    assert await call_tool(client(loadtest_server, protocol), "fail_tool", {}) == "tool_error"


@pytest.mark.parametrize("protocol", REVISIONS)
async def test_jsonrpc_error_is_classified_by_code(loadtest_server: str, protocol: str) -> None:
    c = client(loadtest_server, protocol)
    try:
        kind = await c.call("resources/read", {"uri": "x://missing"}, "x://missing")
    finally:
        c.close()
    assert kind == "jsonrpc_-32602"


async def test_http_503_without_jsonrpc_body_is_http_status(loadtest_server: str) -> None:
    c = client(loadtest_server, MODERN, path="/unavailable/mcp")
    assert await call_tool(c, "add", {"a": 1, "b": 2}) == "http_503"


async def test_legacy_handshake_failure_is_http_status(loadtest_server: str) -> None:
    c = client(loadtest_server, LEGACY, path="/unavailable/mcp")
    try:
        assert await c.start_session() == "http_503"
        assert c.needs_session
    finally:
        c.close()


@pytest.mark.parametrize("protocol", REVISIONS)
async def test_slow_call_is_timeout_and_the_connection_recovers(loadtest_server: str, protocol: str) -> None:
    c = client(loadtest_server, protocol, timeout=0.3)
    try:
        assert await c.call("tools/call", {"name": "sleep", "arguments": {"ms": 1500}}, "sleep") == "timeout"
        # The late answer must not be taken for the next call's.
        assert await c.call("tools/call", {"name": "add", "arguments": {"a": 1, "b": 1}}, "add") is None
    finally:
        c.close()


async def test_refused_connection_is_connection() -> None:
    c = client(f"http://127.0.0.1:{free_port()}", MODERN)
    assert await call_tool(c, "add", {}) == "connection"


async def test_legacy_session_is_made_once_and_reused(loadtest_server: str) -> None:
    c = client(loadtest_server, LEGACY)
    try:
        assert c.needs_session
        assert await c.start_session() is None
        session = c.session_id
        assert session
        for _ in range(3):
            assert await c.call("tools/call", {"name": "add", "arguments": {"a": 1, "b": 1}}, "add") is None
        assert c.session_id == session
    finally:
        c.close()


async def test_unknown_legacy_session_is_http_404_and_starts_over(loadtest_server: str) -> None:
    c = client(loadtest_server, LEGACY)
    c.session_id = "not-a-session"
    try:
        assert await c.call("tools/list", {}) == "http_404"
        assert c.needs_session
    finally:
        c.close()


async def test_probe_detects_the_revision_and_lists_tools(loadtest_server: str) -> None:
    info = await probe(loadtest_server + "/mcp", "auto", 5.0)
    assert info.protocol == MODERN
    assert {"echo", "add", "fail_tool", "sleep", "stall"} <= set(info.tools)
    legacy = await probe(loadtest_server + "/mcp", LEGACY, 5.0)
    assert legacy.protocol == LEGACY and "add" in legacy.tools


async def test_probe_of_a_closed_port_says_what_to_do() -> None:
    with pytest.raises(TargetError, match=r"cannot connect to 127\.0\.0\.1:\d+.*is the server running\?"):
        await probe(f"http://127.0.0.1:{free_port()}/mcp", "auto", 2.0)


async def test_probe_of_a_non_mcp_endpoint_says_so(loadtest_server: str) -> None:
    with pytest.raises(TargetError, match="is this an MCP endpoint"):
        await probe(loadtest_server + "/unavailable/mcp", MODERN, 2.0)


async def test_modern_requests_carry_the_spec_headers() -> None:
    """A raw server records what the client sends: headers mirror the body (2026-07-28)."""
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(
            next(
                v
                for k, _, v in (ln.partition(b":") for ln in head.split(b"\r\n"))
                if k.lower() == b"content-length"
            )
        )
        seen.append(head + await reader.readexactly(length))
        body = b'{"jsonrpc":"2.0","id":1,"result":{"content":[],"isError":false}}'
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
            % (len(body), body)
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        c = Client(
            Endpoint.parse(f"http://127.0.0.1:{port}/mcp"),
            MODERN,
            5.0,
            headers=(("Authorization", "Bearer t"),),
        )
        c.tool_headers = {"q": [(("region",), "Region")]}
        assert await call_tool(c, "q", {"region": "us-west1", "n": 1}) is None
    request = seen[0].decode()
    assert "MCP-Protocol-Version: 2026-07-28\r\n" in request
    assert "Mcp-Method: tools/call\r\n" in request
    assert "Mcp-Name: q\r\n" in request
    assert "Mcp-Param-Region: us-west1\r\n" in request
    assert "Authorization: Bearer t\r\n" in request
    assert '"io.modelcontextprotocol/protocolVersion":"2026-07-28"' in request
    assert "Mcp-Session-Id" not in request


@pytest.mark.parametrize(
    ("value", "header"),
    [
        ("us-west1", "us-west1"),
        ("Hello, 世界", "=?base64?SGVsbG8sIOS4lueVjA==?="),
        (" padded ", "=?base64?IHBhZGRlZCA=?="),
        ("line1\nline2", "=?base64?bGluZTEKbGluZTI=?="),
        ("=?base64?literal?=", "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="),
    ],
)
def test_header_values_follow_the_spec_encoding(value: str, header: str) -> None:
    assert header_value(value) == header


def test_header_params_are_found_only_through_properties() -> None:
    schema = {
        "type": "object",
        "properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "query": {"type": "string"},
            "opts": {
                "type": "object",
                "properties": {"tenant": {"type": "string", "x-mcp-header": "Tenant"}},
            },
            "list": {"type": "array", "items": {"type": "string", "x-mcp-header": "Nope"}},
        },
    }
    assert header_params(schema) == [(("region",), "Region"), (("opts", "tenant"), "Tenant")]


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("Authorization: Bearer abc", ("Authorization", "Bearer abc")), ("X-Tenant:blue", ("X-Tenant", "blue"))],
)
def test_command_line_headers_parse(text: str, parsed: tuple[str, str]) -> None:
    assert parse_header(text) == parsed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Authorization Bearer", "is not a header; write it as 'Name: value'"),
        ("Bad Name: x", "is not a header"),
        ("X-Evil: a\r\nHost: other", "is not a header"),
        ("Mcp-Method: tools/list", "Mcp-Method is set by heady loadtest itself"),
        ("content-length: 0", "is set by heady loadtest itself"),
    ],
)
def test_command_line_headers_that_would_corrupt_a_request_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_header(text)


async def test_sse_response_with_notifications_first(loadtest_server: str) -> None:
    """2025-11-25: FastMCP streams log notifications, then the result, on one SSE response."""
    c = client(loadtest_server, LEGACY)
    try:
        assert await c.start_session() is None
        assert await c.call("tools/call", {"name": "chatty", "arguments": {}}, "chatty") is None
        assert await c.call("tools/call", {"name": "fail_tool", "arguments": {}}, "fail_tool") == "tool_error"
    finally:
        c.close()


async def test_modern_sse_response_in_chunks() -> None:
    """2026-07-28 over SSE: a comment, a progress notification, then the response, chunked."""
    events = (
        b": keep-alive\r\n\r\n",
        b'event: message\r\ndata: {"jsonrpc":"2.0","method":"notifications/progress",'
        b'"params":{"progress":1}}\r\n\r\n',
        b'event: message\r\ndata: {"jsonrpc":"2.0","id":1,"result":{"content":[],"isError":true}}\r\n\r\n',
    )

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line[15:]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
        )
        await reader.readexactly(length)
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        for event in events:
            writer.write(b"%x\r\n%s\r\n" % (len(event), event))
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        c = Client(Endpoint.parse(f"http://127.0.0.1:{port}/mcp"), MODERN, 5.0)
        assert await call_tool(c, "t", {}) == "tool_error"  # the response, not the notification
