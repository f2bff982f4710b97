"""A no-op MCP target: answers every POST at once, to measure the load generator's own ceiling.

``python -m heady.loadtest.noop PORT`` serves ``http://127.0.0.1:PORT/mcp``. It answers
``server/discover`` and ``tools/list`` (one tool, ``noop``) and every other request with
an empty successful tool result, in as little work as Python allows, so a run against it
is limited by the generator, not by the target.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys

import orjson

_TOOLS = {"tools": [{"name": "noop", "inputSchema": {"type": "object"}}]}
_DISCOVER = {"supportedVersions": ["2026-07-28"], "capabilities": {"tools": {}}}
_EMPTY = {"content": [], "isError": False}


def _answer(body: bytes) -> bytes:
    request = orjson.loads(body)
    method = request.get("method")
    if "id" not in request:
        return b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
    result = _TOOLS if method == "tools/list" else _DISCOVER if method == "server/discover" else _EMPTY
    if method == "initialize":
        result = {
            "protocolVersion": "2025-11-25",
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "noop"},
        }
    payload = orjson.dumps({"jsonrpc": "2.0", "id": request["id"], "result": result})
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
        len(payload),
        payload,
    )


async def _serve_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            writer.write(_answer(await reader.readexactly(length)))
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def serve(port: int, host: str = "127.0.0.1") -> None:
    server = await asyncio.start_server(_serve_connection, host, port)
    async with server:
        await server.serve_forever()


def main() -> None:
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: python -m heady.loadtest.noop PORT")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(int(sys.argv[1])))


if __name__ == "__main__":
    main()
