"""The state interface: every piece of state that replicas must share goes through it.

Values are bytes so that any backend (memory now, Redis later) stores them as they are.
Every method is async even when the backend answers at once, so callers never change
when the backend moves across the network.
"""

from __future__ import annotations

from typing import Protocol


class StateError(Exception):
    """The state store is misconfigured or cannot be reached."""


class StateStore(Protocol):
    """Key/value with TTLs, counters, token buckets and sets."""

    url: str

    async def get(self, key: str) -> bytes | None:
        """The value, or None when absent or expired."""

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        """Store ``value``; it expires after ``ttl`` seconds when given."""

    async def delete(self, key: str) -> None: ...

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        """Add ``amount`` and return the new value; ``ttl`` applies when the counter is created."""

    async def take(self, key: str, rate: float, burst: int, tokens: int = 1) -> float:
        """Take ``tokens`` from a token bucket refilled at ``rate``/s up to ``burst``.

        Returns 0.0 when taken, else the seconds until enough tokens are available.
        """

    async def set_add(self, key: str, member: str, ttl: float | None = None) -> None:
        """Add ``member`` to the set ``key``; the member expires after ``ttl`` seconds when given."""

    async def set_contains(self, key: str, member: str) -> bool: ...

    async def set_remove(self, key: str, member: str) -> None: ...

    async def set_members(self, key: str) -> list[str]:
        """The live members of the set ``key``, sorted."""

    async def ping(self) -> None:
        """Raise StateError when the store cannot serve requests."""

    async def close(self) -> None: ...
