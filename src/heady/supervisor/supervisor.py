"""Runs every server a compose file launches, in dependency order, until stopped."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx

from heady.compose.model import ComposeFile
from heady.supervisor.process import GRACE
from heady.supervisor.replica import LogSink, Replica
from heady.supervisor.status import GIVEN_UP, ReplicaStatus

if TYPE_CHECKING:
    from heady.protocol.stdio import StdioChannel


class SupervisorError(Exception):
    """The servers cannot be started as declared (for example a dependency cycle)."""


def start_order(compose: ComposeFile) -> list[str]:
    """Launched servers, each after the launched servers it depends on.

    Unknown names in ``depends_on`` are the loader's to report; here they are ignored.
    """
    launched = {name for name, server in compose.servers.items() if server.launched}
    order: list[str] = []
    visiting: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        if name in visiting:
            cycle = " -> ".join([*visiting[visiting.index(name) :], name])
            raise SupervisorError(f"servers depend on each other in a cycle ({cycle}); remove one depends_on")
        visiting.append(name)
        for dep in compose.servers[name].depends_on:
            if dep in launched:  # others (remote, or not run here) have nothing to wait for
                visit(dep)
        visiting.pop()
        order.append(name)

    for name in compose.servers:
        if name in launched:
            visit(name)
    return order


def _print_line(label: str, line: str) -> None:
    print(f"{label} | {line}", flush=True)


class Supervisor:
    """Starts, probes, restarts and stops the compose file's local servers.

    ``on_change`` is called with a replica's status on every change (state, pid,
    health) and ``log`` with every line the servers write to their logs.
    """

    def __init__(
        self,
        compose: ComposeFile,
        *,
        log: LogSink = _print_line,
        on_change: Callable[[ReplicaStatus], None] | None = None,
        grace: float = GRACE,
    ) -> None:
        self.compose = compose
        self.order = start_order(compose)
        self._on_change = on_change
        self._http = httpx.AsyncClient(trust_env=False)
        self.replicas: dict[str, list[Replica]] = {}
        for name in self.order:
            config = compose.servers[name]
            count = config.replicas if config.transport == "stdio" else 1
            self.replicas[name] = [
                Replica(
                    name,
                    i,
                    config,
                    base_dir=compose.base_dir,
                    log=log,
                    changed=self._changed,
                    http=self._http,
                    grace=grace,
                )
                for i in range(count)
            ]
        self._tasks: list[asyncio.Task[None]] = []

    def _changed(self, status: ReplicaStatus) -> None:
        if self._on_change is not None:
            self._on_change(status)

    # -- queries -----------------------------------------------------------------------------

    def statuses(self) -> list[ReplicaStatus]:
        return [r.status for name in self.order for r in self.replicas[name]]

    def channels(self, name: str) -> list[StdioChannel]:
        """The handshaken stdio channels of server ``name``, one per ready replica.

        A restarted process gets a new channel: fetch them again on each use.
        """
        return [
            r.channel
            for r in self.replicas.get(name, [])
            if r.channel is not None and r.status.state == "ready"
        ]

    def is_ready(self, name: str) -> bool:
        return any(r.status.state == "ready" for r in self.replicas.get(name, []))

    def all_settled(self) -> bool:
        """Every server is ready or given up on (the moment ``heady up`` prints the endpoint)."""
        return all(r.settled.is_set() for rs in self.replicas.values() for r in rs)

    def all_given_up(self) -> bool:
        """Every launched server failed or exited; nothing is left to serve."""
        statuses = self.statuses()
        return bool(statuses) and all(s.state in GIVEN_UP for s in statuses)

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start every server; each waits for its dependencies. Returns at once."""
        for name in self.order:
            for replica in self.replicas[name]:
                self._tasks.append(
                    asyncio.create_task(self._run(replica), name=f"heady:{replica.status.label}")
                )

    async def _run(self, replica: Replica) -> None:
        deps = [d for d in replica.config.depends_on if d in self.replicas]
        if deps:
            replica.status.message = f"waiting for {', '.join(deps)}"
            self._changed(replica.status)
            for dep in deps:
                await self._wait_dependency(replica, dep)
                if replica.status.state == "failed":
                    return
        try:
            await replica.run()
        except Exception as exc:  # a bug here must not leave the server silently "starting"
            replica.set_state("failed", f"supervisor error: {type(exc).__name__}: {exc}")
            raise

    async def _wait_dependency(self, replica: Replica, dep: str) -> None:
        """Return when any replica of ``dep`` is ready; fail ``replica`` if ``dep`` is given up on."""
        others = self.replicas[dep]

        async def all_settled() -> bool:
            await asyncio.gather(*(r.settled.wait() for r in others))
            return True

        waiters: list[asyncio.Future[bool]] = [asyncio.ensure_future(r.ready.wait()) for r in others]
        waiters.append(asyncio.ensure_future(all_settled()))
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        if not any(r.ready.is_set() for r in others):
            replica.set_state("failed", f"dependency '{dep}' is not running; fix it first")

    async def wait_settled(self) -> None:
        """Return once every server is ready or given up on."""
        await asyncio.gather(*(r.settled.wait() for rs in self.replicas.values() for r in rs))

    async def stop(self) -> None:
        """Stop every server: SIGTERM to each process group, SIGKILL after the grace period.

        Dependents stop before the servers they depend on.
        """
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        for level in reversed(self._levels()):  # dependents first, then what they depend on
            await asyncio.gather(
                *(r.stop() for name in level for r in self.replicas[name]), return_exceptions=True
            )
        with contextlib.suppress(Exception):
            await self._http.aclose()

    def _levels(self) -> list[list[str]]:
        """Servers grouped by dependency depth: level 0 depends on no launched server."""
        depth: dict[str, int] = {}
        for name in self.order:  # dependencies come first in ``order``
            deps = [d for d in self.compose.servers[name].depends_on if d in depth]
            depth[name] = 1 + max((depth[d] for d in deps), default=-1)
        levels: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
        for name, level in depth.items():
            levels[level].append(name)
        return levels

    async def __aenter__(self) -> Supervisor:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
