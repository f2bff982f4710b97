"""Origin and Host validation against DNS rebinding: loopback, ``public_url`` and the allow lists."""

from __future__ import annotations

from typing import Final
from urllib.parse import urlsplit

from heady.compose.model import GatewayConfig

LOOPBACK: Final = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
_CACHE_SIZE: Final = 1024


def _split_host(value: str) -> tuple[str, str]:
    """``(hostname, host:port)`` of a Host header value, lowercased."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        return value[: end + 1], value
    name, _, port = value.partition(":")
    return name, value if port else name


class HostGuard:
    """Decides whether a Host and an Origin header may reach the gateway; answers are memoised."""

    def __init__(self, config: GatewayConfig) -> None:
        hosts = set(LOOPBACK)
        origins: set[str] = set()
        self.any_host = "*" in config.allowed_hosts
        self.any_origin = "*" in config.allowed_origins
        if config.public_url:
            parts = urlsplit(config.public_url)
            if parts.netloc:
                hosts.add(parts.netloc.lower())
                origins.add(f"{parts.scheme}://{parts.netloc}".lower())
        hosts.update(h.lower() for h in config.allowed_hosts)
        origins.update(o.rstrip("/").lower() for o in config.allowed_origins)
        self._hosts = frozenset(hosts)
        self._origins = frozenset(origins)
        self._host_ok: dict[str, bool] = {}
        self._origin_ok: dict[str, bool] = {}

    def host_allowed(self, host: str) -> bool:
        ok = self._host_ok.get(host)
        if ok is None:
            name, full = _split_host(host)
            ok = self.any_host or name in self._hosts or full in self._hosts
            if len(self._host_ok) >= _CACHE_SIZE:
                self._host_ok.clear()
            self._host_ok[host] = ok
        return ok

    def origin_allowed(self, origin: str) -> bool:
        ok = self._origin_ok.get(origin)
        if ok is None:
            ok = self.any_origin or self._check_origin(origin)
            if len(self._origin_ok) >= _CACHE_SIZE:
                self._origin_ok.clear()
            self._origin_ok[origin] = ok
        return ok

    def _check_origin(self, origin: str) -> bool:
        value = origin.strip().rstrip("/").lower()
        if value in self._origins:
            return True
        try:
            parts = urlsplit(value)
        except ValueError:
            return False
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return False
        name, _ = _split_host(parts.netloc)
        return name in LOOPBACK
