"""One server process slot: spawn, wait until ready, watch its health, restart it per policy."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from heady.compose.model import ServerConfig
from heady.protocol import versions
from heady.protocol.probe import ProbeError, ProbeResult, probe_http
from heady.supervisor import process as proc
from heady.supervisor.backoff import Restarts, wants_restart
from heady.supervisor.status import GIVEN_UP, Health, ReplicaStatus, ServerState

if TYPE_CHECKING:
    from heady.protocol.stdio import StdioChannel

LogSink = Callable[[str, str], None]
"""Receives (label, line) for every line a server writes to its log streams."""

STARTUP_POLL = 0.1
"""Seconds between readiness probes while a server starts."""

STDIO_FIRST_ANSWER = 10.0
"""Seconds a starting stdio server has to answer ``server/discover`` before the ``initialize`` fallback."""


class _Ended(Exception):
    """This run of the process is over; ``failed`` says whether the restart policy sees a failure."""

    def __init__(self, message: str, *, failed: bool, fatal: bool = False) -> None:
        super().__init__(message)
        self.failed = failed
        self.fatal = fatal


class Replica:
    """Runs one process of one server until stopped or given up on; ``status`` tells where it is."""

    def __init__(
        self,
        name: str,
        index: int,
        config: ServerConfig,
        *,
        base_dir: Path,
        log: LogSink,
        changed: Callable[[ReplicaStatus], None],
        http: httpx.AsyncClient,
        grace: float = proc.GRACE,
    ) -> None:
        self.name = name
        self.config = config
        self.base_dir = base_dir
        self.status = ReplicaStatus(server=name, replica=index, transport=config.transport or "stdio")
        self.ready = asyncio.Event()
        """Set the first time the server answers its probe (dependents wait on it)."""
        self.settled = asyncio.Event()
        """Set once the server is ready or given up on."""
        self.channel: StdioChannel | None = None
        self._log = log
        self._changed = changed
        self._http = http
        self._grace = grace
        self._process: asyncio.subprocess.Process | None = None
        self._pumps: list[asyncio.Task[None]] = []

    # -- state -------------------------------------------------------------------------------

    def set_state(self, state: ServerState, message: str = "") -> None:
        self.status.state = state
        self.status.message = message
        if state in GIVEN_UP or state == "ready":
            self.settled.set()
        if state == "ready":
            self.ready.set()
        self._changed(self.status)

    # -- the loop ----------------------------------------------------------------------------

    async def run(self) -> None:
        """Start the server and keep it running as its restart policy says; return when given up."""
        restarts = Restarts(self.config.backoff)
        while True:
            try:
                await self._run_once(restarts)
            except _Ended as ended:
                await self._cleanup()
                message = str(ended)
                if ended.fatal or not wants_restart(self.config.restart, ended.failed):
                    state: ServerState = "failed" if ended.failed else "exited"
                    self.set_state(state, message)
                    return
                delay = restarts.next_delay(time.monotonic())
                if delay is None:
                    budget = self.config.backoff
                    self.set_state(
                        "crash-loop",
                        f"{message}; {budget.max_restarts} restarts within {budget.window:g}s, "
                        "not restarting (see backoff.max_restarts)",
                    )
                    return
                self.status.backoff_delays.append(delay)
                self.set_state("backoff", f"{message}; restarting in {delay:g}s")
                await asyncio.sleep(delay)
                self.status.restarts += 1

    async def _run_once(self, restarts: Restarts) -> None:
        """One process lifetime; always ends by raising _Ended."""
        argv, env, cwd = self._launch_spec()
        if self.config.transport == "http" and self.config.port is not None:
            holder = await self._port_holder(self.config.port)
            if holder is not None:
                raise _Ended(
                    f"port {self.config.port} is already in use by {holder}; "
                    "stop that process or change port",
                    failed=True,
                    fatal=True,
                )
        try:
            process = await proc.spawn(argv, env=env, cwd=cwd, stdin=self.config.transport == "stdio")
        except proc.SpawnError as exc:
            raise _Ended(str(exc), failed=True, fatal=True) from None
        self._process = process
        self.status.pid = process.pid
        self.status.started_at = time.time()
        self.status.ready_at = None
        self.status.exit_code = None
        self.status.last_health = None
        self._start_pumps(process)
        self.set_state("starting")
        result = await self._wait_ready(process)
        self.status.protocol_version = result.protocol_version
        self.status.server_info = result.server_info
        self.status.ready_at = time.time()
        self.status.last_health = Health(True, result.describe())
        self.set_state("ready", result.describe())
        await self._watch(process, restarts)

    async def _port_holder(self, port: int) -> str | None:
        """Who holds ``port``, after giving a just-stopped process of ours a second to let go."""
        for _ in range(10):
            if proc.port_holder(port, describe=False) is None:
                return None
            await asyncio.sleep(0.1)
        return proc.port_holder(port)

    def _launch_spec(self) -> tuple[list[str], dict[str, str], Path]:
        env = {**os.environ, **self.config.env}
        if self.config.transport == "http" and self.config.port is not None:
            env["PORT"] = str(self.config.port)
        cwd = (self.base_dir / self.config.cwd) if self.config.cwd else self.base_dir
        if not cwd.is_dir():
            raise _Ended(f"cwd {cwd} is not a folder; fix cwd", failed=True, fatal=True)
        assert self.config.command is not None  # only launched servers get a Replica
        try:
            argv = proc.resolve_command(self.config.command, env)
        except proc.SpawnError as exc:
            raise _Ended(str(exc), failed=True, fatal=True) from None
        return argv, env, cwd

    def _start_pumps(self, process: asyncio.subprocess.Process) -> None:
        label = self.status.label

        def emit(line: str) -> None:
            self._log(label, line)

        streams = [process.stderr]
        if self.config.transport == "stdio":
            self.channel = self._open_channel(process)
        else:
            streams.insert(0, process.stdout)
        self._pumps = [asyncio.create_task(proc.pump_lines(s, emit)) for s in streams]

    def _open_channel(self, process: asyncio.subprocess.Process) -> StdioChannel:
        from heady.protocol.stdio import StdioChannel

        return StdioChannel.from_process(process, name=self.status.label)

    async def _wait_ready(self, process: asyncio.subprocess.Process) -> ProbeResult:
        """Probe until the server answers; it has ``start_period`` seconds."""
        check = self.config.healthcheck
        deadline = time.monotonic() + check.start_period
        seen = "no probe answered yet"
        # stdio: the first request waits in the pipe while the process starts, so give it
        # time before reading silence as "legacy server" and falling back to initialize
        first = max(check.timeout, STDIO_FIRST_ANSWER) if self.config.transport == "stdio" else check.timeout
        exited = asyncio.ensure_future(process.wait())
        try:
            while True:
                if exited.done():
                    raise _Ended(self._exit_message(process, "before it was ready"), failed=True)
                try:
                    return await self._probe(min(first, max(deadline - time.monotonic(), 0.1)))
                except ProbeError as exc:
                    seen = str(exc)
                if time.monotonic() >= deadline:
                    raise _Ended(
                        f"not ready within start_period {check.start_period:g}s; last probe: {seen}",
                        failed=True,
                        fatal=True,
                    )
                await asyncio.wait({exited}, timeout=STARTUP_POLL)
        finally:
            exited.cancel()

    async def _watch(self, process: asyncio.subprocess.Process, restarts: Restarts) -> None:
        """Probe every ``interval`` while the process runs; end on exit or ``retries`` failures."""
        check = self.config.healthcheck
        failures = 0
        ready_since = time.monotonic()
        exited = asyncio.ensure_future(process.wait())
        try:
            while True:
                await asyncio.wait({exited}, timeout=check.interval)
                if time.monotonic() - ready_since >= self.config.backoff.window:
                    restarts.stable()
                if exited.done():
                    raise _Ended(self._exit_message(process, "while running"), failed=process.returncode != 0)
                try:
                    result = await self._probe(check.timeout)
                except ProbeError as exc:
                    failures += 1
                    self.status.last_health = Health(False, str(exc))
                    if failures >= check.retries:
                        self.set_state("unhealthy", f"{failures} health probes failed in a row; last: {exc}")
                        raise _Ended(f"unhealthy ({exc})", failed=True) from None
                    self._changed(self.status)
                else:
                    failures = 0
                    self.status.last_health = Health(True, result.describe())
                    self._changed(self.status)
        finally:
            exited.cancel()

    async def _probe(self, within: float) -> ProbeResult:
        if self.channel is not None:
            return await self._probe_channel(self.channel, within)
        assert self.config.endpoint is not None
        return await probe_http(
            self.config.endpoint,
            within=within,
            protocol=self.status.protocol_version or self._declared_protocol(),
            headers=self.config.headers,
            client=self._http,
        )

    def _declared_protocol(self) -> str | None:
        """The ``protocol`` setting, when it names a revision instead of ``auto``."""
        return None if self.config.protocol == "auto" else self.config.protocol

    async def _probe_channel(self, channel: StdioChannel, within: float) -> ProbeResult:
        """The handshake the first time (discover, else initialize); then discover or ping."""
        from heady.protocol import jsonrpc
        from heady.protocol.stdio import ChannelClosed, RequestFailed

        try:
            if channel.protocol_version is None:
                await channel.handshake(self.config.protocol, timeout=within)
            elif channel.protocol_version == versions.MODERN:
                await channel.discover(timeout=within)
            else:
                answer = await channel.request(jsonrpc.request(0, "ping", {}), within)
                if "error" in answer:
                    raise ProbeError(f"ping answered with error {answer['error']}")
        except TimeoutError:
            raise ProbeError(f"no answer on stdio within {within:g}s") from None
        except (ChannelClosed, RequestFailed) as exc:
            raise ProbeError(str(exc)) from None
        assert channel.protocol_version is not None
        return ProbeResult(
            protocol_version=channel.protocol_version,
            server_info=channel.server_info,
            capabilities=channel.capabilities or {},
        )

    def _exit_message(self, process: asyncio.subprocess.Process, when: str) -> str:
        code = process.returncode
        self.status.exit_code = code
        if code is not None and code < 0:
            return f"killed by signal {-code} {when}"
        return f"exited with code {code} {when}"

    # -- stopping ----------------------------------------------------------------------------

    async def _cleanup(self) -> None:
        """The process ended on its own: kill what it left, drain its output, drop the channel."""
        process = self._process
        if process is not None:
            if process.returncode is None:
                await proc.stop_group(process, self._grace)
            else:
                proc.reap_group(process)
            self._process = None  # not before: a stop interrupted half-way is resumed by stop()
        await self._close_channel()
        if self._pumps:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*self._pumps, return_exceptions=True), 1.0)
            for task in self._pumps:
                task.cancel()
            self._pumps = []
        self.status.pid = None

    async def _close_channel(self) -> None:
        channel, self.channel = self.channel, None
        if channel is not None:
            with contextlib.suppress(Exception):
                await channel.close()

    async def stop(self) -> None:
        """Graceful stop of the current process (the run loop must be cancelled first)."""
        if self._process is not None:
            self.set_state("stopping")
        await self._cleanup()
        if self.status.state not in ("failed", "crash-loop", "exited"):
            self.set_state("stopped")
