"""The HTTP readiness probe against real servers of both protocol eras."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from conftest import FIXTURES, PYTHON, free_port, stop_process
from heady.protocol.probe import ProbeError, probe_http


@pytest.fixture
def serve() -> Iterator[Callable[[str], str]]:
    """``serve("fixture.py")`` runs a fixture server on a free port; returns its MCP URL."""
    running: list[subprocess.Popen[bytes]] = []

    def start(fixture: str) -> str:
        port = free_port()
        proc = subprocess.Popen(
            [PYTHON, str(FIXTURES / fixture)],
            env={**os.environ, "PORT": str(port)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        running.append(proc)
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, f"{fixture} exited with {proc.returncode}"
            assert time.monotonic() < deadline, f"{fixture} never listened"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return f"http://127.0.0.1:{port}/mcp"
            except OSError:
                time.sleep(0.05)

    yield start
    for proc in running:
        stop_process(proc)


async def test_a_2026_server_answers_server_discover(serve: Callable[[str], str]) -> None:
    result = await probe_http(serve("supervisor_echo_server.py"), within=10)
    assert result.protocol_version == "2026-07-28"
    assert result.server_info is not None and result.server_info["name"] == "echo"
    assert "2026-07-28" in result.supported_versions
    assert "tools" in result.capabilities
    assert result.describe().startswith("echo ") and result.describe().endswith(", 2026-07-28")


async def test_a_2025_server_is_probed_with_initialize(serve: Callable[[str], str]) -> None:
    url = serve("supervisor_legacy_server.py")
    result = await probe_http(url, within=10)
    assert result.protocol_version == "2025-11-25"
    assert result.server_info is not None and result.server_info["name"] == "legacy"
    # once the era is known, health probes go straight to the handshake
    again = await probe_http(url, within=10, protocol="2025-11-25")
    assert again.protocol_version == "2025-11-25"


async def test_a_known_2026_server_is_not_downgraded(serve: Callable[[str], str]) -> None:
    url = serve("supervisor_legacy_server.py")
    with pytest.raises(ProbeError, match="server/discover answered HTTP 400 with error -32600"):
        await probe_http(url, within=10, protocol="2026-07-28")


async def test_the_probe_reuses_a_given_client_and_leaves_it_open(serve: Callable[[str], str]) -> None:
    url = serve("supervisor_echo_server.py")
    async with httpx.AsyncClient(trust_env=False) as client:
        await probe_http(url, within=10, client=client)
        assert not client.is_closed
        assert (await probe_http(url, within=10, client=client)).protocol_version == "2026-07-28"


async def test_nothing_listening_is_a_clear_probe_error() -> None:
    url = f"http://127.0.0.1:{free_port()}/mcp"
    with pytest.raises(ProbeError, match=f"^nothing accepts connections at {url}$"):
        await probe_http(url, within=5)


async def test_a_non_mcp_answer_says_what_came_back(serve: Callable[[str], str]) -> None:
    with pytest.raises(ProbeError, match=r"^initialize answered HTTP 503 with no result$"):
        await probe_http(serve("supervisor_never_ready_server.py"), within=5)


async def test_a_server_that_does_not_answer_in_time() -> None:
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/mcp"
        with pytest.raises(ProbeError, match=f"^no answer from {url} within 0.3s$"):
            await probe_http(url, within=0.3)
