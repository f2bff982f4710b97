"""Small raw-ASGI helpers: bounded body reads, JSON responses, SSE streams."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Final

import orjson

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]

JSON_HEADERS: Final[Headers] = [(b"content-type", b"application/json")]
SSE_HEADERS: Final[Headers] = [
    (b"content-type", b"text/event-stream"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),
]


class BodyTooLarge(Exception):
    pass


class Disconnected(Exception):
    pass


async def read_body(receive: Receive, limit: int) -> bytes:
    """The request body; raises BodyTooLarge as soon as it passes ``limit`` (never buffers more)."""
    message = await receive()
    if message["type"] == "http.disconnect":
        raise Disconnected
    body: bytes = message.get("body", b"")
    if not message.get("more_body"):
        if len(body) > limit:
            raise BodyTooLarge
        return body
    chunks = [body]
    size = len(body)
    while True:
        if size > limit:
            raise BodyTooLarge
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    if size > limit:
        raise BodyTooLarge
    return b"".join(chunks)


async def send_body(send: Send, status: int, body: bytes, headers: Headers) -> None:
    """One complete response; Content-Length spares the server chunked framing."""
    length = (b"content-length", str(len(body)).encode())
    await send({"type": "http.response.start", "status": status, "headers": [*headers, length]})
    await send({"type": "http.response.body", "body": body})


async def send_json(send: Send, status: int, value: Any, extra: Headers | None = None) -> None:
    headers = JSON_HEADERS if extra is None else [*JSON_HEADERS, *extra]
    await send_body(send, status, orjson.dumps(value), headers)


async def send_empty(send: Send, status: int, extra: Headers | None = None) -> None:
    headers = [*(extra or ()), (b"content-length", b"0")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


class EventStream:
    """An SSE response whose headers go out with the first event, so an early error still picks a status."""

    def __init__(self, send: Send, extra: Headers | None = None) -> None:
        self._send = send
        self._extra = extra
        self.started = False
        self.closed = False

    async def start(self) -> None:
        if not self.started:
            self.started = True
            headers = SSE_HEADERS if self._extra is None else [*SSE_HEADERS, *self._extra]
            await self._send({"type": "http.response.start", "status": 200, "headers": headers})

    async def event(self, message: Any) -> None:
        if self.closed:
            return
        await self.start()
        data = b"event: message\ndata: " + orjson.dumps(message) + b"\n\n"
        await self._send({"type": "http.response.body", "body": data, "more_body": True})

    async def comment(self) -> None:
        if self.started and not self.closed:
            await self._send({"type": "http.response.body", "body": b":\n\n", "more_body": True})

    async def close(self) -> None:
        if not self.closed:
            await self.start()
            self.closed = True
            await self._send({"type": "http.response.body", "body": b""})
