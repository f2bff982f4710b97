"""Bounded in-flight calls and a bounded queue per upstream: beyond both, refuse at once."""

from __future__ import annotations

import asyncio
import time
from collections import deque


class Overloaded(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"in-flight and queue limits reached; retry after {retry_after:.1f}s")
        self.retry_after = retry_after


class ConcurrencyLimiter:
    """At most ``max_in_flight`` calls run; at most ``max_queue`` wait; any more fail with ``Overloaded``.

    Memory stays bounded because a refused call never waits. ``retry_after`` estimates when
    a slot frees up from the average call duration. A free slot is taken without an
    ``await`` (the common case on the hot path); a finished call hands its slot to the
    oldest waiter directly.
    """

    def __init__(self, max_in_flight: int, max_queue: int) -> None:
        self.max_in_flight = max_in_flight
        self.max_queue = max_queue
        self.in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._avg_seconds = 0.05

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    @property
    def retry_after(self) -> float:
        backlog = (len(self._waiters) + 1) / self.max_in_flight
        return max(1.0, self._avg_seconds * backlog)

    def slot(self) -> _Slot:
        """``async with limiter.slot():`` holds one in-flight slot, waiting in the queue if need be."""
        return _Slot(self)

    def enter_now(self) -> float:
        """Take a free slot without waiting: its start time, or 0.0 when none is free (then ``enter``)."""
        if self.in_flight < self.max_in_flight and not self._waiters:
            self.in_flight += 1
            return time.monotonic()
        return 0.0

    async def enter(self) -> float:
        """Wait in the queue for a slot (``Overloaded`` when the queue is full too); its start time."""
        if len(self._waiters) >= self.max_queue:
            raise Overloaded(self.retry_after)
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._release()  # the slot was handed over just as the wait was cancelled
            else:
                self._waiters.remove(waiter)
            raise
        return time.monotonic()

    def exit(self, started: float) -> None:
        self._avg_seconds += (time.monotonic() - started - self._avg_seconds) * 0.1
        self._release()

    def _release(self) -> None:
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot passes on: in_flight stays the same
                return
        self.in_flight -= 1


class _Slot:
    """A class, not a generator-based context manager: cheap on every call."""

    __slots__ = ("_limiter", "_started")

    def __init__(self, limiter: ConcurrencyLimiter) -> None:
        self._limiter = limiter
        self._started = 0.0

    async def __aenter__(self) -> None:
        self._started = self._limiter.enter_now() or await self._limiter.enter()

    async def __aexit__(self, *exc_info: object) -> None:
        self._limiter.exit(self._started)
