"""A client on the official Python MCP SDK (PyPI `mcp`), graded by `mcp-tasks-check client`.

The SDK has no tasks support (neither Tasks v1 nor the extension): it lists the tools and calls
each, plainly, in the era MCP_CONFORMANCE_PROTOCOL_VERSION names (2025-11-25 = the initialize
handshake, else 2026-07-28). Usage: python client.py URL   (run with .cache/interop/venv)
"""

import os
import sys

import anyio
from mcp import Client


async def main(url: str) -> None:
    version = os.environ.get("MCP_CONFORMANCE_PROTOCOL_VERSION", "2026-07-28")
    mode = "legacy" if version == "2025-11-25" else "2026-07-28"
    async with Client(url, mode=mode, client_info=None) as client:
        tools = await client.list_tools()
        for tool in tools.tools:
            try:
                r = await client.call_tool(tool.name, {})
                print(f"[py-client] {tool.name} -> {r!r}", file=sys.stderr)
            except Exception as e:  # noqa: BLE001 - every tool is tried; failures are logged
                print(f"[py-client] {tool.name} failed: {e}", file=sys.stderr)


if __name__ == "__main__":
    async def bounded() -> None:
        with anyio.fail_after(50):
            await main(sys.argv[1])

    anyio.run(bounded)
