#!/usr/bin/env bash
# Regenerates bins/mcp-tasks-check/docs/html-report-fastmcp.png: the HTML report
# (`--format html`) of the FastMCP + fastmcp-tasks peer, as headless Chromium renders it
# (Debian's chromium, installed by tests/browser/install.sh; the peer by tests/peers/install.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
check=${CHECK_BIN:-target/debug/mcp-tasks-check}
chromium=$(command -v chromium || command -v chromium-browser) \
  || { echo "chromium not found: run bash tests/browser/install.sh" >&2; exit 1; }
out=.cache/peers/reports
mkdir -p "$out"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$check" server --url "http://127.0.0.1:$port/mcp" \
  --cmd ".cache/peers/fastmcp/bin/python tests/peers/fastmcp/server.py $port" \
  --format html --output "$out/fastmcp.html" >/dev/null || true   # the peer fails a MUST: exit 1
"$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,1500 \
  --screenshot="$PWD/bins/mcp-tasks-check/docs/html-report-fastmcp.png" "file://$PWD/$out/fastmcp.html" 2>/dev/null
echo "wrote bins/mcp-tasks-check/docs/html-report-fastmcp.png from $out/fastmcp.html"
