"""A server on the official Python MCP SDK (PyPI `mcp`, `MCPServer`), which speaks 2025-11-25
and 2026-07-28 but ships no tasks support (neither Tasks v1 nor the extension): the fixture
tools are plain tools. Graded by the checker to show how an SDK without tasks reads.

Usage: python server.py PORT   (Streamable HTTP on http://127.0.0.1:PORT/mcp)
Runs in .cache/interop/venv (tests/interop/install.sh).
"""

import asyncio
import sys

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("python-sdk-peer")


@mcp.tool()
def greet(name: str) -> str:
    """Says hello."""
    return f"Hello, {name}!"


@mcp.tool()
async def slow_compute(seconds: float = 1.0, label: str = "job") -> str:
    """Works for `seconds` (no tasks in this SDK: the call blocks)."""
    await asyncio.sleep(min(seconds, 5.0))
    return f"Computed {label} in {seconds}s"


@mcp.tool()
def failing_job() -> str:
    """Fails with a tool error."""
    raise ValueError("the job failed (simulated)")


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    mcp.run("streamable-http", host="127.0.0.1", port=port, streamable_http_path="/mcp")
