"""Where a process's CPU goes: top functions from a py-spy ``--format raw`` profile.

py-spy writes one line per distinct stack, ``frame;frame;...;leaf COUNT``, each frame
``function (file:line)``. This folds frames to ``function (file)`` and prints, as
markdown, the functions with the most samples on top of the stack (self) and anywhere
in it (inclusive), plus self time grouped by area (package or folder).

Record (as root, under load), then read:
    .venv/bin/py-spy record --pid PID --duration 60 --rate 500 --format raw -o gw.txt --nonblocking
    .venv/bin/python bench/profile.py gw.txt --top 20
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

_LINE = re.compile(r"^(?P<stack>.*) (?P<count>\d+)$")
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


@dataclass(frozen=True)
class Stack:
    frames: tuple[str, ...]
    count: int


def parse_raw(text: str) -> list[Stack]:
    """The stacks of a py-spy raw (collapsed) profile; blank lines are skipped."""
    stacks = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError(f"line {number} is not 'frames COUNT': {line[:120]!r}")
        frames = tuple(fold(frame) for frame in match["stack"].split(";"))
        stacks.append(Stack(frames, int(match["count"])))
    return stacks


def fold(frame: str) -> str:
    """``func (path/file.py:12)`` -> ``func (path/file.py)``: one entry per function."""
    match = _FRAME.match(frame)
    return f"{match['func']} ({match['file']})" if match else frame


def area(frame: str) -> str:
    """The package or folder a frame's file lives in (``heady/gateway/upstream``, ``asyncio``)."""
    match = _FRAME.match(frame)
    path = match["file"] if match else frame
    parts = path.split("/")
    if parts[0] == "heady" and len(parts) > 2:
        return "/".join(parts[:-1])
    return parts[0] if len(parts) > 1 else path


def total(stacks: Iterable[Stack]) -> int:
    return sum(stack.count for stack in stacks)


def self_counts(stacks: Iterable[Stack]) -> Counter[str]:
    """Samples whose leaf (the running function) is each function."""
    counts: Counter[str] = Counter()
    for stack in stacks:
        counts[stack.frames[-1]] += stack.count
    return counts


def inclusive_counts(stacks: Iterable[Stack]) -> Counter[str]:
    """Samples in which each function is anywhere on the stack (recursion counted once)."""
    counts: Counter[str] = Counter()
    for stack in stacks:
        for frame in set(stack.frames):
            counts[frame] += stack.count
    return counts


def area_counts(stacks: Iterable[Stack]) -> Counter[str]:
    """Self samples grouped by the leaf's area."""
    counts: Counter[str] = Counter()
    for stack in stacks:
        counts[area(stack.frames[-1])] += stack.count
    return counts


def table(title: str, counts: Counter[str], whole: int, top: int) -> str:
    lines = [f"| {title} | samples | % |", "|---|--:|--:|"]
    for name, count in counts.most_common(top):
        lines.append(f"| `{name}` | {count} | {100 * count / whole:.1f} |")
    return "\n".join(lines)


def report(stacks: Sequence[Stack], top: int) -> str:
    """Markdown: self by area, self by function, inclusive by function."""
    whole = total(stacks)
    if not whole:
        return "no samples"
    return "\n\n".join(
        [
            f"{whole} samples.",
            table("area (self)", area_counts(stacks), whole, top),
            table("function (self)", self_counts(stacks), whole, top),
            table("function (inclusive)", inclusive_counts(stacks), whole, top),
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/profile.py", description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path, help="py-spy --format raw output")
    parser.add_argument("--top", type=int, default=20, help="rows per table (default 20)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        stacks = parse_raw(args.profile.read_text())
    except (OSError, ValueError) as exc:
        print(f"error: cannot read {args.profile}: {exc}", file=sys.stderr)
        return 1
    print(report(stacks, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
