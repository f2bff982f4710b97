"""The verdict: a stage's measurements against the target server's SLO."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from heady.compose.model import Slo
from heady.loadtest.stats import OpStats


@dataclass(frozen=True)
class Check:
    name: str
    limit: float
    measured: float
    ok: bool
    unit: str

    def describe(self) -> str:
        sign = "<=" if self.name != "availability" else ">="
        verdict = "ok" if self.ok else "BREACH"
        return f"{self.name} {self._fmt(self.measured)} (SLO {sign} {self._fmt(self.limit)}): {verdict}"

    def _fmt(self, value: float) -> str:
        return f"{value:.2f}ms" if self.unit == "ms" else f"{100 * value:.3g}%"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "limit": self.limit,
            "measured": self.measured,
            "ok": self.ok,
            "unit": self.unit,
        }


def evaluate(slo: Slo | None, stats: OpStats, unfinished: int = 0) -> list[Check]:
    """One check per SLO field that is set; due calls that never finished count as errors."""
    if slo is None:
        return []
    checks = []
    for name, pct in (("latency_p95", 95.0), ("latency_p99", 99.0)):
        limit = getattr(slo, name)
        if limit is not None:
            measured = stats.latency.percentile(pct)
            checks.append(Check(name, limit * 1000, measured, measured <= limit * 1000, "ms"))
    total = stats.requests + unfinished
    error_rate = (stats.error_count + unfinished) / total if total else 0.0
    if slo.error_rate is not None:
        checks.append(Check("error_rate", slo.error_rate, error_rate, error_rate <= slo.error_rate, "ratio"))
    if slo.availability is not None:
        availability = 1 - error_rate
        checks.append(
            Check("availability", slo.availability, availability, availability >= slo.availability, "ratio")
        )
    return checks


def merge_slo(base: Slo | None, override: Slo | None) -> Slo | None:
    """The compose file's SLO with the scenario's fields on top."""
    if base is None or override is None:
        return override or base
    fields = {**base.model_dump(exclude_none=True), **override.model_dump(exclude_none=True)}
    return Slo.model_validate(fields)
