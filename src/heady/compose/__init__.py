"""The mcp-compose.yaml model: load, interpolate, overlay, validate."""

from heady.compose.errors import ComposeError, ComposeUsageError, Problem
from heady.compose.loader import DEFAULT_FILE, load_compose, overlay_problems
from heady.compose.model import ComposeFile, GatewayConfig, Limits, RateLimit, ServerConfig
from heady.compose.schema import json_schema, render_schema

__all__ = [
    "DEFAULT_FILE",
    "ComposeError",
    "ComposeFile",
    "ComposeUsageError",
    "GatewayConfig",
    "Limits",
    "Problem",
    "RateLimit",
    "ServerConfig",
    "json_schema",
    "load_compose",
    "overlay_problems",
    "render_schema",
]
