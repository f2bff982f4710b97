"""MCP protocol pieces shared by the supervisor and the gateway: versions, JSON-RPC, stdio channel, probes."""
