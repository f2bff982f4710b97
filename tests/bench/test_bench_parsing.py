"""bench/: argument parsing, wrk result parsing, profile folding and the docs section writer.

No timing here (timings live in docs/benchmarks.md); these prove the scripts read their
input right and refuse bad input with a clear message.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO))

from bench.measure import Row
from bench.peers import run as peers
from bench.wrk import WrkError, parse_output, wrk_command, wrk_env

from bench import gateway, profile, report

RESULT = (
    'BENCH_RESULT {"requests":1200,"duration_us":2000000,"ok":1190,"non_2xx":4,"rpc_errors":3,'
    '"tool_errors":1,"other":2,"connect_errors":0,"read_errors":0,"write_errors":0,"timeouts":0,'
    '"p50_us":1500,"p90_us":2500,"p99_us":9000,"max_us":12000,"mean_us":1700.5,"sample":"503 busy"}'
)


def test_wrk_result_line_is_read_among_wrk_own_output() -> None:
    out = f"Running 10s test @ http://127.0.0.1:1/mcp\n  1 threads and 32 connections\n{RESULT}\n"
    result = parse_output(out)
    assert result.ok == 1190
    assert result.failures == 10
    assert result.calls_per_s == pytest.approx(595.0)
    assert result.p99_us == 9000
    assert result.sample == "503 busy"


def test_wrk_output_without_a_result_line_is_an_error_naming_it() -> None:
    with pytest.raises(WrkError, match="no BENCH_RESULT line"):
        parse_output("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_wrk_result_line_with_missing_fields_is_an_error() -> None:
    with pytest.raises(WrkError, match="unreadable result line"):
        parse_output('BENCH_RESULT {"requests": 3}')


def test_wrk_command_is_one_thread_bounded_in_time_and_env_bounds_the_count() -> None:
    command = wrk_command("http://127.0.0.1:9/mcp", 32, 60, 10)
    assert command[:5] == ["wrk", "-t1", "-c32", "-d60s", "--timeout=10s"]
    assert command[-1] == "http://127.0.0.1:9/mcp"
    assert Path(command[-2]).name == "tools_call.lua" and Path(command[-2]).exists()
    env = wrk_env("echo__echo", 10000, auth="Bearer x")
    assert env == {
        "MCP_TOOL": "echo__echo",
        "MCP_TEXT": "hello",
        "MCP_MAX_CALLS": "10000",
        "MCP_AUTH": "Bearer x",
    }
    with pytest.raises(ValueError, match="calls must be at least 1"):
        wrk_env("echo", 0)
    with pytest.raises(ValueError, match="concurrency must be at least 1"):
        wrk_command("http://127.0.0.1:9/mcp", 0, 60, 10)


def test_gateway_bench_arguments() -> None:
    options = gateway.parse_args(["--calls", "20000", "--concurrency", "1, 8,32", "--no-docs"])
    assert (options.calls, options.concurrency, options.docs) == (20000, [1, 8, 32], False)
    defaults = gateway.parse_args([])
    assert (defaults.calls, defaults.concurrency, defaults.backends, defaults.clients) == (
        20000,
        [1, 32],
        10,
        1000,
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--concurrency", "1,x"], "--concurrency must be integers"),
        (["--concurrency", "0"], "at least 1"),
        (["--calls", "0"], "--calls must be >= 1"),
    ],
)
def test_gateway_bench_rejects_bad_arguments_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        gateway.parse_args(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_peers_arguments_and_unknown_peer(capsys: pytest.CaptureFixture[str]) -> None:
    options = peers.parse_args(["--skip", "contextforge", "--calls", "500"])
    assert options.skip == {"contextforge"} and options.calls == 500
    with pytest.raises(SystemExit):
        peers.parse_args(["--skip", "nginx"])
    assert "--skip got nginx; choose from heady, fastmcp, contextforge" in capsys.readouterr().err


def test_peers_backend_option_picks_the_backend_and_its_docs_section(
    capsys: pytest.CaptureFixture[str],
) -> None:
    default = peers.parse_args([])
    assert default.backend == "fastmcp"
    assert gateway.BACKENDS[default.backend].name == "echo_server.py"
    assert peers.SECTIONS[default.backend] == "peers"
    fast = peers.parse_args(["--backend", "fast", "--calls", "500"])
    assert (fast.backend, fast.calls) == ("fast", 500)
    assert gateway.BACKENDS[fast.backend].name == "fast_echo.py" and gateway.BACKENDS[fast.backend].exists()
    assert peers.SECTIONS[fast.backend] == "peers-fast"
    with pytest.raises(SystemExit) as exit_info:
        peers.parse_args(["--backend", "nginx"])
    assert exit_info.value.code == 2
    assert "argument --backend: invalid choice: 'nginx'" in capsys.readouterr().err


def test_compose_points_every_server_at_the_backend() -> None:
    text = gateway.compose_text("http://127.0.0.1:9/mcp", "127.0.0.1:8", ["a", "b"])
    assert text.splitlines() == [
        "version: 1",
        "project: bench",
        "gateway:",
        "  listen: 127.0.0.1:8",
        "servers:",
        "  a:",
        "    url: http://127.0.0.1:9/mcp",
        "  b:",
        "    url: http://127.0.0.1:9/mcp",
    ]


def test_table_compares_each_row_with_direct_at_the_same_concurrency() -> None:
    result = parse_output(RESULT)
    rows = [
        Row("direct", 32, result, None, 1200.0, None, None),
        Row("Heady /mcp", 32, result, 140.4, 1210.0, 50 * 2**20, 60 * 2**20),
    ]
    lines = report.table(rows, "direct").splitlines()
    assert lines[2].startswith("| direct | 32 | 1200 | 10 | 595 | 100 % |")
    assert lines[3] == "| Heady /mcp | 32 | 1200 | 10 | 595 | 100 % | 1.50 | 9.00 | 140 | 1210 | 50 / 60 |"


def _row(target: str, concurrency: int, calls_per_s: float) -> Row:
    """A row whose wrk result ran one second with `calls_per_s` ok calls."""
    result = replace(parse_output(RESULT), ok=int(calls_per_s), duration_us=1_000_000)
    return Row(target, concurrency, result, None, 0.0, None, None)


def test_each_row_is_compared_with_the_direct_run_just_before_it() -> None:
    rows = [
        _row("direct", 32, 400),
        _row("Heady /mcp", 32, 360),
        _row("direct", 32, 200),
        _row("FastMCP 4.1.2 proxy", 32, 50),
        _row("Heady /mcp", 1, 100),
    ]
    assert report.shares(rows, "direct") == [1.0, 0.9, 1.0, 0.25, None]
    assert peers.ratios(rows, 32) == (
        "At concurrency 32, Heady's throughput is 7.2x FastMCP, 3.6x paired with direct (target ≥ 5x)."
    )
    assert peers.ratios(rows, 1) == ""


def test_section_is_replaced_in_place_or_appended() -> None:
    text = "# Benchmarks\n\nprose\n\n<!-- bench:gateway -->\nold\n<!-- /bench:gateway -->\n\nmore prose\n"
    updated = report.replace_section(text, "gateway", "new table")
    assert updated == text.replace("\nold\n", "\nnew table\n")
    appended = report.replace_section(updated, "peers", "peer table")
    assert appended.endswith("more prose\n\n<!-- bench:peers -->\npeer table\n<!-- /bench:peers -->\n")
    assert report.replace_section(appended, "peers", "again").count("<!-- bench:peers -->") == 1


def test_profile_folds_lines_and_counts_self_inclusive_and_area() -> None:
    raw = (
        "main (heady/cli/app.py:3);_post (heady/gateway/app.py:10);write (uvicorn/h.py:5) 6\n"
        "main (heady/cli/app.py:3);_post (heady/gateway/app.py:12) 3\n"
        "\n"
        "main (heady/cli/app.py:3);select (selectors.py:468) 1\n"
    )
    stacks = profile.parse_raw(raw)
    assert profile.total(stacks) == 10
    assert profile.self_counts(stacks)["_post (heady/gateway/app.py)"] == 3
    assert profile.inclusive_counts(stacks)["_post (heady/gateway/app.py)"] == 9
    assert profile.area_counts(stacks) == {"uvicorn": 6, "heady/gateway": 3, "selectors.py": 1}
    with pytest.raises(ValueError, match="line 1 is not 'frames COUNT'"):
        profile.parse_raw("no count here")
