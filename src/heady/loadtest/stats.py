"""What a run measured: per-op counts, errors by kind, latency histograms and a timeline.

Latency is measured two ways. ``latency`` starts at the time a call was *due*: in an
open-model run that is its scheduled send time, so a call that waited behind a stalled
server or a busy connection counts its wait (the correction for coordinated omission).
``service`` starts when the request was actually written. In a closed-model run both
are the same, since a virtual user's next call is due only when the last one ended.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from heady.loadtest.histogram import Latency


@dataclass
class OpStats:
    requests: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    latency: Latency = field(default_factory=Latency)
    service: Latency = field(default_factory=Latency)

    def merge(self, other: OpStats) -> None:
        self.requests += other.requests
        self.errors.update(other.errors)
        self.latency.add(other.latency)
        self.service.add(other.service)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


@dataclass
class Second:
    """One second of the run, for the latency-over-time plot."""

    requests: int = 0
    errors: int = 0
    latency: Latency = field(default_factory=lambda: Latency(significant_digits=2))

    def merge(self, other: Second) -> None:
        self.requests += other.requests
        self.errors += other.errors
        self.latency.add(other.latency)


class Recorder:
    """Collects one worker's calls; recorders from several workers merge into one."""

    def __init__(self, origin: float = 0.0) -> None:
        self.origin = origin  # perf_counter() value of second zero of the timeline
        self.ops: dict[str, OpStats] = {}
        self.timeline: dict[int, Second] = {}
        self.unfinished = 0
        self.elapsed = 0.0
        self.calls = 0  # running totals for live progress
        self.failed = 0
        self.lag = Latency()  # open model: how late the generator itself sent each due call
        self.interrupted = False  # stopped early (Ctrl-C): the numbers cover what ran

    def record(self, label: str, due: float, sent: float, done: float, error: str | None) -> None:
        op = self.ops.get(label)
        if op is None:
            op = self.ops[label] = OpStats()
        op.requests += 1
        self.calls += 1
        op.latency.record(done - due)
        op.service.record(done - sent)
        second = self.timeline.get(index := int(done - self.origin))
        if second is None:
            second = self.timeline[index] = Second()
        second.requests += 1
        second.latency.record(done - due)
        if error is not None:
            op.errors[error] += 1
            second.errors += 1
            self.failed += 1

    def merge(self, other: Recorder) -> None:
        for label, stats in other.ops.items():
            self.ops.setdefault(label, OpStats()).merge(stats)
        for index, second in other.timeline.items():
            self.timeline.setdefault(index, Second()).merge(second)
        self.unfinished += other.unfinished
        self.lag.add(other.lag)
        self.interrupted = self.interrupted or other.interrupted
        self.calls += other.calls
        self.failed += other.failed
        self.elapsed = max(self.elapsed, other.elapsed)

    def total(self) -> OpStats:
        total = OpStats()
        for stats in self.ops.values():
            total.merge(stats)
        return total

    # Crossing a process boundary: HDR histograms travel in their compact encoding.

    def dump(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "unfinished": self.unfinished,
            "elapsed": self.elapsed,
            "calls": self.calls,
            "failed": self.failed,
            "lag": self.lag.encode(),
            "interrupted": self.interrupted,
            "ops": {
                label: (s.requests, dict(s.errors), s.latency.encode(), s.service.encode())
                for label, s in self.ops.items()
            },
            "timeline": {i: (s.requests, s.errors, s.latency.encode()) for i, s in self.timeline.items()},
        }

    @classmethod
    def load(cls, data: dict[str, Any]) -> Recorder:
        recorder = cls(data["origin"])
        recorder.unfinished = data["unfinished"]
        recorder.elapsed = data["elapsed"]
        recorder.calls, recorder.failed = data["calls"], data["failed"]
        recorder.lag = Latency.decode(data["lag"])
        recorder.interrupted = data["interrupted"]
        for label, (requests, errors, latency, service) in data["ops"].items():
            recorder.ops[label] = OpStats(
                requests, Counter(errors), Latency.decode(latency), Latency.decode(service)
            )
        for index, (requests, errors, latency) in data["timeline"].items():
            recorder.timeline[int(index)] = Second(requests, errors, Latency.decode(latency))
        return recorder
