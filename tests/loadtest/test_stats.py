"""Coordinated-omission correction: latency counts from the time a call was due."""

from __future__ import annotations

from heady.loadtest.stats import Recorder


def test_synthetic_stall_shows_in_corrected_latency_but_not_in_service_time() -> None:
    # 100 calls due every 10 ms on one connection; call 50 stalls the server for 1 s, so
    # the calls due during the stall are sent late, each answered in 1 ms once sent.
    recorder = Recorder(origin=0.0)
    free_at = 0.0
    for k in range(100):
        due = k * 0.01
        sent = max(due, free_at)
        service = 1.0 if k == 50 else 0.001
        done = sent + service
        free_at = done
        recorder.record("tool", due, sent, done, None)
    stats = recorder.ops["tool"]
    # Service time alone hides the stall: one slow call in a hundred.
    assert stats.service.percentile(98) < 2
    assert stats.service.max > 990
    # Corrected: the 49 calls due during the stall (0.51 s .. 0.99 s) waited for it to
    # end at 1.5 s, so half the calls took over half a second.
    assert stats.latency.percentile(50) < 2
    assert stats.latency.percentile(52) > 500
    assert stats.latency.max > 990


def test_closed_model_records_the_same_latency_twice() -> None:
    recorder = Recorder(origin=0.0)
    recorder.record("tool", 1.0, 1.0, 1.25, None)
    stats = recorder.ops["tool"]
    assert stats.latency.percentile(50) == stats.service.percentile(50)


def test_errors_are_counted_by_kind_and_per_second() -> None:
    recorder = Recorder(origin=10.0)
    recorder.record("a", 10.0, 10.0, 10.1, None)
    recorder.record("a", 10.2, 10.2, 10.3, "tool_error")
    recorder.record("b", 11.0, 11.0, 11.5, "http_503")
    recorder.record("b", 11.0, 11.0, 11.6, "http_503")
    assert dict(recorder.ops["a"].errors) == {"tool_error": 1}
    assert dict(recorder.ops["b"].errors) == {"http_503": 2}
    assert dict(recorder.total().errors) == {"tool_error": 1, "http_503": 2}
    assert (recorder.timeline[0].requests, recorder.timeline[0].errors) == (2, 1)
    assert (recorder.timeline[1].requests, recorder.timeline[1].errors) == (2, 2)
    assert (recorder.calls, recorder.failed) == (4, 3)


def test_recorders_round_trip_and_merge() -> None:
    first, second = Recorder(origin=0.0), Recorder(origin=0.0)
    first.record("a", 0.0, 0.0, 0.002, None)
    second.record("a", 0.5, 0.5, 0.6, "timeout")
    second.unfinished = 3
    merged = Recorder.load(first.dump())
    merged.merge(Recorder.load(second.dump()))
    assert merged.ops["a"].requests == 2
    assert dict(merged.ops["a"].errors) == {"timeout": 1}
    assert merged.unfinished == 3
    assert merged.timeline[0].requests == 2
