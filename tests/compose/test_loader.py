"""Golden messages: each class of problem, with its file:line:column, field path and hint."""

from __future__ import annotations

from pathlib import Path

import pytest
from compose_support import ComposeDir

from heady.compose import ComposeError, ComposeUsageError, load_compose


@pytest.fixture
def compose_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ComposeDir:
    return ComposeDir.create(tmp_path, monkeypatch)


def test_valid_file_loads_with_values_resolved(compose_dir: ComposeDir) -> None:
    compose_dir.environ["NOTES_PORT"] = "9201"
    compose = compose_dir.load(
        """
        project: demo
        servers:
          notes:
            command: python -m notes
            port: ${NOTES_PORT}
            healthcheck: {interval: 500ms}
        """
    )
    notes = compose.servers["notes"]
    assert notes.port == 9201
    assert notes.healthcheck.interval == 0.5
    assert compose.path == compose_dir.root / "mcp-compose.yaml"
    assert compose.base_dir == compose_dir.root
    assert compose.warnings == []


def test_unknown_field_gets_did_you_mean(compose_dir: ComposeDir) -> None:
    assert compose_dir.problems(
        """
        servers:
          notes:
            command: [python, -m, notes]
            helthcheck: {interval: 10s}
        """
    ) == [
        "mcp-compose.yaml:4:5: servers.notes.helthcheck: unknown field 'helthcheck' "
        "(hint: did you mean 'healthcheck'?)"
    ]


def test_unknown_field_without_close_match_lists_allowed_fields(compose_dir: ComposeDir) -> None:
    assert compose_dir.problems(
        """
        gateway:
          limits: {zzz: 1}
        """
    ) == [
        "mcp-compose.yaml:2:12: gateway.limits.zzz: unknown field 'zzz' (hint: allowed here: "
        "max_request_bytes, max_response_bytes, timeout, max_in_flight, max_queue)"
    ]


def test_bad_duration(compose_dir: ComposeDir) -> None:
    assert compose_dir.problems(
        """
        servers:
          notes:
            command: [python, -m, notes]
            healthcheck:
              interval: 10 sec
        """
    ) == [
        "mcp-compose.yaml:5:17: servers.notes.healthcheck.interval: '10 sec' is not a duration "
        "(hint: write it as 500ms, 10s, 5m or 1h; a bare number is seconds)"
    ]


def test_bad_size(compose_dir: ComposeDir) -> None:
    assert compose_dir.problems(
        """
        gateway:
          limits:
            max_response_bytes: 8 MBB
        """
    ) == [
        "mcp-compose.yaml:3:25: gateway.limits.max_response_bytes: '8 MBB' is not a size "
        "(hint: write it as 512KiB, 1MiB or 8MB; a bare number is bytes)"
    ]


def test_bad_rate(compose_dir: ComposeDir) -> None:
    assert compose_dir.problems(
        """
        gateway:
          rate_limit: {rate: fast}
        """
    ) == [
        "mcp-compose.yaml:2:22: gateway.rate_limit.rate: 'fast' is not a rate "
        "(hint: write it as 50/s, 600/m or 10000/h; a bare number is per second)"
    ]


def test_missing_variable_names_it_and_the_fix(compose_dir: ComposeDir) -> None:
    assert compose_dir.problems(
        """
        servers:
          notes:
            command: [python, -m, notes]
            env: {NOTES_DB: "${NOTES_DB}"}
        """
    ) == [
        "mcp-compose.yaml:4:21: servers.notes.env.NOTES_DB: environment variable NOTES_DB is not set "
        "(hint: export NOTES_DB or write ${NOTES_DB:-default})"
    ]


def test_missing_secret_says_where_to_put_it(compose_dir: ComposeDir) -> None:
    assert compose_dir.problems(
        """
        servers:
          notes:
            command: [python, -m, notes]
            env:
              TOKEN: ${secret:notes_token}
        """
    ) == [
        "mcp-compose.yaml:5:14: servers.notes.env.TOKEN: secret 'notes_token' is not set "
        "(hint: export HEADY_SECRET_NOTES_TOKEN=... or write it to "
        f"{compose_dir.secrets_dir / 'notes_token'})"
    ]


def test_invalid_value_from_a_secret_never_shows_the_value(compose_dir: ComposeDir) -> None:
    compose_dir.secret("timeout", "hunter2-is-secret")
    compose_dir.environ["HEADY_SECRET_LISTEN"] = "hunter3-also-secret"
    with pytest.raises(ComposeError) as caught:
        compose_dir.load(
            """
            gateway:
              listen: ${secret:listen}
            servers:
              notes:
                command: [python, -m, notes]
                timeout: ${secret:timeout}
            """
        )
    lines = [str(p) for p in caught.value.problems]
    assert lines == [
        "mcp-compose.yaml:2:11: gateway.listen: '${secret:listen}' is not host:port "
        "(hint: write it as 127.0.0.1:8080)",
        "mcp-compose.yaml:6:14: servers.notes.timeout: '${secret:timeout}' is not a duration "
        "(hint: write it as 500ms, 10s, 5m or 1h; a bare number is seconds)",
    ]
    everything = str(caught.value) + repr(caught.value)
    assert "hunter2" not in everything
    assert "hunter3" not in everything


def test_resolved_secret_is_not_in_the_model_repr(compose_dir: ComposeDir) -> None:
    compose_dir.secret("notes_token", "tok-9f8e7d6c5b4a")
    compose = compose_dir.load(
        """
        servers:
          notes:
            command: [python, -m, notes]
            env: {TOKEN: "${secret:notes_token}"}
        """
    )
    assert compose.servers["notes"].env["TOKEN"] == "tok-9f8e7d6c5b4a"
    assert "tok-9f8e7d6c5b4a" not in repr(compose)
    assert "tok-9f8e7d6c5b4a" not in str(compose.servers["notes"])
    assert "***" in repr(compose.servers["notes"])


def test_wrong_types_say_what_was_expected(compose_dir: ComposeDir) -> None:
    assert compose_dir.problems(
        """
        servers:
          notes:
            command: [python, -m, notes]
            port: ninety
            transport: tcp
            env: [A, B]
        """
    ) == [
        "mcp-compose.yaml:4:11: servers.notes.port: expected a valid integer, got 'ninety' "
        "(hint: write a whole number)",
        "mcp-compose.yaml:5:16: servers.notes.transport: expected 'http' or 'stdio', got 'tcp' "
        "(hint: transport: http or stdio; defaults to http with url or port, stdio otherwise.)",
        "mcp-compose.yaml:6:10: servers.notes.env: expected a mapping, got ['A', 'B'] "
        "(hint: write key: value pairs indented under this key)",
    ]


def test_missing_required_field_points_at_its_section(compose_dir: ComposeDir) -> None:
    assert compose_dir.problems(
        """
        gateway:
          rate_limit:
            burst: 10
        """
    ) == [
        "mcp-compose.yaml:2:3: gateway.rate_limit.rate: missing required field 'rate' "
        "(hint: rate: Sustained rate, e.g. 50/s or 600/m.)"
    ]


def test_bad_server_name(compose_dir: ComposeDir) -> None:
    assert compose_dir.problems(
        """
        servers:
          Notes Server:
            command: [python, -m, notes]
        """
    ) == [
        "mcp-compose.yaml:2:3: servers.Notes Server: 'Notes Server' is not a valid name "
        "(hint: use lowercase letters, digits, '-' and '_', starting with a letter (at most 63 characters))"
    ]


def test_empty_tool_name_is_an_error(compose_dir: ComposeDir) -> None:
    assert compose_dir.problems(
        """
        servers:
          notes:
            command: [python, -m, notes]
            risk:
              tools: {"": high}
            cache:
              search: {ttl: 0s}
        """
    ) == [
        "mcp-compose.yaml:5:15: servers.notes.risk.tools.: '' is not a tool name "
        "(hint: write the tool's name as the server lists it, without spaces)",
        "mcp-compose.yaml:7:21: servers.notes.cache.search.ttl: a cache ttl must be greater than zero "
        "(hint: write e.g. 30s, or remove the entry)",
    ]


def test_every_problem_is_reported_at_once(compose_dir: ComposeDir) -> None:
    lines = compose_dir.problems(
        """
        gateway:
          limits: {timeout: soon}
        servers:
          notes:
            command: [python, -m, notes]
            port: 9101
            depends_on: [memroy]
          slow:
            command: [python, -m, slow]
            port: 9101
            helthcheck: {}
          memory:
            command: [definitely-not-a-command-heady]
        """
    )
    assert [line.split(": ")[1] for line in lines] == [
        "gateway.limits.timeout",
        "servers.notes.depends_on[0]",
        "servers.slow.port",
        "servers.slow.helthcheck",
        "servers.memory.command[0]",
    ]


def test_malformed_yaml_is_one_message_with_position(compose_dir: ComposeDir) -> None:
    assert compose_dir.problems(
        """
        servers:
          notes:
            command: [python, -m, notes
            port: 9101
        """
    ) == [
        "mcp-compose.yaml:4:9: not valid YAML: expected ',' or ']', but got ':' "
        "(hint: while parsing a flow sequence at line 3; check indentation and quoting there)"
    ]


def test_duplicate_key_is_a_yaml_error(compose_dir: ComposeDir) -> None:
    assert compose_dir.problems(
        """
        servers:
          notes:
            command: [python, -m, notes]
            command: [python, -m, other]
        """
    ) == [
        'mcp-compose.yaml:4:5: not valid YAML: duplicate key "command" '
        "(hint: each key may appear once in a mapping; remove or rename one of them)"
    ]


def test_empty_file_and_non_mapping_are_errors(compose_dir: ComposeDir) -> None:
    assert compose_dir.problems("# nothing here\n") == [
        "mcp-compose.yaml: the file is empty (hint: run 'heady init' for a starter file)"
    ]
    assert compose_dir.problems("- a\n- b\n") == [
        "mcp-compose.yaml: the file must be a mapping of sections, found a list "
        "(hint: start with top-level keys such as version:, gateway: and servers:)"
    ]


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(ComposeUsageError) as caught:
        load_compose(tmp_path / "absent.yaml")
    assert str(caught.value) == (
        f"{tmp_path / 'absent.yaml'}: no such file (hint: run 'heady init' to create one, or pass -f FILE)"
    )


def test_warnings_do_not_stop_loading(compose_dir: ComposeDir) -> None:
    compose = compose_dir.load(
        """
        gateway:
          listen: 0.0.0.0:8080
        servers:
          notes: {command: [python, -m, notes]}
        """
    )
    assert [str(w) for w in compose.warnings] == [
        "mcp-compose.yaml:2:11: gateway.listen: warning: the gateway listens on 0.0.0.0, reachable from "
        "other machines, with auth.mode none (hint: listen on 127.0.0.1, or set gateway.auth.mode to "
        "builtin or oidc)"
    ]


def test_extension_keys_hold_anchors_for_reuse(compose_dir: ComposeDir) -> None:
    compose = compose_dir.load(
        """
        x-defaults: &defaults
          restart: always
          healthcheck: {interval: 5s}
          env: {UNUSED: "${NOT_SET_ANYWHERE}"}
        servers:
          a:
            <<: *defaults
            command: [python, -m, a]
            env: {A: "1"}
        """
    )
    a = compose.servers["a"]
    assert (a.restart, a.healthcheck.interval, a.env) == ("always", 5.0, {"A": "1"})


def test_problem_in_a_merged_anchor_points_at_the_anchor(compose_dir: ComposeDir) -> None:
    assert compose_dir.problems(
        """
        x-defaults: &defaults
          restart: sometimes
        servers:
          a:
            <<: *defaults
            command: [python, -m, a]
        """
    ) == [
        "mcp-compose.yaml:2:12: servers.a.restart: expected 'no', 'on-failure' or 'always', got 'sometimes' "
        "(hint: restart: When the supervisor restarts the process.)"
    ]


def test_field_in_the_wrong_section_says_where_it_belongs(compose_dir: ComposeDir) -> None:
    assert compose_dir.problems(
        """
        servers:
          notes:
            command: [python, -m, notes]
            owner: team-notes
        """
    ) == [
        "mcp-compose.yaml:4:5: servers.notes.owner: unknown field 'owner' "
        "(hint: owner belongs in the lifecycle section: lifecycle: {owner: ...})"
    ]


def test_number_bounds_say_the_bound(compose_dir: ComposeDir) -> None:
    assert compose_dir.problems(
        """
        servers:
          notes:
            command: [python, -m, notes]
            port: 70000
            replicas: 0
        """
    ) == [
        "mcp-compose.yaml:4:11: servers.notes.port: expected a number less than or equal to 65535, got 70000 "
        "(hint: port: Port of a launched http server.)",
        "mcp-compose.yaml:5:15: servers.notes.replicas: expected a number greater than or equal to 1, got 0 "
        "(hint: replicas: Processes of a stdio server.)",
    ]
