#!/usr/bin/env bash
# Installs cargo-fuzz (idempotent) into .cache/tools for scripts/fuzz.sh. Only the stable
# toolchain is needed: the fuzz builds set RUSTC_BOOTSTRAP=1 for the nightly-only sanitizer
# flags libFuzzer needs. Exits non-zero when it cannot be installed (no network, no C++
# compiler); scripts/fuzz.sh then says so and skips.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_FUZZ_VERSION="0.13.1"
root=.cache/tools
bin="$root/bin/cargo-fuzz"
if [[ -x "$bin" ]] && "$bin" --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  echo "cargo-fuzz $CARGO_FUZZ_VERSION already installed in $root"
  exit 0
fi
command -v cargo >/dev/null || { echo "cargo not found: install Rust with rustup" >&2; exit 1; }
cargo install --locked --root "$root" --version "$CARGO_FUZZ_VERSION" cargo-fuzz
"$bin" --version
echo "installed cargo-fuzz $CARGO_FUZZ_VERSION in $root"
