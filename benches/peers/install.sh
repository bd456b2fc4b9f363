#!/usr/bin/env bash
# Builds the benchmark's peer servers from crates.io (release) into .cache/peers, for
# `mcp-tasks-bench race`. Idempotent: cargo rebuilds nothing that is up to date. Not part of the
# test command (no test needs them).
set -euo pipefail
cd "$(dirname "$0")/../.."
# rmcp 3.x (the official Rust SDK, with its tasks support): benches/peers/rmcp.
CARGO_TARGET_DIR=.cache/peers/rmcp-bench-target cargo build --release --locked --quiet \
  --manifest-path benches/peers/rmcp/Cargo.toml
echo "rmcp bench peer built in .cache/peers/rmcp-bench-target/release/rmcp-bench-peer"
# turul-mcp-server 0.4 with its Tasks extension (SEP-2663): benches/peers/turul.
CARGO_TARGET_DIR=.cache/peers/turul-bench-target cargo build --release --locked --quiet \
  --manifest-path benches/peers/turul/Cargo.toml
echo "turul bench peer built in .cache/peers/turul-bench-target/release/turul-bench-peer"
