"""No token passthrough: the client's Authorization and cookies never reach an upstream."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import httpx
import orjson
import pytest
from gateway_support import compose_for, modern_body, modern_headers, serve, wait_port

from conftest import FIXTURES, PYTHON, free_port, stop_process


@pytest.fixture
def header_echo() -> Iterator[int]:
    """tests/fixtures/upstream/echo_server.py over HTTP: its ``headers`` tool shows what it received."""
    port = free_port()
    proc = subprocess.Popen(
        [PYTHON, str(FIXTURES / "upstream" / "echo_server.py"), "http", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(port, proc)
        yield port
    finally:
        stop_process(proc)


async def test_client_credentials_stay_at_the_gateway_and_compose_headers_go_upstream(
    header_echo: int,
) -> None:
    servers = {
        "echo": {"url": f"http://127.0.0.1:{header_echo}/mcp", "headers": {"X-Api-Key": "from-compose"}}
    }
    async with serve(compose_for(servers)) as gw, httpx.AsyncClient() as client:
        secret = {"authorization": "Bearer client-token", "cookie": "session=client-cookie"}
        for tool in ("echo__echo", "echo__headers"):
            body = orjson.dumps(modern_body("tools/call", {"name": tool, "arguments": {}}))
            response = await client.post(
                gw.url, content=body, headers=modern_headers("tools/call", tool, **secret)
            )
            assert response.status_code == 200
        seen = response.json()["result"]["structuredContent"]["result"]
        assert seen, "the fixture saw no requests"
        for headers in seen:
            assert "authorization" not in headers and "cookie" not in headers
            assert "client-token" not in str(headers) and "client-cookie" not in str(headers)
        assert seen[-1].get("x-api-key") == "from-compose"
