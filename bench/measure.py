"""One measured row: a wrk run against a target, with the CPU and memory it cost.

CPU per call is process CPU time (user + system, whole process tree, from psutil)
before and after the run, divided by the calls the run completed; it is taken for the
process in front of the backend (gateway or proxy) and for the backend itself, so a
row shows both what the middle costs and what the backend costs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from bench.procs import PeakRss, cpu_seconds
from bench.wrk import WrkResult, run_wrk


@dataclass(frozen=True)
class Target:
    """An endpoint to drive: its label, URL, tool name and the process in front (None: direct)."""

    name: str
    url: str
    tool: str
    pid: int | None
    auth: str | None = None


@dataclass(frozen=True)
class Row:
    """The figures of one (target, concurrency) run."""

    target: str
    concurrency: int
    result: WrkResult
    proxy_cpu_us: float | None
    backend_cpu_us: float
    proxy_rss_before: int | None
    proxy_rss_peak: int | None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["calls_per_s"] = self.result.calls_per_s
        data["failures"] = self.result.failures
        return data


def measure(
    target: Target,
    backend_pid: int,
    calls: int,
    concurrency: int,
    max_seconds: float,
    warmup: int = 300,
    timeout_s: float = 10.0,
) -> Row:
    """Warm up, then run `calls` calls at `concurrency` and take CPU and RSS around it."""
    if warmup > 0:
        run_wrk(
            target.url, target.tool, warmup, concurrency, max_seconds, auth=target.auth, timeout_s=timeout_s
        )
    backend_before = cpu_seconds(backend_pid)
    proxy_before = cpu_seconds(target.pid) if target.pid is not None else 0.0
    if target.pid is not None:
        with PeakRss(target.pid) as rss:
            result = run_wrk(
                target.url,
                target.tool,
                calls,
                concurrency,
                max_seconds,
                auth=target.auth,
                timeout_s=timeout_s,
            )
        rss_before: int | None = rss.start
        rss_peak: int | None = rss.peak
    else:
        result = run_wrk(
            target.url, target.tool, calls, concurrency, max_seconds, auth=target.auth, timeout_s=timeout_s
        )
        rss_before = rss_peak = None
    done = max(result.requests, 1)
    backend_cpu = (cpu_seconds(backend_pid) - backend_before) / done * 1e6
    proxy_cpu = (cpu_seconds(target.pid) - proxy_before) / done * 1e6 if target.pid is not None else None
    return Row(target.name, concurrency, result, proxy_cpu, backend_cpu, rss_before, rss_peak)
