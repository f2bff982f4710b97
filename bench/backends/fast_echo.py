"""A near-zero-cost 2026-07-28 backend: answers every POST from a fixed template, in C-speed paths.

For measuring the gateway's own CPU per call: with FastMCP behind it (≈ 2 ms per call)
the gateway's share is small and noisy; with this backend almost all CPU is the
gateway's. It answers ``server/discover``, ``tools/list`` (one read-only ``echo`` tool)
and ``tools/call`` (echoes ``arguments.text``); the JSON-RPC id is copied back.

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

_DISCOVER = {
    "supportedVersions": ["2026-07-28"],
    "capabilities": {"tools": {}},
    "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "fast-echo", "version": "1"}},
}
_TOOLS = {
    "tools": [
        {
            "name": "echo",
            "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}},
            "annotations": {"readOnlyHint": False},
        }
    ]
}


def answer(body: bytes) -> bytes:
    request = orjson.loads(body)
    method = request.get("method")
    if method == "server/discover":
        result: object = _DISCOVER
    elif method == "tools/list":
        result = _TOOLS
    elif method == "tools/call":
        text = str((request["params"].get("arguments") or {}).get("text", ""))
        result = {"resultType": "complete", "content": [{"type": "text", "text": text}], "isError": False}
    else:
        return orjson.dumps(
            {"jsonrpc": "2.0", "id": request.get("id"), "error": {"code": -32601, "message": "no"}}
        )
    return orjson.dumps({"jsonrpc": "2.0", "id": request.get("id"), "result": result})


class Server(asyncio.Protocol):
    def __init__(self) -> None:
        self.parser = httptools.HttpRequestParser(self)
        self.body: list[bytes] = []
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        out = answer(b"".join(self.body))
        self.body.clear()
        assert self.transport is not None
        self.transport.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
            % (len(out), out)
        )


async def main() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Server, "127.0.0.1", int(os.environ["PORT"]))
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    (uvloop.run if uvloop is not None else asyncio.run)(main())
