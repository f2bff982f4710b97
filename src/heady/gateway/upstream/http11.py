"""A small HTTP/1.1 keep-alive client on ``asyncio.Protocol``: the upstream hot path.

Chosen by measurement over httpx, httpcore, aiohttp and our own earlier asyncio-streams
client (docs/upstreams.md): it does only what an MCP upstream needs. One origin,
prebuilt request heads sent in one write, httptools' C parser fed straight from
``data_received`` (Content-Length and chunked bodies), one future per wait, a LIFO pool
of idle connections. A connection whose response was not read to the end is closed,
never reused: that is also how a stream is cancelled.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httptools

_CRLF = b"\r\n"
_HEAD_END = b"\r\n\r\n"
_MAX_HEAD = 1024 * 1024
"""Longest header block accepted from a server."""
_HIGH_WATER = 1024 * 1024
"""Unread body bytes at which the connection stops reading from the socket (a slow consumer)."""
_WHOLE_BELOW = 64 * 1024
"""A body announced up to this size wakes the caller once, whole, not at its head and again at its end."""


class HttpError(ConnectionError):
    """The connection failed or the server broke HTTP/1.1; no usable response."""


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"response body exceeds {limit} bytes")
        self.limit = limit


class Connection(asyncio.Protocol):
    """One keep-alive connection: parses what arrives and wakes the one exchange waiting on it."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._lost = False
        self._error: str | None = None
        self._head_size = 0
        self._headers: dict[str, str] = {}
        self.response: Response | None = None
        """The response whose head has arrived, until the next request is sent."""
        self._body: deque[bytes] = deque()
        self._buffered = 0
        self._paused = False
        self._hold = False
        """A small announced body is on its way: wake the caller when it is complete, not before."""
        self.done = False
        """The whole current response has arrived."""

    # -- asyncio.Protocol ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self.response is None:
            self._head_size += len(data)
            if self._head_size > _MAX_HEAD:
                self._fail("the server sent a header block over 1 MiB")
                return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(f"the server broke HTTP/1.1 ({exc})")

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        response = self.response
        if response is not None and not self.done and response.until_close:
            self.done = True
        self._wake()

    # -- httptools callbacks ---------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers[name.lower().decode("latin-1")] = value.decode("latin-1").strip()

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # an interim answer: the real one follows
            self._headers = {}
            return
        self.response = Response(self, status, self._headers, self._parser.should_keep_alive())
        length = self._headers.get("content-length", "")
        # Servers often send head and body in separate segments: one task wake-up, not two.
        if length.isdigit() and 0 < int(length) <= _WHOLE_BELOW:
            self._hold = True
        else:
            self._wake()

    def on_body(self, body: bytes) -> None:
        self._body.append(body)
        self._buffered += len(body)
        if self._buffered > _HIGH_WATER and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        if not self._hold:
            self._wake()

    def on_message_complete(self) -> None:
        if self.response is not None:
            self.done = True
            self._wake()

    # -- for the exchange ------------------------------------------------------------------

    @property
    def usable(self) -> bool:
        return not self._lost and self.transport is not None and not self.transport.is_closing()

    def send(self, payload: bytes) -> None:
        """Write one request; the connection then waits for its response."""
        assert self.transport is not None
        self.response = None
        self.done = False
        self._hold = False
        self._headers = {}
        self._head_size = 0
        self._body.clear()
        self._buffered = 0
        self.transport.write(payload)

    async def head(self) -> Response:
        while self.response is None or (self._hold and not self.done):
            if self._error is not None:
                raise HttpError(self._error)
            if self._lost:
                if self.response is None:
                    raise HttpError("the server closed the connection before it answered")
                raise HttpError("the server closed the connection in the middle of a response")
            await self._wait()
        return self.response

    def take(self) -> bytes:
        """The body bytes that arrived since the last call."""
        body = self._body
        data = body.popleft() if len(body) == 1 else b"".join(body)
        body.clear()
        self._buffered = 0
        if self._paused and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        return data

    async def more(self) -> None:
        """Wait for more body (or its end); HttpError when the connection broke first."""
        if self._error is not None:
            raise HttpError(self._error)
        if self._lost:
            raise HttpError("the server closed the connection in the middle of a response")
        await self._wait()

    def close(self) -> None:
        transport = self.transport
        if transport is not None and not transport.is_closing():
            transport.abort()

    def _fail(self, detail: str) -> None:
        self._error = detail
        self.close()
        self._wake()

    async def _wait(self) -> None:
        waiter = self._loop.create_future()
        self._waiter = waiter
        try:
            await waiter
        finally:
            self._waiter = None

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class Response:
    """Status, headers (lower-case names) and a body read once, whole or in pieces."""

    __slots__ = ("_conn", "_keep_alive", "headers", "status", "until_close")

    def __init__(self, conn: Connection, status: int, headers: dict[str, str], keep_alive: bool) -> None:
        self._conn = conn
        self.status = status
        self.headers = headers
        self._keep_alive = keep_alive
        self.until_close = (
            "content-length" not in headers
            and not headers.get("transfer-encoding", "").lower().endswith("chunked")
            and status not in (204, 304)
        )
        """No length and not chunked: the body ends when the server closes the connection."""

    @property
    def complete(self) -> bool:
        """True once the whole body has been read (the connection may then be reused)."""
        conn = self._conn
        return conn.done and not conn._body

    @property
    def reusable(self) -> bool:
        return self.complete and self._keep_alive and not self.until_close

    async def read(self, limit: int | None = None) -> bytes:
        """The whole body; ``BodyTooLarge`` as soon as it exceeds ``limit`` bytes."""
        conn = self._conn
        if limit is not None:
            length = self.headers.get("content-length")
            if length is not None and length.isdigit() and int(length) > limit:
                raise BodyTooLarge(limit)
        parts: list[bytes] = []
        size = 0
        while not conn.done:
            if limit is not None and size + conn._buffered > limit:
                raise BodyTooLarge(limit)
            if conn._paused:  # a large body: keep what came so the socket is read again
                parts.append(conn.take())
                size += len(parts[-1])
            await conn.more()
        data = conn.take()
        if parts:
            parts.append(data)
            data = b"".join(parts)
        if limit is not None and len(data) > limit:
            raise BodyTooLarge(limit)
        return data

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives."""
        conn = self._conn
        while True:
            if conn._body:
                yield conn.take()
                continue
            if conn.done:
                return
            await conn.more()


class ConnectionPool:
    """Keep-alive connections to one origin; ``request()`` borrows one for one exchange."""

    def __init__(self, url: str, *, max_idle: int = 64, connect_timeout: float = 5.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{url!r} is not an http:// or https:// URL")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.ssl: ssl.SSLContext | None = ssl.create_default_context() if parts.scheme == "https" else None
        netloc = parts.netloc.rpartition("@")[2]
        self.host_header = b"host: " + netloc.encode("ascii") + _CRLF
        self.max_idle = max_idle
        self.connect_timeout = connect_timeout
        self._idle: deque[Connection] = deque()
        self.opened = 0
        """Connections opened so far (tests prove reuse with it)."""

    def head(self, method: str, headers: list[tuple[str, str]], path: str | None = None) -> bytes:
        """A prebuilt request head without the final blank line: reuse it for every call."""
        lines = [f"{method} {path or self.path} HTTP/1.1".encode("ascii") + _CRLF, self.host_header]
        lines += [f"{name}: {value}".encode("latin-1") + _CRLF for name, value in headers]
        return b"".join(lines)

    def request(self, head: bytes, extra: bytes = b"", body: bytes = b"") -> _Exchange:
        """``async with pool.request(head, extra, body) as response``: one exchange on one connection.

        Sends ``head`` + ``extra`` header lines + ``body``. A reused connection the server had
        already closed is retried once on a new one (the request never reached the server).
        Leaving the block before the body was read to its end, or by an exception, closes the
        connection: the server sees the stream end.
        """
        return _Exchange(self, head, extra, body)

    def _release(self, conn: Connection, response: Response) -> None:
        if response.reusable and conn.usable and len(self._idle) < self.max_idle:
            conn.response = None
            self._idle.append(conn)
        else:
            conn.close()

    async def _acquire(self) -> tuple[Connection, bool]:
        while self._idle:
            conn = self._idle.pop()
            if conn.usable:
                return conn, True
            conn.close()
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.connect_timeout):
                _, conn = await loop.create_connection(
                    lambda: Connection(loop), self.host, self.port, ssl=self.ssl
                )
        except TimeoutError:
            where = f"{self.host}:{self.port}"
            raise HttpError(f"no connection to {where} within {self.connect_timeout:g}s") from None
        except OSError as exc:
            raise HttpError(f"cannot connect to {self.host}:{self.port} ({exc.strerror or exc})") from None
        self.opened += 1
        return conn, False

    async def close(self) -> None:
        while self._idle:
            self._idle.pop().close()


class _Exchange:
    """The context manager of ``ConnectionPool.request`` (a class: it runs on every call)."""

    __slots__ = ("_conn", "_payload", "_pool", "_response")

    def __init__(self, pool: ConnectionPool, head: bytes, extra: bytes, body: bytes) -> None:
        self._pool = pool
        self._payload = b"".join((head, extra, b"content-length: ", str(len(body)).encode(), _HEAD_END, body))
        self._conn: Connection | None = None
        self._response: Response | None = None

    async def __aenter__(self) -> Response:
        pool = self._pool
        for attempt in (0, 1):
            conn, reused = await pool._acquire()
            try:
                conn.send(self._payload)
                response = await conn.head()
            except (ConnectionError, HttpError) as exc:
                conn.close()
                if not reused or attempt:
                    raise HttpError(_describe(exc)) from exc
                continue
            except BaseException:
                conn.close()
                raise
            self._conn, self._response = conn, response
            return response
        raise AssertionError("unreachable")

    async def __aexit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        conn, response = self._conn, self._response
        if conn is None or response is None:
            return
        if exc_type is not None:
            conn.close()
        else:
            self._pool._release(conn, response)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, HttpError):
        return str(exc)
    return f"the connection failed ({exc.strerror if isinstance(exc, OSError) and exc.strerror else exc})"
