"""Circuit breaker per upstream: stop calling a server that keeps failing, probe it after a cooldown."""

from __future__ import annotations

import time
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Opens after ``threshold`` consecutive failures; while open every call fails fast.

    After ``cooldown`` seconds one call goes through as a probe (half-open): its success
    closes the circuit, its failure opens it for another cooldown.
    """

    def __init__(self, threshold: int = 5, cooldown: float = 10.0) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self.failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._probing or time.monotonic() - self._opened_at >= self.cooldown:
            return "half_open"
        return "open"

    @property
    def retry_after(self) -> float:
        if self._opened_at is None:
            return 0.0
        return max(0.0, self._opened_at + self.cooldown - time.monotonic())

    def allow(self) -> bool:
        """Whether a call may go out now (claims the half-open probe when due)."""
        if self._opened_at is None:
            return True
        if self._probing or time.monotonic() - self._opened_at < self.cooldown:
            return False
        self._probing = True
        return True

    def success(self) -> None:
        self.failures = 0
        self._opened_at = None
        self._probing = False

    def failure(self) -> None:
        self.failures += 1
        if self._probing or self.failures >= self.threshold:
            self._opened_at = time.monotonic()
        self._probing = False

    def release(self) -> None:
        """A call that proved nothing either way (e.g. the client cancelled): free the probe slot."""
        self._probing = False
