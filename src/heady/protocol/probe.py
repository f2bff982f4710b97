"""Readiness probe for an MCP server over Streamable HTTP, in either protocol era.

A real MCP exchange, not a TCP check: ``server/discover`` first (revision
2026-07-28); when the server does not answer it the way a modern server would,
the 2025-11-25 handshake (``initialize``, ``notifications/initialized``, then
DELETE of the session so probes leave nothing behind on the server).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from heady.protocol import versions as v

_ACCEPT = "application/json, text/event-stream"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What a server said about itself when it answered the probe."""

    protocol_version: str
    server_info: dict[str, Any] | None = None
    capabilities: dict[str, Any] = field(default_factory=dict)
    supported_versions: tuple[str, ...] = ()

    def describe(self) -> str:
        """``echo 4.1.2, 2026-07-28`` (for status lines)."""
        info = self.server_info or {}
        name = " ".join(str(info[k]) for k in ("name", "version") if info.get(k))
        return f"{name}, {self.protocol_version}" if name else self.protocol_version


class ProbeError(Exception):
    """The probe got no usable MCP answer; the message says what it saw instead."""


class _Fallback(Exception):
    """The server did not answer like a 2026-07-28 server: try the handshake."""


async def probe_http(
    url: str,
    *,
    within: float = 2.0,
    protocol: str | None = None,
    headers: Mapping[str, str] | None = None,
    client: httpx.AsyncClient | None = None,
) -> ProbeResult:
    """Probe the MCP endpoint at ``url``; raise ProbeError when no answer comes ``within`` seconds.

    ``protocol`` skips detection once the era is known: a modern version sends only
    ``server/discover``, a handshake version only ``initialize``.
    """
    owned = client is None
    http = client or httpx.AsyncClient(trust_env=False)
    try:
        async with asyncio.timeout(within):
            if protocol in v.HANDSHAKE_VERSIONS:
                return await _initialize(http, url, headers or {})
            try:
                return await _discover(http, url, headers or {})
            except _Fallback as why:
                if protocol is not None:
                    raise ProbeError(str(why)) from None
                return await _initialize(http, url, headers or {})
    except TimeoutError:
        raise ProbeError(f"no answer from {url} within {within:g}s") from None
    except httpx.ConnectError:
        raise ProbeError(f"nothing accepts connections at {url}") from None
    except httpx.HTTPError as exc:
        raise ProbeError(f"{type(exc).__name__} talking to {url}: {exc}") from None
    finally:
        if owned:
            await http.aclose()


async def _discover(http: httpx.AsyncClient, url: str, extra: Mapping[str, str]) -> ProbeResult:
    request = {
        "jsonrpc": "2.0",
        "id": "heady-probe",
        "method": "server/discover",
        "params": {"_meta": v.modern_meta()},
    }
    headers = {
        **extra,
        "Accept": _ACCEPT,
        v.HEADER_PROTOCOL_VERSION: v.MODERN,
        v.HEADER_METHOD: "server/discover",
    }
    status, _, message = await _post(http, url, request, headers)
    error = message.get("error") if message else None
    if isinstance(error, dict):
        code = error.get("code")
        if code == v.UNSUPPORTED_PROTOCOL_VERSION:
            supported = (error.get("data") or {}).get("supported") or []
            if any(s in v.HANDSHAKE_VERSIONS for s in supported):
                raise _Fallback(f"server supports only {', '.join(supported)}")
            raise ProbeError(f"server supports protocol versions {supported}, none Heady speaks")
        if code in v.MODERN_ERROR_CODES:
            raise ProbeError(f"server rejected server/discover: {error.get('message')} ({code})")
        raise _Fallback(f"server/discover answered HTTP {status} with error {code}: {error.get('message')}")
    result = message.get("result") if message else None
    if status != 200 or not isinstance(result, dict) or "supportedVersions" not in result:
        raise _Fallback(f"server/discover answered HTTP {status} without a discover result")
    supported = tuple(str(s) for s in result.get("supportedVersions") or ())
    if v.MODERN not in supported:
        raise _Fallback(f"server supports only {', '.join(supported)}")
    meta = result.get("_meta") or {}
    return ProbeResult(
        protocol_version=v.MODERN,
        server_info=meta.get(v.META_SERVER_INFO),
        capabilities=result.get("capabilities") or {},
        supported_versions=supported,
    )


async def _initialize(http: httpx.AsyncClient, url: str, extra: Mapping[str, str]) -> ProbeResult:
    request = {
        "jsonrpc": "2.0",
        "id": "heady-probe",
        "method": "initialize",
        "params": {"protocolVersion": v.LEGACY, "capabilities": {}, "clientInfo": dict(v.CLIENT_INFO)},
    }
    status, session, message = await _post(http, url, request, {**extra, "Accept": _ACCEPT})
    result = message.get("result") if message else None
    if not isinstance(result, dict) or "protocolVersion" not in result:
        error = (message or {}).get("error")
        seen = (
            f"error {error.get('code')}: {error.get('message')}" if isinstance(error, dict) else "no result"
        )
        raise ProbeError(f"initialize answered HTTP {status} with {seen}")
    version = str(result["protocolVersion"])
    headers = {**extra, v.HEADER_PROTOCOL_VERSION: version}
    if session:
        headers[v.HEADER_SESSION_ID] = session
    note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    await http.post(url, json=note, headers={**headers, "Accept": _ACCEPT})
    if session:
        await http.delete(url, headers=headers)
    return ProbeResult(
        protocol_version=version,
        server_info=result.get("serverInfo"),
        capabilities=result.get("capabilities") or {},
        supported_versions=(version,),
    )


async def _post(
    http: httpx.AsyncClient, url: str, request: dict[str, Any], headers: Mapping[str, str]
) -> tuple[int, str | None, dict[str, Any] | None]:
    """POST one request; return the status, the session id and the JSON-RPC answer (JSON or SSE)."""
    async with http.stream("POST", url, json=request, headers=headers) as response:
        session = response.headers.get(v.HEADER_SESSION_ID)
        kind = response.headers.get("content-type", "").split(";")[0].strip()
        if kind == "text/event-stream":
            return response.status_code, session, await _first_answer(response, request["id"])
        body = await response.aread()
    try:
        message = json.loads(body) if body else None
    except ValueError:
        message = None
    return response.status_code, session, message if isinstance(message, dict) else None


async def _first_answer(response: httpx.Response, request_id: object) -> dict[str, Any] | None:
    """The response to ``request_id`` on an SSE stream; notifications before it are skipped."""
    data: list[str] = []
    async for line in response.aiter_lines():
        if line.startswith("data:"):
            data.append(line[5:].lstrip())
        elif not line and data:
            try:
                message = json.loads("\n".join(data))
            except ValueError:
                message = None
            data = []
            if isinstance(message, dict) and message.get("id") == request_id:
                return message
    return None
