"""The contract between the gateway front and its upstreams.

The front speaks to every upstream in one canonical form: JSON-RPC messages of
revision 2026-07-28 (stateless; client version and capabilities in ``_meta``).
Each upstream translates to what its server speaks (2026-07-28 over HTTP, a pooled
2025-era session over HTTP, or multiplexed JSON-RPC over a stdio process) and back,
and enforces the per-upstream controls: timeout with cancellation, bounded in-flight
and queue, circuit breaker, response size.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

JSON = dict[str, Any]

UpstreamState = Literal["starting", "ready", "degraded", "down", "circuit_open"]
ErrorKind = Literal["unavailable", "timeout", "overloaded", "too_large", "protocol", "circuit_open"]


@dataclass(slots=True)
class CallContext:
    """What an upstream needs to know about one forwarded request."""

    timeout: float
    """Seconds before the call fails and the upstream request is cancelled."""
    max_response_bytes: int
    client_capabilities: JSON = field(default_factory=dict)
    client_info: JSON | None = None
    on_message: Callable[[JSON], Awaitable[None]] | None = None
    """Relays request-scoped notifications (progress, log messages) to the client, in 2026-07-28 form."""


@dataclass(slots=True)
class UpstreamStatus:
    state: UpstreamState = "starting"
    detail: str = ""
    protocol_version: str | None = None
    server_info: JSON | None = None
    capabilities: JSON | None = None
    instructions: str | None = None


class UpstreamError(Exception):
    """A forwarded request failed before the server answered; names the server and the cause."""

    def __init__(self, server: str, kind: ErrorKind, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"server '{server}': {message}")
        self.server = server
        self.kind = kind
        self.retry_after = retry_after


class Upstream(Protocol):
    """One backend MCP server as the gateway sees it."""

    name: str

    @property
    def status(self) -> UpstreamStatus: ...

    async def start(self) -> None:
        """Connect and learn the server's version and capabilities; never raises, sets ``status``."""

    async def call(self, request: JSON, ctx: CallContext) -> JSON:
        """Forward one JSON-RPC request; return the JSON-RPC response (result or error) with the same id.

        Raises UpstreamError when no answer came from the server (down, timeout, overloaded,
        response too large, circuit open, protocol violation).
        """

    def listen(self, request: JSON, ctx: CallContext) -> AsyncIterator[JSON]:
        """``subscriptions/listen``: yield the server's change notifications in 2026-07-28 form."""

    async def close(self) -> None: ...
