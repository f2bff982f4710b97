"""heady.clients.formats: each client's real config format, for every auth style."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastmcp import Client
from fastmcp.client.transports import StdioTransport

from conftest import EXAMPLES, HttpServer
from heady.clients import CLIENTS, ClientError, client_configs
from heady.compose import ComposeFile

SERVERS = {"notes": {"command": ["python", "notes.py"], "port": 9101}, "memory": {"command": ["npx", "m"]}}


def compose(**gateway: Any) -> ComposeFile:
    return ComposeFile.model_validate({"project": "team", "gateway": gateway, "servers": SERVERS})


def documents(c: ComposeFile, **options: Any) -> dict[str, Any]:
    """Each client's document, after a round trip through its JSON text."""
    return {cfg.client.name: json.loads(cfg.text()) for cfg in client_configs(c, ["all"], **options)}


def test_open_gateway_gets_the_url_in_each_format() -> None:
    url = "http://127.0.0.1:8080/mcp"
    assert documents(compose()) == {
        "claude-desktop": {
            "mcpServers": {"team": {"command": "npx", "args": ["-y", "mcp-remote@0.15", url]}}
        },
        "claude-code": {"mcpServers": {"team": {"type": "http", "url": url}}},
        "cursor": {"mcpServers": {"team": {"url": url}}},
        "windsurf": {"mcpServers": {"team": {"serverUrl": url}}},
        "vscode": {"servers": {"team": {"type": "http", "url": url}}},
    }


def test_auth_on_adds_a_bearer_header_from_a_placeholder() -> None:
    url = "https://mcp.example.com/mcp"
    gateway = {"public_url": "https://mcp.example.com/", "auth": {"mode": "oidc", "issuer": "https://idp"}}
    docs = documents(compose(**gateway), token_env="TEAM_TOKEN")
    assert docs["claude-code"] == {
        "mcpServers": {
            "team": {"type": "http", "url": url, "headers": {"Authorization": "Bearer ${TEAM_TOKEN}"}}
        }
    }
    assert docs["cursor"] == {
        "mcpServers": {"team": {"url": url, "headers": {"Authorization": "Bearer ${env:TEAM_TOKEN}"}}}
    }
    assert docs["windsurf"] == {
        "mcpServers": {"team": {"serverUrl": url, "headers": {"Authorization": "Bearer ${env:TEAM_TOKEN}"}}}
    }
    assert docs["vscode"] == {
        "servers": {
            "team": {"type": "http", "url": url, "headers": {"Authorization": "Bearer ${input:heady-token}"}}
        },
        "inputs": [
            {
                "type": "promptString",
                "id": "heady-token",
                "description": "Access token for the Heady gateway",
                "password": True,
            }
        ],
    }
    # Claude Desktop cannot expand placeholders: mcp-remote runs the OAuth login instead.
    assert docs["claude-desktop"] == {
        "mcpServers": {"team": {"command": "npx", "args": ["-y", "mcp-remote@0.15", url]}}
    }


def test_oauth_style_gives_every_client_only_the_url() -> None:
    docs = documents(compose(auth={"mode": "builtin"}), auth="oauth")
    text = json.dumps(docs)
    assert "Authorization" not in text and "inputs" not in text
    assert docs["cursor"] == {"mcpServers": {"team": {"url": "http://127.0.0.1:8080/mcp"}}}


def test_notes_say_where_the_token_comes_from() -> None:
    configs = client_configs(compose(auth={"mode": "oidc"}), ["all"])
    notes = {c.client.name: " ".join(c.notes) for c in configs}
    assert "HEADY_TOKEN" in notes["claude-code"] and "HEADY_TOKEN" in notes["cursor"]
    assert "OAuth" in notes["claude-desktop"]
    assert all(not c.notes for c in client_configs(compose(), ["all"]))


def test_per_server_entries_point_at_each_server_endpoint() -> None:
    docs = documents(compose(listen="127.0.0.1:9000"), per_server=True)
    assert docs["claude-code"]["mcpServers"] == {
        "team": {"type": "http", "url": "http://127.0.0.1:9000/mcp"},
        "team-notes": {"type": "http", "url": "http://127.0.0.1:9000/servers/notes/mcp"},
        "team-memory": {"type": "http", "url": "http://127.0.0.1:9000/servers/memory/mcp"},
    }


@pytest.mark.parametrize(
    ("listen", "url", "allow_http"),
    [
        ("127.0.0.1:8080", "http://127.0.0.1:8080/mcp", False),
        ("[::1]:8080", "http://[::1]:8080/mcp", True),
        ("10.0.0.5:8080", "http://10.0.0.5:8080/mcp", True),
    ],
)
def test_mcp_remote_is_told_to_allow_plain_http_off_localhost(
    listen: str, url: str, allow_http: bool
) -> None:
    (config,) = client_configs(compose(listen=listen), ["claude-desktop"])
    args = config.document["mcpServers"]["team"]["args"]
    assert args[2] == url
    assert ("--allow-http" in args) is allow_http


def test_clients_are_chosen_by_name_in_table_order() -> None:
    chosen = client_configs(compose(), ["vscode", "cursor"])
    assert [c.client.name for c in chosen] == ["cursor", "vscode"]
    assert list(CLIENTS) == ["claude-desktop", "claude-code", "cursor", "windsurf", "vscode"]


@pytest.mark.parametrize(
    ("gateway", "options", "message"),
    [
        ({}, {"clients": ["emacs"]}, "--client emacs: not a client Heady knows"),
        ({}, {"auth": "header"}, "--auth header: gateway.auth.mode is none"),
        ({"auth": {"mode": "oidc"}}, {"auth": "none"}, "--auth none: gateway.auth.mode is oidc"),
        ({}, {"token_env": "MY-TOKEN"}, "--token-env 'MY-TOKEN': not an environment variable name"),
    ],
)
def test_bad_requests_name_the_option_and_the_fix(
    gateway: dict[str, Any], options: dict[str, Any], message: str
) -> None:
    clients = options.pop("clients", ["all"])
    with pytest.raises(ClientError, match=message):
        client_configs(compose(**gateway), clients, **options)


async def test_claude_desktop_entry_really_reaches_the_endpoint(
    http_server: Callable[..., HttpServer], tmp_path: Path
) -> None:
    """Run the generated command (npx mcp-remote) as Claude Desktop would, against a live endpoint."""
    endpoint = http_server(EXAMPLES / "servers" / "notes.py", env={"NOTES_DB": str(tmp_path / "n.db")})
    (config,) = client_configs(compose(listen=f"127.0.0.1:{endpoint.port}"), ["claude-desktop"])
    entry = config.document["mcpServers"]["team"]
    transport = StdioTransport(
        entry["command"], entry["args"], env={"MCP_REMOTE_CONFIG_DIR": str(tmp_path)}, keep_alive=False
    )
    async with Client(transport, timeout=120) as client:
        tools = {tool.name for tool in await client.list_tools()}
        added = await client.call_tool("add_note", {"title": "via mcp-remote"})
    assert "search_notes" in tools
    assert added.structured_content is not None and added.structured_content["title"] == "via mcp-remote"
