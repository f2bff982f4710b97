"""The protocol revisions Heady speaks and the names each one puts on the wire."""

from __future__ import annotations

from typing import Any, Final

from heady import __version__

MODERN: Final = "2026-07-28"
"""Stateless revision: version and capabilities travel in every request's ``_meta``."""

LEGACY: Final = "2025-11-25"
"""Newest handshake revision: ``initialize``, then a session."""

HANDSHAKE_VERSIONS: Final = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
"""Revisions reached through the ``initialize`` handshake."""

# ``_meta`` keys of revision 2026-07-28.
META_PROTOCOL_VERSION: Final = "io.modelcontextprotocol/protocolVersion"
META_CLIENT_INFO: Final = "io.modelcontextprotocol/clientInfo"
META_CLIENT_CAPABILITIES: Final = "io.modelcontextprotocol/clientCapabilities"
META_SERVER_INFO: Final = "io.modelcontextprotocol/serverInfo"

# HTTP headers.
HEADER_PROTOCOL_VERSION: Final = "MCP-Protocol-Version"
HEADER_METHOD: Final = "Mcp-Method"
HEADER_NAME: Final = "Mcp-Name"
HEADER_SESSION_ID: Final = "Mcp-Session-Id"

# JSON-RPC error codes only a 2026-07-28 server sends; seeing one means "modern, do not fall back".
HEADER_MISMATCH: Final = -32020
MISSING_CLIENT_CAPABILITY: Final = -32021
UNSUPPORTED_PROTOCOL_VERSION: Final = -32022
MODERN_ERROR_CODES: Final = frozenset(
    {HEADER_MISMATCH, MISSING_CLIENT_CAPABILITY, UNSUPPORTED_PROTOCOL_VERSION}
)

CLIENT_INFO: Final[dict[str, str]] = {"name": "heady", "version": __version__}


def modern_meta(capabilities: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``_meta`` every 2026-07-28 request from Heady itself carries."""
    return {
        META_PROTOCOL_VERSION: MODERN,
        META_CLIENT_INFO: dict(CLIENT_INFO),
        META_CLIENT_CAPABILITIES: capabilities or {},
    }
