"""heady.scaffold: the starter files validate, and the starter server really runs and answers."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastmcp import Client

from conftest import PYTHON, HttpServer
from heady.compose import load_compose
from heady.scaffold import ScaffoldError, default_name, init_project

StartServer = Callable[..., HttpServer]


@pytest.mark.parametrize(
    ("folder", "name"),
    [
        ("notes", "notes"),
        ("My Service", "my-service"),
        ("2024_tools!", "tools"),
        ("123", "mcp-server"),
        ("x" * 80, "x" * 63),
    ],
)
def test_default_name_is_a_valid_project_name(tmp_path: Path, folder: str, name: str) -> None:
    assert default_name(tmp_path / folder) == name


def test_writes_a_compose_file_that_validates(tmp_path: Path) -> None:
    written = init_project(tmp_path / "svc", name="weather-api")
    assert [p.relative_to(tmp_path) for p in written] == [
        Path("svc/mcp-compose.yaml"),
        Path("svc/servers/weather_api.py"),
    ]
    compose = load_compose(written[0])
    assert compose.project == "weather-api"
    server = compose.servers["weather-api"]
    assert server.command == ["python", "servers/weather_api.py"]
    assert server.transport == "http" and server.port == 9101
    assert server.risk.tools["delete_item"] == "high"
    assert server.env["STATE_URL"] == "sqlite:///.heady/weather_api.db"
    assert compose.gateway.listen.startswith("127.0.0.1:")
    assert load_compose(written[0], env="prod").gateway.telemetry.labels == {"env": "prod"}


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    compose, server = init_project(tmp_path, name="demo")
    server.write_text("# my edits\n")
    with pytest.raises(ScaffoldError, match=r"demo\.py already exist; pass --force"):
        init_project(tmp_path, name="demo")
    compose.unlink()
    with pytest.raises(ScaffoldError, match=r"demo\.py already exists; pass --force"):
        init_project(tmp_path, name="demo")
    assert not compose.exists()  # nothing is written when anything is in the way
    assert server.read_text() == "# my edits\n"
    init_project(tmp_path, name="demo", force=True)
    assert "FastMCP" in server.read_text()


@pytest.mark.parametrize("name", ["Demo", "1demo", "demo app", "d" * 64])
def test_rejects_a_bad_name(tmp_path: Path, name: str) -> None:
    with pytest.raises(ScaffoldError, match="lowercase letters, digits"):
        init_project(tmp_path, name=name)
    assert not (tmp_path / "mcp-compose.yaml").exists()


def test_rejects_a_file_as_the_folder(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("")
    with pytest.raises(ScaffoldError, match="is a file, not a folder"):
        init_project(target)


async def test_the_starter_server_runs_and_answers_tool_calls(
    tmp_path: Path, http_server: StartServer
) -> None:
    compose_path, script = init_project(tmp_path, name="demo")
    compose = load_compose(compose_path)
    server = http_server(script, cwd=tmp_path, env=compose.servers["demo"].env)
    async with Client(server.url) as client:
        tools = {tool.name: tool for tool in await client.list_tools()}
        added = await client.call_tool("add_item", {"name": "first", "value": "one"})
        listed = await client.call_tool("list_items", {})
        missing = await client.call_tool("get_item", {"id": 99}, raise_on_error=False)
        deleted = await client.call_tool("delete_item", {"id": 1})
    async with httpx.AsyncClient() as http:
        health = await http.get(f"{server.base}/healthz")

    assert tools["get_item"].annotations.read_only_hint is True
    assert tools["delete_item"].annotations.destructive_hint is True
    assert added.structured_content is not None and added.structured_content["name"] == "first"
    assert listed.structured_content is not None and listed.structured_content["count"] == 1
    assert missing.is_error and "no item with id 99" in missing.content[0].text
    assert deleted.structured_content == {"id": 1, "deleted": True}
    assert health.json() == {"status": "ok"}
    assert (tmp_path / ".heady" / "demo.db").is_file()  # state on disk, relative to cwd

    server.stop()
    records = [json.loads(line) for line in server.log.read_text().splitlines() if line.strip()]
    calls = [(r["tool_name"], r["status"]) for r in records if "tool_name" in r]
    assert calls == [("add_item", "ok"), ("list_items", "ok"), ("get_item", "error"), ("delete_item", "ok")]


async def test_the_starter_server_keeps_state_across_restarts(
    tmp_path: Path, http_server: StartServer
) -> None:
    _, script = init_project(tmp_path, name="demo")
    env = {"STATE_URL": f"sqlite:///{tmp_path / 'state.db'}"}
    first = http_server(script, cwd=tmp_path, env=env)
    async with Client(first.url) as client:
        await client.call_tool("add_item", {"name": "kept"})
    first.stop()
    second = http_server(script, cwd=tmp_path, env=env)
    async with Client(second.url) as client:
        item = await client.call_tool("get_item", {"id": 1})
    assert item.structured_content is not None and item.structured_content["name"] == "kept"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORT": "", "STATE_URL": "sqlite:///x.db"}, "PORT='' is not a TCP port"),
        ({"PORT": "9101", "STATE_URL": "redis://127.0.0.1:6379/0"}, "is not a sqlite:/// URL"),
    ],
)
def test_the_starter_server_explains_bad_settings(tmp_path: Path, env: dict[str, str], message: str) -> None:
    _, script = init_project(tmp_path, name="demo")
    done = subprocess.run(
        [PYTHON, str(script)],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_the_starter_server_passes_ruff(tmp_path: Path) -> None:
    """What users start from is lint-clean and formatted, so their CI is green on day one."""
    _, script = init_project(tmp_path, name="demo")
    ruff = str(Path(PYTHON).parent / "ruff")
    for args in (["check", "--select", "E,F,W,I,B,UP,SIM,RUF,ASYNC"], ["format", "--check"]):
        done = subprocess.run(
            [ruff, *args, "--line-length", "110", "--isolated", str(script)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr
