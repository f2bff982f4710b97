"""What the supervisor knows about each server process, in a form ``heady ps`` can read back."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ServerState = Literal[
    "waiting",  # its dependencies are not ready yet
    "starting",  # spawned, probing until ready or start_period ends
    "ready",  # answered the MCP probe
    "unhealthy",  # ``retries`` health probes failed in a row; about to be stopped
    "backoff",  # exited or unhealthy; waiting before the next restart
    "failed",  # will not run: bad command, port in use, never ready, exit under ``restart: no``
    "crash-loop",  # restarted too often within ``backoff.window``; given up
    "exited",  # exited cleanly and the policy does not restart it
    "stopping",
    "stopped",
]

SETTLED: frozenset[ServerState] = frozenset({"ready", "failed", "crash-loop", "exited", "stopped"})
"""States in which ``heady up`` has an answer for the server (for "the endpoint is ready")."""

GIVEN_UP: frozenset[ServerState] = frozenset({"failed", "crash-loop", "exited", "stopped"})
"""States the supervisor will not leave on its own."""


@dataclass(slots=True)
class Health:
    ok: bool
    detail: str
    at: float = field(default_factory=time.time)


@dataclass(slots=True)
class ReplicaStatus:
    """One process of one server (``replica`` counts from 0; http servers have one)."""

    server: str
    replica: int
    transport: str
    state: ServerState = "waiting"
    pid: int | None = None
    restarts: int = 0
    started_at: float | None = None
    ready_at: float | None = None
    exit_code: int | None = None
    protocol_version: str | None = None
    server_info: dict[str, Any] | None = None
    last_health: Health | None = None
    message: str = ""
    backoff_delays: list[float] = field(default_factory=list)
    """Every restart delay applied so far, in order (the backoff as it happened)."""

    @property
    def label(self) -> str:
        """``notes``, or ``memory#1`` for the second replica of a stdio server."""
        return self.server if self.replica == 0 else f"{self.server}#{self.replica}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
