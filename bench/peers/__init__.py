"""Peer gateways side by side with Heady: the FastMCP 4 proxy and ContextForge."""
