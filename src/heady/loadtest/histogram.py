"""Latency histograms: HDR histograms in microseconds that merge across worker processes.

An HDR histogram keeps every value to 3 significant digits in constant memory, so
percentiles are exact to 0.1 % however many calls a run makes, and two workers'
histograms add up to the histogram of the whole run.
"""

from __future__ import annotations

from typing import Any

from hdrh.histogram import HdrHistogram  # type: ignore[import-untyped]

LOWEST_US = 1
HIGHEST_US = 3_600_000_000  # one hour: nothing a bounded run records is longer
PERCENTILES = (50.0, 90.0, 95.0, 99.0)


class Latency:
    """Recorded latencies of one kind of call, in microseconds."""

    def __init__(self, significant_digits: int = 3) -> None:
        self._digits = significant_digits
        self._hist = HdrHistogram(LOWEST_US, HIGHEST_US, significant_digits)

    def record(self, seconds: float) -> None:
        self._hist.record_value(min(max(round(seconds * 1_000_000), LOWEST_US), HIGHEST_US))

    @property
    def count(self) -> int:
        return int(self._hist.get_total_count())

    def percentile(self, pct: float) -> float:
        """The latency in milliseconds that ``pct`` percent of calls did not exceed."""
        if not self.count:
            return 0.0
        return float(self._hist.get_value_at_percentile(pct)) / 1000

    @property
    def max(self) -> float:
        return float(self._hist.get_max_value()) / 1000 if self.count else 0.0

    @property
    def mean(self) -> float:
        return float(self._hist.get_mean_value()) / 1000 if self.count else 0.0

    def add(self, other: Latency) -> None:
        if other.count:
            self._hist.add(other._hist)

    def encode(self) -> bytes:
        """A compact form that crosses process boundaries; :meth:`decode` reverses it."""
        return bytes(self._hist.encode())

    @classmethod
    def decode(cls, data: bytes) -> Latency:
        latency = cls()
        latency._hist = HdrHistogram.decode(data)
        return latency

    def summary(self) -> dict[str, Any]:
        """count, mean, p50, p90, p95, p99 and max, in milliseconds."""
        out: dict[str, Any] = {"count": self.count, "mean": round(self.mean, 3)}
        for pct in PERCENTILES:
            out[f"p{pct:g}"] = round(self.percentile(pct), 3)
        out["max"] = round(self.max, 3)
        return out

    def curve(self) -> list[tuple[float, float]]:
        """(percentile, ms) points from p0 to p99.999 for a percentile plot."""
        if not self.count:
            return []
        points = [50.0, 75.0, 90.0, 95.0, 99.0, 99.5, 99.9, 99.99, 99.999]
        return [(0.0, float(self._hist.get_min_value()) / 1000)] + [(p, self.percentile(p)) for p in points]
