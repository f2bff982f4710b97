"""What 2025-era sessions keep besides their signed id.

Shared through the state store (every replica sees them): the end marker, the log
level from ``logging/setLevel`` and the ``resources/subscribe`` URIs. Local to this
replica: the open GET streams (woken when the subscriptions change) and the requests
the gateway sent to a client (elicitation, sampling) waiting for the client's answer,
which must come back to the replica that holds the request's stream.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any, Final

from heady.gateway.sessions import ENDED_KEY, MAX_AGE, Session, SessionSigner
from heady.gateway.upstream.base import JSON
from heady.state import StateStore

DEFAULT_LOG_LEVEL: Final = "debug"
"""A 2025-era client that never sent logging/setLevel gets every log message, as 2025 servers send them."""


class LegacySessions:
    def __init__(self, state: StateStore, signer: SessionSigner) -> None:
        self.state = state
        self.signer = signer
        self._streams: dict[str, set[asyncio.Event]] = {}
        self._asks: dict[tuple[str, Any], asyncio.Future[JSON]] = {}
        self._ids = itertools.count(1)

    async def lookup(self, session_id: str) -> Session | None:
        """The session of a valid id that has not been ended on any replica."""
        session = self.signer.verify(session_id)
        if session is None or await self.state.set_contains(ENDED_KEY, session.nonce):
            return None
        return session

    async def end(self, session: Session) -> None:
        await self.state.set_add(ENDED_KEY, session.nonce, MAX_AGE)
        await self.state.delete(f"gateway:session:{session.nonce}:log")
        for uri in await self.subscriptions(session):
            await self.state.set_remove(f"gateway:session:{session.nonce}:subs", uri)
        self._wake(session)

    # -- logging/setLevel ------------------------------------------------------------------

    async def log_level(self, session: Session) -> str:
        level = await self.state.get(f"gateway:session:{session.nonce}:log")
        return level.decode() if level is not None else DEFAULT_LOG_LEVEL

    async def set_log_level(self, session: Session, level: str) -> None:
        await self.state.set(f"gateway:session:{session.nonce}:log", level.encode(), MAX_AGE)

    # -- resources/subscribe ---------------------------------------------------------------

    async def subscriptions(self, session: Session) -> list[str]:
        return await self.state.set_members(f"gateway:session:{session.nonce}:subs")

    async def subscribe(self, session: Session, uri: str) -> None:
        await self.state.set_add(f"gateway:session:{session.nonce}:subs", uri, MAX_AGE)
        self._wake(session)

    async def unsubscribe(self, session: Session, uri: str) -> None:
        await self.state.set_remove(f"gateway:session:{session.nonce}:subs", uri)
        self._wake(session)

    def watch(self, session: Session) -> asyncio.Event:
        """An event set whenever the session's subscriptions change (for its GET streams here)."""
        event = asyncio.Event()
        self._streams.setdefault(session.nonce, set()).add(event)
        return event

    def unwatch(self, session: Session, event: asyncio.Event) -> None:
        events = self._streams.get(session.nonce)
        if events is not None:
            events.discard(event)
            if not events:
                del self._streams[session.nonce]

    def _wake(self, session: Session) -> None:
        for event in self._streams.get(session.nonce, ()):
            event.set()

    # -- requests to the client ------------------------------------------------------------

    def expect(self, session: Session) -> tuple[str, asyncio.Future[JSON]]:
        """A fresh request id for a request to the client, and the future its answer resolves."""
        request_id = f"heady-{next(self._ids)}"
        future: asyncio.Future[JSON] = asyncio.get_running_loop().create_future()
        self._asks[(session.nonce, request_id)] = future
        return request_id, future

    def forget(self, session: Session, request_id: str) -> None:
        self._asks.pop((session.nonce, request_id), None)

    def answer(self, session: Session, message: JSON) -> bool:
        """Hand a client's response to the request waiting for it; False when none waits here."""
        future = self._asks.pop((session.nonce, message.get("id")), None)
        if future is None or future.done():
            return False
        future.set_result(message)
        return True
