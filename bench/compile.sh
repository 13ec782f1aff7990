#!/bin/bash
# `rbc compile --artifacts` on the shipped runbook with ~SIZE_MB of payloads, side by side with
# the shell an operator would write and with a plain per-host copy of the same bytes.
#
#   bash bench/compile.sh [SIZE_MB]     (from the repository root; default 1000)
#
# Payload files are the runbook's own artifacts (`rbc artifacts --json`), random bytes (like
# rpm/tar.gz/jar, incompressible), SIZE_MB in all, each going to the hosts the runbook says.
# In the same run, on the same warm page cache, best of BENCH_ROUNDS (default 3) each:
#   (a) shell: per host `tar czf HOST.tar.gz <its payloads>` + `sha256sum HOST.tar.gz`
#   (b) copy:  per host `cp` of its payloads into a folder
#   (c) rbc:   rbc compile --artifacts DIR --no-shellcheck: the first compile (payload sums
#              computed) and recompiles (sums from rbc's cache); once with shellcheck for reference
# Prints seconds, ratios c/a and c/b, and the peak RSS of (c).
set -euo pipefail
size_mb=${1:-1000}
rounds=${BENCH_ROUNDS:-3}
[[ -f Cargo.toml && -f runbook.md ]] || { echo "run from the repository root" >&2; exit 2; }
cargo build --release --quiet
rbc=$PWD/target/release/rbc
runbook=$PWD/runbook.md
work=$(mktemp -d /tmp/rbc-compile-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir payloads

# The artifacts and their hosts, from rbc itself.
"$rbc" artifacts --json "$runbook" | python3 -c '
import json, sys
for a in json.load(sys.stdin)["artifacts"]:
    print(a["file"], " ".join(a["hosts"]))' >artifacts.txt
files=$(cut -d' ' -f1 artifacts.txt | sort -u)
n=$(printf '%s\n' "$files" | wc -l)
each=$((size_mb * 1024 * 1024 / n))
for f in $files; do head -c "$each" /dev/urandom >"payloads/$f"; done
declare -A of=()
while read -r f hosts; do
    for h in $hosts; do of[$h]="${of[$h]:-} payloads/$f"; done
done <artifacts.txt
bytes=0
for h in "${!of[@]}"; do for f in ${of[$h]}; do bytes=$((bytes + $(stat -c %s "$f"))); done; done
echo "payloads: $n files, $((size_mb)) MB; $((bytes / 1024 / 1024)) MB over ${#of[@]} hosts"
cat payloads/* >/dev/null

now() { date +%s.%N; }
# Each function writes into a fresh folder; removing the previous one is not timed.
shell() {
    mkdir shell
    for h in "${!of[@]}"; do
        # shellcheck disable=SC2086
        tar czf "shell/$h.tar.gz" ${of[$h]}
        sha256sum "shell/$h.tar.gz" >/dev/null
    done
}
copy() {
    mkdir copy
    for h in "${!of[@]}"; do
        mkdir -p "copy/$h"
        # shellcheck disable=SC2086
        cp ${of[$h]} "copy/$h/"
    done
}
compile() { "$rbc" compile "$runbook" -o dist --artifacts payloads --no-shellcheck >/dev/null 2>&1; }
best() { # fn -> best seconds over rounds
    local b='' t0 t1 d i
    for ((i = 0; i < rounds; i++)); do
        rm -rf shell copy dist
        sync
        t0=$(now); "$1"; t1=$(now)
        d=$(echo "$t1 - $t0" | bc)
        if [ -z "$b" ] || [ "$(echo "$d < $b" | bc)" = 1 ]; then b=$d; fi
    done
    echo "$b"
}
t_shell=$(rounds=1 best shell)
t_copy=$(best copy)
export XDG_CACHE_HOME="$work/cache" # rbc's payload-sum cache, empty at first
t_first=$(rounds=1 best compile)
t_rbc=$(best compile)
rm -rf dist
sync
t0=$(now); "$rbc" compile "$runbook" -o dist --artifacts payloads >/dev/null 2>&1; t_full=$(echo "$(now) - $t0" | bc)
if [ -x /usr/bin/time ]; then
    /usr/bin/time -f %M -o rss.txt "$rbc" compile "$runbook" -o dist2 --artifacts payloads --no-shellcheck >/dev/null 2>&1
    rss="$(cat rss.txt) KiB"
else
    rss='? (apt-get install time)'
fi
printf '%-48s %8.2f s\n' "(a) shell: tar czf + sha256sum per host" "$t_shell"
printf '%-48s %8.2f s\n' "(b) copy: cp per host" "$t_copy"
printf '%-48s %8.2f s\n' "(c) rbc compile --artifacts, first compile" "$t_first"
printf '%-48s %8.2f s\n' "(c) rbc compile --artifacts, recompile (cache)" "$t_rbc"
printf '%-48s %8.2f s\n' "    recompile with shellcheck, for reference" "$t_full"
printf 'first compile: c/a = %.3f  c/b = %.2f\n' "$(echo "$t_first / $t_shell" | bc -l)" "$(echo "$t_first / $t_copy" | bc -l)"
printf 'recompile:     c/a = %.3f  c/b = %.2f   (targets: c/a <= 0.333, c/b <= 1.5)\n' "$(echo "$t_rbc / $t_shell" | bc -l)" "$(echo "$t_rbc / $t_copy" | bc -l)"
printf 'peak RSS of (c): %s (target < 150 MiB)\n' "$rss"
