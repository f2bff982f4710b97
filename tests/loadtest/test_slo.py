"""The SLO verdict: pass and breach for each kind of objective."""

from __future__ import annotations

from heady.compose.model import Slo
from heady.loadtest.slo import evaluate, merge_slo
from heady.loadtest.stats import OpStats


def stats(latencies_ms: list[float], errors: int = 0) -> OpStats:
    op = OpStats()
    for ms in latencies_ms:
        op.requests += 1
        op.latency.record(ms / 1000)
    if errors:
        op.errors["http_503"] = errors
    return op


UNIFORM = stats([float(ms) for ms in range(1, 1001)])  # p95 = 950 ms, p99 = 990 ms


def test_latency_within_the_slo_passes() -> None:
    checks = evaluate(Slo(latency_p99="1s", latency_p95="960ms"), UNIFORM)
    assert [(c.name, c.ok) for c in checks] == [("latency_p95", True), ("latency_p99", True)]
    assert checks[1].limit == 1000 and round(checks[1].measured) == 990


def test_latency_above_the_slo_breaches() -> None:
    checks = evaluate(Slo(latency_p99="900ms"), UNIFORM)
    assert [(c.name, c.ok) for c in checks] == [("latency_p99", False)]
    assert "BREACH" in checks[0].describe() and "latency_p99 990" in checks[0].describe()


def test_error_rate_and_availability() -> None:
    op = stats([1.0] * 100, errors=2)  # 2 % errors
    assert [c.ok for c in evaluate(Slo(error_rate="5%"), op)] == [True]
    assert [c.ok for c in evaluate(Slo(error_rate="1%"), op)] == [False]
    assert [c.ok for c in evaluate(Slo(availability="97%"), op)] == [True]
    assert [c.ok for c in evaluate(Slo(availability="99%"), op)] == [False]


def test_due_calls_never_sent_count_as_errors() -> None:
    op = stats([1.0] * 100)
    assert evaluate(Slo(error_rate="1%"), op)[0].ok
    breach = evaluate(Slo(error_rate="1%"), op, unfinished=5)[0]
    assert not breach.ok and round(breach.measured, 4) == round(5 / 105, 4)


def test_no_slo_means_no_checks() -> None:
    assert evaluate(None, UNIFORM) == []
    assert evaluate(Slo(), UNIFORM) == []


def test_scenario_slo_overrides_the_compose_fields_it_sets() -> None:
    merged = merge_slo(Slo(latency_p99="500ms", error_rate="1%"), Slo(latency_p99="100ms"))
    assert merged is not None
    assert (merged.latency_p99, merged.error_rate) == (0.1, 0.01)
    assert merge_slo(None, None) is None
    assert merge_slo(Slo(error_rate=0.5), None) == Slo(error_rate=0.5)
