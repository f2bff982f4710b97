"""Spawning a server in its own process group and stopping the whole group.

Every server runs in a new session (its own process group), so stopping it also
stops whatever it spawned: ``npx`` starts ``node`` children that a signal to the
``npx`` pid alone would leave behind. Groups still alive when Heady exits (even
on a crash) are killed by an ``atexit`` hook.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import errno
import os
import shutil
import signal
import socket
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import psutil

GRACE = 5.0
"""Seconds between SIGTERM and SIGKILL when stopping a server."""

LINE_LIMIT = 16 * 1024 * 1024
"""Longest line read from a child (a stdio JSON-RPC message can be large)."""

_live_groups: set[int] = set()


class SpawnError(Exception):
    """The server cannot be started as configured; the message says why and how to fix it."""


def resolve_command(command: list[str], env: Mapping[str, str]) -> list[str]:
    """The argv to execute: ``python``/``python3`` becomes the interpreter Heady runs under."""
    first, *rest = command
    if first in ("python", "python3"):
        return [sys.executable, *rest]
    if os.sep in first:
        if not os.access(first, os.X_OK):
            raise SpawnError(f"command {first!r} does not exist or is not executable; fix command")
        return command
    found = shutil.which(first, path=env.get("PATH"))
    if found is None:
        raise SpawnError(f"command {first!r} not found on PATH; install it or fix command")
    return [found, *rest]


def port_holder(port: int, host: str = "127.0.0.1", *, describe: bool = True) -> str | None:
    """None when ``port`` is free; otherwise who holds it, as far as the system tells."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                return f"cannot bind: {exc.strerror}"
        else:
            return None
    if not describe:
        return "another process"
    with contextlib.suppress(psutil.Error, OSError):
        for conn in psutil.net_connections(kind="tcp"):
            if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
                return f"pid {conn.pid} ({psutil.Process(conn.pid).name()})"
    return "another process"


async def spawn(
    argv: list[str], *, env: Mapping[str, str], cwd: Path, stdin: bool
) -> asyncio.subprocess.Process:
    """Start ``argv`` in a new process group with stdout and stderr piped (and stdin when asked)."""
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
            limit=LINE_LIMIT,
        )
    except FileNotFoundError as exc:
        raise SpawnError(f"{argv[0]} cannot be started ({exc.strerror}); fix command or cwd") from None
    except OSError as exc:
        raise SpawnError(f"{argv[0]} cannot be executed ({exc.strerror or exc}); fix command") from None
    _live_groups.add(process.pid)
    return process


def group_alive(pgid: int) -> bool:
    """True while any process other than a zombie is left in the group."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    for proc in psutil.process_iter(["status"]):
        with contextlib.suppress(psutil.Error):
            if proc.info["status"] != psutil.STATUS_ZOMBIE and os.getpgid(proc.pid) == pgid:
                return True
    return False


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


async def stop_group(process: asyncio.subprocess.Process, grace: float = GRACE) -> None:
    """SIGTERM the process group, SIGKILL what is left after ``grace``; return when it is gone."""
    pgid = process.pid
    _signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(process.wait(), grace)
    while group_alive(pgid) and time.monotonic() < deadline:  # noqa: ASYNC110 (no event to wait on)
        await asyncio.sleep(0.05)
    _signal_group(pgid, signal.SIGKILL)
    if process.returncode is None:
        await process.wait()
    for _ in range(100):  # children re-parented to init need a moment to be reaped
        if not group_alive(pgid):
            break
        await asyncio.sleep(0.02)
    _live_groups.discard(pgid)  # only once it is gone: the exit hook still covers an interrupted stop


def reap_group(process: asyncio.subprocess.Process) -> None:
    """After the leader exited on its own: kill what it left in its group."""
    _signal_group(process.pid, signal.SIGKILL)
    _live_groups.discard(process.pid)


@atexit.register
def _kill_leftovers() -> None:
    """Last resort when Heady exits without stopping its servers (a crash, an unhandled error)."""
    for pgid in list(_live_groups):
        _signal_group(pgid, signal.SIGKILL)
    _live_groups.clear()


async def pump_lines(stream: asyncio.StreamReader | None, on_line: Callable[[str], None]) -> None:
    """Hand every line of ``stream`` to ``on_line`` until end of file."""
    if stream is None:
        return
    while True:
        try:
            raw = await stream.readline()
        except ValueError:  # a line beyond LINE_LIMIT: report and drop it
            on_line("[line too long, dropped]")
            continue
        if not raw:
            return
        on_line(raw.decode(errors="replace").rstrip("\r\n"))
