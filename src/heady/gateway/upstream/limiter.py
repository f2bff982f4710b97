"""Bounded in-flight calls and a bounded queue per upstream: beyond both, refuse at once."""

from __future__ import annotations

import asyncio
import time


class Overloaded(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"in-flight and queue limits reached; retry after {retry_after:.1f}s")
        self.retry_after = retry_after


class ConcurrencyLimiter:
    """At most ``max_in_flight`` calls run; at most ``max_queue`` wait; any more fail with ``Overloaded``.

    Memory stays bounded because a refused call never waits. ``retry_after`` estimates when
    a slot frees up from the average call duration.
    """

    def __init__(self, max_in_flight: int, max_queue: int) -> None:
        self.max_in_flight = max_in_flight
        self.max_queue = max_queue
        self.in_flight = 0
        self.waiting = 0
        self._semaphore = asyncio.Semaphore(max_in_flight)
        self._avg_seconds = 0.05

    @property
    def retry_after(self) -> float:
        backlog = (self.waiting + 1) / self.max_in_flight
        return max(1.0, self._avg_seconds * backlog)

    def slot(self) -> _Slot:
        """``async with limiter.slot():`` holds one in-flight slot, waiting in the queue if need be."""
        return _Slot(self)

    async def _enter(self) -> None:
        if self.in_flight >= self.max_in_flight:
            if self.waiting >= self.max_queue:
                raise Overloaded(self.retry_after)
            self.waiting += 1
            try:
                await self._semaphore.acquire()
            finally:
                self.waiting -= 1
        else:
            await self._semaphore.acquire()
        self.in_flight += 1

    def _exit(self, started: float) -> None:
        self.in_flight -= 1
        self._semaphore.release()
        self._avg_seconds += (time.monotonic() - started - self._avg_seconds) * 0.1


class _Slot:
    """A class, not a generator-based context manager: this runs on every forwarded call."""

    __slots__ = ("_limiter", "_started")

    def __init__(self, limiter: ConcurrencyLimiter) -> None:
        self._limiter = limiter
        self._started = 0.0

    async def __aenter__(self) -> None:
        await self._limiter._enter()
        self._started = time.monotonic()

    async def __aexit__(self, *exc_info: object) -> None:
        self._limiter._exit(self._started)
