"""Serving the gateway over HTTP: uvicorn (httptools parser, one write per response) with a
graceful, draining shutdown.

Chosen by measurement (docs/gateway.md, "Choices"). On shutdown the gateway first ends
its long-lived streams, then uvicorn stops accepting and waits for in-flight requests.
"""

from __future__ import annotations

import contextlib
import importlib.util
import socket
from collections.abc import Generator
from typing import Any

import uvicorn

from heady.gateway.app import Gateway

DRAIN: float = 30.0
"""Seconds in-flight requests get to finish on shutdown."""


def _protocol() -> Any:
    """uvicorn's httptools protocol with one write per response; h11 without httptools."""
    if importlib.util.find_spec("httptools") is None:
        return "h11"
    from heady.gateway.transport import CoalescingHttpToolsProtocol

    return CoalescingHttpToolsProtocol


class GatewayServer(uvicorn.Server):
    """uvicorn.Server that tells the gateway to close its streams before draining connections."""

    def __init__(self, config: uvicorn.Config, gateway: Gateway, *, signals: bool) -> None:
        super().__init__(config)
        self.gateway = gateway
        self._signals = signals

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if self._signals:
            with super().capture_signals():
                yield
        else:  # embedded (``heady up``): the caller owns the signals and sets ``should_exit``
            yield

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.gateway.closing.set()
        await super().shutdown(sockets)

    def stop(self) -> None:
        self.should_exit = True


def make_server(
    gateway: Gateway, host: str, port: int, *, signals: bool = True, drain: float = DRAIN
) -> GatewayServer:
    """A server for ``gateway`` on ``host:port``; ``await server.serve()`` runs it until stopped."""
    config = uvicorn.Config(
        gateway,
        host=host,
        port=port,
        http=_protocol(),
        loop="none",
        ws="none",
        lifespan="on",
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=int(drain),
        server_header=False,
        date_header=False,
        proxy_headers=False,  # the client address is the peer's; behind a proxy, auth decides who is who
    )
    return GatewayServer(config, gateway, signals=signals)
