"""A near-zero-cost MCP backend: one ``echo`` tool, answered from templates in C-speed paths.

For measuring what sits in front of a backend: with FastMCP behind it (≈ 2 ms per call)
a gateway's share is small and noisy; with this backend almost all CPU is the gateway's.

It is a correct, stateless streamable-HTTP MCP server for both protocol eras, so any
client can use it, not only Heady: 2026-07-28 (``server/discover``, then self-contained
requests) and the 2025-11-25 handshake (``initialize`` answered without a session id,
which that revision allows; notifications get 202). It answers ``ping``, ``tools/list``
(one ``echo`` tool) and ``tools/call`` (echoes ``arguments.text``) with JSON bodies,
copies the JSON-RPC id back, answers unknown methods with -32601, unparseable bodies
with -32700, and GET/DELETE with 405 (no server-to-client stream, no sessions).

Run: PORT=9100 .venv/bin/python bench/backends/fast_echo.py
"""

from __future__ import annotations

import asyncio
import os

import httptools
import orjson

try:
    import uvloop
except ImportError:  # pragma: no cover
    uvloop = None  # type: ignore[assignment]

MODERN = "2026-07-28"
HANDSHAKE = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")
_SERVER = {"name": "fast-echo", "version": "1"}
_META = {"io.modelcontextprotocol/serverInfo": _SERVER}
_DISCOVER = {
    "supportedVersions": [MODERN],
    "capabilities": {"tools": {"listChanged": False}},
    "cacheScope": "public",
    "ttlMs": 0,
    "resultType": "complete",
    "_meta": _META,
}
_TOOLS = {
    "tools": [
        {
            "name": "echo",
            "description": "Return the text unchanged.",
            "inputSchema": {
                "type": "object",
                "properties": {"text": {"type": "string"}},
                "required": ["text"],
            },
        }
    ],
    "cacheScope": "public",
    "ttlMs": 0,
    "resultType": "complete",
}


def _initialize(params: dict[str, object]) -> dict[str, object]:
    """The handshake answer: the client's version when this server knows it, else its latest."""
    asked = params.get("protocolVersion")
    version = asked if isinstance(asked, str) and asked in HANDSHAKE else HANDSHAKE[0]
    return {
        "protocolVersion": version,
        "capabilities": {"tools": {"listChanged": False}},
        "serverInfo": _SERVER,
    }


def answer(body: bytes) -> tuple[int, bytes]:
    """The HTTP status and JSON body for one POSTed JSON-RPC message (202 and no body for notifications)."""
    try:
        request = orjson.loads(body)
    except orjson.JSONDecodeError:
        request = None
    if not isinstance(request, dict) or not isinstance(request.get("method"), str):
        error = {"code": -32700, "message": "Parse error: the body is not one JSON-RPC request"}
        return 400, orjson.dumps({"jsonrpc": "2.0", "id": None, "error": error})
    if "id" not in request:
        return 202, b""
    method = request["method"]
    params = request.get("params") or {}
    result: object
    if method == "tools/call":
        text = str((params.get("arguments") or {}).get("text", ""))
        result = {"resultType": "complete", "content": [{"type": "text", "text": text}], "isError": False}
    elif method == "tools/list":
        result = _TOOLS
    elif method == "server/discover":
        result = _DISCOVER
    elif method == "initialize":
        result = _initialize(params)
    elif method == "ping":
        result = {}
    else:
        error = {"code": -32601, "message": f"Method not found: {method}"}
        return 200, orjson.dumps({"jsonrpc": "2.0", "id": request["id"], "error": error})
    return 200, orjson.dumps({"jsonrpc": "2.0", "id": request["id"], "result": result})


_REASONS = {200: b"OK", 202: b"Accepted", 400: b"Bad Request", 405: b"Method Not Allowed"}


class Server(asyncio.Protocol):
    def __init__(self) -> None:
        self.parser = httptools.HttpRequestParser(self)
        self.body: list[bytes] = []
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            assert self.transport is not None
            self.transport.close()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.parser.get_method() == b"POST":
            status, out = answer(b"".join(self.body))
        else:  # GET (no server-to-client stream) and DELETE (no sessions)
            status, out = 405, b""
        self.body.clear()
        assert self.transport is not None
        head = b"HTTP/1.1 %d %s\r\n" % (status, _REASONS[status])
        if status == 405:
            head += b"allow: POST\r\n"
        if out:
            head += b"content-type: application/json\r\n"
        self.transport.write(b"%scontent-length: %d\r\n\r\n%s" % (head, len(out), out))


async def main() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Server, "127.0.0.1", int(os.environ["PORT"]))
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    (uvloop.run if uvloop is not None else asyncio.run)(main())
