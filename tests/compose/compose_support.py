"""Helpers for compose tests: a temp folder with mcp-compose.yaml, its environment and secrets."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from heady.compose import ComposeError, ComposeFile, load_compose
from heady.secrets import ChainResolver, EnvSecrets, FileSecrets


class ComposeDir:
    """A temp folder holding mcp-compose.yaml, with its own environment and secret files."""

    @classmethod
    def create(cls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ComposeDir:
        """A ComposeDir in ``tmp_path``, made the working directory so messages say mcp-compose.yaml."""
        monkeypatch.chdir(tmp_path)
        return cls(tmp_path)

    def __init__(self, root: Path) -> None:
        self.root = root
        self.environ: dict[str, str] = {"PATH": os.environ.get("PATH", os.defpath)}
        self.secrets_dir = root / ".heady" / "secrets"

    def write(self, text: str, name: str = "mcp-compose.yaml") -> Path:
        path = self.root / name
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    def secret(self, name: str, value: str) -> None:
        self.secrets_dir.mkdir(parents=True, exist_ok=True)
        (self.secrets_dir / name).write_text(value + "\n")

    def load(self, text: str, env: str | None = None) -> ComposeFile:
        self.write(text)
        resolver = ChainResolver([EnvSecrets(self.environ), FileSecrets(self.secrets_dir)])
        return load_compose("mcp-compose.yaml", env=env, environ=self.environ, secrets=resolver)

    def problems(self, text: str, env: str | None = None) -> list[str]:
        """Every problem line the file produces (fails the test if the file loads)."""
        with pytest.raises(ComposeError) as caught:
            self.load(text, env=env)
        return [str(p) for p in caught.value.problems]
