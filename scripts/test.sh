#!/usr/bin/env bash
# The project's one test command (README "Run every test"): installs the non-Rust peers the
# tests use (idempotent), then formatting, lints, every test, and a few seconds of each fuzz
# target (FUZZ_SECONDS, default 5; scripts/fuzz.sh runs them longer).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
bash scripts/fuzz.sh "${FUZZ_SECONDS:-5}"
