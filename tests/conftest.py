"""Shared fixtures: ports, real server processes, the gateway, services.

Every fixture that needs a component starts it here (or installs it through
scripts/install-test-deps.sh), so a fresh machine passes.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
EXAMPLES = REPO / "examples"
PYTHON = sys.executable


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def port() -> int:
    return free_port()
