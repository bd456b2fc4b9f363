#!/usr/bin/env bash
# Installs what the browser tests drive (idempotent), never a browser download:
#   /usr/bin/chromium         Debian's `chromium` package (apt-get; CI runs as root)
#   .cache/browser/node       npm `playwright-core` (drives that Chromium over CDP)
# Called by scripts/install-test-deps.sh; bump a version here and the next run reinstalls it.
set -euo pipefail
cd "$(dirname "$0")/../.."

PLAYWRIGHT_VERSION="1.65.1"
dir=.cache/browser/node

if [[ -x /usr/bin/chromium ]]; then
  echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null | head -n1)"
else
  command -v apt-get >/dev/null || { echo "apt-get not found: install Debian's chromium package" >&2; exit 1; }
  sudo=""
  [[ "$(id -u)" == 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium
  [[ -x /usr/bin/chromium ]] || { echo "chromium did not install" >&2; exit 1; }
  echo "installed chromium"
fi

pw_installed() {
  sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' \
    "$dir/node_modules/playwright-core/package.json" 2>/dev/null | head -n1
}
if [[ "$(pw_installed)" == "$PLAYWRIGHT_VERSION" ]]; then
  echo "playwright-core $PLAYWRIGHT_VERSION already installed in $dir"
else
  command -v npm >/dev/null || { echo "npm not found: install Node.js/npm (>= 18) first" >&2; exit 1; }
  mkdir -p "$dir"
  [[ -f "$dir/package.json" ]] || (cd "$dir" && npm init -y >/dev/null)
  # playwright-core never downloads a browser by itself; the tests point it at /usr/bin/chromium.
  (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund "playwright-core@$PLAYWRIGHT_VERSION")
  [[ "$(pw_installed)" == "$PLAYWRIGHT_VERSION" ]] || { echo "playwright-core did not install" >&2; exit 1; }
  echo "installed playwright-core $PLAYWRIGHT_VERSION in $dir"
fi
