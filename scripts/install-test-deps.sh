#!/usr/bin/env bash
# Installs the non-Rust peers the tests use (idempotent). Nothing is needed yet beyond the Rust toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "cargo not found: install Rust with rustup" >&2; exit 1; }
