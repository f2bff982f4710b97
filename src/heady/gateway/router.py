"""Routing: one client request to the right upstream(s), and the answer back in the client's names.

A Router serves one view: the merged view of ``/mcp`` (a Namespace renames tools,
prompts and resource URIs) or the single-server view of ``/servers/{name}/mcp``
(names as the server gives them). Every upstream is reached only through the
``Upstream`` contract, in 2026-07-28 form.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

from heady import __version__
from heady.gateway import jsonrpc as rpc
from heady.gateway.backend import Backend
from heady.gateway.controls import RateLimiter, ResultCache
from heady.gateway.headers import check_params, param_spec
from heady.gateway.jsonrpc import GatewayError
from heady.gateway.mrtr import StateSealer
from heady.gateway.namespace import Namespace, decode_cursor, encode_cursor
from heady.gateway.upstream.base import JSON, CallContext, UpstreamError
from heady.gateway.versions import (
    LEGACY,
    META_CLIENT_CAPS,
    META_CLIENT_INFO,
    META_LOG_LEVEL,
    META_SERVER_INFO,
    META_UNAVAILABLE,
    META_VERSION,
    MODERN,
    SUPPORTED,
)

GATEWAY_INFO: Final[JSON] = {"name": "heady", "version": __version__}
_LISTS: Final = {
    "tools/list": ("tools", "tools"),
    "prompts/list": ("prompts", "prompts"),
    "resources/list": ("resources", "resources"),
    "resources/templates/list": ("resourceTemplates", "resources"),
}
"""List method -> (result key, capability that must be present)."""
_MAX_INPUT_ROUNDS: Final = 8
"""input_required rounds the gateway drives for a 2025-era client before giving up."""
_HANDSHAKE_ONLY: Final = frozenset({"initialize", "ping", "logging/setLevel"})
"""Methods 2026-07-28 removed: a 2026-07-28 request for one is -32601."""
_BASE_CAPABILITIES: Final[JSON] = {
    "tools": {"listChanged": True},
    "prompts": {"listChanged": True},
    "resources": {"listChanged": True},
}


@dataclass(slots=True)
class Call:
    """One client request, whatever revision it came in."""

    id: Any
    method: str
    params: JSON
    modern: bool
    client: str
    """Who the rate limits count: the client address in both revisions (a new session must not
    buy a fresh bucket)."""
    capabilities: JSON
    client_info: JSON | None
    on_message: Callable[[JSON], Awaitable[None]] | None = None
    param_headers: dict[str, bytes] | None = None
    """``Mcp-Param-*`` headers of a 2026-07-28 request (lowercase name without the prefix)."""
    log_level: str | None = None
    """The log level a 2025-era session asked for (2026-07-28 servers take it per request)."""
    ask: Callable[[str, JSON, float], Awaitable[JSON]] | None = None
    """Sends a request to a 2025-era client on the response stream and returns its result."""


def _unavailable(backend: Backend, reason: str) -> JSON:
    return {"server": backend.name, "reason": reason}


def _upstream_error(exc: UpstreamError, call: Call, limits_timeout: float) -> JSON:
    """The client's answer when an upstream gave none; always names the server."""
    if exc.kind == "overloaded":
        retry = max(1, round(exc.retry_after or 1))
        raise GatewayError(
            rpc.SERVER_OVERLOADED,
            f"server '{exc.server}' is at its in-flight and queue limit; retry after {retry}s",
            status=503,
            data={"server": exc.server, "kind": exc.kind},
            retry_after=retry,
        )
    if exc.kind == "timeout":
        message = f"server '{exc.server}' timed out after {limits_timeout:g}s; the call was cancelled"
        if call.method == "tools/call":
            return rpc.result(
                call.id,
                {"resultType": "complete", "content": [{"type": "text", "text": message}], "isError": True},
            )
        return rpc.error(call.id, rpc.REQUEST_TIMEOUT, message, {"server": exc.server, "kind": exc.kind})
    code = rpc.RESPONSE_TOO_LARGE if exc.kind == "too_large" else rpc.SERVER_UNAVAILABLE
    data: JSON = {"server": exc.server, "kind": exc.kind}
    if exc.retry_after is not None:
        data["retryAfter"] = exc.retry_after
    return rpc.error(call.id, code, str(exc), data)


class Router:
    def __init__(
        self,
        backends: list[Backend],
        namespace: Namespace | None,
        limiter: RateLimiter,
        cache: ResultCache,
        sealer: StateSealer,
    ) -> None:
        self.backends = {b.name: b for b in sorted(backends, key=lambda b: b.name)}
        self.namespace = namespace
        self.limiter = limiter
        self.cache = cache
        self.sealer = sealer
        self.single = None if namespace is not None else backends[0]
        self._methods: dict[str, Callable[[Call], Awaitable[JSON]]] = {
            "tools/call": self._tools_call,
            "prompts/get": self._prompts_get,
            "resources/read": self._resources_read,
            "completion/complete": self._complete,
            "server/discover": self._discover,
            "initialize": self._initialize,
            "ping": self._ping,
            "logging/setLevel": self._ping,
        }
        for method in _LISTS:
            self._methods[method] = self._list

    def owns_uri(self, uri: str) -> bool:
        """Whether ``uri`` names a resource of this view (a mapped URI on the merged view)."""
        return self.namespace is None or self.namespace.split_uri(uri) is not None

    @property
    def merged(self) -> bool:
        return self.namespace is not None

    def knows(self, method: str, modern: bool) -> bool:
        """Whether this view answers ``method``; one server's view forwards any method to it."""
        if modern and method in _HANDSHAKE_ONLY:
            return False
        return self.single is not None or method in self._methods

    async def handle(self, call: Call) -> JSON:
        """The JSON-RPC response for ``call``; raises GatewayError when HTTP status must say more."""
        handler = self._methods.get(call.method)
        if handler is None:
            if self.single is not None and call.method not in _HANDSHAKE_ONLY:
                return await self._forward(self.single, call, call.params)
            raise GatewayError(
                rpc.METHOD_NOT_FOUND,
                f"method '{call.method}' is not supported by the gateway",
                status=404 if call.modern else 200,
            )
        return await handler(call)

    # -- forwarding ---------------------------------------------------------------------

    def request_for(self, call: Call, params: JSON) -> JSON:
        """The canonical 2026-07-28 request for ``params``; 2025-era calls get their session's ``_meta``."""
        if not call.modern:
            meta = dict(params.get("_meta") or ())
            meta[META_VERSION] = MODERN
            meta[META_CLIENT_INFO] = call.client_info or {"name": "unknown", "version": "0"}
            meta[META_CLIENT_CAPS] = call.capabilities
            if call.log_level is not None:
                meta[META_LOG_LEVEL] = call.log_level
            params = {**params, "_meta": meta}
        elif "_meta" not in params and "_meta" in call.params:  # a request the gateway makes for the client
            params = {**params, "_meta": call.params["_meta"]}
        return {"jsonrpc": "2.0", "id": call.id, "method": call.method, "params": params}

    async def _forward(self, backend: Backend, call: Call, params: JSON, tool: str | None = None) -> JSON:
        limits = backend.limits_for(tool) if tool is not None else backend.limits
        ctx = CallContext(
            limits.timeout, limits.max_response_bytes, call.capabilities, call.client_info, call.on_message
        )
        try:
            response = await backend.upstream.call(self.request_for(call, params), ctx)
        except UpstreamError as exc:
            return _upstream_error(exc, call, limits.timeout)
        response["id"] = call.id
        return response

    def _route_name(self, name: Any, method: str, kind: str) -> tuple[Backend, str]:
        """The server and its own name for a tool or prompt name of this view."""
        if not isinstance(name, str) or not name:
            raise GatewayError(rpc.INVALID_PARAMS, f"{method} needs the {kind} name")
        if self.single is not None:
            return self.single, name
        assert self.namespace is not None
        split = self.namespace.split(name)
        if split is None:
            sep = self.namespace.separator
            raise GatewayError(
                rpc.INVALID_PARAMS,
                f"unknown {kind} '{name}': names on /mcp are <server>{sep}<{kind}>, "
                f"with server one of {', '.join(self.backends) or '(none)'}",
            )
        return self.backends[split[0]], split[1]

    def _unseal(self, backend: Backend, params: JSON) -> JSON:
        """Swap a sealed ``requestState`` for the server's own, checking it belongs to ``backend``."""
        sealed = params.get("requestState")
        if sealed is None:
            return params
        opened = self.sealer.open(sealed) if isinstance(sealed, str) else None
        if opened is None or opened[0] != backend.name:
            raise GatewayError(
                rpc.INVALID_PARAMS,
                f"requestState was not issued by this gateway for server '{backend.name}'; "
                "send the requestState of the input_required result unchanged",
            )
        return {**params, "requestState": opened[1]}

    async def _settle(
        self, backend: Backend, call: Call, params: JSON, response: JSON, tool: str | None = None
    ) -> JSON:
        """The answer for the client when a server needs input (``input_required``).

        A 2026-07-28 client gets the result with its ``requestState`` sealed to this server.
        A 2025-era client is asked each input request on its response stream (as 2025
        servers ask), and the call is retried with the answers, until the server completes.
        """
        for _ in range(_MAX_INPUT_ROUNDS):
            result = response.get("result")
            if type(result) is not dict or result.get("resultType") != "input_required":
                return response
            if call.modern:
                state = result.get("requestState")
                if isinstance(state, str):
                    result["requestState"] = self.sealer.seal(backend.name, state)
                return response
            if call.ask is None:
                return rpc.error(
                    call.id,
                    rpc.SERVER_UNAVAILABLE,
                    f"server '{backend.name}' needs input from the client (elicitation or sampling); "
                    "send the request with Accept: text/event-stream so the gateway can ask",
                    {"server": backend.name},
                )
            timeout = (backend.limits_for(tool) if tool is not None else backend.limits).timeout
            answers: JSON = {}
            requests = result.get("inputRequests")
            for key, request in (requests if type(requests) is dict else {}).items():
                if type(request) is dict and isinstance(request.get("method"), str):
                    answers[key] = await call.ask(request["method"], request.get("params") or {}, timeout)
            retry = {k: v for k, v in params.items() if k not in ("inputResponses", "requestState")}
            retry["inputResponses"] = answers
            if isinstance(result.get("requestState"), str):
                retry["requestState"] = result["requestState"]
            response = await self._forward(backend, call, retry, tool)
        return rpc.error(
            call.id,
            rpc.SERVER_UNAVAILABLE,
            f"server '{backend.name}' asked for input {_MAX_INPUT_ROUNDS} times without completing",
            {"server": backend.name},
        )

    async def _answer(self, backend: Backend, call: Call, params: JSON, tool: str | None = None) -> JSON:
        """Forward, then settle an ``input_required`` result."""
        response = await self._forward(backend, call, params, tool)
        result = response.get("result")
        if type(result) is dict and result.get("resultType") == "input_required":
            return await self._settle(backend, call, params, response, tool)
        return response

    # -- tools, prompts, resources ------------------------------------------------------

    async def _tools_call(self, call: Call) -> JSON:
        backend, tool = self._route_name(call.params.get("name"), call.method, "tool")
        if not backend.allows(tool):
            raise GatewayError(
                rpc.INVALID_PARAMS, f"tool '{call.params['name']}' is not exposed by the gateway"
            )
        await self.limiter.check_backend(backend, call.client, tool)
        if call.modern and (
            call.param_headers is not None or tool in backend.param_headers or tool not in backend.read_only
        ):
            await self._check_param_headers(backend, call, tool)
        params = call.params
        if "requestState" in params:
            params = self._unseal(backend, params)
        if self.single is None:
            params = {**params, "name": tool}
        ttl = backend.cache_ttl.get(tool)
        if ttl is not None and "requestState" not in params:
            return await self._cached_call(backend, call, params, tool, ttl)
        return await self._answer(backend, call, params, tool)

    async def _check_param_headers(self, backend: Backend, call: Call, tool: str) -> None:
        """``Mcp-Param-*`` headers must match the arguments the tool mirrors (learned from tools/list)."""
        if tool not in backend.read_only and backend.may_learn():
            await self._learn_tools(backend, call)
        spec = backend.param_headers.get(tool)
        if spec or call.param_headers:
            problem = check_params(spec or {}, call.params.get("arguments"), call.param_headers or {})
            if problem is not None:
                raise GatewayError(rpc.HEADER_MISMATCH, problem, status=400)

    async def _cached_call(self, backend: Backend, call: Call, params: JSON, tool: str, ttl: float) -> JSON:
        if tool not in backend.read_only and backend.may_learn():
            await self._learn_tools(backend, call)
        if not backend.read_only.get(tool, False):
            return await self._answer(backend, call, params, tool)
        key = self.cache.key(backend, tool, params.get("arguments"))
        hit = await self.cache.get(key)
        if hit is not None:
            return rpc.result(call.id, hit)
        response = await self._forward(backend, call, params, tool)
        result = response.get("result")
        if (
            type(result) is dict
            and not result.get("isError")
            and result.get("resultType", "complete") == "complete"
        ):
            await self.cache.put(key, result, ttl)
        return response

    async def _learn_tools(self, backend: Backend, call: Call) -> None:
        """Read the server's tool annotations once, so caching honours readOnlyHint."""
        cursor: str | None = None
        for _ in range(100):
            params: JSON = {"cursor": cursor} if cursor else {}
            sub = Call(
                call.id,
                "tools/list",
                call.params,
                call.modern,
                call.client,
                call.capabilities,
                call.client_info,
            )
            response = await self._forward(backend, sub, params)
            result = response.get("result")
            if type(result) is not dict:
                return
            self._note_tools(backend, result.get("tools") or ())
            cursor = result.get("nextCursor")
            if not cursor:
                return

    @staticmethod
    def _note_tools(backend: Backend, tools: Any) -> None:
        for tool in tools:
            if not isinstance(tool, dict):
                continue
            name = tool.get("name", "")
            annotations = tool.get("annotations") or {}
            backend.read_only[name] = annotations.get("readOnlyHint") is True
            spec = param_spec(tool.get("inputSchema"))
            if spec:
                backend.param_headers[name] = spec
            else:
                backend.param_headers.pop(name, None)

    async def _prompts_get(self, call: Call) -> JSON:
        backend, prompt = self._route_name(call.params.get("name"), call.method, "prompt")
        await self.limiter.check_backend(backend, call.client, None)
        params = call.params
        if "requestState" in params:
            params = self._unseal(backend, params)
        if self.single is None:
            params = {**params, "name": prompt}
        return await self._answer(backend, call, params)

    def _route_uri(self, call: Call, uri: Any) -> tuple[Backend, str]:
        if not isinstance(uri, str) or not uri:
            raise GatewayError(rpc.INVALID_PARAMS, f"{call.method} needs params.uri, the resource URI")
        if self.single is not None:
            return self.single, uri
        assert self.namespace is not None
        split = self.namespace.split_uri(uri)
        if split is None:
            raise GatewayError(
                rpc.INVALID_PARAMS,
                f"unknown resource '{uri}': resource URIs on /mcp are heady://<server>/<uri>, "
                "as resources/list gives them",
            )
        return self.backends[split[0]], split[1]

    async def _resources_read(self, call: Call) -> JSON:
        backend, uri = self._route_uri(call, call.params.get("uri"))
        await self.limiter.check_backend(backend, call.client, None)
        params = call.params
        if "requestState" in params:
            params = self._unseal(backend, params)
        if self.single is not None:
            return await self._answer(backend, call, params)
        response = await self._answer(backend, call, {**params, "uri": uri})
        result = response.get("result")
        if type(result) is dict:
            for content in result.get("contents") or ():
                if isinstance(content, dict) and isinstance(content.get("uri"), str):
                    content["uri"] = Namespace.uri(backend.name, content["uri"])
        return response

    async def _complete(self, call: Call) -> JSON:
        ref = call.params.get("ref")
        if not isinstance(ref, dict):
            raise GatewayError(rpc.INVALID_PARAMS, "completion/complete needs params.ref")
        if ref.get("type") == "ref/prompt":
            backend, name = self._route_name(ref.get("name"), call.method, "prompt")
            new_ref = {**ref, "name": name}
        else:
            backend, name = self._route_uri(call, ref.get("uri"))
            new_ref = {**ref, "uri": name}
        params = call.params if self.single is not None else {**call.params, "ref": new_ref}
        return await self._forward(backend, call, params)

    # -- lists ----------------------------------------------------------------------------

    async def _list_one(self, backend: Backend, call: Call, cursor: str | None) -> JSON | str:
        """One server's page, or why it could not give one."""
        if not backend.ready:
            status = backend.upstream.status
            return f"{status.state}: {status.detail}" if status.detail else status.state
        params: JSON = {}
        if cursor is not None:
            params["cursor"] = cursor
        response = await self._forward(backend, call, params)
        if "error" in response:
            return str(response["error"].get("message", "error"))
        result = response.get("result")
        if type(result) is not dict:
            return "the server answered without a result"
        return result

    def _has_capability(self, backend: Backend, capability: str) -> bool:
        caps = backend.upstream.status.capabilities
        return caps is None or capability in caps

    async def _list(self, call: Call) -> JSON:
        key, capability = _LISTS[call.method]
        cursor = call.params.get("cursor")
        if cursor is not None and not isinstance(cursor, str):
            raise GatewayError(
                rpc.INVALID_PARAMS, "params.cursor must be a string from a previous nextCursor"
            )
        if self.single is not None:
            return await self._list_single(call, self.single, key, cursor)
        if cursor is None:
            pending: dict[str, str | None] = {
                name: None for name, b in self.backends.items() if self._has_capability(b, capability)
            }
        else:
            decoded = decode_cursor(cursor, self.backends)
            if decoded is None:
                raise GatewayError(rpc.INVALID_PARAMS, "params.cursor is not a cursor this gateway issued")
            pending = dict(decoded)
        names = list(pending)
        pages = await asyncio.gather(*(self._list_one(self.backends[n], call, pending[n]) for n in names))
        items: list[Any] = []
        more: dict[str, str] = {}
        unavailable: list[JSON] = []
        ttl: float | None = None
        private = False
        assert self.namespace is not None
        for name, page in zip(names, pages, strict=True):
            backend = self.backends[name]
            if isinstance(page, str):
                unavailable.append(_unavailable(backend, page))
                continue
            items.extend(self._rename(backend, key, page.get(key) or ()))
            if page.get("nextCursor"):
                more[name] = page["nextCursor"]
            if isinstance(page.get("ttlMs"), int | float):
                ttl = page["ttlMs"] if ttl is None else min(ttl, page["ttlMs"])
            private = private or page.get("cacheScope") == "private"
        result: JSON = {
            "resultType": "complete",
            key: items,
            "ttlMs": 0 if unavailable or ttl is None else ttl,
            "cacheScope": "private" if private else "public",
        }
        if more:
            result["nextCursor"] = encode_cursor(more)
        if unavailable:
            result["_meta"] = {META_UNAVAILABLE: unavailable}
        return rpc.result(call.id, result)

    def _rename(self, backend: Backend, key: str, items: Any) -> list[Any]:
        renamed: list[Any] = []
        ns = self.namespace
        assert ns is not None
        if key == "tools":
            self._note_tools(backend, items)
        for item in items:
            if not isinstance(item, dict):
                continue
            if key == "tools":
                if backend.allows(item.get("name", "")):
                    renamed.append({**item, "name": ns.name(backend.name, item["name"])})
            elif key == "prompts":
                renamed.append({**item, "name": ns.name(backend.name, item.get("name", ""))})
            elif key == "resources":
                renamed.append({**item, "uri": ns.uri(backend.name, item.get("uri", ""))})
            else:
                renamed.append({**item, "uriTemplate": ns.uri(backend.name, item.get("uriTemplate", ""))})
        return renamed

    async def _list_single(self, call: Call, backend: Backend, key: str, cursor: str | None) -> JSON:
        page = await self._list_one(backend, call, cursor)
        if isinstance(page, str):
            raise GatewayError(
                rpc.SERVER_UNAVAILABLE,
                f"server '{backend.name}' is unavailable ({page})",
                data={"server": backend.name, "reason": page},
            )
        if key == "tools":
            self._note_tools(backend, page.get("tools") or ())
            page = {
                **page,
                "tools": [t for t in page.get("tools") or () if backend.allows(t.get("name", ""))],
            }
        return rpc.result(call.id, page)

    # -- about the gateway ---------------------------------------------------------------

    def capabilities(self) -> JSON:
        """Capabilities of this view: the server's own on one server's view; when merged, the
        three lists always, plus what any ready server adds."""
        if self.single is not None and self.single.upstream.status.capabilities:
            return copy.deepcopy(self.single.upstream.status.capabilities)
        caps: JSON = {k: dict(v) for k, v in _BASE_CAPABILITIES.items()}
        for backend in self.backends.values():
            upstream_caps = backend.upstream.status.capabilities or {}
            for name, value in upstream_caps.items():
                if name in ("tools", "prompts", "resources", "experimental", "extensions"):
                    if name == "resources" and isinstance(value, dict) and value.get("subscribe"):
                        caps["resources"]["subscribe"] = True
                    continue
                caps.setdefault(name, value if isinstance(value, dict) else {})
        return caps

    def _instructions(self) -> str | None:
        parts = []
        for backend in self.backends.values():
            text = backend.upstream.status.instructions
            if text:
                parts.append(text if self.single is not None else f"[{backend.name}] {text}")
        return "\n\n".join(parts) or None

    def _server_info(self) -> JSON:
        if self.single is not None:
            info = self.single.upstream.status.server_info
            if info:
                return info
            return {"name": f"heady/{self.single.name}", "version": __version__}
        return dict(GATEWAY_INFO)

    def unavailable(self) -> list[JSON]:
        out = []
        for backend in self.backends.values():
            if not backend.ready:
                status = backend.upstream.status
                out.append(_unavailable(backend, status.detail or status.state))
        return out

    async def _discover(self, call: Call) -> JSON:
        result: JSON = {
            "resultType": "complete",
            "supportedVersions": list(SUPPORTED),
            "capabilities": self.capabilities(),
            "_meta": {META_SERVER_INFO: self._server_info()},
            "ttlMs": 0,
            "cacheScope": "public",
        }
        if (instructions := self._instructions()) is not None:
            result["instructions"] = instructions
        if unavailable := self.unavailable():
            result["_meta"][META_UNAVAILABLE] = unavailable
        return rpc.result(call.id, result)

    async def _initialize(self, call: Call) -> JSON:
        requested = call.params.get("protocolVersion")
        version = requested if requested in LEGACY else LEGACY[0]
        caps = self.capabilities()
        result: JSON = {"protocolVersion": version, "capabilities": caps, "serverInfo": self._server_info()}
        if (instructions := self._instructions()) is not None:
            result["instructions"] = instructions
        return rpc.result(call.id, result)

    async def _ping(self, call: Call) -> JSON:
        return rpc.result(call.id, {"resultType": "complete"} if call.modern else {})
