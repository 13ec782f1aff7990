#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what the tests need, then lints and tests.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
command -v iptables-restore >/dev/null 2>&1 || need+=(iptables)
# tests/checklist.rs prints dist/checklist.html with headless Chromium and reads it with pdftotext
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-noto-cjk)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing test tools: ${need[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing test tools (${need[*]}): install them, or run as root on Debian" >&2
  fi
fi

cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo test --release
