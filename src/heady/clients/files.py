"""Write a client config into its file without losing what the user already has there.

Config files such as ``.mcp.json`` usually list other servers too, so Heady replaces only
its own entries (and its own VS Code input) and keeps everything else as it was.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from heady.clients.formats import ClientConfig


class ClientFileError(ValueError):
    """An existing config file Heady cannot merge into safely."""


def merge(existing: dict[str, Any], config: ClientConfig, path: Path) -> dict[str, Any]:
    """``existing`` with this config's entries and inputs put in; other keys untouched."""
    key = config.client.servers_key
    servers = existing.get(key, {})
    if not isinstance(servers, dict):
        raise ClientFileError(f"{path}: {key!r} is not an object; fix or remove it, then run again")
    merged = dict(existing)
    merged[key] = {**servers, **config.document[key]}
    if "inputs" in config.document:
        inputs = existing.get("inputs", [])
        if not isinstance(inputs, list):
            raise ClientFileError(f"{path}: 'inputs' is not a list; fix or remove it, then run again")
        ours = {i["id"] for i in config.document["inputs"]}
        kept = [i for i in inputs if not (isinstance(i, dict) and i.get("id") in ours)]
        merged["inputs"] = kept + config.document["inputs"]
    return merged


def read_existing(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ClientFileError(f"{path}: cannot read it ({exc.strerror}); check its permissions") from None
    try:
        document = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise ClientFileError(
            f"{path}:{exc.lineno}:{exc.colno}: not plain JSON ({exc.msg}); "
            "fix it or move it aside, then run again"
        ) from None
    if not isinstance(document, dict):
        raise ClientFileError(f"{path}: holds a JSON {type(document).__name__}, not an object; move it aside")
    return document


def write_config(config: ClientConfig, out_dir: Path) -> tuple[Path, bool]:
    """Write or merge the file under ``out_dir``; returns its path and whether it existed."""
    path = out_dir / config.client.path
    existing = read_existing(path)
    document = config.document if existing is None else merge(existing, config, path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _replace(path, json.dumps(document, indent=2) + "\n")
    except OSError as exc:
        raise ClientFileError(f"{path}: cannot write it ({exc.strerror}); check the folder") from None
    return path, existing is not None


def _replace(path: Path, text: str) -> None:
    """Write next to the target and rename, so a crash never leaves half a file."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
