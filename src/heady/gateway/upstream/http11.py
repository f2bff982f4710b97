"""A small HTTP/1.1 keep-alive client over asyncio streams: the upstream hot path.

Chosen by measurement over httpx, httpcore and aiohttp (docs/upstreams.md): it spends a
fraction of their CPU per request because it does only what an MCP upstream needs:
one origin, prebuilt request heads, Content-Length or chunked bodies, a LIFO pool of
idle connections. A connection whose response was not read to the end is closed, never
reused: that is also how a stream is cancelled.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

_CRLF = b"\r\n"
_HEAD_END = b"\r\n\r\n"
_STREAM_LIMIT = 1024 * 1024
"""Longest header block or chunk-size line accepted from a server."""


class HttpError(ConnectionError):
    """The connection failed or the server broke HTTP/1.1; no usable response."""


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"response body exceeds {limit} bytes")
        self.limit = limit


class Connection:
    __slots__ = ("reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @property
    def usable(self) -> bool:
        return not self.reader.at_eof() and not self.writer.is_closing()

    def close(self) -> None:
        transport = self.writer.transport
        if not transport.is_closing():
            transport.abort()


class Response:
    """Status, headers (lower-case names) and a body read once, whole or in pieces."""

    __slots__ = ("_chunked", "_conn", "_remaining", "complete", "headers", "status")

    def __init__(self, conn: Connection, status: int, headers: dict[str, str], method: bytes) -> None:
        self._conn = conn
        self.status = status
        self.headers = headers
        self._chunked = headers.get("transfer-encoding", "").lower().endswith("chunked")
        length = headers.get("content-length")
        if method == b"HEAD" or status in (204, 304) or 100 <= status < 200:
            self._remaining: int | None = 0
        elif self._chunked:
            self._remaining = None
        elif length is not None:
            self._remaining = int(length)
        else:
            self._remaining = -1  # until the server closes the connection
        self.complete = self._remaining == 0
        """True once the whole body has been read (the connection may then be reused)."""

    @property
    def reusable(self) -> bool:
        return self.complete and self._remaining != -1 and self.headers.get("connection") != "close"

    async def read(self, limit: int | None = None) -> bytes:
        """The whole body; ``BodyTooLarge`` as soon as it exceeds ``limit`` bytes."""
        if not self._chunked and self._remaining is not None and self._remaining >= 0:
            if limit is not None and self._remaining > limit:
                raise BodyTooLarge(limit)
            data = await self._conn.reader.readexactly(self._remaining) if self._remaining else b""
            self._remaining = 0
            self.complete = True
            return data
        parts = []
        size = 0
        async for chunk in self.chunks():
            size += len(chunk)
            if limit is not None and size > limit:
                raise BodyTooLarge(limit)
            parts.append(chunk)
        return b"".join(parts)

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives."""
        reader = self._conn.reader
        if self._chunked:
            while True:
                line = await reader.readuntil(_CRLF)
                size = int(line.split(b";", 1)[0], 16)
                if size == 0:
                    while await reader.readuntil(_CRLF) != _CRLF:  # trailers
                        pass
                    break
                data = await reader.readexactly(size + 2)
                yield data[:-2]
        elif self._remaining == -1:
            while data := await reader.read(65536):
                yield data
            self.complete = True
            return
        else:
            while self._remaining:
                data = await reader.read(min(self._remaining, 65536))
                if not data:
                    raise HttpError("the server closed the connection in the middle of a response")
                self._remaining -= len(data)
                yield data
        self._remaining = 0
        self.complete = True


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
            self._idle.append(conn)
        else:
            conn.close()

    async def _acquire(self) -> tuple[Connection, bool]:
        while self._idle:
            conn = self._idle.pop()
            if conn.usable:
                return conn, True
            conn.close()
        try:
            async with asyncio.timeout(self.connect_timeout):
                reader, writer = await asyncio.open_connection(
                    self.host, self.port, ssl=self.ssl, limit=_STREAM_LIMIT
                )
        except TimeoutError:
            where = f"{self.host}:{self.port}"
            raise HttpError(f"no connection to {where} within {self.connect_timeout:g}s") from None
        except OSError as exc:
            raise HttpError(f"cannot connect to {self.host}:{self.port} ({exc.strerror or exc})") from None
        self.opened += 1
        return Connection(reader, writer), False

    async def _read_head(self, conn: Connection, method: bytes) -> Response:
        while True:
            try:
                block = await conn.reader.readuntil(_HEAD_END)
            except asyncio.LimitOverrunError:
                raise HttpError("the server sent a header block over 1 MiB") from None
            lines = block.split(_CRLF)
            status_line = lines[0].split(b" ", 2)
            if len(status_line) < 2 or not status_line[0].startswith(b"HTTP/1."):
                raise HttpError(f"not an HTTP/1.1 response: {lines[0][:80]!r}")
            status = int(status_line[1])
            headers: dict[str, str] = {}
            for line in lines[1:]:
                if line:
                    name, _, value = line.partition(b":")
                    headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
            if status != 100:
                return Response(conn, status, headers, method)

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
        payload = self._payload
        method = payload[: payload.index(b" ")]
        for attempt in (0, 1):
            conn, reused = await pool._acquire()
            try:
                conn.writer.write(payload)
                response = await pool._read_head(conn, method)
            except (asyncio.IncompleteReadError, ConnectionError, HttpError) as exc:
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
    if isinstance(exc, asyncio.IncompleteReadError):
        return "the server closed the connection before it answered"
    if isinstance(exc, HttpError):
        return str(exc)
    return f"the connection failed ({exc.strerror if isinstance(exc, OSError) and exc.strerror else exc})"
