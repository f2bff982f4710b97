"""The load loop of one worker: closed model (virtual users) or open model (fixed schedule).

Closed model: ``level`` virtual users each send a call, wait for its response, and send
the next, so a slow server lowers the offered load. Open model: calls are due on a fixed
schedule of ``level`` calls a second whatever the server does; a due call waits for a
free connection if all are busy, and its latency counts from the time it was due.
Both stop at ``duration`` or after ``requests`` calls, whichever comes first.
"""

from __future__ import annotations

import asyncio
import math
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from heady.loadtest.http import Endpoint
from heady.loadtest.mcp import Client, ToolHeaders
from heady.loadtest.scenario import Mix, Op
from heady.loadtest.stats import Recorder

Tick = Callable[[int, int], None]
TICK_SECONDS = 0.2


@dataclass
class Load:
    """One worker's share of one stage (or one step of a step stage)."""

    url: str
    protocol: str
    ops: list[Op]
    model: Literal["closed", "open"]
    level: float  # virtual users (closed) or calls a second (open)
    start: float  # perf_counter() time the load begins; shared by all workers
    duration: float | None = None
    requests: int | None = None
    ramp: float = 0.0
    phase: float = 0.0  # open model: offset of this worker's schedule, in arrival intervals
    timeout: float = 10.0
    max_connections: int = 256
    seed: int | None = None
    origin: float | None = None  # second zero of the timeline; defaults to start
    tool_headers: ToolHeaders = field(default_factory=dict)
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def end(self) -> float:
        return self.start + self.duration if self.duration is not None else math.inf


def arrival(k: float, rate: float, ramp: float) -> float:
    """Seconds after the start at which call ``k`` is due when the rate ramps linearly from 0."""
    if ramp <= 0:
        return k / rate
    ramped = rate * ramp / 2  # calls due during the ramp
    if k <= ramped:
        return math.sqrt(2 * ramp * k / rate)
    return ramp + (k - ramped) / rate


async def _sleep_until(moment: float) -> None:
    delay = moment - time.perf_counter()
    if delay > 0:
        await asyncio.sleep(delay)


class Runner:
    def __init__(
        self, load: Load, tick: Tick | None = None, should_stop: Callable[[], bool] | None = None
    ) -> None:
        self.load = load
        self.tick = tick
        self.should_stop = should_stop
        self.stopping = False
        self.mix = Mix(load.ops, load.seed)
        self.recorder = Recorder(origin=load.start if load.origin is None else load.origin)
        self.endpoint = Endpoint.parse(load.url)

    def _client(self) -> Client:
        load = self.load
        return Client(self.endpoint, load.protocol, load.timeout, load.tool_headers, load.headers)

    async def run(self) -> Recorder:
        """Run the load to its bound, or until asked to stop (then the recorder is partial)."""
        work = asyncio.create_task(self._closed() if self.load.model == "closed" else self._open())
        ticker = asyncio.create_task(self._ticker(work))
        try:
            await work
        except asyncio.CancelledError:
            if not self.stopping:
                raise
            self.recorder.interrupted = True
        finally:
            ticker.cancel()
            self._report_tick()
        self.recorder.elapsed = time.perf_counter() - self.load.start
        return self.recorder

    def stop(self) -> None:
        self.stopping = True

    async def _ticker(self, work: asyncio.Task[None]) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            self._report_tick()
            if self.stopping or (self.should_stop is not None and self.should_stop()):
                self.stopping = True
                work.cancel()
                return

    def _report_tick(self) -> None:
        if self.tick is not None:
            self.tick(self.recorder.calls, self.recorder.failed)

    async def _one(self, client: Client, due: float) -> None:
        if client.needs_session:
            sent = time.perf_counter()
            error = await client.start_session()
            self.recorder.record("initialize", due, sent, time.perf_counter(), error)
            if error is not None:
                return
        call = self.mix.pick()
        params = call.make_params(self.mix.rng)
        sent = time.perf_counter()
        error = await client.call(call.method, params, call.name)
        self.recorder.record(call.label, due, sent, time.perf_counter(), error)

    async def _closed(self) -> None:
        load = self.load
        users = max(1, round(load.level))
        budget = [load.requests if load.requests is not None else math.inf]

        async def user(index: int) -> None:
            await _sleep_until(load.start + load.ramp * index / users)
            client = self._client()
            try:
                while time.perf_counter() < load.end and budget[0] > 0:
                    budget[0] -= 1
                    await self._one(client, time.perf_counter())
            finally:
                client.close()

        await asyncio.gather(*(user(i) for i in range(users)))

    async def _open(self) -> None:
        load = self.load
        queue: asyncio.Queue[float] = asyncio.Queue()
        idle = [0]
        clients: list[Client] = []
        workers: list[asyncio.Task[None]] = []

        async def connection() -> None:
            client = self._client()
            clients.append(client)
            while True:
                idle[0] += 1
                due = await queue.get()
                idle[0] -= 1
                try:
                    await self._one(client, due)
                except asyncio.CancelledError:
                    self.recorder.unfinished += 1  # still in flight when the stage's drain ended
                    raise
                finally:
                    queue.task_done()

        k = 0
        try:
            while load.requests is None or k < load.requests:
                due = load.start + arrival(k + load.phase, load.level, load.ramp)
                if due >= load.end:
                    break
                await _sleep_until(due)
                self.recorder.lag.record(time.perf_counter() - due)
                queue.put_nowait(due)
                k += 1
                if idle[0] == 0 and len(workers) < load.max_connections:
                    workers.append(asyncio.create_task(connection()))
                    await asyncio.sleep(0)
            # Let due calls finish: until the end of the stage, then one call timeout more.
            left = load.end - time.perf_counter() if math.isfinite(load.end) else 0.0
            try:
                async with asyncio.timeout(max(0.0, left) + load.timeout):
                    await queue.join()
            except TimeoutError:
                pass
        finally:
            self.recorder.unfinished += queue.qsize()  # due, never sent
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            for client in clients:
                client.close()


def run_load(load: Load, tick: Tick | None = None, should_stop: Callable[[], bool] | None = None) -> Recorder:
    """Run one worker's load in a fresh event loop; Ctrl-C ends it early with what it has."""

    async def main() -> Recorder:
        runner = Runner(load, tick, should_stop)
        loop = asyncio.get_running_loop()
        in_main_thread = threading.current_thread() is threading.main_thread()
        if in_main_thread:
            loop.add_signal_handler(signal.SIGINT, runner.stop)
        try:
            return await runner.run()
        finally:
            if in_main_thread:
                loop.remove_signal_handler(signal.SIGINT)

    return asyncio.run(main())


def run_load_dump(load: Load, slot: int) -> dict[str, Any]:
    """Entry point in a worker process: run and send the recorder back in compact form."""
    from heady.loadtest import workers

    return run_load(load, workers.tick_for(slot), workers.stop_requested).dump()
