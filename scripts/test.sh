#!/usr/bin/env bash
# The project's one test command (README "Run every test"): installs the non-Rust peers the
# tests use (idempotent), then formatting, lints, every test, and a few seconds of each fuzz
# target (FUZZ_SECONDS, default 5; scripts/fuzz.sh runs them longer).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
# PostgreSQL 15 runs on every machine of this kind (trust auth); the PostgreSQL store and
# multi-instance tests create their own uniquely named databases there and drop them.
export MCP_TASKS_TEST_PG="${MCP_TASKS_TEST_PG:-postgres://postgres@127.0.0.1:5432/postgres}"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The API docs build with no broken intra-doc link.
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --locked
cargo test --workspace --locked
bash scripts/fuzz.sh "${FUZZ_SECONDS:-5}"
