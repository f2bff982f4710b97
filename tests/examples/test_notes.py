"""examples/servers/notes.py, run for real over HTTP and called with fastmcp.Client."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastmcp import Client
from fastmcp.exceptions import ToolError

from conftest import EXAMPLES, PYTHON, HttpServer

NOTES = EXAMPLES / "servers" / "notes.py"
StartServer = Callable[..., HttpServer]


@pytest.fixture
def notes(http_server: StartServer, tmp_path: Path) -> HttpServer:
    return http_server(NOTES, env={"NOTES_DB": str(tmp_path / "notes.db")})


async def test_tools_carry_annotations_and_output_schemas(notes: HttpServer) -> None:
    async with Client(notes.url) as client:
        tools = {tool.name: tool for tool in await client.list_tools()}
    assert set(tools) == {"add_note", "get_note", "search_notes", "delete_note"}
    assert tools["get_note"].annotations.read_only_hint is True
    assert tools["search_notes"].annotations.read_only_hint is True
    assert tools["delete_note"].annotations.destructive_hint is True
    assert tools["add_note"].annotations.read_only_hint is False
    for tool in tools.values():
        assert tool.output_schema is not None and tool.output_schema["type"] == "object"


async def test_add_get_search_delete_round_trip(notes: HttpServer) -> None:
    async with Client(notes.url) as client:
        added = await client.call_tool(
            "add_note", {"title": "  Deploy plan ", "body": "ship on Friday", "tags": ["ops", "q3", "ops"]}
        )
        note = added.structured_content
        assert note is not None
        assert note["title"] == "Deploy plan" and note["body"] == "ship on Friday"
        assert note["tags"] == ["ops", "q3"]
        await client.call_tool("add_note", {"title": "Lunch", "body": "pizza"})

        fetched = await client.call_tool("get_note", {"id": note["id"]})
        assert fetched.structured_content == note

        by_body = await client.call_tool("search_notes", {"query": "friday"})
        assert by_body.structured_content is not None
        assert [n["id"] for n in by_body.structured_content["notes"]] == [note["id"]]
        by_tag = await client.call_tool("search_notes", {"query": "q3"})
        assert by_tag.structured_content is not None and by_tag.structured_content["count"] == 1
        everything = await client.call_tool("search_notes", {"query": "", "limit": 1})
        assert everything.structured_content is not None
        assert [n["title"] for n in everything.structured_content["notes"]] == ["Lunch"]

        deleted = await client.call_tool("delete_note", {"id": note["id"]})
        assert deleted.structured_content == {"id": note["id"], "deleted": True}
        with pytest.raises(ToolError, match=f"no note with id {note['id']}"):
            await client.call_tool("get_note", {"id": note["id"]})


async def test_search_treats_wildcards_as_text(notes: HttpServer) -> None:
    async with Client(notes.url) as client:
        await client.call_tool("add_note", {"title": "growth", "body": "up 50% this week"})
        await client.call_tool("add_note", {"title": "other", "body": "up 500 this week"})
        found = await client.call_tool("search_notes", {"query": "50%"})
        none = await client.call_tool("search_notes", {"query": "_"})
    assert found.structured_content is not None
    assert [n["title"] for n in found.structured_content["notes"]] == ["growth"]
    assert none.structured_content == {"query": "_", "count": 0, "notes": []}


BAD_CALLS = [
    ("get_note", {"id": 4242}, "no note with id 4242"),
    ("delete_note", {"id": 4242}, "no note with id 4242"),
    ("add_note", {"title": "   "}, "title is blank"),
    ("add_note", {"title": "x", "tags": ["Not A Tag"]}, "tags.0"),
    ("add_note", {"title": "x" * 201}, "title"),
    ("search_notes", {"query": "x", "limit": 0}, "limit"),
    ("get_note", {"id": 0}, "greater than or equal to 1"),
]


async def test_bad_input_is_a_tool_error_naming_the_cause(notes: HttpServer) -> None:
    async with Client(notes.url) as client:
        for tool, arguments, message in BAD_CALLS:
            result = await client.call_tool(tool, arguments, raise_on_error=False)
            assert result.is_error, (tool, arguments)
            assert message in result.content[0].text, (tool, arguments)
        listed = await client.call_tool("search_notes", {})
    assert listed.structured_content is not None and listed.structured_content["count"] == 0


async def test_state_lives_in_the_database_not_the_process(http_server: StartServer, tmp_path: Path) -> None:
    env = {"NOTES_DB": str(tmp_path / "shared.db")}
    first, second = http_server(NOTES, env=env), http_server(NOTES, env=env)
    async with Client(first.url) as client:
        added = await client.call_tool("add_note", {"title": "shared"})
    assert added.structured_content is not None
    note_id = added.structured_content["id"]
    async with Client(second.url) as client:
        fetched = await client.call_tool("get_note", {"id": note_id})
    assert fetched.structured_content is not None and fetched.structured_content["title"] == "shared"

    first.stop()
    assert "Finished server process" in first.log.read_text()  # it shut down cleanly on SIGTERM
    restarted = http_server(NOTES, env=env)
    async with Client(restarted.url) as client:
        again = await client.call_tool("get_note", {"id": note_id})
    assert again.structured_content == fetched.structured_content


async def test_default_database_is_under_the_working_directory(
    http_server: StartServer, tmp_path: Path
) -> None:
    server = http_server(NOTES, cwd=tmp_path, env={"NOTES_DB": ""})
    async with Client(server.url) as client:
        await client.call_tool("add_note", {"title": "here"})
    assert (tmp_path / ".heady" / "notes.db").is_file()


async def test_healthz_and_json_logs(notes: HttpServer) -> None:
    async with httpx.AsyncClient() as http:
        health = await http.get(f"{notes.base}/healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    async with Client(notes.url) as client:
        await client.call_tool("add_note", {"title": "logged"})
        await client.call_tool("get_note", {"id": 999}, raise_on_error=False)
    notes.stop()
    lines = [json.loads(line) for line in notes.log.read_text().splitlines() if line.strip()]
    assert all({"timestamp", "level", "server_id", "message"} <= set(line) for line in lines)
    calls = [line for line in lines if line.get("tool_name")]
    assert [(c["tool_name"], c["status"]) for c in calls] == [("add_note", "ok"), ("get_note", "error")]
    assert all(c["server_id"] == "notes" and c["request_id"] and c["duration_ms"] >= 0 for c in calls)
    assert "no note with id 999" in calls[1]["error"]


def test_bad_port_is_a_clear_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [PYTHON, str(NOTES)],
        cwd=tmp_path,
        env={"PORT": "http", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "PORT='http' is not a TCP port" in done.stderr
