"""An MCP server over Streamable HTTP, in whichever revision it speaks.

``protocol: auto`` probes once per start with ``server/discover``: a result or a modern
JSON-RPC error means 2026-07-28; any other answer (the way 2025-era servers reject it)
means a 2025-era session. A forced protocol skips the probe. The era is re-learned when
the server comes back after being unreachable.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from heady.compose.model import Limits
from heady.gateway.upstream.base import JSON, CallContext, UpstreamError
from heady.gateway.upstream.breaker import CircuitBreaker
from heady.gateway.upstream.guarded import GuardedUpstream
from heady.gateway.upstream.http11 import ConnectionPool
from heady.gateway.upstream.legacy import LegacySession
from heady.gateway.upstream.modern import ModernHttp
from heady.protocol import versions


class HttpUpstream(GuardedUpstream):
    """One HTTP server: a keep-alive pool plus the dialect its probe chose."""

    def __init__(
        self,
        name: str,
        url: str,
        limits: Limits,
        *,
        protocol: str = "auto",
        headers: dict[str, str] | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        super().__init__(name, limits, breaker)
        self.url = url
        self.protocol = protocol
        self.pool = ConnectionPool(url, max_idle=min(limits.max_in_flight, 256))
        self._headers = list((headers or {}).items())
        self._modern = ModernHttp(name, self.pool, self._headers)
        self._legacy: LegacySession | None = None
        self._dialect: ModernHttp | LegacySession | None = None
        self._lock = asyncio.Lock()

    async def _connect(self) -> None:
        async with self._lock:
            if self._dialect is not None and self._dialect is self._legacy:
                await self._legacy.check()
            else:
                await self._probe()

    async def _probe(self) -> None:
        if self.protocol in versions.HANDSHAKE_VERSIONS:
            await self._use_legacy(self.protocol)
            return
        reply = await self._modern.discover()
        if reply.status in (401, 403):
            raise UpstreamError(
                self.name,
                "unavailable",
                f"answered HTTP {reply.status} to the gateway: it wants credentials; "
                "set them under the server's headers: in mcp-compose.yaml",
            )
        message = reply.message or {}
        result = message.get("result")
        error = message.get("error")
        if isinstance(result, dict) and versions.MODERN in (result.get("supportedVersions") or ()):
            self._dialect = self._modern
            status = self._status
            status.protocol_version = versions.MODERN
            status.server_info = (result.get("_meta") or {}).get(versions.META_SERVER_INFO)
            status.capabilities = result.get("capabilities") or {}
            status.instructions = result.get("instructions")
            return
        modern_error = isinstance(error, dict) and error.get("code") in versions.MODERN_ERROR_CODES
        if self.protocol == versions.MODERN or modern_error or isinstance(result, dict):
            if isinstance(result, dict):
                detail = f"it supports {result.get('supportedVersions')}"
            else:
                detail = str(error) if error else f"HTTP {reply.status}"
            raise UpstreamError(self.name, "protocol", f"does not serve revision {versions.MODERN}: {detail}")
        await self._use_legacy(versions.LEGACY)

    async def _use_legacy(self, version: str) -> None:
        if self._legacy is not None:
            await self._legacy.close()
        session = LegacySession(self.name, self.pool, self._headers, version)
        result = await session.initialize()
        self._legacy = session
        self._dialect = session
        status = self._status
        status.protocol_version = session.version
        status.server_info = result.get("serverInfo")
        status.capabilities = result.get("capabilities") or {}
        status.instructions = result.get("instructions")

    async def _send(self, request: JSON, ctx: CallContext) -> JSON:
        dialect = self._dialect
        if dialect is None:
            async with self._lock:
                if self._dialect is None:
                    await self._probe()
            dialect = self._dialect
            assert dialect is not None
        return await dialect.send(request, ctx)

    async def _listen(self, request: JSON, ctx: CallContext) -> AsyncIterator[JSON]:
        if self._dialect is None:
            async with self._lock:
                if self._dialect is None:
                    await self._probe()
        assert self._dialect is not None
        async for message in self._dialect.listen(request, ctx):
            yield message

    async def _close(self) -> None:
        if self._legacy is not None:
            await self._legacy.close()
        await self.pool.close()
