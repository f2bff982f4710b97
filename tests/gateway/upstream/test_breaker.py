"""CircuitBreaker: closed -> open after N failures -> half-open probe after the cooldown -> closed or open."""

from __future__ import annotations

import asyncio

from heady.gateway.upstream.breaker import CircuitBreaker


def test_opens_after_consecutive_failures_only() -> None:
    breaker = CircuitBreaker(threshold=3, cooldown=60)
    for _ in range(2):
        breaker.failure()
    breaker.success()  # a success resets the count
    for _ in range(2):
        breaker.failure()
    assert breaker.state == "closed" and breaker.allow()
    breaker.failure()
    assert breaker.state == "open"
    assert not breaker.allow()
    assert 59 < breaker.retry_after <= 60


async def test_half_open_lets_one_probe_through() -> None:
    breaker = CircuitBreaker(threshold=1, cooldown=0.1)
    breaker.failure()
    assert not breaker.allow()
    await asyncio.sleep(0.15)
    assert breaker.state == "half_open"
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # everyone else still fails fast
    breaker.failure()  # the probe failed: open for another cooldown
    assert breaker.state == "open" and not breaker.allow()
    await asyncio.sleep(0.15)
    assert breaker.allow()
    breaker.success()
    assert breaker.state == "closed" and breaker.allow() and breaker.failures == 0


async def test_a_released_probe_frees_the_slot() -> None:
    breaker = CircuitBreaker(threshold=1, cooldown=0.05)
    breaker.failure()
    await asyncio.sleep(0.1)
    assert breaker.allow()
    breaker.release()  # e.g. the client cancelled: no verdict
    assert breaker.allow()
