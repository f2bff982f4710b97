"""Load mcp-compose.yaml into a validated ComposeFile (provisional; see issue #2)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from heady.compose.errors import ComposeError, Problem
from heady.compose.model import ComposeFile

DEFAULT_FILE = "mcp-compose.yaml"


def deep_merge(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_compose(path: str | Path = DEFAULT_FILE, env: str | None = None) -> ComposeFile:
    path = Path(path)
    try:
        raw = YAML(typ="safe").load(path.read_text())
    except FileNotFoundError:
        raise ComposeError(
            [Problem("no such file; run 'heady init' to create one", file=str(path))]
        ) from None
    except YAMLError as exc:
        raise ComposeError([Problem(f"not valid YAML: {exc}", file=str(path))]) from None
    raw = raw or {}
    if env is not None:
        overlay = (raw.get("environments") or {}).get(env)
        if overlay is None:
            raise ComposeError(
                [Problem(f"no environment named {env!r}", file=str(path), path="environments")]
            )
        raw = deep_merge(raw, overlay)
    try:
        compose = ComposeFile.model_validate(raw)
    except ValidationError as exc:
        raise ComposeError(
            [Problem(e["msg"], file=str(path), path=".".join(map(str, e["loc"]))) for e in exc.errors()]
        ) from None
    compose._path = path.resolve()
    return compose
