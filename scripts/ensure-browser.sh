#!/usr/bin/env bash
# Browser tests use Debian's Chromium (driven by Playwright) and Debian's Firefox ESR (driven over
# WebDriver BiDi by tests/browser/firefox.py): Playwright's own browser downloads are not
# available here. Most Chromium tests run the package's headless shell (the same build without
# the desktop browser, much less CPU); the Janus tests run the full /usr/bin/chromium.
set -euo pipefail
missing=()
if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
  missing+=(chromium chromium-driver)
fi
if [[ ! -x /usr/bin/chromium-headless-shell ]]; then
  missing+=(chromium-headless-shell)
fi
if [[ ! -x /usr/bin/firefox-esr ]]; then
  missing+=(firefox-esr)
fi
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null; then
  echo "Installing Debian ${missing[*]} for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi
echo "NOTE: ${missing[*]} missing and this is not root, so some browser tests will be skipped." >&2
echo "      Install with: sudo apt-get install ${missing[*]}" >&2
