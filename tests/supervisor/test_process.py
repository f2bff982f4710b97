"""Spawning pieces: command resolution, the port check, group stop (real processes and sockets)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from conftest import FIXTURES, free_port
from heady.supervisor import process


def test_python_runs_under_the_interpreter_heady_runs_under() -> None:
    assert process.resolve_command(["python", "-m", "x"], os.environ) == [sys.executable, "-m", "x"]
    assert process.resolve_command(["python3", "s.py"], os.environ)[0] == sys.executable


def test_commands_are_found_on_the_servers_path(tmp_path: Path) -> None:
    tool = tmp_path / "my-server"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    assert process.resolve_command(["my-server", "--flag"], {"PATH": str(tmp_path)}) == [str(tool), "--flag"]


def test_missing_commands_are_named_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(
        process.SpawnError, match=r"^command 'nope-heady' not found on PATH; install it or fix"
    ):
        process.resolve_command(["nope-heady"], os.environ)
    with pytest.raises(process.SpawnError, match="does not exist or is not executable"):
        process.resolve_command([str(tmp_path / "gone")], os.environ)


def test_port_holder_names_the_listening_process() -> None:
    port = free_port()
    assert process.port_holder(port) is None
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        assert process.port_holder(port) == f"pid {os.getpid()} ({psutil.Process().name()})"


async def test_stop_group_kills_children_that_ignore_sigterm(tmp_path: Path) -> None:
    child_file = tmp_path / "child.pid"
    spawned = await process.spawn(
        [sys.executable, str(FIXTURES / "supervisor_spawning_server.py")],
        env={**os.environ, "PORT": str(free_port()), "CHILD_PID_FILE": str(child_file)},
        cwd=tmp_path,
        stdin=False,
    )
    try:
        for _ in range(400):
            if child_file.exists() and child_file.read_text():
                break
            await asyncio.sleep(0.05)
        child = int(child_file.read_text())
        assert os.getpgid(child) == spawned.pid
    finally:
        await process.stop_group(spawned, grace=0.5)
    assert not process.group_alive(spawned.pid)
    assert not psutil.pid_exists(child) or psutil.Process(child).status() == psutil.STATUS_ZOMBIE


def test_groups_still_running_when_heady_exits_are_killed(tmp_path: Path) -> None:
    """Heady dying without stopping its servers (an error escaping the loop) leaves nothing behind."""
    pid_file = tmp_path / "server.pid"
    script = f"""
import asyncio, sys
from heady.supervisor import process

async def main():
    server = await process.spawn(
        [sys.executable, "-c", "import time; time.sleep(600)"], env={{}}, cwd={str(tmp_path)!r}, stdin=False
    )
    open({str(pid_file)!r}, "w").write(str(server.pid))
    raise RuntimeError("heady crashed")

asyncio.run(main())
"""
    crashed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert crashed.returncode == 1 and "heady crashed" in crashed.stderr
    server = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while psutil.pid_exists(server) and psutil.Process(server).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "the server outlived heady"
        time.sleep(0.05)
