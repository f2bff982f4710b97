"""examples/mcp-compose.yaml: it validates, and every name in it matches what its servers really list."""

from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatch
from pathlib import Path

from fastmcp import Client
from fastmcp.client.transports import StdioTransport

from conftest import EXAMPLES, HttpServer
from heady.compose import ServerConfig, load_compose

COMPOSE = EXAMPLES / "mcp-compose.yaml"


def named_tools(server: ServerConfig) -> set[str]:
    """Every tool name the file mentions for this server (risk, scopes, cache, limits)."""
    return {*server.risk.tools, *server.scopes.tools, *server.cache, *server.tool_limits}


def test_validates_with_the_fields_production_needs() -> None:
    compose = load_compose(COMPOSE)
    assert compose.gateway.listen == "127.0.0.1:8080"
    assert compose.gateway.url == "http://127.0.0.1:8080/mcp"
    assert list(compose.servers) == ["notes", "slow", "memory", "filesystem"]
    assert {n: s.transport for n, s in compose.servers.items()} == {
        "notes": "http",
        "slow": "http",
        "memory": "stdio",
        "filesystem": "stdio",
    }
    assert (compose.servers["notes"].port, compose.servers["slow"].port) == (9101, 9102)
    for name, server in compose.servers.items():
        assert server.description, name
        assert server.lifecycle.owner and server.lifecycle.purpose, name
        assert server.slo.latency_p99 is not None and server.slo.error_rate is not None, name
        assert server.restart == "on-failure" and server.timeout is not None, name
        assert server.scopes.server, name
    notes = compose.servers["notes"]
    assert notes.risk.tools["delete_note"] == "high"
    assert notes.scopes.tools["delete_note"] == ["notes:admin"]
    assert notes.cache["search_notes"].ttl == 5
    assert compose.servers["filesystem"].tools.include


def test_prod_overlay_turns_on_oauth_and_autoscaling() -> None:
    prod = load_compose(COMPOSE, env="prod")
    assert prod.gateway.auth.mode == "oidc"
    assert prod.gateway.url == "https://mcp.example.com/mcp"
    assert prod.servers["notes"].autoscale is not None and prod.servers["notes"].autoscale.min == 3


def test_launch_paths_exist_in_a_fresh_clone() -> None:
    compose = load_compose(COMPOSE)
    for name in ("notes", "slow"):
        server = compose.servers[name]
        assert server.command is not None and server.command[0] == "python"
        assert (compose.base_dir / (server.cwd or ".") / server.command[1]).is_file()
    filesystem = compose.servers["filesystem"]
    assert filesystem.command is not None
    assert (compose.base_dir / (filesystem.cwd or ".") / filesystem.command[-1]).is_dir()


async def test_notes_and_slow_list_every_tool_the_file_names(
    http_server: Callable[..., HttpServer], tmp_path: Path
) -> None:
    compose = load_compose(COMPOSE)
    for name in ("notes", "slow"):
        server = compose.servers[name]
        assert server.command is not None
        cwd = compose.base_dir / (server.cwd or ".")
        env = {**server.env, "NOTES_DB": str(tmp_path / "notes.db")}
        running = http_server(cwd / server.command[1], cwd=cwd, env=env)
        async with Client(running.url) as client:
            listed = {tool.name for tool in await client.list_tools()}
        assert named_tools(server) <= listed, name
        assert named_tools(server), name
        running.stop()


def stdio(server: ServerConfig, cwd: Path, env: dict[str, str]) -> StdioTransport:
    assert server.command is not None
    return StdioTransport(server.command[0], server.command[1:], env=env, cwd=str(cwd), keep_alive=False)


async def test_memory_server_runs_from_the_file(tmp_path: Path) -> None:
    compose = load_compose(COMPOSE)
    server = compose.servers["memory"]
    graph = tmp_path / "memory.jsonl"
    transport = stdio(server, compose.base_dir, {"MEMORY_FILE_PATH": str(graph)})
    async with Client(transport, timeout=120) as client:
        listed = {tool.name for tool in await client.list_tools()}
        entity = {"name": "heady", "entityType": "project", "observations": ["runs MCP servers"]}
        await client.call_tool("create_entities", {"entities": [entity]})
        found = await client.call_tool("search_nodes", {"query": "heady"})
    assert named_tools(server) <= listed
    assert "runs MCP servers" in str(found.structured_content or found.content)
    assert graph.is_file()


async def test_filesystem_server_serves_the_files_folder_read_only_through_the_filter() -> None:
    compose = load_compose(COMPOSE)
    server = compose.servers["filesystem"]
    cwd = compose.base_dir / (server.cwd or ".")
    async with Client(stdio(server, cwd, {}), timeout=120) as client:
        listed = {tool.name for tool in await client.list_tools()}
        readme = await client.call_tool("read_text_file", {"path": str(cwd / "files" / "README.md")})
        outside = await client.call_tool("read_text_file", {"path": str(COMPOSE)}, raise_on_error=False)
    include = server.tools.include or []
    visible = {tool for tool in listed if any(fnmatch(tool, pattern) for pattern in include)}
    assert all(any(fnmatch(tool, pattern) for tool in listed) for pattern in include)
    assert {"read_text_file", "list_directory", "search_files"} <= visible
    assert not visible & {"write_file", "edit_file", "move_file", "create_directory"}
    assert "Example files" in str(readme.content)
    assert outside.is_error
