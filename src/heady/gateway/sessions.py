"""Self-contained 2025-era session ids, so any replica can serve any session.

A session id is ``<payload>.<mac>``: the payload (base64url JSON) carries the negotiated
protocol version, the client's capabilities and info, the issue time and a nonce; the
mac is an HMAC-SHA256 over the payload with ``gateway.session_secret``. Replicas that
share the secret accept each other's sessions without sticky routing or a lookup.
Ending a session adds its nonce to a set in the state store, which every replica checks.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import time
from dataclasses import dataclass
from typing import Any, Final

import orjson

from heady.gateway.upstream.base import JSON

MAX_AGE: Final = 7 * 24 * 3600.0
"""Seconds a session id is accepted; ended-session markers are kept as long, then dropped."""
ENDED_KEY: Final = "gateway:sessions:ended"
_CACHE_SIZE: Final = 4096


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    nonce: str
    protocol_version: str
    client_capabilities: JSON
    client_info: JSON | None
    issued: float


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    """Mints and verifies session ids; verified ids are memoised (bounded) to keep calls cheap."""

    def __init__(self, secret: str | None) -> None:
        self.ephemeral = not secret
        self.key = secret.encode() if secret else os.urandom(32)
        self._verified: dict[str, Session] = {}

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self.key, payload.encode("ascii"), hashlib.sha256).digest()[:20])

    def mint(self, protocol_version: str, client_capabilities: JSON, client_info: JSON | None) -> Session:
        nonce = _b64(os.urandom(12))
        issued = time.time()
        body = {
            "v": protocol_version,
            "c": client_capabilities,
            "i": client_info,
            "t": int(issued),
            "n": nonce,
        }
        payload = _b64(orjson.dumps(body))
        sid = f"{payload}.{self._mac(payload)}"
        return Session(sid, nonce, protocol_version, client_capabilities, client_info, float(int(issued)))

    def verify(self, sid: str) -> Session | None:
        """The session a valid, unexpired id carries; None for anything forged, mangled or old."""
        session = self._verified.get(sid)
        if session is None:
            session = self._decode(sid)
            if session is None:
                return None
            if len(self._verified) >= _CACHE_SIZE:
                self._verified.clear()
            self._verified[sid] = session
        if time.time() - session.issued > MAX_AGE:
            return None
        return session

    def _decode(self, sid: str) -> Session | None:
        payload, dot, mac = sid.partition(".")
        if not dot or not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            body: Any = orjson.loads(_unb64(payload))
        except (binascii.Error, ValueError):
            return None
        if not isinstance(body, dict):
            return None
        caps = body.get("c")
        info = body.get("i")
        return Session(
            sid,
            str(body.get("n", "")),
            str(body.get("v", "")),
            caps if isinstance(caps, dict) else {},
            info if isinstance(info, dict) else None,
            float(body.get("t", 0)),
        )
