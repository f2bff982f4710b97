"""The mcp-compose.yaml model: load, interpolate, overlay, validate."""

from heady.compose.errors import ComposeError, Problem
from heady.compose.loader import DEFAULT_FILE, load_compose
from heady.compose.model import ComposeFile, GatewayConfig, Limits, RateLimit, ServerConfig

__all__ = [
    "DEFAULT_FILE",
    "ComposeError",
    "ComposeFile",
    "GatewayConfig",
    "Limits",
    "Problem",
    "RateLimit",
    "ServerConfig",
    "load_compose",
]
