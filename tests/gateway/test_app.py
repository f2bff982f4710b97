"""The front protocol on a served gateway: both revisions, headers, sessions, security, errors."""

from __future__ import annotations

import base64

import httpx
import orjson
import pytest
from gateway_support import (
    META,
    MODERN,
    alpha,
    answer,
    beta,
    compose_for,
    modern_body,
    modern_headers,
    rpc,
    serve,
)
from gateway_support import (
    initialize_body as support_initialize_body,
)

from heady.state import MemoryStore

__all__ = ["alpha", "beta"]

LEGACY_HEADERS = {"content-type": "application/json", "accept": "application/json"}


def initialize_body(version: str = "2025-11-25") -> bytes:
    return support_initialize_body(version, {"roots": {"listChanged": True}})


def legacy(method: str, params: dict[str, object] | None = None, request_id: int | None = 1) -> bytes:
    body: dict[str, object] = {"jsonrpc": "2.0", "method": method, "params": params or {}}
    if request_id is not None:
        body["id"] = request_id
    return orjson.dumps(body)


def assert_error(response: httpx.Response, status: int, code: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code
    assert "Traceback" not in response.text
    return dict(error)


# -- 2026-07-28 ------------------------------------------------------------------------------


async def test_modern_header_validation(alpha: int) -> None:
    async with serve(compose_for({"alpha": alpha})) as gw, httpx.AsyncClient() as client:
        call = modern_body("tools/call", {"name": "alpha__echo", "arguments": {"text": "x"}})
        content = orjson.dumps(call)

        wrong_method = modern_headers("tools/list", "alpha__echo")
        error = assert_error(await client.post(gw.url, content=content, headers=wrong_method), 400, -32020)
        assert "Mcp-Method" in str(error["message"])

        no_method = modern_headers("tools/call", "alpha__echo")
        del no_method["mcp-method"]
        assert_error(await client.post(gw.url, content=content, headers=no_method), 400, -32020)

        wrong_name = modern_headers("tools/call", "alpha__whoami")
        error = assert_error(await client.post(gw.url, content=content, headers=wrong_name), 400, -32020)
        assert "Mcp-Name" in str(error["message"])

        no_name = modern_headers("tools/call")
        assert_error(await client.post(gw.url, content=content, headers=no_name), 400, -32020)

        other_version = {**call, "params": {**call["params"], "_meta": {**META, META_VERSION: "2025-11-25"}}}
        headers = modern_headers("tools/call", "alpha__echo")
        response = await client.post(gw.url, content=orjson.dumps(other_version), headers=headers)
        assert_error(response, 400, -32020)

        encoded = "=?base64?" + base64.b64encode(b"alpha__echo").decode() + "?="
        ok = await client.post(gw.url, content=content, headers=modern_headers("tools/call", encoded))
        assert ok.status_code == 200
        assert ok.json()["result"]["content"][0]["text"] == "x"


META_VERSION = "io.modelcontextprotocol/protocolVersion"


async def test_unsupported_version_lists_supported(alpha: int) -> None:
    async with serve(compose_for({"alpha": alpha})) as gw, httpx.AsyncClient() as client:
        headers = modern_headers("tools/list", **{"mcp-protocol-version": "1900-01-01"})
        response = await client.post(gw.url, content=orjson.dumps(modern_body("tools/list")), headers=headers)
        error = assert_error(response, 400, -32022)
        assert error["data"] == {
            "supported": ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"],
            "requested": "1900-01-01",
        }


async def test_modern_get_and_delete_are_405(alpha: int) -> None:
    async with serve(compose_for({"alpha": alpha})) as gw, httpx.AsyncClient() as client:
        headers = {"accept": "text/event-stream", "mcp-protocol-version": MODERN}
        assert (await client.get(gw.url, headers=headers)).status_code == 405
        assert (await client.delete(gw.url, headers=headers)).status_code == 405
        assert (await client.put(gw.url, content=b"{}")).status_code == 405


async def test_unknown_method_is_404_method_not_found(alpha: int) -> None:
    async with serve(compose_for({"alpha": alpha})) as gw, httpx.AsyncClient() as client:
        error = assert_error(await rpc(client, gw.url, "tools/frobnicate"), 404, -32601)
        assert "tools/frobnicate" in str(error["message"])


async def test_missing_version_header_without_session(alpha: int) -> None:
    async with serve(compose_for({"alpha": alpha})) as gw, httpx.AsyncClient() as client:
        headers = {"content-type": "application/json", "accept": "application/json"}
        response = await client.post(gw.url, content=orjson.dumps(modern_body("tools/list")), headers=headers)
        assert_error(response, 400, -32020)


async def test_server_discover_merges_capabilities(alpha: int, beta: int) -> None:
    async with serve(compose_for({"alpha": alpha, "beta": beta})) as gw, httpx.AsyncClient() as client:
        result = (await rpc(client, gw.url, "server/discover")).json()["result"]
        assert result["supportedVersions"][0] == MODERN
        assert {"tools", "prompts", "resources", "logging"} <= set(result["capabilities"])
        assert result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "heady"
        assert "[alpha] The alpha fixture." in result["instructions"]
        assert "[beta] The beta fixture." in result["instructions"]


# -- 2025-era sessions ------------------------------------------------------------------------


async def test_session_works_on_a_second_instance_and_delete_ends_it_everywhere(alpha: int) -> None:
    compose = compose_for({"alpha": alpha}, session_secret="shared-secret-for-tests")
    store = MemoryStore()
    async with (
        serve(compose, state=store) as one,
        serve(compose, state=store) as two,
        httpx.AsyncClient() as client,
    ):
        init = await client.post(one.url, content=initialize_body(), headers=LEGACY_HEADERS)
        assert init.status_code == 200
        assert init.json()["result"]["protocolVersion"] == "2025-11-25"
        sid = init.headers["mcp-session-id"]
        session = {**LEGACY_HEADERS, "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25"}

        initialized = await client.post(
            two.url, content=legacy("notifications/initialized", request_id=None), headers=session
        )
        assert initialized.status_code == 202
        listed = await client.post(two.url, content=legacy("tools/list"), headers=session)
        assert listed.status_code == 200
        assert "alpha__echo" in [t["name"] for t in listed.json()["result"]["tools"]]
        called = await client.post(
            two.url,
            content=legacy("tools/call", {"name": "alpha__echo", "arguments": {"text": "hop"}}),
            headers=session,
        )
        assert called.json()["result"]["content"][0]["text"] == "hop"

        assert (await client.delete(one.url, headers=session)).status_code == 200
        gone = await client.post(two.url, content=legacy("tools/list"), headers=session)
        assert_error(gone, 404, -32006)
        assert (await client.delete(two.url, headers=session)).status_code == 404


async def test_session_from_another_secret_is_not_found(alpha: int) -> None:
    async with (
        serve(compose_for({"alpha": alpha}, session_secret="one")) as one,
        serve(compose_for({"alpha": alpha}, session_secret="two")) as two,
        httpx.AsyncClient() as client,
    ):
        sid = (await client.post(one.url, content=initialize_body(), headers=LEGACY_HEADERS)).headers[
            "mcp-session-id"
        ]
        response = await client.post(
            two.url, content=legacy("tools/list"), headers={**LEGACY_HEADERS, "mcp-session-id": sid}
        )
        assert_error(response, 404, -32006)
        forged = await client.post(
            one.url, content=legacy("tools/list"), headers={**LEGACY_HEADERS, "mcp-session-id": sid + "x"}
        )
        assert_error(forged, 404, -32006)


async def test_initialize_negotiates_older_versions_and_rejects_sessionless_legacy(alpha: int) -> None:
    async with serve(compose_for({"alpha": alpha})) as gw, httpx.AsyncClient() as client:
        init = await client.post(gw.url, content=initialize_body("2025-06-18"), headers=LEGACY_HEADERS)
        assert init.json()["result"]["protocolVersion"] == "2025-06-18"
        unknown = await client.post(gw.url, content=initialize_body("2024-01-01"), headers=LEGACY_HEADERS)
        assert unknown.json()["result"]["protocolVersion"] == "2025-11-25"
        no_session = await client.post(
            gw.url,
            content=legacy("tools/list"),
            headers={**LEGACY_HEADERS, "mcp-protocol-version": "2025-11-25"},
        )
        assert_error(no_session, 400, -32600)


async def test_legacy_unknown_method_is_a_json_rpc_error(alpha: int) -> None:
    async with serve(compose_for({"alpha": alpha})) as gw, httpx.AsyncClient() as client:
        sid = (await client.post(gw.url, content=initialize_body(), headers=LEGACY_HEADERS)).headers[
            "mcp-session-id"
        ]
        response = await client.post(
            gw.url, content=legacy("tools/frobnicate"), headers={**LEGACY_HEADERS, "mcp-session-id": sid}
        )
        assert_error(response, 200, -32601)


# -- security ---------------------------------------------------------------------------------


async def test_origin_and_host_validation(alpha: int) -> None:
    compose = compose_for({"alpha": alpha}, allowed_origins=["https://app.example.com"])
    async with serve(compose) as gw, httpx.AsyncClient() as client:
        body = orjson.dumps(modern_body("tools/list"))
        evil = await client.post(
            gw.url, content=body, headers=modern_headers("tools/list", origin="http://evil.test")
        )
        assert_error(evil, 403, -32007)
        rebinding = await client.post(
            gw.url, content=body, headers=modern_headers("tools/list", host="evil.test")
        )
        assert_error(rebinding, 403, -32007)
        for origin in ("http://localhost:3000", "http://127.0.0.1", "https://app.example.com"):
            ok = await client.post(gw.url, content=body, headers=modern_headers("tools/list", origin=origin))
            assert ok.status_code == 200, origin


# -- message shape ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b"{not json", 400, -32700),
        (b"", 400, -32700),
        (b'[{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}]', 400, -32600),
        (b'"just a string"', 400, -32600),
        (b'{"id": 1, "method": "tools/list"}', 400, -32600),
        (b'{"jsonrpc": "2.0", "id": true, "method": "tools/list"}', 400, -32600),
        (b'{"jsonrpc": "2.0", "id": 1, "method": 7}', 400, -32600),
        (b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": [1]}', 400, -32602),
        (b'{"jsonrpc": "2.0", "id": 1}', 400, -32600),
    ],
)
async def test_malformed_messages(alpha: int, content: bytes, status: int, code: int) -> None:
    async with serve(compose_for({"alpha": alpha})) as gw, httpx.AsyncClient() as client:
        response = await client.post(gw.url, content=content, headers=modern_headers("tools/list"))
        assert_error(response, status, code)


async def test_bad_content_type_and_accept(alpha: int) -> None:
    async with serve(compose_for({"alpha": alpha})) as gw, httpx.AsyncClient() as client:
        body = orjson.dumps(modern_body("tools/list"))
        text = await client.post(
            gw.url, content=body, headers=modern_headers("tools/list", **{"content-type": "text/plain"})
        )
        assert_error(text, 415, -32600)
        html = await client.post(
            gw.url, content=body, headers=modern_headers("tools/list", accept="text/html")
        )
        assert_error(html, 406, -32009)


async def test_notifications_and_responses_get_202(alpha: int) -> None:
    async with serve(compose_for({"alpha": alpha})) as gw, httpx.AsyncClient() as client:
        note = orjson.dumps({"jsonrpc": "2.0", "method": "notifications/progress", "params": {}})
        response = await client.post(gw.url, content=note, headers=modern_headers("notifications/progress"))
        assert response.status_code == 202
        assert response.content == b""
        answer = orjson.dumps({"jsonrpc": "2.0", "id": 5, "result": {}})
        assert (await client.post(gw.url, content=answer, headers=modern_headers("x"))).status_code == 202


async def test_json_or_sse_by_accept(alpha: int) -> None:
    async with serve(compose_for({"alpha": alpha})) as gw, httpx.AsyncClient() as client:
        body = orjson.dumps(modern_body("tools/call", {"name": "alpha__echo", "arguments": {"text": "s"}}))
        json_only = await client.post(
            gw.url,
            content=body,
            headers=modern_headers("tools/call", "alpha__echo", accept="application/json"),
        )
        assert json_only.headers["content-type"] == "application/json"
        assert json_only.json()["result"]["content"][0]["text"] == "s"

        sse_only = await client.post(
            gw.url,
            content=body,
            headers=modern_headers("tools/call", "alpha__echo", accept="text/event-stream"),
        )
        assert sse_only.headers["content-type"] == "text/event-stream"
        assert sse_only.headers["x-accel-buffering"] == "no"
        events = [orjson.loads(line[6:]) for line in sse_only.text.splitlines() if line.startswith("data: ")]
        assert events[-1]["result"]["content"][0]["text"] == "s"


async def test_progress_notifications_relayed_on_sse(alpha: int) -> None:
    async with serve(compose_for({"alpha": alpha})) as gw, httpx.AsyncClient() as client:
        call = modern_body("tools/call", {"name": "alpha__progress", "arguments": {"steps": 3}})
        call["params"]["_meta"]["progressToken"] = "p1"
        response = await client.post(
            gw.url, content=orjson.dumps(call), headers=modern_headers("tools/call", "alpha__progress")
        )
        assert response.headers["content-type"] == "text/event-stream"
        events = [orjson.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: ")]
        progress = [e for e in events if e.get("method") == "notifications/progress"]
        assert [p["params"]["progress"] for p in progress] == [1, 2, 3]
        assert all(p["params"]["progressToken"] == "p1" for p in progress)
        assert events[-1]["id"] == 1
        assert events[-1]["result"]["content"][0]["text"] == "done 3"


async def test_health_and_readiness(alpha: int) -> None:
    async with serve(compose_for({"alpha": alpha})) as gw, httpx.AsyncClient() as client:
        assert (await client.get(gw.base + "/healthz")).json() == {"status": "ok"}
        ready = await client.get(gw.base + "/readyz")
        assert ready.status_code == 200
        body = ready.json()
        assert body["servers"]["alpha"]["state"] == "ready"
        assert body["state"]["ok"] is True
        missing = await client.get(gw.base + "/nope")
        assert missing.status_code == 404


async def test_handshake_methods_are_404_in_2026_and_meta_is_required(alpha: int) -> None:
    async with serve(compose_for({"alpha": alpha})) as gw, httpx.AsyncClient() as client:
        for method in ("initialize", "ping", "logging/setLevel"):
            assert_error(await rpc(client, gw.url, method), 404, -32601)
        bare = orjson.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}})
        assert_error(
            await client.post(gw.url, content=bare, headers=modern_headers("tools/list")), 400, -32602
        )


async def test_single_server_view_forwards_methods_the_gateway_does_not_know(alpha: int) -> None:
    async with serve(compose_for({"alpha": alpha})) as gw, httpx.AsyncClient() as client:
        response = await rpc(client, f"{gw.base}/servers/alpha/mcp", "tasks/get", {"taskId": "nope"})
        error = response.json()["error"]
        assert error["message"] == "Method not found"  # the server's answer, not the gateway's
        assert response.status_code == 404
        merged = await rpc(client, gw.url, "tasks/get", {"taskId": "nope"})
        assert "not supported by the gateway" in merged.json()["error"]["message"]


async def test_legacy_log_messages_follow_the_session_level(alpha: int) -> None:
    async with serve(compose_for({"alpha": alpha})) as gw, httpx.AsyncClient() as client:
        sid = (await client.post(gw.url, content=initialize_body(), headers=LEGACY_HEADERS)).headers[
            "mcp-session-id"
        ]
        session = {**LEGACY_HEADERS, "mcp-session-id": sid, "accept": "application/json, text/event-stream"}

        async def logged() -> list[str]:
            call = legacy("tools/call", {"name": "alpha__chatty", "arguments": {}})
            response = await client.post(gw.url, content=call, headers=session)
            assert response.headers["content-type"] == "text/event-stream" or "result" in response.json()
            events = [
                orjson.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: ")
            ]
            if not events:  # no notification came first: a plain JSON answer
                events = [response.json()]
            assert events[-1]["result"]["content"][0]["text"] == "said three things"
            return [e["params"]["level"] for e in events if e.get("method") == "notifications/message"]

        assert await logged() == ["info", "warning", "error"]  # no setLevel yet: everything
        level = await client.post(
            gw.url, content=legacy("logging/setLevel", {"level": "error"}), headers=session
        )
        assert answer(level)["result"] == {}
        assert await logged() == ["error"]
        bad = await client.post(
            gw.url, content=legacy("logging/setLevel", {"level": "loud"}), headers=session
        )
        assert bad.json()["error"]["code"] == -32602
