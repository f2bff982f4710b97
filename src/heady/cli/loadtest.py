"""`heady loadtest`: load an MCP server or the gateway, report latency and errors, gate on SLOs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import psutil
import typer
from rich.live import Live

from heady.cli.app import app
from heady.cli.output import EXIT_FAILED, EXIT_USAGE, console, fail
from heady.compose import DEFAULT_FILE
from heady.compose.units import parse_duration, parse_rate
from heady.loadtest import html, report
from heady.loadtest.http import parse_header
from heady.loadtest.live import LiveLine, stage_table
from heady.loadtest.mcp import TargetError, header_params, probe
from heady.loadtest.run import Plan, StageResult, Watcher, execute
from heady.loadtest.scenario import Op, Scenario, ScenarioError, Stage, load_scenario, parse_scenario
from heady.loadtest.slo import merge_slo
from heady.loadtest.target import resolve
from heady.net import is_loopback_url

EXAMPLES = """
Examples:

  heady loadtest http://127.0.0.1:9101/mcp --tool echo --args '{"text": "hi"}' --concurrency 8 --duration 10s

  heady loadtest notes --rate 200/s --requests 2000 --tool search_notes --args '{"query": {"words": 1}}'

  heady loadtest notes -f mcp-compose.yaml --scenario examples/loadtest/scenario.yaml \\
      --out result.json --html report.html
"""


def _usage(message: str) -> None:
    fail(message, EXIT_USAGE)


def _cli_stage(
    concurrency: int | None, rate: str | None, duration: str | None, requests: int | None, ramp: str | None
) -> Stage:
    if concurrency is not None and rate is not None:
        _usage("--concurrency (closed model) and --rate (open model) exclude each other; give one")
    fields: dict[str, Any] = {"name": "run"}
    try:
        if rate is not None:
            fields["rate"] = parse_rate(rate)
        else:
            fields["concurrency"] = concurrency or 1
        if duration is not None:
            fields["duration"] = parse_duration(duration)
        if requests is not None:
            fields["requests"] = requests
        if duration is None and requests is None:
            fields["duration"] = 10.0
        if ramp is not None:
            fields["ramp"] = parse_duration(ramp)
    except ValueError as exc:
        _usage(f"{exc}")
    try:
        return Stage.model_validate(fields)
    except ValueError as exc:
        _usage(f"load options: {str(exc).splitlines()[-1].strip()}")
        raise


def _scenario(
    scenario_path: Path | None, tool: str | None, args: str | None, protocol: str | None
) -> Scenario:
    try:
        if scenario_path is not None:
            if tool is not None or args is not None:
                _usage("--scenario already says what to call; drop --tool/--args or the scenario")
            scenario = load_scenario(scenario_path)
        else:
            if tool is None:
                _usage("nothing to call: give --tool NAME (with --args JSON) or --scenario FILE")
            try:
                arguments = orjson.loads(args) if args else {}
            except orjson.JSONDecodeError as exc:
                _usage(f'--args is not valid JSON ({exc}); write it like \'{{"text": "hi"}}\'')
            if not isinstance(arguments, dict):
                _usage("--args must be a JSON object of tool arguments, like '{\"a\": 1}'")
            scenario = parse_scenario({"mix": [{"tool": tool, "args": arguments}]}, "--tool/--args")
    except ScenarioError as exc:
        _usage(str(exc))
    if protocol is not None:
        scenario = scenario.model_copy(update={"protocol": protocol})
    return scenario


def _check_tools(mix: list[Op], tools: dict[str, Any], url: str) -> None:
    missing = sorted({op.tool for op in mix if op.tool is not None and op.tool not in tools})
    if missing:
        offered = ", ".join(sorted(tools)) or "none"
        _usage(f"{url} has no tool {', '.join(map(repr, missing))} (it offers: {offered}); fix the tool name")


@app.command(epilog=EXAMPLES)
def loadtest(
    target: Annotated[
        str, typer.Argument(help="An MCP endpoint URL, or a server name from the compose file.")
    ],
    file: Annotated[
        Path, typer.Option("-f", "--file", help="The compose file (for server names and SLOs).")
    ] = Path(DEFAULT_FILE),
    direct: Annotated[
        bool, typer.Option("--direct", help="Load the server's own endpoint, not the gateway.")
    ] = False,
    tool: Annotated[str | None, typer.Option("--tool", help="Tool to call.")] = None,
    args: Annotated[
        str | None, typer.Option("--args", help="Tool arguments as JSON; values may be generators.")
    ] = None,
    scenario_file: Annotated[
        Path | None, typer.Option("--scenario", help="Scenario YAML: call mix and stages.")
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", "-c", help="Closed model: virtual users.")
    ] = None,
    rate: Annotated[
        str | None, typer.Option("--rate", "-r", help="Open model: calls a second, e.g. 200/s.")
    ] = None,
    duration: Annotated[
        str | None, typer.Option("--duration", "-d", help="How long, e.g. 30s (default 10s).")
    ] = None,
    requests: Annotated[
        int | None, typer.Option("--requests", "-n", min=1, help="Stop after this many calls.")
    ] = None,
    ramp: Annotated[
        str | None, typer.Option("--ramp", help="Grow the load from zero over this time.")
    ] = None,
    protocol: Annotated[
        str | None,
        typer.Option("--protocol", help="auto, 2026-07-28 or 2025-11-25 (default: the scenario's, auto)."),
    ] = None,
    timeout: Annotated[str | None, typer.Option("--timeout", help="Time a call may take, e.g. 5s.")] = None,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, max=64, help="Worker processes.")] = 1,
    pid: Annotated[
        list[int] | None, typer.Option("--pid", help="Also measure CPU and RSS of this process.")
    ] = None,
    header: Annotated[
        list[str] | None,
        typer.Option(
            "--header", "-H", help="Send 'Name: value' on every request, e.g. an Authorization token."
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the JSON result here.")] = None,
    html_path: Annotated[Path | None, typer.Option("--html", help="Write the HTML report here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result on stdout.")] = False,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed the argument generators.")] = None,
    allow_remote: Annotated[
        bool, typer.Option("--allow-remote", help="Allow a target that is not on loopback.")
    ] = False,
) -> None:
    """Load an MCP server (or the gateway) and report throughput, latency percentiles and errors.

    Exits 1 when a gating stage breaches the SLO (from the compose file or the scenario).
    """
    if protocol is not None and protocol not in ("auto", "2026-07-28", "2025-11-25"):
        _usage(f"--protocol {protocol!r} is not known; use auto, 2026-07-28 or 2025-11-25")
    scenario = _scenario(scenario_file, tool, args, protocol)
    if seed is not None:
        scenario = scenario.model_copy(update={"seed": seed})
    if timeout is not None:
        try:
            scenario = scenario.model_copy(update={"timeout": parse_duration(timeout)})
        except ValueError as exc:
            _usage(f"--timeout: {exc}")
    load_given = any(v is not None for v in (concurrency, rate, duration, requests, ramp))
    if scenario.stages:
        if load_given:
            _usage("the scenario defines stages; drop --concurrency/--rate/--duration/--requests/--ramp")
        stages = scenario.stages
    else:
        stages = [_cli_stage(concurrency, rate, duration, requests, ramp)]

    try:
        resolved = resolve(target, file, direct=direct, explicit_file=file != Path(DEFAULT_FILE))
    except TargetError as exc:
        _usage(str(exc))
    except ValueError as exc:
        _usage(f"{target}: {exc}")
    if not is_loopback_url(resolved.url) and not allow_remote:
        _usage(f"{resolved.url} is not a loopback address; load only hosts you own, then add --allow-remote")
    slo = merge_slo(resolved.slo, scenario.slo)
    if any(s.step is not None for s in stages) and (slo is None or not slo.model_dump(exclude_none=True)):
        _usage(
            "a step stage stops at an SLO breach, but no SLO is set; add slo: to the scenario or the server"
        )

    try:
        headers = tuple(parse_header(h) for h in header or [])
    except ValueError as exc:
        _usage(f"--header: {exc}")
    processes = dict(resolved.processes or {})
    for number in pid or []:
        if not psutil.pid_exists(number):
            _usage(f"--pid {number}: no such process; give the pid of a running gateway or server")
        processes[f"pid {number}"] = number

    try:
        info = asyncio.run(probe(resolved.url, scenario.protocol, scenario.timeout, headers))
    except TargetError as exc:
        fail(str(exc), EXIT_USAGE)
    except KeyboardInterrupt:
        fail("interrupted before the load started; nothing to report")
    except ValueError as exc:
        _usage(f"{resolved.url}: {exc}")
    _check_tools(scenario.mix, info.tools, resolved.url)
    tool_headers = {name: found for name, schema in info.tools.items() if (found := header_params(schema))}

    plan = Plan(resolved, info.protocol, scenario, stages, workers, slo, processes, tool_headers, headers)
    started = datetime.now(UTC)
    quiet = as_json
    if not quiet:
        console.print(
            f"[bold]heady loadtest[/] {resolved.url} (protocol {info.protocol}, {workers} worker(s))",
            highlight=False,
        )

    def on_stage(result: StageResult) -> None:
        if not quiet:
            live.console.print(stage_table(report.stage_report(result)))

    watcher = Watcher()
    try:
        if quiet:
            results = execute(plan, watcher)
        else:
            with Live(LiveLine(watcher), console=console, refresh_per_second=4, transient=True) as live:
                results = execute(plan, watcher, on_stage)
    except KeyboardInterrupt:  # between loads (a load itself stops early and reports)
        fail("interrupted between stages; no report written")

    result = report.build(plan, results, started, workers)
    if out is not None:
        report.write_json(result, out)
    if html_path is not None:
        html_path.write_text(html.render(result))
    if as_json:
        typer.echo(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())
    else:
        _print_verdict(result, out, html_path)
    if not result["verdict"]["passed"]:
        raise typer.Exit(EXIT_FAILED)


def _print_verdict(result: dict[str, Any], out: Path | None, html_path: Path | None) -> None:
    for path, what in ((out, "JSON result"), (html_path, "HTML report")):
        if path is not None:
            console.print(f"{what}: {path}")
    if result["interrupted"]:
        console.print("[bold yellow]interrupted[/]: the report covers the calls made until Ctrl-C")
    elif result["slo"] is None:
        console.print(
            "verdict: no SLO to check (set slo: on the server in the compose file or in the scenario)"
        )
    elif result["verdict"]["passed"]:
        console.print("[bold green]verdict: pass[/] (every gating stage met the SLO)")
    else:
        console.print("[bold red]verdict: SLO breach[/]")
        for breach in result["verdict"]["breaches"]:
            console.print(f"  {breach}", highlight=False)
