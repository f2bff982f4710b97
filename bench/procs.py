"""Processes under test: start them in their own group, wait for MCP, measure, stop them.

Everything binds 127.0.0.1. Each process gets its own session (process group) so that
stopping it also stops whatever it spawned (ContextForge runs gunicorn workers).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

PYTHON_BODY = (
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"%s","arguments":{"text":"ready"},'
    '"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
    '"io.modelcontextprotocol/clientInfo":{"name":"heady-bench","version":"1"},'
    '"io.modelcontextprotocol/clientCapabilities":{}}}}'
)


class ProcessError(Exception):
    """A process under test did not start, or never answered a call."""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(
    argv: Sequence[str], log: Path, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start argv in its own process group, output to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        return subprocess.Popen(
            list(argv),
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            start_new_session=True,
        )


def stop(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left after `grace` seconds."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=grace)


def call_headers(tool: str, auth: str | None = None) -> dict[str, str]:
    """The headers of a 2026-07-28 tools/call POST."""
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2026-07-28",
        "Mcp-Method": "tools/call",
        "Mcp-Name": tool,
    }
    if auth:
        headers["Authorization"] = auth
    return headers


def wait_for_call(
    url: str,
    tool: str,
    proc: subprocess.Popen[bytes],
    log: Path,
    timeout: float = 60.0,
    auth: str | None = None,
) -> None:
    """Poll with a real tools/call until it succeeds; fail early if the process died."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    body = (PYTHON_BODY % tool).encode()
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ProcessError(f"{proc.args!r} exited with {proc.returncode}; see {log}")
        try:
            response = httpx.post(url, content=body, headers=call_headers(tool, auth), timeout=5.0)
            if response.status_code == 200 and '"isError":false' in response.text.replace(" ", ""):
                return
            last = f"{response.status_code} {response.text[:200]}"
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.25)
    raise ProcessError(f"{url} never answered a tools/call for {tool!r} within {timeout:.0f}s: {last}")


def tree(pid: int) -> list[psutil.Process]:
    """The process and all its descendants (gunicorn workers, uvicorn children)."""
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process tree, in seconds."""
    total = 0.0
    for proc in tree(pid):
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def rss_bytes(pid: int) -> int:
    """Resident memory: RSS of one process; the sum of PSS over a process tree.

    Forked workers share most of their pages with their parent, so summing their RSS
    would count those pages once per process (ContextForge's tree: 1 GB of RSS summed,
    0.38 GB of PSS). PSS splits each shared page between the processes sharing it.
    """
    procs = tree(pid)
    if len(procs) == 1:
        return int(procs[0].memory_info().rss)
    total = 0
    for proc in procs:
        try:
            total += proc.memory_full_info().pss
        except psutil.NoSuchProcess:
            continue
    return total


@dataclass
class PeakRss:
    """Samples the process tree's RSS every `interval` seconds while in a with block."""

    pid: int
    interval: float = 0.2
    start: int = 0
    peak: int = 0

    def __enter__(self) -> PeakRss:
        self._stop = threading.Event()
        self.start = self.peak = rss_bytes(self.pid)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, rss_bytes(self.pid))

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes(self.pid))
