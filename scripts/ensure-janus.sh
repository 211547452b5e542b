#!/usr/bin/env bash
# Live workshops' media runs on Janus (Debian's `janus`, VideoRoom plugin); `make run` and
# `make test` install it when root, as ensure-browser.sh does for the browsers. Without it
# runstack says so and workshops fall back to mesh; the Janus tests skip (fail in CI).
set -euo pipefail
if command -v janus >/dev/null; then
  exit 0
fi
if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null; then
  echo "Installing Debian's janus (workshop media server)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends janus >/dev/null
  # Debian enables a system service; Mentorloom starts its own Janus with its own config.
  if command -v systemctl >/dev/null && systemctl is-enabled janus >/dev/null 2>&1; then
    systemctl disable --now janus >/dev/null 2>&1 || true
  fi
  exit 0
fi
echo "NOTE: janus is missing and this is not root: workshops fall back to mesh video." >&2
echo "      Install with: sudo apt-get install janus" >&2
