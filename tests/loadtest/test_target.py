"""TARGET resolution: URLs, server names through the gateway or direct, and clear errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from heady.loadtest.mcp import TargetError
from heady.loadtest.target import resolve


@pytest.fixture
def compose(tmp_path: Path) -> Path:
    path = tmp_path / "mcp-compose.yaml"
    path.write_text(
        "version: 1\n"
        "gateway: {listen: '127.0.0.1:8765'}\n"
        "servers:\n"
        "  notes: {command: [python, -m, notes], port: 9101, slo: {latency_p99: 250ms}}\n"
        "  memory: {command: [npx, -y, '@modelcontextprotocol/server-memory']}\n"
    )
    return path


def test_server_name_goes_through_the_gateway(compose: Path) -> None:
    target = resolve("notes", compose)
    assert target.url == "http://127.0.0.1:8765/servers/notes/mcp"
    assert target.server == "notes"
    assert target.slo is not None and target.slo.latency_p99 == 0.25


def test_direct_goes_to_the_server_endpoint(compose: Path) -> None:
    assert resolve("notes", compose, direct=True).url == "http://127.0.0.1:9101/mcp"


def test_direct_to_a_stdio_server_is_refused_with_the_fix(compose: Path) -> None:
    with pytest.raises(TargetError, match=r"speaks stdio .* drop --direct"):
        resolve("memory", compose, direct=True)


def test_unknown_server_lists_the_names(compose: Path) -> None:
    with pytest.raises(TargetError, match=r"no server named 'nope' .*\(servers: memory, notes\)"):
        resolve("nope", compose)


def test_name_without_a_compose_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="is not a URL, and the compose file cannot be read"):
        resolve("notes", tmp_path / "mcp-compose.yaml")


def test_url_of_a_known_server_picks_up_its_slo(compose: Path) -> None:
    target = resolve("http://127.0.0.1:8765/servers/notes/mcp", compose)
    assert target.server == "notes" and target.slo is not None
    other = resolve("http://127.0.0.1:9999/mcp", compose)
    assert other.server is None and other.slo is None


def test_processes_come_from_the_heady_up_status_file(compose: Path) -> None:
    status = compose.parent / ".heady" / "status.json"
    status.parent.mkdir()
    status.write_text(
        json.dumps(
            {
                "pid": os.getpid(),
                "state": "running",
                "servers": [  # the supervisor's ReplicaStatus records
                    {"server": "notes", "replica": 0, "pid": 4242, "state": "ready"},
                    {"server": "memory", "replica": 0, "pid": 4343, "state": "ready"},
                    {"server": "memory", "replica": 1, "pid": 4444, "state": "ready"},
                    {"server": "slow", "replica": 0, "pid": None, "state": "failed"},
                ],
            }
        )
    )
    assert resolve("notes", compose).processes == {
        "heady up": os.getpid(),
        "notes": 4242,
        "memory": 4343,
        "memory#1": 4444,
    }
