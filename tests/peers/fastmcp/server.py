"""A FastMCP (PyPI `fastmcp`) server with the tasks extension (`fastmcp-tasks`, SEP-2663),
exposing only the three fixture tools a new user would write first: `greet`, `slow_compute`
and `failing_job`. The conformance checker must grade it without failing the checks whose
fixtures it lacks (they are skipped, naming the missing tool).

Usage: python server.py PORT   (Streamable HTTP on http://127.0.0.1:PORT/mcp)
Installed by tests/peers/install.sh into .cache/peers/fastmcp.
"""

import asyncio
import sys

from fastmcp import FastMCP
from fastmcp.utilities.tasks import TaskConfig
from fastmcp_tasks import TasksExtension

mcp = FastMCP("fastmcp-tasks-peer")
mcp.add_extension(TasksExtension(url="memory://"))


@mcp.tool
def greet(name: str) -> str:
    """Says hello (never a task)."""
    return f"Hello, {name}!"


@mcp.tool(task=True)
async def slow_compute(seconds: float = 1.0, label: str = "job") -> str:
    """Works for `seconds`, then completes (a task when the client declares the extension)."""
    await asyncio.sleep(seconds)
    return f"Computed {label} in {seconds}s"


@mcp.tool(task=TaskConfig(mode="required"))
async def failing_job() -> str:
    """Task-only; fails: the task completes with a tool error (isError: true)."""
    raise ValueError("the job failed (simulated)")


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    mcp.run(transport="http", host="127.0.0.1", port=port, path="/mcp", show_banner=False)
