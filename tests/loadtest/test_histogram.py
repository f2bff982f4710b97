"""Percentile maths of the HDR latency histogram against known distributions."""

from __future__ import annotations

import random

import pytest

from heady.loadtest.histogram import Latency

PRECISION = 0.001  # 3 significant digits: every value is within 0.1 %


def uniform_ms(low: int, high: int) -> Latency:
    latency = Latency()
    for ms in range(low, high + 1):
        latency.record(ms / 1000)
    return latency


@pytest.mark.parametrize(("pct", "expected_ms"), [(50, 500), (90, 900), (95, 950), (99, 990), (100, 1000)])
def test_uniform_1_to_1000_ms_gives_exact_percentiles(pct: float, expected_ms: float) -> None:
    latency = uniform_ms(1, 1000)
    assert latency.percentile(pct) == pytest.approx(expected_ms, rel=PRECISION)


def test_summary_of_uniform_distribution() -> None:
    summary = uniform_ms(1, 1000).summary()
    assert summary["count"] == 1000
    assert summary["mean"] == pytest.approx(500.5, rel=PRECISION)
    assert summary["max"] == pytest.approx(1000, rel=PRECISION)
    assert summary["p99"] == pytest.approx(990, rel=PRECISION)


def test_bimodal_distribution_puts_p99_in_the_slow_mode() -> None:
    latency = Latency()
    for _ in range(980):
        latency.record(0.002)
    for _ in range(20):
        latency.record(0.5)
    assert latency.percentile(50) == pytest.approx(2, rel=PRECISION)
    assert latency.percentile(97) == pytest.approx(2, rel=PRECISION)
    assert latency.percentile(99) == pytest.approx(500, rel=PRECISION)


def test_histograms_of_two_workers_merge_into_the_whole() -> None:
    values = [random.Random(1).uniform(0.0005, 2.0) for _ in range(5000)]
    whole, first, second = Latency(), Latency(), Latency()
    for i, value in enumerate(values):
        whole.record(value)
        (first if i % 2 else second).record(value)
    merged = Latency.decode(first.encode())  # the way a worker's histogram crosses processes
    merged.add(Latency.decode(second.encode()))
    assert merged.count == 5000
    for pct in (50, 90, 99, 99.9):
        assert merged.percentile(pct) == whole.percentile(pct)
    assert merged.max == whole.max


def test_empty_histogram_reports_zeros_not_garbage() -> None:
    latency = Latency()
    assert latency.summary() == {"count": 0, "mean": 0, "p50": 0, "p90": 0, "p95": 0, "p99": 0, "max": 0}
    assert latency.curve() == []


def test_values_beyond_the_range_are_clamped_not_dropped() -> None:
    latency = Latency()
    latency.record(-1.0)
    latency.record(10_000.0)
    assert latency.count == 2
