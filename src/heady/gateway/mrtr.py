"""Multi round-trip results (``input_required``) through the gateway.

The server's ``requestState`` goes back to the client wrapped as
``h1.<server>.<mac>.<state>``, the mac an HMAC over server and state with the session
secret. The retry carries the wrapper; the gateway checks it, sends the original state
to the same server, and refuses a state that was altered or aimed at another server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

_PREFIX = "h1."


class StateSealer:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, server: str, state: str) -> str:
        digest = hmac.new(self._key, f"{server}\0{state}".encode(), hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(digest).decode("ascii")

    def seal(self, server: str, state: str) -> str:
        return f"{_PREFIX}{server}.{self._mac(server, state)}.{state}"

    def open(self, sealed: str) -> tuple[str, str] | None:
        """``(server, original state)``; None when the wrapper is not ours or was altered."""
        if not sealed.startswith(_PREFIX):
            return None
        parts = sealed[len(_PREFIX) :].split(".", 2)
        if len(parts) != 3:
            return None
        server, mac, state = parts
        if not hmac.compare_digest(mac, self._mac(server, state)):
            return None
        return server, state
