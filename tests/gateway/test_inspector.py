"""A non-Python client: the MCP Inspector CLI (npx) lists and calls tools through the merged endpoint."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import orjson
from gateway_support import alpha, beta, compose_for, serve

__all__ = ["alpha", "beta"]

INSPECTOR = "@modelcontextprotocol/inspector@0.15.0"


async def inspector(url: str, *args: str) -> Any:
    proc = await asyncio.create_subprocess_exec(
        "npx",
        "-y",
        INSPECTOR,
        "--cli",
        url,
        "--transport",
        "http",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "npm_config_yes": "true"},
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 180)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode == 0, err.decode()[-2000:]
    return orjson.loads(out)


async def test_inspector_cli_lists_and_calls_through_the_gateway(alpha: int, beta: int) -> None:
    async with serve(compose_for({"alpha": alpha, "beta": beta})) as gw:
        listed = await inspector(gw.url, "--method", "tools/list")
        names = [tool["name"] for tool in listed["tools"]]
        assert "alpha__echo" in names and "beta__whoami" in names
        called = await inspector(gw.url, "--method", "tools/call", "--tool-name", "beta__whoami")
        assert called["content"][0]["text"] == "beta"
        echoed = await inspector(
            gw.url, "--method", "tools/call", "--tool-name", "alpha__echo", "--tool-arg", "text=hi"
        )
        assert echoed["content"][0]["text"] == "hi"
