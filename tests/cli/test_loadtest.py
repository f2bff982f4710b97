"""`heady loadtest` end to end: real runs of the command against a real FastMCP server."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import PYTHON

HEADY = str(Path(PYTHON).parent / "heady")


def heady(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HEADY, "loadtest", *args], capture_output=True, text=True, timeout=120, cwd=cwd, env=_env()
    )


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "COLUMNS": "120", "TERM": "dumb"}


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


SCENARIO = """
seed: 11
slo: {latency_p99: 20s, error_rate: 1%}
mix:
  - {tool: add, weight: 3, args: {a: {int: [1, 100]}, b: {seq: 1}}}
  - {tool: echo, args: {text: {words: 3}}}
  - {list: tools, weight: 0.5}
stages:
  - {name: closed, concurrency: 4, requests: 120}
  - {name: open, rate: 100/s, requests: 150, ramp: 0.5s}
"""


def test_short_run_writes_json_and_html_reports(loadtest_server: str, tmp_path: Path) -> None:
    scenario = write(tmp_path / "scenario.yaml", SCENARIO)
    out, report = tmp_path / "result.json", tmp_path / "report.html"
    done = heady(
        f"{loadtest_server}/mcp", "--scenario", str(scenario), "--out", str(out), "--html", str(report)
    )
    assert done.returncode == 0, done.stderr
    assert "verdict: pass" in done.stdout
    result: dict[str, Any] = json.loads(out.read_text())
    assert result["target"]["protocol"] == "2026-07-28"
    assert result["verdict"] == {"passed": True, "breaches": []}
    closed, opened = result["stages"]
    assert (closed["model"], closed["requests"], opened["model"], opened["requests"]) == (
        "closed",
        120,
        "open",
        150,
    )
    for stage in (closed, opened):
        assert set(stage["ops"]) == {"add", "echo", "tools/list"}
        assert sum(op["requests"] for op in stage["ops"].values()) == stage["requests"]
        assert stage["errors"] == 0 and stage["errors_by_kind"] == {}
        latency = stage["latency_ms"]
        assert 0 < latency["p50"] <= latency["p90"] <= latency["p95"] <= latency["p99"] <= latency["max"]
        assert sum(second["requests"] for second in stage["timeline"]) == stage["requests"]
        assert [c["name"] for c in stage["slo"]] == ["latency_p99", "error_rate"]
        assert all(c["ok"] for c in stage["slo"])
    assert "service_latency_ms" in opened and "service_latency_ms" not in closed
    page = report.read_text()
    assert page.count("<svg") == 6  # latency over time, calls per second, percentiles; per stage
    assert "<polyline" in page and "Verdict: pass" in page
    assert "<script" not in page and "https://" not in page  # self-contained: no scripts, no CDN


def test_slo_breach_from_the_compose_file_exits_1(loadtest_server: str, tmp_path: Path) -> None:
    compose = write(
        tmp_path / "mcp-compose.yaml",
        f"servers:\n  fixture: {{url: '{loadtest_server}/mcp', slo: {{error_rate: 1%}}}}\n",
    )
    done = heady("fixture", "-f", str(compose), "--direct", "--tool", "fail_tool", "-n", "30", "--json")
    assert done.returncode == 1, done.stderr
    result = json.loads(done.stdout)
    assert result["target"]["server"] == "fixture"
    (stage,) = result["stages"]
    assert stage["errors_by_kind"] == {"tool_error": 30}
    assert result["verdict"]["passed"] is False
    assert result["verdict"]["breaches"] == ["run: error_rate 100% (SLO <= 1%): BREACH"]


@pytest.mark.parametrize(("p99", "steps", "knee"), [("0.000001", 1, None), ("30s", 3, "90 calls/s")])
def test_step_stage_stops_at_the_first_breach_and_reports_the_knee(
    loadtest_server: str, tmp_path: Path, p99: str, steps: int, knee: str | None
) -> None:
    scenario = write(
        tmp_path / "step.yaml",
        f"slo: {{latency_p99: {p99}}}\nmix: [{{tool: add, args: {{a: 1, b: 2}}}}]\n"
        "stages: [{name: knee, rate: 30/s, step: {by: 30, every: 0.5s, max: 90}}]\n",
    )
    done = heady(f"{loadtest_server}/mcp", "--scenario", str(scenario), "--json")
    assert done.returncode == 0, done.stderr  # a step stage finds the knee; it does not gate
    (stage,) = json.loads(done.stdout)["stages"]
    assert [s["load"] for s in stage["steps"]] == ["30 calls/s", "60 calls/s", "90 calls/s"][:steps]
    assert stage["knee"] == knee
    assert stage["steps"][-1]["passed"] is (knee is not None)


def test_workers_split_the_load_and_merge_the_results(loadtest_server: str) -> None:
    done = heady(f"{loadtest_server}/mcp", "--tool", "add", "--args", '{"a": 1, "b": 2}', "-n", "200",
                 "-c", "8", "--workers", "2", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["workers"] == 2
    assert result["stages"][0]["requests"] == 200
    assert result["stages"][0]["latency_ms"]["count"] == 200


def test_legacy_protocol_run_reports_the_handshakes(loadtest_server: str) -> None:
    args = ["--protocol", "2025-11-25", "--tool", "echo", "-n", "40", "-c", "2", "--json"]
    done = heady(f"{loadtest_server}/mcp", *args)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["target"]["protocol"] == "2025-11-25"
    ops = result["stages"][0]["ops"]
    assert ops["initialize"]["requests"] == 2 and ops["echo"]["requests"] == 40


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--tool", "nope"],
            "has no tool 'nope' (it offers: add, chatty, echo, fail_tool, sleep, stall); fix the tool name",
        ),
        (["--tool", "add", "--args", "{bad"], "--args is not valid JSON"),
        (["--tool", "add", "--args", "[1]"], "--args must be a JSON object"),
        (["--tool", "add", "-c", "2", "--rate", "5/s"], "exclude each other; give one"),
        (["--tool", "add", "--rate", "fast"], "'fast' is not a rate"),
        (["--tool", "add", "--protocol", "2024-11-05"], "--protocol '2024-11-05' is not known"),
        ([], "nothing to call: give --tool NAME"),
        (["--tool", "add", "--pid", "999999999"], "--pid 999999999: no such process"),
        (["--tool", "add", "-H", "Mcp-Name: x"], "--header: Mcp-Name is set by heady loadtest itself"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(loadtest_server: str, args: list[str], message: str) -> None:
    done = heady(f"{loadtest_server}/mcp", *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr and done.stderr.strip().count("\n") == 0


def test_scenario_problems_are_reported_before_any_load(loadtest_server: str, tmp_path: Path) -> None:
    scenario = write(tmp_path / "s.yaml", "mix: [{tool: add}]\nstages: [{rate: 5/s}]\n")
    done = heady(f"{loadtest_server}/mcp", "--scenario", str(scenario))
    assert done.returncode == 2
    assert "s.yaml: stages.0: a stage must be bounded: add duration or requests" in done.stderr
    steps = write(
        tmp_path / "k.yaml", "mix: [{tool: add}]\nstages: [{rate: 5/s, step: {by: 5, every: 1s, max: 9}}]\n"
    )
    done = heady(f"{loadtest_server}/mcp", "--scenario", str(steps))
    assert done.returncode == 2 and "no SLO is set" in done.stderr
    with_stages = write(tmp_path / "w.yaml", "mix: [{tool: add}]\nstages: [{rate: 5/s, requests: 5}]\n")
    done = heady(f"{loadtest_server}/mcp", "--scenario", str(with_stages), "--rate", "9/s")
    assert done.returncode == 2 and "the scenario defines stages" in done.stderr


def test_unreachable_and_remote_targets_are_refused(tmp_path: Path) -> None:
    from conftest import free_port

    done = heady(f"http://127.0.0.1:{free_port()}/mcp", "--tool", "add")
    assert done.returncode == 2 and "is the server running?" in done.stderr
    done = heady("http://192.0.2.1/mcp", "--tool", "add")
    assert (
        done.returncode == 2 and "not a loopback address" in done.stderr and "--allow-remote" in done.stderr
    )


def _example_stack(tmp_path: Path) -> tuple[Path, int]:
    """The example compose file's gateway and notes server, on free ports, in a folder of its own.

    The rate limits are dropped: this run measures the stack, not the limiter.
    """
    from ruamel.yaml import YAML

    from conftest import EXAMPLES, free_port

    example = YAML(typ="safe").load((EXAMPLES / "mcp-compose.yaml").read_text())
    notes = example["servers"]["notes"]
    notes.update(
        {
            "command": [PYTHON, str(EXAMPLES / "servers" / "notes.py")],
            "cwd": str(EXAMPLES / "servers"),
            "port": free_port(),
            "env": {"NOTES_DB": str(tmp_path / "notes.db")},
        }
    )
    notes.pop("rate_limit", None)
    example["gateway"].pop("rate_limit", None)
    gateway_port = free_port()
    example["gateway"].update({"listen": f"127.0.0.1:{gateway_port}", "public_url": None})
    compose = {
        "version": 1,
        "project": "loadtest",
        "gateway": example["gateway"],
        "servers": {"notes": notes},
    }
    path = tmp_path / "mcp-compose.yaml"
    path.write_text(json.dumps(compose))
    return path, gateway_port


def _wait_ready(status: Path, process: subprocess.Popen[bytes], seconds: float = 60.0) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            doc: dict[str, Any] = json.loads(status.read_text())
        except (OSError, ValueError):
            doc = {}
        if doc.get("servers") and all(s["state"] == "ready" for s in doc["servers"]):
            return doc
        time.sleep(0.2)
    raise AssertionError(f"heady up did not get the example server ready: {status.read_text()}")


@pytest.mark.parametrize(
    ("route", "protocol"),
    [("--direct", "auto"), ("", "auto"), ("", "2025-11-25")],
    ids=["direct", "gateway", "gateway-2025"],
)
def test_loadtest_against_the_example_stack_under_heady_up(tmp_path: Path, route: str, protocol: str) -> None:
    """`heady up` runs the example stack; loadtest goes through the gateway (or direct to the
    server), reads the server's SLO from the compose file and watches the stack's processes."""
    compose, _ = _example_stack(tmp_path)
    up = subprocess.Popen(
        [HEADY, "up", "-f", str(compose)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env()
    )
    try:
        status = _wait_ready(compose.parent / ".heady" / "status.json", up)
        scenario = write(
            tmp_path / "notes.yaml",
            "mix:\n"
            "  - {tool: add_note, args: {title: {words: 2}, body: {words: 8}}}\n"
            "  - {tool: search_notes, weight: 3, args: {query: {choice: [amber, river, note]}}}\n"
            "  - {list: tools, weight: 0.5}\n"
            "stages: [{name: expected, rate: 60/s, requests: 300}]\n",
        )
        out = tmp_path / "result.json"
        args = ["--scenario", str(scenario), "--protocol", protocol, "--out", str(out)]
        done = heady("notes", "-f", str(compose), *([route] if route else []), *args)
        result = json.loads(out.read_text())
    finally:
        up.terminate()
        up.wait(30)
    (stage,) = result["stages"]
    port = json.loads(compose.read_text())["servers"]["notes"]["port"]
    assert result["target"]["url"] == (
        f"http://127.0.0.1:{port}/mcp"
        if route
        else f"{status['endpoint'].removesuffix('/mcp')}/servers/notes/mcp"
    )
    calls = {"add_note", "search_notes", "tools/list"}
    if protocol == "2025-11-25":
        assert result["target"]["protocol"] == "2025-11-25"
        calls.add("initialize")
    assert set(stage["ops"]) == calls
    assert sum(stage["ops"][name]["requests"] for name in calls - {"initialize"}) == 300
    assert stage["errors_by_kind"] == {}
    # The server's SLO from the compose file is checked, and the exit code follows the verdict.
    assert [c["name"] for c in stage["slo"]] == ["latency_p99", "error_rate", "availability"]
    assert done.returncode == (0 if result["verdict"]["passed"] else 1), done.stderr
    # The processes heady up reported were watched during the run.
    watched = {r["name"]: r for r in stage["resources"]}
    assert watched["heady up"]["pid"] == status["pid"]
    assert watched["notes"]["pid"] == status["servers"][0]["pid"]
    assert watched["notes"]["cpu_seconds"] > 0 and watched["notes"]["rss_max_mb"] > 10


@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_stops_the_run_and_still_reports(loadtest_server: str, tmp_path: Path, workers: str) -> None:
    import signal
    import time

    out = tmp_path / "result.json"
    args = ["--tool", "add", "--args", '{"a": 1, "b": 2}', "-c", "2", "-d", "120s", "--workers", workers]
    run = subprocess.Popen(
        [HEADY, "loadtest", f"{loadtest_server}/mcp", *args, "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
    )  # fmt: skip
    try:
        assert run.stdout is not None
        assert run.stdout.readline().startswith("heady loadtest")  # probed; the load starts now
        time.sleep(3)
        run.send_signal(signal.SIGINT)
        stdout, stderr = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert run.returncode == 1, stderr
    assert "interrupted" in stdout and "Traceback" not in stderr
    result = json.loads(out.read_text())
    assert result["interrupted"] is True and result["verdict"]["passed"] is False
    assert result["stages"][0]["interrupted"] is True and result["stages"][0]["requests"] > 0
