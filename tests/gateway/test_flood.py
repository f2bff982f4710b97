"""A flood far beyond one backend's in-flight and queue bounds, against `heady gateway` as a process.

The gateway must refuse the excess at once (503 with Retry-After, naming the server),
serve what fits, keep its memory bounded, and serve normally once the flood is over.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from pathlib import Path

import httpx
import orjson
import psutil
from gateway_support import fixture_server, modern_body, modern_headers, wait_port

from conftest import PYTHON, free_port

FLOOD = 600  # concurrent clients, each with its own connection
IN_FLIGHT, QUEUE = 4, 8


async def _flood(url: str) -> list[httpx.Response]:
    body = orjson.dumps(modern_body("tools/call", {"name": "slow__sleep", "arguments": {"ms": 1500}}))
    headers = modern_headers("tools/call", "slow__sleep")
    limits = httpx.Limits(max_connections=FLOOD, max_keepalive_connections=0)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        return await asyncio.gather(*(client.post(url, content=body, headers=headers) for _ in range(FLOOD)))


def test_a_flood_beyond_the_queue_gets_503s_and_memory_stays_bounded(tmp_path: Path) -> None:
    port = free_port()
    with fixture_server("slow") as backend:
        compose = tmp_path / "mcp-compose.yaml"
        compose.write_text(
            f"version: 1\ngateway:\n  listen: 127.0.0.1:{port}\nservers:\n  slow:\n"
            f"    url: http://127.0.0.1:{backend}/mcp\n"
            f"    limits: {{max_in_flight: {IN_FLIGHT}, max_queue: {QUEUE}}}\n"
        )
        gateway = subprocess.Popen(
            [str(Path(PYTHON).parent / "heady"), "gateway", "-f", str(compose)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            wait_port(port, gateway)  # type: ignore[arg-type]
            url = f"http://127.0.0.1:{port}/mcp"
            warm = httpx.post(
                url,
                content=orjson.dumps(modern_body("tools/list")),
                headers=modern_headers("tools/list"),
                timeout=30,
            )
            assert warm.status_code == 200
            assert "slow__sleep" in [t["name"] for t in warm.json()["result"]["tools"]]
            before = psutil.Process(gateway.pid).memory_info().rss

            responses = asyncio.run(_flood(url))

            after = psutil.Process(gateway.pid).memory_info().rss
            served = [r for r in responses if r.status_code == 200]
            refused = [r for r in responses if r.status_code == 503]
            assert len(served) + len(refused) == FLOOD, {r.status_code for r in responses}
            assert IN_FLIGHT <= len(served) < FLOOD // 2  # what fit; the excess was refused
            for response in served:
                assert response.json()["result"]["content"][0]["text"] == "slept"
            for response in refused:
                assert int(response.headers["retry-after"]) >= 1
                assert "'slow'" in response.json()["error"]["message"]
            assert after - before < 40 * 1024 * 1024, (before, after)

            again = httpx.post(
                url,
                content=orjson.dumps(
                    modern_body("tools/call", {"name": "slow__sleep", "arguments": {"ms": 1}})
                ),
                headers=modern_headers("tools/call", "slow__sleep"),
                timeout=30,
            )
            assert again.status_code == 200
        finally:
            gateway.send_signal(signal.SIGTERM)
            try:
                gateway.wait(30)
            except subprocess.TimeoutExpired:
                gateway.kill()
                gateway.wait()
    assert gateway.returncode == 0
