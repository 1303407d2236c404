#!/usr/bin/env bash
# Installs Debian's Chromium for tests/report.rs, which screenshots the HTML readiness report in
# headless Chromium (and skips itself, saying so, where Chromium is missing). Idempotent: does
# nothing when `chromium` is already on PATH.
set -euo pipefail

if command -v chromium >/dev/null; then
  exit 0
fi
echo "== installing chromium"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
