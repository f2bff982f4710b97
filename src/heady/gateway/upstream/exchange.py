"""One JSON-RPC request POSTed upstream; the answer read as JSON or as an SSE stream.

Both HTTP dialects (2026-07-28 and the 2025-era session) use it. A stream is read
incrementally: notifications and server requests go to their handlers as they arrive,
the response ends the exchange. The response size limit cuts the stream (the
connection is closed, which the server sees as the end of the request).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from heady.gateway.upstream.base import JSON, UpstreamError
from heady.gateway.upstream.http11 import BodyTooLarge, ConnectionPool, HttpError, Response
from heady.gateway.upstream.sse import SSEDecoder
from heady.protocol import jsonrpc

Handler = Callable[[JSON], Awaitable[None]]
_DRAIN_SECONDS = 1.0
"""How long to wait for a stream to end after its response before closing the connection."""


@dataclass(slots=True)
class Reply:
    status: int
    headers: dict[str, str]
    message: JSON | None
    """The JSON-RPC response, or None when the body held none (202, empty, not JSON)."""


async def exchange(
    server: str,
    pool: ConnectionPool,
    head: bytes,
    extra: bytes,
    body: bytes,
    max_bytes: int,
    on_notification: Handler | None = None,
    on_request: Handler | None = None,
) -> Reply:
    """POST ``body``; raises UpstreamError (unavailable, too_large, protocol) when no answer came."""
    try:
        async with pool.request(head, extra, body) as response:
            content_type = response.headers.get("content-type", "")
            if content_type.startswith("text/event-stream"):
                message = await _read_stream(server, response, max_bytes, on_notification, on_request)
            else:
                data = await response.read(max_bytes)
                message = _decode(data) if content_type.startswith("application/json") else None
            return Reply(response.status, response.headers, message)
    except BodyTooLarge as exc:
        raise UpstreamError(
            server,
            "too_large",
            f"response exceeds max_response_bytes ({exc.limit} bytes); the stream was cut",
        ) from None
    except (HttpError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError) as exc:
        raise UpstreamError(server, "unavailable", _unavailable(exc)) from None
    except ValueError as exc:
        raise UpstreamError(server, "protocol", f"answered with a malformed HTTP body ({exc})") from None


async def _read_stream(
    server: str,
    response: Response,
    max_bytes: int,
    on_notification: Handler | None,
    on_request: Handler | None,
) -> JSON | None:
    decoder = SSEDecoder()
    size = 0
    chunks = response.chunks()
    async for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge(max_bytes)
        for data in decoder.feed(chunk):
            message = _decode(data)
            if message is None:
                continue
            if "method" not in message:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(_DRAIN_SECONDS):
                        async for _ in chunks:
                            pass
                return message
            if "id" in message:
                if on_request is not None:
                    await on_request(message)
            elif on_notification is not None:
                await on_notification(message)
    raise UpstreamError(server, "unavailable", "the response stream ended without a response")


def _decode(data: bytes) -> JSON | None:
    if not data:
        return None
    message = jsonrpc.loads(data)
    return message if isinstance(message, dict) else None


def _unavailable(exc: BaseException) -> str:
    if isinstance(exc, asyncio.IncompleteReadError):
        return "the connection closed in the middle of the response"
    return str(exc) or type(exc).__name__
