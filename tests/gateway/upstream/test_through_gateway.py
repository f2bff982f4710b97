"""The whole path, as processes: a client -> `heady gateway` -> upstream fixture servers.

Proves that no client Authorization header or cookie ever reaches an upstream (2026-07-28
and 2025-era) while the compose file's configured headers do, and that a 2025-era
server's elicitation reaches a 2026-07-28 client as an ``input_required`` round.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from upstream_support import echo_server, servers

from conftest import PYTHON, free_port, stop_process
from heady.protocol import versions

__all__ = ["servers"]
CLIENT_SECRETS = {"authorization": "Bearer client-token-123", "cookie": "session=client-cookie"}


@contextlib.contextmanager
def heady_gateway(tmp_path: Path, servers_yaml: str) -> Iterator[str]:
    """Run `heady gateway` on a free port for these servers; yields its base URL once ready."""
    port = free_port()
    compose = tmp_path / "mcp-compose.yaml"
    compose.write_text(f'version: 1\ngateway: {{listen: "127.0.0.1:{port}"}}\nservers:\n{servers_yaml}')
    base = f"http://127.0.0.1:{port}"
    with (tmp_path / "gateway.log").open("wb") as log:
        gateway = subprocess.Popen(
            [str(Path(PYTHON).parent / "heady"), "gateway", "-f", str(compose)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(f"{base}/readyz", trust_env=False).status_code == 200:
                        break
                time.sleep(0.1)
            yield base
        finally:
            stop_process(gateway, 15)


def call_tool(client: httpx.Client, url: str, tool: str, **params: Any) -> Any:
    """A 2026-07-28 tools/call carrying the client's own credentials; returns the result."""
    meta = versions.modern_meta(params.pop("capabilities", None))
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": tool, "arguments": {}, "_meta": meta, **params},
    }
    headers = {
        "accept": "application/json, text/event-stream",
        "mcp-protocol-version": versions.MODERN,
        "mcp-method": "tools/call",
        "mcp-name": tool,
        **CLIENT_SECRETS,
    }
    response = client.post(url, json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["result"]


def test_client_credentials_never_reach_upstreams(tmp_path: Path, servers: Any) -> None:
    modern = servers(echo_server())
    legacy = servers(echo_server("legacy"))
    upstreams = (
        f'  new: {{url: "{modern.url}", headers: {{X-Upstream-Key: new-key}}}}\n'
        f'  old: {{url: "{legacy.url}", headers: {{X-Upstream-Key: old-key}}}}\n'
    )
    with heady_gateway(tmp_path, upstreams) as base, httpx.Client(trust_env=False, timeout=30) as client:
        for server, key in (("new", "new-key"), ("old", "old-key")):
            url = f"{base}/servers/{server}/mcp"
            call_tool(client, url, "echo")
            seen = call_tool(client, url, "headers")["structuredContent"]["result"]
            assert len(seen) >= 3
            for headers in seen:
                assert "authorization" not in headers and "cookie" not in headers
                assert "client-token-123" not in str(headers) and "client-cookie" not in str(headers)
                assert headers["x-upstream-key"] == key


def test_a_2025_servers_elicitation_reaches_a_2026_client_as_input_required(
    tmp_path: Path, servers: Any
) -> None:
    legacy = servers(echo_server("legacy"))
    upstreams = f'  old: {{url: "{legacy.url}"}}\n'
    with heady_gateway(tmp_path, upstreams) as base, httpx.Client(trust_env=False, timeout=30) as client:
        url = f"{base}/mcp"
        capable = {"elicitation": {}}
        first = call_tool(client, url, "old__ask", capabilities=capable)
        assert first["resultType"] == "input_required"
        [(key, asked)] = first["inputRequests"].items()
        assert asked["method"] == "elicitation/create"
        answers = {key: {"action": "accept", "content": {"value": "Grace"}}}
        retry = {"inputResponses": answers, "requestState": first["requestState"]}
        final = call_tool(client, url, "old__ask", capabilities=capable, **retry)
        assert final["content"][0]["text"] == "Grace"
