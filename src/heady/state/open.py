"""Pick the state store for a ``gateway.state`` URL."""

from __future__ import annotations

from heady.state.base import StateError, StateStore
from heady.state.memory import MemoryStore


def open_state(url: str) -> StateStore:
    """The store for ``url``; raises StateError naming the URL when it is not supported."""
    scheme = url.partition("://")[0].lower()
    if scheme == "memory":
        return MemoryStore(url)
    raise StateError(
        f"gateway.state {url!r}: the {scheme or 'unknown'} state store is not available yet; use memory://"
    )
