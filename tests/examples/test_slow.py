"""examples/servers/slow.py, run for real over HTTP: progress while it works, bounded input."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastmcp import Client

from conftest import EXAMPLES, HttpServer

SLOW = EXAMPLES / "servers" / "slow.py"


@pytest.fixture
def slow(http_server: Callable[..., HttpServer]) -> HttpServer:
    return http_server(SLOW)


async def test_reports_progress_until_done(slow: HttpServer) -> None:
    updates: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        updates.append((progress, total, message))

    async with Client(slow.url, progress_handler=on_progress) as client:
        tools = await client.list_tools()
        result = await client.call_tool("slow_task", {"seconds": 1})
    assert [t.name for t in tools] == ["slow_task"]
    assert tools[0].annotations.read_only_hint is True
    assert result.structured_content is not None
    assert result.structured_content["steps"] == 4
    assert result.structured_content["seconds"] == 1
    assert updates == [(step, 4, f"step {step} of 4") for step in (1, 2, 3, 4)]


async def test_a_long_call_does_not_block_others(slow: HttpServer) -> None:
    """The tool sleeps without blocking the event loop, so a second client is served meanwhile."""
    import anyio

    working = anyio.Event()
    long_finished = False

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        working.set()

    async def long_call() -> None:
        nonlocal long_finished
        async with Client(slow.url, progress_handler=on_progress) as client:
            await client.call_tool("slow_task", {"seconds": 30})
        long_finished = True

    async with anyio.create_task_group() as group:
        group.start_soon(long_call)
        with anyio.fail_after(60):
            await working.wait()
        async with Client(slow.url) as client:
            short = await client.call_tool("slow_task", {"seconds": 0.25})
        assert not long_finished
        group.cancel_scope.cancel()
    assert short.structured_content is not None and short.structured_content["steps"] == 1


async def test_seconds_is_bounded(slow: HttpServer) -> None:
    async with Client(slow.url) as client:
        too_long = await client.call_tool("slow_task", {"seconds": 31}, raise_on_error=False)
        zero = await client.call_tool("slow_task", {"seconds": 0}, raise_on_error=False)
    assert too_long.is_error and "less than or equal to 30" in too_long.content[0].text
    assert zero.is_error and "greater than 0" in zero.content[0].text


async def test_healthz(slow: HttpServer) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{slow.base}/healthz")
    assert response.json() == {"status": "ok"}
