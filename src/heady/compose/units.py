"""Human-friendly units in the compose file: durations, byte sizes, rates.

Each type parses a string such as ``"10s"``, ``"1MiB"`` or ``"50/s"`` into a plain
number, so the rest of Heady only ever sees seconds, bytes and events per second.
Percentages (``"1%"``) become fractions. In the JSON Schema each accepts a number
or a string of that form.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, ByteSize, PlainSerializer, WithJsonSchema

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_DURATION_FACTORS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(ms|s|m|h)\s*$")
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?\s*$", re.IGNORECASE)
_SIZE_FACTORS = {"": 1, "b": 1} | {
    unit + suffix: factor
    for power, letter in enumerate("kmgt", start=1)
    for unit, factor in ((letter, 1000**power), (letter + "i", 1024**power))
    for suffix in ("", "b")
}

DURATION_HINT = "write it as 500ms, 10s, 5m or 1h; a bare number is seconds"
SIZE_HINT = "write it as 512KiB, 1MiB or 8MB; a bare number is bytes"
RATE_HINT = "write it as 50/s, 600/m or 10000/h; a bare number is per second"
PERCENT_HINT = "write it as 1% or 99.9%, or as a fraction such as 0.01"


def parse_duration(value: Any) -> float:
    """Seconds from ``"250ms"``, ``"10s"``, ``"5m"``, ``"1h"`` or a bare number of seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        seconds = float(match.group(1)) * _DURATION_FACTORS[match.group(2)]
    else:
        raise ValueError(f"{value!r} is not a duration; {DURATION_HINT}")
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative; {DURATION_HINT}")
    return seconds


def parse_rate(value: Any) -> float:
    """Events per second from ``"50/s"``, ``"600/m"`` or a bare number (per second)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        rate = float(value)
    elif isinstance(value, str) and (match := _RATE.match(value)):
        rate = float(match.group(1)) / _DURATION_FACTORS[match.group(2)]
    else:
        raise ValueError(f"{value!r} is not a rate; {RATE_HINT}")
    if rate <= 0:
        raise ValueError(f"a rate must be greater than zero; {RATE_HINT}")
    return rate


def parse_size(value: Any) -> int:
    """Bytes from ``"512KiB"``, ``"1MiB"``, ``"8MB"`` or a bare number of bytes."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        size = float(value)
    elif isinstance(value, str) and (match := _SIZE.match(value)):
        size = float(match.group(1)) * _SIZE_FACTORS[(match.group(2) or "").lower()]
    else:
        raise ValueError(f"{value!r} is not a size; {SIZE_HINT}")
    if size < 0:
        raise ValueError(f"a size cannot be negative; {SIZE_HINT}")
    return int(size)


def parse_fraction(value: Any) -> float:
    """A fraction from ``"1%"``, ``"99.9%"`` or a bare number between 0 and 1."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        fraction = float(value)
    elif isinstance(value, str) and (match := _PERCENT.match(value)):
        fraction = float(match.group(1)) / 100
    else:
        raise ValueError(f"{value!r} is not a percentage; {PERCENT_HINT}")
    if not 0 <= fraction <= 1:
        raise ValueError(f"must be between 0% and 100%; {PERCENT_HINT}")
    return fraction


def format_duration(seconds: float) -> str:
    if seconds and seconds < 1:
        return f"{round(seconds * 1000)}ms"
    return f"{seconds:g}s"


def _number_or_string(pattern: str, bounds: dict[str, int], examples: list[str]) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "anyOf": [{"type": "number", **bounds}, {"type": "string", "pattern": pattern}],
            "examples": examples,
        }
    )


Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
    _number_or_string(r"^\s*\d+(\.\d+)?\s*(ms|s|m|h)?\s*$", {"minimum": 0}, ["500ms", "10s", "5m"]),
]
"""Seconds, written in the file as ``500ms``, ``10s``, ``5m`` or ``1h``."""

Rate = Annotated[
    float,
    BeforeValidator(parse_rate),
    _number_or_string(r"^\s*\d+(\.\d+)?\s*/\s*(ms|s|m|h)\s*$", {"exclusiveMinimum": 0}, ["50/s", "600/m"]),
]
"""Events per second, written in the file as ``50/s`` or ``600/m``."""

Size = Annotated[
    ByteSize,
    BeforeValidator(parse_size),
    _number_or_string(
        r"^\s*\d+(\.\d+)?\s*([KkMmGgTt][Ii]?[Bb]?|[Bb])?\s*$", {"minimum": 0}, ["512KiB", "1MiB", "8MB"]
    ),
]
"""Bytes, written in the file as ``512KiB``, ``1MiB`` or ``8MB``."""

Fraction = Annotated[
    float,
    BeforeValidator(parse_fraction),
    _number_or_string(r"^\s*\d+(\.\d+)?\s*%\s*$", {"minimum": 0, "maximum": 1}, ["1%", "99.9%"]),
]
"""A fraction between 0 and 1, written in the file as ``1%``, ``99.9%`` or ``0.01``."""
