"""heady.clients.files: writing into a client's file keeps everything else the user has there."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from heady.clients import ClientConfig, ClientFileError, client_configs, write_config
from heady.compose import ComposeFile


def config_for(client: str, **gateway: object) -> ClientConfig:
    compose = ComposeFile.model_validate(
        {"project": "team", "gateway": gateway, "servers": {"m": {"command": ["npx", "m"]}}}
    )
    (config,) = client_configs(compose, [client])
    return config


def test_writes_a_new_file_in_its_folder(tmp_path: Path) -> None:
    path, existed = write_config(config_for("cursor"), tmp_path)
    assert (path, existed) == (tmp_path / ".cursor" / "mcp.json", False)
    assert json.loads(path.read_text()) == {"mcpServers": {"team": {"url": "http://127.0.0.1:8080/mcp"}}}
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in path.parent.iterdir()] == ["mcp.json"]  # no temporary file left


def test_merges_into_an_existing_file_keeping_other_servers(tmp_path: Path) -> None:
    path = tmp_path / ".mcp.json"
    mine = {"mcpServers": {"github": {"type": "http", "url": "https://x"}, "team": {"url": "old"}}, "x": 1}
    path.write_text(json.dumps(mine))
    path.chmod(0o600)
    _, existed = write_config(config_for("claude-code"), tmp_path)
    assert existed
    assert json.loads(path.read_text()) == {
        "mcpServers": {
            "github": {"type": "http", "url": "https://x"},
            "team": {"type": "http", "url": "http://127.0.0.1:8080/mcp"},
        },
        "x": 1,
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_vscode_inputs_are_replaced_by_id_and_others_kept(tmp_path: Path) -> None:
    path = tmp_path / ".vscode" / "mcp.json"
    path.parent.mkdir()
    theirs = {"type": "promptString", "id": "github-pat", "password": True}
    stale = {"type": "promptString", "id": "heady-token", "description": "old"}
    path.write_text(json.dumps({"servers": {}, "inputs": [theirs, stale]}))
    write_config(config_for("vscode", auth={"mode": "oidc"}), tmp_path)
    document = json.loads(path.read_text())
    assert [i["id"] for i in document["inputs"]] == ["github-pat", "heady-token"]
    assert document["inputs"][1]["description"] == "Access token for the Heady gateway"


def test_an_empty_file_is_filled(tmp_path: Path) -> None:
    (tmp_path / "mcp_config.json").write_text("  \n")
    path, existed = write_config(config_for("windsurf"), tmp_path)
    assert existed and "serverUrl" in json.loads(path.read_text())["mcpServers"]["team"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"mcpServers": {"a": 1},\n  // comment\n}', r"\.mcp\.json:2:3: not plain JSON"),
        ("[1, 2]", "holds a JSON list, not an object"),
        ('{"mcpServers": []}', "'mcpServers' is not an object"),
    ],
)
def test_a_file_it_cannot_merge_is_left_alone_with_a_clear_error(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / ".mcp.json"
    path.write_text(text)
    with pytest.raises(ClientFileError, match=message):
        write_config(config_for("claude-code"), tmp_path)
    assert path.read_text() == text
