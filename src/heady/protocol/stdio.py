"""Newline-delimited JSON-RPC over a server process's stdin/stdout, shared by many callers.

One ``StdioChannel`` multiplexes every concurrent request to one process: each request
gets a channel-local id (and a channel-local progress token), so callers that chose the
same ids never collide; the response comes back with the caller's id. The supervisor
creates the process and the channel (its readiness probe is ``handshake()``); the gateway's
stdio upstream sends requests through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from heady.protocol import jsonrpc, versions
from heady.protocol.jsonrpc import JSON

logger = logging.getLogger(__name__)

MessageHandler = Callable[[JSON], Awaitable[None]]
RequestHandler = Callable[[JSON], Awaitable[JSON]]
"""Answers a server->client request: returns the ``result`` object or raises ``RequestFailed``."""

_READ_CHUNK = 256 * 1024


class ChannelClosed(ConnectionError):
    """The server process ended (or the channel was closed) before it answered."""


class ResponseTooLarge(Exception):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"response of {size} bytes exceeds the limit of {limit} bytes")
        self.size = size
        self.limit = limit


class RequestFailed(Exception):
    """A JSON-RPC error answer to a handshake request, or raised by a request handler."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"{message} (JSON-RPC error {code})")
        self.code = code
        self.message = message
        self.data = data


class _Pending:
    __slots__ = ("future", "max_bytes", "on_message", "original_id", "progress_token")

    def __init__(
        self,
        original_id: Any,
        on_message: MessageHandler | None,
        max_bytes: int | None,
        progress_token: Any,
    ) -> None:
        self.future: asyncio.Future[JSON] = asyncio.get_running_loop().create_future()
        self.original_id = original_id
        self.on_message = on_message
        self.max_bytes = max_bytes
        self.progress_token = progress_token


class StdioChannel:
    """A JSON-RPC client over one process's pipes; safe for any number of concurrent callers."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        name: str = "stdio",
        process: asyncio.subprocess.Process | None = None,
        max_message_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        self.name = name
        self.process = process
        self.max_message_bytes = max_message_bytes
        self.protocol_version: str | None = None
        self.server_info: JSON | None = None
        self.capabilities: JSON | None = None
        self.instructions: str | None = None
        self.close_reason: str | None = None
        self._reader = reader
        self._writer = writer
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._progress: dict[str, _Pending] = {}
        self._subscribers: list[MessageHandler] = []
        self._handlers: dict[str, RequestHandler] = {"ping": _pong}
        self._tasks: set[asyncio.Task[None]] = set()
        self._read_task: asyncio.Task[None] | None = None

    @classmethod
    def from_process(cls, process: asyncio.subprocess.Process, name: str = "stdio") -> StdioChannel:
        """A started channel on a process created with ``stdin=PIPE, stdout=PIPE``."""
        if process.stdin is None or process.stdout is None:
            raise ValueError(f"stdio server '{name}': start the process with stdin and stdout pipes")
        channel = cls(process.stdout, process.stdin, name=name, process=process)
        channel.start()
        return channel

    def start(self) -> None:
        """Start reading the server's output (idempotent)."""
        if self._read_task is None:
            self._read_task = asyncio.get_running_loop().create_task(
                self._read_loop(), name=f"stdio-read-{self.name}"
            )

    @property
    def closed(self) -> bool:
        return self.close_reason is not None

    @property
    def in_flight(self) -> int:
        return len(self._pending)

    # -- handlers -----------------------------------------------------------------

    def subscribe(self, handler: MessageHandler) -> Callable[[], None]:
        """Receive every server notification not tied to a caller (list_changed, log messages, ...).

        Returns a function that removes the subscription.
        """
        self._subscribers.append(handler)
        return lambda: self._subscribers.remove(handler) if handler in self._subscribers else None

    def set_request_handler(self, method: str, handler: RequestHandler | None) -> None:
        """Answer server->client requests of ``method``; unhandled methods get -32601."""
        if handler is None:
            self._handlers.pop(method, None)
        else:
            self._handlers[method] = handler

    # -- sending --------------------------------------------------------------------

    async def request(
        self,
        message: JSON,
        timeout: float | None = None,  # noqa: ASYNC109
        *,
        on_message: MessageHandler | None = None,
        max_response_bytes: int | None = None,
    ) -> JSON:
        """Send one request and return its response (result or error) carrying the caller's id.

        ``on_message`` receives the request's progress notifications (with the caller's token).
        On timeout or cancellation the server gets ``notifications/cancelled`` and the
        caller gets ``TimeoutError`` / ``CancelledError``; ``ChannelClosed`` when the process ends.
        """
        if self.close_reason is not None:
            raise ChannelClosed(self.close_reason)
        local_id = next(self._ids)
        original_id = message.get("id")
        outgoing = dict(message)
        outgoing["id"] = local_id
        token = None
        params = message.get("params")
        if isinstance(params, dict):
            meta = params.get("_meta")
            if isinstance(meta, dict) and "progressToken" in meta:
                token = meta["progressToken"]
                outgoing["params"] = {**params, "_meta": {**meta, "progressToken": f"heady-{local_id}"}}
        pending = _Pending(original_id, on_message, max_response_bytes, token)
        self._pending[local_id] = pending
        if token is not None:
            self._progress[f"heady-{local_id}"] = pending
        try:
            async with asyncio.timeout(timeout):
                await self._send(outgoing)
                response = await pending.future
        except BaseException as exc:
            answered = pending.future.done() and not pending.future.cancelled()
            if not answered and self.close_reason is None:
                reason = "timed out" if isinstance(exc, TimeoutError) else "cancelled"
                self._write_quietly(
                    jsonrpc.notification("notifications/cancelled", {"requestId": local_id, "reason": reason})
                )
            raise
        finally:
            self._pending.pop(local_id, None)
            if token is not None:
                self._progress.pop(f"heady-{local_id}", None)
        if original_id is None:
            response.pop("id", None)
        else:
            response["id"] = original_id
        return response

    async def notify(self, message: JSON) -> None:
        """Send a notification (no answer)."""
        if self.close_reason is not None:
            raise ChannelClosed(self.close_reason)
        await self._send(message)

    async def _send(self, message: JSON) -> None:
        self._write(message)
        try:
            await self._writer.drain()
        except ConnectionError as exc:
            self._close(f"stdio server '{self.name}' stopped reading its input ({exc})")
            raise ChannelClosed(self.close_reason) from exc

    def _write(self, message: JSON) -> None:
        try:
            self._writer.write(jsonrpc.dumps(message) + b"\n")
        except (ConnectionError, RuntimeError) as exc:
            self._close(f"stdio server '{self.name}' stopped reading its input ({exc})")
            raise ChannelClosed(self.close_reason) from exc

    def _write_quietly(self, message: JSON) -> None:
        with contextlib.suppress(ChannelClosed):
            self._write(message)

    # -- handshakes -----------------------------------------------------------------

    async def initialize(
        self,
        protocol_version: str = versions.LEGACY,
        client_info: JSON | None = None,
        capabilities: JSON | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> JSON:
        """The 2025-era handshake: ``initialize`` then ``notifications/initialized``."""
        params = {
            "protocolVersion": protocol_version,
            "capabilities": capabilities or {},
            "clientInfo": client_info or versions.CLIENT_INFO,
        }
        result = _result_of(await self.request(jsonrpc.request(0, "initialize", params), timeout))
        await self.notify(jsonrpc.notification("notifications/initialized"))
        self.protocol_version = str(result.get("protocolVersion", protocol_version))
        self.server_info = result.get("serverInfo")
        self.capabilities = result.get("capabilities") or {}
        self.instructions = result.get("instructions")
        return result

    async def discover(
        self,
        client_info: JSON | None = None,
        capabilities: JSON | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> JSON:
        """The 2026-07-28 ``server/discover``; raises ``RequestFailed`` when the server rejects it."""
        meta = versions.modern_meta(capabilities)
        if client_info is not None:
            meta[versions.META_CLIENT_INFO] = client_info
        params = {"_meta": meta}
        result = _result_of(await self.request(jsonrpc.request(0, "server/discover", params), timeout))
        supported = result.get("supportedVersions") or []
        if versions.MODERN not in supported:
            raise RequestFailed(
                versions.UNSUPPORTED_PROTOCOL_VERSION,
                f"server supports {supported}, not {versions.MODERN}",
                {"supported": supported, "requested": versions.MODERN},
            )
        self.protocol_version = versions.MODERN
        self.server_info = (result.get("_meta") or {}).get(versions.META_SERVER_INFO)
        self.capabilities = result.get("capabilities") or {}
        self.instructions = result.get("instructions")
        return result

    async def handshake(self, protocol: str = "auto", timeout: float = 10.0) -> str:  # noqa: ASYNC109
        """Learn what the server speaks; returns the protocol version in use.

        ``auto`` probes with ``server/discover`` and falls back to ``initialize`` on any
        error that is not a modern one (or no answer within ``timeout``), as the 2026-07-28
        stdio binding says. A forced 2025-era version initializes directly.
        """
        if protocol in versions.HANDSHAKE_VERSIONS:
            await self.initialize(protocol, timeout=timeout)
        elif protocol == versions.MODERN:
            await self.discover(timeout=timeout)
        else:
            try:
                await self.discover(timeout=timeout)
            except RequestFailed as exc:
                if exc.code in versions.MODERN_ERROR_CODES:
                    raise
                await self.initialize(timeout=timeout)
            except TimeoutError:
                await self.initialize(timeout=timeout)
        assert self.protocol_version is not None
        return self.protocol_version

    # -- closing --------------------------------------------------------------------

    async def close(self) -> None:
        """Stop using the channel: closes the server's stdin (the process is the supervisor's)."""
        self._close(f"stdio channel to '{self.name}' was closed")
        with contextlib.suppress(Exception):
            self._writer.close()
        if self._read_task is not None and self._read_task is not asyncio.current_task():
            self._read_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._read_task

    async def wait_closed(self) -> None:
        if self._read_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._read_task)

    def _close(self, reason: str) -> None:
        if self.close_reason is not None:
            return
        self.close_reason = reason
        error = ChannelClosed(reason)
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(error)
        self._pending.clear()
        self._progress.clear()

    # -- reading --------------------------------------------------------------------

    async def _read_loop(self) -> None:
        parts: list[bytes] = []  # an unfinished line, in pieces (no quadratic re-copying)
        size = 0
        try:
            while True:
                chunk = await self._reader.read(_READ_CHUNK)
                if not chunk:
                    break
                if b"\n" not in chunk:
                    parts.append(chunk)
                    size += len(chunk)
                    if size > self.max_message_bytes:
                        raise ValueError(f"a message exceeds {self.max_message_bytes} bytes")
                    continue
                if parts:
                    parts.append(chunk)
                    chunk = b"".join(parts)
                    parts.clear()
                *lines, rest = chunk.split(b"\n")
                if rest:
                    parts.append(rest)
                size = len(rest)
                for line in lines:
                    if line.strip():
                        self._dispatch(line)
        except asyncio.CancelledError:
            self._close(f"stdio channel to '{self.name}' was closed")
            raise
        except Exception as exc:
            self._close(f"stdio server '{self.name}': unreadable output ({exc})")
            return
        self._close(await self._exit_reason())

    async def _exit_reason(self) -> str:
        if self.process is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    code = await self.process.wait()
                return f"stdio server '{self.name}' exited with code {code}"
        return f"stdio server '{self.name}' closed its output"

    def _dispatch(self, line: bytes) -> None:
        try:
            message = jsonrpc.loads(line)
        except ValueError:
            logger.debug("stdio server %r wrote a non-JSON line; ignored", self.name)
            return
        if not isinstance(message, dict):
            return
        if "method" not in message:
            pending = self._pending.get(message.get("id"))  # type: ignore[arg-type]
            if pending is None or pending.future.done():
                return
            if pending.max_bytes is not None and len(line) > pending.max_bytes:
                pending.future.set_exception(ResponseTooLarge(len(line), pending.max_bytes))
            else:
                pending.future.set_result(message)
        elif "id" in message:
            self._spawn(self._answer(message))
        elif message["method"] == "notifications/progress":
            self._relay_progress(message)
        else:
            for subscriber in list(self._subscribers):
                self._spawn(subscriber(message))

    def _relay_progress(self, message: JSON) -> None:
        params = message.get("params") or {}
        pending = self._progress.get(str(params.get("progressToken")))
        if pending is None or pending.on_message is None:
            return
        relayed = {**message, "params": {**params, "progressToken": pending.progress_token}}
        self._spawn(pending.on_message(relayed))

    async def _answer(self, message: JSON) -> None:
        handler = self._handlers.get(message["method"])
        if handler is None:
            reply = jsonrpc.error(
                message["id"],
                jsonrpc.METHOD_NOT_FOUND,
                f"the gateway does not support server requests of '{message['method']}'",
            )
        else:
            try:
                reply = jsonrpc.result(message["id"], await handler(message))
            except RequestFailed as exc:
                reply = jsonrpc.error(message["id"], exc.code, exc.message, exc.data)
            except Exception as exc:
                logger.warning("handler for %s from %r failed: %s", message["method"], self.name, exc)
                reply = jsonrpc.error(message["id"], jsonrpc.INTERNAL_ERROR, "the gateway could not answer")
        self._write_quietly(reply)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.warning("handling a message from %r failed: %s", self.name, task.exception())


async def _pong(message: JSON) -> JSON:
    return {}


def _result_of(response: JSON) -> JSON:
    if "error" in response:
        err = response["error"] or {}
        code = int(err.get("code", jsonrpc.INTERNAL_ERROR))
        raise RequestFailed(code, str(err.get("message")), err.get("data"))
    result = response.get("result")
    return result if isinstance(result, dict) else {}
