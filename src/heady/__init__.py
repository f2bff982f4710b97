"""Heady: run a team's MCP servers in production behind one gateway."""

__version__ = "0.1.0"
