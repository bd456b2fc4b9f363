#!/usr/bin/env bash
# Installs the peers `mcp-tasks-check` is graded against (tests/peers/*, bins/mcp-tasks-check
# tests), each from its package registry into .cache/peers, never globally (idempotent: bump a
# version here and the next run reinstalls it):
#   .cache/peers/fastmcp      PyPI fastmcp-tasks (with the fastmcp it pins): tests/peers/fastmcp
#   .cache/peers/rmcp-target  crates.io rmcp 3.x: tests/peers/rmcp, built with cargo
#   .cache/peers/turul-target crates.io turul-mcp-server + ext-tasks: tests/peers/turul
# The TypeScript and Python SDK peers reuse .cache/interop (tests/interop/install.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."

FASTMCP_TASKS_VERSION="4.1.4"
venv=.cache/peers/fastmcp
fm_installed() {
  "$venv/bin/python" -c 'from importlib.metadata import version; print(version("fastmcp-tasks"))' 2>/dev/null || true
}
if [[ "$(fm_installed)" == "$FASTMCP_TASKS_VERSION" ]]; then
  echo "fastmcp-tasks $FASTMCP_TASKS_VERSION already installed in $venv"
else
  command -v python3 >/dev/null || { echo "python3 not found: install Python >= 3.10 first" >&2; exit 1; }
  [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "fastmcp-tasks==$FASTMCP_TASKS_VERSION"
  [[ "$(fm_installed)" == "$FASTMCP_TASKS_VERSION" ]] || { echo "fastmcp-tasks $FASTMCP_TASKS_VERSION did not install" >&2; exit 1; }
  echo "installed fastmcp-tasks $FASTMCP_TASKS_VERSION in $venv"
fi

# rmcp (crates.io, the official Rust SDK, 3.x with its tasks extension): tests/peers/rmcp is a
# standalone cargo project (its own workspace and Cargo.lock, not the mcp-tasks workspace),
# built into its own target directory. cargo build is a no-op when it is up to date. Not fatal:
# without it the matrix reports the peer as not built.
CARGO_TARGET_DIR=.cache/peers/rmcp-target cargo build --locked --quiet \
  --manifest-path tests/peers/rmcp/Cargo.toml \
  && echo "rmcp peer built in .cache/peers/rmcp-target/debug/rmcp-tasks-peer" \
  || echo "the rmcp peer (tests/peers/rmcp) could not be built: the matrix will say so" >&2

# turul-mcp-server (crates.io) with its tasks extension: tests/peers/turul, likewise standalone.
CARGO_TARGET_DIR=.cache/peers/turul-target cargo build --locked --quiet \
  --manifest-path tests/peers/turul/Cargo.toml \
  && echo "turul peer built in .cache/peers/turul-target/debug/turul-tasks-peer" \
  || echo "the turul peer (tests/peers/turul) could not be built: the matrix will say so" >&2
