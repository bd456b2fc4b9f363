"""Interop: the official Python SDK's (PyPI `mcp`) Streamable HTTP client against an MCP server.

Usage: python py_client.py URL [--mode legacy|2026-07-28|auto]

`--mode` is the SDK's `Client(mode=...)`: `legacy` runs the initialize handshake
(2025-11-25), `2026-07-28` adopts the modern per-request era directly, `auto` probes
`server/discover` and falls back to the handshake. Calls the tool `greet {name}`, reads
`test://static-text`, gets the prompt `test_prompt_with_arguments`, and prints one JSON line
with what it got; exits non-zero on any failure. Run it with the venv that
`scripts/install-test-deps.sh` makes in `.cache/interop/venv`.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib.metadata import version

try:
    import anyio
    from mcp import Client
except ImportError as exc:  # pragma: no cover - reported to the Rust test
    print(
        f"the Python MCP SDK is not importable ({exc}): run `bash scripts/install-test-deps.sh` "
        "and use .cache/interop/venv/bin/python",
        file=sys.stderr,
    )
    sys.exit(3)


def first_text(content: list, what: str) -> str:
    for block in content:
        if getattr(block, "type", None) == "text":
            return block.text
    raise RuntimeError(f"{what}: no text content in {content!r}")


async def main(url: str, mode: str) -> dict:
    async with Client(url, mode=mode, client_info=None) as client:
        tools = await client.list_tools()
        tool = await client.call_tool("greet", {"name": "Ada"})
        if tool.is_error:
            raise RuntimeError(f"greet failed: {tool!r}")
        resource = await client.read_resource("test://static-text")
        texts = [c.text for c in resource.contents if str(c.uri) == "test://static-text" and hasattr(c, "text")]
        if not texts:
            raise RuntimeError(f"resource: no text contents in {resource!r}")
        prompt = await client.get_prompt("test_prompt_with_arguments", {"arg1": "a", "arg2": "b"})
        message = prompt.messages[0]
        if message.content.type != "text":
            raise RuntimeError(f"prompt: {prompt!r}")
        info = client.server_info
        return {
            "sdk": f"mcp=={version('mcp')}",
            "mode": mode,
            "protocolVersion": client.protocol_version,
            "server": None if info is None else {"name": info.name, "version": info.version},
            "toolCount": len(tools.tools),
            "tool": first_text(tool.content, "greet"),
            "resource": texts[0],
            "prompt": {"role": message.role, "text": message.content.text},
        }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--mode", default="legacy")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()

    async def bounded() -> dict:
        with anyio.fail_after(args.timeout):
            return await main(args.url, args.mode)

    out = anyio.run(bounded)
    print(json.dumps(out), flush=True)
