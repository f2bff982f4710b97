"""The terminal: a live line while a stage runs, and a table per stage when it ends."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from heady.loadtest.run import Watcher


class LiveLine:
    """Rendered a few times a second by rich.live.Live from the watcher's running totals."""

    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher

    def __rich__(self) -> RenderableType:
        w = self.watcher
        calls, failed = w.current()
        elapsed = max(0.0, time.perf_counter() - w.started)
        rate = calls / elapsed if elapsed > 0.2 else 0.0
        bound = f"/{w.planned:g}s" if w.planned else ""
        return Text.assemble(
            ("loadtest ", "bold"),
            (f"{w.stage} ", "cyan"),
            f"{w.load}  {elapsed:5.1f}s{bound}  {calls} calls  {rate:,.0f}/s  ",
            (f"{failed} errors", "red" if failed else "green"),
        )


def stage_table(stage: dict[str, Any]) -> RenderableType:
    """Per-call rows and an 'all' row: calls, calls/s, errors, p50..max."""
    title = f"{stage['name']}: {stage['load']} ({stage['model']}), "
    title += f"{stage['requests']} calls in {stage['elapsed_s']}s"
    table = Table(title=title + " (latency in ms)", title_justify="left", show_edge=False, pad_edge=False)
    for column in ("call", "calls", "calls/s", "errors", "p50", "p90", "p95", "p99", "max"):
        table.add_column(column, justify="left" if column == "call" else "right")
    kinds: list[str] = []

    def row(name: str, op: dict[str, Any]) -> None:
        lat = op["latency_ms"]
        table.add_row(
            name, str(op["requests"]), f"{op['throughput']:.1f}", f"{100 * op['error_rate']:.2f}%",
            *(f"{lat[k]:.2f}" for k in ("p50", "p90", "p95", "p99", "max")),
        )  # fmt: skip
        if op["errors_by_kind"] and name != "all":
            kinds.append(
                f"  errors in {name}: " + ", ".join(f"{k}={v}" for k, v in op["errors_by_kind"].items())
            )

    for name, op in stage["ops"].items():
        row(name, op)
    if len(stage["ops"]) > 1:
        row("all", stage)
    lines: list[RenderableType] = [table, *(Text(k, "yellow") for k in kinds)]
    if stage.get("generator_behind"):
        lag = stage["generator_lag_ms"]["p99"]
        lines.append(
            Text(
                f"warning: the generator itself sent due calls up to {lag:.1f}ms late (p99); "
                "its latency includes that delay: add --workers or lower the rate",
                "yellow",
            )
        )
    if stage.get("unfinished"):
        lines.append(
            Text(f"{stage['unfinished']} due calls never finished (the target fell too far behind)", "yellow")
        )
    for check in stage["slo"]:
        lines.append(_check_text(check, gating=stage["gate"]))
    if "steps" in stage:
        for step in stage["steps"]:
            mark = "ok" if step["passed"] else "BREACH"
            p99, throughput = step["latency_ms"]["p99"], step["throughput"]
            text = (
                f"  step {step['load']}: p99 {p99:.2f}ms, {throughput:.1f} calls/s, {step['errors']} errors"
            )
            lines.append(Text(f"{text}: {mark}"))
        lines.append(
            Text(f"knee: {stage['knee'] or 'none (the first step already breached the SLO)'}", "bold")
        )
    for proc in stage["resources"]:
        lines.append(
            Text(
                f"  {proc['name']} (pid {proc['pid']}): CPU {proc['cpu_seconds']}s ({proc['cpu_percent']}%), "
                f"{proc['cpu_per_call_us']} µs/call, peak RSS {proc['rss_max_mb']} MB",
                "dim",
            )
        )
    return Group(*lines)


def _check_text(check: dict[str, Any], gating: bool = True) -> Text:
    def fmt(value: float) -> str:
        return f"{value:.2f}ms" if check["unit"] == "ms" else f"{100 * value:.3g}%"

    sign = ">=" if check["name"] == "availability" else "<="
    style, mark = ("green", "ok") if check["ok"] else ("bold red", "BREACH")
    if not gating:
        style, mark = "dim", f"{mark} (this stage does not gate)"
    return Text(
        f"  SLO {check['name']}: {fmt(check['measured'])} ({sign} {fmt(check['limit'])}) {mark}", style
    )
