"""The gateway as a raw ASGI application: both protocol revisions on one endpoint.

The hot path (a 2026-07-28 ``tools/call``) reads the few headers it needs in one
pass, reads the body up to the size limit, parses it once with orjson, checks the
mirrored headers against it, and hands it to the router. No framework, no models.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Mapping
from typing import Any, Final

from heady.compose.model import ComposeFile
from heady.gateway import jsonrpc as rpc
from heady.gateway.asgi import (
    BodyTooLarge,
    Disconnected,
    EventStream,
    Headers,
    Receive,
    Scope,
    Send,
    read_body,
    send_body,
    send_empty,
    send_json,
)
from heady.gateway.backend import Backend
from heady.gateway.controls import RateLimiter, ResultCache
from heady.gateway.headers import check_request
from heady.gateway.jsonrpc import GatewayError
from heady.gateway.legacy import LegacySessions
from heady.gateway.listen import ALL_LISTS, plan, relay
from heady.gateway.mrtr import StateSealer
from heady.gateway.namespace import Namespace
from heady.gateway.origin import HostGuard
from heady.gateway.router import Call, Router
from heady.gateway.sessions import Session, SessionSigner
from heady.gateway.upstream.base import JSON, Upstream
from heady.gateway.versions import LEGACY, META_SUBSCRIPTION, MODERN, SUPPORTED
from heady.state import StateStore

log = logging.getLogger(__name__)

KEEPALIVE: Final = 15.0
"""Seconds between SSE comment lines on long-lived streams."""
_VALID_ID_TYPES: Final = (str, int)


def _retry_header(seconds: float | None) -> Headers:
    return [] if seconds is None else [(b"retry-after", str(max(1, math.ceil(seconds))).encode())]


class Gateway:
    """ASGI app: ``/mcp``, ``/servers/{name}/mcp``, ``/healthz``, ``/readyz``."""

    def __init__(
        self,
        compose: ComposeFile,
        upstreams: Mapping[str, Upstream],
        state: StateStore,
        *,
        manage_upstreams: bool = True,
    ) -> None:
        config = compose.gateway
        self.compose = compose
        self.upstreams = dict(upstreams)
        self.state = state
        self.manage_upstreams = manage_upstreams
        self.guard = HostGuard(config)
        self.signer = SessionSigner(config.session_secret)
        if self.signer.ephemeral:
            log.info("gateway.session_secret is unset: session ids are signed with a random key for this run")
        self.limiter = RateLimiter(state, config.rate_limit)
        self.cache = ResultCache(state)
        self.sessions = LegacySessions(state, self.signer)
        sealer = StateSealer(self.signer.key)
        backends = [
            Backend.build(name, compose.servers[name], upstream, config.limits)
            for name, upstream in sorted(self.upstreams.items())
        ]
        self.backends = {b.name: b for b in backends}
        self.read_limit = max(
            [int(config.limits.max_request_bytes)]
            + [b.limits.max_request_bytes for b in backends]
            + [lim.max_request_bytes for b in backends for lim in b.tool_limits.values()]
        )
        self.request_limit = int(config.limits.max_request_bytes)
        merged = Router(
            backends,
            Namespace(self.backends, config.tool_separator),
            self.limiter,
            self.cache,
            sealer,
        )
        self.routers: dict[str, Router] = {"/mcp": merged, "/mcp/": merged}
        for backend in backends:
            single = Router([backend], None, self.limiter, self.cache, sealer)
            self.routers[f"/servers/{backend.name}/mcp"] = single
            self.routers[f"/servers/{backend.name}/mcp/"] = single
        self.merged = merged
        self.closing = asyncio.Event()
        self._inflight: dict[tuple[str, Any], asyncio.Task[Any]] = {}
        self._cancelled: set[tuple[str, Any]] = set()
        self._active = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._starting: asyncio.Future[Any] | None = None
        self._shut = False

    # -- lifecycle -------------------------------------------------------------------------

    async def startup(self) -> None:
        """Start the upstreams without waiting for them: the gateway serves at once, partially if need be."""
        if self.manage_upstreams and self._starting is None:
            self._starting = asyncio.ensure_future(
                asyncio.gather(*(u.start() for u in self.upstreams.values()))
            )

    async def started(self) -> None:
        """Wait until every upstream has made its first connection attempt."""
        if self._starting is not None:
            await asyncio.shield(self._starting)

    async def shutdown(self, drain: float = 30.0) -> None:
        """Stop taking streams, wait up to ``drain`` seconds for in-flight requests, close upstreams."""
        if self._shut:
            return
        self._shut = True
        self.closing.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), drain)
        if self._starting is not None and not self._starting.done():
            self._starting.cancel()
            with contextlib.suppress(BaseException):
                await self._starting
        if self.manage_upstreams:
            await asyncio.gather(*(u.close() for u in self.upstreams.values()), return_exceptions=True)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -- ASGI entry --------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            path = scope["path"]
            router = self.routers.get(path)
            if router is not None:
                self._active += 1
                self._idle.clear()
                try:
                    await self._mcp(router, scope, receive, send)
                finally:
                    self._active -= 1
                    if not self._active:
                        self._idle.set()
            elif path == "/healthz":
                await send_json(send, 200, {"status": "ok"})
            elif path == "/readyz":
                await self._readyz(send)
            else:
                await send_json(send, 404, {"error": f"no endpoint at {path}; MCP is at /mcp"})
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _readyz(self, send: Send) -> None:
        servers = {}
        for name, upstream in sorted(self.upstreams.items()):
            status = upstream.status
            servers[name] = {
                "state": status.state,
                "detail": status.detail,
                "protocol": status.protocol_version,
            }
        try:
            await self.state.ping()
            state: JSON = {"url": self.state.url.partition("://")[0] + "://", "ok": True}
        except Exception as exc:
            state = {"url": self.state.url.partition("://")[0] + "://", "ok": False, "detail": str(exc)}
        ready = any(b.ready for b in self.backends.values()) and state["ok"] and not self.closing.is_set()
        body: JSON = {
            "status": "ready" if ready else "not ready",
            "servers": servers,
            "unavailable": self.merged.unavailable(),
            "state": state,
        }
        await send_json(send, 200 if ready else 503, body)

    async def _mcp(self, router: Router, scope: Scope, receive: Receive, send: Send) -> None:
        host = origin = accept = version = mcp_method = mcp_name = session_id = content_type = None
        param_headers: dict[str, bytes] | None = None
        length = -1
        for key, value in scope["headers"]:
            if key == b"host":
                host = value
            elif key == b"origin":
                origin = value
            elif key == b"accept":
                accept = value
            elif key == b"mcp-protocol-version":
                version = value.decode("latin-1").strip(" \t")
            elif key == b"mcp-method":
                mcp_method = value
            elif key == b"mcp-name":
                mcp_name = value
            elif key == b"mcp-session-id":
                session_id = value.decode("latin-1")
            elif key == b"content-type":
                content_type = value
            elif key == b"content-length":
                length = int(value) if value.isdigit() else -1
            elif key.startswith(b"mcp-param-"):
                if param_headers is None:
                    param_headers = {}
                param_headers[key[10:].decode("latin-1")] = value
        if host is not None and not self.guard.host_allowed(host.decode("latin-1")):
            return await self._reject(
                send,
                403,
                rpc.FORBIDDEN,
                f"Host {host.decode('latin-1')!r} is not allowed; add it to gateway.allowed_hosts",
            )
        if origin is not None and not self.guard.origin_allowed(origin.decode("latin-1")):
            return await self._reject(
                send,
                403,
                rpc.FORBIDDEN,
                f"Origin {origin.decode('latin-1')!r} is not allowed; add it to gateway.allowed_origins",
            )
        wants_json = accept is None or b"application/json" in accept or b"*/*" in accept
        wants_sse = accept is not None and (b"text/event-stream" in accept or b"*/*" in accept)
        method = scope["method"]
        if method == "POST":
            if not (wants_json or wants_sse):
                return await self._reject(
                    send, 406, rpc.NOT_ACCEPTABLE, "Accept must include application/json or text/event-stream"
                )
            if content_type is not None and b"json" not in content_type:
                return await self._reject(
                    send,
                    415,
                    rpc.INVALID_REQUEST,
                    f"Content-Type {content_type.decode('latin-1')!r} is not JSON; send application/json",
                )
            await self._post(
                router,
                scope,
                receive,
                send,
                version,
                mcp_method,
                mcp_name,
                session_id,
                param_headers,
                length,
                wants_json,
                wants_sse,
            )
        elif method in ("GET", "DELETE"):
            if session_id is None or version == MODERN:
                await send_json(
                    send,
                    405,
                    rpc.error(
                        None,
                        rpc.INVALID_REQUEST,
                        f"{method} is for 2025-era sessions only; revision 2026-07-28 uses POST",
                    ),
                    [(b"allow", b"POST")],
                )
                return None
            session = await self.sessions.lookup(session_id)
            if session is None:
                return await self._reject(
                    send,
                    404,
                    rpc.SESSION_NOT_FOUND,
                    "session not found: it ended or was never issued; send initialize to start a new one",
                )
            if method == "DELETE":
                await self.sessions.end(session)
                await send_empty(send, 200)
            elif not wants_sse or accept is None:
                await self._reject(
                    send,
                    406,
                    rpc.NOT_ACCEPTABLE,
                    "GET opens an event stream; Accept must include text/event-stream",
                )
            else:
                await self._get_stream(router, session, receive, send)
        else:
            await send_json(
                send,
                405,
                rpc.error(None, rpc.INVALID_REQUEST, f"{method} is not allowed; send POST"),
                [(b"allow", b"GET, POST, DELETE")],
            )
        return None

    async def _reject(
        self, send: Send, status: int, code: int, message: str, request_id: Any = None, data: Any = None
    ) -> None:
        await send_json(send, status, rpc.error(request_id, code, message, data))

    # -- POST --------------------------------------------------------------------------------

    async def _post(
        self,
        router: Router,
        scope: Scope,
        receive: Receive,
        send: Send,
        version: str | None,
        mcp_method: bytes | None,
        mcp_name: bytes | None,
        session_id: str | None,
        param_headers: dict[str, bytes] | None,
        length: int,
        wants_json: bool,
        wants_sse: bool,
    ) -> None:
        limit = self.read_limit
        if length > limit:
            return await self._too_large(send, length, limit)
        try:
            body = await read_body(receive, limit)
        except BodyTooLarge:
            return await self._too_large(send, None, limit)
        except Disconnected:
            return None
        try:
            message = rpc.loads(body)
        except ValueError:
            return await self._reject(send, 400, rpc.PARSE_ERROR, "the body is not valid JSON")
        if type(message) is not dict:
            if type(message) is list:
                return await self._reject(
                    send,
                    400,
                    rpc.INVALID_REQUEST,
                    "batches are not supported; send one JSON-RPC message per POST",
                )
            return await self._reject(
                send, 400, rpc.INVALID_REQUEST, "the body must be one JSON-RPC message (an object)"
            )
        request_id = message.get("id")
        method = message.get("method")
        if message.get("jsonrpc") != "2.0":
            return await self._reject(
                send,
                400,
                rpc.INVALID_REQUEST,
                'the message must have "jsonrpc": "2.0"',
                request_id if type(request_id) in _VALID_ID_TYPES else None,
            )
        if method is None:
            if "result" in message or "error" in message:  # a client answering a request we sent it
                if session_id is not None:
                    answered = await self.sessions.lookup(session_id)
                    if answered is not None:
                        self.sessions.answer(answered, message)
                return await send_empty(send, 202)
            return await self._reject(send, 400, rpc.INVALID_REQUEST, "the message has no method", None)
        is_request = "id" in message
        if type(method) is not str or (is_request and (type(request_id) not in _VALID_ID_TYPES)):
            return await self._reject(
                send, 400, rpc.INVALID_REQUEST, "method must be a string and id a string or an integer"
            )
        params = message.get("params")
        if params is None:
            params = {}
        elif type(params) is not dict:
            return await self._reject(send, 400, rpc.INVALID_PARAMS, "params must be an object", request_id)
        client = scope["client"][0] if scope.get("client") else "local"

        # Which revision: an initialize or a session id means 2025-era; the version header decides the rest.
        session: Session | None = None
        if method == "initialize" and version != MODERN:
            if not is_request:
                return await self._reject(
                    send, 400, rpc.INVALID_REQUEST, "initialize must be a request (with an id)"
                )
            return await self._initialize(router, send, request_id, params, client)
        if version == MODERN or (version is None and session_id is None and not is_request):
            modern = True
        elif session_id is not None:
            if version is not None and version not in SUPPORTED:
                return await self._unsupported(send, request_id, version)
            session = await self.sessions.lookup(session_id)
            if session is None:
                return await self._reject(
                    send,
                    404,
                    rpc.SESSION_NOT_FOUND,
                    "session not found: it ended or was never issued; send initialize to start a new one",
                    request_id,
                )
            modern = False
        elif version is None:
            return await self._reject(
                send,
                400,
                rpc.HEADER_MISMATCH,
                "missing MCP-Protocol-Version header: send 2026-07-28, "
                "or initialize to start a 2025-era session",
                request_id,
            )
        elif version in LEGACY:
            return await self._reject(
                send,
                400,
                rpc.INVALID_REQUEST,
                f"missing Mcp-Session-Id header: protocol {version} needs a session; send initialize first",
                request_id,
            )
        else:
            return await self._unsupported(send, request_id, version)

        if not is_request:
            if method == "notifications/cancelled" and session is not None:
                self._cancel(session.nonce, params.get("requestId"))
            return await send_empty(send, 202)

        if modern:
            assert version is not None
            problem = check_request(method, params, version, mcp_method, mcp_name)
            if problem is not None:
                return await send_json(send, problem.status, problem.response(request_id))
            if not router.knows(method, modern=True) and method != "subscriptions/listen":
                return await self._reject(
                    send,
                    404,
                    rpc.METHOD_NOT_FOUND,
                    f"method '{method}' is not supported by the gateway",
                    request_id,
                )
            call = Call(request_id, method, params, True, client, _client_caps(params), _client_info(params))
            call.param_headers = param_headers
        else:
            assert session is not None
            call = Call(
                request_id,
                method,
                params,
                False,
                client,
                session.client_capabilities,
                session.client_info,
            )

        if session is not None:
            if method in _SESSION_METHODS:
                return await self._session_method(router, send, session, call)
            call.log_level = await self.sessions.log_level(session)

        if len(body) > self.request_limit and not self._fits(router, call, len(body)):
            return await self._too_large(send, len(body), self.request_limit, request_id)
        try:
            await self.limiter.check_gateway(call.client, str(params.get("name") or method))
        except GatewayError as exc:
            return await send_json(send, exc.status, exc.response(request_id), _retry_header(exc.retry_after))

        if method == "subscriptions/listen":
            if not modern:
                return await send_json(
                    send,
                    200,
                    rpc.error(
                        request_id,
                        rpc.METHOD_NOT_FOUND,
                        "subscriptions/listen is a 2026-07-28 method; 2025-era sessions use the GET stream",
                    ),
                )
            if not wants_sse:
                return await self._reject(
                    send,
                    406,
                    rpc.NOT_ACCEPTABLE,
                    "subscriptions/listen answers with an event stream; "
                    "Accept must include text/event-stream",
                    request_id,
                )
            return await self._listen(router, call, receive, send)

        meta = params.get("_meta")
        if wants_sse and (
            not wants_json or session is not None or (type(meta) is dict and "progressToken" in meta)
        ):
            # A 2025-era session that accepts SSE always gets a stream (as 2025 servers answer);
            # a 2026-07-28 client gets JSON unless something must precede the response.
            return await self._stream(
                router, call, receive, send, session, lazy=wants_json and session is None
            )
        call.on_message = None
        key = (session.nonce, request_id) if session is not None else None
        if key is not None:
            self._inflight[key] = asyncio.current_task()  # type: ignore[assignment]
        try:
            response = await router.handle(call)
        except GatewayError as exc:
            return await send_json(send, exc.status, exc.response(request_id), _retry_header(exc.retry_after))
        except asyncio.CancelledError:
            if key is None or key not in self._cancelled:
                raise
            self._cancelled.discard(key)
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            response = rpc.error(request_id, rpc.REQUEST_CANCELLED, "the request was cancelled by the client")
        finally:
            if key is not None:
                self._inflight.pop(key, None)
                self._cancelled.discard(key)
        await send_body(send, _status(response, call.modern), rpc.dumps(response), _JSON)
        return None

    def _fits(self, router: Router, call: Call, size: int) -> bool:
        """Whether a body above the gateway limit is allowed by a server or tool override."""
        if call.method not in ("tools/call", "prompts/get", "resources/read"):
            return False
        name = call.params.get("name") if call.method != "resources/read" else call.params.get("uri")
        if not isinstance(name, str):
            return False
        if router.single is not None:
            backend, tool = router.single, name
        else:
            ns = router.namespace
            assert ns is not None
            split = ns.split(name) if call.method != "resources/read" else ns.split_uri(name)
            if split is None:
                return False
            backend, tool = router.backends[split[0]], split[1]
        limits = backend.limits_for(tool) if call.method == "tools/call" else backend.limits
        return size <= limits.max_request_bytes

    async def _too_large(self, send: Send, size: int | None, limit: int, request_id: Any = None) -> None:
        what = f"{size} bytes" if size is not None else "the body"
        await send_json(
            send,
            413,
            rpc.error(
                request_id,
                rpc.REQUEST_TOO_LARGE,
                f"request too large: {what} exceeds max_request_bytes of {limit}; "
                "send a smaller request or raise limits.max_request_bytes",
                {"limit": limit},
            ),
        )

    async def _unsupported(self, send: Send, request_id: Any, version: str) -> None:
        await send_json(
            send,
            400,
            rpc.error(
                request_id,
                rpc.UNSUPPORTED_VERSION,
                f"unsupported protocol version {version!r}",
                {"supported": list(SUPPORTED), "requested": version},
            ),
        )

    async def _initialize(
        self, router: Router, send: Send, request_id: Any, params: JSON, client: str
    ) -> None:
        caps = params.get("capabilities")
        info = params.get("clientInfo")
        call = Call(
            request_id,
            "initialize",
            params,
            False,
            client,
            caps if type(caps) is dict else {},
            info if type(info) is dict else None,
        )
        response = await router.handle(call)
        version = response["result"]["protocolVersion"]
        session = self.signer.mint(version, call.capabilities, call.client_info)
        await send_body(
            send, 200, rpc.dumps(response), [*_JSON, (b"mcp-session-id", session.id.encode("ascii"))]
        )

    def _cancel(self, nonce: str, request_id: Any) -> None:
        key = (nonce, request_id)
        task = self._inflight.get(key)
        if task is not None and not task.done():
            self._cancelled.add(key)
            task.cancel()

    # -- streams -----------------------------------------------------------------------------

    async def _stream(
        self,
        router: Router,
        call: Call,
        receive: Receive,
        send: Send,
        session: Session | None,
        lazy: bool,
    ) -> None:
        """Answer on an SSE stream: request-scoped notifications first, then the response.

        With ``lazy`` (the client accepts JSON too) the stream starts only when something
        must precede the response; a response alone goes out as JSON. The client closing
        the stream cancels the request (and so the upstream call). A 2025-era session is
        asked for input (elicitation, sampling) on this stream.
        """
        stream = EventStream(send)
        call.on_message = stream.event
        if session is not None:
            call.ask = self._asker(session, stream)
        work = asyncio.ensure_future(router.handle(call))
        key = (session.nonce, call.id) if session is not None else None
        if key is not None:
            self._inflight[key] = work
        gone = asyncio.ensure_future(_wait_disconnect(receive))
        try:
            await asyncio.wait((work, gone), return_when=asyncio.FIRST_COMPLETED)
            if not work.done():
                work.cancel()
                with contextlib.suppress(BaseException):
                    await work
                return
            try:
                response = work.result()
            except asyncio.CancelledError:
                response = rpc.error(
                    call.id, rpc.REQUEST_CANCELLED, "the request was cancelled by the client"
                )
            except GatewayError as exc:
                if not stream.started:
                    return await send_json(
                        send, exc.status, exc.response(call.id), _retry_header(exc.retry_after)
                    )
                response = exc.response(call.id)
            if not stream.started and (lazy or "error" in response):
                return await send_json(send, _status(response, call.modern), response)
            await stream.event(response)
            await stream.close()
        finally:
            gone.cancel()
            if key is not None:
                self._inflight.pop(key, None)
                self._cancelled.discard(key)
        return None

    def _asker(self, session: Session, stream: EventStream) -> Any:
        """Sends a request to a 2025-era client on ``stream`` and waits (bounded) for its answer."""

        async def ask(method: str, params: JSON, wait: float) -> JSON:
            request_id, answer = self.sessions.expect(session)
            try:
                await stream.event({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
                message = await asyncio.wait_for(answer, wait)
            except TimeoutError:
                raise GatewayError(
                    rpc.REQUEST_TIMEOUT, f"the client did not answer {method} within {wait:g}s"
                ) from None
            finally:
                self.sessions.forget(session, request_id)
            error = message.get("error")
            if error is not None:
                detail = error.get("message") if type(error) is dict else error
                raise GatewayError(rpc.INVALID_REQUEST, f"the client refused {method}: {detail}")
            result = message.get("result")
            return result if type(result) is dict else {}

        return ask

    async def _session_method(self, router: Router, send: Send, session: Session, call: Call) -> None:
        """Methods that change a 2025-era session's state: log level, resource subscriptions."""
        params = call.params
        if call.method == "logging/setLevel":
            level = params.get("level")
            if not isinstance(level, str) or level not in _LOG_LEVELS:
                problem = f"params.level must be one of {', '.join(_LOG_LEVELS)}"
                return await send_json(send, 200, rpc.error(call.id, rpc.INVALID_PARAMS, problem))
            await self.sessions.set_log_level(session, level)
        else:
            uri = params.get("uri")
            if not isinstance(uri, str) or not router.owns_uri(uri):
                problem = f"params.uri {uri!r} is not a resource URI of this endpoint (see resources/list)"
                return await send_json(send, 200, rpc.error(call.id, rpc.INVALID_PARAMS, problem))
            if call.method == "resources/subscribe":
                await self.sessions.subscribe(session, uri)
            else:
                await self.sessions.unsubscribe(session, uri)
        await send_json(send, 200, rpc.result(call.id, {}))
        return None

    async def _listen(self, router: Router, call: Call, receive: Receive, send: Send) -> None:
        wanted = call.params.get("notifications")
        honoured, targets = plan(router, wanted if type(wanted) is dict else {})
        stream = EventStream(send)
        await stream.event(
            {
                "jsonrpc": "2.0",
                "method": "notifications/subscriptions/acknowledged",
                "params": {"_meta": {META_SUBSCRIPTION: call.id}, "notifications": honoured},
            }
        )
        gone = asyncio.ensure_future(_wait_disconnect(receive))
        try:
            await self._hold(router, call, targets, stream, gone, legacy=False)
        finally:
            gone.cancel()
        if not stream.closed:
            await stream.event(
                {
                    "jsonrpc": "2.0",
                    "id": call.id,
                    "result": {"resultType": "complete", "_meta": {META_SUBSCRIPTION: call.id}},
                }
            )
            await stream.close()

    async def _get_stream(self, router: Router, session: Session, receive: Receive, send: Send) -> None:
        """The 2025-era GET stream: every server's list changes and the session's resource
        updates, until the client leaves; re-planned when the session's subscriptions change."""
        call = Call(
            "heady-get-stream",
            "subscriptions/listen",
            {},
            False,
            session.nonce,
            session.client_capabilities,
            session.client_info,
        )
        stream = EventStream(send)
        await stream.start()
        changed = self.sessions.watch(session)
        gone = asyncio.ensure_future(_wait_disconnect(receive))
        try:
            while True:
                changed.clear()
                wanted = {**ALL_LISTS, "resourceSubscriptions": await self.sessions.subscriptions(session)}
                _, targets = plan(router, wanted)
                reason = await self._hold(router, call, targets, stream, gone, legacy=True, changed=changed)
                if reason != "changed":
                    break
        finally:
            gone.cancel()
            self.sessions.unwatch(session, changed)
        await stream.close()

    async def _hold(
        self,
        router: Router,
        call: Call,
        targets: Any,
        stream: EventStream,
        gone: asyncio.Future[None],
        legacy: bool,
        changed: asyncio.Event | None = None,
    ) -> str:
        """Relay upstream notifications until the client leaves (``gone``), the gateway shuts
        down (``closing``), every upstream stream ends (``ended``) or ``changed`` is set."""
        pump = asyncio.ensure_future(relay(router, call, targets, stream.event, legacy))
        closing = asyncio.ensure_future(self.closing.wait())
        waiters: list[asyncio.Future[Any]] = [pump, gone, closing]
        if changed is not None:
            waiters.append(asyncio.ensure_future(changed.wait()))
        try:
            while True:
                done, _ = await asyncio.wait(waiters, timeout=KEEPALIVE, return_when=asyncio.FIRST_COMPLETED)
                if gone in done:
                    stream.closed = True
                    return "gone"
                if closing in done:
                    return "closing"
                if pump in done:
                    return "ended"
                if done:
                    return "changed"
                await stream.comment()
        finally:
            for task in waiters:
                if task is not gone:
                    task.cancel()
            with contextlib.suppress(BaseException):
                await pump


_JSON: Final[Headers] = [(b"content-type", b"application/json")]
_SESSION_METHODS: Final = frozenset({"logging/setLevel", "resources/subscribe", "resources/unsubscribe"})
_LOG_LEVELS: Final = ("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency")
_ERROR_STATUS: Final = {
    rpc.HEADER_MISMATCH: 400,
    rpc.MISSING_CAPABILITY: 400,
    rpc.UNSUPPORTED_VERSION: 400,
    rpc.METHOD_NOT_FOUND: 404,
}
"""HTTP status of a 2026-07-28 answer carrying these JSON-RPC errors (from the gateway or a server)."""


def _status(response: JSON, modern: bool) -> int:
    error = response.get("error")
    if error is None or not modern or type(error) is not dict:
        return 200
    return _ERROR_STATUS.get(error.get("code"), 200)


async def _wait_disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


def _client_caps(params: JSON) -> JSON:
    meta = params.get("_meta")
    caps = meta.get("io.modelcontextprotocol/clientCapabilities") if type(meta) is dict else None
    return caps if type(caps) is dict else {}


def _client_info(params: JSON) -> JSON | None:
    meta = params.get("_meta")
    info = meta.get("io.modelcontextprotocol/clientInfo") if type(meta) is dict else None
    return info if type(info) is dict else None
