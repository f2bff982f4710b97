"""Imports every command module so each registers itself on the app."""

from heady.cli import validate  # noqa: F401
