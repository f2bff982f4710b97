"""A whole run: each stage (and each step of a step stage) across the workers, then the verdict."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from heady.compose.model import Slo
from heady.loadtest.mcp import ToolHeaders
from heady.loadtest.resources import Monitor
from heady.loadtest.runner import Load
from heady.loadtest.scenario import Scenario, Stage
from heady.loadtest.slo import Check, evaluate
from heady.loadtest.stats import Recorder
from heady.loadtest.target import Target
from heady.loadtest.workers import Pool

START_DELAY = 0.05  # time between planning a load and its first due call


@dataclass
class Plan:
    target: Target
    protocol: str
    scenario: Scenario
    stages: list[Stage]
    workers: int = 1
    slo: Slo | None = None
    processes: dict[str, int] = field(default_factory=dict)
    tool_headers: ToolHeaders = field(default_factory=dict)
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Step:
    load: float
    recorder: Recorder
    checks: list[Check]
    resources: list[dict[str, Any]]

    @property
    def passed(self) -> bool:
        return all(c.ok for c in self.checks)


@dataclass
class StageResult:
    stage: Stage
    steps: list[Step]
    recorder: Recorder  # every step merged

    @property
    def model(self) -> Literal["closed", "open"]:
        return "open" if self.stage.rate is not None else "closed"

    @property
    def checks(self) -> list[Check]:
        return self.steps[-1].checks if self.stage.step is None else []

    @property
    def knee(self) -> float | None:
        """Step stages: the highest load that met the SLO (None if even the first step breached)."""
        passed = [s.load for s in self.steps if s.passed]
        return passed[-1] if passed and self.stage.step is not None else None

    @property
    def passed(self) -> bool:
        return not self.stage.gates or all(s.passed for s in self.steps)


class Watcher:
    """What the live display reads: the stage and step running now and its running totals."""

    def __init__(self) -> None:
        self.stage = ""
        self.load = ""
        self.started = time.perf_counter()
        self.planned: float | None = None
        self.calls = 0
        self.failed = 0
        self.totals: Callable[[], tuple[int, int]] | None = None

    def tick(self, calls: int, failed: int) -> None:
        self.calls, self.failed = calls, failed

    def current(self) -> tuple[int, int]:
        return self.totals() if self.totals is not None else (self.calls, self.failed)


def describe_load(stage: Stage, level: float) -> str:
    return f"{level:g} calls/s" if stage.rate is not None else f"{level:g} users"


def execute(
    plan: Plan, watcher: Watcher | None = None, on_stage: Callable[[StageResult], None] | None = None
) -> list[StageResult]:
    """Run every stage in order; a step stage stops at the first step that breaches the SLO."""
    pool = Pool(plan.workers)
    watcher = watcher or Watcher()
    if plan.workers > 1:
        watcher.totals = pool.totals
    results = []
    try:
        pool.warm_up()
        for stage in plan.stages:
            result = _stage(plan, pool, stage, watcher)
            results.append(result)
            if on_stage is not None:
                on_stage(result)
            if result.recorder.interrupted:
                break
    finally:
        pool.close()
    return results


def _stage(plan: Plan, pool: Pool, stage: Stage, watcher: Watcher) -> StageResult:
    scenario = plan.scenario
    origin = time.perf_counter() + START_DELAY
    merged = Recorder(origin=origin)
    steps: list[Step] = []
    for level in stage.loads():
        duration = stage.step.every if stage.step is not None else stage.duration
        start = time.perf_counter() + START_DELAY
        load = Load(
            url=plan.target.url,
            protocol=plan.protocol,
            ops=scenario.mix,
            model="open" if stage.rate is not None else "closed",
            level=level,
            start=start,
            duration=duration,
            requests=stage.requests,
            ramp=stage.ramp if not steps else 0.0,
            timeout=scenario.timeout,
            max_connections=scenario.max_connections,
            seed=scenario.seed,
            origin=origin,
            tool_headers=plan.tool_headers,
            headers=plan.headers,
        )
        watcher.stage, watcher.load = stage.name, describe_load(stage, level)
        watcher.started, watcher.planned = start, duration
        watcher.calls = watcher.failed = 0
        monitor = Monitor(plan.processes)
        monitor.start()
        recorder = pool.run(load, watcher.tick)
        resources = monitor.stop(recorder.calls, recorder.elapsed)
        step = Step(level, recorder, evaluate(plan.slo, recorder.total(), recorder.unfinished), resources)
        steps.append(step)
        merged.merge(recorder)
        if recorder.interrupted or (stage.step is not None and not step.passed):
            break
    merged.elapsed = time.perf_counter() - origin
    return StageResult(stage, steps, merged)
