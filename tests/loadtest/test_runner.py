"""The load loops against a real FastMCP server: bounds, both models, workers, the stall."""

from __future__ import annotations

import time

import pytest

from heady.loadtest.mcp import LEGACY, MODERN
from heady.loadtest.runner import Load, arrival, run_load
from heady.loadtest.scenario import Op
from heady.loadtest.workers import Pool, split

ADD = [Op(tool="add", args={"a": {"int": [1, 9]}, "b": {"seq": 1}})]


def load(base: str, **fields: object) -> Load:
    defaults: dict[str, object] = {
        "url": base + "/mcp",
        "protocol": MODERN,
        "ops": ADD,
        "model": "closed",
        "level": 4,
        "start": time.perf_counter() + 0.05,
        "duration": 30.0,
        "timeout": 10.0,
    }
    return Load(**{**defaults, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize("protocol", [MODERN, LEGACY])
def test_closed_model_stops_at_the_request_bound(loadtest_server: str, protocol: str) -> None:
    recorder = run_load(load(loadtest_server, protocol=protocol, requests=60))
    assert recorder.ops["add"].requests == 60
    assert recorder.ops["add"].error_count == 0
    if protocol == LEGACY:  # one session per virtual user, reported on its own
        assert recorder.ops["initialize"].requests == 4
    else:
        assert "initialize" not in recorder.ops


def test_open_model_sends_exactly_the_scheduled_calls(loadtest_server: str) -> None:
    recorder = run_load(load(loadtest_server, model="open", level=100.0, requests=80))
    assert recorder.ops["add"].requests == 80
    assert recorder.unfinished == 0
    assert sum(s.requests for s in recorder.timeline.values()) == 80


def test_duration_bounds_a_run(loadtest_server: str) -> None:
    recorder = run_load(load(loadtest_server, model="open", level=50.0, duration=1.0, requests=None))
    # 50 calls a second for one second: calls 0..49 are due before the end.
    assert recorder.ops["add"].requests == 50


def test_mix_of_calls_and_errors(loadtest_server: str) -> None:
    ops = [Op(tool="add", args={"a": 1, "b": 2}), Op(tool="fail_tool"), Op(list="tools")]
    recorder = run_load(load(loadtest_server, ops=ops, requests=90, seed=5))
    assert set(recorder.ops) == {"add", "fail_tool", "tools/list"}
    assert sum(op.requests for op in recorder.ops.values()) == 90
    assert dict(recorder.ops["fail_tool"].errors) == {"tool_error": recorder.ops["fail_tool"].requests}
    assert recorder.ops["add"].error_count == 0 and recorder.ops["tools/list"].error_count == 0


def test_server_stall_shows_in_the_corrected_latency(loadtest_server: str) -> None:
    # One connection, 50 calls/s; every 25th call stalls the server for 400 ms, so the
    # ~20 calls due during each stall wait for it. Service time hides the wait.
    stall = [Op(tool="stall", args={"every": 25, "ms": 400})]
    recorder = run_load(
        load(loadtest_server, ops=stall, model="open", level=50.0, requests=150, max_connections=1)
    )
    stats = recorder.ops["stall"]
    assert stats.requests == 150
    assert stats.latency.max >= 400
    # 6 stalls x ~10 calls that waited over 200 ms: the corrected 80th percentile carries the
    # wait; the service time of those calls (sent after the stall) does not.
    assert stats.latency.percentile(80) - stats.service.percentile(80) > 100


def test_arrival_schedule_with_and_without_ramp() -> None:
    assert [arrival(k, 10.0, 0.0) for k in range(3)] == [0.0, 0.1, 0.2]
    # Ramp 0 -> 10/s over 2 s: 10 calls are due during the ramp, then 10 a second.
    assert arrival(10, 10.0, 2.0) == pytest.approx(2.0)
    assert arrival(2.5, 10.0, 2.0) == pytest.approx(1.0)  # a quarter of the ramp's calls by half time
    assert arrival(20, 10.0, 2.0) == pytest.approx(3.0)


def test_split_shares_the_load_between_workers() -> None:
    closed = split(load("http://127.0.0.1:1", level=5, requests=101), 2)
    assert [s.level for s in closed] == [3, 2] and sum(s.requests or 0 for s in closed) == 101
    opened = split(load("http://127.0.0.1:1", model="open", level=90.0, requests=None), 3)
    assert [s.level for s in opened] == [30.0, 30.0, 30.0]
    assert [s.phase for s in opened] == pytest.approx([0, 1 / 3, 2 / 3])
    assert len(split(load("http://127.0.0.1:1", level=1), 4)) == 1  # one user: one worker


def test_two_worker_processes_merge_into_one_result(loadtest_server: str) -> None:
    pool = Pool(2)
    try:
        pool.warm_up()
        recorder = pool.run(load(loadtest_server, model="open", level=100.0, requests=120, seed=3))
        assert pool.totals() == (120, 0)
    finally:
        pool.close()
    assert recorder.ops["add"].requests == 120
    assert recorder.ops["add"].latency.count == 120
    assert sum(s.requests for s in recorder.timeline.values()) == 120


def test_a_stopped_run_returns_what_it_measured(loadtest_server: str) -> None:
    import asyncio

    from heady.loadtest.runner import Runner

    async def main() -> Runner:
        runner = Runner(load(loadtest_server, duration=120.0))
        asyncio.get_running_loop().call_later(0.5, runner.stop)
        await runner.run()
        return runner

    runner = asyncio.run(main())
    recorder = runner.recorder
    assert recorder.interrupted
    assert recorder.ops["add"].requests == recorder.calls > 0


def test_calls_a_stalled_target_never_finishes_are_counted(loadtest_server: str) -> None:
    # One connection, 10 calls due in a second, each taking 600 ms: when the stage's drain
    # (one 1 s timeout after the last due call) ends, most are still queued or in flight.
    slow = [Op(tool="sleep", args={"ms": 600})]
    recorder = run_load(
        load(
            loadtest_server,
            ops=slow,
            model="open",
            level=10.0,
            requests=10,
            duration=None,
            max_connections=1,
            timeout=1.0,
        )
    )
    assert recorder.unfinished > 0
    assert recorder.ops["sleep"].requests + recorder.unfinished == 10
