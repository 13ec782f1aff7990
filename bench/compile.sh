#!/bin/bash
# `rbc compile --artifacts` on the shipped runbook with ~SIZE_MB of payloads, side by side with
# the shell an operator would write and with a plain per-host copy of the same bytes.
#
#   bash bench/compile.sh [SIZE_MB]     (from the repository root; default 1000)
#
# Payload files are the runbook's own artifacts (`rbc artifacts --json`), random bytes (like
# rpm/tar.gz/jar, incompressible), SIZE_MB in all, each going to the hosts the runbook says.
# In the same run, on the same warm page cache, best of BENCH_ROUNDS (default 3) each, the
# rounds of (b), (b1) and (c) alternated so that a change in the machine's load hits them alike:
#   (a)  shell: per host `tar czf HOST.tar.gz <its payloads>` + `sha256sum HOST.tar.gz`
#   (b)  copy:  per host `cp` of its payloads into two folders: the bytes dist/ holds, where every
#               payload is in the host's .tar.gz and again in its self-extracting .run (SPEC §4)
#   (b1) copy once: per host `cp` of its payloads into one folder (for transparency: what the
#               ratio would be if dist/ held each host's payloads once)
#   (c)  rbc:   rbc compile --artifacts DIR --no-shellcheck: the first compile (payload sums
#               computed) and recompiles (sums from rbc's cache); once with shellcheck for reference
# Prints wall seconds and CPU seconds (user + system, all processes), the ratios c/a, c/b and
# c/b1, and the peak RSS of (c). The targets: c/a <= 1/3, c/b <= 1.5, peak RSS < 150 MiB.
# On a loaded machine the wall times move with the load; the CPU times much less.
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
copy_to() { # folder suffixes...
    mkdir copy
    local h s
    for h in "${!of[@]}"; do
        for s in "$@"; do
            mkdir -p "copy/$h$s"
            # shellcheck disable=SC2086
            cp ${of[$h]} "copy/$h$s/"
        done
    done
}
copy() { copy_to .tar.gz .run; }
copy1() { copy_to ''; }
compile() { "$rbc" compile "$runbook" -o dist --artifacts payloads --no-shellcheck >/dev/null 2>&1; }
cpu_of() { # CPU seconds (user + sys) of the children in `times` output on stdin
    sed -n 2p | tr -d 's' | awk '{ split($1, u, "m"); split($2, s, "m"); print u[1] * 60 + u[2] + s[1] * 60 + s[2] }'
}
declare -A wall=() cpu=()
measure() { # fn: keeps the best wall time and the best CPU time of fn in wall[fn], cpu[fn]
    local t0 t1 d c
    rm -rf shell copy dist
    sync
    t0=$(now)
    c=$( ("$1" && times) | cpu_of)
    t1=$(now)
    d=$(echo "$t1 - $t0" | bc)
    if [ -z "${wall[$1]:-}" ] || [ "$(echo "$d < ${wall[$1]}" | bc)" = 1 ]; then wall[$1]=$d; fi
    if [ -z "${cpu[$1]:-}" ] || [ "$(echo "$c < ${cpu[$1]}" | bc)" = 1 ]; then cpu[$1]=$c; fi
}
measure shell
export XDG_CACHE_HOME="$work/cache" # rbc's payload-sum cache, empty at first
measure compile
wall[first]=${wall[compile]} cpu[first]=${cpu[compile]}
unset 'wall[compile]' 'cpu[compile]'
for ((i = 0; i < rounds; i++)); do
    measure copy
    measure copy1
    measure compile
done
rm -rf dist
sync
t0=$(now); "$rbc" compile "$runbook" -o dist --artifacts payloads >/dev/null 2>&1; t_full=$(echo "$(now) - $t0" | bc)
if [ -x /usr/bin/time ]; then
    /usr/bin/time -f %M -o rss.txt "$rbc" compile "$runbook" -o dist2 --artifacts payloads --no-shellcheck >/dev/null 2>&1
    rss="$(cat rss.txt) KiB"
else
    rss='? (apt-get install time)'
fi
row() { printf '%-50s %8.2f s  %8.2f s\n' "$1" "${wall[$2]}" "${cpu[$2]}"; }
printf '%-50s %10s  %10s\n' '' 'wall' 'CPU'
row "(a) shell: tar czf + sha256sum per host" shell
row "(b) copy: cp per host, twice (.tar.gz and .run)" copy
row "(b1) copy once: cp per host" copy1
row "(c) rbc compile --artifacts, first compile" first
row "(c) rbc compile --artifacts, recompile (cache)" compile
printf '%-50s %8.2f s\n' "    recompile with shellcheck, for reference" "$t_full"
ratio() { echo "${wall[$1]} / ${wall[$2]}" | bc -l; }
cratio() { echo "${cpu[$1]} / ${cpu[$2]}" | bc -l; }
for c in first compile; do
    label=$([ "$c" = first ] && echo 'first compile:' || echo 'recompile:')
    printf '%-15s c/a = %.3f  c/b = %.2f  c/b1 = %.2f   (CPU: c/b = %.2f, c/b1 = %.2f)\n' "$label" \
        "$(ratio "$c" shell)" "$(ratio "$c" copy)" "$(ratio "$c" copy1)" "$(cratio "$c" copy)" "$(cratio "$c" copy1)"
done
echo '(targets: c/a <= 0.333, c/b <= 1.5)'
printf 'peak RSS of (c): %s (target < 150 MiB)\n' "$rss"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) on $(nproc) cores"
