"""Upstreams for the front's tests: the upstream pool's factory once it exists, else a plain HTTP client.

The fallback speaks 2026-07-28 JSON-RPC over HTTP to the fixture servers (real servers,
real HTTP); it exists only so the front can be tested while the pool is being built.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson

from heady.compose.model import ComposeFile, ServerConfig
from heady.gateway.upstream.base import JSON, CallContext, UpstreamError, UpstreamStatus


class PlainHttpUpstream:
    def __init__(self, name: str, config: ServerConfig) -> None:
        self.name = name
        self.url = config.endpoint or ""
        self._status = UpstreamStatus()
        self._http = httpx.AsyncClient(trust_env=False, timeout=30)

    @property
    def status(self) -> UpstreamStatus:
        return self._status

    def _headers(self, request: JSON) -> dict[str, str]:
        headers = {
            "content-type": "application/json",
            "accept": "application/json, text/event-stream",
            "mcp-protocol-version": "2026-07-28",
            "mcp-method": request["method"],
        }
        params = request.get("params") or {}
        name = params.get("name") or params.get("uri")
        if request["method"] in ("tools/call", "prompts/get", "resources/read") and name:
            headers["mcp-name"] = name
        return headers

    async def start(self) -> None:
        request = {
            "jsonrpc": "2.0",
            "id": 0,
            "method": "server/discover",
            "params": {
                "_meta": {
                    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                    "io.modelcontextprotocol/clientInfo": {"name": "heady", "version": "0"},
                    "io.modelcontextprotocol/clientCapabilities": {},
                }
            },
        }
        try:
            response = await self.call(request, CallContext(5, 1 << 20))
            result = response["result"]
            self._status = UpstreamStatus(
                "ready",
                protocol_version="2026-07-28",
                capabilities=result.get("capabilities"),
                instructions=result.get("instructions"),
                server_info=(result.get("_meta") or {}).get("io.modelcontextprotocol/serverInfo"),
            )
        except Exception as exc:
            self._status = UpstreamStatus("down", detail=str(exc))

    async def call(self, request: JSON, ctx: CallContext) -> JSON:
        try:
            async with self._http.stream(
                "POST",
                self.url,
                content=orjson.dumps(request),
                headers=self._headers(request),
                timeout=ctx.timeout,
            ) as response:
                if response.headers.get("content-type", "").startswith("text/event-stream"):
                    async for line in response.aiter_lines():
                        if line.startswith("data: "):
                            message: Any = orjson.loads(line[6:])
                            if "method" in message and "id" not in message:
                                if ctx.on_message is not None:
                                    await ctx.on_message(message)
                            else:
                                return dict(message)
                    raise UpstreamError(self.name, "protocol", "stream ended without a response")
                body = await response.aread()
                return dict(orjson.loads(body))
        except httpx.TimeoutException as exc:
            raise UpstreamError(self.name, "timeout", f"timed out after {ctx.timeout}s") from exc
        except httpx.TransportError as exc:
            raise UpstreamError(self.name, "unavailable", f"unreachable: {exc}") from exc

    async def listen(self, request: JSON, ctx: CallContext) -> AsyncIterator[JSON]:
        async with self._http.stream(
            "POST", self.url, content=orjson.dumps(request), headers=self._headers(request), timeout=None
        ) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    yield dict(orjson.loads(line[6:]))

    async def close(self) -> None:
        await self._http.aclose()


def upstreams_for(compose: ComposeFile) -> dict[str, Any]:
    return {name: PlainHttpUpstream(name, config) for name, config in compose.servers.items()}
