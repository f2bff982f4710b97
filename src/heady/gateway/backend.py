"""One server as the router sees it: its upstream, its tool filter, its limits, its cache policy."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from heady.compose.model import Limits, RateLimit, ServerConfig
from heady.gateway.upstream.base import Upstream

_READY = frozenset({"ready", "degraded"})
_RELEARN = 10.0
"""Seconds between tool-list fetches triggered by calls to tools the gateway has not seen listed."""


@dataclass(slots=True, frozen=True)
class CallLimits:
    """The limits one request needs, as plain numbers (no model access on the hot path)."""

    timeout: float
    max_response_bytes: int
    max_request_bytes: int

    @classmethod
    def of(cls, limits: Limits) -> CallLimits:
        return cls(float(limits.timeout), int(limits.max_response_bytes), int(limits.max_request_bytes))


@dataclass(slots=True, eq=False)
class Backend:
    name: str
    config: ServerConfig
    upstream: Upstream
    limits: CallLimits
    tool_limits: dict[str, CallLimits]
    rate_limit: RateLimit | None
    tool_rate_limits: dict[str, RateLimit]
    cache_ttl: dict[str, float]
    read_only: dict[str, bool] = field(default_factory=dict)
    """readOnlyHint of each tool, learned from the server's tools/list (caching needs it)."""
    param_headers: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    """Per tool: the ``Mcp-Param-*`` headers its ``x-mcp-header`` arguments need (from tools/list)."""
    learned_at: float = -_RELEARN
    _allowed: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def build(cls, name: str, config: ServerConfig, upstream: Upstream, gateway: Limits) -> Backend:
        return cls(
            name=name,
            config=config,
            upstream=upstream,
            limits=CallLimits.of(config.effective_limits(gateway)),
            tool_limits={
                tool: CallLimits.of(config.effective_limits(gateway, tool)) for tool in config.tool_limits
            },
            rate_limit=config.rate_limit,
            tool_rate_limits={t: o.rate_limit for t, o in config.tool_limits.items() if o.rate_limit},
            cache_ttl={tool: float(policy.ttl) for tool, policy in config.cache.items()},
        )

    @property
    def ready(self) -> bool:
        return self.upstream.status.state in _READY

    def may_learn(self) -> bool:
        """Whether to fetch the tool list for an unknown tool now (at most every few seconds)."""
        now = time.monotonic()
        if now - self.learned_at < _RELEARN:
            return False
        self.learned_at = now
        return True

    def limits_for(self, tool: str) -> CallLimits:
        return self.tool_limits.get(tool, self.limits)

    def allows(self, tool: str) -> bool:
        """Whether the compose file's include/exclude patterns expose ``tool``."""
        allowed = self._allowed.get(tool)
        if allowed is None:
            rules = self.config.tools
            allowed = (rules.include is None or any(fnmatchcase(tool, p) for p in rules.include)) and not any(
                fnmatchcase(tool, p) for p in rules.exclude
            )
            if len(self._allowed) < 4096:
                self._allowed[tool] = allowed
        return allowed
