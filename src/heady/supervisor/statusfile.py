"""The status file ``heady up`` keeps beside the compose file, read by ``heady ps``.

``.heady/status.json`` in the compose file's folder: the pid of ``heady up``, the
endpoint, and every server process with its state, pid, restarts, start time and
last health result. It is rewritten (atomically) on every change and marked
``stopped`` when ``heady up`` exits.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

import psutil

STATUS_FILE = Path(".heady") / "status.json"


def status_path(compose_file: Path) -> Path:
    """Where the status of the stack started from ``compose_file`` lives."""
    return compose_file.resolve().parent / STATUS_FILE


def write_status(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(doc, indent=2, default=str))
    os.replace(tmp, path)


def read_status(path: Path) -> dict[str, Any] | None:
    """The last status written, or None when there is none (or it is unreadable)."""
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def pid_alive(pid: object) -> bool:
    """True when ``pid`` is a running process (not a zombie)."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    with contextlib.suppress(psutil.Error):
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    return False
