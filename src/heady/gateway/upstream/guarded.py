"""The per-upstream controls every upstream kind shares: breaker, in-flight/queue bounds, timeout.

A subclass implements ``_send`` (one exchange with its server) and ``_connect`` (learn the
server's version and capabilities); this class turns every way a call can fail into an
``UpstreamError`` naming the server, and keeps ``status`` current.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from heady.compose.model import Limits
from heady.gateway.upstream.base import JSON, CallContext, UpstreamError, UpstreamStatus
from heady.gateway.upstream.breaker import CircuitBreaker
from heady.gateway.upstream.limiter import ConcurrencyLimiter, Overloaded

log = logging.getLogger(__name__)

_BREAKER_KINDS = frozenset({"unavailable", "timeout", "protocol"})
"""Failures that say the server is unhealthy (too_large and overloaded do not)."""
_RECONNECT_MAX = 5.0
_CONNECT_SECONDS = 10.0
"""Longest a connect attempt (handshake included) may take; never longer than the call timeout."""


class _Deadline:
    """The call's timeout: one timer that cancels the calling task (lighter than ``asyncio.timeout``).

    ``expired()`` says whether a CancelledError came from this timer (and then withdraws
    the cancellation request, so the task goes on to answer the client).
    """

    __slots__ = ("_cancelling", "_fired", "_handle", "_task")

    def __init__(self, seconds: float) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._task = task
        self._cancelling = task.cancelling()
        self._fired = False
        self._handle = asyncio.get_running_loop().call_later(seconds, self._fire)

    def _fire(self) -> None:
        self._fired = True
        self._task.cancel()

    def expired(self) -> bool:
        return self._fired and self._task.uncancel() <= self._cancelling

    def cancel(self) -> None:
        self._handle.cancel()


class GuardedUpstream:
    """Base of every upstream: ``call`` = breaker + bounded slot + timeout around ``_send``."""

    def __init__(
        self,
        name: str,
        limits: Limits,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.name = name
        self.limiter = ConcurrencyLimiter(limits.max_in_flight, limits.max_queue)
        self.connect_timeout = min(_CONNECT_SECONDS, float(limits.timeout))
        self.breaker = breaker or CircuitBreaker()
        self._status = UpstreamStatus()
        self._reconnect: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def status(self) -> UpstreamStatus:
        status = self._status
        if self.breaker.state == "open":
            status.state = "circuit_open"
            status.detail = (
                f"{self.breaker.failures} consecutive failures; next probe in {self.breaker.retry_after:.0f}s"
            )
        elif status.state == "circuit_open":
            status.state = "degraded"
            status.detail = "circuit half-open: the next call probes the server"
        return status

    # -- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        """Connect once; when the server is not there yet, keep trying in the background."""
        if not await self._try_connect():
            self._schedule_reconnect()

    async def close(self) -> None:
        self._closed = True
        if self._reconnect is not None:
            self._reconnect.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconnect
        await self._close()

    async def _try_connect(self) -> bool:
        try:
            async with asyncio.timeout(self.connect_timeout):
                await self._connect()
        except TimeoutError:
            self._mark_down(f"no answer to the handshake within {self.connect_timeout:g}s")
            return False
        except UpstreamError as exc:
            self._mark_down(str(exc).partition(": ")[2] or str(exc))
            return False
        except Exception as exc:  # never raise from start(): status says what happened
            log.warning("upstream '%s' failed to connect: %s", self.name, exc)
            self._mark_down(str(exc) or type(exc).__name__)
            return False
        self._status.state = "ready"
        self._status.detail = ""
        return True

    def _mark_down(self, detail: str) -> None:
        self._status.state = "down"
        self._status.detail = detail
        self._schedule_reconnect()

    def _schedule_reconnect(self) -> None:
        if self._closed or (self._reconnect is not None and not self._reconnect.done()):
            return
        self._reconnect = asyncio.get_running_loop().create_task(self._reconnect_loop())

    async def _reconnect_loop(self) -> None:
        delay = 0.25
        while not self._closed and self._status.state == "down":
            await asyncio.sleep(delay)
            delay = min(delay * 2, _RECONNECT_MAX)
            if self._status.state == "down":
                await self._try_connect()

    # -- calls ----------------------------------------------------------------------

    async def call(self, request: JSON, ctx: CallContext) -> JSON:
        breaker = self.breaker
        if not breaker.allow():
            raise UpstreamError(
                self.name,
                "circuit_open",
                f"circuit open after {breaker.failures} consecutive failures; "
                f"next probe in {breaker.retry_after:.1f}s",
                retry_after=breaker.retry_after,
            )
        limiter = self.limiter
        try:
            started = limiter.enter_now() or await limiter.enter()
            deadline = _Deadline(ctx.timeout)
            try:
                response = await self._send(request, ctx)
            except asyncio.CancelledError:
                if not deadline.expired():
                    raise
                raise UpstreamError(
                    self.name,
                    "timeout",
                    f"no answer within the timeout of {ctx.timeout:g}s; the request was cancelled",
                ) from None
            finally:
                deadline.cancel()
                limiter.exit(started)
        except Overloaded as exc:
            breaker.release()
            raise UpstreamError(
                self.name,
                "overloaded",
                f"{self.limiter.max_in_flight} calls in flight and {self.limiter.max_queue} queued "
                "(max_in_flight, max_queue)",
                retry_after=exc.retry_after,
            ) from None
        except UpstreamError as exc:
            if exc.kind in _BREAKER_KINDS:
                breaker.failure()
                if exc.kind == "unavailable":
                    self._mark_down(str(exc).partition(": ")[2])
            else:
                breaker.release()
            raise
        except BaseException:
            breaker.release()
            raise
        breaker.success()
        if self._status.state != "ready":
            self._status.state = "ready"
            self._status.detail = ""
        return response

    def listen(self, request: JSON, ctx: CallContext) -> AsyncIterator[JSON]:
        return self._listen(request, ctx)

    # -- for subclasses -------------------------------------------------------------

    async def _connect(self) -> None:
        raise NotImplementedError

    async def _send(self, request: JSON, ctx: CallContext) -> JSON:
        raise NotImplementedError

    def _listen(self, request: JSON, ctx: CallContext) -> AsyncIterator[JSON]:
        raise NotImplementedError

    async def _close(self) -> None:
        return None
