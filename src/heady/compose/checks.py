"""Checks that need the whole file: ports, dependencies, commands, exposure.

They run after the model validated, so every value already has its type; each
problem still points at the line it is about.
"""

from __future__ import annotations

import difflib
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from heady.compose.errors import Problem, Severity
from heady.compose.model import ComposeFile
from heady.compose.source import NodePath, Source
from heady.net import is_loopback_host

# The supervisor runs these as the interpreter Heady itself runs under (sys.executable).
ALWAYS_ON_PATH = frozenset({"python", "python3"})


def run_checks(
    compose: ComposeFile,
    source: Source,
    environ: Mapping[str, str],
    invalid: frozenset[str] = frozenset(),
    missing_command: Severity = "error",
) -> list[Problem]:
    """Every semantic problem (errors and warnings) in a validated file.

    ``missing_command`` is "warning" when the file is loaded to run it: the supervisor then
    fails only that server, with the same message, and keeps the others running.

    When the model rejected parts of the file, ``compose`` holds what was valid
    and ``invalid`` has the dotted paths left out ("gateway", "servers.notes",
    "servers.notes.cwd"), so these checks still run without inventing problems
    about the missing parts.
    """
    gateway_ok = "gateway" not in invalid
    dropped = frozenset(p.split(".")[1] for p in invalid if p.startswith("servers.") and p.count(".") == 1)
    return [
        *(check_servers_defined(compose, source) if not invalid else []),
        *(check_names(compose, source) if gateway_ok else []),
        *check_ports(compose, source, gateway_ok),
        *check_depends_on(compose, source, dropped),
        *check_commands(compose, source, environ, invalid, missing_command),
        *(check_exposure(compose, source) if gateway_ok else []),
    ]


def check_servers_defined(compose: ComposeFile, source: Source) -> list[Problem]:
    if compose.servers:
        return []
    return [
        source.problem(
            ("servers",),
            "no servers are defined; the gateway would serve nothing",
            "add a server under servers:, e.g. notes: {command: [python, -m, notes]}",
            severity="warning",
            at_key=True,
        )
    ]


def check_names(compose: ComposeFile, source: Source) -> list[Problem]:
    """A server name containing the tool separator would make prefixed tool names ambiguous."""
    separator = compose.gateway.tool_separator
    return [
        source.problem(
            ("servers", name),
            f"server name {name!r} contains the tool separator {separator!r}",
            "rename the server or change gateway.tool_separator",
            at_key=True,
        )
        for name in compose.servers
        if separator in name
    ]


def check_ports(compose: ComposeFile, source: Source, gateway_ok: bool = True) -> list[Problem]:
    """Two listeners on one port: the second would fail to start."""
    owners: dict[int, tuple[str, NodePath]] = {}
    if gateway_ok:
        owners[compose.gateway.port] = ("the gateway", ("gateway", "listen"))
    problems = []
    for name, server in compose.servers.items():
        if not server.launched or server.port is None:
            continue
        path: NodePath = ("servers", name, "port")
        first = owners.get(server.port)
        if first is None:
            owners[server.port] = (f"server {name!r}", path)
            continue
        owner, where = first
        mark = source.locate(where)
        at = f" (line {mark[0]})" if mark else ""
        problems.append(
            source.problem(
                path,
                f"port {server.port} is already used by {owner}{at}",
                "give every server and the gateway a port of its own",
            )
        )
    return problems


def check_depends_on(
    compose: ComposeFile, source: Source, invalid: frozenset[str] = frozenset()
) -> list[Problem]:
    """Unknown names (with a did-you-mean) and dependency cycles."""
    names = list(compose.servers)
    problems = []
    for name, server in compose.servers.items():
        for index, dep in enumerate(server.depends_on):
            if dep in compose.servers or dep in invalid:
                continue
            close = difflib.get_close_matches(dep, names, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"defined servers: {', '.join(names)}"
            problems.append(
                source.problem(("servers", name, "depends_on", index), f"unknown server {dep!r}", hint)
            )
    for cycle in _cycles(
        {n: [d for d in s.depends_on if d in compose.servers] for n, s in compose.servers.items()}
    ):
        start, after = cycle[0], cycle[1]
        index = compose.servers[start].depends_on.index(after)
        problems.append(
            source.problem(
                ("servers", start, "depends_on", index),
                f"dependency cycle: {' -> '.join(cycle)}",
                "servers start in dependency order; remove one depends_on entry of the cycle",
            )
        )
    return problems


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each cycle once, as [a, b, ..., a], found by depth-first search in file order."""
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in graph[node]:
            if state.get(dep) == 1:
                cycle = [*stack[stack.index(dep) :], dep]
                key = frozenset(cycle)
                if key not in seen:
                    seen.add(key)
                    found.append(cycle)
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node)
    return found


def check_commands(
    compose: ComposeFile,
    source: Source,
    environ: Mapping[str, str],
    invalid: frozenset[str] = frozenset(),
    severity: Severity = "error",
) -> list[Problem]:
    """The executable of every launched server exists, and so does its cwd."""
    problems = []
    for name, server in compose.servers.items():
        if server.command is None or {f"servers.{name}.cwd", f"servers.{name}.env"} & invalid:
            continue
        base = compose.base_dir
        cwd_missing = False
        if server.cwd is not None:
            cwd = base / server.cwd
            if not cwd.is_dir():
                cwd_missing = True
                problems.append(
                    source.problem(
                        ("servers", name, "cwd"),
                        f"working directory {server.cwd!r} does not exist (looked in {cwd})",
                        "create it, or give a path relative to the compose file's folder",
                    )
                )
            else:
                base = cwd
        if not server.command or not server.command[0]:
            problems.append(
                source.problem(
                    ("servers", name, "command"),
                    "command is empty",
                    "write the program and its arguments, e.g. [python, -m, notes]",
                )
            )
            continue
        program = server.command[0]
        if "/" in program and cwd_missing:
            continue  # relative to a cwd that does not exist: already reported
        search_path = server.env.get("PATH", environ.get("PATH", os.defpath))
        if _runnable(program, base, search_path):
            continue
        if "/" in program:
            message = f"command {program!r} does not exist or is not executable (looked in {base})"
        else:
            message = f"command {program!r} is not on PATH"
        problems.append(
            source.problem(
                ("servers", name, "command", 0),
                message,
                "install it, fix the spelling, or give a path relative to the compose file's folder",
                severity=severity,
            )
        )
    return problems


def _runnable(program: str, base: Path, search_path: str) -> bool:
    if program in ALWAYS_ON_PATH:
        return True
    if "/" in program or os.sep in program:
        candidate = Path(program) if Path(program).is_absolute() else base / program
        return candidate.is_file() and os.access(candidate, os.X_OK)
    return shutil.which(program, path=search_path) is not None


def check_exposure(compose: ComposeFile, source: Source) -> list[Problem]:
    """Listening beyond loopback with no authentication lets anyone on the network call every tool."""
    gateway = compose.gateway
    if gateway.auth.mode != "none" or is_loopback_host(gateway.host):
        return []
    return [
        source.problem(
            ("gateway", "listen"),
            f"the gateway listens on {gateway.host}, reachable from other machines, with auth.mode none",
            "listen on 127.0.0.1, or set gateway.auth.mode to builtin or oidc",
            severity="warning",
        )
    ]
