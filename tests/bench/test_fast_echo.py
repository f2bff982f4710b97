"""bench/backends/fast_echo.py is a correct MCP server for real clients of both protocol eras.

The peers benchmark puts the FastMCP proxy's client and ContextForge's in front of it, so
it must pass a real client's negotiation, not only Heady's requests.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastmcp import Client

from conftest import REPO, HttpServer

FAST_ECHO = REPO / "bench" / "backends" / "fast_echo.py"
HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_real_client_negotiates_lists_and_calls(
    http_server: Callable[..., HttpServer], mode: str
) -> None:
    server = http_server(FAST_ECHO)
    async with Client(server.url, mode=mode) as client:
        tools = await client.list_tools()
        result = await client.call_tool("echo", {"text": f"hello {mode}"})
    assert [tool.name for tool in tools] == ["echo"]
    assert result.is_error is False
    assert result.content[0].text == f"hello {mode}"  # type: ignore[union-attr]


def test_handshake_answers_the_asked_version_without_a_session(
    http_server: Callable[..., HttpServer],
) -> None:
    server = http_server(FAST_ECHO)
    body = {
        "jsonrpc": "2.0",
        "id": "a",
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"},
        },
    }
    response = httpx.post(server.url, json=body, headers=HEADERS)
    assert response.status_code == 200
    assert "mcp-session-id" not in response.headers
    assert response.json()["id"] == "a"
    assert response.json()["result"]["protocolVersion"] == "2025-06-18"


def test_notifications_other_methods_and_bad_bodies(http_server: Callable[..., HttpServer]) -> None:
    server = http_server(FAST_ECHO)
    with httpx.Client(headers=HEADERS) as http:
        note = http.post(server.url, json={"jsonrpc": "2.0", "method": "notifications/initialized"})
        assert (note.status_code, note.content) == (202, b"")
        unknown = http.post(server.url, json={"jsonrpc": "2.0", "id": 7, "method": "prompts/list"})
        assert unknown.json() == {
            "jsonrpc": "2.0",
            "id": 7,
            "error": {"code": -32601, "message": "Method not found: prompts/list"},
        }
        broken = http.post(server.url, content=b"{not json")
        assert broken.status_code == 400 and broken.json()["error"]["code"] == -32700
        stream = http.get(server.url)
        assert (stream.status_code, stream.headers["allow"]) == (405, "POST")
        ping = http.post(server.url, json={"jsonrpc": "2.0", "id": 8, "method": "ping"})
        assert ping.json() == {"jsonrpc": "2.0", "id": 8, "result": {}}
