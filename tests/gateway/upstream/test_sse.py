"""SSEDecoder: events split anywhere across chunks, both line endings, multi-line data."""

from __future__ import annotations

from heady.gateway.upstream.sse import SSEDecoder

STREAM = (
    b'event: message\r\ndata: {"a": 1}\r\n\r\n'
    b": a comment\n"
    b'id: 7\ndata: {"b":\ndata: 2}\n\n'
    b"retry: 100\n\n"
    b'data:{"c": 3}\r\n\r\n'
)
EVENTS = [b'{"a": 1}', b'{"b":\n2}', b'{"c": 3}']


def test_whole_stream() -> None:
    assert SSEDecoder().feed(STREAM) == EVENTS


def test_every_split_point_gives_the_same_events() -> None:
    for cut in range(len(STREAM) + 1):
        decoder = SSEDecoder()
        assert decoder.feed(STREAM[:cut]) + decoder.feed(STREAM[cut:]) == EVENTS, cut


def test_byte_by_byte() -> None:
    decoder = SSEDecoder()
    events = []
    for index in range(len(STREAM)):
        events += decoder.feed(STREAM[index : index + 1])
    assert events == EVENTS


def test_an_unfinished_event_is_held_back() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b'data: {"x": 1}\n') == []
    assert decoder.feed(b"\n") == [b'{"x": 1}']
