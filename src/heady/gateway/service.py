"""The gateway as a service: upstreams built from the compose file, served on ``gateway.listen``.

Used by ``heady up`` (next to the supervisor, in one asyncio loop) and by ``heady gateway``.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Mapping
from typing import TYPE_CHECKING

from heady.compose.model import ComposeFile
from heady.gateway.app import Gateway
from heady.gateway.server import make_server
from heady.gateway.upstream.base import Upstream
from heady.gateway.upstream.pool import UpstreamPool
from heady.state import StateError, StateStore, open_state

if TYPE_CHECKING:
    from heady.supervisor import Supervisor


class GatewayStartError(Exception):
    """The gateway cannot start as configured (its address, or a server it cannot reach)."""


def build_upstreams(compose: ComposeFile, supervisor: Supervisor | None) -> Mapping[str, Upstream]:
    """One upstream per server; stdio servers are reached through the supervisor's processes."""
    try:
        return UpstreamPool(compose, supervisor.channels if supervisor is not None else None)
    except ValueError as exc:
        raise GatewayStartError(str(exc)) from None


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, or a GatewayStartError that says what to do."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted connections only when the
    # listening socket says it is TCP; without it multi-write answers stall on Nagle (~40 ms).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise GatewayStartError(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}); "
            "stop what uses the port or pick another with gateway.listen / --listen"
        ) from None
    sock.set_inheritable(True)
    return sock


class GatewayService:
    """Builds the gateway for a compose file and serves it until ``stop`` is set."""

    def __init__(
        self,
        compose: ComposeFile,
        supervisor: Supervisor | None = None,
        *,
        upstreams: Mapping[str, Upstream] | None = None,
        state: StateStore | None = None,
    ) -> None:
        self.compose = compose
        if compose.gateway.auth.mode != "none":
            # Never serve unauthenticated when the file asks for authentication.
            raise GatewayStartError(
                f"gateway.auth.mode {compose.gateway.auth.mode!r} is not available in this version of "
                "Heady, and the gateway will not start without the authentication the file asks for; "
                "use auth.mode: none on a loopback listen address"
            )
        try:
            self.state = state if state is not None else open_state(compose.gateway.state)
        except StateError as exc:
            raise GatewayStartError(str(exc)) from None
        if upstreams is None:
            upstreams = build_upstreams(compose, supervisor)
        self.app = Gateway(compose, upstreams, self.state)
        self.supervisor = supervisor
        self.host = compose.gateway.host
        self.port = compose.gateway.port

    async def serve(self, stop: asyncio.Event) -> None:
        sock = bind(self.host, self.port)
        server = make_server(self.app, self.host, self.port, signals=False)
        task = asyncio.create_task(server.serve(sockets=[sock]), name="heady:gateway:http")
        waiter = asyncio.ensure_future(stop.wait())
        follow = asyncio.ensure_future(self._follow()) if self.supervisor is not None else None
        try:
            await asyncio.wait((task, waiter), return_when=asyncio.FIRST_COMPLETED)
        finally:
            server.should_exit = True
            waiter.cancel()
            if follow is not None:
                follow.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            sock.close()
            await self.state.close()

    async def _follow(self) -> None:
        """Connect an upstream as soon as the supervisor sees its server ready, not at its next retry."""
        supervisor = self.supervisor
        assert supervisor is not None
        upstreams = self.app.upstreams

        async def reconnect(name: str) -> None:
            upstream = upstreams[name]
            if upstream.status.state == "down":
                await upstream.start()

        async def first_ready(name: str, ready: asyncio.Event) -> None:
            await ready.wait()
            await reconnect(name)

        firsts = [
            asyncio.ensure_future(first_ready(name, replica.ready))
            for name, replicas in supervisor.replicas.items()
            if name in upstreams
            for replica in replicas
        ]
        try:
            while True:  # later restarts: the server is ready again while its upstream still waits
                await asyncio.sleep(0.25)
                for name in upstreams:
                    if supervisor.is_ready(name):
                        await reconnect(name)
        finally:
            for first in firsts:
                first.cancel()
