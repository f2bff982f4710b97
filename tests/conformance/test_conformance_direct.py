"""The official conformance suite against the everything fixture server, direct (no gateway).

The recorded baseline (expected-failures.yml) is what these runs must reproduce: the same
number of passed checks and exactly the listed failing scenarios, for each revision.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conformance_support import REVISIONS, baseline, run_suite

from conftest import FIXTURES, HttpServer


@pytest.mark.parametrize("revision", REVISIONS)
def test_direct_run_reproduces_the_recorded_baseline(
    revision: str, http_server: Callable[..., HttpServer], tmp_path: Path
) -> None:
    line = baseline(revision)
    server = http_server(FIXTURES / "everything_server.py")

    run = run_suite(server.url, line, tmp_path / "results")

    assert len(run.statuses) == line.scenarios, run.output
    unexpected = run.failed - set(line.failures)
    assert not unexpected, f"failing, but not in expected-failures.yml:\n{run.explain(unexpected)}"
    stale = set(line.failures) - run.failed
    assert not stale, f"passing now; remove from expected-failures.yml: {sorted(stale)}"
    assert run.passed_checks == line.passed_checks, run.output
