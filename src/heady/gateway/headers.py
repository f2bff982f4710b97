"""2026-07-28 mirrored headers: ``Mcp-Method``, ``Mcp-Name`` and ``Mcp-Param-*`` checked against the body.

Intermediaries route on these headers, so a request whose headers and body disagree is
refused before anything acts on it (400, -32020). Values are compared after removing
the optional whitespace HTTP allows around them and decoding the ``=?base64?…?=``
sentinel form.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Final

from heady.gateway import jsonrpc as rpc
from heady.gateway.jsonrpc import GatewayError
from heady.gateway.upstream.base import JSON
from heady.gateway.versions import META_CLIENT_CAPS, META_VERSION

NAMED_METHODS: Final = {"tools/call": "name", "prompts/get": "name", "resources/read": "uri"}
"""Methods whose ``Mcp-Name`` mirrors a body field, and that field."""
OPTIONALLY_NAMED: Final = {"tasks/get": "taskId", "tasks/update": "taskId", "tasks/cancel": "taskId"}
"""Methods (the tasks extension) whose ``Mcp-Name``, when sent, must match a body field."""
_SENTINEL_START: Final = "=?base64?"
_SENTINEL_END: Final = "?="


def decode(value: str) -> str | None:
    """A header value as the client meant it; None when its Base64 sentinel form is broken."""
    value = value.strip(" \t")
    if value.startswith(_SENTINEL_START) and value.endswith(_SENTINEL_END) and len(value) >= 11:
        try:
            return base64.b64decode(value[9:-2], validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
    return value


def _mismatch(message: str) -> GatewayError:
    return GatewayError(rpc.HEADER_MISMATCH, message, status=400)


def check_request(
    method: str, params: JSON, version: str, mcp_method: bytes | None, mcp_name: bytes | None
) -> GatewayError | None:
    """Why a 2026-07-28 request's headers or ``_meta`` are not acceptable, or None."""
    meta = params.get("_meta")
    if type(meta) is not dict or META_VERSION not in meta:
        return GatewayError(
            rpc.INVALID_PARAMS,
            "params._meta must carry io.modelcontextprotocol/protocolVersion, clientInfo and "
            "clientCapabilities on every 2026-07-28 request",
            status=400,
        )
    if type(meta.get(META_CLIENT_CAPS)) is not dict:
        return GatewayError(
            rpc.INVALID_PARAMS,
            "params._meta is missing io.modelcontextprotocol/clientCapabilities (send {} for none)",
            status=400,
        )
    if mcp_method is None:
        return _mismatch("missing Mcp-Method header")
    header = mcp_method.decode("latin-1").strip(" \t")
    if header != method:
        return _mismatch(
            f"Header mismatch: Mcp-Method header value {header!r} does not match body value {method!r}"
        )
    if meta[META_VERSION] != version:
        return _mismatch(
            f"Header mismatch: MCP-Protocol-Version header value {version!r} "
            f"does not match _meta value {meta[META_VERSION]!r}"
        )
    field = NAMED_METHODS.get(method)
    if field is None and mcp_name is not None:
        field = OPTIONALLY_NAMED.get(method)
    if field is not None:
        body_name = params.get(field)
        if mcp_name is None:
            return _mismatch(f"missing Mcp-Name header (required for {method})")
        name = decode(mcp_name.decode("utf-8", "replace"))
        if name is None:
            return _mismatch("Mcp-Name header has a broken =?base64?...?= value")
        if name != body_name:
            return _mismatch(
                f"Header mismatch: Mcp-Name header value {name!r} does not match body value {body_name!r}"
            )
    return None


def param_spec(input_schema: Any) -> dict[str, tuple[str, ...]]:
    """``{header name (lowercase): property path}`` of a tool's ``x-mcp-header`` parameters."""
    spec: dict[str, tuple[str, ...]] = {}

    def walk(schema: Any, path: tuple[str, ...]) -> None:
        properties = schema.get("properties") if isinstance(schema, dict) else None
        if not isinstance(properties, dict):
            return
        for name, sub in properties.items():
            if not isinstance(sub, dict):
                continue
            header = sub.get("x-mcp-header")
            if isinstance(header, str) and header:
                spec[header.lower()] = (*path, name)
            walk(sub, (*path, name))

    walk(input_schema, ())
    return spec


def _at(arguments: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(arguments, dict):
            return None
        arguments = arguments.get(key)
    return arguments


def _same(header: str, value: Any) -> bool:
    if isinstance(value, bool):
        return header == ("true" if value else "false")
    if isinstance(value, int | float):
        try:
            return float(header) == float(value)
        except ValueError:
            return False
    return isinstance(value, str) and header == value


def check_params(spec: dict[str, tuple[str, ...]], arguments: Any, headers: dict[str, bytes]) -> str | None:
    """Why the ``Mcp-Param-*`` headers disagree with the arguments, or None."""
    for name, given in headers.items():
        if any((b < 0x20 and b != 0x09) or b > 0x7E for b in given):
            return f"Mcp-Param-{name} header has characters outside visible ASCII; Base64-encode the value"
    for name, path in spec.items():
        value = _at(arguments, path)
        raw = headers.get(name)
        if value is None:
            continue
        if raw is None:
            return f"missing Mcp-Param-{name} header: the tool mirrors argument {'.'.join(path)!r} into it"
        header = decode(raw.decode("ascii"))
        if header is None:
            return f"Mcp-Param-{name} header has a broken =?base64?...?= value"
        if not _same(header, value):
            return (
                f"Header mismatch: Mcp-Param-{name} header value {header!r} does not match argument {value!r}"
            )
    return None
