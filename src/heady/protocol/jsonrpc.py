"""JSON-RPC 2.0 error codes and message builders shared by the gateway front and its upstreams.

Messages are plain dicts (decoded with orjson): no model objects on the hot path.
Protocol revisions, ``_meta`` keys and MCP-specific codes live in ``heady.protocol.versions``.
"""

from __future__ import annotations

from typing import Any, Final

import orjson

JSON = dict[str, Any]
RequestId = str | int

PARSE_ERROR: Final = -32700
INVALID_REQUEST: Final = -32600
METHOD_NOT_FOUND: Final = -32601
INVALID_PARAMS: Final = -32602
INTERNAL_ERROR: Final = -32603

dumps = orjson.dumps
loads = orjson.loads


def request(id: RequestId, method: str, params: JSON | None = None) -> JSON:
    message: JSON = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        message["params"] = params
    return message


def notification(method: str, params: JSON | None = None) -> JSON:
    message: JSON = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        message["params"] = params
    return message


def result(id: RequestId | None, value: JSON) -> JSON:
    return {"jsonrpc": "2.0", "id": id, "result": value}


def error(id: RequestId | None, code: int, message: str, data: Any = None) -> JSON:
    body: JSON = {"code": code, "message": message}
    if data is not None:
        body["data"] = data
    return {"jsonrpc": "2.0", "id": id, "error": body}
