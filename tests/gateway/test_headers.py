"""2026-07-28 mirrored headers against the body: Mcp-Method, Mcp-Name, Mcp-Param-*, _meta."""

from __future__ import annotations

import base64

from heady.gateway.headers import check_params, check_request, decode, param_spec

META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"},
    "io.modelcontextprotocol/clientCapabilities": {},
}


def b64(text: str) -> str:
    return "=?base64?" + base64.b64encode(text.encode()).decode() + "?="


def test_decode_strips_whitespace_and_decodes_the_sentinel() -> None:
    assert decode("  echo \t") == "echo"
    assert decode(b64("Hello, 世界")) == "Hello, 世界"
    assert decode("=?base64?SGVsbG8?=") is None  # bad padding
    assert decode("=?base64?SGVs!!!bG8=?=") is None  # not the alphabet
    assert decode("=?base64?SGVsbG8=") == "=?base64?SGVsbG8="  # no suffix: a literal


def test_check_request_codes() -> None:
    params = {"name": "a__echo", "_meta": META}
    assert check_request("tools/call", params, "2026-07-28", b"tools/call", b"a__echo") is None
    assert check_request("tools/call", params, "2026-07-28", b" tools/call ", b"a__echo  ") is None
    for method, name in (
        (b"tools/list", b"a__echo"),
        (None, b"a__echo"),
        (b"tools/call", None),
        (b"tools/call", b"x"),
    ):
        problem = check_request("tools/call", params, "2026-07-28", method, name)
        assert problem is not None and (problem.code, problem.status) == (-32020, 400)
    other = {"name": "a__echo", "_meta": {**META, "io.modelcontextprotocol/protocolVersion": "2025-11-25"}}
    assert check_request("tools/call", other, "2026-07-28", b"tools/call", b"a__echo").code == -32020  # type: ignore[union-attr]
    for meta in (
        None,
        {"io.modelcontextprotocol/clientCapabilities": {}},
        {"io.modelcontextprotocol/protocolVersion": "2026-07-28"},
    ):
        broken = {"name": "a__echo"} if meta is None else {"name": "a__echo", "_meta": meta}
        problem = check_request("tools/call", broken, "2026-07-28", b"tools/call", b"a__echo")
        assert problem is not None and (problem.code, problem.status) == (-32602, 400)


def test_tasks_mcp_name_is_checked_when_sent() -> None:
    params = {"taskId": "t1", "_meta": META}
    assert check_request("tasks/get", params, "2026-07-28", b"tasks/get", None) is None
    assert check_request("tasks/get", params, "2026-07-28", b"tasks/get", b"t1") is None
    assert check_request("tasks/get", params, "2026-07-28", b"tasks/get", b"t2").code == -32020  # type: ignore[union-attr]


def test_param_spec_reads_nested_x_mcp_header() -> None:
    schema = {
        "type": "object",
        "properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "query": {"type": "string"},
            "opts": {
                "type": "object",
                "properties": {"tenant": {"type": "integer", "x-mcp-header": "Tenant"}},
            },
        },
    }
    assert param_spec(schema) == {"region": ("region",), "tenant": ("opts", "tenant")}
    assert param_spec(None) == {}


def test_check_params() -> None:
    spec = {"region": ("region",), "tenant": ("opts", "tenant"), "flag": ("flag",)}
    args = {"region": "us-west1", "opts": {"tenant": 42}, "flag": True}
    good = {"region": b"us-west1", "tenant": b"42.0", "flag": b"true"}
    assert check_params(spec, args, good) is None
    assert check_params(spec, {**args, "region": "Hello"}, {**good, "region": b64("Hello").encode()}) is None
    assert "missing Mcp-Param-region" in str(check_params(spec, args, {"tenant": b"42", "flag": b"true"}))
    assert "does not match" in str(check_params(spec, args, {**good, "region": b"eu"}))
    assert "broken" in str(check_params(spec, args, {**good, "region": b"=?base64?SGVsbG8?="}))
    assert "visible ASCII" in str(check_params(spec, args, {**good, "region": "é".encode()}))
    assert check_params(spec, {"opts": {}}, {}) is None  # absent values need no header
