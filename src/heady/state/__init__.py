"""Shared state behind one interface, so gateway replicas can share counters and ended sessions."""

from heady.state.base import StateError, StateStore
from heady.state.memory import MemoryStore
from heady.state.open import open_state

__all__ = ["MemoryStore", "StateError", "StateStore", "open_state"]
