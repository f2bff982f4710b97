"""The benchmark backend: a FastMCP server with one ``echo(text)`` tool.

Every column of the benchmark (direct, Heady, peers) calls this same process, so the
differences between columns are what sits in front of it. Streamable HTTP on
127.0.0.1:$PORT; logging at warning so the backend does not spend CPU on access logs.

Run: PORT=9100 .venv/bin/python bench/backends/echo_server.py
"""

from __future__ import annotations

import os

from fastmcp import FastMCP

mcp = FastMCP("echo")


@mcp.tool
def echo(text: str) -> str:
    """Return the text unchanged."""
    return text


if __name__ == "__main__":
    mcp.run(
        transport="http",
        host="127.0.0.1",
        port=int(os.environ["PORT"]),
        show_banner=False,
        log_level="warning",
    )
