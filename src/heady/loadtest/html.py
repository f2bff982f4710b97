"""A self-contained HTML report: tables and inline SVG plots drawn here, no scripts, no CDN."""

from __future__ import annotations

import math
from html import escape
from typing import Any

Point = tuple[float, float]
Series = tuple[str, str, list[Point]]  # name, colour, points

WIDTH, HEIGHT, PAD_L, PAD_R, PAD_T, PAD_B = 640, 240, 56, 16, 16, 36

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em auto;max-width:960px;color:#1b1f24}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;margin:.6em 0}
td,th{padding:3px 10px;border-bottom:1px solid #eaeef2;text-align:right}
th:first-child,td:first-child{text-align:left}
.pass{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}
svg{background:#fafbfc;border:1px solid #eaeef2;margin:.4em 0}svg text{font-size:11px;fill:#57606a}
.legend span{margin-right:1em}.muted{color:#57606a}
"""


def _nice(top: float) -> float:
    if top <= 0:
        return 1.0
    magnitude = 10.0 ** math.floor(math.log10(top))
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if top <= factor * magnitude:
            return factor * magnitude
    return 10.0 * magnitude


def chart(
    series: list[Series], x_ticks: list[tuple[float, str]], x_label: str, y_label: str, x_max: float
) -> str:
    """An SVG line chart; y starts at zero, x runs from 0 to ``x_max``."""
    y_max = _nice(max((y for _, _, pts in series for _, y in pts), default=0.0) * 1.05)
    x_max = x_max or 1.0
    plot_w, plot_h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B

    def sx(x: float) -> float:
        return PAD_L + plot_w * x / x_max

    def sy(y: float) -> float:
        return PAD_T + plot_h * (1 - y / y_max)

    parts = [f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img">']
    for i in range(5):
        y = y_max * i / 4
        parts.append(
            f'<line x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{sy(y):.1f}" y2="{sy(y):.1f}" stroke="#eaeef2"/>'
            f'<text x="{PAD_L - 6}" y="{sy(y) + 4:.1f}" text-anchor="end">{y:g}</text>'
        )
    for x, label in x_ticks:
        parts.append(
            f'<text x="{sx(x):.1f}" y="{HEIGHT - PAD_B + 14}" text-anchor="middle">{escape(label)}</text>'
        )
    parts.append(
        f'<text x="{PAD_L + plot_w / 2}" y="{HEIGHT - 4}" text-anchor="middle">{escape(x_label)}</text>'
    )
    parts.append(
        f'<text x="12" y="{PAD_T + plot_h / 2}" transform="rotate(-90 12 {PAD_T + plot_h / 2})" '
        f'text-anchor="middle">{escape(y_label)}</text>'
    )
    for name, colour, points in series:
        if points:
            path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in points)
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="1.6" points="{path}">'
                f"<title>{escape(name)}</title></polyline>"
            )
    parts.append("</svg>")
    legend = "".join(f'<span style="color:{c}">&#9632; {escape(n)}</span>' for n, c, _ in series)
    return "".join(parts) + f'<div class="legend">{legend}</div>'


def _nines(pct: float) -> float:
    """Percentile -> position on a 'number of nines' axis: 90 -> 1, 99 -> 2, 99.9 -> 3."""
    return math.log10(100 / (100 - pct)) if pct < 100 else 6.0


def percentile_chart(stage: dict[str, Any]) -> str:
    points = [(_nines(p), ms) for p, ms in stage["percentiles_ms"]]
    ticks = [(_nines(p), f"p{p:g}") for p in (0, 90, 99, 99.9, 99.99, 99.999)]
    series: list[Series] = [("latency", "#0969da", points)]
    checks = stage["slo"] or (stage["steps"][0]["slo"] if stage.get("steps") else [])
    slo = {c["name"]: c["limit"] for c in checks}
    for name, pct, colour in (("latency_p99", 99.0, "#cf222e"), ("latency_p95", 95.0, "#bf8700")):
        if name in slo:
            series.append(
                (f"SLO {name} {slo[name]:g}ms", colour, [(_nines(pct), 0.0), (_nines(pct), slo[name])])
            )
    return chart(series, ticks, "percentile", "latency (ms)", 5.0)


def timeline_chart(stage: dict[str, Any]) -> str:
    timeline = stage["timeline"]
    end = max((s["t"] + 1 for s in timeline), default=1)
    ticks = [(float(t), f"{t}s") for t in range(0, end + 1, max(1, end // 8))]
    latency = chart(
        [
            ("p50", "#0969da", [(s["t"] + 0.5, s["p50_ms"]) for s in timeline]),
            ("p99", "#cf222e", [(s["t"] + 0.5, s["p99_ms"]) for s in timeline]),
            ("max", "#8c959f", [(s["t"] + 0.5, s["max_ms"]) for s in timeline]),
        ],
        ticks,
        "time since the stage began",
        "latency (ms)",
        end,
    )
    throughput = chart(
        [
            ("calls/s", "#1a7f37", [(s["t"] + 0.5, s["requests"]) for s in timeline]),
            ("errors/s", "#cf222e", [(s["t"] + 0.5, s["errors"]) for s in timeline]),
        ],
        ticks,
        "time since the stage began",
        "calls per second",
        end,
    )
    return latency + throughput


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _latency_row(name: str, op: dict[str, Any]) -> list[Any]:
    lat = op["latency_ms"]
    kinds = ", ".join(f"{k}: {v}" for k, v in op["errors_by_kind"].items()) or "-"
    return [
        name, op["requests"], op["throughput"], f"{100 * op['error_rate']:.2f}%",
        lat["p50"], lat["p90"], lat["p95"], lat["p99"], lat["max"], kinds,
    ]  # fmt: skip


def _stage(stage: dict[str, Any]) -> str:
    verdict = '<span class="pass">pass</span>' if stage["passed"] else '<span class="fail">SLO breach</span>'
    if not stage["gate"]:
        verdict = '<span class="muted">does not gate</span>'
    parts = [
        f"<h2>Stage {escape(stage['name'])}: {escape(stage['load'])} ({stage['model']} model)"
        f" &middot; {verdict}</h2>",
        f'<p class="muted">{stage["requests"]} calls in {stage["elapsed_s"]} s; '
        + (
            "latency counts from each call's scheduled time (corrected for coordinated omission)"
            if stage["model"] == "open"
            else "latency counts from each call's send time"
        )
        + (f"; {stage['unfinished']} due calls never finished" if stage.get("unfinished") else "")
        + "</p>",
    ]
    headers = ["call", "calls", "calls/s", "errors", "p50 ms", "p90", "p95", "p99", "max", "errors by kind"]
    rows = [_latency_row(name, op) for name, op in stage["ops"].items()]
    rows.append(_latency_row("all", stage))
    parts.append(_table(headers, rows))
    if stage.get("generator_behind"):
        lag = stage["generator_lag_ms"]["p99"]
        parts.append(
            f'<p class="fail">The generator itself sent due calls up to {lag} ms late (p99): '
            "latency includes that delay; add workers or lower the rate.</p>"
        )
    if stage["model"] == "open" and "service_latency_ms" in stage:
        svc = stage["service_latency_ms"]
        parts.append(
            f'<p class="muted">Service time alone (from the actual send): p50 {svc["p50"]} ms, '
            f"p99 {svc['p99']} ms, max {svc['max']} ms.</p>"
        )
    if stage["slo"]:
        parts.append(
            _table(
                ["SLO", "limit", "measured", "verdict"],
                [
                    [c["name"], _fmt(c, "limit"), _fmt(c, "measured"), "ok" if c["ok"] else "BREACH"]
                    for c in stage["slo"]
                ],
            )
        )
    if "steps" in stage:
        parts.append(
            f"<p>Knee (highest load within the SLO): <b>{escape(str(stage['knee'] or 'none'))}</b></p>"
        )
        parts.append(
            _table(
                ["step", "calls", "calls/s", "p99 ms", "errors", "SLO"],
                [
                    [s["load"], s["requests"], s["throughput"], s["latency_ms"]["p99"], s["errors"],
                     "ok" if s["passed"] else "BREACH"]
                    for s in stage["steps"]
                ],
            )
        )  # fmt: skip
    parts.append("<h3>Latency over time</h3>" + timeline_chart(stage))
    parts.append("<h3>Latency by percentile</h3>" + percentile_chart(stage))
    if stage["resources"]:
        parts.append("<h3>Processes</h3>")
        parts.append(
            _table(
                ["process", "pid", "CPU s", "CPU %", "CPU per call (µs)", "peak RSS (MB)"],
                [[r["name"], r["pid"], r["cpu_seconds"], r["cpu_percent"], r["cpu_per_call_us"],
                  r["rss_max_mb"]] for r in stage["resources"]],
            )
        )  # fmt: skip
    return "".join(parts)


def _fmt(check: dict[str, Any], key: str) -> str:
    value = float(check[key])
    return f"{value:.2f} ms" if check["unit"] == "ms" else f"{100 * value:.3g}%"


def render(result: dict[str, Any]) -> str:
    """The report for a result dict from :func:`heady.loadtest.report.build`."""
    target = result["target"]
    verdict = result["verdict"]
    title = f"heady loadtest: {target['server'] or target['url']}"
    summary = (
        '<p class="pass">Verdict: pass</p>'
        if verdict["passed"]
        else '<p class="fail">Verdict: SLO breach</p><ul>'
        + "".join(f"<li>{escape(b)}</li>" for b in verdict["breaches"])
        + "</ul>"
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>"
        f'<p class="muted">{escape(target["url"])} &middot; protocol {escape(target["protocol"])} &middot; '
        f"{result['workers']} worker(s) &middot; started {escape(result['started_at'])} &middot; "
        f"{escape(result['tool'])}</p>{summary}"
        + "".join(_stage(s) for s in result["stages"])
        + "</body></html>\n"
    )
