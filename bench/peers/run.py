"""Heady next to its peers on one backend and one load: direct, Heady, FastMCP proxy, ContextForge.

Installs each peer into its own venv under .tools/peers/ (gitignored; reused when the
version matches), starts the backend once (``--backend``: FastMCP's echo, or
bench/backends/fast_echo.py, which answers in a few µs so that the middle, not the
backend, sets the pace), then for each target in turn:
start it and, at each concurrency, drive the backend directly and then the target with
wrk (2026-07-28 ``tools/call``, checked responses), taking the target's CPU per call and
memory; stop it. Each target's "% of direct" is against the direct run just before it,
so load changes on a shared machine between targets stay out of the ratios. ContextForge needs Python >= 3.12;
without one its rows are skipped and the reason is written in their place.

Run:  .venv/bin/python bench/peers/run.py --calls 10000
      .venv/bin/python bench/peers/run.py --calls 10000 --backend fast   (section bench:peers-fast)
      .venv/bin/python bench/peers/run.py --calls 500 --max-seconds 30 --no-docs   (a quick look)
"""

from __future__ import annotations

import argparse
import glob
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` importable, not bench/peers' files
    sys.path[0] = str(Path(__file__).resolve().parents[2])

from bench.gateway import BACKENDS, HEADY, start_gateway
from bench.measure import Row, Target, measure
from bench.peers.contextforge import start_contextforge
from bench.procs import ProcessError, free_port, start, stop, wait_for_call
from bench.report import REPO, command_line, machine_line, shares, table, write_section
from bench.wrk import WrkError

TOOLS = REPO / ".tools" / "peers"
WORK = REPO / ".heady" / "bench" / "peers"
PROXY = REPO / "bench" / "peers" / "fastmcp_proxy.py"
CONTEXTFORGE = "mcp-contextforge-gateway==1.1.0"
PEERS = ("heady", "fastmcp", "contextforge")
BACKEND_NAMES = {
    "fastmcp": "`bench/backends/echo_server.py` (FastMCP echo)",
    "fast": "`bench/backends/fast_echo.py` (near-free echo)",
}
SECTIONS = {"fastmcp": "peers", "fast": "peers-fast"}  # docs/benchmarks.md block of each backend


class SetupError(Exception):
    """A peer could not be installed; its rows are skipped with this reason."""


@dataclass(frozen=True)
class Options:
    calls: int
    warmup: int
    concurrency: list[int]
    max_seconds: float
    skip: set[str]
    backend: str
    docs: bool
    json_path: Path | None


def parse_args(argv: Sequence[str]) -> Options:
    """Options from the command line; bad values exit 2 with one line saying which."""
    parser = argparse.ArgumentParser(
        prog="bench/peers/run.py", description="Heady vs FastMCP proxy vs ContextForge (wrk, loopback)."
    )
    parser.add_argument("--calls", type=int, default=10000, help="calls per measured run (default 10000)")
    parser.add_argument(
        "--warmup", type=int, default=200, help="calls before each measured run (default 200)"
    )
    parser.add_argument(
        "--concurrency", default="1,32", help="comma-separated connection counts (default 1,32)"
    )
    parser.add_argument(
        "--max-seconds", type=float, default=120.0, help="time limit of one run (default 120)"
    )
    parser.add_argument(
        "--skip", default="", help=f"comma-separated peers not to run, of: {', '.join(PEERS)}"
    )
    parser.add_argument(
        "--backend",
        choices=sorted(BACKENDS),
        default="fastmcp",
        help="fastmcp: FastMCP's echo (default, section bench:peers); "
        "fast: bench/backends/fast_echo.py (section bench:peers-fast)",
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
    skip = {part.strip() for part in args.skip.split(",") if part.strip()}
    if unknown := skip - set(PEERS):
        parser.error(f"--skip got {', '.join(sorted(unknown))}; choose from {', '.join(PEERS)}")
    return Options(
        args.calls,
        args.warmup,
        levels,
        args.max_seconds,
        skip,
        args.backend,
        not args.no_docs,
        args.json,
    )


def python312() -> str | None:
    """A Python >= 3.12 for ContextForge: $PEERS_PYTHON, python3.13/3.12 on PATH, or pyenv's."""
    candidates = [os.environ.get("PEERS_PYTHON"), shutil.which("python3.13"), shutil.which("python3.12")]
    candidates += sorted(
        glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[2-9]*/bin/python")), reverse=True
    )
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    return None


def ensure_venv(name: str, python: str, requirement: str) -> Path:
    """.tools/peers/<name> with `requirement` installed (pip, only when missing)."""
    venv = TOOLS / name
    package, _, version = requirement.partition("==")
    check = [
        str(venv / "bin" / "python"),
        "-c",
        f"import importlib.metadata as m; print(m.version({package!r}))",
    ]
    if (venv / "bin" / "python").exists():
        found = subprocess.run(check, capture_output=True, text=True, check=False).stdout.strip()
        if found == version:
            return venv
    print(f"-- installing {requirement} into {venv.relative_to(REPO)}", flush=True)
    try:
        subprocess.run([python, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", requirement],
            check=True,
            capture_output=True,
            timeout=1800,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        detail = exc.stderr.decode(errors="replace").strip()[-300:] if exc.stderr else str(exc)
        raise SetupError(f"installing {requirement} failed: {detail}") from exc
    return venv


@contextmanager
def heady(backend_url: str) -> Iterator[Target]:
    proc, base = start_gateway(backend_url, ["echo"], "peers-heady")
    try:
        yield Target("Heady /mcp", f"{base}/mcp", "echo__echo", proc.pid)
    finally:
        stop(proc)


@contextmanager
def fastmcp_proxy(backend_url: str) -> Iterator[Target]:
    version = importlib.metadata.version("fastmcp")
    venv = ensure_venv("fastmcp", sys.executable, f"fastmcp=={version}")
    port = free_port()
    log = WORK / "fastmcp-proxy.log"
    env = {"BACKEND_URL": backend_url, "PORT": str(port)}
    proc = start([str(venv / "bin" / "python"), str(PROXY)], log, env)
    try:
        url = f"http://127.0.0.1:{port}/mcp"
        wait_for_call(url, "echo", proc, log)
        yield Target(f"FastMCP {version} proxy", url, "echo", proc.pid)
    finally:
        stop(proc)


@contextmanager
def contextforge(backend_url: str) -> Iterator[Target]:
    python = python312()
    if python is None:
        raise SetupError("ContextForge needs Python >= 3.12 and none was found (set PEERS_PYTHON)")
    venv = ensure_venv("contextforge", python, CONTEXTFORGE)
    forge = start_contextforge(venv, WORK / "contextforge", free_port(), backend_url)
    try:
        wait_for_call(
            forge.url, forge.tool, forge.proc, WORK / "contextforge" / "contextforge.log", auth=forge.auth
        )
        yield Target("ContextForge 1.1.0", forge.url, forge.tool, forge.proc.pid, auth=forge.auth)
    finally:
        stop(forge.proc)


def ratios(rows: Sequence[Row], level: int) -> str:
    """Heady's throughput as a multiple of each peer's at `level` connections.

    Two figures: the plain ratio of calls/s, and the ratio of each one's share of the
    direct run taken just before it (which cancels load changes between the runs).
    """
    paired = zip(rows, shares(rows, "direct"), strict=True)
    found = {row.target: (row.result.calls_per_s, share) for row, share in paired if row.concurrency == level}
    mine = found.get("Heady /mcp")
    if not mine or not mine[0]:
        return ""
    parts = []
    for name, target in (("FastMCP", 5), ("ContextForge", 10)):
        peer = next((value for key, value in found.items() if key.startswith(name)), None)
        if peer and peer[0]:
            note = f", {mine[1] / peer[1]:.1f}x paired with direct" if mine[1] and peer[1] else ""
            parts.append(f"{mine[0] / peer[0]:.1f}x {name}{note} (target ≥ {target}x)")
    return f"At concurrency {level}, Heady's throughput is " + "; ".join(parts) + "." if parts else ""


def _measure(target: Target, backend_pid: int, level: int, options: Options) -> Row:
    print(f"-- {target.name}, concurrency {level}, {options.calls} calls", flush=True)
    row = measure(target, backend_pid, options.calls, level, options.max_seconds, options.warmup)
    print(f"   {row.result.calls_per_s:.1f} calls/s, {row.result.failures} errors", flush=True)
    return row


def run(options: Options) -> str:
    """Every target in turn on one backend; returns the markdown section."""
    WORK.mkdir(parents=True, exist_ok=True)
    machine = machine_line(os.getloadavg())  # taken at the start: the commit and load measured
    port = free_port()
    backend_url = f"http://127.0.0.1:{port}/mcp"
    log = WORK / f"{options.backend}-backend.log"
    backend = start([sys.executable, str(BACKENDS[options.backend])], log, env={"PORT": str(port)})
    rows: list[Row] = []
    notes: list[str] = []
    try:
        wait_for_call(backend_url, "echo", backend, log)
        makers: dict[str, Callable[[str], AbstractContextManager[Target]]] = {
            "heady": heady,
            "fastmcp": fastmcp_proxy,
            "contextforge": contextforge,
        }
        direct = Target("direct", backend_url, "echo", None)
        for name in PEERS:
            if name in options.skip:
                notes.append(f"{name}: skipped (--skip).")
                continue
            try:
                with makers[name](backend_url) as target:
                    for level in options.concurrency:
                        rows.append(_measure(direct, backend.pid, level, options))
                        rows.append(_measure(target, backend.pid, level, options))
            except (SetupError, ProcessError, WrkError) as exc:
                print(f"   {name} skipped: {exc}", flush=True)
                notes.append(f"{name}: not measured: {exc}")
    finally:
        stop(backend)
    if options.json_path:
        options.json_path.write_text(json.dumps([row.as_json() for row in rows], indent=2))
    lines = [
        f"Command: `{command_line(sys.argv)}`  ",
        f"Machine: {machine}",
        f"Backend: {BACKEND_NAMES[options.backend]}",
        "",
        table(rows, "direct"),
        "",
    ]
    lines += [ratios(rows, level) for level in options.concurrency if ratios(rows, level)]
    lines += [f"- {note}" for note in notes]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(sys.argv[1:] if argv is None else argv)
    if not HEADY.exists():
        print(f"error: {HEADY} not found; install the project first (pip install -e .)", file=sys.stderr)
        return 1
    try:
        section = run(options)
    except (WrkError, ProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(section)
    if options.docs:
        write_section(SECTIONS[options.backend], section)
        print(f"updated docs/benchmarks.md (section bench:{SECTIONS[options.backend]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
