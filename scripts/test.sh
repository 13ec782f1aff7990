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
# the rehearsal checks the nginx.conf blocks a bundle edits with the real `nginx -t`
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-noto-cjk)
# tests/fleet.rs runs dist/ansible/site.yml with the real ansible-playbook over ssh against
# throwaway hosts (an sshd each on a loopback address)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
# ansible-lint on the generated project (tests/fleet.rs) is pip-installed into a venv below
command -v ansible-lint >/dev/null 2>&1 || python3 -c 'import ensurepip' 2>/dev/null || need+=(python3-venv)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing test tools: ${need[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing test tools (${need[*]}): install them, or run as root on Debian" >&2
  fi
fi
# ansible-core alone (the Debian package, without the collections it recommends)
if ! command -v ansible-playbook >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing test tools: ansible-core"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ansible-core >/dev/null
  else
    echo "missing test tool ansible-core: install it (apt-get or pip), or run as root on Debian" >&2
  fi
fi
# ansible-lint (pip, into target/ansible-lint) if it installs; tests/fleet.rs lints dist/ansible/
# with it, or says the lint was skipped.
if ! command -v ansible-lint >/dev/null 2>&1 && [ ! -x target/ansible-lint/bin/ansible-lint ]; then
  if python3 -m venv target/ansible-lint >/dev/null 2>&1 &&
    target/ansible-lint/bin/pip install -q ansible-lint >/dev/null 2>&1; then
    echo "installed test tool: ansible-lint (target/ansible-lint)"
  else
    echo "ansible-lint did not install (pip or network): the generated project's lint is skipped" >&2
    rm -rf target/ansible-lint
  fi
fi

cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo test --release

# The shipped runbook rehearsed for real (root on Linux only; under a minute): every host
# converges, re-runs with 0 changes and rolls back byte for byte. The steps `rbc check` doubts
# (tomcat 7.0.64, ecsc.tar/ecmc.tar, ./home/rollbackMongoDB.sh ...) are manual, taken as done.
if [ "$(id -u)" = 0 ] && [ "$(uname -s)" = Linux ]; then
  cargo run --release -q -- rehearse runbook.md
else
  echo "skipping the rehearsal of runbook.md: it needs root on Linux"
fi
