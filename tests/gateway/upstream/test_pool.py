"""build_upstream and UpstreamPool from a real compose file: every kind, started and closed together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from upstream_support import ECHO, ctx, echo_server, servers, text, tool_call

from conftest import PYTHON
from heady.compose.loader import load_compose
from heady.compose.model import Limits, ServerConfig
from heady.gateway.upstream.http import HttpUpstream
from heady.gateway.upstream.pool import UpstreamPool, build_upstream
from heady.gateway.upstream.stdio import StdioUpstream
from heady.protocol.stdio import StdioChannel

__all__ = ["servers"]


def test_limits_come_from_the_server_over_the_gateway() -> None:
    server = ServerConfig(url="http://127.0.0.1:1/mcp", limits={"max_in_flight": 3, "max_queue": 0})
    upstream = build_upstream("remote", server, Limits(max_in_flight=100, max_queue=7), breaker_threshold=2)
    assert isinstance(upstream, HttpUpstream)
    assert (upstream.limiter.max_in_flight, upstream.limiter.max_queue) == (3, 0)
    assert upstream.breaker.threshold == 2


def test_a_stdio_server_needs_the_supervisors_channels() -> None:
    server = ServerConfig(command=["npx", "-y", "@modelcontextprotocol/server-memory"])
    with pytest.raises(ValueError, match=r"server 'memory' is a stdio server: .* run it with `heady up`"):
        build_upstream("memory", server, Limits())
    assert isinstance(build_upstream("memory", server, Limits(), channels=list), StdioUpstream)


async def test_pool_starts_and_closes_every_upstream(
    tmp_path: Path, servers: Any, stdio_channels: Any
) -> None:
    modern = servers(echo_server())
    legacy = servers(echo_server("legacy"))
    compose_file = tmp_path / "mcp-compose.yaml"
    compose_file.write_text(
        f"""
version: 1
servers:
  new:
    url: {modern.url}
    headers: {{X-Api-Key: k}}
  old:
    url: {legacy.url}
  local:
    command: [{PYTHON}, {ECHO}, stdio]
  absent:
    url: http://127.0.0.1:9/mcp
"""
    )
    compose = load_compose(compose_file)
    channel: StdioChannel = await stdio_channels(PYTHON, str(ECHO), "stdio", name="local")
    asked: list[str] = []

    def channels(name: str) -> list[StdioChannel]:
        asked.append(name)
        return [channel]

    pool = UpstreamPool(compose, channels)
    assert sorted(pool) == ["absent", "local", "new", "old"] and len(pool) == 4
    await pool.start()
    try:
        states = {name: (u.status.state, u.status.protocol_version) for name, u in pool.items()}
        assert states == {
            "new": ("ready", "2026-07-28"),
            "old": ("ready", "2025-11-25"),
            "local": ("ready", "2026-07-28"),
            "absent": ("down", None),
        }
        assert set(asked) == {"local"}
        for name in ("new", "old", "local"):
            assert text(await pool[name].call(tool_call(1, "echo", {"text": name}), ctx())) == name
    finally:
        await pool.close()
