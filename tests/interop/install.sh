#!/usr/bin/env bash
# Installs the official MCP SDKs that the interop tests drive (idempotent), into .cache/interop,
# never globally:
#   .cache/interop/node       npm  @modelcontextprotocol/sdk (1.x, with the experimental Tasks v1
#                             client `client.experimental.tasks.callToolStream`)
#   .cache/interop/ext-tasks  npm  @modelcontextprotocol/ext-tasks (the tasks extension's own
#                             client library) on @modelcontextprotocol/client 2.x (both eras)
#   .cache/interop/venv       PyPI mcp (speaks both 2025-11-25 and 2026-07-28)
# Called by scripts/install-test-deps.sh; bump a version here and the next run reinstalls it.
set -euo pipefail
cd "$(dirname "$0")/../.."

TS_SDK_VERSION="1.32.2"
EXT_TASKS_VERSION="0.2.2"
MCP_CLIENT_VERSION="2.4.0"
PY_SDK_VERSION="2.3.0"
dir=.cache/interop
node_dir="$dir/node"
ext_dir="$dir/ext-tasks"
venv="$dir/venv"

ts_installed() {
  sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' \
    "$node_dir/node_modules/@modelcontextprotocol/sdk/package.json" 2>/dev/null | head -n1
}
if [[ "$(ts_installed)" == "$TS_SDK_VERSION" ]]; then
  echo "@modelcontextprotocol/sdk $TS_SDK_VERSION already installed in $node_dir"
else
  command -v npm >/dev/null || { echo "npm not found: install Node.js/npm (>= 18) first" >&2; exit 1; }
  mkdir -p "$node_dir"
  [[ -f "$node_dir/package.json" ]] || (cd "$node_dir" && npm init -y >/dev/null)
  (cd "$node_dir" && npm install --no-audit --no-fund "@modelcontextprotocol/sdk@$TS_SDK_VERSION")
  grep -q callToolStream \
    "$node_dir/node_modules/@modelcontextprotocol/sdk/dist/esm/experimental/tasks/client.d.ts" \
    || { echo "@modelcontextprotocol/sdk $TS_SDK_VERSION has no experimental tasks callToolStream" >&2; exit 1; }
  echo "installed @modelcontextprotocol/sdk $TS_SDK_VERSION in $node_dir"
fi

# A separate folder: @modelcontextprotocol/client 2.x and zod 4 stay apart from the 1.x SDK.
pkg_version() {
  sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' \
    "$ext_dir/node_modules/@modelcontextprotocol/$1/package.json" 2>/dev/null | head -n1
}
if [[ "$(pkg_version ext-tasks)" == "$EXT_TASKS_VERSION" && "$(pkg_version client)" == "$MCP_CLIENT_VERSION" ]]; then
  echo "@modelcontextprotocol/ext-tasks $EXT_TASKS_VERSION (client $MCP_CLIENT_VERSION) already installed in $ext_dir"
else
  command -v npm >/dev/null || { echo "npm not found: install Node.js/npm (>= 20) first" >&2; exit 1; }
  mkdir -p "$ext_dir"
  [[ -f "$ext_dir/package.json" ]] || (cd "$ext_dir" && npm init -y >/dev/null)
  (cd "$ext_dir" && npm install --no-audit --no-fund \
    "@modelcontextprotocol/ext-tasks@$EXT_TASKS_VERSION" "@modelcontextprotocol/client@$MCP_CLIENT_VERSION")
  [[ "$(pkg_version ext-tasks)" == "$EXT_TASKS_VERSION" && "$(pkg_version client)" == "$MCP_CLIENT_VERSION" ]] \
    || { echo "@modelcontextprotocol/ext-tasks $EXT_TASKS_VERSION did not install" >&2; exit 1; }
  echo "installed @modelcontextprotocol/ext-tasks $EXT_TASKS_VERSION (client $MCP_CLIENT_VERSION) in $ext_dir"
fi

py_installed() {
  "$venv/bin/python" -c 'from importlib.metadata import version; print(version("mcp"))' 2>/dev/null || true
}
if [[ "$(py_installed)" == "$PY_SDK_VERSION" ]]; then
  echo "Python mcp $PY_SDK_VERSION already installed in $venv"
else
  command -v python3 >/dev/null || { echo "python3 not found: install Python >= 3.10 first" >&2; exit 1; }
  [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "mcp==$PY_SDK_VERSION"
  [[ "$(py_installed)" == "$PY_SDK_VERSION" ]] || { echo "Python mcp $PY_SDK_VERSION did not install" >&2; exit 1; }
  echo "installed Python mcp $PY_SDK_VERSION in $venv"
fi
