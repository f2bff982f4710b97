"""Direct vs through Heady: the gateway's added latency, CPU per call, throughput and RSS.

One run, one FastMCP echo backend (bench/backends/echo_server.py). Each target is driven
by wrk with 2026-07-28 ``tools/call`` POSTs at each concurrency: the backend directly,
Heady's per-server route ``/servers/echo/mcp`` (tool ``echo``) and its merged route
``/mcp`` (tool ``echo__echo``). Then the gateway's RSS idle with 10 backends and under
1,000 concurrent clients. Every run is bounded by a call count and a time limit; every
response is checked (errors are counted and shown, never averaged in).

Run:  .venv/bin/python bench/gateway.py --calls 20000
      .venv/bin/python bench/gateway.py --calls 2000 --no-docs     (a quick look)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` importable, not bench/'s files
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.measure import Row, Target, measure
from bench.procs import PeakRss, ProcessError, free_port, rss_bytes, start, stop, wait_for_call
from bench.report import REPO, command_line, machine_line, table, write_section
from bench.wrk import WrkError, run_wrk

ECHO = REPO / "bench" / "backends" / "echo_server.py"
FAST_ECHO = REPO / "bench" / "backends" / "fast_echo.py"
# The benchmark backends by name: FastMCP's echo (≈ 2 ms of CPU per call) and a near-free one.
BACKENDS = {"fastmcp": ECHO, "fast": FAST_ECHO}
WORK = REPO / ".heady" / "bench"
HEADY = Path(sys.executable).with_name("heady")


@dataclass(frozen=True)
class Options:
    calls: int
    warmup: int
    concurrency: list[int]
    max_seconds: float
    backends: int
    clients: int
    docs: bool
    json_path: Path | None


def parse_args(argv: Sequence[str]) -> Options:
    """Options from the command line; bad values exit 2 with one line saying which."""
    parser = argparse.ArgumentParser(
        prog="bench/gateway.py", description="Direct vs Heady gateway benchmark (wrk, loopback)."
    )
    parser.add_argument("--calls", type=int, default=20000, help="calls per measured run (default 20000)")
    parser.add_argument(
        "--warmup", type=int, default=300, help="calls before each measured run (default 300)"
    )
    parser.add_argument(
        "--concurrency", default="1,32", help="comma-separated connection counts (default 1,32)"
    )
    parser.add_argument(
        "--max-seconds", type=float, default=300.0, help="time limit of one run (default 300)"
    )
    parser.add_argument(
        "--backends", type=int, default=10, help="servers in the idle-RSS compose file (0 skips; default 10)"
    )
    parser.add_argument(
        "--clients", type=int, default=1000, help="connections for the RSS-under-load run (0 skips)"
    )
    parser.add_argument("--no-docs", action="store_true", help="do not update docs/benchmarks.md")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    try:
        levels = [int(part) for part in args.concurrency.split(",") if part.strip()]
    except ValueError:
        parser.error(f"--concurrency must be integers separated by commas, got {args.concurrency!r}")
    if not levels or min(levels) < 1:
        parser.error(f"--concurrency needs values of at least 1, got {args.concurrency!r}")
    if args.calls < 1 or args.warmup < 0 or args.max_seconds <= 0:
        parser.error("--calls must be >= 1, --warmup >= 0 and --max-seconds > 0")
    if args.backends < 0 or args.clients < 0:
        parser.error("--backends and --clients must be >= 0")
    return Options(
        args.calls,
        args.warmup,
        levels,
        args.max_seconds,
        args.backends,
        args.clients,
        not args.no_docs,
        args.json,
    )


def compose_text(backend_url: str, listen: str, names: Sequence[str]) -> str:
    """An mcp-compose.yaml with each name pointing at the same running backend."""
    lines = ["version: 1", "project: bench", "gateway:", f"  listen: {listen}", "servers:"]
    for name in names:
        lines += [f"  {name}:", f"    url: {backend_url}"]
    return "\n".join(lines) + "\n"


def start_gateway(backend_url: str, names: Sequence[str], label: str) -> tuple[subprocess.Popen[bytes], str]:
    """Write a compose file for `names` and start ``heady gateway`` on a free port."""
    port = free_port()
    listen = f"127.0.0.1:{port}"
    compose = WORK / f"{label}.mcp-compose.yaml"
    compose.write_text(compose_text(backend_url, listen, names))
    log = WORK / f"{label}.log"
    proc = start([str(HEADY), "gateway", "-f", str(compose), "--listen", listen], log, cwd=WORK)
    try:
        wait_for_call(f"http://{listen}/mcp", f"{names[0]}__echo", proc, log)
    except BaseException:
        stop(proc)
        raise
    return proc, f"http://{listen}"


def verdicts(rows: Sequence[Row], idle_10: int | None, peak_clients: int | None, clients: int) -> str:
    """The brief's performance targets next to what this run measured."""
    by = {(row.target, row.concurrency): row for row in rows}
    out = ["| figure | target | measured | met |", "|---|---|---|---|"]

    def add(figure: str, target: str, value: str, ok: bool) -> None:
        out.append(f"| {figure} | {target} | {value} | {'yes' if ok else '**no**'} |")

    direct1 = by.get(("direct", 1))
    for name in ("Heady /servers/echo/mcp", "Heady /mcp"):
        one = by.get((name, 1))
        if direct1 and one:
            added50 = (one.result.p50_us - direct1.result.p50_us) / 1000
            added99 = (one.result.p99_us - direct1.result.p99_us) / 1000
            add(f"added p50, c=1, {name}", "≤ 0.5 ms", f"{added50:.2f} ms", added50 <= 0.5)
            add(f"added p99, c=1, {name}", "≤ 2 ms", f"{added99:.2f} ms", added99 <= 2)
        for row in rows:
            if row.target == name and row.proxy_cpu_us is not None:
                cpu = row.proxy_cpu_us
                add(
                    f"gateway CPU per call, c={row.concurrency}, {name}",
                    "≤ 150 µs",
                    f"{cpu:.0f} µs",
                    cpu <= 150,
                )
        top = max((r.concurrency for r in rows), default=1)
        direct_top, row_top = by.get(("direct", top)), by.get((name, top))
        if direct_top and row_top and direct_top.result.calls_per_s:
            share = 100 * row_top.result.calls_per_s / direct_top.result.calls_per_s
            add(f"throughput vs direct, c={top}, {name}", "≥ 85 %", f"{share:.0f} %", share >= 85)
    if idle_10 is not None:
        add("gateway RSS idle, 10 backends", "≤ 80 MB", f"{idle_10 / 2**20:.0f} MB", idle_10 <= 80 * 2**20)
    if peak_clients is not None:
        add(
            f"gateway RSS peak, {clients} concurrent clients",
            "≤ 150 MB",
            f"{peak_clients / 2**20:.0f} MB",
            peak_clients <= 150 * 2**20,
        )
    return "\n".join(out)


def run(options: Options) -> str:
    """The whole benchmark; returns the markdown section."""
    WORK.mkdir(parents=True, exist_ok=True)
    machine = machine_line(os.getloadavg())  # taken at the start: the commit and load measured
    backend_port = free_port()
    backend_url = f"http://127.0.0.1:{backend_port}/mcp"
    backend_log = WORK / "echo.log"
    backend = start([sys.executable, str(ECHO)], backend_log, env={"PORT": str(backend_port)})
    gateway: subprocess.Popen[bytes] | None = None
    try:
        wait_for_call(backend_url, "echo", backend, backend_log)
        gateway, base = start_gateway(backend_url, ["echo"], "gateway")
        gateway_pid = gateway.pid
        idle_one = rss_bytes(gateway_pid)
        targets = [
            Target("direct", backend_url, "echo", None),
            Target("Heady /servers/echo/mcp", f"{base}/servers/echo/mcp", "echo", gateway_pid),
            Target("Heady /mcp", f"{base}/mcp", "echo__echo", gateway_pid),
        ]
        rows: list[Row] = []
        for level in options.concurrency:
            for target in targets:
                print(f"-- {target.name}, concurrency {level}, {options.calls} calls", flush=True)
                row = measure(target, backend.pid, options.calls, level, options.max_seconds, options.warmup)
                print(f"   {row.result.calls_per_s:.0f} calls/s, {row.result.failures} errors", flush=True)
                rows.append(row)
        peak_clients = None
        crowd_note = ""
        if options.clients:
            print(f"-- RSS under {options.clients} concurrent clients", flush=True)
            calls = max(3 * options.clients, 3000)
            with PeakRss(gateway_pid) as rss:
                crowd = run_wrk(
                    f"{base}/mcp", "echo__echo", calls, options.clients, options.max_seconds, timeout_s=60
                )
            peak_clients = rss.peak
            print(
                f"   peak {rss.peak / 2**20:.0f} MB, {crowd.failures} errors of {crowd.requests}", flush=True
            )
            crowd_note = (
                f" Under {options.clients} concurrent clients ({crowd.requests} calls, "
                f"{crowd.failures} errors) the gateway peaked at {peak_clients / 2**20:.0f} MB."
            )
    finally:
        if gateway is not None:
            stop(gateway)
    try:
        idle_10 = None
        if options.backends:
            names = [f"echo{i}" for i in range(options.backends)]
            many, _ = start_gateway(backend_url, names, "gateway-many")
            try:
                idle_10 = rss_bytes(many.pid)
            finally:
                stop(many)
    finally:
        stop(backend)
    if options.json_path:
        options.json_path.write_text(json.dumps([row.as_json() for row in rows], indent=2))
    return "\n".join(
        [
            f"Command: `{command_line(sys.argv)}`  ",
            f"Machine: {machine}",
            "",
            table(rows, "direct"),
            "",
            f"Gateway RSS right after start with 1 backend: {idle_one / 2**20:.0f} MB."
            + (f" With {options.backends} backends: {idle_10 / 2**20:.0f} MB." if idle_10 is not None else "")
            + crowd_note,
            "",
            verdicts(rows, idle_10, peak_clients, options.clients),
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(sys.argv[1:] if argv is None else argv)
    if not HEADY.exists():
        print(f"error: {HEADY} not found; install the project first (make install or pip install -e .)")
        return 1
    try:
        section = run(options)
    except (WrkError, ProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(section)
    if options.docs:
        write_section("gateway", section)
        print("updated docs/benchmarks.md (section bench:gateway)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
