#!/usr/bin/env bash
# Browser tests use Debian's Chromium (Playwright's own browser download is not available here).
set -euo pipefail
if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
  exit 0
fi
if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null; then
  echo "Installing Debian chromium and chromium-driver for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  exit 0
fi
echo "NOTE: /usr/bin/chromium is missing and this is not root, so browser tests will be skipped." >&2
echo "      Install it with: sudo apt-get install chromium chromium-driver" >&2
