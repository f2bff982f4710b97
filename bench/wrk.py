"""Drive one MCP endpoint with wrk and read back a checked result.

wrk is the load generator (C, one thread, keep-alive connections), so the load generator
costs little of the two cores the processes under test share. The Lua script
``wrk/tools_call.lua`` sends a 2026-07-28 ``tools/call`` per request, classifies every
response (ok, non-2xx, JSON-RPC error, tool error, other) and ends the run after a
given number of calls; ``-d`` bounds it in time as well.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "wrk" / "tools_call.lua"
MARKER = "BENCH_RESULT "


class WrkError(Exception):
    """wrk is missing, failed, or printed no result line."""


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured; latencies in microseconds."""

    requests: int
    duration_us: int
    ok: int
    non_2xx: int
    rpc_errors: int
    tool_errors: int
    other: int
    connect_errors: int
    read_errors: int
    write_errors: int
    timeouts: int
    p50_us: int
    p90_us: int
    p99_us: int
    max_us: int
    mean_us: float
    sample: str

    @property
    def calls_per_s(self) -> float:
        """Successful calls per second of wall time."""
        return self.ok / (self.duration_us / 1e6) if self.duration_us else 0.0

    @property
    def failures(self) -> int:
        """Every response or socket event that was not a successful echo."""
        return (
            self.non_2xx
            + self.rpc_errors
            + self.tool_errors
            + self.other
            + self.connect_errors
            + self.read_errors
            + self.write_errors
            + self.timeouts
        )


def parse_output(stdout: str) -> WrkResult:
    """The result line the Lua ``done()`` printed, as a WrkResult."""
    for line in stdout.splitlines():
        if line.startswith(MARKER):
            try:
                fields = json.loads(line[len(MARKER) :])
                return WrkResult(**fields)
            except (ValueError, TypeError) as exc:
                raise WrkError(f"wrk printed an unreadable result line ({exc}): {line[:200]}") from exc
    raise WrkError(f"wrk printed no {MARKER.strip()} line; its output was: {stdout[-500:]!r}")


def wrk_command(url: str, concurrency: int, max_seconds: float, timeout_s: float) -> list[str]:
    """The wrk argv: one thread (the Lua stop-at-count needs it), C connections."""
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    return [
        "wrk",
        "-t1",
        f"-c{concurrency}",
        f"-d{max(1, round(max_seconds))}s",
        f"--timeout={max(1, round(timeout_s))}s",
        "-s",
        str(SCRIPT),
        url,
    ]


def wrk_env(tool: str, calls: int, text: str = "hello", auth: str | None = None) -> dict[str, str]:
    """Environment for the Lua script: which tool, how many calls, optional Authorization."""
    if calls < 1:
        raise ValueError(f"calls must be at least 1, got {calls}")
    env = {"MCP_TOOL": tool, "MCP_TEXT": text, "MCP_MAX_CALLS": str(calls)}
    if auth:
        env["MCP_AUTH"] = auth
    return env


def run_wrk(
    url: str,
    tool: str,
    calls: int,
    concurrency: int,
    max_seconds: float,
    *,
    auth: str | None = None,
    timeout_s: float = 10.0,
) -> WrkResult:
    """Run wrk until `calls` responses or `max_seconds`, whichever comes first."""
    if shutil.which("wrk") is None:
        raise WrkError("wrk is not installed; install it with: apt-get install -y wrk")
    command = wrk_command(url, concurrency, max_seconds, timeout_s)
    env = {**os.environ, **wrk_env(tool, calls, auth=auth)}
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=max_seconds + 30, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise WrkError(f"wrk did not finish within {max_seconds + 30:.0f}s") from exc
    if done.returncode != 0:
        raise WrkError(f"wrk exited with {done.returncode}: {done.stderr.strip()[-300:]}")
    return parse_output(done.stdout)
