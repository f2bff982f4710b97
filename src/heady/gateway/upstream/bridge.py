"""A 2025-era server's requests to the client, turned into 2026-07-28 multi round-trip results.

A 2025-era server asks the client for input (``elicitation/create``,
``sampling/createMessage``) in the middle of a call and waits for the answer on the same
session. A 2026-07-28 client expects instead an ``input_required`` result, and retries the
call with ``inputResponses`` and the ``requestState`` it got. The bridge keeps the server's
call running in a task (a *flight*), answers the client with ``input_required`` naming
what the server asked, parks the flight under a fresh ``requestState``, and on the retry
gives the server its answers and waits for what comes next. A parked flight that no
retry claims within the call's timeout is cancelled on the server.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from heady.gateway.upstream.base import JSON, CallContext
from heady.gateway.upstream.exchange import Reply
from heady.protocol import jsonrpc

ASKS = {"elicitation/create": "elicitation", "sampling/createMessage": "sampling"}
"""Server requests the bridge relays, and the client capability each needs."""
STATE_PREFIX = "heady-input."
MAX_PARKED = 1024


class Flight:
    """One upstream call that may outlive the client request that started it."""

    __slots__ = ("asked", "asks", "ctx", "expiry", "generation", "local_id", "task")

    def __init__(self, ctx: CallContext, local_id: int, generation: int) -> None:
        self.ctx = ctx
        self.local_id = local_id
        self.generation = generation
        self.asks: asyncio.Queue[JSON] = asyncio.Queue()
        self.asked: dict[str, Any] = {}
        """inputRequests key -> the server's JSON-RPC id of the request it stands for."""
        self.task: asyncio.Task[Reply] | None = None
        self.expiry: asyncio.TimerHandle | None = None


class InputBridge:
    def __init__(
        self,
        reply: Callable[[JSON], Awaitable[None]],
        refuse: Callable[[JSON], Awaitable[None]],
        cancel: Callable[[int, int], None],
    ) -> None:
        self._reply = reply
        self._refuse = refuse
        self._cancel = cancel
        self._parked: dict[str, Flight] = {}
        self._keys = itertools.count(1)

    @staticmethod
    def wanted(ctx: CallContext) -> bool:
        """Whether the client could answer anything the bridge relays (else calls run inline)."""
        caps = ctx.client_capabilities
        return "elicitation" in caps or "sampling" in caps

    @staticmethod
    def is_retry(params: object) -> bool:
        return isinstance(params, dict) and str(params.get("requestState", "")).startswith(STATE_PREFIX)

    def on_request(self, flight: Flight) -> Callable[[JSON], Awaitable[None]]:
        """The flight's handler for server requests: queue what the client can answer, refuse the rest."""

        async def handle(message: JSON) -> None:
            capability = ASKS.get(str(message.get("method")))
            if capability is not None and capability in flight.ctx.client_capabilities:
                flight.asks.put_nowait(message)
            else:
                await self._refuse(message)

        return handle

    async def wait(self, flight: Flight, request: JSON) -> Reply | JSON:
        """The server's reply, or an ``input_required`` response when it asked the client something."""
        assert flight.task is not None
        asked = asyncio.ensure_future(flight.asks.get())
        try:
            await asyncio.wait({flight.task, asked}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not asked.done():
                asked.cancel()
        if asked.done() and not asked.cancelled():
            asks = [asked.result()]
            while not flight.asks.empty():
                asks.append(flight.asks.get_nowait())
            return self._park(flight, asks, request)
        return flight.task.result()

    def _park(self, flight: Flight, asks: list[JSON], request: JSON) -> JSON:
        if len(self._parked) >= MAX_PARKED:
            self._drop(flight)
            return jsonrpc.error(
                request.get("id"),
                jsonrpc.INTERNAL_ERROR,
                f"{MAX_PARKED} calls already wait for client input; try again later",
            )
        inputs: JSON = {}
        for ask in asks:
            key = f"input-{next(self._keys)}"
            flight.asked[key] = ask["id"]
            inputs[key] = {"method": ask["method"], "params": ask.get("params") or {}}
        state = STATE_PREFIX + secrets.token_urlsafe(18)
        self._parked[state] = flight
        flight.expiry = asyncio.get_running_loop().call_later(flight.ctx.timeout, self._expire, state)
        result = {"resultType": "input_required", "inputRequests": inputs, "requestState": state}
        return jsonrpc.result(request.get("id"), result)

    async def resume(self, request: JSON, ctx: CallContext) -> Flight | JSON:
        """Give the server the client's answers; the flight to wait on, or an error response."""
        params = request["params"]
        flight = self._parked.pop(params["requestState"], None)
        if flight is None:
            return jsonrpc.error(
                request.get("id"),
                jsonrpc.INVALID_PARAMS,
                "requestState is unknown or expired (the upstream call it belonged to has ended); "
                "call again without it",
            )
        if flight.expiry is not None:
            flight.expiry.cancel()
        flight.ctx = ctx
        responses = params.get("inputResponses")
        responses = responses if isinstance(responses, dict) else {}
        for key, server_id in flight.asked.items():
            answer = responses.get(key)
            if isinstance(answer, dict):
                await self._reply(jsonrpc.result(server_id, answer))
            else:
                await self._reply(
                    jsonrpc.error(
                        server_id, jsonrpc.INVALID_PARAMS, "the client gave no answer to this request"
                    )
                )
        flight.asked.clear()
        return flight

    def _expire(self, state: str) -> None:
        flight = self._parked.pop(state, None)
        if flight is not None:
            self._drop(flight)

    def _drop(self, flight: Flight) -> None:
        """Cancel a flight no client waits for: its stream is closed and the server told."""
        if flight.task is not None and not flight.task.done():
            flight.task.cancel()
            self._cancel(flight.local_id, flight.generation)

    def close(self) -> None:
        for state in list(self._parked):
            self._expire(state)
