#!/bin/bash
# Packaging payloads into per-host bundles: rbc against the operator's shell and a plain copy.
#
#   bash bench/artifacts.sh [SIZE_MB]     (from the repository root; default 1000)
#
# Generates SIZE_MB of random (incompressible, like rpm/tar.gz/jar) payloads in several files,
# some bound for two or more hosts, then times in the same run, on the same warm page cache:
#   (a) shell:  per host `tar czf host.tar.gz <its payloads>` + `sha256sum host.tar.gz`
#   (b) floor:  per host `cp` of its payloads (and, once, `cat` of all payloads > /dev/null)
#   (c) rbc:    examples/pack_bench: PayloadDigests (each payload hashed once) + write_bundles
# and prints seconds, the ratios c/a and c/b, and the peak RSS of (c). (b) and (c) take seconds
# and are run BENCH_ROUNDS (default 3) times, alternated, keeping the best of each.
# Set BENCH_DIR to keep the work files somewhere else than a fresh directory under /tmp.
set -euo pipefail

size_mb=${1:-1000}
case $size_mb in
'' | *[!0-9]*)
    echo "usage: bash bench/artifacts.sh [SIZE_MB]" >&2
    exit 2
    ;;
esac
[[ -f Cargo.toml && -d bench ]] || {
    echo "run from the repository root" >&2
    exit 2
}

echo "building examples/pack_bench (release)..." >&2
cargo build --release --quiet --example pack_bench
pack_bench=$PWD/target/release/examples/pack_bench

work=${BENCH_DIR:-$(mktemp -d /tmp/rbc-bench.XXXXXX)}
mkdir -p "$work"
[[ -n ${BENCH_DIR:-} ]] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work/payloads"
cd "$work"

# Payloads as shares of SIZE_MB (percent), and the hosts that upload them.
declare -A share=([app-2.3.1.rpm]=40 [web-static.tar.gz]=25 [service-api.jar]=15
    [agent-5.1.rpm]=10 [conf-bundle.tar.gz]=10)
hosts=(api-1 api-2 web-1 db-1)
declare -A payloads_of=(
    [api-1]="app-2.3.1.rpm service-api.jar agent-5.1.rpm"
    [api-2]="app-2.3.1.rpm service-api.jar agent-5.1.rpm"
    [web-1]="web-static.tar.gz agent-5.1.rpm conf-bundle.tar.gz"
    [db-1]="agent-5.1.rpm conf-bundle.tar.gz"
)

echo "generating ${size_mb} MB of random payloads in $work/payloads..." >&2
for name in "${!share[@]}"; do
    head -c $((size_mb * share[$name] * 1024 * 1024 / 100)) /dev/urandom >"payloads/$name"
done
per_host_mb=0
for host in "${hosts[@]}"; do
    for name in ${payloads_of[$host]}; do
        per_host_mb=$((per_host_mb + size_mb * share[$name] / 100))
    done
done

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
settle() { sync; } # start each contender with no dirty pages from the previous one

files_of() {
    local name
    for name in ${payloads_of[$1]}; do printf 'payloads/%s\n' "$name"; done
}

host_args=()
for host in "${hosts[@]}"; do
    mapfile -t files < <(files_of "$host")
    host_args+=("$host=$(
        IFS=,
        echo "${files[*]}"
    )")
done

# (b) the floor: per host, cp its payloads.
run_copy() {
    local host files
    for host in "${hosts[@]}"; do
        mkdir -p "copy/$host"
        mapfile -t files < <(files_of "$host")
        cp "${files[@]}" "copy/$host/"
    done
}

# (c) rbc, under GNU time for its peak RSS when available.
run_rbc() {
    if [[ -x /usr/bin/time ]]; then
        /usr/bin/time -f %M -o rbc.rss "$pack_bench" rbc "${host_args[@]}" >rbc.sums 2>rbc.log
    else
        "$pack_bench" rbc "${host_args[@]}" >rbc.sums 2>rbc.log
    fi
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
settle
t0=$(now)
cat payloads/* >/dev/null
t_read=$(elapsed "$t0" "$(now)")

# (b) and (c) take seconds and a shared machine is noisy: alternate them, keep the best of each.
rounds=${BENCH_ROUNDS:-3}
copies=() rbcs=() rss=0
for ((round = 1; round <= rounds; round++)); do
    settle
    t0=$(now)
    run_copy
    copies+=("$(elapsed "$t0" "$(now)")")
    rm -rf copy

    settle
    t0=$(now)
    run_rbc
    rbcs+=("$(elapsed "$t0" "$(now)")")
    rbc_mb=$(du -cm rbc/*.tar.gz | tail -n 1 | cut -f1)
    rm -rf rbc
    if [[ -f rbc.rss ]]; then
        kib=$(tail -n 1 rbc.rss)
        ((kib / 1024 > rss)) && rss=$((kib / 1024))
    fi
done
best() { printf '%s\n' "$@" | sort -n | head -n 1; }
t_copy=$(best "${copies[@]}")
t_rbc=$(best "${rbcs[@]}")

# (a) the operator's shell
settle
t0=$(now)
mkdir -p shell
for host in "${hosts[@]}"; do
    mapfile -t files < <(files_of "$host")
    tar czf "shell/$host.tar.gz" "${files[@]}"
    sha256sum "shell/$host.tar.gz" >>shell.sums
done
t_shell=$(elapsed "$t0" "$(now)")
rm -rf shell

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "payloads: ${size_mb} MB in ${#share[@]} files; ${#hosts[@]} hosts; ${per_host_mb} MB summed over hosts"
echo "machine: $(nproc) cores, load average before: ${load_before}"
echo "(b) and (c): best of ${rounds} alternated rounds; all rounds: cp ${copies[*]} / rbc ${rbcs[*]}"
printf '%-52s %8s\n' "contender" "seconds"
printf '%-52s %8s\n' "(a) shell: tar czf + sha256sum, per host" "$t_shell"
printf '%-52s %8s   (%s MB/s)\n' "(b) floor: cp, per host" "$t_copy" \
    "$(awk -v m="$per_host_mb" -v t="$t_copy" 'BEGIN { printf "%.0f", m / t }')"
printf '%-52s %8s\n' "    (cat all payloads > /dev/null, once)" "$t_read"
printf '%-52s %8s\n' "(c) rbc: payload sha256 + write_bundles, per host" "$t_rbc"
echo
echo "c/a = $(ratio "$t_rbc" "$t_shell")   (target <= 0.33: at least 3x faster than the shell)"
echo "c/b = $(ratio "$t_rbc" "$t_copy")   (target <= 1.50: within 1.5x of a copy)"
echo "rbc bundles: ${rbc_mb} MB in total for ${per_host_mb} MB of payloads"
if [[ -f rbc.rss ]]; then
    echo "rbc peak RSS: ${rss} MiB   (target < 150 MiB)"
else
    echo "rbc peak RSS: not measured (install GNU time: apt-get install time)"
fi
