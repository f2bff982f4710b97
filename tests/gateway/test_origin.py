"""Host and Origin validation against DNS rebinding."""

from __future__ import annotations

from heady.compose.model import GatewayConfig
from heady.gateway.origin import HostGuard


def test_loopback_is_allowed_by_default_and_nothing_else() -> None:
    guard = HostGuard(GatewayConfig())
    for host in ("127.0.0.1:8080", "localhost", "[::1]:9000", "LOCALHOST:1"):
        assert guard.host_allowed(host), host
    for host in ("evil.test", "127.0.0.1.evil.test", "10.0.0.1:8080"):
        assert not guard.host_allowed(host), host
    for origin in ("http://localhost:3000", "https://127.0.0.1", "http://[::1]:8080"):
        assert guard.origin_allowed(origin), origin
    for origin in ("null", "http://evil.test", "file://", "http://localhost.evil.test"):
        assert not guard.origin_allowed(origin), origin


def test_public_url_and_allow_lists() -> None:
    guard = HostGuard(
        GatewayConfig(
            public_url="https://mcp.example.com",
            allowed_hosts=["gw.internal:8080"],
            allowed_origins=["https://app.example.com/"],
        )
    )
    assert guard.host_allowed("mcp.example.com")
    assert guard.host_allowed("gw.internal:8080")
    assert not guard.host_allowed("gw.internal:9090")
    assert guard.origin_allowed("https://mcp.example.com")
    assert guard.origin_allowed("https://app.example.com")
    assert not guard.origin_allowed("http://app.example.com")


def test_wildcards_turn_checks_off() -> None:
    guard = HostGuard(GatewayConfig(allowed_hosts=["*"], allowed_origins=["*"]))
    assert guard.host_allowed("anything.test")
    assert guard.origin_allowed("https://anything.test")
