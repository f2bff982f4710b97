"""JSON-RPC error codes and response bodies as the gateway sends them."""

from __future__ import annotations

from typing import Any, Final

import orjson

from heady.gateway.upstream.base import JSON

PARSE_ERROR: Final = -32700
INVALID_REQUEST: Final = -32600
METHOD_NOT_FOUND: Final = -32601
INVALID_PARAMS: Final = -32602
INTERNAL_ERROR: Final = -32603
HEADER_MISMATCH: Final = -32020
MISSING_CAPABILITY: Final = -32021
UNSUPPORTED_VERSION: Final = -32022

# Gateway errors, from the implementation-defined range -32000..-32099.
SERVER_UNAVAILABLE: Final = -32000
"""The backend is down, its circuit is open, or it broke the protocol."""
REQUEST_TIMEOUT: Final = -32001
SERVER_OVERLOADED: Final = -32003
REQUEST_TOO_LARGE: Final = -32004
RATE_LIMITED: Final = -32005
SESSION_NOT_FOUND: Final = -32006
FORBIDDEN: Final = -32007
RESPONSE_TOO_LARGE: Final = -32008
NOT_ACCEPTABLE: Final = -32009
REQUEST_CANCELLED: Final = -32800


class GatewayError(Exception):
    """A request the gateway answers itself with a JSON-RPC error and an HTTP status."""

    def __init__(
        self,
        code: int,
        message: str,
        status: int = 200,
        data: Any = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.data = data
        self.retry_after = retry_after

    def response(self, request_id: Any) -> JSON:
        error: JSON = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return {"jsonrpc": "2.0", "id": request_id, "error": error}


def error(request_id: Any, code: int, message: str, data: Any = None) -> JSON:
    body: JSON = {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}
    if data is not None:
        body["error"]["data"] = data
    return body


def result(request_id: Any, value: JSON) -> JSON:
    return {"jsonrpc": "2.0", "id": request_id, "result": value}


dumps = orjson.dumps
loads = orjson.loads
