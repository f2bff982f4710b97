"""The in-memory state store behind the state interface."""

from __future__ import annotations

import asyncio

import pytest

from heady.state import MemoryStore, StateError, open_state


async def test_get_set_with_ttl_and_delete() -> None:
    store = MemoryStore()
    assert await store.get("k") is None
    await store.set("k", b"v")
    await store.set("short", b"x", ttl=0.05)
    assert await store.get("k") == b"v"
    assert await store.get("short") == b"x"
    await asyncio.sleep(0.1)
    assert await store.get("short") is None
    await store.delete("k")
    assert await store.get("k") is None


async def test_incr_counts_and_expires() -> None:
    store = MemoryStore()
    assert await store.incr("c") == 1
    assert await store.incr("c", 5) == 6
    assert await store.get("c") == b"6"
    assert await store.incr("t", ttl=0.05) == 1
    await asyncio.sleep(0.1)
    assert await store.incr("t") == 1


async def test_token_bucket_takes_burst_then_says_when_to_retry() -> None:
    store = MemoryStore()
    assert [await store.take("b", rate=1.0, burst=3) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = await store.take("b", rate=1.0, burst=3)
    assert 0.9 < wait <= 1.0
    assert await store.take("other", rate=1.0, burst=1) == 0.0  # buckets are independent
    fast = MemoryStore()
    assert await fast.take("f", rate=100.0, burst=1) == 0.0
    await asyncio.sleep(0.05)
    assert await fast.take("f", rate=100.0, burst=1) == 0.0  # refilled


async def test_sets_with_member_ttl() -> None:
    store = MemoryStore()
    assert not await store.set_contains("ended", "a")
    await store.set_add("ended", "a")
    await store.set_add("ended", "b", ttl=0.05)
    assert await store.set_contains("ended", "a")
    assert await store.set_contains("ended", "b")
    await asyncio.sleep(0.1)
    assert not await store.set_contains("ended", "b")
    store.sweep()
    assert await store.set_contains("ended", "a")


async def test_sweep_drops_only_expired_and_idle_entries() -> None:
    store = MemoryStore()
    await store.set("gone", b"1", ttl=0.01)
    await store.set("kept", b"1")
    await store.take("idle", rate=1000.0, burst=1)
    await asyncio.sleep(0.05)
    store.sweep()
    assert await store.get("kept") == b"1"
    assert "gone" not in store._values
    assert "idle" not in store._buckets


def test_open_state_picks_memory_and_names_unsupported_urls() -> None:
    assert isinstance(open_state("memory://"), MemoryStore)
    with pytest.raises(StateError, match=r"redis://127\.0\.0\.1:6379/0.*use memory://"):
        open_state("redis://127.0.0.1:6379/0")


async def test_set_members_and_remove() -> None:
    store = MemoryStore()
    await store.set_add("s", "b")
    await store.set_add("s", "a")
    await store.set_add("s", "gone", ttl=0.01)
    await asyncio.sleep(0.05)
    assert await store.set_members("s") == ["a", "b"]
    await store.set_remove("s", "a")
    await store.set_remove("s", "never-there")
    assert await store.set_members("s") == ["b"]
    await store.set_remove("s", "b")
    assert await store.set_members("s") == []
    assert not await store.set_contains("s", "b")
