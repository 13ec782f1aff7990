#!/bin/bash
# The shipped runbook's hosts as throwaway hosts on this machine, the change run two ways:
#   (a) ansible: dist/ansible/site.yml with the real ansible-playbook over ssh, manual steps
#       answered the unattended way (-e rbc_confirm=<every manual step>, as tests/fleet.rs does);
#       no RBC_VALUE_* on the hosts: the Erlang cookie read on rabbit-mq-1 reaches rabbit-mq-2/3
#       through the playbook, the operator's values (the NTP server) come as -e rbc_value_<name>
#   (b) one after another: per host, in the runbook's order of hosts, over ssh
#       `tar xzf HOST.tar.gz && ./run.sh --yes` with RBC_MANUAL_DONE=1 (every gate and manual
#       step answered yes: what an operator does by hand today, without the waiting)
#   (c) ansible: rollback.yml, and every host compared with its starting state
#
#   sudo bash bench/fleet-shipped.sh      (from the repository root; root on Linux)
#
# Hosts: `rbc rehearse --prepare` writes each host's starting state, stubs (first on PATH) and
# the bundles compiled with stand-in payloads; tests/fleet/host.sh starts each host (an overlay
# of / with that upper layer, its own mount/UTS/PID namespaces and hostname, sshd on
# 127.79.N.x:2222 on its own loopback, in a network namespace of its own with the runbook's IP).
# An inventory of our own (-i after the generated one) overrides ansible_host/ansible_port and
# adds the ProxyCommand into each host's namespace; the generated files are not edited.
# Prints wall seconds of (a), (b), (c), the human confirmations the playbook needed, the host
# gates and manual steps run.sh stops at today (counted from plan.json and from the runs' own
# output), the number of stretches, and `uptime`. BENCH_KEEP=1 keeps the work folder.
set -euo pipefail
if [ ! -f Cargo.toml ] || [ ! -f runbook.md ]; then echo "run from the repository root" >&2; exit 2; fi
if [ "$(id -u)" != 0 ] || [ "$(uname -s)" != Linux ]; then
	echo "needs root on Linux (mount namespaces, overlays, sshd)" >&2
	exit 2
fi

# The tools, installed the way scripts/test.sh installs them.
need=()
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
command -v ansible-playbook >/dev/null 2>&1 || need+=(ansible-core)
if [ "${#need[@]}" -gt 0 ]; then
	command -v apt-get >/dev/null 2>&1 || { echo "missing: ${need[*]} (install them)" >&2; exit 2; }
	echo "installing: ${need[*]}"
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

cargo build --release --quiet
rbc=$PWD/target/release/rbc
hostsh=$PWD/tests/fleet/host.sh
work=$(mktemp -d /tmp/rbc-fleet-shipped.XXXXXX)
pids=()

stop_hosts() {
	local p
	# unshare ignores SIGTERM while it waits; --kill-child takes the host (sshd, daemons) along
	for p in ${pids[@]+"${pids[@]}"}; do kill -KILL "$p" 2>/dev/null || true; done
	for p in ${pids[@]+"${pids[@]}"}; do
		while kill -0 "$p" 2>/dev/null; do sleep 0.1; done
	done
	pids=()
}
cleanup() {
	stop_hosts
	if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$rbc" rehearse runbook.md --prepare "$work/prep" >"$work/prepared.txt"
mv "$work/prep/dist" "$work/dist"
mapfile -t hosts < <(xargs -n1 basename <"$work/prepared.txt")
n=${#hosts[@]}
ssh-keygen -q -t ed25519 -N '' -f "$work/key"
net=$((100 + $$ % 150))
addr() { echo "127.79.$net.$((10 + $1))"; }
mkdir -p "$work/cp"
secs() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN { printf "%.1f\n", a - b }'; }
sshopts=(-i "$work/key" -p 2222 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -o BatchMode=yes -o ControlMaster=auto -o ControlPersist=120s
	-o ControlPath="$work/cp/%C")

# Fresh hosts: the prepared upper layers copied anew, each host in network namespace of its own
# with its runbook IP on an eth0 of its own (nginx-1 and nginx-2 both listen on port 80), sshd on
# its own loopback, reached through the namespace (ssh's ProxyCommand: nsenter + socat).
proxy() { echo "nsenter --net=/proc/${pids[$1]}/ns/net socat STDIO TCP:%h:%p"; }
hssh() { # INDEX COMMAND
	ssh "${sshopts[@]}" -o ProxyCommand="$(proxy "$1")" "root@$(addr "$1")" "$2"
}
start_hosts() { # fleet|hand: fleet hosts get no RBC_VALUE_* (the playbook carries the values)
	local i h d ip env
	for i in "${!hosts[@]}"; do
		h=${hosts[$i]} d=$work/h/${hosts[$i]}
		ip=$(awk -v h="$h" '$1 == h { for (i = 2; i <= NF; i++) if ($i ~ /^ansible_host=/) print substr($i, 14) }' \
			"$work/dist/ansible/inventory.ini" | head -n 1)
		rm -rf "$d"
		mkdir -p "$d"
		cp -a "$work/prep/hosts/$h/u" "$d/u"
		env=$work/prep/hosts/$h/env
		if [ "$1" = fleet ]; then
			grep -v '^RBC_VALUE_' "$env" >"$env.fleet" || true
			env=$env.fleet
		fi
		pids+=("$(HOST_NETNS=1 HOST_IP=$ip bash "$hostsh" "$d" "$h" "$(addr "$i")" 2222 "$work/key.pub" "$env")")
	done
	{
		echo "[servers]"
		for i in "${!hosts[@]}"; do
			echo "${hosts[$i]} ansible_host=$(addr "$i") ansible_port=2222 ansible_ssh_common_args='-o ProxyCommand=\"$(proxy "$i")\"'"
		done
	} >"$work/local.ini"
	for i in "${!hosts[@]}"; do
		local up=0
		for _ in $(seq 100); do
			if [ "$(hssh "$i" hostname 2>/dev/null)" = "${hosts[$i]}" ]; then
				up=1
				break
			fi
			sleep 0.2
		done
		[ "$up" = 1 ] || { echo "host ${hosts[$i]} did not come up: $(cat "$work/h/${hosts[$i]}/sshd.log")" >&2; exit 1; }
	done
}
# A host's / as it sees it (its sshd's root).
root_of() { # INDEX
	local p=${pids[$1]} c
	c=$(cut -d' ' -f1 "/proc/$p/task/$p/children" 2>/dev/null || true)
	echo "/proc/${c:-$p}/root"
}
# The paths the rehearsal compares, as `sha256 mode owner path` lines.
snapshot() { # INDEX
	local r
	r=$(root_of "$1")
	(
		cd "$r" || exit 1
		while IFS= read -r p; do
			[ -e ".$p" ] || [ -L ".$p" ] || continue
			find ".$p" -xdev \( -name nohup.out -o -path '*/logs/*' -o -name '*.log' \) -prune -o -printf '%y %m %U:%G %l %p\n'
			find ".$p" -xdev \( -name nohup.out -o -path '*/logs/*' -o -name '*.log' \) -prune -o -type f -print0 | xargs -0 -r sha256sum --
		done <"$work/prep/hosts/${hosts[$1]}/watched" | sort
	)
}

# Every manual step's pause (on the hosts or the operator's, change and rollback chapter),
# answered unattended.
manual=$(cd "$work/dist/ansible" && grep -oh 'manual step [^ ]* (pause)"' site.yml rollback.yml |
	awk '{ print $3 }' | sort -u | paste -sd, -)
# Values only an operator can give (site.yml's `typed once` pauses), given the unattended way;
# values read on a host (the Erlang cookie) are the playbook's own.
values=()
for v in $(cd "$work/dist/ansible" && grep -oh 'rbc_value_[a-z0-9_]* is not defined' site.yml | awk '{ print $1 }' | sort -u); do
	values+=(-e "$v=rehearsal")
done
playbook() { # BOOK LOG
	local t0 rc=0
	t0=$(date +%s.%N)
	(cd "$work/dist/ansible" && ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_NOCOLOR=1 \
		ANSIBLE_LOCAL_TEMP="$work/.ansible-tmp" ANSIBLE_SSH_CONTROL_PATH_DIR="$work/cp" \
		ansible-playbook "$1" -i inventory.ini -i "$work/local.ini" \
		-e "ansible_ssh_private_key_file=$work/key" \
		-e "ansible_ssh_extra_args='-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR'" \
		-e "rbc_confirm=$manual" ${values[@]+"${values[@]}"} </dev/null >"$2" 2>&1) || rc=$?
	secs "$t0" >"$2.secs"
	return "$rc"
}

# (a) ansible-playbook site.yml
echo "starting $n hosts ..."
start_hosts fleet
idx() { local i; for i in "${!hosts[@]}"; do [ "${hosts[$i]}" = "$1" ] && echo "$i"; done; }
# A value of this run's own in each file a host reads for others (the stub rabbitmq-server
# would make the same cookie everywhere), so that what reaches the writing hosts is checked.
python3 -c '
import json, sys
for s in json.load(open(sys.argv[1]))["steps"]:
    a = s["action"]
    if a["op"] in ("read_value", "write_value"):
        for h in s["hosts"]:
            print(a["op"], a["value"], h, a["path"])
' "$work/dist/plan.json" >"$work/values.txt"
while read -r op v h p; do
	[ "$op" = read_value ] || continue
	r=$(root_of "$(idx "$h")")
	mkdir -p "$r${p%/*}"
	(umask 077 && printf 'bench%s%s' "$RANDOM" "$RANDOM" >"$r$p") && chmod 0400 "$r$p"
done <"$work/values.txt"
for i in "${!hosts[@]}"; do snapshot "$i" >"$work/start.$i"; done
echo "(a) ansible-playbook site.yml ..."
if ! playbook site.yml "$work/site.log"; then
	tail -40 "$work/site.log" >&2
	echo "site.yml failed: $work/site.log (BENCH_KEEP=1 keeps it)" >&2
	exit 1
fi
"$rbc" status "$work/dist" >"$work/status.txt"
cookie_check=""
# shellcheck disable=SC2094 # values.txt is only read, by the loop and by awk
while read -r op v h p; do
	[ "$op" = write_value ] || continue
	src=$(awk -v v="$v" '$1 == "read_value" && $2 == v { print $3; exit }' "$work/values.txt")
	[ -n "$src" ] || continue
	if cmp -s "$(root_of "$(idx "$src")")$p" "$(root_of "$(idx "$h")")$p"; then
		cookie_check="$cookie_check $v $h=$src's"
	else
		cookie_check="$cookie_check $v $h DIFFERS"
	fi
done <"$work/values.txt"
done_hosts=$(grep -c '· done$' "$work/status.txt" || true)
# Confirmations the playbook needed: each manual step's `record` task that ran on a host, and
# each operator step recorded (without -e rbc_confirm, each is a pause for a person).
confirmations=$(awk '/^TASK \[/ { t = ($0 ~ /record (manual|operator) step/) } t && /^(changed|ok): / { print prev_task; t = 0 } /^TASK \[/ { prev_task = $0 }' "$work/site.log" | sort -u | wc -l)

# (c) rollback.yml on the same hosts
echo "(c) ansible-playbook rollback.yml ..."
rb_rc=0
playbook rollback.yml "$work/rollback.log" || rb_rc=$?
restored=0
for i in "${!hosts[@]}"; do
	if snapshot "$i" | diff -q "$work/start.$i" - >/dev/null; then
		restored=$((restored + 1))
	else
		snapshot "$i" | diff "$work/start.$i" - >"$work/rb-diff.$i" || true
		echo "not restored: ${hosts[$i]}: $(grep -o '[<>] [^ ]*  \./.*' "$work/rb-diff.$i" | sed 's/  \./ /' | sort -u | paste -sd' ' -)" >&2
	fi
done
stop_hosts

# (b) the bundles one after another, on fresh hosts
echo "(b) the $n bundles one after another ..."
start_hosts hand
gates_seen=0
manual_seen=0
t0=$(date +%s.%N)
for i in "${!hosts[@]}"; do
	h=${hosts[$i]}
	# shellcheck disable=SC2029 # the host's name, expanded here on purpose
	if ! hssh "$i" "cd /root && tar xzf $h.tar.gz && cd $h && RBC_MANUAL_DONE=1 ./run.sh --yes" >"$work/seq.$h.log" 2>&1; then
		tail -20 "$work/seq.$h.log" >&2
		echo "$h: run.sh failed ($work/seq.$h.log)" >&2
		exit 1
	fi
	gates_seen=$((gates_seen + $(grep -c 'taken as finished (--yes)' "$work/seq.$h.log" || true)))
	manual_seen=$((manual_seen + $(grep -c 'taken as done: RBC_MANUAL_DONE=1' "$work/seq.$h.log" || true)))
done
seq_secs=$(secs "$t0")
stop_hosts

# Today's hand-confirmed gates, from the plan: forward steps with a gate, once per host.
read -r plan_gates plan_manual stretches < <(python3 - "$work/dist" <<'PY'
import json, sys
d = sys.argv[1]
steps = [s for s in json.load(open(d + "/plan.json"))["steps"] if s["phase"] == "run"]
# a gate is a host's own (2.4.2-18 runs on rabbit-mq-1..3 but only -2 and -3 wait)
gates = sum(len({g["host"] for g in s["gates"]}) for s in steps)
manual = sum(len(s["hosts"]) for s in steps if s["kind"] == "manual")
print(gates, manual, len(json.load(open(d + "/ansible/stretches.json"))["stretches"]))
PY
)
site=$(cat "$work/site.log.secs")
rb=$(cat "$work/rollback.log.secs")
printf '\n%-44s %10s\n' "shipped runbook.md, $n hosts ($(date -u +%F))" "wall s"
printf '%-44s %10.1f\n' "(a) ansible-playbook site.yml" "$site"
printf '%-44s %10.1f\n' "(b) the $n bundles one after another" "$seq_secs"
printf '%-44s %10.1f\n' "(c) ansible-playbook rollback.yml (rc $rb_rc)" "$rb"
echo "hosts done after (a): $done_hosts/$n; restored byte for byte after (c): $restored/$n"
echo "stretches (plays): $stretches"
echo "confirmations the playbook needed (pauses): $confirmations (manual/operator steps given in rbc_confirm)"
echo "values: $(grep -c '^TASK \[Value [A-Z0-9_]*: kept 0600' "$work/site.log" || true) value plays wrote; given with -e: ${values[*]:-none}; RBC_VALUE_ on the fleet hosts: $(cat "$work"/prep/hosts/*/env.fleet | grep -c '^RBC_VALUE_' || true)"
echo "values read on one host, on the hosts that write them after (a):$cookie_check"
echo "today by hand: $plan_gates host gates (plan.json; run.sh said 'taken as finished' $gates_seen times) + $plan_manual host manual steps ($manual_seen seen)"
echo "load: $(uptime)"
[ "$done_hosts" = "$n" ] && [ "$restored" = "$n" ] && [ "$rb_rc" = 0 ]
