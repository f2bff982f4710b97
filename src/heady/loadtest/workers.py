"""Several worker processes, so one Python process's single core is not the ceiling.

Each worker runs its share of a stage's load in its own event loop: a slice of the
virtual users, or the rate divided by the number of workers with the schedules
interleaved. Their recorders come back as encoded HDR histograms and merge into one.
Running totals for the live display travel through a small shared array.
"""

from __future__ import annotations

import multiprocessing
import signal
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from multiprocessing.sharedctypes import SynchronizedArray
from typing import Any

from heady.loadtest.runner import Load, Tick, run_load, run_load_dump
from heady.loadtest.stats import Recorder

_counters: SynchronizedArray[Any] | None = None


def _init(counters: SynchronizedArray[Any]) -> None:
    global _counters
    _counters = counters
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it asks workers to stop


def stop_requested() -> bool:
    """True once the parent asked every worker to stop (its Ctrl-C), via the array's last slot."""
    return _counters is not None and bool(_counters[len(_counters) - 1])


def tick_for(slot: int) -> Tick:
    """A tick that publishes one worker's running totals in its two slots of the array."""

    def tick(calls: int, failed: int) -> None:
        if _counters is not None:
            _counters[2 * slot] = calls
            _counters[2 * slot + 1] = failed

    return tick


def split(load: Load, workers: int) -> list[Load]:
    """Each worker's share; fewer than ``workers`` when there are fewer users than workers."""
    if workers <= 1:
        return [load]
    shares: list[Load] = []
    if load.model == "closed":
        users = max(1, round(load.level))
        counts = [users // workers + (1 if i < users % workers else 0) for i in range(workers)]
        counts = [c for c in counts if c]
    else:
        counts = [workers] * workers
    n = len(counts)
    for i, count in enumerate(counts):
        requests = None
        if load.requests is not None:
            requests = load.requests // n + (1 if i < load.requests % n else 0)
            if requests == 0:
                continue
        if load.model == "closed":
            shares.append(replace(load, level=count, requests=requests, seed=_seed(load.seed, i)))
        else:
            shares.append(
                replace(load, level=load.level / n, phase=i / n, requests=requests, seed=_seed(load.seed, i))
            )
    return shares


def _warm(seconds: float) -> None:
    time.sleep(seconds)  # keeps this worker busy so the pool starts the next one


def _seed(seed: int | None, index: int) -> int | None:
    return None if seed is None else seed * 1000 + index


class Pool:
    """Worker processes that live for the whole run (imports are paid once)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.counters: SynchronizedArray[Any] | None = None
        self._executor: ProcessPoolExecutor | None = None
        if workers > 1:
            context = multiprocessing.get_context("spawn")
            self.counters = context.Array("q", 2 * workers + 1)  # calls, errors per worker; stop
            self._executor = ProcessPoolExecutor(
                workers, mp_context=context, initializer=_init, initargs=(self.counters,)
            )

    def warm_up(self) -> None:
        """Start every worker process now, so a stage's clock does not include their start."""
        if self._executor is not None:
            for future in [self._executor.submit(_warm, 0.3) for _ in range(self.workers)]:
                future.result()

    def totals(self) -> tuple[int, int]:
        if self.counters is None:
            return 0, 0
        values = [int(self.counters[i]) for i in range(len(self.counters) - 1)]
        return sum(values[0::2]), sum(values[1::2])

    def run(self, load: Load, tick: Tick | None = None) -> Recorder:
        """Run ``load`` across the workers and return the merged recorder."""
        if self._executor is None or self.counters is None:
            return run_load(load, tick)
        for i in range(len(self.counters)):
            self.counters[i] = 0
        futures = [
            self._executor.submit(run_load_dump, share, i)
            for i, share in enumerate(split(load, self.workers))
        ]
        merged = Recorder(origin=load.start if load.origin is None else load.origin)
        for future in futures:
            while True:
                try:
                    merged.merge(Recorder.load(future.result()))
                    break
                except KeyboardInterrupt:
                    self.counters[len(self.counters) - 1] = 1  # every worker stops within a tick
        return merged

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
