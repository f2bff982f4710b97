"""JSON logs on stderr for the example servers: one object per line, ready for a log pipeline.

Every record carries the timestamp, level, server id and message; a tool call adds the tool
name, request id, status and duration (see ``ToolCallLog``). FastMCP's and uvicorn's own
loggers are routed through the same handler so nothing prints in another format.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext

EXTRA_FIELDS = ("tool_name", "request_id", "status", "duration_ms", "error")


class JsonFormatter(logging.Formatter):
    def __init__(self, server_id: str) -> None:
        super().__init__()
        self.server_id = server_id

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "server_id": self.server_id,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({key: getattr(record, key) for key in EXTRA_FIELDS if hasattr(record, key)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def setup(server_id: str, level: int = logging.INFO) -> logging.Logger:
    """Send the root, FastMCP and uvicorn loggers to stderr as JSON; returns the server's logger."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(server_id))
    for name in ("", "fastmcp", "uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler] if name in ("", "fastmcp") else []
        logger.propagate = name != "fastmcp"
        logger.setLevel(level)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    return logging.getLogger(server_id)


class ToolCallLog(Middleware):
    """Logs one line per tool call with its outcome and duration."""

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger

    async def on_call_tool(self, context: MiddlewareContext[Any], call_next: CallNext[Any, Any]) -> Any:
        tool = getattr(context.message, "name", None)
        ctx = context.fastmcp_context
        request_id = ctx.origin_request_id if ctx is not None else None
        started = time.perf_counter()
        fields: dict[str, Any] = {"tool_name": tool, "request_id": request_id}
        try:
            result = await call_next(context)
        except Exception as exc:
            fields.update(status="error", error=str(exc), duration_ms=_since(started))
            self.logger.warning("tool call failed", extra=fields)
            raise
        fields.update(status="ok", duration_ms=_since(started))
        self.logger.info("tool call", extra=fields)
        return result


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
