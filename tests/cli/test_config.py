"""`heady config clients` run as the real command: printing, --json, --out, --env, errors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import EXAMPLES, PYTHON

HEADY = str(Path(PYTHON).parent / "heady")
COMPOSE = str(EXAMPLES / "mcp-compose.yaml")


def heady(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HEADY, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_prints_each_file_with_where_it_goes() -> None:
    done = heady("config", "clients", "-f", COMPOSE, "--client", "cursor", "--client", "windsurf")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("# Cursor: .cursor/mcp.json")
    sections = done.stdout.split("# ")[1:]
    assert [s.split(":", 1)[0] for s in sections] == ["Cursor", "Windsurf"]
    windsurf = json.loads(sections[1].split("\n", 1)[1])
    assert windsurf == {"mcpServers": {"heady-examples": {"serverUrl": "http://127.0.0.1:8080/mcp"}}}
    assert done.stderr == ""


def test_json_output_with_the_prod_overlay_carries_auth() -> None:
    done = heady("config", "clients", "-f", COMPOSE, "--env", "prod", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert list(document) == ["claude-desktop", "claude-code", "cursor", "windsurf", "vscode"]
    code = document["claude-code"]
    assert code["file"] == ".mcp.json"
    assert code["config"]["mcpServers"]["heady-examples"] == {
        "type": "http",
        "url": "https://mcp.example.com/mcp",
        "headers": {"Authorization": "Bearer ${HEADY_TOKEN}"},
    }
    assert any("HEADY_TOKEN" in note for note in code["notes"])


def test_out_writes_every_file_and_merges_on_the_second_run(tmp_path: Path) -> None:
    (tmp_path / ".mcp.json").write_text(json.dumps({"mcpServers": {"other": {"url": "https://x"}}}))
    done = heady("config", "clients", "-f", COMPOSE, "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == [
        ".cursor/mcp.json",
        ".mcp.json",
        ".vscode/mcp.json",
        "claude_desktop_config.json",
        "mcp_config.json",
    ]
    assert f"updated {tmp_path / '.mcp.json'}" in done.stdout
    assert f"wrote {tmp_path / '.vscode' / 'mcp.json'}" in done.stdout
    merged = json.loads((tmp_path / ".mcp.json").read_text())
    assert set(merged["mcpServers"]) == {"other", "heady-examples"}
    vscode = json.loads((tmp_path / ".vscode" / "mcp.json").read_text())
    assert vscode == {"servers": {"heady-examples": {"type": "http", "url": "http://127.0.0.1:8080/mcp"}}}


def test_errors_are_one_line_with_the_fix(tmp_path: Path) -> None:
    cases = [
        (["--client", "emacs"], 2, "--client emacs: not a client Heady knows"),
        (["--auth", "header"], 2, "--auth header: gateway.auth.mode is none"),
        (["--auth", "magic"], 2, "--auth magic: not an auth style; use header or oauth"),
    ]
    for args, code, message in cases:
        done = heady("config", "clients", "-f", COMPOSE, *args)
        assert done.returncode == code, (args, done.stderr)
        assert done.stderr.startswith(f"error: {message}"), (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1, (args, done.stderr)

    missing = heady("config", "clients", "-f", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and "nope.yaml: no such file" in missing.stderr

    (tmp_path / ".mcp.json").write_text("{broken")
    broken = heady("config", "clients", "-f", COMPOSE, "--client", "claude-code", "--out", str(tmp_path))
    assert broken.returncode == 1
    assert f"{tmp_path / '.mcp.json'}:1:2: not plain JSON" in broken.stderr
    assert (tmp_path / ".mcp.json").read_text() == "{broken"
