#!/usr/bin/env bash
# Installs nginx from the Debian packages for the load-balancer tests
# (bins/mcp-tasks-server/tests/balancer.rs), idempotently. Nothing is started: the tests run
# nginx themselves, as a foreground child with its own prefix, config and free port.
set -euo pipefail

if command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]]; then
  echo "nginx already installed: $(/usr/sbin/nginx -v 2>&1 || nginx -v 2>&1)"
  exit 0
fi
command -v apt-get >/dev/null || { echo "apt-get not found: install nginx (>= 1.18) yourself" >&2; exit 1; }
sudo=""
[[ "$(id -u)" == 0 ]] || sudo="sudo"
# Keep the package from starting its own nginx service (the tests start theirs).
policy=/usr/sbin/policy-rc.d
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  trap '$sudo rm -f "$policy"' EXIT
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y --no-install-recommends nginx-light \
  || { $sudo apt-get update && $sudo apt-get install -y --no-install-recommends nginx-light; }
echo "installed nginx: $(/usr/sbin/nginx -v 2>&1)"
