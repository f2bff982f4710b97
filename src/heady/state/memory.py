"""The in-process state store: one gateway, or several app instances in one process (tests)."""

from __future__ import annotations

import time
from typing import Final

_SWEEP_EVERY: Final = 1024
"""Writes between sweeps of expired entries, so memory stays bounded without a timer task."""


class MemoryStore:
    """Dicts with monotonic expiry; nothing here suspends, so every call is one dict operation."""

    def __init__(self, url: str = "memory://") -> None:
        self.url = url
        self._values: dict[str, tuple[bytes | int, float]] = {}
        self._sets: dict[str, dict[str, float]] = {}
        self._buckets: dict[str, list[float]] = {}
        self._writes = 0

    def _wrote(self) -> None:
        self._writes += 1
        if self._writes >= _SWEEP_EVERY:
            self._writes = 0
            self.sweep()

    def sweep(self) -> None:
        """Drop expired values and set members, and buckets that have refilled completely."""
        now = time.monotonic()
        self._values = {k: v for k, v in self._values.items() if v[1] > now}
        for key, members in list(self._sets.items()):
            live = {m: exp for m, exp in members.items() if exp > now}
            if live:
                self._sets[key] = live
            else:
                del self._sets[key]
        self._buckets = {k: b for k, b in self._buckets.items() if b[2] > now}

    async def get(self, key: str) -> bytes | None:
        entry = self._values.get(key)
        if entry is None:
            return None
        value, expires = entry
        if expires <= time.monotonic():
            del self._values[key]
            return None
        return value if isinstance(value, bytes) else str(value).encode()

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        self._values[key] = (value, time.monotonic() + ttl if ttl is not None else float("inf"))
        self._wrote()

    async def delete(self, key: str) -> None:
        self._values.pop(key, None)

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        now = time.monotonic()
        entry = self._values.get(key)
        if entry is None or entry[1] <= now or not isinstance(entry[0], int):
            expires = now + ttl if ttl is not None else float("inf")
            current = 0
        else:
            current, expires = entry[0], entry[1]
        current += amount
        self._values[key] = (current, expires)
        self._wrote()
        return current

    async def take(self, key: str, rate: float, burst: int, tokens: int = 1) -> float:
        now = time.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            # [tokens, last refill, time at which the bucket is full again]
            bucket = self._buckets[key] = [float(burst), now, now]
            self._wrote()
        else:
            bucket[0] = min(float(burst), bucket[0] + (now - bucket[1]) * rate)
            bucket[1] = now
        if bucket[0] >= tokens:
            bucket[0] -= tokens
            bucket[2] = now + (burst - bucket[0]) / rate
            return 0.0
        return (tokens - bucket[0]) / rate

    async def set_add(self, key: str, member: str, ttl: float | None = None) -> None:
        self._sets.setdefault(key, {})[member] = time.monotonic() + ttl if ttl is not None else float("inf")
        self._wrote()

    async def set_contains(self, key: str, member: str) -> bool:
        members = self._sets.get(key)
        if not members:
            return False
        expires = members.get(member)
        return expires is not None and expires > time.monotonic()

    async def set_remove(self, key: str, member: str) -> None:
        members = self._sets.get(key)
        if members is not None:
            members.pop(member, None)
            if not members:
                del self._sets[key]

    async def set_members(self, key: str) -> list[str]:
        now = time.monotonic()
        return sorted(m for m, expires in self._sets.get(key, {}).items() if expires > now)

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._values.clear()
        self._sets.clear()
        self._buckets.clear()
