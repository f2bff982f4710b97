"""The 2026-07-28 dialect over HTTP: every request a self-contained POST on a kept-alive connection.

Each POST carries ``MCP-Protocol-Version``, ``Mcp-Method``, ``Mcp-Name`` (and the
``Mcp-Param-*`` headers the tool's schema asks for with ``x-mcp-header``) plus the
compose file's configured headers: nothing from the client. The request head is built
once; a call adds only its own lines.
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator

from heady.gateway.upstream.base import JSON, CallContext, UpstreamError
from heady.gateway.upstream.exchange import Reply, exchange
from heady.gateway.upstream.http11 import ConnectionPool
from heady.gateway.upstream.sse import SSEDecoder
from heady.protocol import jsonrpc, versions

_NAMED = {"tools/call": "name", "prompts/get": "name", "resources/read": "uri"}
_CRLF = b"\r\n"
_MAX_CACHED = 4096
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
"""An HTTP field-name token: what an ``x-mcp-header`` value must be (anything else is ignored)."""


def header_value(value: str) -> bytes:
    """``value`` as a header value: plain when safe, else the ``=?base64?...?=`` sentinel."""
    if value.isascii() and value.isprintable() and value == value.strip():
        return value.encode("ascii")
    return b"=?base64?" + base64.b64encode(value.encode()) + b"?="


class ModernHttp:
    """Sends canonical requests unchanged (they already are 2026-07-28)."""

    version = versions.MODERN

    def __init__(self, server: str, pool: ConnectionPool, headers: list[tuple[str, str]]) -> None:
        self.server = server
        self.pool = pool
        self.head = pool.head(
            "POST",
            [
                ("content-type", "application/json"),
                ("accept", "application/json, text/event-stream"),
                (versions.HEADER_PROTOCOL_VERSION, versions.MODERN),
                *headers,
            ],
        )
        self._method_lines: dict[str, bytes] = {}
        self._param_headers: dict[str, list[tuple[bytes, str]]] = {}
        """Per tool: (header line prefix, argument name) of its ``x-mcp-header`` parameters."""

    async def discover(self) -> Reply:
        request = jsonrpc.request("heady-discover", "server/discover", {"_meta": versions.modern_meta()})
        return await self._post(request, 1024 * 1024, None)

    async def send(self, request: JSON, ctx: CallContext) -> JSON:
        params = request.get("params")
        meta = params.get("_meta") if isinstance(params, dict) else None
        if not isinstance(meta, dict) or versions.META_PROTOCOL_VERSION not in meta:
            request = _with_meta(request, ctx)
        reply = await self._post(request, ctx.max_response_bytes, ctx)
        message = reply.message
        if message is None:
            raise UpstreamError(
                self.server,
                "protocol" if reply.status < 400 else "unavailable",
                f"answered HTTP {reply.status} without a JSON-RPC response",
            )
        method = request["method"]
        if method == "tools/list":
            self._learn_param_headers(message)
        elif method == "tools/call" and _is_header_mismatch(message):
            message = await self._retry_after_relist(request, ctx) or message
        return message

    async def _post(self, request: JSON, max_bytes: int, ctx: CallContext | None) -> Reply:
        method = request["method"]
        extra = self._method_lines.get(method)
        if extra is None:
            extra = b"mcp-method: " + header_value(method) + _CRLF
            if len(self._method_lines) < _MAX_CACHED:
                self._method_lines[method] = extra
        key = _NAMED.get(method)
        if key is not None:
            params = request.get("params") or {}
            name = params.get(key)
            if isinstance(name, str):
                extra += b"mcp-name: " + header_value(name) + _CRLF
                if method == "tools/call" and name in self._param_headers:
                    extra += self._param_lines(name, params.get("arguments"))
        on_message = ctx.on_message if ctx is not None else None
        return await exchange(
            self.server, self.pool, self.head, extra, jsonrpc.dumps(request), max_bytes, on_message
        )

    def _param_lines(self, tool: str, arguments: object) -> bytes:
        if not isinstance(arguments, dict):
            return b""
        lines = b""
        for prefix, argument in self._param_headers[tool]:
            value = arguments.get(argument)
            if value is None:
                continue
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)
            lines += prefix + header_value(text) + _CRLF
        return lines

    def _learn_param_headers(self, message: JSON) -> None:
        result = message.get("result")
        tools = result.get("tools") if isinstance(result, dict) else None
        if not isinstance(tools, list):
            return
        for tool in tools:
            if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
                continue
            properties = (tool.get("inputSchema") or {}).get("properties") or {}
            found = [
                (f"mcp-param-{spec['x-mcp-header']}: ".encode("ascii"), prop)
                for prop, spec in properties.items()
                if isinstance(spec, dict)
                and isinstance(spec.get("x-mcp-header"), str)
                and _TOKEN.fullmatch(spec["x-mcp-header"])
            ]
            if found and len(self._param_headers) < _MAX_CACHED:
                self._param_headers[tool["name"]] = found
            else:
                self._param_headers.pop(tool["name"], None)

    async def _retry_after_relist(self, request: JSON, ctx: CallContext) -> JSON | None:
        """The spec's answer to a HeaderMismatch on tools/call: re-read the schemas, retry once."""
        listing = jsonrpc.request("heady-relist", "tools/list", {"_meta": versions.modern_meta()})
        reply = await self._post(listing, ctx.max_response_bytes, None)
        if reply.message is None:
            return None
        self._learn_param_headers(reply.message)
        return (await self._post(request, ctx.max_response_bytes, ctx)).message

    async def listen(self, request: JSON, ctx: CallContext) -> AsyncIterator[JSON]:
        """POST ``subscriptions/listen`` and yield what the stream carries until it ends."""
        extra = b"mcp-method: subscriptions/listen\r\n"
        async with self.pool.request(self.head, extra, jsonrpc.dumps(request)) as response:
            if not response.headers.get("content-type", "").startswith("text/event-stream"):
                body = await response.read(ctx.max_response_bytes)
                message = jsonrpc.loads(body) if body else None
                if isinstance(message, dict) and "error" in message:
                    raise UpstreamError(
                        self.server, "protocol", f"refused subscriptions/listen: {message['error']}"
                    )
                return
            decoder = SSEDecoder()
            async for chunk in response.chunks():
                for data in decoder.feed(chunk):
                    message = jsonrpc.loads(data)
                    if isinstance(message, dict):
                        yield message


def _with_meta(request: JSON, ctx: CallContext) -> JSON:
    params = dict(request.get("params") or {})
    meta = dict(params.get("_meta") or {})
    meta[versions.META_PROTOCOL_VERSION] = versions.MODERN
    meta.setdefault(versions.META_CLIENT_CAPABILITIES, ctx.client_capabilities)
    if ctx.client_info is not None:
        meta.setdefault(versions.META_CLIENT_INFO, ctx.client_info)
    params["_meta"] = meta
    return {**request, "params": params}


def _is_header_mismatch(message: JSON) -> bool:
    error = message.get("error")
    return isinstance(error, dict) and error.get("code") == versions.HEADER_MISMATCH
