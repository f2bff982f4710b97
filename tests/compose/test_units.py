"""Durations, sizes and rates: what parses, to what, and the message when it does not."""

from __future__ import annotations

import pytest

from heady.compose.units import format_duration, parse_duration, parse_rate, parse_size


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("250ms", 0.25), ("10s", 10.0), ("5m", 300.0), ("1h", 3600.0), ("1.5s", 1.5), (3, 3.0), ("7", 7.0)],
)
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("512KiB", 512 * 1024),
        ("1MiB", 1024**2),
        ("8MB", 8_000_000),
        ("1 gib", 1024**3),
        ("100", 100),
        (64, 64),
    ],
)
def test_sizes(text: str | int, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize(("text", "rate"), [("50/s", 50.0), ("600/m", 10.0), ("3600/h", 1.0), (5, 5.0)])
def test_rates(text: str | int, rate: float) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize(
    ("parse", "value", "message"),
    [
        (parse_duration, "10 sec", "'10 sec' is not a duration; write it as 500ms, 10s, 5m or 1h"),
        (parse_duration, True, "True is not a duration"),
        (parse_duration, -1, "a duration cannot be negative"),
        (parse_size, "1 MBB", "'1 MBB' is not a size; write it as 512KiB, 1MiB or 8MB"),
        (parse_size, -5, "a size cannot be negative"),
        (parse_rate, "50", "'50' is not a rate; write it as 50/s, 600/m or 10000/h"),
        (parse_rate, 0, "a rate must be greater than zero"),
    ],
)
def test_bad_values_say_how_to_write_them(parse: object, value: object, message: str) -> None:
    assert callable(parse)
    with pytest.raises(ValueError) as caught:
        parse(value)
    assert str(caught.value).startswith(message)


def test_format_duration() -> None:
    assert format_duration(0.25) == "250ms"
    assert format_duration(30.0) == "30s"
