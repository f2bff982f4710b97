"""Real clients against the served gateway: the official SDK in both modes, and fastmcp.Client."""

from __future__ import annotations

import pytest
from fastmcp import Client as FastMCPClient
from gateway_support import alpha, beta, compose_for, serve
from mcp import Client

__all__ = ["alpha", "beta"]


@pytest.mark.parametrize("mode", ["2026-07-28", "legacy", "auto"])
async def test_sdk_client_lists_and_calls_through_merged_endpoint(alpha: int, beta: int, mode: str) -> None:
    async with serve(compose_for({"alpha": alpha, "beta": beta})) as gw, Client(gw.url, mode=mode) as client:
        tools = await client.list_tools()
        names = [t.name for t in tools.tools]
        assert names[:2] == ["alpha__echo", "alpha__whoami"]
        assert "beta__add" in names
        result = await client.call_tool("beta__whoami", {})
        assert result.content[0].text == "beta"  # type: ignore[union-attr]
        added = await client.call_tool("alpha__add", {"a": 2, "b": 3})
        assert added.structured_content == {"sum": 5}
        prompts = await client.list_prompts()
        assert sorted(p.name for p in prompts.prompts) == ["alpha__greet", "beta__greet"]
        prompt = await client.get_prompt("beta__greet", {"who": "Ada"})
        assert "Hello Ada from beta" in prompt.messages[0].content.text  # type: ignore[union-attr]


@pytest.mark.parametrize("mode", ["2026-07-28", "legacy"])
async def test_sdk_client_on_single_server_endpoint(alpha: int, beta: int, mode: str) -> None:
    async with (
        serve(compose_for({"alpha": alpha, "beta": beta})) as gw,
        Client(f"{gw.base}/servers/beta/mcp", mode=mode) as client,
    ):
        names = [t.name for t in (await client.list_tools()).tools]
        assert "whoami" in names and "beta__whoami" not in names
        result = await client.call_tool("whoami", {})
        assert result.content[0].text == "beta"  # type: ignore[union-attr]


async def test_fastmcp_client(alpha: int, beta: int) -> None:
    async with serve(compose_for({"alpha": alpha, "beta": beta})) as gw, FastMCPClient(gw.url) as client:
        tools = await client.list_tools()
        assert {"alpha__echo", "beta__echo"} <= {t.name for t in tools}
        result = await client.call_tool("alpha__echo", {"text": "hi"})
        assert result.data == "hi"
        resources = await client.list_resources()
        assert "heady://alpha/memo://today" in [str(r.uri) for r in resources]
        contents = await client.read_resource("heady://beta/memo://today")
        assert contents[0].text == "memo of beta"  # type: ignore[union-attr]
