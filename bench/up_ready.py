"""Time from `heady up` to ready for the example stack (target: <= 3 s, npx packages cached).

Each run starts ``heady up`` on a copy of examples/mcp-compose.yaml with free ports (so it
never collides with a stack someone else runs), reads its plain status lines, and records
when the first server was spawned (the CLI's own start-up), when each server became ready
and when the endpoint line came; then SIGTERM and the time until ``heady up`` exited.
Every run is bounded (120 s to ready, 60 s to stop). The machine's load average is shown
with the numbers, since on a shared 2-core machine it dominates them.

Run:  .venv/bin/python bench/up_ready.py --runs 5
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
HEADY = str(Path(sys.executable).parent / "heady")
READY = re.compile(r"^heady: (\S+) ready")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def example_copy(folder: Path) -> Path:
    """examples/mcp-compose.yaml in ``folder`` with free ports; its relative paths still resolve."""
    for entry in EXAMPLES.iterdir():
        if entry.name not in ("mcp-compose.yaml", ".heady"):
            (folder / entry.name).symlink_to(entry)
    yaml = YAML()
    doc = yaml.load((EXAMPLES / "mcp-compose.yaml").read_text())
    doc["gateway"]["listen"] = f"127.0.0.1:{free_port()}"
    doc["gateway"].pop("public_url", None)
    for server in doc["servers"].values():
        if "port" in server:
            server["port"] = free_port()
    path = folder / "mcp-compose.yaml"
    with path.open("w") as out:
        yaml.dump(doc, out)
    return path


def one_run(compose: Path) -> dict[str, float]:
    started = time.monotonic()
    proc = subprocess.Popen(
        [HEADY, "up", "-f", str(compose)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    marks: dict[str, float] = {}
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            now = time.monotonic() - started
            if time.monotonic() - started > 120:
                raise SystemExit("heady up did not get ready within 120 s")
            if "starting (pid" in line:
                marks.setdefault("first spawn", now)
            if match := READY.match(line):
                marks[f"{match.group(1)} ready"] = now
            if line.startswith("heady: endpoint"):
                marks["endpoint"] = now
                if "(4/4" not in line:
                    raise SystemExit(f"not every server came up: {line.strip()}")
                break
        else:
            raise SystemExit(f"heady up exited with {proc.wait()} before it was ready")
    finally:
        stopping = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
        marks["stop"] = time.monotonic() - stopping
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, choices=range(1, 21), metavar="N (1-20)")
    args = parser.parse_args()
    runs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="heady-bench-up-") as tmp:
        compose = example_copy(Path(tmp))
        one_run(compose)  # warm-up: npx cache, bytecode
        for _ in range(args.runs):
            runs.append(one_run(compose))
    print(f"heady up -f examples/mcp-compose.yaml (copy, free ports), {args.runs} runs after one warm-up")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    for key in runs[0]:
        values = [r[key] for r in runs if key in r]
        median, low, high = statistics.median(values), min(values), max(values)
        print(f"  {key:<18} median {median:5.2f} s   min {low:5.2f}   max {high:5.2f}")


if __name__ == "__main__":
    main()
