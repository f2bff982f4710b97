"""Which ASGI server runs the gateway front: uvicorn (h11 / httptools+uvloop), granian, hypercorn.

The last uvicorn row is what Heady runs (heady.gateway.server): httptools, uvloop, no
proxy/date/server headers, and head and body of a response written in one write.

The same Gateway app is served by each, with one in-process upstream that answers at
once, so the figures are the server plus the gateway front and nothing else. wrk sends
2026-07-28 ``tools/call`` POSTs to the merged route (bounded: a fixed duration per run).
Reported per server: calls/s and server-process CPU microseconds per call at concurrency
32, and p50/p99 at concurrency 1.

Run: .venv/bin/python bench/asgi_servers.py [SECONDS]
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
import psutil

from heady.compose.model import ComposeFile
from heady.gateway.app import Gateway
from heady.gateway.upstream.base import JSON, CallContext, UpstreamStatus
from heady.state import MemoryStore

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
SECONDS = 5


class InstantUpstream:
    """Answers every call at once with a fixed tools/call result (the front alone is measured)."""

    name = "echo"

    def __init__(self) -> None:
        self._status = UpstreamStatus("ready", capabilities={"tools": {}}, protocol_version="2026-07-28")

    @property
    def status(self) -> UpstreamStatus:
        return self._status

    async def start(self) -> None:
        return None

    async def call(self, request: JSON, ctx: CallContext) -> JSON:
        if request["method"] == "tools/list":  # the gateway reads tool schemas once
            tool = {
                "name": "echo",
                "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}},
            }
            return {
                "jsonrpc": "2.0",
                "id": request["id"],
                "result": {"resultType": "complete", "tools": [tool]},
            }
        text = request["params"]["arguments"]["text"]
        result = {"resultType": "complete", "content": [{"type": "text", "text": text}], "isError": False}
        return {"jsonrpc": "2.0", "id": request["id"], "result": result}

    async def listen(self, request: JSON, ctx: CallContext) -> Any:
        raise NotImplementedError

    async def close(self) -> None:
        return None


def make_app() -> Gateway:
    compose = ComposeFile.model_validate({"servers": {"echo": {"url": "http://127.0.0.1:9/mcp"}}})
    return Gateway(compose, {"echo": InstantUpstream()}, MemoryStore(), manage_upstreams=False)


app = make_app()

BODY = orjson.dumps(
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {
            "name": "echo__echo",
            "arguments": {"text": "hello"},
            "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientInfo": {"name": "wrk", "version": "1"},
                "io.modelcontextprotocol/clientCapabilities": {},
            },
        },
    }
).decode()
LUA = f"""
wrk.method = "POST"
wrk.body = '{BODY}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2026-07-28"
wrk.headers["Mcp-Method"] = "tools/call"
wrk.headers["Mcp-Name"] = "echo__echo"
"""

SERVERS = {
    "uvicorn h11 + asyncio": ["-m", "uvicorn", "--http", "h11", "--loop", "asyncio"],
    "uvicorn httptools + asyncio": ["-m", "uvicorn", "--http", "httptools", "--loop", "asyncio"],
    "uvicorn httptools + uvloop": ["-m", "uvicorn", "--http", "httptools", "--loop", "uvloop"],
    "uvicorn httptools + uvloop, one write per response (Heady's setup)": [
        "-m",
        "uvicorn",
        "--http",
        "heady.gateway.transport:CoalescingHttpToolsProtocol",
        "--loop",
        "uvloop",
        "--no-proxy-headers",
        "--no-date-header",
        "--no-server-header",
    ],
    "granian (asgi, 1 worker)": [
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--workers",
        "1",
        "--loop",
        "uvloop",
    ],
    "hypercorn + uvloop": ["-m", "hypercorn", "--worker-class", "uvloop"],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def command(kind: str, port: int) -> list[str]:
    args = [PY, *SERVERS[kind]]
    target = "bench.asgi_servers:app"
    if kind.startswith("uvicorn"):
        return [
            *args,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
            target,
        ]
    if kind.startswith("granian"):
        return [
            *args,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-ws",
            "--log-level",
            "warning",
            target,
        ]
    return [*args, "--bind", f"127.0.0.1:{port}", "--log-level", "warning", target]


def wrk(url: str, connections: int, script: str) -> tuple[int, float, str]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{SECONDS}s", "--latency", "-s", script, url],
        capture_output=True,
        text=True,
        check=True,
        timeout=SECONDS + 30,
    ).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{errors.group(1)} failed responses:\n{out}")
    return requests, float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), out  # type: ignore[union-attr]


def percentile(out: str, label: str) -> str:
    match = re.search(rf"{label}%\s+([\d.]+\w+)", out)
    return match.group(1) if match else "?"


def main() -> None:
    global SECONDS
    if len(sys.argv) > 1:
        SECONDS = int(sys.argv[1])
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(LUA)
    rows = []
    for kind in SERVERS:
        port = free_port()
        env = {**os.environ, "PYTHONPATH": f"{REPO}:{REPO / 'src'}"}
        proc = subprocess.Popen(command(kind, port), cwd=REPO, env=env, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while True:
                with socket.socket() as sock:
                    if sock.connect_ex(("127.0.0.1", port)) == 0:
                        break
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"{kind} did not start")
                time.sleep(0.1)
            url = f"http://127.0.0.1:{port}/mcp"
            wrk(url, 4, lua.name)  # warm up
            ps = psutil.Process(proc.pid)
            family = [ps, *ps.children(recursive=True)]
            before = sum(sum(p.cpu_times()[:2]) for p in family)
            calls, rate, _ = wrk(url, 32, lua.name)
            cpu = sum(sum(p.cpu_times()[:2]) for p in family) - before
            _, _, single = wrk(url, 1, lua.name)
            rows.append((kind, rate, cpu / calls * 1e6, percentile(single, "50"), percentile(single, "99")))
        finally:
            proc.terminate()
            proc.wait(10)
    os.unlink(lua.name)
    print("| server | calls/s at c=32 | server CPU per call | p50 at c=1 | p99 at c=1 |")
    print("|---|---|---|---|---|")
    for kind, rate, cpu_us, p50, p99 in rows:
        print(f"| {kind} | {rate:,.0f} | {cpu_us:.0f} µs | {p50} | {p99} |")


if __name__ == "__main__":
    main()
