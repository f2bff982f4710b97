"""Environment overlays: ``environments.<name>`` deep-merged over the rest of the file.

Mappings merge key by key; anything else (lists, scalars, null) replaces the base
value. Positions move with the data, so a problem in a value the overlay set
points at the overlay's line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from heady.compose.errors import ComposeError, ComposeUsageError
from heady.compose.source import NodePath, Source


def deep_merge(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """``overlay`` over ``base``: mappings merge recursively, every other value replaces."""
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def apply_overlay(source: Source, env: str) -> Source:
    """A new Source with ``environments.<env>`` merged in; an unknown env lists the defined ones."""
    data = source.data if isinstance(source.data, dict) else {}
    envs = data.get("environments")
    names = {str(k): k for k in envs} if isinstance(envs, dict) else {}
    defined = sorted(names)
    if env not in names:
        hint = (
            f"defined environments: {', '.join(defined)}"
            if defined
            else f"this file defines no environments; add environments: {{{env}: {{...}}}}"
        )
        raise ComposeUsageError(
            [source.problem(("environments",), f"no environment named {env!r}", hint, at_key=True)]
        )
    assert isinstance(envs, dict)
    prefix: NodePath = ("environments", names[env])
    overlay = envs[names[env]] if envs[names[env]] is not None else {}
    if not isinstance(overlay, dict):
        raise ComposeError(
            [
                source.problem(
                    prefix,
                    "an environment overlay must be a mapping",
                    "write the fields to change, e.g. prod: {gateway: {auth: {mode: oidc}}}",
                )
            ]
        )
    if "environments" in overlay:
        raise ComposeError(
            [
                source.problem(
                    (*prefix, "environments"),
                    "an overlay cannot define environments",
                    "move it to the top-level environments section",
                    at_key=True,
                )
            ]
        )
    merged = Source(file=source.file, data=None, keys=dict(source.keys), values=dict(source.values))
    merged.data = _merge(data, overlay, (), prefix, source, merged)
    return merged


def _merge(
    base: dict[Any, Any], overlay: dict[Any, Any], path: NodePath, prefix: NodePath, src: Source, out: Source
) -> dict[Any, Any]:
    result = dict(base)
    for key, value in overlay.items():
        child = (*path, key)
        _move(src, out, (*prefix, *child), child)
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merge(result[key], value, child, prefix, src, out)
        else:
            _forget(out, child)
            _copy(src, out, (*prefix, *child), child)
            result[key] = value
    return result


def _move(src: Source, out: Source, origin: NodePath, target: NodePath) -> None:
    if origin in src.keys:
        out.keys[target] = src.keys[origin]
    if origin in src.values:
        out.values[target] = src.values[origin]


def _forget(out: Source, path: NodePath) -> None:
    """Drop the positions of a base value the overlay replaces (and of everything under it)."""
    for table in (out.keys, out.values):
        for stale in [p for p in table if p[: len(path)] == path and len(p) > len(path)]:
            del table[stale]


def _copy(src: Source, out: Source, origin: NodePath, target: NodePath) -> None:
    """Give the overlay's value (and everything under it) its positions at ``target``."""
    n = len(origin)
    for table_src, table_out in ((src.keys, out.keys), (src.values, out.values)):
        for p, mark in table_src.items():
            if p[:n] == origin:
                table_out[target + p[n:]] = mark
