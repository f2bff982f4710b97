"""The HTTP/1.1 keep-alive pool against a real uvicorn/FastMCP server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from upstream_support import echo_server, servers, tool_call

from heady.gateway.upstream.http11 import BodyTooLarge, ConnectionPool, HttpError
from heady.gateway.upstream.sse import SSEDecoder
from heady.protocol import jsonrpc, versions

__all__ = ["servers"]
HEADERS = [
    ("content-type", "application/json"),
    ("accept", "application/json, text/event-stream"),
    ("mcp-protocol-version", versions.MODERN),
    ("mcp-method", "tools/call"),
]


def body(text: str, meta: dict[str, Any] | None = None) -> bytes:
    return jsonrpc.dumps(tool_call(1, "echo", {"text": text}, meta))


async def test_one_connection_serves_many_requests(servers: Any) -> None:
    server = servers(echo_server())
    pool = ConnectionPool(server.url)
    head = pool.head("POST", HEADERS)
    try:
        for n in range(20):
            async with pool.request(head, b"mcp-name: echo\r\n", body(str(n))) as response:
                assert response.status == 200
                assert response.headers["content-type"] == "application/json"
                answer = jsonrpc.loads(await response.read())
            assert answer["result"]["content"][0]["text"] == str(n)
        assert pool.opened == 1
    finally:
        await pool.close()


async def test_chunked_sse_body_is_read_in_pieces(servers: Any) -> None:
    server = servers(echo_server())
    pool = ConnectionPool(server.url)
    head = pool.head("POST", HEADERS)
    request = jsonrpc.dumps(tool_call(1, "progress", {"steps": 2}, {"progressToken": "t"}))
    try:
        for _ in range(2):
            async with pool.request(head, b"mcp-name: progress\r\n", request) as response:
                assert response.headers["transfer-encoding"] == "chunked"
                decoder = SSEDecoder()
                events = [
                    jsonrpc.loads(data) async for chunk in response.chunks() for data in decoder.feed(chunk)
                ]
            assert [e.get("method") for e in events] == ["notifications/progress"] * 2 + [None]
        assert pool.opened == 1  # a stream read to its end leaves the connection reusable
    finally:
        await pool.close()


async def test_a_body_over_the_limit_closes_the_connection(servers: Any) -> None:
    server = servers(echo_server())
    pool = ConnectionPool(server.url)
    head = pool.head("POST", HEADERS)
    request = jsonrpc.dumps(tool_call(1, "big", {"size": 100_000}))
    try:
        with pytest.raises(BodyTooLarge):
            async with pool.request(head, b"mcp-name: big\r\n", request) as response:
                await response.read(1000)
        async with pool.request(head, b"mcp-name: echo\r\n", body("next")) as response:
            assert response.status == 200
            await response.read()
        assert pool.opened == 2
    finally:
        await pool.close()


async def test_a_connection_the_server_dropped_is_replaced(servers: Any) -> None:
    server = servers(echo_server())
    pool = ConnectionPool(server.url)
    head = pool.head("POST", HEADERS)
    try:
        async with pool.request(head, b"mcp-name: echo\r\n", body("one")) as response:
            await response.read()
        server.kill()
        with pytest.raises(HttpError, match=r"cannot connect to 127\.0\.0\.1:\d+"):
            async with pool.request(head, b"mcp-name: echo\r\n", body("none")):
                pass
        server.start()
        async with pool.request(head, b"mcp-name: echo\r\n", body("two")) as response:
            assert jsonrpc.loads(await response.read())["result"]["content"][0]["text"] == "two"
    finally:
        await pool.close()


def test_only_http_urls() -> None:
    with pytest.raises(ValueError, match="is not an http:// or https:// URL"):
        ConnectionPool("ftp://example/mcp")


async def test_a_server_closing_kept_alive_connections_costs_no_request() -> None:
    """Like a keep-alive timeout: the server answers, then closes the connection without saying so."""

    async def answer_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(
            next(line for line in head.split(b"\r\n") if line.startswith(b"content-length:")).split(b":")[1]
        )
        body = await reader.readexactly(length)
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
            % (len(body), body)
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer_once, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    pool = ConnectionPool(f"http://127.0.0.1:{port}/mcp")
    head = pool.head("POST", HEADERS)
    try:
        for n in range(5):
            async with pool.request(head, b"", body(str(n))) as response:
                assert response.status == 200
                assert jsonrpc.loads(await response.read())["params"]["arguments"]["text"] == str(n)
            await asyncio.sleep(0.05)
        assert pool.opened == 5
    finally:
        await pool.close()
        server.close()
        await server.wait_closed()


async def test_a_body_larger_than_the_read_buffer_is_read_whole(servers: Any) -> None:
    """Over 1 MiB unread the connection stops reading the socket; reading the body resumes it."""
    server = servers(echo_server())
    pool = ConnectionPool(server.url)
    head = pool.head("POST", HEADERS)
    request = jsonrpc.dumps(tool_call(1, "big", {"size": 3_000_000}))
    try:
        for _ in range(2):
            async with pool.request(head, b"mcp-name: big\r\n", request) as response:
                answer = jsonrpc.loads(await response.read(10_000_000))
            assert len(answer["result"]["content"][0]["text"]) == 3_000_000
        assert pool.opened == 1
    finally:
        await pool.close()


async def test_a_body_without_length_ends_when_the_server_closes() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n")
        writer.write(b'{"jsonrpc":"2.0",')
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(b'"id":1,"result":{}}')
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    pool = ConnectionPool(f"http://127.0.0.1:{port}/mcp")
    try:
        async with pool.request(pool.head("POST", HEADERS), b"", body("x")) as response:
            assert jsonrpc.loads(await response.read()) == {"jsonrpc": "2.0", "id": 1, "result": {}}
            assert not response.reusable
    finally:
        await pool.close()
        server.close()
        await server.wait_closed()


async def test_a_server_speaking_no_http_is_an_http_error() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
        await writer.drain()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    pool = ConnectionPool(f"http://127.0.0.1:{port}/mcp")
    try:
        with pytest.raises(HttpError, match=r"broke HTTP/1\.1"):
            async with pool.request(pool.head("POST", HEADERS), b"", body("x")):
                pass
    finally:
        await pool.close()
        server.close()
        await server.wait_closed()
