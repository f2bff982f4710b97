"""Upstream connections: one long-lived pool per backend, never a connection per call."""
