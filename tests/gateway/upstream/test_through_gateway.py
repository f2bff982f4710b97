"""The whole path, as processes: a client -> `heady gateway` -> upstreams that echo the headers they got.

Proves no client Authorization header or cookie ever reaches an upstream (2026-07-28 and
2025-era), while the compose file's configured headers do.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
from upstream_support import echo_server, servers

from conftest import PYTHON, free_port
from heady.protocol import versions

__all__ = ["servers"]
CLIENT_SECRETS = {"authorization": "Bearer client-token-123", "cookie": "session=client-cookie"}


def call_tool(client: httpx.Client, url: str, tool: str) -> Any:
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": tool, "arguments": {}, "_meta": versions.modern_meta()},
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
    port = free_port()
    compose = tmp_path / "mcp-compose.yaml"
    compose.write_text(
        f"""
version: 1
gateway: {{listen: "127.0.0.1:{port}"}}
servers:
  new: {{url: "{modern.url}", headers: {{X-Upstream-Key: new-key}}}}
  old: {{url: "{legacy.url}", headers: {{X-Upstream-Key: old-key}}}}
"""
    )
    log = (tmp_path / "gateway.log").open("wb")
    gateway = subprocess.Popen(
        [str(Path(PYTHON).parent / "heady"), "gateway", "-f", str(compose)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        with httpx.Client(trust_env=False, timeout=30) as client:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if client.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            for server, key in (("new", "new-key"), ("old", "old-key")):
                url = f"http://127.0.0.1:{port}/servers/{server}/mcp"
                call_tool(client, url, "echo")
                seen = call_tool(client, url, "headers")["structuredContent"]["result"]
                assert len(seen) >= 3
                for headers in seen:
                    assert "authorization" not in headers and "cookie" not in headers
                    assert "client-token-123" not in str(headers) and "client-cookie" not in str(headers)
                    assert headers["x-upstream-key"] == key
    finally:
        gateway.terminate()
        try:
            gateway.wait(15)
        except subprocess.TimeoutExpired:
            gateway.kill()
            gateway.wait()
        log.close()
