"""A lean HTTP/1.1 keep-alive client over asyncio streams.

The generator must cost far less per call than the server it measures. httpx and
aiohttp spend most of their time on features a load generator does not need
(pools, cookies, redirects, header objects); this client writes one pre-encoded
request and reads one response per call on a connection it keeps open. It knows
exactly what MCP over streamable HTTP needs: Content-Length and chunked bodies.
docs/loadtest.md has the measurements that chose it.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_HEADER_BYTES = 64 * 1024


RESERVED = frozenset({"host", "content-length", "content-type", "accept", "transfer-encoding", "connection"})
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


def parse_header(text: str) -> tuple[str, str]:
    """``Name: value`` from the command line, refusing what would corrupt or spoof a request."""
    name, sep, value = text.partition(":")
    name, value = name.strip(), value.strip()
    if not sep or not _TOKEN.match(name) or any(c in value for c in "\r\n\0"):
        raise ValueError(
            f"{text!r} is not a header; write it as 'Name: value', e.g. 'Authorization: Bearer ...'"
        )
    if name.lower() in RESERVED or name.lower().startswith("mcp-"):
        raise ValueError(f"{name} is set by heady loadtest itself; remove this --header")
    return name, value


class ConnectionFailed(Exception):
    """The connection could not be opened, or broke before a whole response arrived."""


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    path: str
    host_header: str

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"{url!r} is not an http:// URL; write it as http://127.0.0.1:8080/mcp")
        port = parts.port or 80
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        return cls(parts.hostname, port, path, parts.netloc)


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


class Connection:
    """One keep-alive connection; reopens itself after the server closes it."""

    def __init__(self, endpoint: Endpoint, headers: tuple[tuple[str, str], ...] = ()) -> None:
        self.endpoint = endpoint
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._head = (
            f"POST {endpoint.path} HTTP/1.1\r\nHost: {endpoint.host_header}\r\n"
            "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
            + "".join(f"{name}: {value}\r\n" for name, value in headers)
        ).encode()

    async def post(self, body: bytes, headers: bytes = b"") -> Response:
        """POST ``body``; ``headers`` are extra pre-encoded ``Name: value\\r\\n`` lines."""
        if self._writer is None:
            await self._open()
        assert self._reader is not None and self._writer is not None
        request = b"%s%sContent-Length: %d\r\n\r\n%s" % (self._head, headers, len(body), body)
        try:
            self._writer.write(request)
            response = await self._read(self._reader)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            self.close()
            raise ConnectionFailed(f"connection to {self.endpoint.host_header} broke: {exc!r}") from None
        if response.headers.get("connection", "").lower() == "close":
            self.close()
        return response

    async def _open(self) -> None:
        try:
            self._reader, self._writer = await asyncio.open_connection(
                self.endpoint.host, self.endpoint.port, limit=MAX_HEADER_BYTES
            )
        except OSError as exc:
            raise ConnectionFailed(
                f"cannot connect to {self.endpoint.host_header}: {exc.strerror or exc}"
            ) from None

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> Response:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")  # no trailers are expected
                    break
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            body = b"".join(parts)
        elif status in (204, 304) or 100 <= status < 200:
            body = b""
        else:
            body = await reader.read()
            headers["connection"] = "close"
        return Response(status, headers, body)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None
