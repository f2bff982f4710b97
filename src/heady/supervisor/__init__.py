"""Runs local MCP servers: spawn, probe, restart with backoff, stop cleanly."""
