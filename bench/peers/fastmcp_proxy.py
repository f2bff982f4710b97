"""The FastMCP 4 proxy in its fastest configuration: one persistent, connected client.

``create_proxy`` given a connected ``Client`` reuses that client's session for every
request (FastMCP's docs: "reusing existing session for all requests"), instead of
opening a new upstream session per call, which is its default. Runs in its own venv
(bench/peers/run.py installs it) so it cannot borrow anything from Heady's.

Run: BACKEND_URL=http://127.0.0.1:9100/mcp PORT=9200 python bench/peers/fastmcp_proxy.py
"""

from __future__ import annotations

import asyncio
import os

from fastmcp import Client
from fastmcp.server import create_proxy


async def main() -> None:
    async with Client(os.environ["BACKEND_URL"]) as client:
        proxy = create_proxy(client, name="fastmcp-proxy")
        await proxy.run_http_async(
            host="127.0.0.1", port=int(os.environ["PORT"]), show_banner=False, log_level="warning"
        )


if __name__ == "__main__":
    asyncio.run(main())
