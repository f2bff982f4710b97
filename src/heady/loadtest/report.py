"""The JSON result of a run: what the terminal summary, the HTML report and CI read."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from heady import __version__
from heady.loadtest.run import Plan, StageResult, describe_load
from heady.loadtest.stats import OpStats, Recorder

FORMAT = 1


LAG_WARNING_MS = 10.0


def _ops(stats: OpStats, elapsed: float, open_model: bool, unfinished: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {
        "requests": stats.requests,
        "errors": stats.error_count,
        "error_rate": round(stats.error_count / stats.requests, 6) if stats.requests else 0.0,
        "throughput": round(stats.requests / elapsed, 2) if elapsed else 0.0,
        "errors_by_kind": dict(sorted(stats.errors.items())),
        "latency_ms": stats.latency.summary(),
    }
    if open_model:
        out["service_latency_ms"] = stats.service.summary()
        out["unfinished"] = unfinished
    return out


def _timeline(recorder: Recorder) -> list[dict[str, Any]]:
    return [
        {
            "t": index,
            "requests": second.requests,
            "errors": second.errors,
            "p50_ms": round(second.latency.percentile(50), 3),
            "p99_ms": round(second.latency.percentile(99), 3),
            "max_ms": round(second.latency.max, 3),
        }
        for index, second in sorted(recorder.timeline.items())
        if index >= 0
    ]


def stage_report(result: StageResult) -> dict[str, Any]:
    stage, recorder = result.stage, result.recorder
    open_model = result.model == "open"
    total = recorder.total()
    out: dict[str, Any] = {
        "name": stage.name,
        "model": result.model,
        "load": describe_load(stage, result.steps[0].load),
        "elapsed_s": round(recorder.elapsed, 3),
        "gate": stage.gates,
        "interrupted": recorder.interrupted,
        "passed": result.passed,
        **_ops(total, recorder.elapsed, open_model, recorder.unfinished),
        "ops": {
            label: _ops(stats, recorder.elapsed, open_model) for label, stats in sorted(recorder.ops.items())
        },
        "percentiles_ms": [[p, round(ms, 3)] for p, ms in total.latency.curve()],
        "timeline": _timeline(recorder),
        "slo": [c.to_dict() for c in result.checks],
        "resources": result.steps[-1].resources,
    }
    if open_model:
        lag = recorder.lag
        out["generator_lag_ms"] = {"p99": round(lag.percentile(99), 3), "max": round(lag.max, 3)}
        out["generator_behind"] = lag.percentile(99) > LAG_WARNING_MS
    if stage.step is not None:
        out["steps"] = [
            {
                "load": describe_load(stage, step.load),
                "level": step.load,
                "passed": step.passed,
                "slo": [c.to_dict() for c in step.checks],
                **_ops(step.recorder.total(), step.recorder.elapsed, open_model, step.recorder.unfinished),
            }
            for step in result.steps
        ]
        out["knee"] = describe_load(stage, result.knee) if result.knee is not None else None
    return out


def build(plan: Plan, results: list[StageResult], started: datetime, workers: int) -> dict[str, Any]:
    interrupted = any(r.recorder.interrupted for r in results)
    passed = all(r.passed for r in results) and not interrupted
    return {
        "format": FORMAT,
        "tool": f"heady-loadtest {__version__}",
        "started_at": started.astimezone(UTC).isoformat(timespec="seconds"),
        "target": {"url": plan.target.url, "server": plan.target.server, "protocol": plan.protocol},
        "workers": workers,
        "interrupted": interrupted,
        "slo": plan.slo.model_dump(mode="json", exclude_none=True) if plan.slo else None,
        "stages": [stage_report(r) for r in results],
        "verdict": {
            "passed": passed,
            "breaches": [
                f"{r.stage.name}: {c.describe()}"
                for r in results
                if r.stage.gates
                for step in r.steps
                for c in step.checks
                if not c.ok
            ],
        },
    }


def write_json(result: dict[str, Any], path: Path) -> None:
    path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n")
