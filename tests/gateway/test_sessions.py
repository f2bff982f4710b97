"""Signed, self-contained session ids and sealed MRTR request state."""

from __future__ import annotations

import time

from heady.gateway import sessions
from heady.gateway.mrtr import StateSealer
from heady.gateway.sessions import SessionSigner


def test_session_round_trips_on_any_signer_with_the_same_secret() -> None:
    one, two = SessionSigner("s3cret"), SessionSigner("s3cret")
    minted = one.mint("2025-06-18", {"roots": {}}, {"name": "c", "version": "1"})
    seen = two.verify(minted.id)
    assert seen is not None
    assert (seen.protocol_version, seen.client_capabilities, seen.client_info) == (
        "2025-06-18",
        {"roots": {}},
        {"name": "c", "version": "1"},
    )
    assert seen.nonce == minted.nonce
    assert all(0x21 <= ord(ch) <= 0x7E for ch in minted.id)  # a valid header value


def test_forged_or_foreign_session_ids_are_refused() -> None:
    signer = SessionSigner("s3cret")
    minted = signer.mint("2025-11-25", {}, None)
    payload, _, mac = minted.id.partition(".")
    assert SessionSigner("other").verify(minted.id) is None
    assert signer.verify(payload + "." + mac[:-2] + "AA") is None
    assert signer.verify("garbage") is None
    assert signer.verify("e30." + mac) is None


def test_random_key_when_no_secret() -> None:
    a, b = SessionSigner(None), SessionSigner(None)
    assert a.ephemeral
    assert b.verify(a.mint("2025-11-25", {}, None).id) is None


def test_old_sessions_expire(monkeypatch: object) -> None:
    signer = SessionSigner("k")
    minted = signer.mint("2025-11-25", {}, None)
    later = time.time() + sessions.MAX_AGE + 10
    import pytest

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sessions.time, "time", lambda: later)
        assert signer.verify(minted.id) is None


def test_sealed_request_state_names_its_server_and_resists_tampering() -> None:
    sealer = StateSealer(b"key")
    sealed = sealer.seal("alpha", "opaque.state.with.dots")
    assert sealer.open(sealed) == ("alpha", "opaque.state.with.dots")
    assert sealer.open(sealed.replace("h1.alpha.", "h1.beta.")) is None
    assert sealer.open(sealed + "x") is None
    assert StateSealer(b"other").open(sealed) is None
    assert sealer.open("not-ours") is None
