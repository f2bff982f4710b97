"""Routing and namespacing through a served gateway with real fixture servers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from gateway_support import alpha, beta, compose_for, fixture_server, rpc, serve

from conftest import free_port

__all__ = ["alpha", "beta"]


@pytest.fixture(scope="module")
def gamma() -> Iterator[int]:
    with fixture_server("gamma") as port:
        yield port


@pytest.fixture(scope="module")
def paged() -> Iterator[int]:
    with fixture_server("paged", page_size=3) as port:
        yield port


async def names(client: httpx.AsyncClient, url: str, method: str = "tools/list") -> list[str]:
    key = {"tools/list": "tools", "prompts/list": "prompts"}[method]
    result = (await rpc(client, url, method)).json()["result"]
    return [item["name"] for item in result[key]]


async def test_names_are_prefixed_and_stable_when_a_server_is_added(
    alpha: int, beta: int, gamma: int
) -> None:
    async with httpx.AsyncClient() as client:
        async with serve(compose_for({"beta": beta, "alpha": alpha})) as gw:
            two = await names(client, gw.url)
            two_prompts = await names(client, gw.url, "prompts/list")
        async with serve(compose_for({"alpha": alpha, "gamma": gamma, "beta": beta})) as gw:
            three = await names(client, gw.url)
    assert all(n.startswith(("alpha__", "beta__")) for n in two)
    assert two[0] == "alpha__echo"  # servers in name order, each in its own order
    assert two_prompts == ["alpha__greet", "beta__greet"]
    assert [n for n in three if not n.startswith("gamma__")] == two
    assert "gamma__whoami" in three


async def test_custom_separator(alpha: int) -> None:
    async with serve(compose_for({"alpha": alpha}, tool_separator=".")) as gw, httpx.AsyncClient() as client:
        assert "alpha.echo" in await names(client, gw.url)
        call = await rpc(client, gw.url, "tools/call", {"name": "alpha.whoami", "arguments": {}})
        assert call.json()["result"]["content"][0]["text"] == "alpha"


async def test_schemas_and_annotations_pass_through(alpha: int) -> None:
    async with serve(compose_for({"alpha": alpha})) as gw, httpx.AsyncClient() as client:
        direct = (await rpc(client, f"http://127.0.0.1:{alpha}/mcp", "tools/list")).json()["result"]["tools"]
        merged = (await rpc(client, gw.url, "tools/list")).json()["result"]["tools"]
        by_name = {t["name"]: t for t in direct}
        for tool in merged:
            original = by_name[tool["name"].removeprefix("alpha__")]
            assert {**tool, "name": original["name"]} == original


async def test_single_server_endpoint_and_unknown_server(alpha: int, beta: int) -> None:
    async with serve(compose_for({"alpha": alpha, "beta": beta})) as gw, httpx.AsyncClient() as client:
        assert "echo" in await names(client, f"{gw.base}/servers/alpha/mcp")
        uri = "memo://today"
        read = await rpc(client, f"{gw.base}/servers/beta/mcp", "resources/read", {"uri": uri})
        assert read.json()["result"]["contents"][0] == {
            "uri": uri,
            "mimeType": "text/plain",
            "text": "memo of beta",
        }
        assert (await rpc(client, f"{gw.base}/servers/nope/mcp", "tools/list")).status_code == 404


async def test_unknown_tool_names_the_rule(alpha: int) -> None:
    async with serve(compose_for({"alpha": alpha})) as gw, httpx.AsyncClient() as client:
        for name in ("echo", "nope__echo", "alpha__"):
            response = await rpc(client, gw.url, "tools/call", {"name": name, "arguments": {}})
            error = response.json()["error"]
            assert error["code"] == -32602, name
            assert "<server>__<tool>" in error["message"]


async def test_include_and_exclude(alpha: int, beta: int) -> None:
    servers: dict[str, Any] = {
        "alpha": {"url": f"http://127.0.0.1:{alpha}/mcp", "tools": {"exclude": ["admin_*", "sleep"]}},
        "beta": {"url": f"http://127.0.0.1:{beta}/mcp", "tools": {"include": ["echo", "who*"]}},
    }
    async with serve(compose_for(servers)) as gw, httpx.AsyncClient() as client:
        listed = await names(client, gw.url)
        assert "alpha__admin_reset" not in listed and "alpha__sleep" not in listed
        assert "alpha__echo" in listed
        assert [n for n in listed if n.startswith("beta__")] == ["beta__echo", "beta__whoami"]
        hidden = await rpc(client, gw.url, "tools/call", {"name": "alpha__admin_reset", "arguments": {}})
        assert hidden.json()["error"]["code"] == -32602
        single = await names(client, f"{gw.base}/servers/beta/mcp")
        assert single == ["echo", "whoami"]
        hidden = await rpc(
            client, f"{gw.base}/servers/beta/mcp", "tools/call", {"name": "add", "arguments": {}}
        )
        assert "not exposed" in hidden.json()["error"]["message"]


async def test_cursors_carry_the_backend(alpha: int, paged: int) -> None:
    async with serve(compose_for({"alpha": alpha, "paged": paged})) as gw, httpx.AsyncClient() as client:
        everything: list[str] = []
        cursor = None
        pages = 0
        while True:
            params = {"cursor": cursor} if cursor else {}
            result = (await rpc(client, gw.url, "tools/list", params)).json()["result"]
            everything += [t["name"] for t in result["tools"]]
            pages += 1
            cursor = result.get("nextCursor")
            if not cursor or pages > 10:
                break
        direct = await names(client, gw.url.replace("/mcp", "/servers/alpha/mcp"))
        assert pages == -(
            -len(direct) // 3
        )  # the paged server gives 3 at a time; alpha's all come on page one
        assert everything[: len(direct)] == [f"alpha__{n}" for n in direct]
        paged_names = [n for n in everything if n.startswith("paged__")]
        assert len(paged_names) == len(set(paged_names)) == len(direct)
        bad = await rpc(client, gw.url, "tools/list", {"cursor": "bm90LW91cnM="})
        assert bad.json()["error"]["code"] == -32602
        # the single-server view passes the server's own cursors through
        first = (await rpc(client, f"{gw.base}/servers/paged/mcp", "tools/list")).json()["result"]
        assert len(first["tools"]) == 3 and first["nextCursor"]


async def test_resource_uris_round_trip(alpha: int, beta: int) -> None:
    async with serve(compose_for({"alpha": alpha, "beta": beta})) as gw, httpx.AsyncClient() as client:
        resources = (await rpc(client, gw.url, "resources/list")).json()["result"]["resources"]
        assert [r["uri"] for r in resources] == ["heady://alpha/memo://today", "heady://beta/memo://today"]
        templates = (await rpc(client, gw.url, "resources/templates/list")).json()["result"][
            "resourceTemplates"
        ]
        assert [t["uriTemplate"] for t in templates] == [
            "heady://alpha/note://{key}/text",
            "heady://beta/note://{key}/text",
        ]
        read = (await rpc(client, gw.url, "resources/read", {"uri": "heady://beta/note://k1/text"})).json()
        assert read["result"]["contents"][0]["uri"] == "heady://beta/note://k1/text"
        assert read["result"]["contents"][0]["text"] == "note k1 of beta"
        unknown = await rpc(client, gw.url, "resources/read", {"uri": "memo://today"})
        assert unknown.json()["error"]["code"] == -32602


async def test_completion_routes_by_prompt(alpha: int, beta: int) -> None:
    async with serve(compose_for({"alpha": alpha, "beta": beta})) as gw, httpx.AsyncClient() as client:
        argument = {"name": "who", "value": "A"}
        unknown = {"ref": {"type": "ref/prompt", "name": "nope__greet"}, "argument": argument}
        error = (await rpc(client, gw.url, "completion/complete", unknown)).json()["error"]
        assert error["code"] == -32602 and "unknown prompt" in error["message"]
        # The fixture has no completion handler: the answer is the server's own, so the call reached it.
        routed = {"ref": {"type": "ref/prompt", "name": "beta__greet"}, "argument": argument}
        error = (await rpc(client, gw.url, "completion/complete", routed)).json()["error"]
        assert error == {"code": -32601, "message": "Method not found", "data": "completion/complete"}


async def test_one_backend_down_keeps_the_others_serving(alpha: int) -> None:
    dead = free_port()
    async with serve(compose_for({"alpha": alpha, "down": dead})) as gw, httpx.AsyncClient() as client:
        result = (await rpc(client, gw.url, "tools/list")).json()["result"]
        assert "alpha__echo" in [t["name"] for t in result["tools"]]
        assert not [t for t in result["tools"] if t["name"].startswith("down__")]
        unavailable = result["_meta"]["io.heady/unavailable"]
        assert [u["server"] for u in unavailable] == ["down"]
        assert unavailable[0]["reason"]

        call = (await rpc(client, gw.url, "tools/call", {"name": "down__echo", "arguments": {}})).json()
        assert "'down'" in call["error"]["message"]
        assert call["error"]["data"]["server"] == "down"
        ok = (await rpc(client, gw.url, "tools/call", {"name": "alpha__whoami", "arguments": {}})).json()
        assert ok["result"]["content"][0]["text"] == "alpha"

        single = (await rpc(client, f"{gw.base}/servers/down/mcp", "tools/list")).json()
        assert "'down'" in single["error"]["message"]

        ready = await client.get(gw.base + "/readyz")
        assert ready.status_code == 200
        assert ready.json()["unavailable"][0]["server"] == "down"
        discover = (await rpc(client, gw.url, "server/discover")).json()["result"]
        assert discover["_meta"]["io.heady/unavailable"][0]["server"] == "down"


async def test_readyz_is_503_when_no_backend_is_ready() -> None:
    async with serve(compose_for({"down": free_port()})) as gw, httpx.AsyncClient() as client:
        ready = await client.get(gw.base + "/readyz")
        assert ready.status_code == 503
        assert ready.json()["servers"]["down"]["state"] == "down"


async def test_timeout_is_an_error_result_naming_server_and_limit(alpha: int) -> None:
    servers = {
        "alpha": {"url": f"http://127.0.0.1:{alpha}/mcp", "tool_limits": {"sleep": {"timeout": "300ms"}}}
    }
    async with serve(compose_for(servers)) as gw, httpx.AsyncClient() as client:
        response = await rpc(
            client, gw.url, "tools/call", {"name": "alpha__sleep", "arguments": {"ms": 3000}}
        )
        result = response.json()["result"]
        assert result["isError"] is True
        assert "'alpha'" in result["content"][0]["text"]
        assert "0.3s" in result["content"][0]["text"]


async def test_overloaded_backend_answers_503_with_retry_after(alpha: int) -> None:
    servers = {
        "alpha": {"url": f"http://127.0.0.1:{alpha}/mcp", "limits": {"max_in_flight": 1, "max_queue": 0}}
    }
    async with serve(compose_for(servers)) as gw, httpx.AsyncClient(timeout=30) as client:
        slow = asyncio.create_task(
            rpc(client, gw.url, "tools/call", {"name": "alpha__sleep", "arguments": {"ms": 1500}})
        )
        await asyncio.sleep(0.3)
        refused = await rpc(client, gw.url, "tools/call", {"name": "alpha__echo", "arguments": {"text": "x"}})
        assert refused.status_code == 503
        assert int(refused.headers["retry-after"]) >= 1
        error = refused.json()["error"]
        assert error["code"] == -32003 and "'alpha'" in error["message"]
        assert (await slow).json()["result"]["content"][0]["text"] == "slept"


async def test_repeated_failures_open_the_circuit_and_calls_fail_fast_naming_the_server(alpha: int) -> None:
    async with serve(compose_for({"alpha": alpha, "down": free_port()})) as gw, httpx.AsyncClient() as client:
        kinds = []
        for _ in range(8):
            error = (await rpc(client, gw.url, "tools/call", {"name": "down__echo", "arguments": {}})).json()[
                "error"
            ]
            assert "'down'" in error["message"]
            kinds.append(error["data"]["kind"])
        assert kinds[0] == "unavailable"
        assert kinds[-1] == "circuit_open"
        ready = (await client.get(gw.base + "/readyz")).json()
        assert ready["servers"]["down"]["state"] == "circuit_open"
        ok = (
            await rpc(client, gw.url, "tools/call", {"name": "alpha__echo", "arguments": {"text": "y"}})
        ).json()
        assert ok["result"]["content"][0]["text"] == "y"
