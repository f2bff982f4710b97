"""Load mcp-compose.yaml into a validated ComposeFile, or report every problem at once.

The stages, each in its own module: parse with positions (source), apply the
``--env`` overlay (overlay), resolve ``${...}`` references (interpolate), validate
with the model and explain its errors (diagnose), then whole-file checks (checks).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from heady.compose.checks import run_checks
from heady.compose.diagnose import diagnose
from heady.compose.errors import ComposeError, ComposeUsageError, Problem, Severity
from heady.compose.interpolate import interpolate
from heady.compose.model import ComposeFile
from heady.compose.overlay import apply_overlay, deep_merge
from heady.compose.source import NodePath, Source, parse
from heady.secrets import SecretResolver, default_resolver

DEFAULT_FILE = "mcp-compose.yaml"

__all__ = ["DEFAULT_FILE", "deep_merge", "load_compose", "overlay_problems"]


def load_compose(
    path: str | Path = DEFAULT_FILE,
    env: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    secrets: SecretResolver | None = None,
    missing_command: Severity = "error",
) -> ComposeFile:
    """The validated file with overlay ``env`` applied; raises ComposeError listing every problem.

    ``missing_command="warning"`` is for commands that run the file (``heady up``): a server
    whose program is not installed then fails alone, at start, instead of stopping the stack.

    ``environ`` supplies ``${VAR}`` values (default: the process environment);
    ``secrets`` resolves ``${secret:name}`` (default: ``HEADY_SECRET_<NAME>``, then
    ``.heady/secrets/<name>`` next to the file, then ``/run/secrets/<name>``).
    Warnings do not stop loading; they are on ``ComposeFile.warnings``.
    """
    path = Path(path)
    environ = os.environ if environ is None else environ
    source = _parse_file(path)
    if env is not None:
        source = apply_overlay(source, env)
    resolver = secrets if secrets is not None else default_resolver(path.resolve().parent, environ)
    compose, problems = _build(source, path, env, environ, resolver, missing_command=missing_command)
    if compose is None or any(p.severity == "error" for p in problems):
        raise ComposeError(problems)
    compose._warnings = problems
    return compose


def overlay_problems(
    path: str | Path = DEFAULT_FILE,
    *,
    environ: Mapping[str, str] | None = None,
    secrets: SecretResolver | None = None,
) -> list[Problem]:
    """Problems that only show with an overlay applied, for every overlay in the file.

    So ``heady validate`` without ``--env`` still catches a typo in ``environments.prod``.
    Only problems located inside the overlay are kept (the base file's own problems are
    reported once, by ``load_compose``), their path is the overlay's
    (``environments.prod.servers...``), and unset variables or secrets are not problems
    here: they belong to the machine that runs that environment.
    """
    path = Path(path)
    environ = os.environ if environ is None else environ
    try:
        base = _parse_file(path)
    except ComposeError:
        return []
    envs = base.data.get("environments")
    if not isinstance(envs, dict):
        return []
    resolver = secrets if secrets is not None else default_resolver(path.resolve().parent, environ)
    problems: list[Problem] = []
    for name in envs:
        prefix: NodePath = ("environments", name)
        lines = [m[0] for t in (base.keys, base.values) for p, m in t.items() if p[:2] == prefix]
        try:
            source = apply_overlay(base, str(name))
            _, found = _build(source, path, str(name), environ, resolver, lenient=True)
        except ComposeError as exc:  # a malformed overlay; its shape is reported by the base file
            found = [p for p in exc.problems if p.path != f"environments.{name}"]
        for problem in found:
            if problem.line is not None and lines and min(lines) <= problem.line <= max(lines):
                problems.append(replace(problem, path=_within(f"environments.{name}", problem.path)))
    return problems


def _within(prefix: str, path: str) -> str:
    """The path of a merged value as written inside the overlay at ``prefix``."""
    if path.startswith("environments."):
        return path
    return f"{prefix}.{path}" if path else prefix


def _parse_file(path: Path) -> Source:
    source = parse(_read(path), str(path))
    if source.data is None:
        raise ComposeError(
            [Problem("the file is empty", file=str(path), hint="run 'heady init' for a starter file")]
        )
    if not isinstance(source.data, dict):
        raise ComposeError(
            [
                source.problem(
                    (),
                    f"the file must be a mapping of sections, found a {type(source.data).__name__}",
                    "start with top-level keys such as version:, gateway: and servers:",
                )
            ]
        )
    return source


def _build(
    source: Source,
    path: Path,
    env: str | None,
    environ: Mapping[str, str],
    resolver: SecretResolver,
    lenient: bool = False,
    missing_command: Severity = "error",
) -> tuple[ComposeFile | None, list[Problem]]:
    """Interpolate, validate and check ``source``: the model (None when invalid) and every
    problem, sorted by position. ``lenient`` drops unresolved references (and the problems
    they would cause) instead of reporting them."""
    resolved = interpolate(source, environ, resolver)
    problems = [] if lenient else list(resolved.problems)
    compose: ComposeFile | None = None
    invalid: frozenset[str] = frozenset()
    try:
        compose = ComposeFile.model_validate(resolved.data)
    except ValidationError as exc:
        problems.extend(diagnose(exc, ComposeFile, source, resolved))
        compose, invalid = _valid_part(resolved.data, exc)
    if compose is not None:
        compose._path = path.resolve()
        compose._environment = env
        problems.extend(run_checks(compose, source, environ, invalid, missing_command))
    problems = [_hidden(p, resolved.hide) for p in problems]
    problems.sort(key=lambda p: p.sort_key)
    return (None if invalid else compose), problems


def _valid_part(data: dict[str, Any], exc: ValidationError) -> tuple[ComposeFile | None, frozenset[str]]:
    """The file without the values the model rejected, so whole-file checks still report their
    problems in the same run. Returns the trimmed model (None if even that fails) and the dotted
    paths that were left out: a section, a server, or one field of a server."""
    trimmed = copy.deepcopy(data)
    invalid: set[str] = set()
    for _ in range(3):  # dropping a field can expose a model-level error of its server
        servers = trimmed.get("servers")
        for error in exc.errors():
            loc = error["loc"]
            if not loc:
                continue
            if loc[0] == "servers" and len(loc) > 1 and isinstance(servers, dict):
                server = servers.get(loc[1])
                if len(loc) > 2 and loc[2] != "[key]" and isinstance(server, dict):
                    server.pop(loc[2], None)
                    invalid.add(f"servers.{loc[1]}.{loc[2]}")
                else:
                    servers.pop(loc[1], None)
                    invalid.add(f"servers.{loc[1]}")
            else:
                trimmed.pop(str(loc[0]), None)
                invalid.add(str(loc[0]))
        try:
            return ComposeFile.model_validate(trimmed), frozenset(invalid)
        except ValidationError as again:
            exc = again
    return None, frozenset(invalid)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ComposeUsageError(
            [Problem("no such file", file=str(path), hint="run 'heady init' to create one, or pass -f FILE")]
        ) from None
    except IsADirectoryError:
        raise ComposeUsageError(
            [
                Problem(
                    "is a directory, not a compose file", file=str(path), hint="pass -f DIR/mcp-compose.yaml"
                )
            ]
        ) from None
    except PermissionError:
        raise ComposeUsageError(
            [
                Problem(
                    "cannot be read: permission denied", file=str(path), hint="check the file's permissions"
                )
            ]
        ) from None
    except UnicodeDecodeError as exc:
        raise ComposeUsageError(
            [Problem(f"is not UTF-8 text (byte {exc.start})", file=str(path), hint="save the file as UTF-8")]
        ) from None
    except OSError as exc:
        raise ComposeUsageError(
            [Problem(f"cannot be read: {exc.strerror}", file=str(path), hint="check the path")]
        ) from None


def _hidden(problem: Problem, hide: Callable[[str], str]) -> Problem:
    """The problem with any secret value in its text replaced by its ``${secret:name}``."""
    message, hint = hide(problem.message), hide(problem.hint) if problem.hint else None
    if message == problem.message and hint == problem.hint:
        return problem
    return Problem(message, problem.file, problem.line, problem.column, problem.path, hint, problem.severity)
