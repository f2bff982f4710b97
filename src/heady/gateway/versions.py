"""Protocol revisions the gateway serves to clients, and the ``_meta`` keys it reads and writes."""

from __future__ import annotations

from typing import Final

from heady.protocol.versions import (
    META_CLIENT_CAPABILITIES as META_CLIENT_CAPS,
)
from heady.protocol.versions import (
    META_CLIENT_INFO,
    META_PROTOCOL_VERSION,
    META_SERVER_INFO,
    MODERN,
)

LEGACY: Final = ("2025-11-25", "2025-06-18", "2025-03-26")
"""Handshake revisions served with signed sessions; the first is the newest."""
SUPPORTED: Final = (MODERN, *LEGACY)

META_VERSION: Final = META_PROTOCOL_VERSION
META_SUBSCRIPTION: Final = "io.modelcontextprotocol/subscriptionId"
META_LOG_LEVEL: Final = "io.modelcontextprotocol/logLevel"
META_UNAVAILABLE: Final = "io.heady/unavailable"
"""Result ``_meta`` key listing the servers a merged answer had to leave out, and why."""

__all__ = [
    "LEGACY",
    "META_CLIENT_CAPS",
    "META_CLIENT_INFO",
    "META_LOG_LEVEL",
    "META_SERVER_INFO",
    "META_SUBSCRIPTION",
    "META_UNAVAILABLE",
    "META_VERSION",
    "MODERN",
    "SUPPORTED",
]
