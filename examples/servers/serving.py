"""How the example servers listen: streamable HTTP on 127.0.0.1 and the port the supervisor gives."""

from __future__ import annotations

import logging
import os
import sys

from fastmcp import FastMCP


def listen_port(log: logging.Logger, default: int) -> int:
    """``PORT`` from the environment (``heady up`` sets it), or ``default`` when run by hand."""
    value = os.environ.get("PORT", str(default))
    if not value.isdigit() or not 0 < int(value) < 65536:
        log.error(f"PORT={value!r} is not a TCP port; set PORT to a number between 1 and 65535")
        sys.exit(2)
    return int(value)


def serve(mcp: FastMCP, log: logging.Logger, default_port: int) -> None:
    mcp.run(
        "http",
        host="127.0.0.1",
        port=listen_port(log, default_port),
        path="/mcp",
        show_banner=False,
        uvicorn_config={"log_config": None, "access_log": False},
    )
