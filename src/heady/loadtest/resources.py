"""CPU and memory of the processes a run can see: the gateway, the supervised servers, --pid.

``heady up`` writes ``.heady/status.json`` beside the compose file; every entry in it
with a ``pid`` is watched. CPU is the CPU time each process spent during the run
(its own, not its children's: the supervisor's children are watched as servers of
their own); RSS is the highest resident size sampled every half second.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import psutil

SAMPLE_SECONDS = 0.5


def processes_from_status(path: Path) -> dict[str, int]:
    """name -> pid for every entry with a ``pid`` in a ``heady up`` status file (empty if none)."""
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    found: dict[str, int] = {}

    def walk(node: Any, name: str) -> None:
        if isinstance(node, dict):
            pid = node.get("pid")
            if isinstance(pid, int) and not isinstance(pid, bool) and pid > 0:
                label = str(node.get("name") or node.get("server") or name or "process")
                replica = node.get("replica")
                if isinstance(replica, int) and replica > 0:
                    label += f"#{replica}"  # the supervisor's name for a stdio server's second process
                found[label] = pid
            for key, value in node.items():
                walk(value, key if name in ("", "servers", "processes") else f"{name}.{key}")
        elif isinstance(node, list):
            for item in node:
                walk(item, name)

    if isinstance(data, dict) and isinstance(data.get("pid"), int):
        found["heady up"] = data["pid"]  # the supervisor, serving the gateway in the same process
        data = {k: v for k, v in data.items() if k != "pid"}
    walk(data, "")
    return found


def _cpu(procs: list[psutil.Process]) -> dict[int, float]:
    out = {}
    for proc in procs:
        try:
            times = proc.cpu_times()
            out[proc.pid] = times.user + times.system
        except psutil.Error:
            pass
    return out


def _rss(procs: list[psutil.Process]) -> int:
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            total += proc.memory_info().rss
    return total


@dataclass
class Watched:
    name: str
    proc: psutil.Process
    cpu_start: dict[int, float] = field(default_factory=dict)
    cpu_end: dict[int, float] = field(default_factory=dict)
    rss_max: int = 0


class Monitor:
    """Samples the watched processes from a background thread while a stage runs."""

    def __init__(self, processes: dict[str, int]) -> None:
        self.watched: list[Watched] = []
        self.missing: list[str] = []
        for name, pid in processes.items():
            try:
                self.watched.append(Watched(name, psutil.Process(pid)))
            except psutil.Error:
                self.missing.append(f"{name} (pid {pid})")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        for w in self.watched:
            w.cpu_start = _cpu([w.proc])
            w.rss_max = _rss([w.proc])
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, name="heady-loadtest-rss", daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            for w in self.watched:
                w.rss_max = max(w.rss_max, _rss([w.proc]))

    def stop(self, calls: int, wall: float) -> list[dict[str, Any]]:
        """One entry per watched process: CPU seconds, CPU %, CPU per call, peak RSS."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        out = []
        for w in self.watched:
            w.cpu_end = _cpu([w.proc])
            cpu = sum(end - w.cpu_start.get(pid, 0.0) for pid, end in w.cpu_end.items())
            out.append(
                {
                    "name": w.name,
                    "pid": w.proc.pid,
                    "cpu_seconds": round(cpu, 3),
                    "cpu_percent": round(100 * cpu / wall, 1) if wall else 0.0,
                    "cpu_per_call_us": round(1e6 * cpu / calls, 1) if calls else None,
                    "rss_max_mb": round(w.rss_max / 2**20, 1),
                }
            )
        return out
