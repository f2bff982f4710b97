"""`heady gateway` as a real process: http servers reached, stdio servers launched, clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
import pytest

from conftest import FIXTURES, PYTHON, REPO, free_port

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "gateway"))
from gateway_support import fixture_server, modern_body, modern_headers, wait_port


def heady(*args: str, cwd: Path) -> subprocess.Popen[str]:
    code = "from heady.cli.app import main; main()"
    return subprocess.Popen(
        [PYTHON, "-c", code, *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )


def write_compose(path: Path, body: str) -> Path:
    file = path / "mcp-compose.yaml"
    file.write_text(body)
    return file


def call(url: str, tool: str, arguments: dict[str, object]) -> dict[str, object]:
    body = orjson.dumps(modern_body("tools/call", {"name": tool, "arguments": arguments}))
    response = httpx.post(url, content=body, headers=modern_headers("tools/call", tool), timeout=30)
    return dict(response.json())


def test_gateway_serves_http_and_launches_stdio_servers(tmp_path: Path) -> None:
    port = free_port()
    with fixture_server("alpha") as alpha:
        compose = write_compose(
            tmp_path,
            f"""
version: 1
gateway:
  listen: 127.0.0.1:{port}
  session_secret: test-secret
servers:
  alpha:
    url: http://127.0.0.1:{alpha}/mcp
  local:
    command: [{PYTHON}, {FIXTURES / "upstream" / "echo_server.py"}, stdio]
""",
        )
        proc = heady("gateway", "-f", str(compose), cwd=tmp_path)
        try:
            wait_port(port, proc)  # type: ignore[arg-type]
            url = f"http://127.0.0.1:{port}/mcp"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz").json()
                if all(s["state"] == "ready" for s in ready["servers"].values()):
                    break
                time.sleep(0.2)
            assert ready["servers"]["local"]["state"] == "ready", ready
            assert call(url, "alpha__whoami", {})["result"]["content"][0]["text"] == "alpha"  # type: ignore[index]
            echoed = call(url, "local__echo", {"text": "from stdio"})
            assert echoed["result"]["content"][0]["text"] == "from stdio"  # type: ignore[index]
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert f"gateway on http://127.0.0.1:{port}/mcp (2 servers, 1 launched here)" in out
        assert "gateway stopped" in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--listen", "nonsense"], 2, "--listen 'nonsense'"),
        (["-f", "missing.yaml"], 2, "missing.yaml"),
    ],
)
def test_gateway_bad_arguments(tmp_path: Path, args: list[str], code: int, message: str) -> None:
    write_compose(tmp_path, "version: 1\nservers:\n  a:\n    url: http://127.0.0.1:9/mcp\n")
    proc = heady("gateway", *args, cwd=tmp_path)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, (out, err)
    assert message in err
    assert "Traceback" not in err


def test_gateway_port_in_use_is_one_clear_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        compose = write_compose(
            tmp_path,
            f"version: 1\ngateway:\n  listen: 127.0.0.1:{port}\nservers:\n  a:\n    url: http://127.0.0.1:9/mcp\n",
        )
        proc = heady("gateway", "-f", str(compose), cwd=tmp_path)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err
    assert "Traceback" not in err


def test_gateway_refuses_an_auth_mode_it_cannot_enforce(tmp_path: Path) -> None:
    compose = write_compose(
        tmp_path,
        "version: 1\ngateway:\n  auth: {mode: oidc, issuer: https://login.example.com}\n"
        "servers:\n  a:\n    url: http://127.0.0.1:9/mcp\n",
    )
    proc = heady("gateway", "-f", str(compose), cwd=tmp_path)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "gateway.auth.mode 'oidc' is not available" in err
    assert "will not start without the authentication" in err
    assert "Traceback" not in err
