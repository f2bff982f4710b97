"""MCP over streamable HTTP, as a load generator needs it: both revisions, every error kind.

2026-07-28 is stateless: every POST is self-contained, with ``_meta`` in the params and
the ``MCP-Protocol-Version``, ``Mcp-Method``, ``Mcp-Name`` (and ``Mcp-Param-*``) headers.
2025-11-25 needs one ``initialize`` per virtual user, then ``Mcp-Session-Id`` on each call.
A call's outcome is ``None`` (success) or the name of an error kind:

``http_<status>``   an HTTP error status without a JSON-RPC error response to the call
``jsonrpc_<code>``  a JSON-RPC error response to the call (same id), whatever the HTTP status
``tool_error``      a tools/call result with ``isError: true``
``input_required``  a 2026-07-28 result that asks the client for input (MRTR)
``timeout``         no response within the scenario's timeout
``connection``      the connection failed or broke
``bad_response``    a response that is not a JSON-RPC response to the call
"""

from __future__ import annotations

import asyncio
import base64
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from heady import __version__
from heady.loadtest.http import Connection, ConnectionFailed, Endpoint, Response

MODERN = "2026-07-28"
LEGACY = "2025-11-25"
CLIENT_INFO = {"name": "heady-loadtest", "version": __version__}
META = {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientInfo": CLIENT_INFO,
    "io.modelcontextprotocol/clientCapabilities": {},
}


ToolHeaders = dict[str, list[tuple[tuple[str, ...], str]]]
"""Per tool: the (argument path, header name) pairs its schema marks with ``x-mcp-header``."""


class TargetError(Exception):
    """The target cannot be load-tested as asked; the message says why and what to do."""


def header_value(value: str) -> str:
    """Plain when header-safe, else the ``=?base64?...?=`` sentinel form the spec requires."""
    safe = (
        value == value.strip()
        and all(0x20 <= ord(c) <= 0x7E or c == "\t" for c in value)
        and not (value.startswith("=?base64?") and value.endswith("?="))
    )
    return value if safe else f"=?base64?{base64.b64encode(value.encode()).decode()}?="


def header_params(schema: dict[str, Any]) -> list[tuple[tuple[str, ...], str]]:
    """(property path, header name) for every ``x-mcp-header`` reachable through ``properties``."""
    found: list[tuple[tuple[str, ...], str]] = []

    def walk(node: dict[str, Any], path: tuple[str, ...]) -> None:
        for key, prop in (node.get("properties") or {}).items():
            if isinstance(prop, dict):
                if isinstance(prop.get("x-mcp-header"), str):
                    found.append(((*path, key), prop["x-mcp-header"]))
                walk(prop, (*path, key))

    walk(schema, ())
    return found


def _param_headers(arguments: Any, params: list[tuple[tuple[str, ...], str]]) -> Iterator[str]:
    for path, name in params:
        value = arguments
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value is None or isinstance(value, dict | list | float):
            continue
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        yield f"Mcp-Param-{name}: {header_value(text)}\r\n"


@dataclass
class Client:
    """One virtual user: one connection, and for 2025-11-25 one session."""

    endpoint: Endpoint
    protocol: str
    timeout: float
    tool_headers: ToolHeaders = field(default_factory=dict)
    headers: tuple[tuple[str, str], ...] = ()  # from --header, on every request (never logged)
    session_id: str | None = None

    def __post_init__(self) -> None:
        self.conn = Connection(self.endpoint, self.headers)
        self._ids = itertools.count(1)

    async def call(self, method: str, params: dict[str, Any], name: str | None = None) -> str | None:
        """Send one request; the error kind, or None when it succeeded."""
        try:
            async with asyncio.timeout(self.timeout):
                return await self._call(method, params, name)
        except TimeoutError:
            self.conn.close()  # a late response must not be read as the next call's
            return "timeout"
        except ConnectionFailed:
            self.session_id = None
            return "connection"

    @property
    def needs_session(self) -> bool:
        return self.protocol == LEGACY and self.session_id is None

    async def start_session(self) -> str | None:
        """2025-11-25: ``initialize`` and ``notifications/initialized``; the error kind or None."""
        try:
            async with asyncio.timeout(self.timeout):
                return await self._initialize()
        except TimeoutError:
            self.conn.close()
            return "timeout"
        except ConnectionFailed:
            return "connection"

    async def result(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one request and return its result; TargetError on any failure (used to probe)."""
        try:
            async with asyncio.timeout(self.timeout):
                response, request_id = await self._send(method, params or {}, None)
        except TimeoutError:
            raise TargetError(
                f"{self.endpoint.host_header} did not answer {method} in {self.timeout:g}s"
            ) from None
        except ConnectionFailed as exc:
            raise TargetError(f"{exc}; is the server running?") from None
        message = _message(response, request_id)
        if message is None or not isinstance(message.get("result"), dict):
            error = (message or {}).get("error")
            detail = error.get("message") if isinstance(error, dict) else None
            raise TargetError(
                f"{method} to http://{self.endpoint.host_header}{self.endpoint.path} failed with HTTP "
                f"{response.status}{': ' + str(detail) if detail else ''}; is this an MCP endpoint?"
            )
        result: dict[str, Any] = message["result"]
        return result

    async def _call(self, method: str, params: dict[str, Any], name: str | None) -> str | None:
        response, request_id = await self._send(method, params, name)
        return _outcome(response, request_id, method)

    async def _send(self, method: str, params: dict[str, Any], name: str | None) -> tuple[Response, int]:
        request_id = next(self._ids)
        if self.protocol == MODERN:
            headers = f"MCP-Protocol-Version: {MODERN}\r\nMcp-Method: {method}\r\n"
            if name is not None:
                headers += f"Mcp-Name: {header_value(name)}\r\n"
                if method == "tools/call" and name in self.tool_headers:
                    headers += "".join(_param_headers(params.get("arguments"), self.tool_headers[name]))
            body = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": {**params, "_meta": META}}
        else:
            if self.session_id is None and (error := await self._initialize()) is not None:
                raise ConnectionFailed(f"initialize failed: {error}")
            headers = f"MCP-Protocol-Version: {LEGACY}\r\n"
            if self.session_id:
                headers += f"Mcp-Session-Id: {self.session_id}\r\n"
            body = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
        response = await self.conn.post(orjson.dumps(body), headers.encode())
        if self.protocol == LEGACY and response.status == 404:
            self.session_id = None  # expired or unknown session: the next call starts a new one
        return response, request_id

    async def _initialize(self) -> str | None:
        body = {
            "jsonrpc": "2.0",
            "id": 0,
            "method": "initialize",
            "params": {"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": CLIENT_INFO},
        }
        response = await self.conn.post(orjson.dumps(body))
        error = _outcome(response, 0, "initialize")
        if error is not None:
            return error
        self.session_id = response.headers.get("mcp-session-id", "")
        headers = f"MCP-Protocol-Version: {LEGACY}\r\n"
        if self.session_id:
            headers += f"Mcp-Session-Id: {self.session_id}\r\n"
        response = await self.conn.post(
            b'{"jsonrpc":"2.0","method":"notifications/initialized"}', headers.encode()
        )
        if response.status >= 400:
            self.session_id = None
            return f"http_{response.status}"
        return None

    def close(self) -> None:
        self.conn.close()


def _message(response: Response, request_id: int) -> dict[str, Any] | None:
    """The JSON-RPC response to ``request_id`` in a JSON or SSE body, if there is one."""
    body = response.body
    if not body:
        return None
    try:
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            for line in body.splitlines():
                if line.startswith(b"data:"):
                    message = orjson.loads(line[5:])
                    if isinstance(message, dict) and message.get("id") == request_id:
                        return message
            return None
        message = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return message if isinstance(message, dict) else None


def _outcome(response: Response, request_id: int, method: str) -> str | None:
    message = _message(response, request_id)
    error = message.get("error") if message and message.get("id") == request_id else None
    if isinstance(error, dict):
        return f"jsonrpc_{error.get('code', 'unknown')}"
    if response.status >= 400:
        return f"http_{response.status}"
    if message is None or not isinstance(message.get("result"), dict):
        return "bad_response"
    result = message["result"]
    if result.get("resultType") == "input_required":
        return "input_required"
    if method == "tools/call" and result.get("isError") is True:
        return "tool_error"
    return None


@dataclass(frozen=True)
class TargetInfo:
    protocol: str
    tools: dict[str, dict[str, Any]]


async def probe(
    url: str, protocol: str, call_timeout: float, headers: tuple[tuple[str, str], ...] = ()
) -> TargetInfo:
    """Find the revision the target speaks (``auto``) and the tools it offers."""
    endpoint = Endpoint.parse(url)
    if protocol == "auto":
        client = Client(endpoint, MODERN, call_timeout, headers=headers)
        try:
            await client.result("server/discover")
            protocol = MODERN
        except TargetError as exc:
            if "cannot connect" in str(exc) or "did not answer" in str(exc):
                raise
            protocol = LEGACY
        finally:
            client.close()
    client = Client(endpoint, protocol, call_timeout, headers=headers)
    try:
        result = await client.result("tools/list")
    except ConnectionFailed as exc:
        raise TargetError(f"{exc} (protocol {protocol})") from None
    finally:
        client.close()
    tools = {t["name"]: t.get("inputSchema") or {} for t in result.get("tools", []) if isinstance(t, dict)}
    return TargetInfo(protocol, tools)
