#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what the tests need, then lints and tests.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
command -v iptables-restore >/dev/null 2>&1 || need+=(iptables)
# tests/mariadb.rs runs the SQL check of a bundle against a real MariaDB server on loopback
command -v mariadbd >/dev/null 2>&1 || need+=(mariadb-server mariadb-client)
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

# The shipped runbook rehearsed for real (root on Linux only; under a minute): every host whose
# runbook text is right converges, re-runs with 0 changes and rolls back byte for byte. api-1/2,
# ecsc-1/2, ecmc-1/2 and mongodb-master stop on slips in the runbook itself (README, rbc rehearse).
if [ "$(id -u)" = 0 ] && [ "$(uname -s)" = Linux ]; then
  hosts=(schedule-res-1 schedule-res-2 rabbit-mq-1 rabbit-mq-2 rabbit-mq-3 mail-sms-1 mail-sms-2
    schedule-1 schedule-2 nginx-1 nginx-2 mysql-1)
  cargo run --release -q -- rehearse runbook.md "${hosts[@]/#/--host=}"
else
  echo "skipping the rehearsal of runbook.md: it needs root on Linux"
fi
