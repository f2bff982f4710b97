"""``subscriptions/listen`` fanned out to every upstream, change notifications merged in one stream."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from heady.gateway.backend import Backend
from heady.gateway.namespace import Namespace
from heady.gateway.router import Call, Router
from heady.gateway.upstream.base import JSON, CallContext
from heady.gateway.versions import META_SUBSCRIPTION

log = logging.getLogger(__name__)

LIST_CHANGED = {
    "toolsListChanged": "tools",
    "promptsListChanged": "prompts",
    "resourcesListChanged": "resources",
}
ALL_LISTS: JSON = dict.fromkeys(LIST_CHANGED, True)
"""The filter of a 2025-era GET stream: every list change."""

Emit = Callable[[JSON], Awaitable[None]]


def plan(router: Router, wanted: JSON) -> tuple[JSON, list[tuple[Backend, JSON]]]:
    """The filter the gateway honours and, per server, the filter it asks that server for."""
    honoured: JSON = {}
    per_server: dict[str, JSON] = {}
    for backend in router.backends.values():
        caps = backend.upstream.status.capabilities
        for flag, capability in LIST_CHANGED.items():
            if wanted.get(flag) is True and (caps is None or capability in caps):
                per_server.setdefault(backend.name, {})[flag] = True
                honoured[flag] = True
    uris = wanted.get("resourceSubscriptions")
    if isinstance(uris, list):
        accepted = []
        for uri in uris:
            if not isinstance(uri, str):
                continue
            if router.namespace is None:
                assert router.single is not None
                target: tuple[str, str] | None = (router.single.name, uri)
            else:
                target = router.namespace.split_uri(uri)
            if target is not None:
                per_server.setdefault(target[0], {}).setdefault("resourceSubscriptions", []).append(target[1])
                accepted.append(uri)
        if accepted:
            honoured["resourceSubscriptions"] = accepted
    return honoured, [(router.backends[name], f) for name, f in per_server.items()]


async def relay(
    router: Router, call: Call, plan_: list[tuple[Backend, JSON]], emit: Emit, legacy: bool
) -> None:
    """Pump every planned upstream stream into ``emit`` until cancelled; a failure ends only its own."""

    async def pump(backend: Backend, notifications: JSON) -> None:
        params = {"notifications": notifications}
        request = router.request_for(
            Call(
                call.id,
                "subscriptions/listen",
                call.params,
                call.modern,
                "",
                call.capabilities,
                call.client_info,
            ),
            params,
        )
        ctx = CallContext(
            float("inf"), backend.limits.max_response_bytes, call.capabilities, call.client_info
        )
        try:
            async for message in backend.upstream.listen(request, ctx):
                method = message.get("method")
                if not isinstance(method, str) or method == "notifications/subscriptions/acknowledged":
                    continue
                await emit(_rewrite(router, backend, message, call.id, legacy))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one server's stream failing never ends the others
            log.warning("subscriptions/listen to server '%s' ended: %s", backend.name, exc)

    tasks = [asyncio.create_task(pump(b, f)) for b, f in plan_]
    try:
        await asyncio.gather(*tasks)
        await asyncio.Event().wait()  # every upstream ended: keep the client's stream open until it leaves
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task


def _rewrite(router: Router, backend: Backend, message: JSON, sub_id: Any, legacy: bool) -> JSON:
    params = dict(message.get("params") or {})
    meta = dict(params.get("_meta") or {})
    if legacy:
        meta.pop(META_SUBSCRIPTION, None)
    else:
        meta[META_SUBSCRIPTION] = sub_id
    if meta:
        params["_meta"] = meta
    else:
        params.pop("_meta", None)
    if router.namespace is not None and isinstance(params.get("uri"), str):
        params["uri"] = Namespace.uri(backend.name, params["uri"])
    return {"jsonrpc": "2.0", "method": message["method"], "params": params}
