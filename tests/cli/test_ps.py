"""`heady ps` reading the status file: no stack, a stale stack, a running stack (table and JSON)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from conftest import PYTHON
from heady.supervisor.statusfile import status_path, write_status

HEADY = str(Path(PYTHON).parent / "heady")


def ps(compose: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HEADY, "ps", "-f", str(compose), *args], capture_output=True, text=True, timeout=60
    )


def status(pid: int, state: str = "running") -> dict[str, object]:
    now = time.time()
    return {
        "project": "demo",
        "pid": pid,
        "state": state,
        "endpoint": "http://127.0.0.1:8080/mcp",
        "servers": [
            {
                "server": "notes",
                "replica": 0,
                "transport": "http",
                "state": "ready",
                "pid": 4242,
                "restarts": 2,
                "started_at": now - 3700,
                "last_health": {"ok": True, "detail": "notes 1.0, 2026-07-28", "at": now},
                "message": "",
            },
            {
                "server": "memory",
                "replica": 1,
                "transport": "stdio",
                "state": "crash-loop",
                "pid": None,
                "restarts": 5,
                "started_at": now - 30,
                "last_health": None,
                "message": "exited with code 1 while running; 5 restarts within 60s, not restarting",
            },
        ],
    }


def test_no_status_file_means_no_running_stack(tmp_path: Path) -> None:
    result = ps(tmp_path / "mcp-compose.yaml")
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: no running stack for {tmp_path / 'mcp-compose.yaml'}")
    assert "start it with 'heady up -f" in result.stderr


def test_a_status_left_by_a_dead_heady_up_is_not_reported_as_running(tmp_path: Path) -> None:
    compose = tmp_path / "mcp-compose.yaml"
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    write_status(status_path(compose), status(int(gone.stdout)))
    result = ps(compose)
    assert result.returncode == 1
    assert f"heady up, pid {int(gone.stdout)}, is not running" in result.stderr
    write_status(status_path(compose), status(os.getpid(), state="stopped"))
    assert ps(compose).returncode == 1


def test_running_stack_as_table_and_json(tmp_path: Path) -> None:
    compose = tmp_path / "mcp-compose.yaml"
    write_status(status_path(compose), status(os.getpid()))  # this test process stands in for heady up
    table = ps(compose)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0] == f"demo: http://127.0.0.1:8080/mcp (heady up pid {os.getpid()})"
    notes = next(line for line in lines if line.startswith("notes"))
    assert notes.split()[:6] == ["notes", "http", "ready", "4242", "2", "1h01m"]
    memory = next(line for line in lines if line.startswith("memory#1"))
    assert memory.split()[:6] == ["memory#1", "stdio", "crash-loop", "-", "5", "-"]
    assert "exited with code 1 while running" in " ".join(table.stdout.split())  # wrapped to the width

    doc = json.loads(ps(compose, "--json").stdout)
    assert [s["server"] for s in doc["servers"]] == ["notes", "memory"]
    assert 3700 <= doc["servers"][0]["uptime"] < 3760 and doc["servers"][1]["uptime"] is None
