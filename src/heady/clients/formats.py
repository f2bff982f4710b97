"""Each MCP client's config format, as a table: one row per client, all pointing at the gateway.

Every client gets one entry named after the compose ``project`` that points at the merged
endpoint (``/mcp``). When the gateway requires auth, clients that read headers from their
config get an ``Authorization`` header whose token comes from a placeholder the client fills
in itself (an environment variable or a secure prompt): Heady never writes a token to a file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from heady.compose.model import ComposeFile

AuthStyle = Literal["none", "header", "oauth"]
"""none: the gateway takes anonymous calls; header: a bearer token from a placeholder;
oauth: the client runs the OAuth login itself and needs only the URL."""

MCP_REMOTE = "mcp-remote@0.15"
VSCODE_INPUT = "heady-token"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ClientError(ValueError):
    """The request cannot produce a usable config; the message says what to change."""


@dataclass(frozen=True)
class Entry:
    """One server entry: its name in the client and the URL it reaches."""

    name: str
    url: str


@dataclass(frozen=True)
class ClientFormat:
    name: str
    title: str
    path: str
    """Where the file goes, relative to --out (project files keep their folder)."""
    install: str
    """Where the client reads it from, for the user."""
    servers_key: str
    entry: Callable[[Entry, AuthStyle, str], dict[str, Any]]
    top_level: Callable[[AuthStyle], dict[str, Any]] = lambda auth: {}
    note: Callable[[AuthStyle, str], str | None] = lambda auth, token_env: None


@dataclass
class ClientConfig:
    """The generated document for one client, ready to print or merge into its file."""

    client: ClientFormat
    document: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        return json.dumps(self.document, indent=2) + "\n"


def _bearer(placeholder: str, auth: AuthStyle) -> dict[str, Any]:
    return {"headers": {"Authorization": f"Bearer {placeholder}"}} if auth == "header" else {}


def _claude_desktop(entry: Entry, auth: AuthStyle, token_env: str) -> dict[str, Any]:
    # Claude Desktop's JSON config launches stdio servers only; mcp-remote bridges to HTTP and
    # runs the OAuth login when the gateway asks for one. It refuses plain http except on
    # localhost/127.0.0.1 unless told otherwise.
    args = ["-y", MCP_REMOTE, entry.url]
    parts = urlsplit(entry.url)
    if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1"):
        args.append("--allow-http")
    return {"command": "npx", "args": args}


def _claude_desktop_note(auth: AuthStyle, token_env: str) -> str | None:
    if auth == "none":
        return None
    return (
        "its config cannot read environment variables and Heady never writes a token into a file, "
        "so this entry signs in with OAuth through mcp-remote"
    )


def _claude_code(entry: Entry, auth: AuthStyle, token_env: str) -> dict[str, Any]:
    return {"type": "http", "url": entry.url, **_bearer("${" + token_env + "}", auth)}


def _cursor(entry: Entry, auth: AuthStyle, token_env: str) -> dict[str, Any]:
    return {"url": entry.url, **_bearer("${env:" + token_env + "}", auth)}


def _windsurf(entry: Entry, auth: AuthStyle, token_env: str) -> dict[str, Any]:
    return {"serverUrl": entry.url, **_bearer("${env:" + token_env + "}", auth)}


def _vscode(entry: Entry, auth: AuthStyle, token_env: str) -> dict[str, Any]:
    return {"type": "http", "url": entry.url, **_bearer("${input:" + VSCODE_INPUT + "}", auth)}


def _vscode_inputs(auth: AuthStyle) -> dict[str, Any]:
    if auth != "header":
        return {}
    prompt = {
        "type": "promptString",
        "id": VSCODE_INPUT,
        "description": "Access token for the Heady gateway",
        "password": True,
    }
    return {"inputs": [prompt]}


def _env_note(auth: AuthStyle, token_env: str) -> str | None:
    if auth != "header":
        return None
    return f"the token comes from the environment variable {token_env}; set it where the client starts"


def _vscode_note(auth: AuthStyle, token_env: str) -> str | None:
    if auth != "header":
        return None
    return "asks for the token once and keeps it in its secret storage"


CLIENTS: dict[str, ClientFormat] = {
    c.name: c
    for c in (
        ClientFormat(
            name="claude-desktop",
            title="Claude Desktop",
            path="claude_desktop_config.json",
            install=(
                "~/Library/Application Support/Claude/claude_desktop_config.json (macOS), "
                "%APPDATA%\\Claude\\claude_desktop_config.json (Windows)"
            ),
            servers_key="mcpServers",
            entry=_claude_desktop,
            note=_claude_desktop_note,
        ),
        ClientFormat(
            name="claude-code",
            title="Claude Code",
            path=".mcp.json",
            install=".mcp.json in the project root",
            servers_key="mcpServers",
            entry=_claude_code,
            note=_env_note,
        ),
        ClientFormat(
            name="cursor",
            title="Cursor",
            path=".cursor/mcp.json",
            install=".cursor/mcp.json in the project, or ~/.cursor/mcp.json for every project",
            servers_key="mcpServers",
            entry=_cursor,
            note=_env_note,
        ),
        ClientFormat(
            name="windsurf",
            title="Windsurf",
            path="mcp_config.json",
            install="~/.codeium/windsurf/mcp_config.json",
            servers_key="mcpServers",
            entry=_windsurf,
            note=_env_note,
        ),
        ClientFormat(
            name="vscode",
            title="VS Code",
            path=".vscode/mcp.json",
            install=".vscode/mcp.json in the workspace",
            servers_key="servers",
            entry=_vscode,
            top_level=_vscode_inputs,
            note=_vscode_note,
        ),
    )
}


def auth_style(compose: ComposeFile, requested: AuthStyle | None) -> AuthStyle:
    """The auth style to generate: none when the gateway is open, else the one asked for (header)."""
    mode = compose.gateway.auth.mode
    if mode == "none":
        if requested not in (None, "none"):
            raise ClientError(
                f"--auth {requested}: gateway.auth.mode is none, so the gateway takes no token; "
                "drop --auth or set gateway.auth.mode"
            )
        return "none"
    if requested == "none":
        raise ClientError(
            f"--auth none: gateway.auth.mode is {mode}, so clients must authenticate; "
            "use --auth header or --auth oauth"
        )
    return requested or "header"


def entries(compose: ComposeFile, per_server: bool = False) -> list[Entry]:
    """The project's merged endpoint, plus one entry per server when asked."""
    merged = compose.gateway.url
    found = [Entry(compose.project, merged)]
    if per_server:
        base = merged.removesuffix("/mcp")
        found += [
            Entry(f"{compose.project}-{name}", f"{base}/servers/{name}/mcp") for name in compose.servers
        ]
    return found


def client_configs(
    compose: ComposeFile,
    clients: Sequence[str],
    auth: AuthStyle | None = None,
    token_env: str = "HEADY_TOKEN",
    per_server: bool = False,
) -> list[ClientConfig]:
    """One config per client name (``all`` means every client), in the table's order."""
    unknown = [c for c in clients if c != "all" and c not in CLIENTS]
    if unknown:
        raise ClientError(
            f"--client {unknown[0]}: not a client Heady knows; use one of {', '.join(CLIENTS)} or all"
        )
    if not _ENV_NAME.match(token_env):
        raise ClientError(
            f"--token-env {token_env!r}: not an environment variable name; use letters, digits and _"
        )
    style = auth_style(compose, auth)
    wanted = list(CLIENTS) if "all" in clients else [c for c in CLIENTS if c in clients]
    found = entries(compose, per_server)
    configs = []
    for name in wanted:
        client = CLIENTS[name]
        document = {
            client.servers_key: {e.name: client.entry(e, style, token_env) for e in found},
            **client.top_level(style),
        }
        note = client.note(style, token_env)
        configs.append(ClientConfig(client, document, [note] if note else []))
    return configs
