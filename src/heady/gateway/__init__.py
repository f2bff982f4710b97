"""The data plane: one MCP endpoint in front of every server."""
