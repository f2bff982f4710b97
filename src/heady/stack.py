"""The stack: the supervisor and the gateway, started from one compose file in one asyncio loop.

``heady up`` runs a Stack until it is told to stop. The supervisor starts every
server the file launches; the gateway (``make_gateway``) is served from the same loop
and starts at once, reporting partial availability while servers come up. The status
of every server is kept in ``.heady/status.json`` beside the compose file for ``heady ps``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from heady.compose.model import ComposeFile
from heady.supervisor import ReplicaStatus, Supervisor, SupervisorError
from heady.supervisor.process import GRACE
from heady.supervisor.replica import LogSink
from heady.supervisor.statusfile import status_path, write_status


class Gateway(Protocol):
    """What the stack needs from a gateway: serve until ``stop`` is set, in this loop.

    A gateway may also define ``server_ready(name: str) -> None``: the stack calls it each
    time a server process becomes ready (first start and every restart), so the gateway
    can connect at once instead of waiting for its own retry.
    """

    async def serve(self, stop: asyncio.Event) -> None: ...


class StackError(Exception):
    """The stack cannot start as declared; the message names what and how to fix it."""


def make_gateway(compose: ComposeFile, supervisor: Supervisor) -> Gateway | None:
    """The gateway served next to the servers, on ``compose.gateway.listen``.

    It takes upstream state from ``supervisor`` (``channels(name)`` for stdio servers),
    starts at once and reports partial availability while servers come up.
    """
    from heady.gateway.service import GatewayService, GatewayStartError

    try:
        return GatewayService(compose, supervisor)
    except GatewayStartError as exc:
        raise StackError(f"gateway: {exc}") from None


class Stack:
    """Runs the servers (and the gateway) of one compose file until ``stop`` is set."""

    def __init__(
        self,
        compose: ComposeFile,
        *,
        log: LogSink | None = None,
        on_change: Callable[[ReplicaStatus], None] | None = None,
        on_ready: Callable[[Stack], None] | None = None,
        grace: float = GRACE,
        gateway: Callable[[ComposeFile, Supervisor], Gateway | None] = make_gateway,
    ) -> None:
        self.compose = compose
        self._on_change = on_change
        self._on_ready = on_ready
        extra = {"log": log} if log is not None else {}
        try:
            self.supervisor = Supervisor(compose, on_change=self._changed, grace=grace, **extra)
        except SupervisorError as exc:
            raise StackError(str(exc)) from None
        self.gateway = gateway(compose, self.supervisor)
        self.status_file: Path = status_path(compose.path or compose.base_dir / "mcp-compose.yaml")
        self.started_at = time.time()
        self.state = "starting"
        self._wake = asyncio.Event()
        self._states: dict[str, str] = {}

    @property
    def endpoint(self) -> str:
        return self.compose.gateway.url

    def _changed(self, status: ReplicaStatus) -> None:
        self._write_status()
        self._wake.set()
        entered = self._states.get(status.label) != status.state
        self._states[status.label] = status.state
        hook = getattr(self.gateway, "server_ready", None)
        if entered and status.state == "ready" and hook is not None:
            hook(status.server)
        if self._on_change is not None:
            self._on_change(status)

    def snapshot(self) -> dict[str, Any]:
        """The status document ``heady ps`` reads."""
        return {
            "project": self.compose.project,
            "compose": str(self.compose.path or ""),
            "pid": os.getpid(),
            "state": self.state,
            "endpoint": self.endpoint,
            "started_at": self.started_at,
            "updated_at": time.time(),
            "servers": [s.to_json() for s in self.supervisor.statuses()],
        }

    def _write_status(self) -> None:
        with contextlib.suppress(OSError):  # a read-only folder must not take the stack down
            write_status(self.status_file, self.snapshot())

    async def run(self, stop: asyncio.Event) -> bool:
        """Run until ``stop`` is set or every server has failed; False in the second case."""
        gateway_task: asyncio.Task[None] | None = None
        try:
            if self.gateway is not None:
                gateway_task = asyncio.create_task(self.gateway.serve(stop), name="heady:gateway")
            await self.supervisor.start()
            self._write_status()
            announced = False
            while not stop.is_set():
                if not announced and self.supervisor.all_settled():
                    announced = True
                    self.state = "running"
                    self._write_status()
                    if self._on_ready is not None:
                        self._on_ready(self)
                if self.supervisor.all_given_up():
                    return False
                self._wake.clear()
                waiters: list[asyncio.Future[Any]] = [
                    asyncio.ensure_future(stop.wait()),
                    asyncio.ensure_future(self._wake.wait()),
                ]
                if gateway_task is not None:
                    waiters.append(gateway_task)
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
                for waiter in waiters[:2]:
                    waiter.cancel()
                if gateway_task is not None and gateway_task.done() and not stop.is_set():
                    gateway_task.result()  # a gateway that died takes the stack down, loudly
                    raise StackError("the gateway stopped on its own (see its log above)")
            return True
        finally:
            stop.set()
            self.state = "stopping"
            await self.supervisor.stop()
            if gateway_task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(gateway_task, GRACE)
            self.state = "stopped"
            self._write_status()
