"""${VAR}, ${VAR:-default}, $${ escapes, nesting and ${secret:name}, on real files."""

from __future__ import annotations

from pathlib import Path

import pytest
from compose_support import ComposeDir


@pytest.fixture
def compose_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ComposeDir:
    return ComposeDir.create(tmp_path, monkeypatch)


def _env(compose_dir: ComposeDir, value: str) -> str:
    compose = compose_dir.load(
        f"""
        servers:
          notes:
            command: [python, -m, notes]
            env: {{VALUE: "{value}"}}
        """
    )
    return compose.servers["notes"].env["VALUE"]


def test_variable_and_default(compose_dir: ComposeDir) -> None:
    compose_dir.environ["HOST"] = "db.local"
    assert _env(compose_dir, "${HOST}") == "db.local"
    assert _env(compose_dir, "${PORT:-5432}") == "5432"
    assert _env(compose_dir, "postgres://${HOST}:${PORT:-5432}/notes") == "postgres://db.local:5432/notes"


def test_default_applies_when_set_but_empty_and_plain_reference_keeps_empty(compose_dir: ComposeDir) -> None:
    compose_dir.environ["EMPTY"] = ""
    assert _env(compose_dir, "${EMPTY:-fallback}") == "fallback"
    assert _env(compose_dir, "[${EMPTY}]") == "[]"
    assert _env(compose_dir, "${UNSET:-}") == ""


def test_escape_gives_a_literal_reference(compose_dir: ComposeDir) -> None:
    assert _env(compose_dir, "$${HOME} and $$ and $x") == "${HOME} and $$ and $x"


def test_nested_defaults(compose_dir: ComposeDir) -> None:
    compose_dir.environ["INNER"] = "inner"
    assert _env(compose_dir, "${OUTER:-${INNER}}") == "inner"
    assert _env(compose_dir, "${OUTER:-${ALSO_UNSET:-deep}}") == "deep"
    assert _env(compose_dir, "${OUTER:-a-${INNER}-b}") == "a-inner-b"


def test_secret_from_file_and_from_environment(compose_dir: ComposeDir) -> None:
    compose_dir.secret("db_password", "from-file")
    compose_dir.environ["HEADY_SECRET_API_KEY"] = "from-env"
    assert _env(compose_dir, "${secret:db_password}") == "from-file"
    assert _env(compose_dir, "key=${secret:api-key}") == "key=from-env"
    assert _env(compose_dir, "${NOPE:-${secret:db_password}}") == "from-file"


def test_numbers_come_out_typed_after_interpolation(compose_dir: ComposeDir) -> None:
    compose_dir.environ["PORT"] = "9301"
    compose = compose_dir.load(
        """
        servers:
          notes:
            command: [python, -m, notes]
            port: ${PORT}
            timeout: ${TIMEOUT:-250ms}
        """
    )
    assert compose.servers["notes"].port == 9301
    assert compose.servers["notes"].timeout == 0.25


def test_environments_section_is_not_interpolated_unless_selected(compose_dir: ComposeDir) -> None:
    text = """
        servers:
          notes: {command: [python, -m, notes]}
        environments:
          prod:
            servers:
              notes: {env: {TOKEN: "${secret:prod_token}"}}
        """
    compose = compose_dir.load(text)
    assert compose.environments["prod"]["servers"]["notes"]["env"]["TOKEN"] == "${secret:prod_token}"
    assert [line.split(": ", 2)[2] for line in compose_dir.problems(text, env="prod")] == [
        "secret 'prod_token' is not set (hint: export HEADY_SECRET_PROD_TOKEN=... or write it to "
        f"{compose_dir.secrets_dir / 'prod_token'})"
    ]


def test_bad_references_are_errors(compose_dir: ComposeDir) -> None:
    lines = compose_dir.problems(
        """
        servers:
          notes:
            command: [python, -m, notes]
            env:
              A: ${1BAD}
              B: "${OPEN"
              C: ${secret:bad name}
              D: ${X}-${Y}
        """
    )
    hint = "(hint: write ${NAME}, ${NAME:-default} or ${secret:name}; write $${ for a literal ${)"
    assert lines == [
        f"mcp-compose.yaml:5:10: servers.notes.env.A: '${{1BAD}}' is not a valid reference {hint}",
        f"mcp-compose.yaml:6:10: servers.notes.env.B: unterminated reference '${{OPEN': missing '}}' {hint}",
        "mcp-compose.yaml:7:10: servers.notes.env.C: '${secret:bad name}' is not a valid secret name "
        "(hint: secret names use letters, digits, '.', '-' and '_')",
        "mcp-compose.yaml:8:10: servers.notes.env.D: environment variable X is not set "
        "(hint: export X or write ${X:-default})",
        "mcp-compose.yaml:8:10: servers.notes.env.D: environment variable Y is not set "
        "(hint: export Y or write ${Y:-default})",
    ]


def test_wrong_value_is_shown_with_the_reference_it_came_from(compose_dir: ComposeDir) -> None:
    compose_dir.environ["WAIT"] = "forever"
    compose_dir.environ["PORT"] = "nine"
    assert compose_dir.problems(
        """
        servers:
          notes:
            command: [python, -m, notes]
            port: ${PORT}
            timeout: ${WAIT}
        """
    ) == [
        "mcp-compose.yaml:4:11: servers.notes.port: expected a valid integer, got 'nine' (from '${PORT}') "
        "(hint: write a whole number)",
        "mcp-compose.yaml:5:14: servers.notes.timeout: 'forever' is not a duration "
        "(hint: write it as 500ms, 10s, 5m or 1h; a bare number is seconds)",
    ]
