"""The scenario file: what to call (a weighted mix) and how hard (stages).

Example (``examples/loadtest/scenario.yaml``)::

    protocol: auto
    timeout: 10s
    slo: {latency_p99: 250ms, error_rate: 1%}
    mix:
      - {tool: add, weight: 3, args: {a: {int: [1, 100]}, b: {seq: 1}}}
      - {tool: echo, args: {text: {words: 4}}}
      - {list: tools, weight: 0.5}
    stages:
      - {name: expected, rate: 50/s, duration: 10s}
      - {name: stress, concurrency: 16, duration: 10s, gate: false}
      - {name: knee, rate: 50/s, step: {by: 50, every: 5s, max: 500}}
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from heady.compose.model import Slo
from heady.compose.units import Duration, Rate
from heady.loadtest.generators import Generator, GeneratorError, compile_value

Protocol = Literal["auto", "2026-07-28", "2025-11-25"]
MAX_DURATION = 3600.0


class ScenarioError(ValueError):
    """The scenario cannot run; the message names the file, the field and the fix."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Op(_Model):
    """One kind of call in the mix: a tool call, a list call or a resource read."""

    tool: str | None = Field(default=None, description="Tool to call with tools/call.")
    list: Literal["tools", "resources", "prompts", "resource_templates"] | None = None
    read: str | None = Field(default=None, description="Resource URI to read with resources/read.")
    args: dict[str, Any] = Field(
        default_factory=dict, description="Tool arguments; values may be generators."
    )
    weight: float = Field(default=1.0, gt=0, description="Relative share of calls.")

    @model_validator(mode="after")
    def _one_kind(self) -> Op:
        kinds = [k for k in ("tool", "list", "read") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("each mix entry needs exactly one of tool, list or read")
        if self.args and self.tool is None:
            raise ValueError("args only apply to a tool call")
        return self

    @property
    def method(self) -> str:
        if self.tool is not None:
            return "tools/call"
        if self.read is not None:
            return "resources/read"
        return "resources/templates/list" if self.list == "resource_templates" else f"{self.list}/list"

    @property
    def label(self) -> str:
        """The name results are reported under: the tool name, or the method."""
        return self.tool if self.tool is not None else self.method


class Step(_Model):
    """Raise the stage's load by ``by`` every ``every`` until ``max`` or an SLO breach."""

    by: float = Field(gt=0, description="Added each step: calls/s for a rate stage, users for concurrency.")
    every: Duration = Field(description="How long each step runs.")
    max: float = Field(gt=0, description="The highest load tried.")


class Stage(_Model):
    name: str = "run"
    concurrency: int | None = Field(default=None, ge=1, le=10_000, description="Closed model: virtual users.")
    rate: Rate | None = Field(default=None, description="Open model: calls a second on a fixed schedule.")
    duration: Duration | None = None
    requests: int | None = Field(default=None, ge=1)
    ramp: Duration = Field(default=0.0, description="Time to grow from zero to the full load.")
    step: Step | None = None
    gate: bool | None = Field(
        default=None, description="Whether an SLO breach fails the run; default true, false for step stages."
    )

    @model_validator(mode="after")
    def _bounded(self) -> Stage:
        if (self.concurrency is None) == (self.rate is None):
            raise ValueError("set either concurrency (closed model) or rate (open model)")
        if self.step is not None:
            if self.duration is not None or self.requests is not None:
                raise ValueError("a step stage runs step.every per step; remove duration and requests")
            start = self.rate if self.rate is not None else self.concurrency
            if start is not None and self.step.max < start:
                raise ValueError(f"step.max ({self.step.max:g}) is below the starting load ({start:g})")
        elif self.duration is None and self.requests is None:
            raise ValueError("a stage must be bounded: add duration or requests")
        if (self.duration or 0) > MAX_DURATION or self.ramp > MAX_DURATION:
            raise ValueError("a stage may run at most 1h; shorten duration or ramp")
        return self

    @property
    def gates(self) -> bool:
        return self.gate if self.gate is not None else self.step is None

    def loads(self) -> list[float]:
        """The load of each step (one entry for a plain stage)."""
        start = float(self.rate if self.rate is not None else self.concurrency or 1)
        if self.step is None:
            return [start]
        loads: list[float] = []
        load = start
        while load <= self.step.max + 1e-9 and len(loads) < 1000:
            loads.append(load)
            load += self.step.by
        return loads


class Scenario(_Model):
    protocol: Protocol = "auto"
    timeout: Duration = Field(default=10.0, description="Time one call may take before it counts as timeout.")
    max_connections: int = Field(
        default=256, ge=1, le=10_000, description="Open model: connections per worker process."
    )
    seed: int | None = Field(default=None, description="Seed for the generators, for repeatable runs.")
    slo: Slo | None = Field(
        default=None, description="Overrides the target server's SLO from the compose file."
    )
    mix: list[Op] = Field(description="The calls to make; at least one.")
    stages: list[Stage] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_mix(self) -> Scenario:
        if not self.mix:
            raise ValueError("mix is empty; add at least one call, e.g. - {tool: echo}")
        return self


@dataclass(frozen=True)
class Call:
    """One op ready to send: its method, the name for ``Mcp-Name``, and its params."""

    label: str
    method: str
    name: str | None
    params: Generator

    def make_params(self, rng: random.Random) -> dict[str, Any]:
        params: dict[str, Any] = self.params(rng)
        return params


class Mix:
    """Picks the next call by weight and fills in its arguments."""

    def __init__(self, ops: list[Op], seed: int | None = None) -> None:
        self.rng = random.Random(seed)
        self.calls = [_compile(op, i) for i, op in enumerate(ops)]
        total, cum = 0.0, []
        for op in ops:
            total += op.weight
            cum.append(total)
        self._cum = cum

    def pick(self) -> Call:
        if len(self.calls) == 1:
            return self.calls[0]
        return self.rng.choices(self.calls, cum_weights=self._cum)[0]

    @property
    def labels(self) -> list[str]:
        return list(dict.fromkeys(c.label for c in self.calls))


def _compile(op: Op, index: int) -> Call:
    where = f"mix[{index}]"
    if op.tool is not None:
        args = compile_value(op.args, f"{where}.args")
        tool = op.tool
        return Call(op.label, op.method, tool, lambda rng: {"name": tool, "arguments": args(rng)})
    if op.read is not None:
        uri = op.read
        return Call(op.label, op.method, uri, lambda rng: {"uri": uri})
    return Call(op.label, op.method, None, lambda rng: {})


_MESSAGES = {
    "extra_forbidden": "unknown field; check the spelling or remove it",
    "missing": "required field is missing; add it",
}


def parse_scenario(raw: Any, source: str = "scenario") -> Scenario:
    """Validate a scenario mapping; every problem becomes one ScenarioError line."""
    if not isinstance(raw, dict):
        raise ScenarioError(f"{source}: expected a mapping with mix: (and optionally stages:)")
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-after"))
            msg = _MESSAGES.get(err["type"], err["msg"].removeprefix("Value error, "))
            lines.append(f"{source}: {loc or 'top level'}: {msg}")
        raise ScenarioError("\n".join(lines)) from None
    try:
        Mix(scenario.mix)
    except GeneratorError as exc:
        raise ScenarioError(f"{source}: {exc}") from None
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        raw = YAML(typ="safe").load(path.read_text())
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such scenario file; check the path given to --scenario") from None
    except YAMLError as exc:
        problem = str(exc).replace("\n", " ")
        raise ScenarioError(f"{path}: not valid YAML ({problem}); fix the syntax") from None
    return parse_scenario(raw, str(path))
