"""Runs local MCP servers: spawn, probe, restart with backoff, stop cleanly."""

from heady.supervisor.status import ReplicaStatus, ServerState
from heady.supervisor.supervisor import Supervisor, SupervisorError, start_order

__all__ = ["ReplicaStatus", "ServerState", "Supervisor", "SupervisorError", "start_order"]
