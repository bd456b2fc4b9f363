#!/usr/bin/env bash
# The peer matrix of bins/mcp-tasks-check/README.md: runs `mcp-tasks-check server` against each
# peer (each started by the checker with --cmd and stopped at the end) and prints one Markdown
# table, peer × scenario group, "pass / fail / skipped" check counts. JSON reports are kept in
# .cache/peers/reports/<peer>.json for the triage.
#   bash tests/peers/matrix.sh            # needs: cargo build -p mcp-tasks-check -p mcp-tasks-reference-server,
#                                         #        bash tests/interop/install.sh && bash tests/peers/install.sh
# CHECK_BIN / SERVER_BIN override the binaries (default target/debug/…).
set -uo pipefail
cd "$(dirname "$0")/../.."
check=${CHECK_BIN:-target/debug/mcp-tasks-check}
server=${SERVER_BIN:-target/debug/mcp-tasks-server}
out=.cache/peers/reports
mkdir -p "$out"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# name|version|command (PORT is replaced; a command starting with `stdio:` is a stdio server)
peers=(
  "mcp-tasks-server (ours)|0.1.0|$server --http 127.0.0.1:PORT --store memory:"
  "fastmcp-tasks (PyPI)|4.1.4|.cache/peers/fastmcp/bin/python tests/peers/fastmcp/server.py PORT"
  "mcp Python SDK (PyPI)|2.3.0|.cache/interop/venv/bin/python tests/peers/python-sdk/server.py PORT"
  "@modelcontextprotocol/sdk (npm), Tasks v1|1.32.2|node tests/interop/ts_server_tasks.mjs PORT"
  "rmcp (crates.io), stdio|3.11.0|stdio:.cache/peers/rmcp-target/debug/rmcp-tasks-peer"
  "turul-mcp-server (crates.io) + ext-tasks|0.4.5|.cache/peers/turul-target/debug/turul-tasks-peer PORT"
)
# Clients: name|version|client command (client mode appends the URL, or the stdio server
# command with --stdio)|extra checker flags
clients=(
  "mcp-tasks conformance-client (ours), HTTP|0.1.0|target/debug/mcp-tasks conformance-client|"
  "mcp-tasks conformance-client (ours), stdio|0.1.0|target/debug/mcp-tasks conformance-client|--stdio"
  "@modelcontextprotocol/sdk (npm) client|1.32.2|node tests/peers/ts-client/client.mjs|"
  "mcp Python SDK (PyPI) client|2.3.0|.cache/interop/venv/bin/python tests/peers/python-client/client.py|"
)
files=()
for p in "${peers[@]}"; do
  IFS='|' read -r name version cmd <<<"$p"
  port=$(free_port)
  slug=$(echo "$name" | tr -c 'a-zA-Z0-9\n' '-' | tr -s '-' | sed 's/-$//')
  if [[ $cmd == stdio:* ]]; then
    target=(--stdio-cmd "${cmd#stdio:}")
  else
    target=(--url "http://127.0.0.1:$port/mcp" --cmd "${cmd//PORT/$port}")
  fi
  "$check" server "${target[@]}" --format json --output "$out/$slug.json" >/dev/null 2>"$out/$slug.err"
  echo "$name $version: exit $?" >&2
  files+=("$name $version|$out/$slug.json")
done
cfiles=()
for c in "${clients[@]}"; do
  IFS='|' read -r name version cmd extra <<<"$c"
  slug=client-$(echo "$name" | tr -c 'a-zA-Z0-9\n' '-' | tr -s '-' | sed 's/-$//')
  # shellcheck disable=SC2086 # $extra is zero or one flag
  "$check" client --cmd "$cmd" $extra --format json --output "$out/$slug.json" >/dev/null 2>"$out/$slug.err"
  echo "$name $version: exit $?" >&2
  cfiles+=("$name $version|$out/$slug.json")
done

table() {
python3 - "$@" <<'PY'
import json, sys
rows, groups = [], []
for arg in sys.argv[1:]:
    name, path = arg.rsplit("|", 1)
    try:
        rep = json.load(open(path))
    except Exception as e:
        rows.append((name, None, f"no report ({e})")); continue
    counts = {}
    for sc in rep["scenarios"]:
        g = sc["group"]
        # Client scenarios: one column per mock (Tasks v1, the extension).
        if g == "tasks-client":
            g = "client: Tasks v1 (2025-11-25)" if sc["name"].startswith("tasks-v1-") else "client: extension (2026-07-28)"
        if g not in groups: groups.append(g)
        c = counts.setdefault(g, [0, 0, 0, sc["status"]])
        if sc["status"] in ("not-requested", "not-applicable"):
            continue
        c[3] = None
        for ch in sc["checks"]:
            s = ch["status"]
            if s == "pass": c[0] += 1
            elif s == "fail": c[1] += 1
            elif s == "skipped": c[2] += 1
    rows.append((name, counts, "PASS" if rep["ok"] else "FAIL"))
print("| peer | " + " | ".join(f"`{g}`" for g in groups) + " | result |")
print("| --- " * (len(groups) + 2) + "|")
for name, counts, res in rows:
    if counts is None:
        print(f"| {name} | " + " | ".join("–" for _ in groups) + f" | {res} |"); continue
    cells = []
    for g in groups:
        c = counts.get(g)
        if c is None: cells.append("–")
        elif c[3] is not None: cells.append(c[3])
        else: cells.append(f"{c[0]} / {c[1]} / {c[2]}")
    print(f"| {name} | " + " | ".join(cells) + f" | {res} |")
PY
}
table "${files[@]}"
echo
table "${cfiles[@]}"
