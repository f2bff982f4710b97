"""Every upstream of a compose file, built from its server configs, started and closed together."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping, Sequence

from heady.compose.model import ComposeFile, Limits, ServerConfig
from heady.gateway.upstream.base import Upstream
from heady.gateway.upstream.breaker import CircuitBreaker
from heady.gateway.upstream.http import HttpUpstream
from heady.gateway.upstream.stdio import ChannelProvider, StdioUpstream
from heady.protocol.stdio import StdioChannel


def build_upstream(
    name: str,
    server: ServerConfig,
    gateway_limits: Limits,
    channels: ChannelProvider | None = None,
    *,
    breaker_threshold: int = 5,
    breaker_cooldown: float = 10.0,
) -> Upstream:
    """The upstream for one server: HTTP (either revision) or the supervisor's stdio processes."""
    limits = server.effective_limits(gateway_limits)
    breaker = CircuitBreaker(breaker_threshold, breaker_cooldown)
    if server.transport == "stdio":
        if channels is None:
            raise ValueError(
                f"server '{name}' is a stdio server: the gateway reaches it only through the "
                "supervisor's processes; run it with `heady up`, or give it a url"
            )
        return StdioUpstream(name, channels, limits, protocol=server.protocol, breaker=breaker)
    url = server.endpoint
    if url is None:
        raise ValueError(f"server '{name}' has no url or port; add one so the gateway can reach it")
    return HttpUpstream(name, url, limits, protocol=server.protocol, headers=server.headers, breaker=breaker)


class UpstreamPool(Mapping[str, Upstream]):
    """The gateway's upstreams by server name (a Mapping, so it can be handed to the gateway)."""

    def __init__(
        self,
        compose: ComposeFile,
        channels: Callable[[str], Sequence[StdioChannel]] | None = None,
        *,
        breaker_threshold: int = 5,
        breaker_cooldown: float = 10.0,
    ) -> None:
        self.upstreams: dict[str, Upstream] = {}
        for name, server in compose.servers.items():
            provider = None
            if channels is not None:
                provider = _provider(channels, name)
            self.upstreams[name] = build_upstream(
                name,
                server,
                compose.gateway.limits,
                provider,
                breaker_threshold=breaker_threshold,
                breaker_cooldown=breaker_cooldown,
            )

    def __getitem__(self, name: str) -> Upstream:
        return self.upstreams[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.upstreams)

    def __len__(self) -> int:
        return len(self.upstreams)

    async def start(self) -> None:
        """Start every upstream at once; one slow or absent server delays none of the others."""
        await asyncio.gather(*(u.start() for u in self.upstreams.values()))

    async def close(self) -> None:
        await asyncio.gather(*(u.close() for u in self.upstreams.values()), return_exceptions=True)


def _provider(channels: Callable[[str], Sequence[StdioChannel]], name: str) -> ChannelProvider:
    return lambda: channels(name)
