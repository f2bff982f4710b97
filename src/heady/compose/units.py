"""Human-friendly units in the compose file: durations, byte sizes, rates.

Each type parses a string such as ``"10s"``, ``"1MiB"`` or ``"50/s"`` into a plain
number, so the rest of Heady only ever sees seconds, bytes and events per second.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, ByteSize, PlainSerializer

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_DURATION_FACTORS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(ms|s|m|h)\s*$")


def parse_duration(value: Any) -> float:
    """Seconds from ``"250ms"``, ``"10s"``, ``"5m"``, ``"1h"`` or a bare number of seconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 500ms, 10s or 5m")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        seconds = float(match.group(1)) * _DURATION_FACTORS[match.group(2)]
    else:
        raise ValueError(f"{value!r} is not a duration; write it as 500ms, 10s, 5m or 1h")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds


def parse_rate(value: Any) -> float:
    """Events per second from ``"50/s"``, ``"600/m"`` or a bare number (per second)."""
    if isinstance(value, bool):
        raise ValueError("expected a rate such as 50/s or 600/m")
    if isinstance(value, int | float):
        rate = float(value)
    elif isinstance(value, str) and (match := _RATE.match(value)):
        rate = float(match.group(1)) / _DURATION_FACTORS[match.group(2)]
    else:
        raise ValueError(f"{value!r} is not a rate; write it as 50/s, 600/m or 10000/h")
    if rate <= 0:
        raise ValueError("a rate must be greater than zero")
    return rate


def format_duration(seconds: float) -> str:
    if seconds and seconds < 1:
        return f"{round(seconds * 1000)}ms"
    return f"{seconds:g}s"


Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
]
"""Seconds, written in the file as ``500ms``, ``10s``, ``5m`` or ``1h``."""

Rate = Annotated[float, BeforeValidator(parse_rate)]
"""Events per second, written in the file as ``50/s`` or ``600/m``."""

Size = ByteSize
"""Bytes, written in the file as ``512KiB``, ``1MiB`` or ``8MB``."""
