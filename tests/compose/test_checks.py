"""Whole-file checks: ports, depends_on, cycles, commands, names, exposure."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from compose_support import ComposeDir


@pytest.fixture
def compose_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ComposeDir:
    return ComposeDir.create(tmp_path, monkeypatch)


def test_duplicate_ports_between_servers_and_with_the_gateway(compose_dir: ComposeDir) -> None:
    assert compose_dir.problems(
        """
        gateway: {listen: "127.0.0.1:9100"}
        servers:
          notes: {command: [python, -m, notes], port: 9101}
          slow: {command: [python, -m, slow], port: 9101}
          other: {command: [python, -m, other], port: 9100}
          remote: {url: "http://127.0.0.1:9101/mcp"}
        """
    ) == [
        "mcp-compose.yaml:4:45: servers.slow.port: port 9101 is already used by server 'notes' (line 3) "
        "(hint: give every server and the gateway a port of its own)",
        "mcp-compose.yaml:5:47: servers.other.port: port 9100 is already used by the gateway (line 1) "
        "(hint: give every server and the gateway a port of its own)",
    ]


def test_unknown_depends_on_gets_did_you_mean(compose_dir: ComposeDir) -> None:
    assert compose_dir.problems(
        """
        servers:
          notes:
            command: [python, -m, notes]
            depends_on: [memroy, zzz]
          memory: {command: [python, -m, memory]}
        """
    ) == [
        "mcp-compose.yaml:4:18: servers.notes.depends_on[0]: unknown server 'memroy' "
        "(hint: did you mean 'memory'?)",
        "mcp-compose.yaml:4:26: servers.notes.depends_on[1]: unknown server 'zzz' "
        "(hint: defined servers: notes, memory)",
    ]


def test_dependency_cycles_are_printed(compose_dir: ComposeDir) -> None:
    assert compose_dir.problems(
        """
        servers:
          a: {command: [python, -m, a], depends_on: [b]}
          b: {command: [python, -m, b], depends_on: [c]}
          c: {command: [python, -m, c], depends_on: [a]}
          d: {command: [python, -m, d], depends_on: [d]}
          e: {command: [python, -m, e], depends_on: [a]}
        """
    ) == [
        "mcp-compose.yaml:2:46: servers.a.depends_on[0]: dependency cycle: a -> b -> c -> a "
        "(hint: servers start in dependency order; remove one depends_on entry of the cycle)",
        "mcp-compose.yaml:5:46: servers.d.depends_on[0]: dependency cycle: d -> d "
        "(hint: servers start in dependency order; remove one depends_on entry of the cycle)",
    ]


def test_acyclic_dependencies_pass(compose_dir: ComposeDir) -> None:
    compose = compose_dir.load(
        """
        servers:
          a: {command: [python, -m, a], depends_on: [b, c]}
          b: {command: [python, -m, b], depends_on: [c]}
          c: {command: [python, -m, c]}
        """
    )
    assert compose.servers["a"].depends_on == ["b", "c"]


def test_command_not_on_path(compose_dir: ComposeDir) -> None:
    assert compose_dir.problems(
        """
        servers:
          notes:
            command: [no-such-program-heady-test, --flag]
          tool:
            command: ./bin/missing
        """
    ) == [
        "mcp-compose.yaml:3:15: servers.notes.command[0]: command 'no-such-program-heady-test' is not on "
        "PATH (hint: install it, fix the spelling, or give a path relative to the compose file's folder)",
        f"mcp-compose.yaml:5:5: servers.tool.command[0]: command './bin/missing' does not exist or is not "
        f"executable (looked in {compose_dir.root}) (hint: install it, fix the spelling, or give a path "
        "relative to the compose file's folder)",
    ]


def test_relative_command_python_and_cwd_resolve(compose_dir: ComposeDir) -> None:
    script = compose_dir.root / "bin" / "serve"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    (compose_dir.root / "srv").mkdir()
    (compose_dir.root / "srv" / "run.sh").write_text("#!/bin/sh\n")
    (compose_dir.root / "srv" / "run.sh").chmod(0o755)
    compose_dir.environ["PATH"] = "/nonexistent"
    compose = compose_dir.load(
        """
        servers:
          local: {command: ./bin/serve --port 1}
          py: {command: [python, -m, x]}
          py3: {command: [python3, -m, x]}
          incwd: {command: ./run.sh, cwd: srv}
        """
    )
    assert compose.servers["local"].command == ["./bin/serve", "--port", "1"]
    assert compose_dir.problems(
        """
        servers:
          ls: {command: ls}
          gone: {command: ./run.sh, cwd: nowhere}
        """
    ) == [
        "mcp-compose.yaml:2:8: servers.ls.command[0]: command 'ls' is not on PATH (hint: install it, "
        "fix the spelling, or give a path relative to the compose file's folder)",
        f"mcp-compose.yaml:3:34: servers.gone.cwd: working directory 'nowhere' does not exist (looked in "
        f"{compose_dir.root / 'nowhere'}) (hint: create it, or give a path relative to the compose "
        "file's folder)",
    ]


def test_server_name_with_the_tool_separator(compose_dir: ComposeDir) -> None:
    assert compose_dir.problems(
        """
        servers:
          my__notes: {command: [python, -m, notes]}
        """
    ) == [
        "mcp-compose.yaml:2:3: servers.my__notes: server name 'my__notes' contains the tool separator '__' "
        "(hint: rename the server or change gateway.tool_separator)"
    ]


def test_non_loopback_listen_warns_only_without_auth(compose_dir: ComposeDir) -> None:
    quiet = compose_dir.load(
        """
        gateway: {listen: "[::1]:8080"}
        servers: {notes: {command: [python, -m, notes]}}
        """
    )
    assert quiet.warnings == []
    with_auth = compose_dir.load(
        """
        gateway: {listen: "0.0.0.0:8080", auth: {mode: oidc, issuer: "https://id.example"}}
        servers: {notes: {command: [python, -m, notes]}}
        """
    )
    assert with_auth.warnings == []
    open_to_all = compose_dir.load(
        """
        gateway: {listen: "0.0.0.0:8080"}
        servers: {notes: {command: [python, -m, notes]}}
        """
    )
    assert [(w.severity, w.path) for w in open_to_all.warnings] == [("warning", "gateway.listen")]


def test_no_servers_is_a_warning(compose_dir: ComposeDir) -> None:
    compose = compose_dir.load("project: empty\n")
    assert [str(w) for w in compose.warnings] == [
        "mcp-compose.yaml: servers: warning: no servers are defined; the gateway would serve nothing "
        "(hint: add a server under servers:, e.g. notes: {command: [python, -m, notes]})"
    ]
