"""Gateway CPU per forwarded ``tools/call``, A/B: one or more source trees against a near-free backend.

``bench/gateway.py`` measures against FastMCP, which burns ≈ 2 ms per call next to the
gateway's ≈ 0.2 ms: on a shared 2-core machine the gateway's share drowns in noise.
Here the backend (``bench/backends/fast_echo.py``) costs almost nothing, so the
gateway's CPU per call and its latency are what is measured. ``--src`` runs the
gateway from another source tree (e.g. ``git archive`` of an older commit), rounds
alternate between trees so machine load hits each alike.

Run: .venv/bin/python bench/gateway_cpu.py --calls 5000 --src src --src /tmp/old/src
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` importable, not bench/'s files
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.gateway import BACKENDS
from bench.procs import cpu_seconds, free_port, start, stop, wait_for_call
from bench.wrk import run_wrk

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / ".heady" / "bench"


def gateway(src: str, backend_url: str, label: str) -> tuple[object, str, int]:
    port = free_port()
    compose = WORK / f"cpu-{label}.mcp-compose.yaml"
    compose.write_text(
        f"version: 1\nproject: cpu\ngateway:\n  listen: 127.0.0.1:{port}\n"
        f"servers:\n  echo:\n    url: {backend_url}\n"
    )
    log = WORK / f"cpu-{label}.log"
    code = "from heady.cli.app import main; main()"
    argv = [sys.executable, "-c", code, "gateway", "-f", str(compose), "--listen", f"127.0.0.1:{port}"]
    proc = start(argv, log, env={"PYTHONPATH": str(Path(src).resolve())}, cwd=WORK)
    wait_for_call(f"http://127.0.0.1:{port}/mcp", "echo__echo", proc, log)
    return proc, f"http://127.0.0.1:{port}", proc.pid


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench/gateway_cpu.py", description=__doc__.split("\n")[0])
    parser.add_argument("--src", action="append", help="source tree(s) to run heady from (default: src)")
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--concurrency", default="1,32")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--path", default="/mcp", help="/mcp or /servers/echo/mcp")
    parser.add_argument(
        "--backend", choices=sorted(BACKENDS), default="fast", help="fast_echo (default) or the FastMCP echo"
    )
    args = parser.parse_args()
    sources = args.src or ["src"]
    levels = [int(c) for c in args.concurrency.split(",")]
    tool = "echo__echo" if args.path == "/mcp" else "echo"
    WORK.mkdir(parents=True, exist_ok=True)
    backend_port = free_port()
    backend_url = f"http://127.0.0.1:{backend_port}/mcp"
    backend_log = WORK / f"{args.backend}_echo.log"
    argv = [sys.executable, str(BACKENDS[args.backend])]
    backend = start(argv, backend_log, env={"PORT": str(backend_port)})
    procs = []
    try:
        wait_for_call(backend_url, "echo", backend, backend_log)
        gateways = []
        for n, src in enumerate(sources):
            proc, base, pid = gateway(src, backend_url, str(n))
            procs.append(proc)
            gateways.append((src, base, pid))
        results: dict[tuple[str, int], list[tuple[float, float, float, float]]] = {}
        for _ in range(args.rounds):
            for level in levels:
                for src, base, pid in gateways:
                    run_wrk(base + args.path, tool, 300, level, 60)  # warm-up
                    before = cpu_seconds(pid)
                    result = run_wrk(base + args.path, tool, args.calls, level, 120)
                    used = cpu_seconds(pid) - before
                    row = (
                        used / max(result.ok, 1) * 1e6,
                        result.p50_us / 1000,
                        result.p99_us / 1000,
                        result.ok / (result.duration_us / 1e6),
                    )
                    results.setdefault((src, level), []).append(row)
                    if result.ok != result.requests:
                        print(f"!! {src} c={level}: {result.requests - result.ok} failed calls")
        print(f"{args.calls} calls per run, {args.rounds} rounds, {args.path}, {args.backend} backend")
        print("| source | conc. | CPU µs/call | p50 ms | p99 ms | calls/s |")
        print("|---|--:|--:|--:|--:|--:|")
        for (src, level), rows in results.items():
            cpu, p50, p99, rate = (statistics.median(col) for col in zip(*rows, strict=True))
            print(f"| {src} | {level} | {cpu:.0f} | {p50:.2f} | {p99:.2f} | {rate:.0f} |")
    finally:
        for proc in procs:
            stop(proc)  # type: ignore[arg-type]
        stop(backend)
    return 0


if __name__ == "__main__":
    sys.exit(main())
