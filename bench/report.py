"""Results as markdown: the machine, the command, a table; written into docs/benchmarks.md.

Each script owns one section of the doc, between ``<!-- bench:NAME -->`` and
``<!-- /bench:NAME -->``; a re-run replaces only that section, so the prose around the
tables (written by hand, from the numbers) stays.
"""

from __future__ import annotations

import datetime
import os
import platform
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.measure import Row

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "benchmarks.md"


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (or the platform's guess)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_revision() -> str:
    """Short commit hash, with '+dirty' when the tree has uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def machine_line(load_before: tuple[float, float, float]) -> str:
    """One line saying where and when the numbers were taken, and how busy the machine was."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = " / ".join(f"{x:.2f}" for x in load_before)
    return (
        f"{now}; {os.cpu_count()} CPUs ({cpu_model()}); Python {platform.python_version()}; "
        f"commit {git_revision()}; load average (1/5/15 min) at start: {load}"
    )


def command_line(argv: Sequence[str]) -> str:
    """The command that produced a table, as a reader would type it."""
    return shlex.join([".venv/bin/python", *argv]) if argv else sys.executable


def _ms(us: float) -> str:
    return f"{us / 1000:.2f}"


def _mb(size: int | None) -> str:
    return "" if size is None else f"{size / 2**20:.0f}"


def shares(rows: Sequence[Row], baseline: str) -> list[float | None]:
    """Each row's calls/s as a fraction of the latest `baseline` row before it at its concurrency.

    Pairing each row with the direct run taken just before it keeps a change in the
    machine's load between runs out of the ratio.
    """
    latest: dict[int, float] = {}
    out: list[float | None] = []
    for row in rows:
        if row.target == baseline:
            latest[row.concurrency] = row.result.calls_per_s
        base = latest.get(row.concurrency)
        out.append(row.result.calls_per_s / base if base else None)
    return out


def table(rows: Sequence[Row], baseline: str) -> str:
    """A markdown table of rows; the % column compares with the `baseline` run just before."""
    lines = [
        "| target | conc. | calls | errors | calls/s | % of direct | p50 ms | p99 ms "
        "| CPU µs/call (middle) | CPU µs/call (backend) | RSS MB before / peak |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row, fraction in zip(rows, shares(rows, baseline), strict=True):
        r = row.result
        share = "" if fraction is None else f"{100 * fraction:.0f} %"
        middle = "" if row.proxy_cpu_us is None else f"{row.proxy_cpu_us:.0f}"
        rss = (
            "" if row.proxy_rss_before is None else f"{_mb(row.proxy_rss_before)} / {_mb(row.proxy_rss_peak)}"
        )
        lines.append(
            f"| {row.target} | {row.concurrency} | {r.requests} | {r.failures} | {r.calls_per_s:.0f} "
            f"| {share} | {_ms(r.p50_us)} | {_ms(r.p99_us)} | {middle} | {row.backend_cpu_us:.0f} | {rss} |"
        )
    return "\n".join(lines)


def replace_section(text: str, name: str, body: str) -> str:
    """`text` with the section `name` set to `body`; appended when the markers are missing."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body.strip()}\n{end}"
    if start in text and end in text and text.index(start) < text.index(end):
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        return before + block + after
    return text.rstrip() + ("\n\n" if text.strip() else "") + block + "\n"


def write_section(name: str, body: str, doc: Path = DOC) -> None:
    """Replace (or append) the section `name` of docs/benchmarks.md."""
    text = doc.read_text() if doc.exists() else "# Benchmarks\n"
    doc.write_text(replace_section(text, name, body))
