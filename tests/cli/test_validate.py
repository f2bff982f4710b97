"""`heady validate` run as the real command: output lines, --json, --env, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from heady.compose import render_schema

HEADY = str(Path(sys.executable).parent / "heady")
REPO = Path(__file__).resolve().parents[2]

VALID = """
project: demo
servers:
  notes:
    command: [python, -m, notes]
    port: 9101
  memory:
    command: [python, -m, memory]
environments:
  prod:
    gateway: {listen: "0.0.0.0:8080"}
"""

INVALID = """
servers:
  notes:
    command: [python, -m, notes]
    port: 9101
    helthcheck: {interval: 10s}
    env: {TOKEN: "${secret:notes_token}"}
  slow:
    command: [python, -m, slow]
    port: 9101
    timeout: 10 sec
"""


def heady(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HEADY_SECRET_")}
    environ.update(env or {}, COLUMNS="200", NO_COLOR="1")
    return subprocess.run(
        [HEADY, *args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=60, check=False
    )


def write(folder: Path, text: str, name: str = "mcp-compose.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def test_valid_file_exits_0_with_a_summary(tmp_path: Path) -> None:
    write(tmp_path, VALID)
    result = heady("validate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "mcp-compose.yaml:10:23: environments.prod.gateway.listen: warning: the gateway listens on 0.0.0.0, "
        "reachable from other machines, with auth.mode none (hint: listen on 127.0.0.1, or set "
        "gateway.auth.mode to builtin or oidc)",
        "mcp-compose.yaml: valid, 2 servers (notes, memory), 1 warning",
    ]
    assert result.stderr == ""


def test_without_env_every_overlay_is_checked(tmp_path: Path) -> None:
    write(
        tmp_path,
        """
        servers:
          notes: {command: [python, -m, notes], port: 9101}
        environments:
          stage:
            servers:
              notes: {env: {TOKEN: "${secret:stage_token}"}}
          prod:
            servers:
              notes: {autoscale: {min: 3, max: 6}, helthcheck: {}}
        """,
    )
    result = heady("validate", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "mcp-compose.yaml:9:44: environments.prod.servers.notes.helthcheck: unknown field 'helthcheck' "
        "(hint: did you mean 'healthcheck'?)",
        "mcp-compose.yaml: 1 error",
    ]
    assert heady("validate", "--env", "stage", cwd=tmp_path).returncode == 1
    valid = heady("validate", "--env", "stage", cwd=tmp_path, env={"HEADY_SECRET_STAGE_TOKEN": "x"})
    assert valid.returncode == 0, valid.stdout


def test_env_overlay_warning_is_printed_and_still_valid(tmp_path: Path) -> None:
    write(tmp_path, VALID, "stack.yaml")
    result = heady("validate", "-f", "stack.yaml", "--env", "prod", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "stack.yaml:10:23: gateway.listen: warning: the gateway listens on 0.0.0.0, reachable from other "
        "machines, with auth.mode none (hint: listen on 127.0.0.1, or set gateway.auth.mode to builtin or "
        "oidc)",
        "stack.yaml (env prod): valid, 2 servers (notes, memory), 1 warning",
    ]


def test_invalid_file_exits_1_with_one_line_per_problem(tmp_path: Path) -> None:
    write(tmp_path, INVALID)
    result = heady("validate", cwd=tmp_path)
    assert result.returncode == 1
    secret_file = tmp_path / ".heady" / "secrets" / "notes_token"
    assert result.stdout.splitlines() == [
        "mcp-compose.yaml:5:5: servers.notes.helthcheck: unknown field 'helthcheck' "
        "(hint: did you mean 'healthcheck'?)",
        "mcp-compose.yaml:6:18: servers.notes.env.TOKEN: secret 'notes_token' is not set "
        f"(hint: export HEADY_SECRET_NOTES_TOKEN=... or write it to {secret_file} "
        "or write it to /run/secrets/notes_token)",
        "mcp-compose.yaml:9:11: servers.slow.port: port 9101 is already used by server 'notes' (line 4) "
        "(hint: give every server and the gateway a port of its own)",
        "mcp-compose.yaml:10:14: servers.slow.timeout: '10 sec' is not a duration "
        "(hint: write it as 500ms, 10s, 5m or 1h; a bare number is seconds)",
        "mcp-compose.yaml: 4 errors",
    ]
    assert "Traceback" not in result.stderr


def test_json_output_lists_every_problem(tmp_path: Path) -> None:
    write(tmp_path, INVALID)
    result = heady("validate", "--json", cwd=tmp_path, env={"HEADY_SECRET_NOTES_TOKEN": "t-abc-123"})
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document["valid"] is False
    assert document["errors"] == 3
    assert document["warnings"] == 0
    assert [(p["line"], p["column"], p["path"], p["severity"]) for p in document["problems"]] == [
        (5, 5, "servers.notes.helthcheck", "error"),
        (9, 11, "servers.slow.port", "error"),
        (10, 14, "servers.slow.timeout", "error"),
    ]
    assert document["problems"][0]["hint"] == "did you mean 'healthcheck'?"
    assert "t-abc-123" not in result.stdout


def test_json_output_of_a_valid_file(tmp_path: Path) -> None:
    write(tmp_path, VALID)
    result = heady("validate", "--json", "--env", "prod", cwd=tmp_path)
    assert result.returncode == 0
    document = json.loads(result.stdout)
    assert document["valid"] is True
    assert document["env"] == "prod"
    assert document["servers"] == ["notes", "memory"]
    assert [p["severity"] for p in document["problems"]] == ["warning"]


def test_missing_file_and_unknown_env_exit_2(tmp_path: Path) -> None:
    missing = heady("validate", "-f", "absent.yaml", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr == (
        "error: absent.yaml: no such file (hint: run 'heady init' to create one, or pass -f FILE)\n"
    )
    write(tmp_path, VALID)
    unknown = heady("validate", "--env", "stage", cwd=tmp_path)
    assert unknown.returncode == 2
    assert unknown.stderr == (
        "error: mcp-compose.yaml:8:1: environments: no environment named 'stage' "
        "(hint: defined environments: prod)\n"
    )
    as_json = heady("validate", "-f", "absent.yaml", "--json", cwd=tmp_path)
    assert as_json.returncode == 2
    assert json.loads(as_json.stdout)["problems"][0]["message"] == "no such file"


def test_malformed_yaml_exits_1_without_traceback(tmp_path: Path) -> None:
    write(tmp_path, "servers:\n  notes: [python\n")
    result = heady("validate", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0].startswith("mcp-compose.yaml:3:1: not valid YAML: ")
    assert "Traceback" not in result.stdout + result.stderr


def test_example_stack_is_valid() -> None:
    result = heady("validate", "-f", "examples/mcp-compose.yaml", cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("examples/mcp-compose.yaml: valid, ")


def test_print_schema_matches_the_model(tmp_path: Path) -> None:
    result = heady("validate", "--print-schema", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == render_schema()


def test_help_has_examples(tmp_path: Path) -> None:
    result = heady("validate", "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "heady validate -f examples/mcp-compose.yaml --env prod" in result.stdout
