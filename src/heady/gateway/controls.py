"""Request controls at the front: rate limits (token buckets) and the read-only result cache.

Both keep their state in the state store, so replicas share buckets and cached results.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import orjson

from heady.compose.model import RateLimit
from heady.gateway.backend import Backend
from heady.gateway.jsonrpc import RATE_LIMITED, GatewayError
from heady.gateway.upstream.base import JSON
from heady.state import StateStore


def _bucket_key(scope: str, limit: RateLimit, client: str, subject: str) -> str:
    if limit.per == "client":
        return f"rl:{scope}:c:{client}"
    if limit.per == "tool":
        return f"rl:{scope}:t:{subject}"
    return f"rl:{scope}:g"


class RateLimiter:
    """Token buckets at three levels: gateway, server and tool; the first empty bucket answers 429."""

    def __init__(self, state: StateStore, gateway: RateLimit | None) -> None:
        self.state = state
        self.gateway = gateway

    async def _take(self, scope: str, limit: RateLimit, client: str, subject: str, what: str) -> None:
        burst = limit.burst or max(1, math.ceil(limit.rate))
        wait = await self.state.take(_bucket_key(scope, limit, client, subject), float(limit.rate), burst)
        if wait > 0:
            retry = max(1, math.ceil(wait))
            raise GatewayError(
                RATE_LIMITED,
                f"rate limit of {limit.rate:g}/s per {limit.per} exceeded for {what}; retry after {retry}s",
                status=429,
                data={"retryAfter": retry, "per": limit.per},
                retry_after=retry,
            )

    async def check_gateway(self, client: str, subject: str) -> None:
        if self.gateway is not None:
            await self._take("gw", self.gateway, client, subject, "the gateway")

    async def check_backend(self, backend: Backend, client: str, tool: str | None) -> None:
        if backend.rate_limit is not None:
            subject = tool or ""
            await self._take(
                f"s:{backend.name}", backend.rate_limit, client, subject, f"server '{backend.name}'"
            )
        if tool is not None:
            limit = backend.tool_rate_limits.get(tool)
            if limit is not None:
                scope = f"t:{backend.name}/{tool}"
                await self._take(scope, limit, client, tool, f"tool '{tool}' of server '{backend.name}'")


class ResultCache:
    """Results of read-only tools listed under ``cache:``, keyed by tool and canonical arguments."""

    def __init__(self, state: StateStore) -> None:
        self.state = state

    @staticmethod
    def key(backend: Backend, tool: str, arguments: Any) -> str:
        digest = hashlib.sha256(orjson.dumps(arguments, option=orjson.OPT_SORT_KEYS)).hexdigest()
        return f"cache:{backend.name}:{tool}:{digest}"

    async def get(self, key: str) -> JSON | None:
        raw = await self.state.get(key)
        if raw is None:
            return None
        value: JSON = orjson.loads(raw)
        return value

    async def put(self, key: str, result: JSON, ttl: float) -> None:
        await self.state.set(key, orjson.dumps(result), ttl)
