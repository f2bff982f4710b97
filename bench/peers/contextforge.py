"""ContextForge (``mcp-contextforge-gateway``) set up for real: secrets, admin, backend, JWT.

Configured the way its docs describe: strong random secrets for this run, the platform
admin account, SQLite in the run folder, a JWT minted with its own
``mcpgateway.utils.create_jwt_token``, the echo backend registered as a gateway over
its REST API (``POST /gateways``) and a virtual server holding its tool
(``POST /servers``); calls go to ``/servers/<id>/mcp`` with the JWT (1.1.0 advertises ``/v1/servers/<id>/mcp``
as its successor in a Link header but answers it 404).

Tuned for throughput, since defaults would measure its limiters, not its proxying:
the HTTP rate limiter off, the per-tool rate and concurrency limits raised, database
metrics, structured logging and performance tracking off, in-memory cache, log level
ERROR. One uvicorn worker, like Heady's one process. Loopback backends need
``SSRF_ALLOW_LOCALHOST=true`` (its SSRF guard refuses them otherwise).
"""

from __future__ import annotations

import secrets
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.procs import ProcessError, start, stop

ADMIN = "admin@example.com"
TOKEN_ARGS = ("-u", ADMIN, "--admin", "--exp", "120")


@dataclass(frozen=True)
class ContextForge:
    """A running ContextForge with the echo backend behind one virtual server."""

    proc: subprocess.Popen[bytes]
    url: str
    tool: str
    auth: str


def environment(folder: Path, port: int) -> dict[str, str]:
    """Settings for one run: fresh secrets, SQLite in `folder`, limiters out of the way."""
    return {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{folder / 'mcp.db'}",
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "AUTH_ENCRYPTION_SECRET": secrets.token_urlsafe(48),
        "PLATFORM_ADMIN_EMAIL": ADMIN,
        "PLATFORM_ADMIN_PASSWORD": "Bench-" + secrets.token_urlsafe(18),
        "DEFAULT_USER_PASSWORD": "Bench-" + secrets.token_urlsafe(18),
        "MCPGATEWAY_UI_ENABLED": "false",
        "MCPGATEWAY_ADMIN_API_ENABLED": "true",
        "SSRF_ALLOW_LOCALHOST": "true",
        "CACHE_TYPE": "memory",
        "LOG_LEVEL": "ERROR",
        "RATE_LIMITING_ENABLED": "false",
        "TOOL_RATE_LIMIT": "1000000",
        "TOOL_CONCURRENT_LIMIT": "1000",
        "DB_METRICS_RECORDING_ENABLED": "false",
        "STRUCTURED_LOGGING_ENABLED": "false",
        "PERFORMANCE_TRACKING_ENABLED": "false",
    }


def _wait_healthy(base: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ProcessError(f"ContextForge exited with {proc.returncode} while starting; see {log}")
        try:
            if httpx.get(f"{base}/health", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise ProcessError(f"ContextForge did not answer {base}/health within {timeout:.0f}s; see {log}")


def _token(venv: Path, env: dict[str, str], folder: Path) -> str:
    """A JWT for the admin, minted by ContextForge's own tool (2 h expiry)."""
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "mcpgateway.utils.create_jwt_token", *TOKEN_ARGS],
        env={"PATH": "/usr/bin:/bin", **env},
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.count(".") == 2 and " " not in line]
    if done.returncode != 0 or not lines:
        raise ProcessError(f"create_jwt_token failed ({done.returncode}): {done.stderr.strip()[-300:]}")
    return lines[-1]


def _api(client: httpx.Client, method: str, path: str, body: object | None = None) -> object:
    response = client.request(method, path, json=body)
    if response.status_code >= 300:
        raise ProcessError(
            f"ContextForge {method} {path} answered {response.status_code}: {response.text[:300]}"
        )
    return response.json()


def start_contextforge(venv: Path, folder: Path, port: int, backend_url: str) -> ContextForge:
    """Start ContextForge, register the backend, make a virtual server; stops it on failure."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("mcp.db*"):
        old.unlink()
    env = environment(folder, port)
    log = folder / "contextforge.log"
    proc = start(
        [str(venv / "bin" / "mcpgateway"), "--host", "127.0.0.1", "--port", str(port)], log, env, folder
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc, log, timeout=180)
        token = _token(venv, env, folder)
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            gateway = _api(
                client,
                "POST",
                "/gateways",
                {"name": "echo", "url": backend_url, "transport": "STREAMABLEHTTP"},
            )
            assert isinstance(gateway, dict)
            tools = _api(client, "GET", "/tools")
            assert isinstance(tools, list)
            mine = [
                t for t in tools if t.get("gatewayId") == gateway["id"] and t.get("originalName") == "echo"
            ]
            if not mine:
                raise ProcessError(
                    f"ContextForge registered the backend but lists no echo tool: {tools!r:.300}"
                )
            server = _api(
                client,
                "POST",
                "/servers",
                {"server": {"name": "bench", "description": "echo", "associated_tools": [mine[0]["id"]]}},
            )
            assert isinstance(server, dict)
    except BaseException:
        stop(proc)
        raise
    return ContextForge(proc, f"{base}/servers/{server['id']}/mcp", mine[0]["name"], f"Bearer {token}")
