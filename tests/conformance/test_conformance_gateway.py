"""The official conformance suite through `heady gateway` (/servers/everything/mcp).

The gateway must be invisible to the suite: the run through it passes exactly as many checks,
and fails exactly the same scenarios, as the direct run recorded in expected-failures.yml.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from conformance_support import REVISIONS, baseline, run_suite

from conftest import FIXTURES, PYTHON, HttpServer, free_port


@contextmanager
def heady_gateway(compose: Path, log: Path) -> Iterator[str]:
    """`heady gateway -f compose --listen 127.0.0.1:<free port>` until every server is ready."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cli = "from heady.cli.app import main; main()"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [PYTHON, "-c", cli, "gateway", "-f", str(compose), "--listen", f"127.0.0.1:{port}"],
            cwd=compose.parent,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 30
        ready: dict[str, object] = {}
        while process.poll() is None and time.monotonic() < deadline:
            try:
                ready = httpx.get(f"{base}/readyz", timeout=2).json()
            except (httpx.HTTPError, ValueError):
                ready = {}
            servers = ready.get("servers")
            if isinstance(servers, dict) and all(s.get("state") == "ready" for s in servers.values()):
                break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"heady gateway did not get ready: {ready}\n{log.read_text()[-2000:]}")
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.parametrize("revision", REVISIONS)
def test_gateway_run_equals_the_direct_baseline(
    revision: str, http_server: Callable[..., HttpServer], tmp_path: Path
) -> None:
    line = baseline(revision)
    server = http_server(FIXTURES / "everything_server.py")
    compose = tmp_path / "mcp-compose.yaml"
    compose.write_text(
        json.dumps(
            {
                "version": 1,
                "gateway": {"session_secret": "conformance-test-secret"},
                "servers": {"everything": {"url": server.url}},
            }
        )
    )

    with heady_gateway(compose, tmp_path / "gateway.log") as base:
        run = run_suite(f"{base}/servers/everything/mcp", line, tmp_path / "results")

    assert len(run.statuses) == line.scenarios, run.output
    unexpected = run.failed - set(line.failures)
    assert not unexpected, f"failing through the gateway only:\n{run.explain(unexpected)}"
    assert run.failed == set(line.failures), sorted(set(line.failures) - run.failed)
    assert run.passed_checks == line.passed_checks, run.output
