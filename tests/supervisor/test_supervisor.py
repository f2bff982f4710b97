"""The supervisor against real server processes: FastMCP over HTTP and stdio, npx, crashing servers."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import psutil
import pytest

from conftest import FIXTURES, free_port, write_compose
from heady.compose import load_compose
from heady.compose.model import ComposeFile
from heady.protocol import jsonrpc, versions
from heady.supervisor import ReplicaStatus, Supervisor, SupervisorError, start_order

MEMORY = "@modelcontextprotocol/server-memory@2026.8.31"
FAST = {"interval": "200ms", "timeout": "2s", "retries": 2, "start_period": "30s"}


def http_server(fixture: str, **extra: Any) -> dict[str, Any]:
    return {"command": ["python", str(FIXTURES / fixture)], "port": free_port(), **extra}


async def until(condition: Callable[[], bool], within: float = 60.0) -> None:
    """Wait for ``condition``; fail the test (not hang) when it never comes."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


def group_members(pid: int) -> list[psutil.Process]:
    """The process and everything it spawned (to check nothing is left after a stop)."""
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def gone(processes: list[psutil.Process]) -> bool:
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                return False
        except psutil.NoSuchProcess:
            continue
    return True


@pytest.fixture
async def supervise(tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    """``await supervise(servers)`` starts a Supervisor on a real compose file; stopped after the test.

    ``commands`` replaces commands after the file is loaded (the loader rejects missing ones).
    """
    started: list[Supervisor] = []

    async def start(
        servers: dict[str, Any], grace: float = 2.0, commands: dict[str, list[str]] | None = None
    ) -> Supervisor:
        compose = load_compose(write_compose(tmp_path, servers))
        for name, command in (commands or {}).items():  # what changed on the machine since validation
            compose.servers[name].command = command
        lines: list[tuple[str, str]] = []
        events: list[tuple[str, str]] = []
        supervisor = Supervisor(
            compose,
            log=lambda label, line: lines.append((label, line)),
            on_change=lambda s: events.append((s.label, s.state)),
            grace=grace,
        )
        supervisor.lines = lines  # type: ignore[attr-defined]
        supervisor.events = events  # type: ignore[attr-defined]
        started.append(supervisor)
        await supervisor.start()
        return supervisor

    yield start
    for supervisor in started:
        await supervisor.stop()


def status(supervisor: Supervisor, label: str) -> ReplicaStatus:
    return next(s for s in supervisor.statuses() if s.label == label)


async def test_http_servers_become_ready_with_their_protocol_detected(supervise: Any) -> None:
    sup = await supervise(
        {
            "echo": http_server("supervisor_echo_server.py", env={"SERVER_NAME": "echo-one"}),
            "legacy": http_server("supervisor_legacy_server.py"),
        }
    )
    await sup.wait_settled()
    echo, legacy = status(sup, "echo"), status(sup, "legacy")
    assert (echo.state, echo.protocol_version) == ("ready", "2026-07-28")
    assert echo.server_info is not None and echo.server_info["name"] == "echo-one"
    assert (legacy.state, legacy.protocol_version) == ("ready", "2025-11-25")
    assert echo.pid is not None and psutil.pid_exists(echo.pid)
    assert os.getpgid(echo.pid) == echo.pid  # its own process group
    assert echo.last_health is not None and echo.last_health.ok
    assert any(label == "echo" and "echo starting on port" in line for label, line in sup.lines)


async def test_stdio_replicas_each_get_a_channel_the_gateway_can_use(supervise: Any) -> None:
    sup = await supervise(
        {"tools": {"command": ["python", str(FIXTURES / "supervisor_stdio_server.py")], "replicas": 2}}
    )
    await sup.wait_settled()
    assert [s.state for s in sup.statuses()] == ["ready", "ready"]
    assert len({s.pid for s in sup.statuses()}) == 2
    channels = sup.channels("tools")
    assert len(channels) == 2 and all(c.protocol_version == "2026-07-28" for c in channels)
    meta = {"_meta": versions.modern_meta()}
    answer = await channels[1].request(jsonrpc.request(7, "tools/list", meta), 10)
    assert answer["id"] == 7 and [t["name"] for t in answer["result"]["tools"]] == ["echo"]
    # stdout is the protocol channel: only stderr reaches the log
    assert ("tools", "stdio echo starting") in sup.lines
    assert ("tools#1", "stdio echo starting") in sup.lines
    await sup.stop()
    assert sup.channels("tools") == []


async def test_npx_stdio_server_is_ready_and_leaves_no_process_behind(supervise: Any) -> None:
    sup = await supervise({"memory": {"command": ["npx", "-y", MEMORY]}})
    await sup.wait_settled()
    memory = status(sup, "memory")
    assert memory.state == "ready", memory.message
    assert memory.protocol_version is not None
    assert memory.server_info and memory.server_info["name"] == "memory-server"
    assert memory.pid is not None
    family = group_members(memory.pid)
    assert any("node" in p.name() for p in family)  # npx really spawned node
    await sup.stop()
    await until(lambda: gone(family), 10)
    assert status(sup, "memory").state == "stopped"


async def test_crash_at_start_backs_off_doubling_then_gives_up_as_a_crash_loop(
    supervise: Any, tmp_path: Path
) -> None:
    starts = tmp_path / "starts.log"
    sup = await supervise(
        {
            "crash": http_server(
                "supervisor_crashing_server.py",
                env={"START_LOG": str(starts)},
                backoff={"initial": "50ms", "max": "150ms", "max_restarts": 4, "window": "1m"},
            )
        }
    )
    await sup.wait_settled()
    crash = status(sup, "crash")
    assert crash.state == "crash-loop"
    assert crash.backoff_delays == [0.05, 0.1, 0.15, 0.15]
    assert crash.restarts == 4
    assert len(starts.read_text().splitlines()) == 5
    assert "exited with code 3 before it was ready" in crash.message
    assert "4 restarts within 60s" in crash.message
    assert ("crash", "crashing at start: configuration is broken") in sup.lines


async def test_server_that_crashes_while_running_is_restarted(supervise: Any, tmp_path: Path) -> None:
    starts = tmp_path / "starts.log"
    sup = await supervise(
        {
            "flaky": http_server(
                "supervisor_crashing_server.py",
                env={"START_LOG": str(starts), "CRASH_AFTER": "1"},
                healthcheck=FAST,
                backoff={"initial": "100ms", "max": "10s", "max_restarts": 10, "window": "5m"},
            )
        }
    )
    await until(lambda: status(sup, "flaky").restarts >= 2 and status(sup, "flaky").state == "ready")
    flaky = status(sup, "flaky")
    assert flaky.backoff_delays[:2] == [0.1, 0.2]
    assert flaky.exit_code is None  # the running process is a fresh one
    assert len(starts.read_text().splitlines()) >= 3


async def test_restart_no_leaves_a_crashed_server_failed(supervise: Any) -> None:
    sup = await supervise(
        {"once": http_server("supervisor_crashing_server.py", env={"CRASH_AFTER": "2"}, restart="no")}
    )
    await until(lambda: status(sup, "once").state == "failed")
    once = status(sup, "once")
    assert once.restarts == 0 and once.backoff_delays == []
    assert once.message == "exited with code 4 while running"


async def test_a_clean_exit_is_restarted_only_under_always(supervise: Any) -> None:
    clean = {"CRASH_AFTER": "1", "EXIT_CODE": "0"}
    backoff = {"initial": "50ms", "max_restarts": 10}
    sup = await supervise(
        {
            "done": http_server("supervisor_crashing_server.py", env=clean, restart="on-failure"),
            "again": http_server(
                "supervisor_crashing_server.py", env=clean, restart="always", backoff=backoff
            ),
        }
    )
    await until(lambda: status(sup, "done").state == "exited" and status(sup, "again").restarts >= 1)
    done = status(sup, "done")
    assert done.message == "exited with code 0 while running" and done.restarts == 0
    assert status(sup, "again").backoff_delays[0] == 0.05


async def test_unresponsive_server_is_unhealthy_then_restarted(supervise: Any) -> None:
    sup = await supervise({"echo": http_server("supervisor_echo_server.py", healthcheck=FAST)}, grace=0.5)
    await sup.wait_settled()
    frozen = status(sup, "echo").pid
    assert frozen is not None
    os.kill(frozen, signal.SIGSTOP)  # still running, no longer answering
    seen: list[str] = []

    def restarted() -> bool:
        seen.append(status(sup, "echo").state)
        return status(sup, "echo").restarts == 1

    await until(restarted)
    await until(lambda: status(sup, "echo").state == "ready")
    echo = status(sup, "echo")
    assert "unhealthy" in seen
    assert echo.pid != frozen and not psutil.pid_exists(frozen)
    assert echo.last_health is not None and echo.last_health.ok


async def test_never_ready_server_fails_with_what_the_probe_saw_and_is_stopped(supervise: Any) -> None:
    sup = await supervise(
        {
            "mute": http_server(
                "supervisor_never_ready_server.py", healthcheck={"start_period": "5s", "timeout": "500ms"}
            )
        }
    )
    await sup.wait_settled()
    mute = status(sup, "mute")
    assert mute.state == "failed"
    assert mute.message.startswith("not ready within start_period 5s; last probe: ")
    assert "HTTP 503" in mute.message
    assert mute.pid is None and mute.restarts == 0


async def test_a_declared_protocol_is_probed_without_detection(supervise: Any) -> None:
    sup = await supervise(
        {
            "pinned": http_server("supervisor_legacy_server.py", protocol="2025-11-25"),
            "wrong": http_server(
                "supervisor_legacy_server.py", protocol="2026-07-28", healthcheck={"start_period": "10s"}
            ),
        }
    )
    await sup.wait_settled()
    assert status(sup, "pinned").state == "ready"
    assert status(sup, "pinned").protocol_version == "2025-11-25"
    wrong = status(sup, "wrong")
    assert wrong.state == "failed"
    assert "last probe: server/discover answered HTTP 400 with error -32600" in wrong.message


async def test_port_in_use_and_missing_command_fail_clearly_while_others_run(supervise: Any) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        sup = await supervise(
            {
                "busy": {**http_server("supervisor_echo_server.py"), "port": taken},
                "ghost": {"command": ["true"]},
                "echo": http_server("supervisor_echo_server.py"),
            },
            commands={"ghost": ["heady-no-such-command", "--serve"]},
        )
        await sup.wait_settled()
    busy, ghost, echo = (status(sup, n) for n in ("busy", "ghost", "echo"))
    assert busy.state == "failed" and busy.pid is None
    assert busy.message == (
        f"port {taken} is already in use by pid {os.getpid()} ({psutil.Process().name()}); "
        "stop that process or change port"
    )
    assert ghost.state == "failed"
    assert ghost.message == "command 'heady-no-such-command' not found on PATH; install it or fix command"
    assert echo.state == "ready"
    assert sup.all_settled() and not sup.all_given_up()


async def test_dependents_start_after_their_dependency_is_ready(supervise: Any) -> None:
    sup = await supervise(
        {
            "app": http_server("supervisor_echo_server.py", depends_on=["db"]),
            "db": http_server("supervisor_echo_server.py"),
            "orphan": http_server("supervisor_echo_server.py", depends_on=["broken"]),
            "broken": http_server("supervisor_crashing_server.py", restart="no"),
        }
    )
    assert sup.order.index("db") < sup.order.index("app")
    await sup.wait_settled()
    app, db, orphan = status(sup, "app"), status(sup, "db"), status(sup, "orphan")
    assert app.state == db.state == "ready"
    assert app.started_at is not None and db.ready_at is not None and app.started_at >= db.ready_at
    assert orphan.state == "failed" and orphan.pid is None
    assert orphan.message == "dependency 'broken' is not running; fix it first"
    await sup.stop()
    assert sup.events.index(("app", "stopped")) < sup.events.index(("db", "stopping"))


async def test_stop_kills_the_whole_group_even_children_that_ignore_sigterm(
    supervise: Any, tmp_path: Path
) -> None:
    child_file = tmp_path / "child.pid"
    sup = await supervise(
        {"spawner": http_server("supervisor_spawning_server.py", env={"CHILD_PID_FILE": str(child_file)})},
        grace=1.0,
    )
    await sup.wait_settled()
    assert status(sup, "spawner").state == "ready"
    child = psutil.Process(int(child_file.read_text()))
    leader = psutil.Process(status(sup, "spawner").pid)  # type: ignore[arg-type]
    assert os.getpgid(child.pid) == leader.pid
    await sup.stop()
    await until(lambda: gone([leader, child]), 10)


def test_dependency_cycle_is_an_error_naming_it() -> None:
    compose = ComposeFile.model_validate(
        {
            "servers": {
                "a": {"command": ["true"], "depends_on": ["b"]},
                "b": {"command": ["true"], "depends_on": ["a"]},
            }
        }
    )
    with pytest.raises(SupervisorError, match=r"cycle \(a -> b -> a\)"):
        start_order(compose)
