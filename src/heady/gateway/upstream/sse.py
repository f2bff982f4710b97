"""Incremental Server-Sent Events decoding: bytes in as they arrive, ``data`` payloads out."""

from __future__ import annotations


class SSEDecoder:
    """Feed it body chunks; it returns the ``data`` of each event completed so far.

    Only ``data`` matters to MCP (every event is one JSON-RPC message); ``event``,
    ``id``, ``retry`` and comment lines are skipped.
    """

    __slots__ = ("_buffer", "_data")

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[bytes] = []

    def feed(self, chunk: bytes) -> list[bytes]:
        buffer = self._buffer + chunk if self._buffer else chunk
        if b"\r" in buffer:
            held = b"\r" if buffer.endswith(b"\r") else b""  # maybe the first half of a CRLF
            buffer = buffer[: len(buffer) - len(held)].replace(b"\r\n", b"\n").replace(b"\r", b"\n") + held
        *lines, self._buffer = buffer.split(b"\n")
        events: list[bytes] = []
        for line in lines:
            if not line:
                if self._data:
                    events.append(b"\n".join(self._data))
                    self._data = []
            elif line.startswith(b"data:"):
                value = line[5:]
                self._data.append(value[1:] if value.startswith(b" ") else value)
        return events
