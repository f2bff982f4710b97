"""``${VAR}``, ``${VAR:-default}``, ``${secret:name}`` and the ``$${`` escape in string values.

Interpolation runs on the plain data before validation, so a value such as
``port: ${NOTES_PORT:-9101}`` is checked like any other. Every resolved secret
value is remembered, so problems can show ``${secret:name}`` in its place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from heady.compose.errors import Problem
from heady.compose.source import NodePath, Source
from heady.secrets import SecretNotFound, SecretResolver, register_secret
from heady.secrets.resolver import NAME as SECRET_NAME

_VARIABLE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$", re.DOTALL)
_SYNTAX_HINT = "write ${NAME}, ${NAME:-default} or ${secret:name}; write $${ for a literal ${"


@dataclass
class Interpolated:
    """The data with every reference replaced, and what went wrong where."""

    data: Any = field(repr=False)
    problems: list[Problem] = field(default_factory=list)
    templates: dict[NodePath, str] = field(default_factory=dict)
    """The text as written, for every string that held a reference."""
    secrets: dict[str, str] = field(default_factory=dict, repr=False)
    """Resolved secret value -> ``${secret:name}``, to hide values in messages."""
    failed: set[NodePath] = field(default_factory=set)
    """Paths whose value could not be resolved (validation problems there are noise)."""

    def hide(self, text: str) -> str:
        """``text`` with every secret value replaced by the reference it came from."""
        for value in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(value, self.secrets[value])
        return text

    def show(self, path: NodePath, value: Any) -> str:
        """How to print the value at ``path`` in a message: never a secret's value."""
        template = self.templates.get(path)
        if template is not None and "${secret:" in template:
            return repr(template)
        if template is not None:
            return f"{self.hide(repr(value))} (from {template!r})"
        return self.hide(repr(value))


def interpolate(
    source: Source,
    environ: Mapping[str, str],
    secrets: SecretResolver,
    skip: tuple[str, ...] = ("environments",),
) -> Interpolated:
    """Resolve references in every string value of ``source`` (top-level ``skip`` and ``x-`` keys stay)."""
    result = Interpolated(data=None)
    expander = _Expander(environ, secrets, result)

    def walk(value: Any, path: NodePath) -> Any:
        if isinstance(value, dict):
            return {
                k: v if (not path and _skipped(k, skip)) else walk(v, (*path, k)) for k, v in value.items()
            }
        if isinstance(value, list):
            return [walk(v, (*path, i)) for i, v in enumerate(value)]
        if isinstance(value, str) and "$" in value:
            text, errors = expander.expand(value)
            if text != value:
                result.templates[path] = value
            for message, hint in errors:
                result.problems.append(source.problem(path, message, hint))
            if errors:
                result.failed.add(path)
                return value
            return text
        return value

    result.data = walk(source.data, ())
    return result


def _skipped(key: object, skip: tuple[str, ...]) -> bool:
    """Top-level keys left as written: ``skip`` and ``x-`` extension blocks (anchors only)."""
    return isinstance(key, str) and (key in skip or key.startswith("x-"))


class _Expander:
    def __init__(self, environ: Mapping[str, str], secrets: SecretResolver, out: Interpolated) -> None:
        self.environ = environ
        self.secrets = secrets
        self.out = out

    def expand(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """The text with references resolved, and (message, hint) for each that failed."""
        errors: list[tuple[str, str]] = []
        parts: list[str] = []
        i, n = 0, len(text)
        while i < n:
            if text.startswith("$${", i):
                parts.append("${")
                i += 3
            elif text.startswith("${", i):
                end = _closing_brace(text, i + 2)
                if end < 0:
                    errors.append((f"unterminated reference {text[i:]!r}: missing '}}'", _SYNTAX_HINT))
                    break
                parts.append(self._reference(text[i + 2 : end], errors))
                i = end + 1
            else:
                parts.append(text[i])
                i += 1
        return "".join(parts), errors

    def _reference(self, inner: str, errors: list[tuple[str, str]]) -> str:
        if inner.startswith("secret:"):
            return self._secret(inner[len("secret:") :], errors)
        match = _VARIABLE.match(inner)
        if match is None:
            errors.append((f"'${{{inner}}}' is not a valid reference", _SYNTAX_HINT))
            return ""
        name, default = match.group(1), match.group(2)
        value = self.environ.get(name)
        if value:
            return value
        if default is not None:
            text, nested = self.expand(default)
            errors.extend(nested)
            return text
        if value is not None:  # set but empty: an empty string is a deliberate value
            return value
        errors.append(
            (f"environment variable {name} is not set", f"export {name} or write ${{{name}:-default}}")
        )
        return ""

    def _secret(self, name: str, errors: list[tuple[str, str]]) -> str:
        if not SECRET_NAME.match(name):
            errors.append(
                (
                    f"'${{secret:{name}}}' is not a valid secret name",
                    "secret names use letters, digits, '.', '-' and '_'",
                )
            )
            return ""
        try:
            value = self.secrets.resolve(name)
        except SecretNotFound as missing:
            errors.append((f"secret {name!r} is not set", missing.hint))
            return ""
        if value:
            register_secret(value)  # whatever the resolver, repr() and logs mask it
            self.out.secrets[value] = f"${{secret:{name}}}"
        return value


def _closing_brace(text: str, start: int) -> int:
    """Index of the ``}`` that closes a reference opened just before ``start`` (nesting allowed)."""
    depth = 1
    i = start
    while i < len(text):
        if text.startswith("${", i):
            depth += 1
            i += 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1
