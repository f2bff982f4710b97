"""Environment overlays: mappings merge, lists and scalars replace, positions follow the overlay."""

from __future__ import annotations

from pathlib import Path

import pytest
from compose_support import ComposeDir

from heady.compose import ComposeError, ComposeUsageError
from heady.compose.loader import overlay_problems
from heady.compose.overlay import deep_merge
from heady.secrets import EnvSecrets

FILE = """
gateway:
  listen: 127.0.0.1:8080
  limits: {timeout: 30s, max_in_flight: 64}
  telemetry:
    labels: {env: dev, region: local}
servers:
  notes:
    command: [python, -m, notes]
    port: 9101
    env: {NOTES_DB: dev.db, LOG: debug}
    depends_on: [memory]
    scopes: {server: [notes:read, notes:write]}
  memory:
    command: [npx, -y, "@modelcontextprotocol/server-memory"]
environments:
  prod:
    gateway:
      limits: {timeout: 10s}
      telemetry:
        labels: {env: prod}
    servers:
      notes:
        env: {NOTES_DB: prod.db}
        depends_on: []
        scopes: {server: [notes:read]}
        autoscale: {min: 3, max: 6}
  broken:
    servers:
      notes:
        port: 80a
        healthcheck: {intervall: 5s}
  empty:
"""


@pytest.fixture
def compose_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ComposeDir:
    return ComposeDir.create(tmp_path, monkeypatch)


def test_dicts_merge_and_lists_replace(compose_dir: ComposeDir) -> None:
    compose = compose_dir.load(FILE, env="prod")
    assert compose.environment == "prod"
    gateway = compose.gateway
    assert gateway.limits.timeout == 10.0
    assert gateway.limits.max_in_flight == 64
    assert gateway.telemetry.labels == {"env": "prod", "region": "local"}
    notes = compose.servers["notes"]
    assert notes.env == {"NOTES_DB": "prod.db", "LOG": "debug"}
    assert notes.depends_on == []
    assert notes.scopes.server == ["notes:read"]
    assert notes.autoscale is not None and notes.autoscale.min == 3
    assert notes.port == 9101


def test_base_is_used_without_env_and_empty_overlay_changes_nothing(compose_dir: ComposeDir) -> None:
    base = compose_dir.load(FILE)
    assert base.environment is None
    assert base.servers["notes"].env["NOTES_DB"] == "dev.db"
    assert base.servers["notes"].depends_on == ["memory"]
    empty = compose_dir.load(FILE, env="empty")
    assert empty.model_dump(exclude={"environments"}) == base.model_dump(exclude={"environments"})


def test_errors_inside_an_overlay_point_at_the_overlay_line(compose_dir: ComposeDir) -> None:
    assert compose_dir.problems(FILE, env="broken") == [
        "mcp-compose.yaml:30:15: servers.notes.port: expected a valid integer, got '80a' "
        "(hint: write a whole number)",
        "mcp-compose.yaml:31:23: servers.notes.healthcheck.intervall: unknown field 'intervall' "
        "(hint: did you mean 'interval'?)",
    ]


def test_unknown_environment_lists_the_defined_ones(compose_dir: ComposeDir) -> None:
    with pytest.raises(ComposeUsageError) as caught:
        compose_dir.load(FILE, env="stage")
    assert str(caught.value) == (
        "mcp-compose.yaml:15:1: environments: no environment named 'stage' "
        "(hint: defined environments: broken, empty, prod)"
    )


def test_overlay_must_be_a_mapping(compose_dir: ComposeDir) -> None:
    with pytest.raises(ComposeError) as caught:
        compose_dir.load("servers: {}\nenvironments:\n  prod: [a]\n", env="prod")
    assert str(caught.value) == (
        "mcp-compose.yaml:3:9: environments.prod: an environment overlay must be a mapping "
        "(hint: write the fields to change, e.g. prod: {gateway: {auth: {mode: oidc}}})"
    )


def test_deep_merge_semantics() -> None:
    base = {"a": {"b": 1, "c": [1, 2]}, "d": "x"}
    overlay = {"a": {"c": [3], "e": None}, "d": {"now": "a map"}}
    assert deep_merge(base, overlay) == {"a": {"b": 1, "c": [3], "e": None}, "d": {"now": "a map"}}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": "x"}


def test_overlay_problems_checks_every_overlay_once(compose_dir: ComposeDir) -> None:
    path = compose_dir.write(
        FILE
        + """
  stage:
    gateway: {listen: "0.0.0.0:8081"}
    servers:
      notes: {env: {TOKEN: "${secret:stage_only}"}}
"""
    )
    found = overlay_problems(path, environ=compose_dir.environ, secrets=EnvSecrets({}))
    assert [(p.line, p.path, p.severity) for p in found] == [
        (30, "environments.broken.servers.notes.port", "error"),
        (31, "environments.broken.servers.notes.healthcheck.intervall", "error"),
        (35, "environments.stage.gateway.listen", "warning"),
    ]


def test_overlay_problems_include_a_nested_environments_section(compose_dir: ComposeDir) -> None:
    path = compose_dir.write(
        """
        servers: {notes: {command: [python, -m, notes]}}
        environments:
          prod:
            environments: {}
        """
    )
    assert [str(p) for p in overlay_problems(path, environ=compose_dir.environ)] == [
        f"{path}:4:5: environments.prod.environments: an overlay cannot define environments "
        "(hint: move it to the top-level environments section)"
    ]
