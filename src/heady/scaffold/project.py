"""Write a starter project: ``mcp-compose.yaml`` plus ``servers/<module>.py``, from templates.

The templates are plain files in ``templates/`` with ``{{name}}`` and ``{{module}}`` markers,
so what a user gets is exactly what is on disk here, readable without running anything.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

NAME = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
COMPOSE_FILE = "mcp-compose.yaml"


class ScaffoldError(ValueError):
    """The project cannot be written as asked; the message says what to change."""


def default_name(directory: Path) -> str:
    """A valid project name from the folder name: lowercase, dashes for the rest, a letter first."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", directory.resolve().name.lower()).strip("-_")
    slug = re.sub(r"^[^a-z]+", "", slug)[:63].rstrip("-_")
    return slug or "mcp-server"


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise ScaffoldError(
            f"--name {name!r}: a project name is lowercase letters, digits, - and _, starting with a "
            "letter (at most 63); try --name my-server"
        )
    return name


def module_name(name: str) -> str:
    return name.replace("-", "_")


def planned_files(directory: Path, name: str) -> dict[Path, str]:
    """Each file to write and its text."""
    values = {"{{name}}": name, "{{module}}": module_name(name)}
    files = {
        directory / COMPOSE_FILE: "mcp-compose.yaml.tmpl",
        directory / "servers" / f"{module_name(name)}.py": "server.py.tmpl",
    }
    return {path: _render(template, values) for path, template in files.items()}


def _render(template: str, values: dict[str, str]) -> str:
    text = resources.files("heady.scaffold").joinpath("templates", template).read_text()
    for marker, value in values.items():
        text = text.replace(marker, value)
    return text


def init_project(directory: Path, name: str | None = None, force: bool = False) -> list[Path]:
    """Write the starter files; existing files are kept unless ``force``. Returns the paths written."""
    if directory.exists() and not directory.is_dir():
        raise ScaffoldError(f"{directory} is a file, not a folder; pass a folder to create the project in")
    name = check_name(name) if name is not None else default_name(directory)
    files = planned_files(directory, name)
    existing = [path for path in files if path.exists()]
    if existing and not force:
        listed = ", ".join(str(p) for p in existing)
        verb = "exists" if len(existing) == 1 else "exist"
        raise ScaffoldError(f"{listed} already {verb}; pass --force to overwrite, or choose another folder")
    for path, text in files.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        except OSError as exc:
            raise ScaffoldError(f"{path}: cannot write it ({exc.strerror}); check the folder") from None
    return list(files)
