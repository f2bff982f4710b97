"""`heady up` as a real subprocess: endpoint line, the gateway, `heady ps`, SIGTERM, nothing left running."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from conftest import FIXTURES, PYTHON, free_port, write_compose
from heady.protocol import versions

HEADY = str(Path(PYTHON).parent / "heady")
MEMORY = "@modelcontextprotocol/server-memory@2026.8.31"


class Up:
    """A running ``heady up`` whose output lines are collected as they come."""

    def __init__(self, compose: Path) -> None:
        self.proc = subprocess.Popen(
            [HEADY, "up", "-f", str(compose)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._lines: queue.Queue[str] = queue.Queue()
        for stream, sink in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=self._read, args=(stream, sink), daemon=True).start()

    def _read(self, stream: Any, sink: list[str]) -> None:
        for line in stream:
            sink.append(line.rstrip("\n"))
            self._lines.put(line)

    def wait_for(self, text: str, within: float = 120) -> str:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for line in [*self.out, *self.err]:
                if text in line:
                    return line
            try:
                self._lines.get(timeout=0.2)
            except queue.Empty:
                assert self.proc.poll() is None or any(text in ln for ln in self.out + self.err), (
                    f"heady up exited with {self.proc.returncode}:\n" + "\n".join(self.out + self.err)
                )
        raise AssertionError(f"{text!r} never appeared:\n" + "\n".join(self.out + self.err))

    def descendants(self) -> list[psutil.Process]:
        return psutil.Process(self.proc.pid).children(recursive=True)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


@pytest.fixture
def heady_up() -> Iterator[Any]:
    started: list[Up] = []

    def start(compose: Path) -> Up:
        up = Up(compose)
        started.append(up)
        return up

    yield start
    for up in started:
        family = up.descendants() if up.proc.poll() is None else []
        up.stop()
        for p in family:  # never leave anything behind, even when an assertion failed
            if p.is_running():
                p.kill()


def heady(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HEADY, *args], capture_output=True, text=True, timeout=60)


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    out = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def test_up_runs_the_stack_ps_shows_it_and_sigterm_stops_everything(heady_up: Any, tmp_path: Path) -> None:
    gateway = free_port()
    compose = write_compose(
        tmp_path,
        {
            "echo": {
                "command": ["python", str(FIXTURES / "supervisor_echo_server.py")],
                "port": free_port(),
                "healthcheck": {"interval": "100ms"},
            },
            "tools": {"command": ["python", str(FIXTURES / "supervisor_stdio_server.py")]},
            "memory": {"command": ["npx", "-y", MEMORY]},
            "broken": {
                "command": ["python", str(FIXTURES / "supervisor_crashing_server.py")],
                "port": free_port(),
                "restart": "no",
            },
        },
        project="uptest",
        gateway={"listen": f"127.0.0.1:{gateway}"},
    )
    up = heady_up(compose)
    line = up.wait_for("heady: endpoint")
    assert line == f"heady: endpoint http://127.0.0.1:{gateway}/mcp (3/4 server processes ready)"
    assert "error: server 'broken': exited with code 3 before it was ready" in up.err
    assert "broken | crashing at start: configuration is broken" in up.out
    assert "tools | stdio echo starting" in up.out

    # the gateway runs in the same process and reaches every ready server, stdio ones through
    # the supervisor's channels (it connects on its own schedule: wait, bounded, for all three)
    wanted = {"echo__echo", "tools__echo", "memory__create_entities"}
    names: set[str] = set()
    request = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": versions.modern_meta()}}
    deadline = time.monotonic() + 30
    while not wanted <= names and time.monotonic() < deadline:
        listed = httpx.post(
            f"http://127.0.0.1:{gateway}/mcp",
            json=request,
            headers={"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/list"},
            timeout=30,
        )
        names = {tool["name"] for tool in listed.json()["result"]["tools"]}
        time.sleep(0.2)
    assert wanted <= names
    assert not any(name.startswith("broken__") for name in names)

    ps = heady("ps", "-f", str(compose), "--json")
    assert ps.returncode == 0, ps.stderr
    doc = json.loads(ps.stdout)
    assert doc["pid"] == up.proc.pid and doc["project"] == "uptest" and doc["state"] == "running"
    states = {s["server"]: s["state"] for s in doc["servers"]}
    assert states == {"echo": "ready", "tools": "ready", "memory": "ready", "broken": "failed"}
    by_name = {s["server"]: s for s in doc["servers"]}
    assert by_name["echo"]["protocol_version"] == "2026-07-28"
    assert by_name["echo"]["last_health"]["ok"] is True
    assert by_name["echo"]["uptime"] >= 0 and by_name["broken"]["uptime"] is None

    again = heady("up", "-f", str(compose))
    assert again.returncode == 1
    assert again.stderr.strip() == (
        f"error: a stack from {compose} is already running (heady up pid {up.proc.pid}); "
        "stop it first, or see it with 'heady ps'"
    )

    table = heady("ps", "-f", str(compose))
    assert table.returncode == 0
    assert f"uptest: http://127.0.0.1:{gateway}/mcp (heady up pid {up.proc.pid})" in table.stdout
    for name in ("echo", "tools", "memory", "broken"):
        assert name in table.stdout

    family = up.descendants()
    server_pids = {s["pid"] for s in doc["servers"] if s["pid"]}
    assert server_pids <= {p.pid for p in family}
    assert any("node" in p.name() for p in family)
    assert up.stop() == 0
    deadline = time.monotonic() + 10
    while alive(family) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive(family) == []
    assert "heady: echo stopped" in up.out
    # health probes every 100ms that change nothing print nothing
    assert len([line for line in up.out if line.startswith("heady: echo ready")]) == 1
    assert json.loads((tmp_path / ".heady" / "status.json").read_text())["state"] == "stopped"

    after = heady("ps", "-f", str(compose))
    assert after.returncode == 1
    assert "no running stack for" in after.stderr and "Traceback" not in after.stderr


def test_a_server_whose_command_is_missing_fails_alone(heady_up: Any, tmp_path: Path) -> None:
    compose = write_compose(
        tmp_path,
        {
            "echo": {"command": ["python", str(FIXTURES / "supervisor_echo_server.py")], "port": free_port()},
            "ghost": {"command": ["heady-no-such-program", "--serve"]},
        },
        gateway={"listen": f"127.0.0.1:{free_port()}"},
    )
    up = heady_up(compose)
    line = up.wait_for("heady: endpoint")
    assert line.endswith("(1/2 server processes ready)")
    err = "\n".join(up.err)
    assert "servers.ghost.command[0]: warning: command 'heady-no-such-program' is not on PATH" in err
    assert "error: server 'ghost': command 'heady-no-such-program' not found on PATH" in err
    states = {
        s["server"]: s["state"]
        for s in json.loads(heady("ps", "-f", str(compose), "--json").stdout)["servers"]
    }
    assert states == {"echo": "ready", "ghost": "failed"}
    assert up.stop() == 0
    assert "Traceback" not in err


def test_up_exits_1_when_every_server_fails_naming_each_cause(heady_up: Any, tmp_path: Path) -> None:
    taken = free_port()  # held by another (non-MCP) web server
    holder = subprocess.Popen(
        [PYTHON, str(FIXTURES / "supervisor_never_ready_server.py")], env={**os.environ, "PORT": str(taken)}
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert time.monotonic() < deadline and holder.poll() is None
            try:
                socket.create_connection(("127.0.0.1", taken), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        compose = write_compose(
            tmp_path,
            {
                "busy": {"command": ["python", str(FIXTURES / "supervisor_echo_server.py")], "port": taken},
                "crash": {
                    "command": ["python", str(FIXTURES / "supervisor_crashing_server.py")],
                    "port": free_port(),
                    "backoff": {"initial": "10ms", "max_restarts": 1},
                },
            },
            gateway={"listen": f"127.0.0.1:{free_port()}"},
        )
        up = heady_up(compose)
        assert up.proc.wait(120) == 1
    finally:
        holder.terminate()
        holder.wait(10)
    err = "\n".join(up.err)
    assert f"error: server 'busy': port {taken} is already in use by pid {holder.pid} (" in err
    assert (
        "error: server 'crash': exited with code 3 before it was ready; 1 restarts within 60s, "
        "not restarting (see backoff.max_restarts)"
    ) in err
    assert err.rstrip().endswith("error: every server failed; nothing left to run (see the errors above)")
    assert "Traceback" not in err


def test_ctrl_c_stops_the_stack_with_exit_0(heady_up: Any, tmp_path: Path) -> None:
    compose = write_compose(
        tmp_path,
        {"tools": {"command": ["python", str(FIXTURES / "supervisor_stdio_server.py")], "replicas": 2}},
        gateway={"listen": f"127.0.0.1:{free_port()}"},
    )
    up = heady_up(compose)
    up.wait_for("heady: endpoint")
    family = up.descendants()
    assert len([p for p in family if "supervisor_stdio_server" in " ".join(p.cmdline())]) == 2
    up.proc.send_signal(signal.SIGINT)
    assert up.proc.wait(60) == 0
    assert alive(family) == []
    assert "heady: tools#1 stopped" in up.out


def test_a_gateway_that_cannot_listen_stops_the_stack_with_one_error(heady_up: Any, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        compose = write_compose(
            tmp_path,
            {"tools": {"command": ["python", str(FIXTURES / "supervisor_stdio_server.py")]}},
            gateway={"listen": f"127.0.0.1:{port}"},
        )
        up = heady_up(compose)
        assert up.proc.wait(60) == 1
    err = "\n".join(up.err)
    assert err.startswith(f"error: heady up stopped: cannot listen on 127.0.0.1:{port} ")
    assert "Traceback" not in err and len(up.err) == 1
    assert json.loads((tmp_path / ".heady" / "status.json").read_text())["state"] == "stopped"


def test_up_with_a_bad_file_is_one_clear_error(tmp_path: Path) -> None:
    missing = heady("up", "-f", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 1
    assert missing.stderr.startswith("error: ") and "nope.yaml" in missing.stderr
    assert "Traceback" not in missing.stderr
