"""Translation between the canonical 2026-07-28 form and what a 2025-era server speaks.

Requests going down lose the ``_meta`` keys a 2025-era server does not know (version,
client info and capabilities travel in its session instead). Results coming back gain
``resultType`` and, for cacheable results, the caching hints the 2026-07-28 schema requires
(``ttlMs: 0``, ``cacheScope: "private"``: always fresh, never shared, the safe reading of
a server that gave no hints).
"""

from __future__ import annotations

from heady.gateway.upstream.base import JSON
from heady.protocol import versions

MODERN_META_KEYS = (
    versions.META_PROTOCOL_VERSION,
    versions.META_CLIENT_INFO,
    versions.META_CLIENT_CAPABILITIES,
    "io.modelcontextprotocol/logLevel",
)
CACHEABLE = frozenset(
    {
        "server/discover",
        "tools/list",
        "prompts/list",
        "resources/list",
        "resources/templates/list",
        "resources/read",
    }
)
RESOURCE_NOT_FOUND_2025 = -32002
INVALID_PARAMS = -32602


def legacy_params(params: JSON | None, progress_token: str | None = None) -> JSON | None:
    """``params`` without the 2026-only ``_meta`` keys; the progress token replaced when given."""
    if not params:
        return params
    meta = params.get("_meta")
    if not isinstance(meta, dict):
        return params
    kept = {k: v for k, v in meta.items() if k not in MODERN_META_KEYS}
    if progress_token is not None and "progressToken" in kept:
        kept["progressToken"] = progress_token
    out = dict(params)
    if kept:
        out["_meta"] = kept
    else:
        del out["_meta"]
    return out


def modern_response(method: str, response: JSON) -> JSON:
    """A 2025-era response in 2026-07-28 form (``resultType``, caching hints, error codes)."""
    result = response.get("result")
    if isinstance(result, dict):
        result.setdefault("resultType", "complete")
        if method in CACHEABLE:
            result.setdefault("ttlMs", 0)
            result.setdefault("cacheScope", "private")
    else:
        error = response.get("error")
        if isinstance(error, dict) and error.get("code") == RESOURCE_NOT_FOUND_2025:
            error["code"] = INVALID_PARAMS
    return response
