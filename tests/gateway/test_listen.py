"""Change notifications and multi round-trip results through the gateway, on the official SDK's server."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import orjson
import pytest
from gateway_support import (
    answer,
    compose_for,
    initialize_body,
    modern_body,
    modern_headers,
    rpc,
    serve,
    wait_port,
)
from mcp import Client
from mcp_types import ElicitResult

from conftest import FIXTURES, PYTHON, free_port, stop_process


@contextlib.contextmanager
def listen_server(name: str) -> Iterator[int]:
    port = free_port()
    proc = subprocess.Popen(
        [PYTHON, str(FIXTURES / "gateway_listen_server.py"), name, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(port, proc)
        yield port
    finally:
        stop_process(proc)


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, int]]:
    with listen_server("l1") as one, listen_server("l2") as two:
        yield {"l1": one, "l2": two}


async def events(response: httpx.Response) -> AsyncIterator[Any]:
    async for line in response.aiter_lines():
        if line.startswith("data: "):
            yield orjson.loads(line[6:])


async def next_event(stream: AsyncIterator[Any]) -> Any:
    return await asyncio.wait_for(anext(stream), 10)


async def test_listen_fans_out_and_relays_changes(servers: dict[str, int]) -> None:
    async with serve(compose_for(servers)) as gw, httpx.AsyncClient(timeout=20) as client:
        wanted = {"toolsListChanged": True, "resourceSubscriptions": ["heady://l1/memo://today"]}
        body = orjson.dumps(
            modern_body("subscriptions/listen", {"notifications": wanted}, request_id="sub-1")
        )
        headers = modern_headers("subscriptions/listen")
        async with client.stream("POST", gw.url, content=body, headers=headers) as response:
            assert response.headers["content-type"] == "text/event-stream"
            assert response.headers["x-accel-buffering"] == "no"
            stream = events(response)
            ack = await next_event(stream)
            assert ack["method"] == "notifications/subscriptions/acknowledged"
            assert ack["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == "sub-1"
            assert ack["params"]["notifications"] == wanted
            await asyncio.sleep(0.5)  # the upstream listens are open once acknowledged upstream

            await rpc(client, gw.url, "tools/call", {"name": "l2__grow", "arguments": {}})
            changed = await next_event(stream)
            assert changed["method"] == "notifications/tools/list_changed"
            assert changed["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == "sub-1"

            touch = {"name": "l1__touch", "arguments": {"uri": "memo://today"}}
            await rpc(client, gw.url, "tools/call", touch)
            updated = await next_event(stream)
            assert updated["method"] == "notifications/resources/updated"
            assert updated["params"]["uri"] == "heady://l1/memo://today"


async def test_legacy_get_stream_relays_list_changes(servers: dict[str, int]) -> None:
    async with serve(compose_for(servers)) as gw, httpx.AsyncClient(timeout=20) as client:
        legacy = {"content-type": "application/json", "accept": "application/json, text/event-stream"}
        sid = (await client.post(gw.url, content=initialize_body(), headers=legacy)).headers["mcp-session-id"]
        session = {**legacy, "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25"}
        async with client.stream(
            "GET", gw.url, headers={**session, "accept": "text/event-stream"}
        ) as response:
            assert response.status_code == 200
            assert response.headers["x-accel-buffering"] == "no"
            stream = events(response)
            await asyncio.sleep(0.5)
            call = {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "tools/call",
                "params": {"name": "l1__grow", "arguments": {}},
            }
            assert (await client.post(gw.url, content=orjson.dumps(call), headers=session)).status_code == 200
            changed = await next_event(stream)
            assert changed == {"jsonrpc": "2.0", "method": "notifications/tools/list_changed", "params": {}}


async def test_input_required_round_trip_goes_back_to_the_same_server(servers: dict[str, int]) -> None:
    async with serve(compose_for(servers)) as gw, httpx.AsyncClient(timeout=20) as client:
        first = (await rpc(client, gw.url, "tools/call", {"name": "l2__ask", "arguments": {}})).json()[
            "result"
        ]
        assert first["resultType"] == "input_required"
        assert first["inputRequests"]["who"]["method"] == "elicitation/create"
        sealed = first["requestState"]
        assert sealed.startswith("h1.l2.")

        answer = {"who": {"action": "accept", "content": {"name": "Ada"}}}
        retry = {"name": "l2__ask", "arguments": {}, "requestState": sealed, "inputResponses": answer}
        final = (await rpc(client, gw.url, "tools/call", retry)).json()["result"]
        assert final["resultType"] == "complete"
        assert "state=state-of-l2" in final["content"][0]["text"]
        assert "Ada" in final["content"][0]["text"]

        elsewhere = {**retry, "name": "l1__ask"}
        error = (await rpc(client, gw.url, "tools/call", elsewhere)).json()["error"]
        assert error["code"] == -32602 and "'l1'" in error["message"]
        tampered = {**retry, "requestState": sealed[:-3] + "xyz"}
        assert (await rpc(client, gw.url, "tools/call", tampered)).json()["error"]["code"] == -32602


async def test_sdk_client_drives_input_required_through_the_gateway(servers: dict[str, int]) -> None:
    async def elicit(context: Any, params: Any) -> ElicitResult:
        return ElicitResult(action="accept", content={"name": "Grace"})

    async with (
        serve(compose_for(servers)) as gw,
        Client(gw.url, mode="2026-07-28", elicitation_callback=elicit) as client,
    ):
        result = await client.call_tool("l1__ask", {})
        assert "state=state-of-l1" in result.content[0].text  # type: ignore[union-attr]
        assert "Grace" in result.content[0].text  # type: ignore[union-attr]


async def test_input_required_to_a_json_only_legacy_session_is_a_clear_error(servers: dict[str, int]) -> None:
    async with serve(compose_for(servers)) as gw, httpx.AsyncClient(timeout=20) as client:
        legacy = {"content-type": "application/json", "accept": "application/json"}
        sid = (await client.post(gw.url, content=initialize_body(), headers=legacy)).headers["mcp-session-id"]
        call = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": "l1__ask", "arguments": {}},
        }
        response = await client.post(
            gw.url, content=orjson.dumps(call), headers={**legacy, "mcp-session-id": sid}
        )
        error = response.json()["error"]
        assert "'l1'" in error["message"] and "text/event-stream" in error["message"]


async def test_legacy_client_is_asked_for_input_on_its_stream(servers: dict[str, int]) -> None:
    asked: list[str] = []

    async def elicit(context: Any, params: Any) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action="accept", content={"name": "Linus"})

    async with (
        serve(compose_for(servers)) as gw,
        Client(gw.url, mode="legacy", elicitation_callback=elicit) as client,
    ):
        result = await client.call_tool("l2__ask", {})
        assert asked == ["Your name?"]
        assert "state=state-of-l2" in result.content[0].text  # type: ignore[union-attr]
        assert "Linus" in result.content[0].text  # type: ignore[union-attr]


async def test_legacy_resource_subscription_reaches_the_get_stream(servers: dict[str, int]) -> None:
    async with serve(compose_for(servers)) as gw, httpx.AsyncClient(timeout=20) as client:
        legacy = {"content-type": "application/json", "accept": "application/json, text/event-stream"}
        first = await client.post(gw.url, content=initialize_body(), headers=legacy)
        assert first.json()["result"]["capabilities"]["resources"]["subscribe"] is True
        session = {**legacy, "mcp-session-id": first.headers["mcp-session-id"]}

        def message(method: str, params: dict[str, Any], request_id: int) -> bytes:
            return orjson.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})

        async with client.stream(
            "GET", gw.url, headers={**session, "accept": "text/event-stream"}
        ) as response:
            stream = events(response)
            await asyncio.sleep(0.3)
            uri = "heady://l2/memo://today"
            subscribed = await client.post(
                gw.url, content=message("resources/subscribe", {"uri": uri}, 1), headers=session
            )
            assert answer(subscribed)["result"] == {}
            await asyncio.sleep(0.5)  # the stream re-plans its upstream listens
            touch = {"name": "l2__touch", "arguments": {"uri": "memo://today"}}
            await client.post(gw.url, content=message("tools/call", touch, 2), headers=session)
            updated = await next_event(stream)
            assert updated == {
                "jsonrpc": "2.0",
                "method": "notifications/resources/updated",
                "params": {"uri": uri},
            }
        bad = await client.post(
            gw.url, content=message("resources/subscribe", {"uri": "memo://x"}, 3), headers=session
        )
        assert answer(bad)["error"]["code"] == -32602
