"""`heady init` run as the real command: files written, next steps, refusing to overwrite."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import PYTHON
from heady.compose import load_compose

HEADY = str(Path(PYTHON).parent / "heady")


def heady(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HEADY, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_init_writes_a_valid_project_named_after_the_folder(tmp_path: Path) -> None:
    done = heady("init", "billing-svc", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == [
        "wrote billing-svc/mcp-compose.yaml",
        "wrote billing-svc/servers/billing_svc.py",
    ]
    assert "heady up -f billing-svc/mcp-compose.yaml" in done.stdout
    compose = load_compose(tmp_path / "billing-svc" / "mcp-compose.yaml")
    assert compose.project == "billing-svc" and list(compose.servers) == ["billing-svc"]
    validated = heady("validate", "-f", "billing-svc/mcp-compose.yaml", cwd=tmp_path)
    assert validated.returncode == 0, validated.stdout + validated.stderr


def test_init_refuses_to_overwrite_then_force_does(tmp_path: Path) -> None:
    assert heady("init", "--name", "demo", cwd=tmp_path).returncode == 0
    (tmp_path / "mcp-compose.yaml").write_text("# mine\n")
    again = heady("init", "--name", "demo", cwd=tmp_path)
    assert again.returncode == 2
    assert again.stderr.startswith("error: ")
    assert "already exist; pass --force to overwrite" in again.stderr
    assert "Traceback" not in again.stderr
    assert (tmp_path / "mcp-compose.yaml").read_text() == "# mine\n"
    forced = heady("init", "--name", "demo", "--force", cwd=tmp_path)
    assert forced.returncode == 0
    assert load_compose(tmp_path / "mcp-compose.yaml").project == "demo"


def test_init_rejects_a_bad_name(tmp_path: Path) -> None:
    done = heady("init", "--name", "My App", cwd=tmp_path)
    assert done.returncode == 2
    assert "--name 'My App': a project name is lowercase" in done.stderr
    assert list(tmp_path.iterdir()) == []
