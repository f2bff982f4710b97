"""A deliberately slow FastMCP server: one tool that takes seconds and reports its progress.

It shows how a long call stays observable (progress notifications while it runs) and gives
the gateway's timeouts and cancellation something real to act on.

Run: PORT=9102 python examples/servers/slow.py
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Annotated

from fastmcp import Context, FastMCP
from jsonlog import ToolCallLog, setup
from pydantic import BaseModel, Field
from serving import serve
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

MAX_SECONDS = 30.0
STEP_SECONDS = 0.25

log = setup("slow")
mcp = FastMCP(
    "slow",
    instructions="A tool that takes a few seconds and reports progress while it works.",
    middleware=[ToolCallLog(log)],
)


class Finished(BaseModel):
    seconds: float = Field(description="Time the work was asked to take.")
    steps: int = Field(description="Progress notifications sent.")
    elapsed: float = Field(description="Time it actually took, in seconds.")


@mcp.tool(annotations={"readOnlyHint": True, "idempotentHint": True, "openWorldHint": False})
async def slow_task(
    ctx: Context,
    seconds: Annotated[
        float, Field(gt=0, le=MAX_SECONDS, description=f"How long to work, at most {MAX_SECONDS:g}s.")
    ] = 3.0,
) -> Finished:
    """Work for ``seconds`` (without blocking the server), reporting progress every quarter second."""
    started = time.monotonic()
    steps = max(1, math.ceil(seconds / STEP_SECONDS))
    for step in range(1, steps + 1):
        await asyncio.sleep(seconds / steps)
        await ctx.report_progress(step, steps, f"step {step} of {steps}")
    return Finished(seconds=seconds, steps=steps, elapsed=round(time.monotonic() - started, 3))


@mcp.custom_route("/healthz", methods=["GET"])
async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


if __name__ == "__main__":
    serve(mcp, log, default_port=9102)
