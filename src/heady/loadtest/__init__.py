"""An MCP-aware load generator and its reports."""
