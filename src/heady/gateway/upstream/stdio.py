"""A stdio server: the supervisor's processes, reached through their ``StdioChannel``s.

The supervisor owns the processes and their channels (a restarted process gets a new
one), so the upstream asks a provider for the live channels on every call and takes
them in turn (replicas). Each channel has already done its handshake; a 2025-era
process gets the same translation as a 2025-era HTTP server, while ids, progress tokens
and cancellation are the channel's job.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Sequence

from heady.compose.model import Limits
from heady.gateway.upstream.base import JSON, CallContext, UpstreamError, UpstreamStatus
from heady.gateway.upstream.breaker import CircuitBreaker
from heady.gateway.upstream.guarded import GuardedUpstream
from heady.gateway.upstream.translate import legacy_params, modern_response
from heady.protocol import versions
from heady.protocol.stdio import ChannelClosed, RequestFailed, ResponseTooLarge, StdioChannel

ChannelProvider = Callable[[], Sequence[StdioChannel]]
_NO_PROCESS = "no process is running (the supervisor is starting or restarting it)"
_LIST_CHANGED = frozenset(
    {
        "notifications/tools/list_changed",
        "notifications/prompts/list_changed",
        "notifications/resources/list_changed",
        "notifications/resources/updated",
    }
)


class StdioUpstream(GuardedUpstream):
    """One stdio server: its live processes (replicas) taken in turn."""

    def __init__(
        self,
        name: str,
        channels: ChannelProvider,
        limits: Limits,
        *,
        protocol: str = "auto",
        breaker: CircuitBreaker | None = None,
    ) -> None:
        super().__init__(name, limits, breaker)
        self.channels = channels
        self.protocol = protocol
        self._turn = itertools.count()

    @property
    def status(self) -> UpstreamStatus:
        status = self._status
        channels = [c for c in self.channels() if not c.closed]
        live = [c for c in channels if c.protocol_version is not None]
        if live:
            channel = live[0]
            status.protocol_version = channel.protocol_version
            status.server_info = channel.server_info
            status.capabilities = channel.capabilities
            status.instructions = channel.instructions
            if status.state in ("starting", "down"):
                status.state, status.detail = "ready", ""
        elif channels:
            status.state, status.detail = "starting", "waiting for the process to answer its handshake"
        else:
            status.state, status.detail = "down", _NO_PROCESS
        return super().status

    def _live(self) -> list[StdioChannel]:
        return [c for c in self.channels() if not c.closed and c.protocol_version is not None]

    def _pick(self) -> StdioChannel:
        live = self._live()
        if not live:
            raise UpstreamError(
                self.name,
                "unavailable",
                "no process is running (the supervisor is starting or restarting it)",
            )
        return live[next(self._turn) % len(live)]

    async def _connect(self) -> None:
        """Handshake any channel the supervisor has not (normally it has: its readiness probe)."""
        pending = [c for c in self.channels() if not c.closed and c.protocol_version is None]
        for channel in pending:
            try:
                await channel.handshake(self.protocol)
            except (ChannelClosed, RequestFailed, TimeoutError) as exc:
                raise UpstreamError(self.name, "unavailable", f"handshake failed: {exc}") from None
        self._pick()

    async def _send(self, request: JSON, ctx: CallContext) -> JSON:
        channel = self._pick()
        legacy = channel.protocol_version != versions.MODERN
        if legacy:
            outgoing = {"jsonrpc": "2.0", "id": request.get("id"), "method": request["method"]}
            params = legacy_params(request.get("params"))
            if params is not None:
                outgoing["params"] = params
        else:
            outgoing = request
        try:
            response = await channel.request(
                outgoing, None, on_message=ctx.on_message, max_response_bytes=ctx.max_response_bytes
            )
        except ChannelClosed as exc:
            raise UpstreamError(self.name, "unavailable", str(exc)) from None
        except ResponseTooLarge as exc:
            raise UpstreamError(
                self.name,
                "too_large",
                f"response of {exc.size} bytes exceeds max_response_bytes ({exc.limit})",
            ) from None
        return modern_response(request["method"], response) if legacy else response

    async def _listen(self, request: JSON, ctx: CallContext) -> AsyncIterator[JSON]:
        """Change notifications from every process of this server (list_changed, resource updates)."""
        queue: asyncio.Queue[JSON] = asyncio.Queue(maxsize=1024)
        subscribed: dict[int, Callable[[], None]] = {}

        async def put(message: JSON) -> None:
            if message.get("method") in _LIST_CHANGED and not queue.full():
                queue.put_nowait(message)

        try:
            while True:
                for channel in self.channels():
                    if id(channel) not in subscribed and not channel.closed:
                        subscribed[id(channel)] = channel.subscribe(put)
                try:
                    async with asyncio.timeout(1.0):  # then look for replaced processes
                        message = await queue.get()
                except TimeoutError:
                    continue
                yield message
        finally:
            for unsubscribe in subscribed.values():
                unsubscribe()
