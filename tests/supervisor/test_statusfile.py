"""The status file heady up writes and heady ps reads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from heady.supervisor.statusfile import pid_alive, read_status, status_path, write_status


def test_status_lives_beside_the_compose_file(tmp_path: Path) -> None:
    assert status_path(tmp_path / "mcp-compose.yaml") == tmp_path / ".heady" / "status.json"


def test_written_status_reads_back_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = status_path(tmp_path / "mcp-compose.yaml")
    write_status(path, {"pid": 1, "servers": [{"server": "a", "state": "ready"}]})
    write_status(path, {"pid": 2, "servers": []})
    assert read_status(path) == {"pid": 2, "servers": []}
    assert [p.name for p in path.parent.iterdir()] == ["status.json"]


def test_missing_or_broken_status_reads_as_none(tmp_path: Path) -> None:
    path = tmp_path / "status.json"
    assert read_status(path) is None
    path.write_text("{not json")
    assert read_status(path) is None


def test_pid_alive() -> None:
    assert pid_alive(os.getpid())
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    assert not pid_alive(int(done.stdout))
    assert not pid_alive(None) and not pid_alive(0) and not pid_alive("12")
