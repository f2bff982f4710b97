"""ConcurrencyLimiter: bounded in-flight, bounded queue, refusal beyond both."""

from __future__ import annotations

import asyncio

import pytest

from heady.gateway.upstream.limiter import ConcurrencyLimiter, Overloaded


async def test_in_flight_and_queue_are_bounded() -> None:
    limiter = ConcurrencyLimiter(max_in_flight=2, max_queue=2)
    release = asyncio.Event()
    running = 0
    peak = 0

    async def work() -> None:
        nonlocal running, peak
        async with limiter.slot():
            running += 1
            peak = max(peak, running)
            await release.wait()
            running -= 1

    tasks = [asyncio.create_task(work()) for _ in range(4)]
    await asyncio.sleep(0.05)
    assert (limiter.in_flight, limiter.waiting) == (2, 2)
    with pytest.raises(Overloaded) as refused:
        async with limiter.slot():
            pass
    assert refused.value.retry_after >= 1
    release.set()
    await asyncio.gather(*tasks)
    assert peak == 2
    assert (limiter.in_flight, limiter.waiting) == (0, 0)


async def test_a_cancelled_waiter_leaves_the_queue() -> None:
    limiter = ConcurrencyLimiter(max_in_flight=1, max_queue=1)
    hold = asyncio.Event()

    async def holder() -> None:
        async with limiter.slot():
            await hold.wait()

    first = asyncio.create_task(holder())
    await asyncio.sleep(0.01)
    waiter = asyncio.create_task(holder())
    await asyncio.sleep(0.01)
    assert limiter.waiting == 1
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
    assert limiter.waiting == 0
    hold.set()
    await first
    async with limiter.slot():
        assert limiter.in_flight == 1


async def test_zero_queue_refuses_as_soon_as_all_slots_are_busy() -> None:
    limiter = ConcurrencyLimiter(max_in_flight=1, max_queue=0)
    async with limiter.slot():
        with pytest.raises(Overloaded):
            async with limiter.slot():
                pass


async def test_a_finished_call_hands_its_slot_to_the_oldest_waiter() -> None:
    limiter = ConcurrencyLimiter(max_in_flight=1, max_queue=3)
    order: list[int] = []
    hold = asyncio.Event()

    async def call(n: int) -> None:
        async with limiter.slot():
            order.append(n)
            if n == 0:
                await hold.wait()

    tasks = [asyncio.create_task(call(n)) for n in range(4)]
    await asyncio.sleep(0.01)
    assert (limiter.in_flight, limiter.waiting) == (1, 3)
    hold.set()
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2, 3]
    assert (limiter.in_flight, limiter.waiting) == (0, 0)


async def test_a_slot_handed_to_a_waiter_cancelled_meanwhile_passes_on() -> None:
    limiter = ConcurrencyLimiter(max_in_flight=1, max_queue=2)
    started = limiter.enter_now()
    assert started
    first = asyncio.create_task(limiter.enter())
    second = asyncio.create_task(limiter.enter())
    await asyncio.sleep(0.01)
    limiter.exit(started)  # the slot goes to ``first`` ...
    first.cancel()  # ... which is cancelled before it runs again
    await asyncio.gather(first, return_exceptions=True)
    limiter.exit(await second)  # ``second`` got the slot instead
    assert (limiter.in_flight, limiter.waiting) == (0, 0)
