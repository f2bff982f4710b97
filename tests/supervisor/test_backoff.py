"""Restart decisions and the backoff schedule (pure logic; the real restarts are in test_supervisor)."""

from __future__ import annotations

import pytest

from heady.compose.model import Backoff
from heady.supervisor.backoff import Restarts, wants_restart


@pytest.mark.parametrize(
    ("policy", "failed", "expected"),
    [
        ("always", False, True),
        ("always", True, True),
        ("on-failure", True, True),
        ("on-failure", False, False),
        ("no", True, False),
        ("no", False, False),
    ],
)
def test_restart_policy(policy: str, failed: bool, expected: bool) -> None:
    assert wants_restart(policy, failed) is expected


def test_delays_double_up_to_max_then_the_window_budget_runs_out() -> None:
    restarts = Restarts(Backoff(initial=0.5, max=3, max_restarts=5, window=60))
    delays = [restarts.next_delay(now=float(t)) for t in range(6)]
    assert delays == [0.5, 1.0, 2.0, 3.0, 3.0, None]


def test_restarts_older_than_the_window_no_longer_count() -> None:
    restarts = Restarts(Backoff(initial=1, max=8, max_restarts=2, window=10))
    assert restarts.next_delay(now=0) == 1
    assert restarts.next_delay(now=1) == 2
    assert restarts.next_delay(now=5) is None
    assert restarts.next_delay(now=11) == 4  # the restart at 0 left the window; the delay keeps growing


def test_a_stable_run_resets_the_delay() -> None:
    restarts = Restarts(Backoff(initial=0.25, max=30, max_restarts=10, window=60))
    assert [restarts.next_delay(now=0), restarts.next_delay(now=1)] == [0.25, 0.5]
    restarts.stable()
    assert restarts.next_delay(now=100) == 0.25


def test_zero_max_restarts_never_restarts() -> None:
    assert Restarts(Backoff(max_restarts=0)).next_delay(now=0) is None
