"""When to restart a server, and how long to wait first.

Delays double from ``backoff.initial`` up to ``backoff.max``; more than
``backoff.max_restarts`` restarts within ``backoff.window`` is a crash loop and
the server is given up on, so a broken server cannot burn the machine.
"""

from __future__ import annotations

from collections import deque

from heady.compose.model import Backoff


def wants_restart(policy: str, failed: bool) -> bool:
    """``always`` restarts any exit; ``on-failure`` only a crash, an unhealthy server or a non-zero exit."""
    return policy == "always" or (policy == "on-failure" and failed)


class Restarts:
    """The restart budget of one server process slot."""

    def __init__(self, config: Backoff) -> None:
        self.config = config
        self._attempt = 0
        self._times: deque[float] = deque()

    def next_delay(self, now: float) -> float | None:
        """Seconds to wait before the next restart, or None when this is a crash loop."""
        while self._times and self._times[0] <= now - self.config.window:
            self._times.popleft()
        if len(self._times) >= self.config.max_restarts:
            return None
        delay = min(self.config.initial * 2.0**self._attempt, self.config.max)
        self._attempt += 1
        self._times.append(now)
        return delay

    def stable(self) -> None:
        """The server stayed up a whole window: start again from the initial delay."""
        self._attempt = 0
