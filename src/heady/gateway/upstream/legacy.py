"""The 2025-era dialect over HTTP: one initialized session shared by every call.

The session (``initialize``, ``notifications/initialized``, ``Mcp-Session-Id``) is made
once and reused; on 404 (the server forgot it, e.g. after a restart) it is re-made and
the call retried once. Each call gets a session-unique JSON-RPC id and progress token,
mapped back on the way out, so concurrent clients never collide; a cancelled call is
cancelled on the server with ``notifications/cancelled`` and by closing its stream.

The session declares ``elicitation`` and ``sampling``: when the server asks for either
during a call from a client that can answer, ``bridge.InputBridge`` turns it into a
2026-07-28 ``input_required`` round. Other server requests are refused with a JSON-RPC
error naming the method (``ping`` is answered).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from heady.gateway.upstream.base import JSON, CallContext, UpstreamError
from heady.gateway.upstream.bridge import Flight, InputBridge
from heady.gateway.upstream.exchange import Reply, exchange
from heady.gateway.upstream.http11 import ConnectionPool, HttpError
from heady.gateway.upstream.sse import SSEDecoder
from heady.gateway.upstream.translate import legacy_params, modern_response
from heady.protocol import jsonrpc, versions

log = logging.getLogger(__name__)
_CONTROL_BYTES = 1024 * 1024
"""Size limit for the session's own messages (initialize, cancellation, answers)."""


class LegacySession:
    def __init__(
        self,
        server: str,
        pool: ConnectionPool,
        headers: list[tuple[str, str]],
        version: str = versions.LEGACY,
    ) -> None:
        self.server = server
        self.pool = pool
        self.requested_version = version
        self.version = version
        self.session_id: str | None = None
        self.result: JSON = {}
        self._headers = [
            ("content-type", "application/json"),
            ("accept", "application/json, text/event-stream"),
            *headers,
        ]
        self._init_head = pool.head("POST", self._headers)
        self._head = self._init_head
        self._get_head = self._init_head
        self._delete_head = self._init_head
        self._ids = itertools.count(1)
        self._generation = 0
        self._lock = asyncio.Lock()
        self._background: set[asyncio.Task[None]] = set()
        self._bridge = InputBridge(self._reply_quietly, self._answer, self._cancel_later)

    # -- the session ----------------------------------------------------------------

    async def initialize(self) -> JSON:
        """Make a new session; raises UpstreamError when the server refuses."""
        params = {
            "protocolVersion": self.requested_version,
            "capabilities": {"elicitation": {}, "sampling": {}},
            "clientInfo": versions.CLIENT_INFO,
        }
        reply = await self._control(self._init_head, jsonrpc.request(0, "initialize", params))
        message = reply.message
        if message is None or "result" not in message:
            detail = message.get("error") if message else f"HTTP {reply.status}"
            raise UpstreamError(self.server, "protocol", f"refused initialize: {detail}")
        result: JSON = message["result"]
        self.version = str(result.get("protocolVersion", self.requested_version))
        self.session_id = reply.headers.get("mcp-session-id")
        session = [(versions.HEADER_PROTOCOL_VERSION, self.version)]
        if self.session_id:
            session.append((versions.HEADER_SESSION_ID, self.session_id))
        self._head = self.pool.head("POST", [*self._headers, *session])
        plain = [*self._headers[2:], *session]
        self._get_head = self.pool.head("GET", [("accept", "text/event-stream"), *plain])
        self._delete_head = self.pool.head("DELETE", plain)
        self._generation += 1
        await self._control(self._head, jsonrpc.notification("notifications/initialized"))
        self.result = result
        return result

    async def _renew(self, generation: int) -> None:
        """Re-initialize once, however many calls saw the session expire at the same time."""
        async with self._lock:
            if self._generation == generation:
                log.info("server '%s' forgot session %s; starting a new one", self.server, self.session_id)
                await self.initialize()

    async def check(self) -> None:
        """A ``ping`` in the session: proves the server is back and renews a forgotten session."""
        generation = self._generation
        reply = await self._control(self._head, jsonrpc.request(next(self._ids), "ping", {}))
        if reply.status == 404:
            await self._renew(generation)
        elif reply.message is None or "error" in reply.message:
            raise UpstreamError(self.server, "protocol", f"did not answer ping (HTTP {reply.status})")

    async def close(self) -> None:
        if self.session_id is not None:
            try:
                async with asyncio.timeout(2):
                    async with self.pool.request(self._delete_head) as response:
                        await response.read(_CONTROL_BYTES)
            except (TimeoutError, HttpError, OSError):
                pass
            self.session_id = None
        self._bridge.close()
        for task in list(self._background):
            task.cancel()

    # -- calls ----------------------------------------------------------------------

    async def send(self, request: JSON, ctx: CallContext) -> JSON:
        method = request["method"]
        params = request.get("params")
        if InputBridge.is_retry(params):
            resumed = await self._bridge.resume(request, ctx)
            if isinstance(resumed, dict):
                return resumed
            outcome = await self._wait_flight(resumed, request)
            assert outcome is not None  # only a first attempt asks for a renewal
            return outcome
        for attempt in (0, 1):
            generation = self._generation
            local_id = next(self._ids)
            token = None
            if isinstance(params, dict):
                meta = params.get("_meta")
                if isinstance(meta, dict) and "progressToken" in meta:
                    token = meta["progressToken"]
            local_token = f"heady-{local_id}" if token is not None else None
            outgoing = {"jsonrpc": "2.0", "id": local_id, "method": method}
            new_params = legacy_params(params, local_token)
            if new_params is not None:
                outgoing["params"] = new_params
            body = jsonrpc.dumps(outgoing)
            if self._bridge.wanted(ctx):
                flight = Flight(ctx, local_id, generation)
                flight.task = asyncio.get_running_loop().create_task(
                    exchange(
                        self.server,
                        self.pool,
                        self._head,
                        b"",
                        body,
                        ctx.max_response_bytes,
                        _relay(flight, token, local_token),
                        self._bridge.on_request(flight),
                    )
                )
                flight.task.add_done_callback(_retrieve)
                outcome = await self._wait_flight(flight, request, retry=attempt == 0)
                if outcome is not None:
                    return outcome
                await self._renew(generation)
                continue
            try:
                reply = await exchange(
                    self.server,
                    self.pool,
                    self._head,
                    b"",
                    body,
                    ctx.max_response_bytes,
                    _relay(ctx, token, local_token),
                    self._answer,
                )
            except BaseException as exc:
                if not isinstance(exc, UpstreamError) or exc.kind == "too_large":
                    self._cancel_later(local_id, generation)
                raise
            if reply.status == 404 and attempt == 0 and self.session_id is not None:
                await self._renew(generation)
                continue
            return self._finish(reply, request)
        raise UpstreamError(self.server, "unavailable", "the session expired again as soon as it was renewed")

    async def _wait_flight(self, flight: Flight, request: JSON, retry: bool = False) -> JSON | None:
        """The flight's outcome for this client request; None when the session must be renewed first."""
        try:
            outcome = await self._bridge.wait(flight, request)
        except BaseException as exc:
            assert flight.task is not None
            if not flight.task.done():
                flight.task.cancel()
            if not isinstance(exc, UpstreamError) or exc.kind == "too_large":
                self._cancel_later(flight.local_id, flight.generation)
            raise
        if isinstance(outcome, dict):
            return outcome
        if outcome.status == 404 and retry and self.session_id is not None:
            return None
        return self._finish(outcome, request)

    def _finish(self, reply: Reply, request: JSON) -> JSON:
        message = reply.message
        if message is None:
            raise UpstreamError(
                self.server,
                "protocol" if reply.status < 400 else "unavailable",
                f"answered HTTP {reply.status} without a JSON-RPC response",
            )
        message["id"] = request.get("id")
        return modern_response(request["method"], message)

    async def _answer(self, message: JSON) -> None:
        """Reply to a server->client request that arrived during a call."""
        method = message.get("method")
        if method == "ping":
            reply = jsonrpc.result(message["id"], {})
        else:
            reply = jsonrpc.error(
                message["id"],
                jsonrpc.METHOD_NOT_FOUND,
                f"the gateway does not relay '{method}' requests from a 2025-era server to its clients",
            )
        await self._control(self._head, reply)

    def _cancel_later(self, local_id: int, generation: int) -> None:
        """Send notifications/cancelled without holding up the caller."""
        if generation != self._generation:
            return
        cancel = jsonrpc.notification(
            "notifications/cancelled", {"requestId": local_id, "reason": "cancelled by the gateway"}
        )
        task = asyncio.get_running_loop().create_task(self._control_quietly(cancel))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _reply_quietly(self, message: JSON) -> None:
        try:
            await self._control(self._head, message)
        except UpstreamError as exc:
            log.warning("could not give server '%s' the client's answer: %s", self.server, exc)

    async def _control_quietly(self, message: JSON) -> None:
        try:
            async with asyncio.timeout(5):
                await self._control(self._head, message)
        except (TimeoutError, UpstreamError):
            pass

    async def _control(self, head: bytes, message: JSON) -> Reply:
        return await exchange(self.server, self.pool, head, b"", jsonrpc.dumps(message), _CONTROL_BYTES)

    # -- change notifications ---------------------------------------------------------

    async def listen(self, request: JSON, ctx: CallContext) -> AsyncIterator[JSON]:
        """The session's GET stream: the server's list_changed and resource updates, in 2026 form."""
        params = request.get("params") or {}
        wanted = params.get("notifications") or {}
        for uri in wanted.get("resourceSubscriptions") or ():
            subscribe = jsonrpc.request(next(self._ids), "resources/subscribe", {"uri": uri})
            await self._control(self._head, subscribe)
        async with self.pool.request(self._get_head) as response:
            if response.status != 200:
                status = response.status
                raise UpstreamError(
                    self.server, "protocol", f"has no notification stream (GET: HTTP {status})"
                )
            decoder = SSEDecoder()
            async for chunk in response.chunks():
                for data in decoder.feed(chunk):
                    message = jsonrpc.loads(data)
                    if not isinstance(message, dict):
                        continue
                    if "id" in message and "method" in message:
                        await self._answer(message)
                    elif "method" in message:
                        yield message


def _relay(
    source: CallContext | Flight, token: object, local: str | None
) -> Callable[[JSON], Awaitable[None]]:
    """Relay a call's notifications to whoever waits for it now, progress with its own token."""

    async def relay(message: JSON) -> None:
        on_message = source.ctx.on_message if isinstance(source, Flight) else source.on_message
        if on_message is None:
            return
        params = message.get("params")
        if message.get("method") == "notifications/progress" and isinstance(params, dict):
            if params.get("progressToken") != local:
                return
            message = {**message, "params": {**params, "progressToken": token}}
        await on_message(message)

    return relay


def _retrieve(task: asyncio.Task[Reply]) -> None:
    """Mark a flight's failure as seen: a parked flight may end with no one waiting for it."""
    if not task.cancelled():
        task.exception()
