# shellcheck shell=bash
# lib/rbc.sh: the static runtime of an rbc bundle. It owns the runner shared by run.sh and
# rollback.sh (checksums, host check, lock, journal, step kinds, gates, recap) and the primitives
# that generated step scripts call, each with its check, its action and its inverse.
#
# Target: CentOS 6 (bash 4.1, coreutils 8.4, tar 1.23, no network, root). Sourced, never run.
# Names: rbc_* are the step scripts' API (docs/bundle.md); rbc__* are internal to the runtime.
# The runner does not use `set -u`/`set -e` itself: it checks every status explicitly, so that
# behaviour cannot differ between the bash we test with and bash 4.1 on the hosts.

# --- Exit codes (docs/bundle.md, --help) --------------------------------------------------------
RBC_EXIT_DONE=0        # finished (or stopped on purpose by --until)
RBC_EXIT_FAILED=1      # a step failed; fix the cause, run again: it resumes there
RBC_EXIT_USAGE=2       # bad option, damaged bundle, checksum mismatch
RBC_EXIT_MANUAL=3      # waiting for a manual step to be confirmed
RBC_EXIT_GATE=4        # waiting at a gate: steps on other hosts must be finished first
RBC_EXIT_WRONG_HOST=5  # this is not the host the bundle was compiled for
RBC_EXIT_LOCKED=6      # another run.sh/rollback.sh holds the lock
RBC_EXIT_LEFT=7        # rollback.sh: done as far as rbc can; what is left for a person is listed

# --- Runner state ------------------------------------------------------------------------------
RBC__MODE=run          # run | rollback
RBC__DRY=0
RBC__LIST=0
RBC__YES=0
RBC__HELP=0
RBC__FORCE_HOST=0
RBC__ONLY=
RBC__FROM=
RBC__UNTIL=
RBC__STRETCH=  # --stretch N: only this stretch's steps (the control machine keeps the order)
RBC__CONFIRM=' ' # --confirm ID...: manual steps confirmed on the control machine
RBC__FORGET=
RBC__HANDLED=0
RBC__UNDO_ONLY=0 # rollback.sh --undo-only: the journal undone, the chapter not started
RBC__VERBOSE=0
RBC__DIFF=0            # --diff: show the unified diff of every file a step changes
RBC__DIFF_ONLY=0       # set while a dry run computes a step's diff: nothing is written
RBC__COLOR=0
RBC__FOLD=0
RBC__FOLD_FIRST=
RBC__FOLD_LAST=
RBC__FOLD_N=0
RBC__DECLINED=
RBC__TTY=0
RBC__LOCKED=0
RBC__APPLYING= # "ns id kind" while an rbc_apply runs (its subshell records how it ended)
RBC__ORPHAN=   # "rc ns id kind" of a step that outlived a killed run
RBC__STATE=
RBC__TMP=
RBC__LOG=/dev/null
RBC__HDR=
RBC__USER=
RBC__STOP=
RBC__LOGMARK=$'\001rbc-log '
RBC__SEQ=0
RBC__N_OK=0
RBC__N_CHANGED=0
RBC__N_SKIPPED=0
RBC__N_MANUAL=0
RBC__N_FAILED=0
RBC__N_WOULD=0
RBC__N_UNDONE=0
RBC__N_KEPT=0
# Journal, loaded into memory: "ns:id" -> "event<TAB>time<TAB>user<TAB>note" of its last event;
# RBC__APPLIED: forward step id -> journal line of its latest `apply` not yet undone.
declare -A RBC__LAST=()
declare -A RBC__APPLIED=()
RBC__JLINES=0
RBC__NEW_APPLIES=0
RBC__EV=
RBC__EV_TIME=
RBC__EV_USER=
RBC__EV_NOTE=

# --- Messages ------------------------------------------------------------------------------------

# Print a line for the operator (terminal and log when inside a step).
rbc_say() { if [ "${RBC__DIFF_ONLY:-0}" != 1 ]; then printf '%s\n' "$*"; fi; }

rbc_warn() { printf 'rbc: warning: %s\n' "$*" >&2; }

# Print an error; the caller returns non-zero.
rbc__err() { printf 'rbc: %s\n' "$*" >&2; }

# A line for the log only (inside a step; the runner's output filter routes it).
rbc_log() {
	[ -n "${RBC__IN_STEP:-}" ] || return 0
	printf '%s%s\n' "$RBC__LOGMARK" "$*"
}

rbc__now() { date '+%Y-%m-%d %H:%M:%S %z'; }

# Who is running this: the effective user, and the login/sudo user when different.
rbc__whoami() {
	local u l
	u=$(id -un 2>/dev/null) || u="uid$(id -u)"
	l=${SUDO_USER:-}
	[ -n "$l" ] || l=$(logname 2>/dev/null) || l=
	if [ -n "$l" ] && [ "$l" != "$u" ]; then u="$u($l)"; fi
	printf '%s' "$u"
}

# --- Journal ------------------------------------------------------------------------------------
# $STATE/journal, one event a line: TIME<TAB>USER<TAB>NS<TAB>ID<TAB>EVENT<TAB>NOTE.
# NS: run (forward steps), gate (gate confirmations, by step id), rb (rollback chapter steps),
# rbgate. EVENT: apply ok changed failed confirmed looked (a check with nothing to look at yet)
# undone undo-skipped undo-failed, and
# `reset` with ID `*` (rollback.sh: a namespace starts over). Append-only; no field is empty.

# Fold one event into memory.
rbc__jevent() { # ns id event time user note lineno
	local k
	if [ "$2" = '*' ] && [ "$3" = reset ]; then
		for k in "${!RBC__LAST[@]}"; do
			case $1:$k in
			run:run:* | run:gate:* | rb:rb:* | rb:rbgate:*) unset "RBC__LAST[$k]" ;;
			esac
		done
		case $1 in
		run) RBC__APPLIED=() ;;
		rb) RBC__NEW_APPLIES=0 ;;
		esac
		return 0
	fi
	RBC__LAST["$1:$2"]="$3"$'\t'"$4"$'\t'"$5"$'\t'"$6"
	if [ "$1" = run ]; then
		case $3 in
		apply)
			RBC__APPLIED["$2"]=$7
			RBC__NEW_APPLIES=1
			;;
		undone | undo-skipped) unset "RBC__APPLIED[$2]" ;;
		esac
	fi
}

rbc__journal_load() {
	local f="$RBC__STATE/journal" when user ns id event note
	RBC__LAST=()
	RBC__APPLIED=()
	RBC__JLINES=0
	RBC__NEW_APPLIES=0
	[ -f "$f" ] || return 0
	# A line cut short by a crash has no newline: `read` fails on it and it is ignored.
	while IFS=$'\t' read -r when user ns id event note; do
		RBC__JLINES=$((RBC__JLINES + 1))
		[ -n "$event" ] || continue
		rbc__jevent "$ns" "$id" "$event" "$when" "$user" "${note:--}" "$RBC__JLINES"
	done <"$f"
}

# Make sure the journal ends with a newline (a crash may have cut the last line).
rbc__journal_repair() {
	local f="$RBC__STATE/journal"
	if [ -s "$f" ] && [ "$(tail -c 1 "$f" | wc -l)" -eq 0 ]; then
		printf '\n' >>"$f"
	fi
}

rbc__journal() { # ns id event [note]
	local t note=${4:--}
	t=$(rbc__now)
	note=${note//$'\t'/ }
	note=${note//$'\n'/ }
	[ -n "$note" ] || note=-
	RBC__JLINES=$((RBC__JLINES + 1))
	if [ "$RBC__DRY" != 1 ]; then
		if [ -L "$RBC__STATE/journal" ]; then
			rbc__err "refusing to write the journal: $RBC__STATE/journal is a symbolic link rbc did not create"
			return 1
		fi
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$RBC__USER" "$1" "$2" "$3" "$note" >>"$RBC__STATE/journal"
	fi
	rbc__jevent "$1" "$2" "$3" "$t" "$RBC__USER" "$note" "$RBC__JLINES"
}

# Last event of ns:id into RBC__EV, RBC__EV_TIME, RBC__EV_USER, RBC__EV_NOTE ("" when none).
rbc__last() {
	local v=${RBC__LAST["$1:$2"]-}
	RBC__EV=
	RBC__EV_TIME=
	RBC__EV_USER=
	RBC__EV_NOTE=
	[ -n "$v" ] || return 1
	RBC__EV=${v%%$'\t'*}
	v=${v#*$'\t'}
	RBC__EV_TIME=${v%%$'\t'*}
	v=${v#*$'\t'}
	RBC__EV_USER=${v%%$'\t'*}
	RBC__EV_NOTE=${v#*$'\t'}
	return 0
}

# --- Bundle: checksums, tables, host, lock -------------------------------------------------------

# Every file listed in SHA256SUMS matches, and every file of the bundle is listed.
rbc__verify() {
	local dir=$RBC_BUNDLE_DIR out unlisted n
	if [ ! -f "$dir/SHA256SUMS" ]; then
		rbc__err "$dir/SHA256SUMS is missing: the bundle is incomplete. Copy it again."
		return 1
	fi
	# run.sh and rollback.sh have verified the sums before sourcing this file (RBC__SUMS_OK).
	if [ "${RBC__SUMS_OK:-}" != 1 ] && ! out=$(cd "$dir" && LC_ALL=C sha256sum -c --quiet SHA256SUMS 2>&1); then
		printf '%s\n' "$out" >&2
		rbc__err "checksum verification FAILED: the bundle is damaged or was changed; nothing was done."
		rbc__err "校验失败：安装包已损坏或被修改，未做任何操作。请从跳板机重新拷贝。"
		return 1
	fi
	unlisted=$(cd "$dir" && find . \( -type f -o -type l \) ! -path ./SHA256SUMS -print |
		LC_ALL=C awk 'f == 1 { p = $0; sub(/^[0-9A-Fa-f]+ [ *]/, "", p); sub(/^\.\//, "", p); listed[p] = 1; next }
			{ p = $0; sub(/^\.\//, "", p); if (!(p in listed)) print p }' f=1 SHA256SUMS f=2 -)
	if [ -n "$unlisted" ]; then
		printf '%s\n' "$unlisted" | sed 's/^/  not in SHA256SUMS: /' >&2
		rbc__err "checksum verification FAILED: files were added to the bundle; nothing was done."
		return 1
	fi
	n=$(wc -l <"$dir/SHA256SUMS")
	rbc_say "checksums: OK ($((n)) files)"
}

rbc__count() { # TABLE -> number of steps
	local v="RBC_${1}_COUNT"
	printf '%s' "${!v:-0}"
}

rbc__table_dir() { # TABLE -> folder of its scripts
	if [ "$1" = STEP ]; then printf steps; else printf rollback; fi
}

rbc__script() { # TABLE INDEX -> path of the step script
	printf '%s/%s/%04d.sh' "$RBC_BUNDLE_DIR" "$(rbc__table_dir "$1")" "$(($2 + 1))"
}

rbc__check_table() { # TABLE
	local t=$1 n i f ref kind
	n=$(rbc__count "$t")
	case $n in
	'' | *[!0-9]*)
		rbc__err "bundle.sh: RBC_${t}_COUNT is not a number: '$n'"
		return 1
		;;
	esac
	[ "$n" -gt 0 ] || return 0
	for f in ID KIND SECTION TITLE SUMMARY; do
		ref="RBC_${t}_${f}[$((n - 1))]"
		if [ -z "${!ref+set}" ]; then
			rbc__err "bundle.sh: RBC_${t}_${f} has fewer than $n entries"
			return 1
		fi
		ref="RBC_${t}_${f}[$n]"
		if [ -n "${!ref+set}" ]; then
			rbc__err "bundle.sh: RBC_${t}_${f} has more than $n entries"
			return 1
		fi
	done
	for ((i = 0; i < n; i++)); do
		ref="RBC_${t}_KIND[$i]"
		kind=${!ref}
		case $kind in
		converge | once | check | manual) ;;
		*)
			rbc__err "bundle.sh: step $((i + 1)) has unknown kind '$kind'"
			return 1
			;;
		esac
		if [ ! -f "$(rbc__script "$t" "$i")" ]; then
			rbc__err "bundle is incomplete: $(rbc__script "$t" "$i") is missing"
			return 1
		fi
	done
}

rbc__load_bundle() {
	if [ ! -f "$RBC_BUNDLE_DIR/bundle.sh" ]; then
		rbc__err "$RBC_BUNDLE_DIR/bundle.sh is missing"
		return 1
	fi
	# shellcheck source=/dev/null
	if ! . "$RBC_BUNDLE_DIR/bundle.sh"; then
		rbc__err "cannot load $RBC_BUNDLE_DIR/bundle.sh"
		return 1
	fi
	if [ -z "${RBC_HOST:-}" ]; then
		rbc__err "bundle.sh does not name its host (RBC_HOST)"
		return 1
	fi
	RBC_HOST_NAMES=${RBC_HOST_NAMES:-$RBC_HOST}
	RBC_HOST_IPS=${RBC_HOST_IPS:-}
	rbc__check_table STEP && rbc__check_table RB
}

# The machine's names, lower case, one a line.
rbc__my_names() {
	local h
	h=$(hostname 2>/dev/null) || h=
	[ -n "$h" ] || h=$(uname -n 2>/dev/null) || h=
	printf '%s\n' "${h,,}"
}

# The machine's addresses, one a line: `ip -o addr`, else `ifconfig -a`, else `hostname -i`.
rbc__my_ips() {
	local out=
	if command -v ip >/dev/null 2>&1; then
		out=$(ip -o addr show 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($i == "inet" || $i == "inet6") { split($(i + 1), a, "/"); print a[1] } }')
	fi
	if [ -z "$out" ] && command -v ifconfig >/dev/null 2>&1; then
		# CentOS 6: "inet addr:10.0.0.5  Bcast:..." / "inet6 addr: fe80::1/64"; newer: "inet 10.0.0.5".
		out=$(ifconfig -a 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($i == "inet" || $i == "inet6") {
			v = $(i + 1); if (v == "addr:") v = $(i + 2); sub(/^addr:/, "", v); split(v, a, "/"); print a[1] } }')
	fi
	if [ -z "$out" ]; then
		out=$(hostname -i 2>/dev/null | tr ' ' '\n')
	fi
	printf '%s\n' "$out"
}

rbc__host_check() {
	local names ips want h ip
	names=$(rbc__my_names)
	for want in $RBC_HOST_NAMES; do
		want=${want,,}
		while IFS= read -r h; do
			[ -n "$h" ] || continue
			if [ "$h" = "$want" ] || [ "${h%%.*}" = "${want%%.*}" ]; then
				rbc_say "host: $RBC_HOST (hostname $h)"
				return 0
			fi
		done <<<"$names"
	done
	if [ -n "$RBC_HOST_IPS" ]; then
		ips=$(rbc__my_ips)
		for want in $RBC_HOST_IPS; do
			while IFS= read -r ip; do
				if [ -n "$ip" ] && [ "$ip" = "$want" ]; then
					rbc_say "host: $RBC_HOST (address $ip)"
					return 0
				fi
			done <<<"$ips"
		done
	fi
	if [ "$RBC__FORCE_HOST" = 1 ]; then
		rbc_warn "this machine ($(printf '%s' "$names" | tr '\n' ' ')) is not $RBC_HOST; going on because of --force-host"
		return 0
	fi
	# --list and --dry-run change nothing: they work anywhere, and say what they look at.
	if [ "$RBC__LIST" = 1 ]; then
		rbc_say "note: this machine ($(printf '%s' "$names" | tr '\n' ' ')) is not $RBC_HOST; --list shows the journal found here"
		return 0
	fi
	if [ "$RBC__DRY" = 1 ]; then
		rbc_say "note: this machine ($(printf '%s' "$names" | tr '\n' ' ')) is not $RBC_HOST; the dry run looks at this machine, not at $RBC_HOST"
		return 0
	fi
	rbc__err "wrong host: this bundle is for $RBC_HOST ($RBC_HOST_NAMES${RBC_HOST_IPS:+ / $RBC_HOST_IPS}),"
	rbc__err "  but this machine is $(printf '%s' "$names" | tr '\n' ' ')(addresses: $(rbc__my_ips | tr '\n' ' '))."
	rbc__err "主机不符：此安装包属于 $RBC_HOST。确认无误时可加 --force-host。"
	return 1
}

rbc__boot_id() { cat /proc/sys/kernel/random/boot_id 2>/dev/null || printf -- '-'; }

# Is the owner of a lock (pid, boot id) a live run.sh/rollback.sh?
rbc__lock_alive() { # pid boot
	local pid=$1 boot=$2 now
	case $pid in '' | *[!0-9]*) return 1 ;; esac
	now=$(rbc__boot_id)
	if [ "$boot" != - ] && [ "$now" != - ] && [ "$boot" != "$now" ]; then return 1; fi
	if [ -d /proc/1 ]; then
		[ -d "/proc/$pid" ] || return 1
		if [ -r "/proc/$pid/cmdline" ]; then
			tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -e 'run\.sh' -e 'rollback\.sh' || return 1
		fi
		return 0
	fi
	kill -0 "$pid" 2>/dev/null
}

# The state directory is root's alone (SPEC §5.1): not a symbolic link, owned by the user who runs
# (root), not writable by anyone else; and no folder above it lets another user swap it (each is
# owned by root and writable by others only with the sticky bit, like /tmp). Missing parts are
# fine: mkdir -p creates them as root.
rbc__state_safe() { # DIR
	local d=$1 a me st uid mode
	me=$(id -u)
	if [ -L "$d" ]; then
		rbc__err "refusing the state directory $d: it is a symbolic link rbc did not create (remove it, or set RBC_STATE_DIR to a folder of root's)"
		return 1
	fi
	a=$d
	while :; do
		if [ -e "$a" ]; then
			st=$(stat -L -c '%u %a' "$a") || return 1
			uid=${st%% *}
			mode=${st#* }
			if [ "$uid" != 0 ] && [ "$uid" != "$me" ]; then
				rbc__err "refusing the state directory $d: $a belongs to uid $uid, not root (another user could redirect what rbc writes there); set RBC_STATE_DIR to a folder of root's"
				return 1
			fi
			if [ $((8#$mode & 022)) != 0 ] && { [ "$a" = "$d" ] || [ $((8#$mode & 01000)) = 0 ]; }; then
				rbc__err "refusing the state directory $d: $a is writable by others (mode $mode); chmod go-w it, or set RBC_STATE_DIR to a folder of root's"
				return 1
			fi
		fi
		[ "$a" != / ] || break
		a=$(rbc__dirname "$a")
	done
	return 0
}

# One run.sh or rollback.sh at a time per host. The lock is a folder renamed into place with its
# owner already inside, so taking it is atomic; a lock left by a dead process is taken over.
rbc__lock() {
	local lock="$RBC__STATE/lock" new="$RBC__STATE/lock.new.$$" pid boot since cmd step waited
	rm -rf "$new"
	mkdir "$new" || return 1
	printf '%s\n%s\n%s\n%s\n' "$$" "$(rbc__boot_id)" "$(rbc__now)" "$RBC__MODE.sh $RBC__USER" >"$new/owner"
	if mv -T "$new" "$lock" 2>/dev/null; then
		RBC__LOCKED=1
		return 0
	fi
	{
		IFS= read -r pid
		IFS= read -r boot
		IFS= read -r since
		IFS= read -r cmd
	} <"$lock/owner" 2>/dev/null
	if rbc__lock_alive "${pid:-}" "${boot:--}"; then
		rm -rf "$new"
		rbc__err "locked: ${cmd:-another run} (pid $pid) has been running on this host since ${since:-?}."
		rbc__err "已有另一个 run.sh/rollback.sh 在运行（pid $pid）。请等待它结束。Lock: $lock"
		return 1
	fi
	# The run that held it was killed (kill -9 cannot be trapped), but the step it was running
	# may still be running: wait for it to end, so that no step ever runs twice side by side.
	IFS= read -r step <"$lock/step" 2>/dev/null
	if rbc__lock_alive "${step:-}" "${boot:--}"; then
		rbc__err "${cmd:-a run} (pid ${pid:-?}) was stopped, but the step it was running is still running as pid $step."
		rbc__err "Waiting for it to end before going on (Ctrl-C stops waiting; kill $step stops the step). 上次运行被中断，其步骤仍在运行（pid $step），等待其结束后继续。"
		waited=0
		while rbc__lock_alive "$step" "${boot:--}"; do
			sleep 1
			waited=$((waited + 1))
			if [ $((waited % 60)) -eq 0 ]; then
				rbc__err "still waiting for pid $step ($((waited / 60)) min)"
			fi
		done
		rbc__err "pid $step has ended after ${waited}s; going on"
	fi
	# What that step ended with (written by its own subshell, which outlived the run): the
	# journal below records it, so a step that finished is not run a second time.
	RBC__ORPHAN=
	if [ -f "$lock/step.rc" ] && [ ! -L "$lock/step.rc" ]; then
		IFS= read -r RBC__ORPHAN <"$lock/step.rc" 2>/dev/null || RBC__ORPHAN=
	fi
	rbc_say "lock: taking over a stale lock of pid ${pid:-?} (${cmd:-?}, since ${since:-?}), which is no longer running"
	if mv -T "$lock" "$RBC__STATE/lock.stale.$$" 2>/dev/null; then
		rm -rf "$RBC__STATE/lock.stale.$$"
	fi
	if mv -T "$new" "$lock" 2>/dev/null; then
		RBC__LOCKED=1
		return 0
	fi
	rm -rf "$new"
	rbc__err "locked: another run took the lock first ($lock)"
	return 1
}

# A step that outlived the run that started it (run.sh killed with kill -9) and has ended since:
# its journal line is the one that run would have written. A one-off step that finished is done
# (never run a second time); one that failed is failed; a converge step is looked at again anyway.
rbc__orphan_record() {
	local rc ns id kind
	[ -n "$RBC__ORPHAN" ] || return 0
	read -r rc ns id kind <<<"$RBC__ORPHAN"
	RBC__ORPHAN=
	case $rc in '' | *[!0-9]*) return 0 ;; esac
	case $ns in run | rb) ;; *) return 0 ;; esac
	rbc__journal_load
	rbc__last "$ns" "$id" || return 0
	[ "$RBC__EV" = apply ] || return 0
	if [ "$rc" != 0 ]; then
		rbc__journal "$ns" "$id" failed "apply exit $rc, after the run that started it was killed"
		rbc_say "step $id: ended with exit $rc after the run that started it was killed"
	elif [ "$kind" = once ]; then
		rbc__journal "$ns" "$id" changed "finished after the run that started it was killed"
		rbc_say "step $id: finished (exit 0) after the run that started it was killed; it is done and not run again"
	fi
}

rbc__unlock() {
	local pid=
	[ "$RBC__LOCKED" = 1 ] || return 0
	IFS= read -r pid <"$RBC__STATE/lock/owner" 2>/dev/null
	if [ "$pid" = "$$" ]; then rm -rf "$RBC__STATE/lock"; fi
	RBC__LOCKED=0
}

rbc__cleanup() {
	rbc__unlock
	if [ -n "$RBC__TMP" ]; then rm -rf "$RBC__TMP"; fi
}

rbc__on_signal() { # exit status
	rbc__hdr_break
	rbc__err "interrupted. Run ./$RBC__MODE.sh again to resume. 已中断，重新运行 ./$RBC__MODE.sh 即可继续。"
	rbc__logline "interrupted (exit $1)"
	exit "$1"
}

# --- Output: progress lines, step output, log ----------------------------------------------------

rbc__logline() {
	printf '%s %s\n' "$(rbc__now)" "$*" >>"$RBC__LOG"
}

# A progress line is printed in two halves: "[7/31] 2.2.2 安装Tomcat: open tcp/8080 ..." before
# the step, its result after. When the step prints something in between, the whole line is
# printed again with the result, so every step ends on one complete line.
# A step done on an earlier run is folded (RBC__FOLD=1: its line is held back); a run of them
# prints as one line, `steps 1–14: done earlier`, unless --verbose. A folded step that turns out
# to need attention (it prints, or its result is not plain done) gets its full line after all.
rbc__hdr_begin() {
	RBC__HDR=$1
	rm -f "$RBC__TMP/seen"
	[ "$RBC__FOLD" = 1 ] && return 0
	rbc__fold_flush
	printf '%s ...' "$RBC__HDR"
}

# The line for the steps folded so far, if any.
rbc__fold_flush() {
	[ "$RBC__FOLD_N" -gt 0 ] || return 0
	if [ "$RBC__FOLD_N" = 1 ]; then
		printf 'step %s: done earlier\n' "$RBC__FOLD_FIRST"
	else
		printf 'steps %s–%s: done earlier (%s steps; ./run.sh --list or --verbose shows each)\n' \
			"$RBC__FOLD_FIRST" "$RBC__FOLD_LAST" "$RBC__FOLD_N"
	fi
	RBC__FOLD_N=0
}

# A folded step's line after all: what was held back, printed now.
rbc__unfold() {
	[ "$RBC__FOLD" = 1 ] || return 0
	RBC__FOLD=0
	rbc__fold_flush
	printf '%s ...' "$RBC__HDR"
}

# Before printing anything else while a progress line is open.
rbc__hdr_break() {
	rbc__unfold
	if [ -n "$RBC__HDR" ] && [ ! -e "$RBC__TMP/seen" ]; then
		printf '\n'
		: >"$RBC__TMP/seen"
	fi
}

# The result word coloured on a terminal (failed red, changed yellow, waiting and manual bold).
rbc__paint() { # result
	if [ "$RBC__COLOR" != 1 ]; then
		printf '%s' "$1"
		return 0
	fi
	case $1 in
	failed*) printf '\033[31m%s\033[0m' "$1" ;;
	changed* | 'would change'*) printf '\033[33m%s\033[0m' "$1" ;;
	waiting* | manual*) printf '\033[1m%s\033[0m' "$1" ;;
	*) printf '%s' "$1" ;;
	esac
}

rbc__hdr_end() {
	rbc__logline "result: $1"
	if [ "$RBC__FOLD" = 1 ]; then
		case $1 in
		*'no longer holds'* | *'not done again'*) ;;
		ok | 'ok (done '* | 'skipped (done '*)
			RBC__FOLD=0
			RBC__HDR=
			[ "$RBC__FOLD_N" -gt 0 ] || RBC__FOLD_FIRST=${RBC__FOLD_NUM:-?}
			RBC__FOLD_LAST=${RBC__FOLD_NUM:-?}
			RBC__FOLD_N=$((RBC__FOLD_N + 1))
			return 0
			;;
		esac
		rbc__unfold
	fi
	if [ -e "$RBC__TMP/seen" ]; then
		printf '%s ... %s\n' "$RBC__HDR" "$(rbc__paint "$1")"
	else
		printf ' %s\n' "$(rbc__paint "$1")"
	fi
	RBC__HDR=
}

# A runner message while a progress line may be open.
rbc__out() {
	rbc__hdr_break
	printf '%s\n' "$*"
	rbc__logline "$*"
}

# One line of step output: to the log always, to the terminal (indented) when $1 is 1, and kept
# in $RBC__TMP/capture so that a hidden check's output can be shown when it fails. Lines that
# start with RBC__LOGMARK (rbc_log) go to the log only. SHOWN: how much of the line is already
# on the terminal (a prompt). Runs with fd 3 = log, fd 4 = capture.
rbc__emit() { # show line shown
	case $2 in
	"$RBC__LOGMARK"*)
		printf '%s\n' "${2#"$RBC__LOGMARK"}" >&3
		return 0
		;;
	esac
	printf '%s\n' "$2" >&3
	printf '%s\n' "$2" >&4
	[ "$1" = 1 ] || return 0
	if [ "$3" -gt 0 ]; then
		printf '%s\n' "${2:$3}"
		return 0
	fi
	if [ ! -e "$RBC__TMP/seen" ]; then
		printf '\n'
		: >"$RBC__TMP/seen"
	fi
	printf '    | %s\n' "$2"
}

# The start of a line without its newline yet: a prompt the step is waiting on.
rbc__emit_partial() { # part shown
	case $1 in "$RBC__LOGMARK"*) return 0 ;; esac
	if [ "$2" -gt 0 ]; then
		printf '%s' "${1:$2}"
		return 0
	fi
	if [ ! -e "$RBC__TMP/seen" ]; then
		printf '\n'
		: >"$RBC__TMP/seen"
	fi
	printf '    | %s' "$1"
}

# Follow a step's output file as it grows, until STOP exists (the step is over) or the runner is
# gone, then read what is left. A step writes to a file, not a pipe, so a process it leaves in
# the background holding its output can never keep the run waiting.
rbc__follow() { # file show stop
	local line part='' last=0 idle=0 shown=0
	exec 5<"$1"
	while :; do
		if IFS= read -r line <&5; then
			rbc__emit "$2" "$part$line" "$shown"
			part=''
			shown=0
			idle=0
			continue
		fi
		part=$part$line
		[ "$last" = 0 ] || break
		if [ -e "$3" ] || ! kill -0 "$$" 2>/dev/null; then
			last=1
			continue
		fi
		# A prompt with no newline ("Enter password: ") shows once the step stops on it.
		if [ "$2" = 1 ] && [ "$idle" -ge 5 ] && [ "${#part}" -gt "$shown" ]; then
			rbc__emit_partial "$part" "$shown"
			shown=${#part}
		fi
		# Look often at first (most steps are quick), then every 0.2 s.
		case $idle in
		0 | 1 | 2 | 3 | 4) sleep 0.01 ;;
		5 | 6 | 7 | 8 | 9) sleep 0.05 ;;
		*) sleep 0.2 ;;
		esac
		idle=$((idle + 1))
	done
	if [ -n "$part" ]; then rbc__emit "$2" "$part" "$shown"; fi
} 3>>"$RBC__LOG" 4>>"$RBC__TMP/capture"

rbc__show_capture() {
	local line
	rbc__hdr_break
	while IFS= read -r line || [ -n "$line" ]; do
		printf '    | %s\n' "$line"
	done <"$RBC__TMP/capture"
}

# Run one function of a step script in a subshell: cwd /, `set -e`, the step's output to the
# log (and terminal when show=1). Returns the function's status.
# Never call it (or its callers) as the condition of an if, &&, || or !: bash then ignores
# `set -e` in everything below, subshells included, and a failing command would not stop a step.
rbc__exec() { # function script show
	local fn=$1 script=$2 show=$3 out stop follower rc
	RBC__SEQ=$((RBC__SEQ + 1))
	out="$RBC__TMP/out.$RBC__SEQ"
	stop="$RBC__TMP/stop.$RBC__SEQ"
	: >"$RBC__TMP/capture"
	: >"$out"
	rbc__logline "-- $fn"
	rbc__follow "$out" "$show" "$stop" &
	follower=$!
	(
		# The step's pid in the lock: a run started after this one was killed (kill -9 leaves
		# the step running) refuses while the step lives, instead of running it a second time.
		if [ "$RBC__LOCKED" = 1 ]; then
			printf '%s\n' "$BASHPID" >"$RBC__STATE/lock/step" 2>/dev/null
			# How an apply ended, for a run that takes over after this one was killed.
			if [ -n "$RBC__APPLYING" ]; then
				# shellcheck disable=SC2154 # rc is the subshell's exit status, set in the trap
				trap 'rc=$?; [ -L "$RBC__STATE/lock/step.rc" ] || printf "%s %s\n" "$rc" "$RBC__APPLYING" >"$RBC__STATE/lock/step.rc" 2>/dev/null' EXIT
			fi
		fi
		RBC__IN_STEP=1
		set +u
		set -e
		if [ "$fn" != rbc_check ]; then
			set -E
			trap 'rbc__on_err $? "$BASH_COMMAND"' ERR
		fi
		cd /
		# shellcheck source=/dev/null
		. "$script"
		if ! declare -F "$fn" >/dev/null; then
			rbc__err "$script defines no $fn"
			exit 127
		fi
		"$fn"
	) >>"$out" 2>&1
	rc=$?
	if [ "$RBC__LOCKED" = 1 ]; then rm -f "$RBC__STATE/lock/step" "$RBC__STATE/lock/step.rc"; fi
	: >"$stop"
	wait "$follower"
	rm -f "$out" "$stop"
	return $rc
}

# The line that says what failed. A helper that returns non-zero has said why already (the ERR
# trap would only show `return 1`); a runbook command run by rbc_sh is named as the runbook wrote
# it (RBC__CMD), not as the bash line that runs it.
rbc__on_err() { # status command
	if [ -n "${RBC__CMD:-}" ]; then
		printf 'rbc: failed (exit %s): %s\n' "$1" "$RBC__CMD" >&2
		RBC__CMD=
		return 0
	fi
	case $2 in return | 'return '*) return 0 ;; esac
	printf 'rbc: command failed (exit %s): %s\n' "$1" "$2" >&2
}

# Does a step script define a function? (Sourcing a step script only defines functions.)
rbc__defines() { # script function
	(
		set +e +u
		# shellcheck source=/dev/null
		. "$1" >/dev/null 2>&1
		declare -F "$2" >/dev/null
	)
}

# --- Sections, step selection --------------------------------------------------------------------

# Is section $1 the section $2 or inside it (2.2.1 is inside 2.2)?
rbc__sec_within() { [ "$1" = "$2" ] || [ "${1#"$2".}" != "$1" ]; }

# Does section $1 come after section $2 in the runbook (dotted numbers)?
rbc__sec_after() {
	local a=$1 b=$2 x y
	[ -n "$a" ] || return 1
	rbc__sec_within "$a" "$b" && return 1
	while :; do
		if [ -z "$a" ]; then return 1; fi
		if [ -z "$b" ]; then return 0; fi
		x=${a%%.*}
		y=${b%%.*}
		if [ "$x" != "$y" ]; then
			case $x$y in
			*[!0-9]*) [[ $x > $y ]] ;;
			*) [ "$((10#$x))" -gt "$((10#$y))" ] ;;
			esac
			return
		fi
		if [ "$a" = "$x" ]; then a=; else a=${a#*.}; fi
		if [ "$b" = "$y" ]; then b=; else b=${b#*.}; fi
	done
}

# Resolve a step reference: a step id (2.2.1-3), `#N` (the number in [N/M]) or a section
# (its steps). Prints the matching indexes, one a line.
rbc__select() { # TABLE ref
	local t=$1 want=$2 n i ref found=
	n=$(rbc__count "$t")
	case $want in
	'#'*)
		i=${want#\#}
		case $i in '' | *[!0-9]*) i=0 ;; esac
		if [ "$i" -ge 1 ] && [ "$i" -le "$n" ]; then printf '%s\n' "$((i - 1))"; fi
		return 0
		;;
	esac
	for ((i = 0; i < n; i++)); do
		ref="RBC_${t}_ID[$i]"
		if [ "${!ref}" = "$want" ]; then
			printf '%s\n' "$i"
			return 0
		fi
	done
	for ((i = 0; i < n; i++)); do
		ref="RBC_${t}_SECTION[$i]"
		if rbc__sec_within "${!ref}" "$want"; then
			printf '%s\n' "$i"
			found=1
		fi
	done
	[ -n "$found" ]
}

# --- Steps -----------------------------------------------------------------------------------------

rbc__result() { # result [note]
	case $1 in
	ok) RBC__N_OK=$((RBC__N_OK + 1)) ;;
	changed) RBC__N_CHANGED=$((RBC__N_CHANGED + 1)) ;;
	skipped) RBC__N_SKIPPED=$((RBC__N_SKIPPED + 1)) ;;
	manual) RBC__N_MANUAL=$((RBC__N_MANUAL + 1)) ;;
	failed) RBC__N_FAILED=$((RBC__N_FAILED + 1)) ;;
	undone) RBC__N_UNDONE=$((RBC__N_UNDONE + 1)) ;;
	kept) RBC__N_KEPT=$((RBC__N_KEPT + 1)) ;;
	would*) RBC__N_WOULD=$((RBC__N_WOULD + 1)) ;;
	esac
	rbc__hdr_end "$1${2:+ ($2)}"
}

# Ask the operator on the terminal; true on y/yes/是.
rbc__ask() { # prompt
	local ans=
	[ "$RBC__TTY" = 1 ] || return 1
	rbc__hdr_break
	printf '%s [y/N] ' "$1"
	IFS= read -r ans || ans=
	rbc__logline "asked: $1 -> ${ans:-(no answer)}"
	case ${ans,,} in y | yes | 是 | 好) return 0 ;; esac
	return 1
}

# Gate before a step: the steps named must be finished on other hosts first.
rbc__gate() { # gate-ns id gate-summary
	local gns=$1 id=$2 gate=$3 again="./$RBC__MODE.sh"
	rbc__last "$gns" "$id"
	[ "$RBC__EV" = confirmed ] && return 0
	if [ "$RBC__DRY" = 1 ]; then
		rbc__out "  would wait here: 等待: $gate"
		return 0
	fi
	if [ "$RBC__YES" = 1 ]; then
		rbc__out "  gate: $gate — taken as finished (--yes)"
		rbc__journal "$gns" "$id" confirmed "--yes"
		return 0
	fi
	if [ -n "$RBC__STRETCH" ]; then
		rbc__out "  gate: $gate — finished: stretch $RBC__STRETCH starts after the earlier ones on every host"
		rbc__journal "$gns" "$id" confirmed "--stretch $RBC__STRETCH"
		return 0
	fi
	rbc__out "等待: $gate; then run $again again"
	rbc__out "Waiting for: $gate to be finished first; then run $again again (or $again --yes once it is)."
	rbc__out "To check: on each host named, ./run.sh --list shows those steps done (changed/ok/confirmed); the operator's own steps are the person's work off the servers (the checklist). 确认方法：在上述主机上运行 ./run.sh --list。"
	if rbc__ask "Is it finished? 是否已完成?"; then
		rbc__journal "$gns" "$id" confirmed "terminal $(tty 2>/dev/null || printf '?')"
		return 0
	fi
	rbc__result waiting "gate"
	RBC__STOP="gate:$gate"
	return "$RBC_EXIT_GATE"
}

# The per-kind logic of one step: check, act, check again; journal every outcome.
rbc__step() { # TABLE index
	local t=$1 i=$2 n id kind section title summary gate script label ns gns ref done=0 forced=0 rc when later
	n=$(rbc__count "$t")
	ref="RBC_${t}_ID[$i]" && id=${!ref}
	ref="RBC_${t}_KIND[$i]" && kind=${!ref}
	ref="RBC_${t}_SECTION[$i]" && section=${!ref}
	ref="RBC_${t}_TITLE[$i]" && title=${!ref}
	ref="RBC_${t}_SUMMARY[$i]" && summary=${!ref}
	ref="RBC_${t}_GATE[$i]" && gate=${!ref-}
	script=$(rbc__script "$t" "$i")
	if [ "$t" = STEP ]; then ns=run gns=gate; else ns=rb gns=rbgate; fi
	[ -n "$RBC__ONLY" ] && forced=1
	label="[$((i + 1))/$n] ${section:+$section }$title${summary:+: $summary}"
	rbc__logline "=== [$((i + 1))/$n] $id ($kind) ${section:+$section }$title${summary:+: $summary}"
	rbc__last "$ns" "$id"
	case $kind:$RBC__EV in
	converge:ok | converge:changed | once:ok | once:changed | check:ok | manual:confirmed) done=1 ;;
	esac
	RBC__FOLD=0
	if [ "$done" = 1 ] && [ "$forced" = 0 ] && [ "$RBC__VERBOSE" = 0 ] && [ "$RBC__DRY" = 0 ]; then
		RBC__FOLD=1
		RBC__FOLD_NUM=$((i + 1))
	fi
	rbc__hdr_begin "$label"
	if [ "$done" = 1 ] && [ "$forced" = 0 ]; then
		if [ "$kind" != converge ]; then
			rbc__result skipped "done $RBC__EV_TIME"
			return 0
		fi
		# Done before: look again, but never re-apply on our own: a later step may have changed
		# this state on purpose (a stopped service started again, a renamed folder re-created).
		rbc__exec rbc_check "$script" 0
		rc=$?
		if [ $rc -eq 0 ]; then
			rbc__result ok
			return 0
		fi
		when=$RBC__EV_TIME
		# A later step of this host that changes the same thing, done: on purpose, as written.
		ref="RBC_${t}_LATER[$i]" && later=${!ref-}
		if [ -n "$later" ] && rbc__last "$ns" "${later%%$'\t'*}" &&
			{ [ "$RBC__EV" = ok ] || [ "$RBC__EV" = changed ]; }; then
			rbc__result ok "done $when; step ${later%%$'\t'*} (${later#*$'\t'}) changed it later, as the runbook says"
		else
			rbc__result skipped "done $when; no longer holds, changed by a later step? --only $id applies it again"
		fi
		return 0
	fi
	if [ "$done" = 1 ] && [ "$kind" != converge ] && [ "$kind" != check ]; then
		rbc__out "  the journal says this step was done at $RBC__EV_TIME by $RBC__EV_USER"
		if [ "$RBC__YES" != 1 ] && [ "$RBC__DRY" != 1 ] && ! rbc__ask "Do it again? 再执行一次?"; then
			rbc__result skipped "done $RBC__EV_TIME; not done again; --yes to do it again"
			RBC__DECLINED="$RBC__DECLINED $id"
			return 0
		fi
	fi
	if [ "$RBC__EV" = apply ] && [ "$kind" = once ]; then
		rbc__out "  note: this step started at $RBC__EV_TIME and did not finish; it runs again"
	fi

	if [ -n "$gate" ]; then
		rbc__gate "$gns" "$id" "$gate" || return $?
	fi

	case $kind in
	converge)
		rbc__exec rbc_check "$script" 0
		rc=$?
		if [ $rc -eq 0 ]; then
			rbc__journal "$ns" "$id" ok
			rbc__result ok
			return 0
		fi
		if [ $rc -ge 126 ]; then
			rbc__show_capture
			rbc__journal "$ns" "$id" failed "check could not run (exit $rc)"
			rbc__result failed "check could not run, exit $rc"
			return "$RBC_EXIT_FAILED"
		fi
		if [ "$RBC__DRY" = 1 ]; then
			# --diff: the step's edit, made on a copy (rbc_diff runs rbc_apply with nothing written)
			if [ "$RBC__DIFF" = 1 ] && rbc__defines "$script" rbc_diff; then
				RBC__DIFF_ONLY=1
				rbc__exec rbc_diff "$script" 1
				RBC__DIFF_ONLY=0
			fi
			rbc__result "would change"
			return 0
		fi
		rm -f "$RBC__TMP/started"
		rbc__apply "$ns" "$id" "$script"
		rc=$?
		[ $rc -eq 0 ] || return $rc
		rbc__exec rbc_check "$script" 0
		rc=$?
		if [ $rc -eq 0 ]; then
			# what a start step started (rbc_started) is the note: rollback.sh stops it
			rbc__journal "$ns" "$id" changed "$(cat "$RBC__TMP/started" 2>/dev/null)"
			rbc__result changed
			return 0
		fi
		rbc__show_capture
		rbc__journal "$ns" "$id" failed "check still fails after apply (exit $rc)"
		rbc__result failed "still not in the desired state after apply"
		return "$RBC_EXIT_FAILED"
		;;
	once)
		# An optional rbc_check is a guard: when it holds, the work is already done.
		if rbc__defines "$script" rbc_check; then
			rbc__exec rbc_check "$script" 0
			rc=$?
			if [ $rc -eq 0 ]; then
				rbc__journal "$ns" "$id" ok "guard holds"
				rbc__result ok
				return 0
			fi
		fi
		if [ "$RBC__DRY" = 1 ]; then
			rbc__result "would run"
			return 0
		fi
		rbc__apply "$ns" "$id" "$script" once
		rc=$?
		[ $rc -eq 0 ] || return $rc
		rbc__journal "$ns" "$id" changed
		rbc__result changed
		;;
	check)
		if [ "$RBC__DRY" = 1 ]; then
			rbc__result "would check"
			return 0
		fi
		rm -f "$RBC__TMP/nothing"
		rbc__exec rbc_check "$script" 1
		rc=$?
		if [ $rc -eq 0 ] && [ -s "$RBC__TMP/nothing" ]; then
			# nothing was there to look at: not a pass; the next run looks again. Journaled as
			# `looked` so that --stretch lets the later stretches go on (a look changes nothing).
			rbc__journal "$ns" "$id" looked "nothing to look at yet: $(head -n 1 "$RBC__TMP/nothing")"
			rbc__result skipped "nothing to look at yet: $(head -n 1 "$RBC__TMP/nothing")"
			return 0
		fi
		if [ $rc -eq 0 ]; then
			rbc__journal "$ns" "$id" ok
			rbc__result ok
			return 0
		fi
		rbc__journal "$ns" "$id" failed "check failed (exit $rc)"
		rbc__result failed "check failed, exit $rc"
		return "$RBC_EXIT_FAILED"
		;;
	manual)
		if [ "$RBC__DRY" = 1 ]; then
			rbc__result "would ask"
			return 0
		fi
		rbc__out "  ---- 手工步骤 / manual step $id ----"
		if rbc__defines "$script" rbc_instruction; then
			rbc__exec rbc_instruction "$script" 1
		else
			rbc__out "  $title${summary:+: $summary}"
		fi
		if [ "${RBC_MANUAL_DONE:-}" = 1 ]; then
			rbc__journal "$ns" "$id" confirmed "RBC_MANUAL_DONE=1"
			rbc__result manual "taken as done: RBC_MANUAL_DONE=1"
			return 0
		fi
		if [ "${RBC__CONFIRM#* "$id" }" != "$RBC__CONFIRM" ]; then
			rbc__journal "$ns" "$id" confirmed "--confirm${RBC_CONFIRMED_BY:+ by $RBC_CONFIRMED_BY}"
			rbc__result manual "confirmed on the control machine"
			return 0
		fi
		if rbc__ask "Done? 已完成?"; then
			rbc__journal "$ns" "$id" confirmed "terminal $(tty 2>/dev/null || printf '?')"
			rbc__result manual "confirmed"
			return 0
		fi
		rbc__out "手工步骤：请按上面的说明完成，然后再次运行 ./$RBC__MODE.sh"
		rbc__out "Manual step: do it as shown above, then run ./$RBC__MODE.sh again on a terminal and confirm"
		rbc__out "  (or RBC_MANUAL_DONE=1 ./$RBC__MODE.sh to record it as done without a terminal)."
		rbc__result waiting "manual"
		RBC__STOP="manual:$id"
		return "$RBC_EXIT_MANUAL"
		;;
	esac
}

# rbc_apply of a step, journaled before it starts so an interrupted step is known.
rbc__apply() { # ns id script [kind]
	local rc
	rbc__journal "$1" "$2" apply
	RBC__APPLYING="$1 $2 ${4:-converge}"
	rbc__exec rbc_apply "$3" 1
	rc=$?
	RBC__APPLYING=
	[ $rc -eq 0 ] && return 0
	rbc__journal "$1" "$2" failed "apply exit $rc"
	rbc__result failed "exit $rc"
	return "$RBC_EXIT_FAILED"
}

# Run the steps of a table in order, honouring --only/--from/--until. Stops at the first step
# that fails or waits.
rbc__run_table() { # TABLE
	local t=$1 n i rc start=0 only=' ' ref sel
	n=$(rbc__count "$t")
	if [ "$t" = STEP ] && [ -n "$RBC__ONLY" ]; then
		sel=$(rbc__select "$t" "$RBC__ONLY") || sel=
		if [ -z "$sel" ]; then
			rbc__err "--only $RBC__ONLY: no such step or section (see --list)"
			return "$RBC_EXIT_USAGE"
		fi
		only=" $(printf '%s' "$sel" | tr '\n' ' ') "
	fi
	if [ "$t" = STEP ] && [ -n "$RBC__FROM" ]; then
		sel=$(rbc__select "$t" "$RBC__FROM") || sel=
		if [ -z "$sel" ]; then
			rbc__err "--from $RBC__FROM: no such step or section (see --list)"
			return "$RBC_EXIT_USAGE"
		fi
		start=${sel%%$'\n'*}
		rbc_say "starting at step $((start + 1)) (--from $RBC__FROM); earlier steps are not looked at"
	fi
	for ((i = start; i < n; i++)); do
		if [ "$only" != ' ' ] && [ "${only#* "$i" }" = "$only" ]; then continue; fi
		if [ -n "$RBC__STRETCH" ]; then
			rbc__in_stretch "$t" "$i"
			rc=$?
			case $rc in 0) ;; 1) continue ;; 2) return 0 ;; *) return "$RBC_EXIT_FAILED" ;; esac
		fi
		ref="RBC_${t}_SECTION[$i]"
		if [ "$t" = STEP ] && [ -n "$RBC__UNTIL" ] && rbc__sec_after "${!ref}" "$RBC__UNTIL"; then
			RBC__STOP="until:$i"
			return 0
		fi
		rbc__step "$t" "$i"
		rc=$?
		[ $rc -eq 0 ] || return $rc
	done
	return 0
}

# --stretch N: 0 the step belongs to stretch N, 1 an earlier stretch's step that is done (not
# shown), 2 a later stretch (stop here), 3 an earlier stretch's step that is not done.
rbc__in_stretch() { # TABLE index
	local t=$1 i=$2 ref s id kind ns=run again=./run.sh
	[ "$t" = STEP ] || ns=rb again=./rollback.sh
	ref="RBC_${t}_STRETCH[$i]" && s=${!ref-}
	case $s in '' | *[!0-9]*)
		rbc__err "--stretch: this bundle has no stretch numbers (compiled by an older rbc)"
		return 3
		;;
	esac
	[ "$s" -eq "$RBC__STRETCH" ] && return 0
	if [ "$s" -gt "$RBC__STRETCH" ]; then
		RBC__STOP="stretch:$i"
		return 2
	fi
	ref="RBC_${t}_ID[$i]" && id=${!ref}
	ref="RBC_${t}_KIND[$i]" && kind=${!ref}
	rbc__last "$ns" "$id"
	case $kind:$RBC__EV in
	converge:ok | converge:changed | once:ok | once:changed | check:ok | check:looked | manual:confirmed) return 1 ;;
	esac
	rbc__err "step $((i + 1)) ($id) of stretch $s is not done here: stretch $RBC__STRETCH comes after it; run the earlier stretches first (the whole playbook, or $again --stretch $s)"
	RBC__N_FAILED=$((RBC__N_FAILED + 1))
	return 3
}

rbc__recap() {
	local head="RECAP $RBC_HOST:"
	rbc__fold_flush
	[ "$RBC__DRY" = 1 ] && head="RECAP $RBC_HOST (dry run, nothing was changed):"
	if [ "$RBC__MODE" = rollback ]; then
		head="$head undone=$RBC__N_UNDONE kept=$RBC__N_KEPT"
	fi
	head="$head ok=$RBC__N_OK changed=$RBC__N_CHANGED skipped=$RBC__N_SKIPPED manual=$RBC__N_MANUAL failed=$RBC__N_FAILED"
	[ "$RBC__DRY" = 1 ] && head="$head would-change=$RBC__N_WOULD"
	printf '\n%s\n' "$head"
	rbc__logline "$head"
}

# The journal status of a step, for --list.
rbc__status() { # ns id
	if ! rbc__last "$1" "$2"; then
		printf 'pending'
		return 0
	fi
	case $RBC__EV in
	apply) printf 'interrupted %s' "$RBC__EV_TIME" ;;
	confirmed) printf 'confirmed %s by %s (%s)' "$RBC__EV_TIME" "$RBC__EV_USER" "$RBC__EV_NOTE" ;;
	undone | undo-skipped) printf 'rolled back %s' "$RBC__EV_TIME" ;;
	looked) printf 'pending (nothing to look at %s; looked at again next time)' "$RBC__EV_TIME" ;;
	*) printf '%s %s' "$RBC__EV" "$RBC__EV_TIME" ;;
	esac
}

rbc__list_table() { # TABLE
	local t=$1 n i id kind section title summary gate ref gns
	n=$(rbc__count "$t")
	if [ "$t" = STEP ]; then gns=gate; else gns=rbgate; fi
	for ((i = 0; i < n; i++)); do
		ref="RBC_${t}_ID[$i]" && id=${!ref}
		ref="RBC_${t}_KIND[$i]" && kind=${!ref}
		ref="RBC_${t}_SECTION[$i]" && section=${!ref}
		ref="RBC_${t}_TITLE[$i]" && title=${!ref}
		ref="RBC_${t}_SUMMARY[$i]" && summary=${!ref}
		ref="RBC_${t}_GATE[$i]" && gate=${!ref-}
		printf '  [%d/%d] %-12s %-8s %s%s%s\n' "$((i + 1))" "$n" "$id" "$kind" "${section:+$section }" "$title" "${summary:+: $summary}"
		if [ "$t" = STEP ]; then
			ref="RBC_STEP_STRETCH[$i]"
			printf '        %s%s\n' "$(rbc__status run "$id")" "${!ref:+ · stretch ${!ref}}"
		else
			printf '        %s\n' "$(rbc__status rb "$id")"
		fi
		if [ -n "$gate" ]; then
			if rbc__last "$gns" "$id" && [ "$RBC__EV" = confirmed ]; then
				printf '        gate: waits for %s (confirmed %s)\n' "$gate" "$RBC__EV_TIME"
			else
				printf '        gate: waits for %s\n' "$gate"
			fi
		fi
	done
}

# Forward steps to undo, newest first, one id a line.
rbc__undo_list() {
	local id
	for id in "${!RBC__APPLIED[@]}"; do
		printf '%s\t%s\n' "${RBC__APPLIED[$id]}" "$id"
	done | sort -t "$(printf '\t')" -k1,1nr | cut -f2
}

rbc__step_index() { # id -> index in the forward table
	local n i ref
	n=$(rbc__count STEP)
	for ((i = 0; i < n; i++)); do
		ref="RBC_STEP_ID[$i]"
		if [ "${!ref}" = "$1" ]; then
			printf '%s' "$i"
			return 0
		fi
	done
	return 1
}

# Undo one forward step with its rbc_undo.
rbc__undo_step() { # id k count
	local id=$1 i script label ref section title summary rc
	if ! i=$(rbc__step_index "$id"); then
		rbc__hdr_begin "[undo $2/$3] $id"
		rbc__journal run "$id" undo-skipped "not in this bundle"
		rbc__result kept "not in this bundle: undo by hand"
		return 0
	fi
	ref="RBC_STEP_SECTION[$i]" && section=${!ref}
	ref="RBC_STEP_TITLE[$i]" && title=${!ref}
	ref="RBC_STEP_SUMMARY[$i]" && summary=${!ref}
	script=$(rbc__script STEP "$i")
	label="[undo $2/$3] ${section:+$section }$title${summary:+: $summary}"
	rbc__logline "=== undo $id"
	rbc__hdr_begin "$label"
	# A step whose result stays on purpose (a backup): nothing to undo, nothing left for a person.
	if rbc__defines "$script" rbc_keeps; then
		rbc__journal run "$id" undo-skipped "keeps"
		rbc__result kept "$(
			set +e +u
			# shellcheck source=/dev/null
			. "$script" >/dev/null 2>&1
			rbc_keeps 2>/dev/null
		)"
		return 0
	fi
	if ! rbc__defines "$script" rbc_undo; then
		rbc__journal run "$id" undo-skipped "no rbc_undo"
		rbc__result kept "no automatic undo; the rollback chapter or a person handles it"
		return 0
	fi
	if [ "$RBC__DRY" = 1 ]; then
		rbc__result "would undo"
		return 0
	fi
	rbc__exec rbc_undo "$script" 1
	rc=$?
	if [ $rc -eq 0 ]; then
		rbc__journal run "$id" undone
		rbc__result undone
		return 0
	fi
	rbc__journal run "$id" undo-failed "exit $rc"
	rbc__result failed "undo exit $rc"
	return "$RBC_EXIT_FAILED"
}

# Before any step: every payload and program the steps still to run need, all listed at once
# (a step script's rbc_preflight says what is missing). Steps done earlier are not looked at.
rbc__preflight() {
	local n i id kind ref script sel=' ' start=0 out missing='' count=0
	n=$(rbc__count STEP)
	if [ -n "$RBC__ONLY" ]; then sel=" $(rbc__select STEP "$RBC__ONLY" | tr '\n' ' ') "; fi
	if [ -n "$RBC__FROM" ]; then start=$(rbc__select STEP "$RBC__FROM" | head -n 1); fi
	for ((i = start; i < n; i++)); do
		if [ "$sel" != ' ' ] && [ "${sel#* "$i" }" = "$sel" ]; then continue; fi
		ref="RBC_STEP_SECTION[$i]"
		if [ -n "$RBC__UNTIL" ] && rbc__sec_after "${!ref}" "$RBC__UNTIL"; then break; fi
		ref="RBC_STEP_ID[$i]" && id=${!ref}
		ref="RBC_STEP_KIND[$i]" && kind=${!ref}
		rbc__last run "$id"
		case $kind:$RBC__EV in converge:ok | converge:changed | once:ok | once:changed) continue ;; esac
		script=$(rbc__script STEP "$i")
		grep -q '^rbc_preflight()' "$script" 2>/dev/null || continue
		if ! out=$(
			exec 2>&1
			set +e +u
			cd / || exit 1
			# shellcheck source=/dev/null
			. "$script" && rbc_preflight
		); then
			missing="$missing  - ${out//$'\n'/ } (step $id)"$'\n'
			count=$((count + 1))
		fi
	done
	[ "$count" = 0 ] && return 0
	rbc__logline "preflight: $count missing"
	rbc__err "Before any step runs, $count thing(s) this host needs are missing:"
	printf '%s' "$missing" >&2
	rbc__logline "$missing"
	rbc__err "Nothing was done. Copy or install them, then run ./run.sh again. 缺少上述文件或程序，未做任何操作；补齐后重新运行。"
	return "$RBC_EXIT_FAILED"
}

rbc__run_main() {
	local rc n
	n=$(rbc__count STEP)
	if [ "$RBC__DRY" != 1 ]; then
		rbc__preflight || return $?
	fi
	rbc__run_table STEP
	rc=$?
	rbc__recap
	case $rc in
	0)
		case $RBC__STOP in
		until:*)
			rbc_say "Stopped before step $((${RBC__STOP#until:} + 1))/$n: it comes after section $RBC__UNTIL (--until). 已按 --until 停止。"
			;;
		stretch:*)
			rbc_say "Stretch $RBC__STRETCH done on $RBC_HOST; step $((${RBC__STOP#stretch:} + 1))/$n belongs to a later stretch. 本段已完成。"
			;;
		*)
			if [ "$RBC__DRY" = 1 ]; then
				rbc_say "Dry run: nothing was changed."
			elif [ -n "$RBC__ONLY" ] && [ -n "$RBC__DECLINED" ] &&
				[ "$((RBC__N_OK + RBC__N_CHANGED + RBC__N_MANUAL))" = 0 ]; then
				rbc_say "Nothing was done: step(s)$RBC__DECLINED were done before and you chose not to do them again (answer y, or add --yes, to do them again). 未执行。"
			elif [ -n "$RBC__ONLY" ]; then
				rbc_say "Done: --only $RBC__ONLY."
			elif [ "$RBC__N_CHANGED" = 0 ] && [ "$RBC__N_MANUAL" = 0 ]; then
				rbc_say "No changes: all $n steps on $RBC_HOST were already done. 无变更：全部步骤已完成。"
			else
				rbc_say "Done: all $n steps on $RBC_HOST finished. 全部完成。"
			fi
			;;
		esac
		;;
	"$RBC_EXIT_FAILED")
		rbc__err "FAILED. The log is $RBC__LOG. Fix the cause and run ./run.sh again: it resumes at the failed step."
		rbc__err "失败。日志：$RBC__LOG。排除问题后重新运行 ./run.sh，将从失败的步骤继续。"
		;;
	*) rbc__stopped ;;
	esac
	return $rc
}

# The last line when a run stops to wait (exit 3 or 4).
rbc__stopped() {
	case $RBC__STOP in
	gate:*) rbc_say "Stopped: waiting for ${RBC__STOP#gate:} (exit $RBC_EXIT_GATE). 已暂停，等待其他主机。" ;;
	manual:*) rbc_say "Stopped: manual step ${RBC__STOP#manual:} waits for confirmation (exit $RBC_EXIT_MANUAL). 已暂停，等待人工确认。" ;;
	esac
}

# After the undo of run.sh's steps: each service a step restarted (rbc_restart_after_undo) is
# restarted again when a file it watches was put back (it changed since that restart), so it runs
# with what is on disk. One that cannot be restarted is left for a person.
rbc__after_undo() {
	local f="$RBC__STATE/after-undo" all name action tag path seen=' ' changed paths script="$RBC__TMP/after-undo.sh" rc
	[ -s "$f" ] || return 0
	all=$(cat "$f")
	while IFS=$'\t' read -r name action tag path; do
		[ -n "$name" ] || continue
		case $seen in *" $name "*) continue ;; esac
		seen="$seen$name "
		paths=$(N=$name LC_ALL=C awk -F '\t' '$1 == ENVIRON["N"] && !s[$4]++ { print $4 }' <<<"$all")
		changed=
		{
			# shellcheck disable=SC2016  # expands when the script runs
			printf '%s\n' '. "$RBC_BUNDLE_DIR"/lib/steps.sh' 'rbc_apply() {'
			while IFS= read -r path; do
				if [ -n "$path" ] && rbc_changed_since "$path" "$tag"; then
					changed="$changed $path"
					printf '\trbc_validate %q %q\n' "$name" "$path"
				fi
			done <<<"$paths"
			printf '\tservice %q %q\n' "$name" "$action"
			while IFS= read -r path; do
				if [ -n "$path" ]; then printf '\trbc_mark %q %q\n' "$path" "$tag"; fi
			done <<<"$paths"
			printf '}\n'
		} >"$script"
		[ -n "$changed" ] || continue
		rbc__hdr_begin "[after undo] service $name $action: the rollback put back${changed}"
		rbc__exec rbc_apply "$script" 1
		rc=$?
		if [ $rc -eq 0 ]; then
			rbc__result changed
		else
			rbc__result failed "exit $rc"
			rbc__left_add "service $name runs with the configuration of before the rollback: the rollback put back${changed}, but \`service $name $action\` failed; fix it and run: service $name $action"
		fi
	done <<<"$all"
	rm -f "$f" "$script"
}

# Something rbc could not do, for the list at the end of rollback.sh.
rbc__left_add() { # text
	printf '%s\n' "$1" >>"$RBC__STATE/left-now"
}

# At the end of the undo (before the journal starts over): the steps of run.sh rbc did not undo
# (no automatic undo) and the manual steps a person did, kept across rollbacks until the next.
# The steps of run.sh that made something the undo did not take away (no automatic undo, or done
# by a person) go to run-done, for the rollback chapter (rbc_rename: is this folder the run's own?).
rbc__left_record() {
	local n i ref id out='' made=''
	n=$(rbc__count STEP)
	for ((i = 0; i < n; i++)); do
		ref="RBC_STEP_ID[$i]" && id=${!ref}
		rbc__last run "$id" || continue
		case $RBC__EV:$RBC__EV_NOTE in
		'undo-skipped:no rbc_undo')
			out="${out}kept"$'\t'"$id"$'\n'
			made="$made$id"$'\n'
			;;
		confirmed:*)
			out="${out}manual"$'\t'"$id"$'\n'
			made="$made$id"$'\n'
			;;
		esac
	done
	printf '%s' "$out" >"$RBC__STATE/left"
	rm -f "$RBC__STATE/left-listed"
	printf '%s' "$made" >"$RBC__STATE/run-done"
}

# What is left for a person, in words, one `  - ` line each: a step rbc has no undo for whose
# state still holds (an installed package) or that ran a command rbc cannot undo, a manual step,
# and what the rollback itself could not do (rbc__left_add).
rbc__left_list() {
	local kind id i ref title summary script rc what
	if [ -s "$RBC__STATE/left" ]; then
		while IFS=$'\t' read -r kind id; do
			[ -n "$id" ] || continue
			i=$(rbc__step_index "$id") || continue
			ref="RBC_STEP_TITLE[$i]" && title=${!ref}
			ref="RBC_STEP_SUMMARY[$i]" && summary=${!ref}
			ref="RBC_STEP_KIND[$i]"
			what="$summary (${title:-section ${RBC_STEP_SECTION[$i]}})"
			script=$(rbc__script STEP "$i")
			if [ "$kind" = manual ]; then
				printf '  - done by hand: %s — undo it by hand if the rollback needs it\n' "$what"
			elif [ "${!ref}" = converge ] && rbc__defines "$script" rbc_check; then
				rbc__exec rbc_check "$script" 0
				rc=$?
				if [ $rc -eq 0 ]; then
					printf '  - still in place (rbc has no undo for it): %s\n' "$what"
				fi
			else
				printf '  - done by a command rbc cannot undo: %s — check whether it must be undone\n' "$what"
			fi
		done <"$RBC__STATE/left"
	fi
	if [ -s "$RBC__STATE/left-now" ]; then
		sed 's/^/  - /' "$RBC__STATE/left-now"
		rm -f "$RBC__STATE/left-now"
	fi
	return 0
}

rbc__rollback_main() {
	local -a ids=()
	local id k rc
	while IFS= read -r id; do
		[ -n "$id" ] && ids+=("$id")
	done <<<"$(rbc__undo_list)"
	# A new round of changes since the last rollback: the rollback chapter runs afresh.
	if [ "$RBC__NEW_APPLIES" = 1 ]; then rbc__journal rb '*' reset "changes since the last rollback"; fi
	if [ "${#ids[@]}" -eq 0 ]; then
		rbc_say "Undo: the journal shows no change by run.sh left to undo."
	else
		rbc_say "Undo: ${#ids[@]} step(s) changed something, newest first:"
	fi
	for ((k = 0; k < ${#ids[@]}; k++)); do
		RBC__UNDOING=1
		rbc__undo_step "${ids[$k]}" "$((k + 1))" "${#ids[@]}"
		rc=$?
		RBC__UNDOING=0
		if [ $rc -ne 0 ]; then
			rbc__recap
			rbc__err "rollback FAILED. The log is $RBC__LOG. Fix the cause and run ./rollback.sh again: it resumes there."
			return $rc
		fi
	done
	# Services a step restarted run again with the files the undo put back.
	if [ "$RBC__DRY" != 1 ]; then rbc__after_undo; fi
	# run.sh starts over after a rollback: steps, confirmations and gates are asked again.
	for id in "${!RBC__LAST[@]}"; do
		case $id in
		run:* | gate:*)
			if [ "$RBC__DRY" != 1 ]; then rbc__left_record; fi
			rbc__journal run '*' reset "rollback finished"
			break
			;;
		esac
	done
	if [ "$RBC__UNDO_ONLY" = 1 ]; then
		rbc__recap
		rbc_say "Undo done on $RBC_HOST (--undo-only); the rollback chapter is next: ./rollback.sh (or rollback.yml's next plays). 撤销完成，下一步是回退章节。"
		return 0
	fi
	if [ "$(rbc__count RB)" -gt 0 ]; then
		rbc_say "Rollback chapter: $(rbc__count RB) step(s)${RBC__STRETCH:+, stretch $RBC__STRETCH of it}"
	fi
	rbc__run_table RB
	rc=$?
	if [ $rc -eq 0 ] && [ -n "$RBC__STRETCH" ]; then
		rbc__recap
		rbc_say "Rollback chapter stretch $RBC__STRETCH done on $RBC_HOST; ./rollback.sh at the end says what is left. 本段回退已完成。"
		return 0
	fi
	local left='' earlier=''
	if [ $rc -eq 0 ] && [ "$RBC__DRY" != 1 ]; then
		# Listed by an earlier rollback when this one undid nothing of run.sh's.
		if [ "${#ids[@]}" -eq 0 ] && [ -s "$RBC__STATE/left" ] && [ -e "$RBC__STATE/left-listed" ] &&
			[ ! -s "$RBC__STATE/left-now" ]; then earlier=1; fi
		left=$(rbc__left_list)
	fi
	rbc__recap
	case $rc in
	0)
		if [ "$RBC__DRY" = 1 ]; then
			rbc_say "Dry run: nothing was changed."
		elif [ -n "$left" ]; then
			if [ -n "$earlier" ]; then
				rbc_say "Still left for a person on $RBC_HOST (listed by an earlier rollback, not yet recorded as handled; 以下内容仍需人工处理):"
			else
				rbc_say "Left for a person on $RBC_HOST (rbc did not undo these; 以下内容需人工处理):"
			fi
			printf '%s\n' "$left"
			rbc__logline "left for a person:"$'\n'"$left"
			if [ -n "$earlier" ] && { [ "$RBC__HANDLED" = 1 ] || rbc__ask "Has a person handled all of these (undone, or decided they stay)? 是否已人工处理完毕?"; }; then
				rbc__journal rb '*' left-handled "$RBC__USER"
				rm -f "$RBC__STATE/left" "$RBC__STATE/left-listed"
				rbc_say "Recorded: a person ($RBC__USER) handled what was left. Rollback finished on $RBC_HOST. 回退完成（遗留事项已人工处理）。"
			else
				rbc_say "Rollback done as far as rbc can on $RBC_HOST: $(printf '%s\n' "$left" | grep -c '^  - ') thing(s) above are left for a person (exit $RBC_EXIT_LEFT). 回退未全部完成：上述事项需人工处理。"
				if [ "$RBC__HANDLED" = 1 ]; then
					rbc_say "--handled records what an earlier rollback listed; this rollback found the above itself: handle them, then run ./rollback.sh --handled."
				else
					rbc_say "When a person has handled them: ./rollback.sh --handled records it (then exit 0). 处理完毕后运行 ./rollback.sh --handled 记录。"
				fi
				: >"$RBC__STATE/left-listed"
				rc=$RBC_EXIT_LEFT
			fi
		elif [ "$RBC__N_UNDONE" = 0 ] && [ "$RBC__N_CHANGED" = 0 ] && [ "$RBC__N_MANUAL" = 0 ]; then
			rbc_say "No changes: nothing was left to roll back on $RBC_HOST. 无变更。"
		else
			rbc_say "Rollback finished on $RBC_HOST: nothing is left. 回退完成。"
		fi
		;;
	"$RBC_EXIT_FAILED")
		rbc__err "rollback FAILED. The log is $RBC__LOG. Fix the cause and run ./rollback.sh again: it resumes there."
		;;
	*) rbc__stopped ;;
	esac
	return $rc
}

rbc__list_main() {
	local -a ids=()
	local id k i ref section title summary
	rbc_say "$RBC_HOST: $(rbc__count STEP) steps, state $RBC__STATE"
	if [ "$RBC__MODE" = run ]; then
		rbc__list_table STEP
		return 0
	fi
	while IFS= read -r id; do
		[ -n "$id" ] && ids+=("$id")
	done <<<"$(rbc__undo_list)"
	rbc_say "To undo (newest first): ${#ids[@]}"
	for ((k = 0; k < ${#ids[@]}; k++)); do
		id=${ids[$k]}
		if i=$(rbc__step_index "$id"); then
			ref="RBC_STEP_SECTION[$i]" && section=${!ref}
			ref="RBC_STEP_TITLE[$i]" && title=${!ref}
			ref="RBC_STEP_SUMMARY[$i]" && summary=${!ref}
			printf '  %-12s %s%s%s%s\n' "$id" "${section:+$section }" "$title" "${summary:+: $summary}" \
				"$(rbc__defines "$(rbc__script STEP "$i")" rbc_undo || printf ' (no automatic undo)')"
		else
			printf '  %s (not in this bundle)\n' "$id"
		fi
	done
	rbc_say "Rollback chapter: $(rbc__count RB) step(s)"
	rbc__list_table RB
}

rbc__usage() {
	if [ "$RBC__MODE" = run ]; then
		cat <<'EOF'
Usage: ./run.sh [OPTIONS]
Runs this host's steps of the runbook, in order; safe to run again (it resumes).

  --dry-run       say what would change; change nothing
  --diff          show the unified diff of every file a step changes (with --dry-run: would
                  change); credentials masked
  --list          the steps and what the journal says about each
  --only STEP     run only this step (id like 2.2.1-3, #N for [N/M], or a section)
  --from STEP     start at this step, skipping earlier ones without looking at them
  --until SECTION stop before the first step after this section
  --stretch N     run only stretch N (--list shows each step's): its gates count as finished,
                  because the earlier stretches are done on every host (dist/ansible/site.yml)
  --confirm STEP  record manual step STEP as confirmed when reached (repeatable)
  --yes           take gates as finished, and re-run a done step named by --only
  --forget NAME   drop the value NAME given earlier (RBC_VALUE_NAME=... gives a new one)
  --verbose       a full line for every step (by default steps done earlier are one line)
  --force-host    run even though this machine is not the bundle's host
  -h, --help      this text

Environment: RBC_STATE_DIR (default /var/lib/rbc/<host>): journal, logs, backups.
             RBC_MANUAL_DONE=1: record manual steps as done without asking.
Exit codes: 0 done (or stopped by --until), 1 a step failed, 2 usage or damaged bundle,
            3 waiting for a manual step, 4 waiting at a gate, 5 wrong host, 6 locked,
            130/143 interrupted.
EOF
	else
		cat <<'EOF'
Usage: ./rollback.sh [OPTIONS]
Undoes what run.sh did on this host (newest first, from the journal), then runs the
runbook's rollback chapter for this host. Safe to run again.

  --dry-run       say what would be undone; change nothing
  --list          what would be undone, and the rollback chapter's steps
  --yes           take gates as finished; don't ask before starting
  --confirm STEP  record manual step STEP of the rollback chapter as confirmed (repeatable)
  --undo-only     undo the journal, then stop before the rollback chapter
  --stretch N     run only stretch N of the rollback chapter (after the undo): its gates count as
                  finished, because the earlier stretches are done on every host (rollback.yml)
  --handled       a person has handled what an earlier rollback listed as left for a person:
                  record it (exit 0 once rbc has nothing else left)
  --force-host    run even though this machine is not the bundle's host
  -h, --help      this text

Environment: RBC_STATE_DIR (default /var/lib/rbc/<host>), RBC_MANUAL_DONE=1.
Exit codes: 0 done, nothing left, 1 an undo or step failed, 2 usage or damaged bundle,
            3 waiting for a manual step, 4 waiting at a gate, 5 wrong host, 6 locked,
            7 done as far as rbc can: what is left for a person is listed, 130/143 interrupted.
EOF
	fi
}

rbc__parse() {
	local opt val
	while [ $# -gt 0 ]; do
		opt=$1
		val=
		case $opt in
		--only=* | --from=* | --until=* | --stretch=* | --confirm=*)
			val=${opt#*=}
			opt=${opt%%=*}
			;;
		--forget=*)
			val=${opt#*=}
			opt=--forget
			;;
		--only | --from | --until | --stretch | --confirm | --forget)
			if [ $# -lt 2 ] || [ -z "$2" ]; then
				rbc__err "$opt needs a value (see --help)"
				return "$RBC_EXIT_USAGE"
			fi
			val=$2
			shift
			;;
		esac
		case $opt in
		--dry-run | -n) RBC__DRY=1 ;;
		--list | -l) RBC__LIST=1 ;;
		--yes | -y) RBC__YES=1 ;;
		--undo-only)
			if [ "$RBC__MODE" != rollback ]; then
				rbc__err "run.sh takes no --undo-only (it is rollback.sh's; see --help)"
				return "$RBC_EXIT_USAGE"
			fi
			RBC__UNDO_ONLY=1
			;;
		--handled)
			if [ "$RBC__MODE" != rollback ]; then
				rbc__err "run.sh takes no --handled (it is rollback.sh's; see --help)"
				return "$RBC_EXIT_USAGE"
			fi
			RBC__HANDLED=1
			;;
		--verbose | -v) RBC__VERBOSE=1 ;;
		--diff) RBC__DIFF=1 ;;
		--force-host) RBC__FORCE_HOST=1 ;;
		-h | --help) RBC__HELP=1 ;;
		--only) RBC__ONLY=$val ;;
		--from) RBC__FROM=$val ;;
		--until) RBC__UNTIL=$val ;;
		--stretch)
			case $val in '' | *[!0-9]*)
				rbc__err "--stretch needs a number (see --list)"
				return "$RBC_EXIT_USAGE"
				;;
			esac
			RBC__STRETCH=$val
			;;
		--confirm) RBC__CONFIRM="$RBC__CONFIRM$val " ;;
		--forget) RBC__FORGET=$val ;;
		*)
			rbc__err "unknown option: $opt (see --help)"
			return "$RBC_EXIT_USAGE"
			;;
		esac
		if [ "$RBC__MODE" = rollback ] && [ -n "$RBC__ONLY$RBC__FROM$RBC__UNTIL$RBC__FORGET" ]; then
			rbc__err "rollback.sh takes no $opt (see --help)"
			return "$RBC_EXIT_USAGE"
		fi
		shift
	done
	if [ -n "$RBC__ONLY" ] && [ -n "$RBC__FROM$RBC__UNTIL" ]; then
		rbc__err "--only cannot be combined with --from or --until"
		return "$RBC_EXIT_USAGE"
	fi
	if [ -n "$RBC__STRETCH" ] && [ -n "$RBC__ONLY$RBC__FROM$RBC__UNTIL" ]; then
		rbc__err "--stretch cannot be combined with --only, --from or --until"
		return "$RBC_EXIT_USAGE"
	fi
	if [ -n "$RBC__STRETCH" ] && [ "$RBC__UNDO_ONLY" = 1 ]; then
		rbc__err "--stretch cannot be combined with --undo-only"
		return "$RBC_EXIT_USAGE"
	fi
}

# --only, --from and --forget name something in this bundle: checked as soon as the bundle is
# loaded, before the host check, the lock and the log, so a typo changes nothing.
rbc__check_options() {
	local opt ref
	for opt in only from; do
		ref="RBC__${opt^^}"
		[ -n "${!ref}" ] || continue
		if ! rbc__select STEP "${!ref}" >/dev/null; then
			rbc__err "--$opt ${!ref}: no such step or section in this bundle; ./run.sh --list shows the ids (2.2.1-3), #N is the N of [N/$(rbc__count STEP)]"
			return 1
		fi
	done
	if [ -n "$RBC__FORGET" ] && [ -z "$(rbc__value_steps "$RBC__FORGET")" ]; then
		rbc__err "--forget $RBC__FORGET: no step of this bundle uses a value of that name (the names are the X of RBC_VALUE_X in the steps' text)"
		return 1
	fi
}

# The ids of the steps that use the operator's value NAME (a step script names it quoted).
rbc__value_steps() { # NAME
	local n i found=''
	case $1 in '' | *[!A-Za-z0-9_]*) return 0 ;; esac
	n=$(rbc__count STEP)
	for ((i = 0; i < n; i++)); do
		if grep -qE "^[[:space:]]*rbc_(value_written|cron_present) .* '?$1'?\$" "$(rbc__script STEP "$i")" 2>/dev/null; then
			found="$found ${RBC_STEP_ID[$i]}"
		fi
	done
	printf '%s' "${found# }"
}

# --forget NAME: drop the value the operator gave (a mistyped cookie); the next run asks again.
rbc__forget() { # NAME
	local file="$RBC__STATE/values/$1" steps
	steps=$(rbc__value_steps "$1")
	if [ -e "$file" ]; then
		rm -f "$file" || return "$RBC_EXIT_FAILED"
		rbc_say "Forgot $1 (it was kept in $file)."
	else
		rbc_say "No value $1 is kept on this host ($file does not exist)."
	fi
	rbc_say "To write a new value: RBC_VALUE_$1=... ./run.sh --only STEP, or run it on a terminal and type it (step(s) using it: $steps)."
	return 0
}

# The whole of run.sh and rollback.sh.
rbc__main() { # run|rollback args...
	local rc started
	RBC__MODE=$1
	shift
	rbc__parse "$@" || return $?
	if [ "$RBC__HELP" = 1 ]; then
		rbc__usage
		return "$RBC_EXIT_DONE"
	fi
	if [ -t 0 ]; then RBC__TTY=1; else exec </dev/null; fi
	# Colour only on a terminal, and never with NO_COLOR (https://no-color.org) or TERM=dumb.
	if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-}" != dumb ]; then RBC__COLOR=1; fi
	umask 022
	RBC__USER=$(rbc__whoami)
	rbc__verify || return "$RBC_EXIT_USAGE"
	rbc__load_bundle || return "$RBC_EXIT_USAGE"
	rbc__check_options || return "$RBC_EXIT_USAGE"
	rbc__host_check || return "$RBC_EXIT_WRONG_HOST"
	RBC__STATE=$(rbc__abs "${RBC_STATE_DIR:-/var/lib/rbc/$RBC_HOST}")
	RBC_STATE_DIR=$RBC__STATE
	export RBC_STATE_DIR RBC_BUNDLE_DIR RBC_HOST
	RBC__TMP=$(mktemp -d "${TMPDIR:-/tmp}/rbc.XXXXXX") || return "$RBC_EXIT_FAILED"
	trap rbc__cleanup EXIT
	trap 'rbc__on_signal 130' INT
	trap 'rbc__on_signal 143' TERM
	trap 'rbc__on_signal 129' HUP
	if [ "$RBC__LIST" = 1 ]; then
		rbc__journal_load
		rbc__list_main
		return 0
	fi
	if [ -n "$RBC__FORGET" ] && [ "$RBC__DRY" != 1 ]; then
		rbc__state_safe "$RBC__STATE" || return "$RBC_EXIT_FAILED"
		rbc__lock || return "$RBC_EXIT_LOCKED"
		rbc__forget "$RBC__FORGET"
		return $?
	fi
	if [ "$RBC__DRY" = 1 ]; then
		RBC_DRY_RUN=1
		export RBC_DRY_RUN
		rbc_say "dry run: nothing will be changed"
	else
		rbc__state_safe "$RBC__STATE" || return "$RBC_EXIT_FAILED"
		if ! mkdir -p "$RBC__STATE" || ! rbc__state_safe "$RBC__STATE" || ! chmod 700 "$RBC__STATE"; then
			rbc__err "cannot create the state directory $RBC__STATE"
			return "$RBC_EXIT_FAILED"
		fi
		rbc__lock || return "$RBC_EXIT_LOCKED"
		rbc__journal_repair
		rbc__orphan_record
		mkdir -p "$RBC__STATE/logs"
		started=$(date '+%Y%m%d-%H%M%S')
		RBC__LOG="$RBC__STATE/logs/$started-$RBC__MODE.log"
		ln -sfn "$started-$RBC__MODE.log" "$RBC__STATE/logs/last.log" 2>/dev/null
		rbc__logline "$RBC__MODE.sh $* by $RBC__USER in $RBC_BUNDLE_DIR for $RBC_HOST"
		rbc_say "state: $RBC__STATE (log $RBC__LOG)"
	fi
	rbc__journal_load
	if [ "$RBC__MODE" = run ]; then
		rbc__run_main
		rc=$?
	else
		if [ "$RBC__DRY" != 1 ] && [ "$RBC__YES" != 1 ] && [ "$RBC__TTY" = 1 ] &&
			! rbc__ask "Roll back $RBC_HOST now? 确认回退 $RBC_HOST?"; then
			rbc_say "Nothing was done."
			return 0
		fi
		rbc__rollback_main
		rc=$?
	fi
	return $rc
}

# ==================================================================================================
# Primitives for step scripts. Each has a check (true when the state holds), an action (does
# nothing when its check holds, says what it did) and an inverse. An action that modifies a file
# backs it up first (rbc_backup); rbc_restore puts it back byte for byte, with mode and owner.
# Paths to change are absolute or relative to the current directory; CONTENT_FILE, LINES_FILE and
# RULES_FILE are absolute or relative to the bundle directory. On failure an action prints why on
# stderr and returns non-zero.
# ==================================================================================================

rbc__state_dir() {
	if [ -z "${RBC_STATE_DIR:-}" ]; then
		rbc__err "RBC_STATE_DIR is not set"
		return 1
	fi
	printf '%s' "$RBC_STATE_DIR"
}

# Absolute path without "." or ".." components, doubled or trailing slashes. Keys in the state
# directory are made of these, so `cd /home; x .` and `x /home` agree, and a backup's path never
# climbs out of the backup folder (`/opt/../../etc/a` would alias the file it backs up). ".." is
# resolved the way the kernel does, through the links of what comes before it (lexically where
# that does not exist yet).
rbc__abs() {
	local p=$1 r c parts
	case $p in /*) ;; *) p="${PWD%/}/$p" ;; esac
	while :; do
		case $p in
		*/./*) p=${p//\/.\//\/} ;;
		*//*) p=${p//\/\//\/} ;;
		*/.) p=${p%/.} ;;
		*?/) p=${p%/} ;;
		*) break ;;
		esac
	done
	case $p/ in
	*/../*)
		IFS=/ read -r -a parts <<<"$p"
		r=/
		for c in "${parts[@]}"; do
			case $c in
			'' | .) ;;
			..)
				if [ -d "$r" ]; then
					r=$(cd -P -- "${r%/}/.." 2>/dev/null && pwd -P) || r=/
				else
					r=$(rbc__dirname "$r")
				fi
				;;
			*) r="${r%/}/$c" ;;
			esac
		done
		p=$r
		;;
	esac
	printf '%s' "${p:-/}"
}

# A file shipped in the bundle.
rbc__src() {
	case $1 in
	/*) printf '%s' "$1" ;;
	*) printf '%s/%s' "${RBC_BUNDLE_DIR:-.}" "$1" ;;
	esac
}

# The file an edit changes: PATH, or what PATH links to.
rbc__target() {
	local p
	p=$(rbc__abs "$1")
	if [ -L "$p" ]; then p=$(readlink -f "$p") || return 1; fi
	printf '%s' "$p"
}

rbc__dirname() {
	local d=${1%/*}
	printf '%s' "${d:-/}"
}

rbc__exists() { [ -e "$1" ] || [ -L "$1" ]; }

# True when the file is not empty and its last byte is not a newline.
rbc__no_eol() { [ -s "$1" ] && [ "$(tail -c 1 "$1" | wc -l)" -eq 0 ]; }

rbc__umask_mode() { printf '%04o' "$((0666 & ~$(umask)))"; }

rbc__selinux() { command -v selinuxenabled >/dev/null 2>&1 && selinuxenabled; }

rbc__need() { # count-needed count-given usage
	if [ "$2" -lt "$1" ]; then
		rbc__err "usage: $3"
		return 2
	fi
}

rbc__file_arg() { # path-of-a-bundle-file -> checked absolute path
	local src
	src=$(rbc__src "$1")
	if [ ! -f "$src" ]; then
		rbc__err "file not found: $src"
		return 1
	fi
	printf '%s' "$src"
}

# A scratch file beside TARGET, so that installing it is one rename.
rbc__tmp_beside() {
	local d
	d=$(rbc__dirname "$1")
	if [ ! -d "$d" ]; then
		rbc__err "directory $d does not exist (for $1)"
		return 1
	fi
	# a dry run's --diff writes nothing beside the file: its copy is in rbc's own temp folder
	if [ "${RBC__DIFF_ONLY:-0}" = 1 ] && [ -n "${RBC__TMP:-}" ]; then
		mktemp "$RBC__TMP/diff.XXXXXX"
		return
	fi
	mktemp "$d/.rbc.XXXXXX"
}

# A scratch file beside TARGET that is still the one mktemp created (a regular file of ours, not a
# symbolic link someone put there since): writing through it writes nowhere else.
rbc__tmp_ours() { # TMP
	if [ -L "$1" ] || [ ! -f "$1" ] || [ ! -O "$1" ]; then
		rbc__err "refusing to write $1: it was replaced (a symbolic link or a file not created by rbc)"
		return 1
	fi
}

# Credentials in a text shown to people (--diff): the value of `password=…`, `secret: …`,
# `token …`, `identified by '…'` and a mysql client's `-p…` becomes ***.
rbc__mask() {
	LC_ALL=C sed -r \
		-e "s/([A-Za-z_.]*([Pp][Aa][Ss][Ss]([Ww][Oo][Rr][Dd]|[Ww][Dd])?|[Ss][Ee][Cc][Rr][Ee][Tt]|[Tt][Oo][Kk][Ee][Nn])[A-Za-z_.]*[\"']?[[:space:]]*[:=,][[:space:]]*(<<)?[\"']?)[^[:space:]\"'<>{}(),;]{4,}/\\1***/g" \
		-e "s/([Ii][Dd][Ee][Nn][Tt][Ii][Ff][Ii][Ee][Dd][[:space:]]+[Bb][Yy][[:space:]]+[\"']?)[^\"'[:space:]]+/\\1***/g" \
		-e "/mysql/s/([[:space:]]-p)[^[:space:]-][^[:space:]]*/\\1***/g"
}

# --diff: the unified diff (`diff -u`, diffutils 2.8) between FILE as it is (nothing, when it
# does not exist) and NEW, credentials masked; a file kept mode 0600 (it holds a credential)
# shows no content.
rbc__diff() { # file new [mode]
	local old=$1
	[ -e "$1" ] || old=/dev/null
	if cmp -s "$old" "$2"; then return 0; fi
	if [ "${3:-}" = 0600 ] || { [ -e "$1" ] && [ "$(stat -c %a "$1" 2>/dev/null)" = 600 ]; }; then
		printf -- '--- %s: changes (content not shown: it holds a credential)\n' "$1"
		return 0
	fi
	diff -u -L "$1" -L "$1 (after this step)" -- "$old" "$2" | rbc__mask
	return 0
}

# Install TMP as TARGET: owner, mode (and SELinux label) of the file it replaces, or MODE.
rbc__commit() { # tmp target [mode]
	local tmp=$1 target=$2 mode=${3:-} existed=0
	if [ "${RBC__DIFF:-0}" = 1 ]; then rbc__diff "$target" "$tmp" "$mode"; fi
	if [ "${RBC__DIFF_ONLY:-0}" = 1 ]; then
		rm -f "$tmp"
		return 0
	fi
	if [ -e "$target" ]; then
		existed=1
		if ! chown --reference="$target" "$tmp" || ! chmod --reference="$target" "$tmp"; then
			rm -f "$tmp"
			return 1
		fi
		if rbc__selinux; then chcon --reference="$target" "$tmp" 2>/dev/null || true; fi
	elif ! chmod "$(rbc__umask_mode)" "$tmp"; then
		rm -f "$tmp"
		return 1
	fi
	if [ -n "$mode" ] && ! chmod "$mode" "$tmp"; then
		rm -f "$tmp"
		return 1
	fi
	if ! mv -f "$tmp" "$target"; then
		rm -f "$tmp"
		return 1
	fi
	if [ "$existed" = 0 ] && rbc__selinux; then restorecon "$target" 2>/dev/null || true; fi
	return 0
}

# --- Backups -------------------------------------------------------------------------------------
# $STATE/backup/index: KIND<TAB>PATH<TAB>META a line; KIND file (copy in backup/files/PATH),
# absent, dir (META mode:uid:gid), link (META the link's target).

rbc__bk_get() { # abs path -> "KIND<TAB>META" or nothing
	local sd
	sd=$(rbc__state_dir) || return 1
	[ -f "$sd/backup/index" ] || return 0
	P=$1 LC_ALL=C awk -F '\t' '$2 == ENVIRON["P"] { print $1 "\t" $3; exit }' "$sd/backup/index"
}

rbc__bk_forget() { # abs path
	local sd
	sd=$(rbc__state_dir) || return 1
	[ -f "$sd/backup/index" ] || return 0
	P=$1 LC_ALL=C awk -F '\t' '$2 != ENVIRON["P"]' "$sd/backup/index" >"$sd/backup/index.new" &&
		mv -f "$sd/backup/index.new" "$sd/backup/index" &&
		rm -f "$sd/backup/files$1"
}

# Before the first change of PATH: keep its content, mode and owner (or that it did not exist).
# Only the first call for a PATH keeps anything, so a backup is always of the original.
rbc_backup() { # PATH
	rbc__need 1 $# "rbc_backup PATH" || return 2
	local p sd kind meta copy
	if [ "${RBC__DIFF_ONLY:-0}" = 1 ]; then return 0; fi
	p=$(rbc__abs "$1")
	sd=$(rbc__state_dir) || return 1
	mkdir -p "$sd/backup" || return 1
	if [ -n "$(rbc__bk_get "$p")" ]; then return 0; fi
	meta=-
	if [ -L "$p" ]; then
		kind='link'
		meta=$(readlink "$p") || return 1
	elif [ -f "$p" ]; then
		kind='file'
		copy="$sd/backup/files$p"
		mkdir -p "$(rbc__dirname "$copy")" || return 1
		rm -f "$copy.tmp"
		if ! cp -p "$p" "$copy.tmp" || ! mv -f "$copy.tmp" "$copy"; then
			rbc__err "cannot back up $p"
			return 1
		fi
	elif [ -d "$p" ]; then
		kind='dir'
		meta=$(stat -c '%a:%u:%g' "$p") || return 1
	elif [ -e "$p" ]; then
		rbc__err "cannot back up $p: not a file, link or directory"
		return 1
	else
		kind='absent'
	fi
	printf '%s\t%s\t%s\n' "$kind" "$p" "$meta" >>"$sd/backup/index" || return 1
	rbc_log "backup of $p: $kind"
}

# Put PATH back as rbc_backup found it; forget the backup. Nothing to do without a backup.
# PATH is one the runbook's rollback chapter handles itself (RBC_CHAPTER_PATHS, bundle.sh): the
# undo of run.sh's steps leaves it alone. Only while rollback.sh undoes the journal.
rbc__chapter_owns() { # abs path
	[ "${RBC__UNDOING:-0}" = 1 ] || return 1
	local q
	while IFS= read -r q; do
		[ -n "$q" ] && [ "$q" = "$1" ] && return 0
	done <<<"${RBC_CHAPTER_PATHS:-}"
	return 1
}

rbc_restore() { # PATH
	rbc__need 1 $# "rbc_restore PATH" || return 2
	local p rec kind meta sd tmp
	p=$(rbc__abs "$1")
	if rbc__chapter_owns "$p"; then
		rbc_say "$p: left to the runbook's rollback chapter"
		return 0
	fi
	sd=$(rbc__state_dir) || return 1
	rec=$(rbc__bk_get "$p")
	if [ -z "$rec" ]; then
		rbc_say "$p: no backup, nothing to restore"
		return 0
	fi
	kind=${rec%%$'\t'*}
	meta=${rec#*$'\t'}
	case $kind in
	file)
		if [ -d "$p" ] && [ ! -L "$p" ]; then
			rbc__err "cannot restore $p: it is a directory now"
			return 1
		fi
		# Already as it was (the run never changed it, or someone put it back): nothing to write,
		# so a file rbc could not write now (read-only mount, immutable) blocks nothing.
		if [ -f "$p" ] && [ ! -L "$p" ] && cmp -s "$sd/backup/files$p" "$p" &&
			[ "$(stat -c '%a:%u:%g' "$p")" = "$(stat -c '%a:%u:%g' "$sd/backup/files$p")" ]; then
			rbc_say "$p: as it was before the run; nothing to restore"
			rbc__bk_forget "$p"
			return 0
		fi
		tmp=$(rbc__tmp_beside "$p") || {
			rbc__err "cannot restore $p: cannot write in its folder"
			return 1
		}
		if ! cp -p "$sd/backup/files$p" "$tmp" || ! mv -f "$tmp" "$p"; then
			rm -f "$tmp"
			rbc__err "cannot restore $p"
			return 1
		fi
		rbc_say "restored $p"
		;;
	absent)
		if [ -L "$p" ] || [ -f "$p" ]; then
			rm -f "$p" || return 1
			rbc_say "removed $p (it did not exist before)"
		elif [ -d "$p" ]; then
			if rmdir "$p" 2>/dev/null; then
				rbc_say "removed $p (it did not exist before)"
			else
				rbc_warn "$p did not exist before but is a non-empty directory now; left in place"
			fi
		fi
		;;
	dir)
		chown "${meta#*:}" "$p" && chmod "${meta%%:*}" "$p" || return 1
		rbc_say "restored mode and owner of $p"
		;;
	link)
		if [ -d "$p" ] && [ ! -L "$p" ]; then
			rbc__err "cannot restore link $p: it is a directory now"
			return 1
		fi
		rm -f "$p" && ln -s "$meta" "$p" || return 1
		rbc_say "restored link $p -> $meta"
		;;
	esac
	rbc__bk_forget "$p"
}

# --- Managed blocks (Ansible blockinfile style) ----------------------------------------------------
# A block is "COMMENT BEGIN rbc MARKER", the content, "COMMENT END rbc MARKER". COMMENT (default
# #) must start a comment in the target file: # for shell, profile, hosts, ini; // or ; elsewhere.

rbc__block_render() { # marker content-file comment
	printf '%s BEGIN rbc %s\n' "$3" "$1"
	cat "$2"
	if rbc__no_eol "$2"; then printf '\n'; fi
	printf '%s END rbc %s\n' "$3" "$1"
}

# The first complete block of a file, markers included; false when there is none.
rbc__block_extract() { # file begin-line end-line
	RB_B=$2 RB_E=$3 LC_ALL=C awk '
		!done && $0 == ENVIRON["RB_B"] { inb = 1 }
		inb { print }
		inb && $0 == ENVIRON["RB_E"] { inb = 0; done = 1 }
		END { exit done ? 0 : 1 }' "$1"
}

# The block MARKER is in PATH (with exactly CONTENT_FILE's content when given).
rbc_block_present() { # PATH MARKER [CONTENT_FILE [COMMENT]]
	rbc__need 2 $# "rbc_block_present PATH MARKER [CONTENT_FILE [COMMENT]]" || return 2
	local p c=${4:-#} got want src
	p=$(rbc__target "$1") || return 1
	[ -f "$p" ] || return 1
	got=$(rbc__block_extract "$p" "$c BEGIN rbc $2" "$c END rbc $2") || return 1
	[ -n "${3:-}" ] || return 0
	src=$(rbc__file_arg "$3") || return 1
	want=$(rbc__block_render "$2" "$src" "$c")
	[ "$got" = "$want" ]
}

rbc__block_put() { # append|prepend PATH MARKER CONTENT_FILE [COMMENT]
	local where=$1 p marker=$3 src c=${5:-#} b e blk tmp verb
	p=$(rbc__target "$2") || return 1
	src=$(rbc__file_arg "$4") || return 1
	if rbc_block_present "$p" "$marker" "$src" "$c"; then
		rbc_say "block '$marker' already in $p"
		return 0
	fi
	if rbc__exists "$p" && [ ! -f "$p" ]; then
		rbc__err "$p is not a regular file"
		return 1
	fi
	b="$c BEGIN rbc $marker"
	e="$c END rbc $marker"
	if [ -f "$p" ] && grep -qxF -- "$b" "$p" && ! rbc__block_extract "$p" "$b" "$e" >/dev/null; then
		rbc__err "$p has '$b' without '$e'; fix the file by hand"
		return 1
	fi
	rbc_backup "$p" || return 1
	tmp=$(rbc__tmp_beside "$p") || return 1
	blk="$tmp.block"
	rbc__block_render "$marker" "$src" "$c" >"$blk" || return 1
	if [ -f "$p" ] && grep -qxF -- "$b" "$p"; then
		verb=replaced
		RB_B=$b RB_E=$e RB_F=$blk LC_ALL=C awk '
			BEGIN { f = ENVIRON["RB_F"] }
			!done && $0 == ENVIRON["RB_B"] { while ((getline l < f) > 0) print l; skip = 1; next }
			skip { if ($0 == ENVIRON["RB_E"]) { skip = 0; done = 1 }; next }
			{ print }' "$p" >"$tmp"
	elif [ "$where" = append ]; then
		verb=appended
		{
			if [ -f "$p" ]; then cat "$p"; fi
			if [ -f "$p" ] && rbc__no_eol "$p"; then printf '\n'; fi
			cat "$blk"
		} >"$tmp"
	else
		verb=inserted
		if [ -f "$p" ] && [ "$(head -c 2 "$p")" = '#!' ]; then
			{
				head -n 1 "$p"
				if [ "$(head -n 1 "$p" | wc -l)" -eq 0 ]; then printf '\n'; fi
				cat "$blk"
				tail -n +2 "$p"
			} >"$tmp"
		else
			{
				cat "$blk"
				if [ -f "$p" ]; then cat "$p"; fi
			} >"$tmp"
		fi
	fi
	rm -f "$blk"
	rbc__commit "$tmp" "$p" || return 1
	rbc_say "$verb block '$marker' in $p"
}

# Append the block at the end of PATH (replace it in place when its content differs).
rbc_block_append() { # PATH MARKER CONTENT_FILE [COMMENT]
	rbc__need 3 $# "rbc_block_append PATH MARKER CONTENT_FILE [COMMENT]" || return 2
	rbc__block_put append "$@"
}

# Insert the block at the top of PATH, after a #! line (replace it in place when it differs).
rbc_block_prepend() { # PATH MARKER CONTENT_FILE [COMMENT]
	rbc__need 3 $# "rbc_block_prepend PATH MARKER CONTENT_FILE [COMMENT]" || return 2
	rbc__block_put prepend "$@"
}

# Remove the block MARKER from PATH. (rbc_restore is the byte-exact inverse of an edit.)
rbc_block_remove() { # PATH MARKER [COMMENT]
	rbc__need 2 $# "rbc_block_remove PATH MARKER [COMMENT]" || return 2
	local p c=${3:-#} tmp
	p=$(rbc__target "$1") || return 1
	if ! rbc_block_present "$p" "$2" "" "$c"; then
		rbc_say "no block '$2' in $p"
		return 0
	fi
	rbc_backup "$p" || return 1
	tmp=$(rbc__tmp_beside "$p") || return 1
	RB_B="$c BEGIN rbc $2" RB_E="$c END rbc $2" LC_ALL=C awk '
		!done && $0 == ENVIRON["RB_B"] { skip = 1; next }
		skip { if ($0 == ENVIRON["RB_E"]) { skip = 0; done = 1 }; next }
		{ print }' "$p" >"$tmp"
	rbc__commit "$tmp" "$p" || return 1
	rbc_say "removed block '$2' from $p"
}

# --- Lines ----------------------------------------------------------------------------------------
# Lines compare with blanks collapsed and trimmed ("1.2.3.4   rabbit1" = "1.2.3.4 rabbit1").

RBC__AWK_NORM='function norm(s) { gsub(/[ \t\r]+/, " ", s); sub(/^ /, "", s); sub(/ $/, "", s); return s }'

# The lines of LINES_FILE missing from PATH, as written in LINES_FILE, each once.
rbc__lines_missing() { # abs-path lines-file
	local have=$1
	[ -f "$have" ] || have=/dev/null
	LC_ALL=C awk "$RBC__AWK_NORM"'
		f == 1 { have[norm($0)] = 1; next }
		{ n = norm($0); if (n != "" && !(n in have)) { have[n] = 1; print } }' f=1 "$have" f=2 "$2"
}

rbc_lines_present() { # PATH LINES_FILE
	rbc__need 2 $# "rbc_lines_present PATH LINES_FILE" || return 2
	local p src
	p=$(rbc__target "$1") || return 1
	src=$(rbc__file_arg "$2") || return 1
	[ -z "$(rbc__lines_missing "$p" "$src")" ]
}

# Append each line of LINES_FILE that PATH lacks, in order.
rbc_lines_add() { # PATH LINES_FILE
	rbc__need 2 $# "rbc_lines_add PATH LINES_FILE" || return 2
	local p src missing tmp
	p=$(rbc__target "$1") || return 1
	src=$(rbc__file_arg "$2") || return 1
	missing=$(rbc__lines_missing "$p" "$src")
	if [ -z "$missing" ]; then
		rbc_say "lines already in $p"
		return 0
	fi
	rbc_backup "$p" || return 1
	tmp=$(rbc__tmp_beside "$p") || return 1
	{
		if [ -f "$p" ]; then cat "$p"; fi
		if [ -f "$p" ] && rbc__no_eol "$p"; then printf '\n'; fi
		printf '%s\n' "$missing"
	} >"$tmp"
	rbc__commit "$tmp" "$p" || return 1
	if [ -n "${RBC_SECRET:-}" ]; then
		# The lines hold a credential: never on the terminal or in the log (SPEC §5.1).
		rbc_say "added $(printf '%s\n' "$missing" | wc -l) line(s) to $p (a credential: not shown)"
		return 0
	fi
	rbc_say "added to $p:"
	printf '%s\n' "$missing" | sed 's/^/  /'
}

# Remove from PATH every line equal to a line of LINES_FILE.
rbc_lines_remove() { # PATH LINES_FILE
	rbc__need 2 $# "rbc_lines_remove PATH LINES_FILE" || return 2
	local p src tmp
	p=$(rbc__target "$1") || return 1
	src=$(rbc__file_arg "$2") || return 1
	[ -f "$p" ] || return 0
	rbc_backup "$p" || return 1
	tmp=$(rbc__tmp_beside "$p") || return 1
	LC_ALL=C awk "$RBC__AWK_NORM"'
		f == 1 { n = norm($0); if (n != "") drop[n] = 1; next }
		!(norm($0) in drop)' f=1 "$src" f=2 "$p" >"$tmp"
	if cmp -s "$tmp" "$p"; then
		rm -f "$tmp"
		rbc_say "none of the lines is in $p"
		return 0
	fi
	rbc__commit "$tmp" "$p" || return 1
	rbc_say "removed lines from $p"
}

# --- iptables (/etc/sysconfig/iptables, iptables-save format) -------------------------------------

# The rules of RULES_FILE (normalised) missing from the *filter table of PATH.
rbc__ipt_missing() { # abs-path rules-file
	local have=$1
	[ -f "$have" ] || have=/dev/null
	LC_ALL=C awk "$RBC__AWK_NORM"'
		f == 1 { n = norm($0); if (n == "*filter") inf = 1; else if (n == "COMMIT") inf = 0; else if (inf) have[n] = 1; next }
		{ n = norm($0); if (n != "" && n !~ /^#/ && !(n in have)) { have[n] = 1; print n } }' f=1 "$have" f=2 "$2"
}

rbc_iptables_present() { # PATH RULES_FILE
	rbc__need 2 $# "rbc_iptables_present PATH RULES_FILE" || return 2
	local p src
	p=$(rbc__target "$1") || return 1
	src=$(rbc__file_arg "$2") || return 1
	[ -z "$(rbc__ipt_missing "$p" "$src")" ]
}

# Insert each missing rule into the *filter table, before the first "-A INPUT ... -j REJECT"
# (so it takes effect), else before the table's COMMIT. Checked with iptables-restore --test
# when that exists. Does not reload the firewall: the runbook's own step does.
rbc_iptables_add() { # PATH RULES_FILE
	rbc__need 2 $# "rbc_iptables_add PATH RULES_FILE" || return 2
	local p src missing tmp out
	p=$(rbc__target "$1") || return 1
	src=$(rbc__file_arg "$2") || return 1
	missing=$(rbc__ipt_missing "$p" "$src")
	if [ -z "$missing" ]; then
		rbc_say "rules already in $p"
		return 0
	fi
	rbc_backup "$p" || return 1
	tmp=$(rbc__tmp_beside "$p") || return 1
	if [ -f "$p" ] && grep -q '^[[:space:]]*\*filter[[:space:]]*$' "$p"; then
		RB_R=$missing LC_ALL=C awk '
			function ins() { printf "%s\n", ENVIRON["RB_R"]; done = 1 }
			{ n = $0; gsub(/[ \t\r]/, "", n) }
			n == "*filter" { inf = 1 }
			inf && !done && $0 ~ /^[ \t]*-A[ \t]+INPUT[ \t]/ && $0 ~ /[ \t]-j[ \t]+REJECT/ { ins() }
			inf && !done && n == "COMMIT" { ins() }
			inf && n == "COMMIT" { inf = 0 }
			{ print }' "$p" >"$tmp"
	else
		{
			if [ -f "$p" ]; then cat "$p"; fi
			if [ -f "$p" ] && rbc__no_eol "$p"; then printf '\n'; fi
			printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n'
			printf '%s\n' "$missing"
			printf 'COMMIT\n'
		} >"$tmp"
	fi
	if command -v iptables-restore >/dev/null 2>&1; then
		if ! out=$(iptables-restore --test <"$tmp" 2>&1); then
			rm -f "$tmp"
			rbc__err "iptables-restore --test rejects the new $p: $out"
			return 1
		fi
	fi
	rbc__commit "$tmp" "$p" || return 1
	rbc_say "added to $p:"
	printf '%s\n' "$missing" | sed 's/^/  /'
}

# Remove the rules of RULES_FILE from the *filter table of PATH.
rbc_iptables_remove() { # PATH RULES_FILE
	rbc__need 2 $# "rbc_iptables_remove PATH RULES_FILE" || return 2
	local p src tmp
	p=$(rbc__target "$1") || return 1
	src=$(rbc__file_arg "$2") || return 1
	[ -f "$p" ] || return 0
	rbc_backup "$p" || return 1
	tmp=$(rbc__tmp_beside "$p") || return 1
	LC_ALL=C awk "$RBC__AWK_NORM"'
		f == 1 { n = norm($0); if (n != "") drop[n] = 1; next }
		{ n = norm($0) }
		n == "*filter" { inf = 1 }
		n == "COMMIT" { inf = 0 }
		!(inf && (n in drop))' f=1 "$src" f=2 "$p" >"$tmp"
	if cmp -s "$tmp" "$p"; then
		rm -f "$tmp"
		rbc_say "none of the rules is in $p"
		return 0
	fi
	rbc__commit "$tmp" "$p" || return 1
	rbc_say "removed rules from $p"
}

# --- Replace a line ---------------------------------------------------------------------------------

RBC__AWK_TRIM='function trim(s) { sub(/^[ \t\r]+/, "", s); sub(/[ \t\r]+$/, "", s); return s }'

# No line of PATH is OLD any more and a line is NEW (lines compared trimmed).
rbc_line_replaced() { # PATH OLD NEW
	rbc__need 3 $# "rbc_line_replaced PATH OLD NEW" || return 2
	local p
	p=$(rbc__target "$1") || return 1
	[ -f "$p" ] || return 1
	RB_O=$2 RB_N=$3 LC_ALL=C awk "$RBC__AWK_TRIM"'
		BEGIN { o = trim(ENVIRON["RB_O"]); n = trim(ENVIRON["RB_N"]) }
		{ t = trim($0) }
		t == o { old = 1 }
		t == n { new = 1 }
		END { exit (new && (!old || o == n)) ? 0 : 1 }' "$p"
}

# Replace every line equal (trimmed) to OLD by NEW, keeping the old line's indentation.
rbc_replace_line() { # PATH OLD NEW
	rbc__need 3 $# "rbc_replace_line PATH OLD NEW" || return 2
	local p tmp
	p=$(rbc__target "$1") || return 1
	if rbc_line_replaced "$p" "$2" "$3"; then
		rbc_say "$p already has the new line"
		return 0
	fi
	if [ ! -f "$p" ]; then
		rbc__err "$p does not exist"
		return 1
	fi
	if ! RB_O=$2 LC_ALL=C awk "$RBC__AWK_TRIM"'BEGIN { o = trim(ENVIRON["RB_O"]) } trim($0) == o { found = 1; exit } END { exit found ? 0 : 1 }' "$p"; then
		rbc__err "no line of $p is: $2"
		return 1
	fi
	rbc_backup "$p" || return 1
	tmp=$(rbc__tmp_beside "$p") || return 1
	RB_O=$2 RB_N=$3 LC_ALL=C awk "$RBC__AWK_TRIM"'
		BEGIN { o = trim(ENVIRON["RB_O"]); n = trim(ENVIRON["RB_N"]) }
		trim($0) == o { match($0, /^[ \t]*/); print substr($0, 1, RLENGTH) n; next }
		{ print }' "$p" >"$tmp"
	rbc__commit "$tmp" "$p" || return 1
	if [ -n "${RBC_SECRET:-}" ]; then
		rbc_say "replaced a line in $p (a credential: not shown)"
	else
		rbc_say "replaced in $p: $2 -> $3"
	fi
}

# --- Keys of one [section] of an ini-style file (my.cnf, nfs.conf…) -------------------------------
# Each line of LINES_FILE (`key = value`, `key=value`, or a bare `key` flag) is set inside
# [SECTION] of PATH: the line of the same key in that section is replaced (keeping its
# indentation), a missing key goes after the last line of the section; other sections are never
# touched. A missing section is added at the end of the file. Keys compare as written; in a MySQL
# option file (a name ending .cnf) `-` and `_` in a key are the same, as mysqld reads them.
rbc__ini_render() { # PATH SECTION LINES_FILE -> the file as it must be, on stdout
	local norm=0
	case $1 in *.cnf) norm=1 ;; esac
	if [ -f "$1" ]; then set -- "$1" "$2" "$3" "$1"; else set -- "$1" "$2" "$3" /dev/null; fi
	RB_S=$2 RB_N=$norm LC_ALL=C awk "$RBC__AWK_TRIM"'
		function key(l,  k) {
			k = trim(l)
			if (index(k, "=")) k = substr(k, 1, index(k, "=") - 1)
			else sub(/[ \t].*$/, "", k)
			k = trim(k)
			if (norm) gsub(/-/, "_", k)
			return k
		}
		function flush(  i) {
			for (i = 1; i <= n; i++) if (!(k[i] in done)) { print want[i]; done[k[i]] = 1 }
		}
		function held(  i) { for (i = 1; i <= nb; i++) print blank[i]; nb = 0 }
		BEGIN { sec = ENVIRON["RB_S"]; norm = ENVIRON["RB_N"] == 1 }
		FNR == NR { if (trim($0) != "") { n++; want[n] = trim($0); k[n] = key($0) }; next }
		{ t = trim($0) }
		t ~ /^\[.*\]$/ {
			if (insec) flush()
			held()
			insec = (trim(substr(t, 2, length(t) - 2)) == sec)
			if (insec) seen = 1
			print; next
		}
		insec && (t == "" || t ~ /^[#;]/) { blank[++nb] = $0; next }
		insec {
			held()
			kk = key($0)
			for (i = 1; i <= n; i++) if (k[i] == kk) {
				match($0, /^[ \t]*/)
				print substr($0, 1, RLENGTH) want[i]; done[kk] = 1; next
			}
			print; next
		}
		{ held(); print }
		END {
			if (insec) flush()
			held()
			if (!seen) {
				if (NR > n) print ""
				print "[" sec "]"
				flush()
			}
		}' "$3" "$4"
}

# Every key of LINES_FILE is set, as written, in [SECTION] of PATH.
rbc_ini_set_done() { # PATH SECTION LINES_FILE
	rbc__need 3 $# "rbc_ini_set_done PATH SECTION LINES_FILE" || return 2
	local p src
	p=$(rbc__target "$1") || return 1
	src=$(rbc__file_arg "$3") || return 1
	[ -f "$p" ] && rbc__ini_render "$p" "$2" "$src" | cmp -s - "$p"
}

# Set the keys of LINES_FILE in [SECTION] of PATH (see rbc__ini_render); the file is backed up.
rbc_ini_set() { # PATH SECTION LINES_FILE
	rbc__need 3 $# "rbc_ini_set PATH SECTION LINES_FILE" || return 2
	local p src tmp
	p=$(rbc__target "$1") || return 1
	src=$(rbc__file_arg "$3") || return 1
	if rbc_ini_set_done "$p" "$2" "$src"; then
		rbc_say "[$2] of $p already has these settings"
		return 0
	fi
	tmp=$(rbc__tmp_beside "$p") || return 1
	if ! rbc__ini_render "$p" "$2" "$src" >"$tmp"; then
		rm -f "$tmp"
		return 1
	fi
	rbc_backup "$p" || return 1
	rbc__commit "$tmp" "$p" || return 1
	if [ -n "${RBC_SECRET:-}" ]; then
		rbc_say "set $(grep -c . "$src") key(s) in [$2] of $p (a credential: not shown)"
		return 0
	fi
	rbc_say "set in [$2] of $p:"
	sed 's/^/  /' "$src"
}

# --- Blocks of a brace-structured configuration (nginx) --------------------------------------------
# A configuration is read as statements: `name args;` and `header { ... }` blocks, `#` comments and
# quoted strings skipped. A block is known by its header (`upstream api`, `location /x`); a
# `server` block by its server_name and listen values. Contents are compared with comments left
# out and blank space collapsed. The blocks of FILE (whole blocks, each on lines of its own) are
# put in PATH: MODE add puts a missing one before the closing brace of `http` (at the end of a
# file without one); MODE replace replaces the one block with the same name. Either way a block
# with other content (add) or none at all (replace), or two candidates, stop the step: what
# the runbook shows does not match this host, and a person must look.

# shellcheck disable=SC2016 # an awk program: its $ are awk's
RBC__AWK_CONF='
function put(F, c) {
	if (sp[F]) {
		if (st[F] != "") st[F] = st[F] " "
		if (cl[F] != "" && lc[F] != "{" && lc[F] != "}" && lc[F] != ";") cl[F] = cl[F] " "
		sp[F] = 0
	}
	if (st[F] == "") { stl[F] = ln; stpre[F] = lead }
	st[F] = st[F] c; cl[F] = cl[F] c; lc[F] = c
}
function punct(F, c) { cl[F] = cl[F] c; lc[F] = c; sp[F] = 0 }
function open_block(F,   k) {
	k = ++nb[F]
	bh[F, k] = st[F]; bd[F, k] = dep[F]
	bs[F, k] = st[F] == "" ? ln : stl[F]; bpre[F, k] = st[F] == "" ? lead : stpre[F]
	dep[F]++; stk[F, dep[F]] = k
	punct(F, "{"); bcs[F, k] = length(cl[F]) + 1
	st[F] = ""
}
function end_stmt(F,   k, a) {
	if (dep[F] > 0) {
		k = stk[F, dep[F]]
		if (bh[F, k] == "server" && st[F] ~ /^server_name /) sn[F, k] = sn[F, k] " " substr(st[F], 13)
		if (bh[F, k] == "server" && st[F] ~ /^listen /) { split(substr(st[F], 8), a, " "); li[F, k] = li[F, k] " " a[1] }
	}
	punct(F, ";"); st[F] = ""
}
function close_block(F, rest,   k) {
	if (dep[F] == 0) { if (bad[F] == "") bad[F] = "a } without its { at line " ln; return }
	if (st[F] != "") end_stmt(F)
	k = stk[F, dep[F]]
	bce[F, k] = length(cl[F]); punct(F, "}")
	be[F, k] = ln; bcpre[F, k] = lead
	bpost[F, k] = rest ~ /^[ \t\r]*(#.*)?$/
	bid[F, k] = bh[F, k] == "server" ? "server" (sn[F, k] == "" ? "" : " server_name" sn[F, k]) (li[F, k] == "" ? "" : " listen" li[F, k]) : bh[F, k]
	dep[F]--
}
function feed(F, s,   i, c, n) {
	n = length(s); lead = 1
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (q[F] != "") {
			st[F] = st[F] c; cl[F] = cl[F] c; lc[F] = c
			if (c == "\\" && i < n) { i++; c = substr(s, i, 1); st[F] = st[F] c; cl[F] = cl[F] c; lc[F] = c }
			else if (c == q[F]) q[F] = ""
			continue
		}
		if (c == "#" && (sp[F] || st[F] == "")) break
		if (c == " " || c == "\t" || c == "\r") { sp[F] = 1; continue }
		if (c == "{") { open_block(F); lead = 0; continue }
		if (c == "}") { close_block(F, substr(s, i + 1)); lead = 0; continue }
		if (c == ";") { end_stmt(F); lead = 0; continue }
		if (c == "\"" || c == "\047") q[F] = c
		put(F, c); lead = 0
	}
	if (q[F] != "") { st[F] = st[F] "\n"; cl[F] = cl[F] "\n" } else sp[F] = 1
}
function body(F, k) { return substr(cl[F], bcs[F, k], bce[F, k] - bcs[F, k] + 1) }
function indent(s) { match(s, /^[ \t]*/); return substr(s, 1, RLENGTH) }
function block_text(k, prefix,   n, m, i, t, out) {
	m = -1
	for (n = bs[1, k]; n <= be[1, k]; n++) {
		t = L[1, n]; if (t ~ /^[ \t\r]*$/) continue
		i = length(indent(t)); if (m < 0 || i < m) m = i
	}
	out = ""
	for (n = bs[1, k]; n <= be[1, k]; n++) {
		t = L[1, n]; sub(/\r$/, "", t)
		out = out (t ~ /^[ \t]*$/ ? "" : prefix substr(t, m + 1)) "\n"
	}
	return out
}
FNR == 1 { F++ }
{ L[F, FNR] = $0; N[F] = FNR; ln = FNR; feed(F, $0) }
END {
	for (F = 1; F <= 2; F++) {
		if (bad[F] == "" && q[F] != "") bad[F] = "a quote that never closes"
		if (bad[F] == "" && dep[F] != 0) bad[F] = "a { without its }"
	}
	if (bad[1] != "") { print "the blocks to put are not well formed: " bad[1] > rep; exit 4 }
	if (bad[2] != "") { print path " is not well formed (" bad[2] "): rbc does not edit it" > rep; exit 4 }
	http = 0; nh = 0
	for (j = 1; j <= nb[2]; j++) if (bd[2, j] == 0 && bh[2, j] == "http") { http = j; nh++ }
	if (nh > 1) { print path " has " nh " http blocks: rbc cannot tell where blocks go" > rep; exit 3 }
	todo = 0
	for (k = 1; k <= nb[1]; k++) {
		if (bd[1, k] != 0) continue
		id = bid[1, k]; m = 0
		for (j = 1; j <= nb[2]; j++) if (bid[2, j] == id) { m++; at = j }
		if (m > 1) { print path " has " m " blocks `" id "`: rbc cannot tell which one is meant" > rep; exit 3 }
		if (m == 1 && body(2, at) == body(1, k)) { print "`" id "` is already in " path > rep; continue }
		todo++
		if (mode == "check") continue
		if (m == 1 && mode != "replace") { print path " already has a block `" id "` with other content (line " bs[2, at] "): compare it with the runbook by hand" > rep; exit 3 }
		if (m == 0 && mode == "replace") { print path " has no block `" id "` to change" > rep; exit 3 }
		if (!bpre[1, k] || !bpost[1, k]) { print "the block `" id "` does not stand on lines of its own" > rep; exit 4 }
		if (m == 1) {
			if (!bpre[2, at] || !bpost[2, at]) { print "the block `" id "` of " path " (line " bs[2, at] ") shares a line with other text: rbc does not edit it" > rep; exit 3 }
			for (n = bs[2, at]; n <= be[2, at]; n++) if (n in cut) { print "the block `" id "` of " path " overlaps another edit" > rep; exit 3 }
			for (n = bs[2, at] + 1; n <= be[2, at]; n++) cut[n] = 1
			cut[bs[2, at]] = 1; with[bs[2, at]] = block_text(k, indent(L[2, bs[2, at]]))
			print "replaced `" id "` in " path " (line " bs[2, at] ")" > rep
		} else if (http) {
			n = be[2, http]
			if (!bcpre[2, http]) { print "the closing } of http in " path " (line " n ") shares a line with other text: rbc does not edit it" > rep; exit 3 }
			before[n] = before[n] "\n" block_text(k, indent(L[2, n]) "    ")
			print "added `" id "` to the http block of " path > rep
		} else {
			tail = tail "\n" block_text(k, "")
			print "added `" id "` at the end of " path > rep
		}
	}
	if (mode == "check") exit todo ? 1 : 0
	for (n = 1; n <= N[2]; n++) {
		if (n in before) printf "%s", before[n]
		if (!(n in cut)) print L[2, n]
		else if (n in with) printf "%s", with[n]
	}
	if (tail != "") printf "%s", tail
	exit 0
}'

# `nginx -t` of the configuration PATH belongs to: PATH itself when it holds the http or events
# block (the main file), else the default one that includes it. Returns 2 when nginx is absent.
rbc__nginx_test() { # PATH
	command -v nginx >/dev/null 2>&1 || return 2
	if grep -Eq '^[[:space:]]*(http|events)[[:space:]]*(\{|$)' "$1"; then
		nginx -t -c "$1" 2>&1
	else
		nginx -t 2>&1
	fi
}

rbc__is_nginx() { case $1 in *nginx*) return 0 ;; esac; return 1; }

# Every block of FILE is in PATH with the same content.
rbc_conf_blocks_present() { # PATH FILE MODE
	rbc__need 3 $# "rbc_conf_blocks_present PATH FILE add|replace" || return 2
	local p src
	p=$(rbc__target "$1") || return 1
	src=$(rbc__file_arg "$2") || return 1
	[ -f "$p" ] || return 1
	LC_ALL=C awk -v path="$p" -v mode=check -v rep=/dev/null "$RBC__AWK_CONF" "$src" "$p" >/dev/null
}

# Put the blocks of FILE in PATH (see above); for nginx, `nginx -t` must accept the result, or
# PATH is put back as it was and the step fails with nginx's words.
rbc_conf_blocks_put() { # PATH FILE MODE
	rbc__need 3 $# "rbc_conf_blocks_put PATH FILE add|replace" || return 2
	local p src tmp rep prev out rc check before=0
	p=$(rbc__target "$1") || return 1
	src=$(rbc__file_arg "$2") || return 1
	if [ ! -f "$p" ]; then
		rbc__err "$p does not exist"
		return 1
	fi
	tmp=$(rbc__tmp_beside "$p") || return 1
	rep=$(mktemp "${TMPDIR:-/tmp}/rbc-conf.XXXXXX") || return 1
	rc=0
	LC_ALL=C awk -v path="$p" -v mode="$3" -v rep="$rep" "$RBC__AWK_CONF" "$src" "$p" >"$tmp" || rc=$?
	out=$(cat "$rep")
	rm -f "$rep"
	if [ "$rc" != 0 ]; then
		rm -f "$tmp"
		rbc__err "$out"
		return 1
	fi
	if cmp -s "$tmp" "$p"; then
		rm -f "$tmp"
		rbc_say "$out"
		return 0
	fi
	if rbc__is_nginx "$p" && command -v nginx >/dev/null 2>&1; then
		rbc__nginx_test "$p" >/dev/null 2>&1 || before=1
	fi
	rbc_backup "$p" || return 1
	prev=$(rbc__tmp_beside "$p") || return 1
	if ! cp -p "$p" "$prev"; then
		rm -f "$tmp" "$prev"
		return 1
	fi
	rbc__commit "$tmp" "$p" || return 1
	if rbc__is_nginx "$p" && command -v nginx >/dev/null 2>&1; then
		if ! check=$(rbc__nginx_test "$p"); then
			if [ "$before" = 0 ]; then
				mv -f "$prev" "$p"
				rbc__err "nginx -t rejects $p with these blocks; it is as it was:"
				printf '%s\n' "$check" | sed 's/^/  /' >&2
				return 1
			fi
			rbc_say "nginx -t failed before this edit already; not checked:"
			printf '%s\n' "$check" | sed 's/^/  /'
		else
			out="$out (nginx -t: ok)"
		fi
	fi
	rm -f "$prev"
	rbc_say "$out"
}

# --- One XML element (`<configuration>`…`</configuration>`) -----------------------------------------
# FILE holds the element as the runbook shows it, its open tag alone on its first line and
# `</TAG>` alone on its last. PATH must hold exactly one element TAG whose open and close tags
# are alone on their lines (no other line names the tag): its lines from the open tag's to the
# close tag's become FILE's. MODE fill: only when the element holds nothing yet (blank lines
# and comments) or already FILE's lines. The awk prints PATH as it must be (mode put), or exits
# 0 when the element is already FILE's (mode check; 5 in mode put, nothing printed); a refusal is
# said on REP with exit 3.
# shellcheck disable=SC2016 # an awk program: its $ are awk's
RBC__AWK_XML='
function trim(s) { sub(/^[ \t\r]+/, "", s); sub(/[ \t\r]+$/, "", s); return s }
function rtrim(s) { sub(/[ \t\r]+$/, "", s); return s }
# Does text t name the tag (`<TAG`, `</TAG` followed by a space, `>` or `/`, or the end)?
function names(t,   i, rest, c) {
	while ((i = index(t, "<")) > 0) {
		rest = substr(t, i + 1)
		if (substr(rest, 1, 1) == "/") rest = substr(rest, 2)
		if (substr(rest, 1, length(tag)) == tag) {
			c = substr(rest, length(tag) + 1, 1)
			if (c == "" || c == ">" || c == "/" || c == " " || c == "\t") return 1
		}
		t = substr(t, i + 1)
	}
	return 0
}
function is_open(t,   c) {
	if (substr(t, 1, length(tag) + 1) != "<" tag) return 0
	c = substr(t, length(tag) + 2, 1)
	if (c != ">" && c != " " && c != "\t") return 0
	if (substr(t, length(t), 1) != ">" || substr(t, length(t) - 1, 2) == "/>") return 0
	return index(substr(t, 2), "<") == 0
}
FNR == NR { want[++nw] = rtrim($0); next }
{ L[FNR] = $0; N = FNR; t = trim($0) }
!names(t) { next }
is_open(t) { opens++; o = FNR; next }
t == "</" tag ">" { closes++; c = FNR; next }
!odd { odd = FNR }
END {
	if (odd) { print path " names <" tag "> on line " odd " beside other text: rbc replaces only an element whose tags are alone on their lines" > rep; exit 3 }
	if (opens == 0 && closes == 0) { print path " has no <" tag "> element" > rep; exit 3 }
	if (opens != 1 || closes != 1) { print path " has " (opens > closes ? opens : closes) " <" tag "> elements: rbc cannot tell which one is meant" > rep; exit 3 }
	if (c < o) { print path ": </" tag "> (line " c ") comes before <" tag "> (line " o ")" > rep; exit 3 }
	same = (c - o + 1 == nw)
	for (n = o; same && n <= c; n++) if (rtrim(L[n]) != want[n - o + 1]) same = 0
	if (same) { print "<" tag "> of " path " is already as shown" > rep; exit (mode == "check" ? 0 : 5) }
	if (mode == "check") exit 1
	if (mode == "fill") {
		incomment = 0
		for (n = o + 1; n < c; n++) {
			t = trim(L[n])
			if (incomment) { if (index(t, "-->")) { incomment = 0; t = trim(substr(t, index(t, "-->") + 3)) } else continue }
			while (substr(t, 1, 4) == "<!--") {
				if (index(t, "-->")) t = trim(substr(t, index(t, "-->") + 3))
				else { incomment = 1; t = "" }
			}
			if (t != "") { print "<" tag "> of " path " (line " o ") already holds other content (line " n "): compare it with the runbook by hand" > rep; exit 3 }
		}
	}
	cr = (L[o] ~ /\r$/) ? "\r" : ""
	for (n = 1; n < o; n++) print L[n]
	for (n = 1; n <= nw; n++) print want[n] cr
	for (n = c + 1; n <= N; n++) print L[n]
	print "replaced <" tag "> of " path " (lines " o "-" c ") with " nw " line(s)" > rep
	exit 0
}'

# The one element TAG of PATH is already FILE's lines.
rbc_xml_element_present() { # PATH FILE TAG MODE
	rbc__need 4 $# "rbc_xml_element_present PATH FILE TAG replace|fill" || return 2
	local p src
	p=$(rbc__target "$1") || return 1
	src=$(rbc__file_arg "$2") || return 1
	[ -f "$p" ] || return 1
	LC_ALL=C awk -v path="$p" -v tag="$3" -v mode=check -v rep=/dev/null "$RBC__AWK_XML" "$src" "$p" >/dev/null
}

# Make the one element TAG of PATH FILE's lines (see above); a refusal changes nothing. With
# FMODE (0600 for a file that holds a credential) the file has that mode after the edit, set on
# the new copy before it takes the file's place.
rbc_xml_element_put() { # PATH FILE TAG MODE [FMODE]
	rbc__need 4 $# "rbc_xml_element_put PATH FILE TAG replace|fill [FMODE]" || return 2
	local p src tmp rep out rc fmode=${5:-}
	p=$(rbc__target "$1") || return 1
	src=$(rbc__file_arg "$2") || return 1
	if [ ! -f "$p" ]; then
		rbc__err "$p does not exist: rbc replaces an element of an existing file, it does not make one"
		return 1
	fi
	tmp=$(rbc__tmp_beside "$p") || return 1
	rep=$(mktemp "${TMPDIR:-/tmp}/rbc-xml.XXXXXX") || {
		rm -f "$tmp"
		return 1
	}
	rc=0
	LC_ALL=C awk -v path="$p" -v tag="$3" -v mode="$4" -v rep="$rep" "$RBC__AWK_XML" "$src" "$p" >"$tmp" || rc=$?
	out=$(cat "$rep")
	rm -f "$rep"
	if [ "$rc" = 5 ] || { [ "$rc" = 0 ] && cmp -s "$tmp" "$p"; }; then
		rm -f "$tmp"
		if [ -n "$fmode" ] && ! rbc_mode_is "$p" "$fmode" && [ "${RBC__DIFF_ONLY:-0}" != 1 ]; then
			rbc_backup "$p" && chmod "$fmode" "$p" || return 1
		fi
		rbc_say "$out"
		return 0
	fi
	if [ "$rc" != 0 ]; then
		rm -f "$tmp"
		rbc__err "${out:-cannot read $p}; it is as it was"
		return 1
	fi
	rbc_backup "$p" || {
		rm -f "$tmp"
		return 1
	}
	rbc__commit "$tmp" "$p" "$fmode" || return 1
	rbc_say "$out"
}

# --- Whole files, modes ------------------------------------------------------------------------------

# PATH has mode MODE: octal (0600) or symbolic (u+x), as chmod takes it.
rbc_mode_is() { # PATH MODE
	rbc__need 2 $# "rbc_mode_is PATH MODE" || return 2
	local p=$1 scratch probe rc
	rbc__exists "$p" || return 1
	case $2 in
	'' | *[!0-7]*) ;;
	*)
		[ "$((8#$(stat -c %a "$p")))" -eq "$((8#$2))" ]
		return
		;;
	esac
	# Symbolic: apply it to a probe with the same mode and compare.
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/rbc-mode.XXXXXX") || return 1
	if [ -d "$p" ]; then
		probe=$scratch/d
		mkdir "$probe"
	else
		probe=$scratch/f
		: >"$probe"
	fi
	chmod --reference="$p" "$probe" && chmod "$2" "$probe" &&
		[ "$(stat -c %a "$probe")" = "$(stat -c %a "$p")" ]
	rc=$?
	rm -rf "$scratch"
	return $rc
}

rbc_chmod() { # PATH MODE
	rbc__need 2 $# "rbc_chmod PATH MODE" || return 2
	local p
	p=$(rbc__abs "$1")
	if rbc_mode_is "$p" "$2"; then
		rbc_say "$p already has mode $2"
		return 0
	fi
	if ! rbc__exists "$p"; then
		rbc__err "$p does not exist"
		return 1
	fi
	rbc_backup "$p" || return 1
	if [ "${RBC__DIFF:-0}" = 1 ]; then
		printf 'mode of %s: %s, after this step: chmod %s\n' "$p" "$(stat -c %a "$p")" "$2"
	fi
	if [ "${RBC__DIFF_ONLY:-0}" = 1 ]; then return 0; fi
	chmod "$2" "$p" || return 1
	rbc_say "chmod $2 $p"
}

# PATH has exactly CONTENT_FILE's bytes (and MODE when given).
rbc_file_matches() { # PATH CONTENT_FILE [MODE]
	rbc__need 2 $# "rbc_file_matches PATH CONTENT_FILE [MODE]" || return 2
	local p src
	p=$(rbc__target "$1") || return 1
	src=$(rbc__file_arg "$2") || return 1
	[ -f "$p" ] && cmp -s "$src" "$p" || return 1
	[ -z "${3:-}" ] || rbc_mode_is "$p" "$3"
}

# Write PATH with CONTENT_FILE's bytes. MODE for a new file or to change it (0600 for secrets:
# the content is never readable by others, not even for a moment); else the old file's mode.
rbc_write_file() { # PATH CONTENT_FILE [MODE]
	rbc__need 2 $# "rbc_write_file PATH CONTENT_FILE [MODE]" || return 2
	local p src tmp
	p=$(rbc__target "$1") || return 1
	src=$(rbc__file_arg "$2") || return 1
	if rbc_file_matches "$p" "$src" ${3:+"$3"}; then
		rbc_say "$p is already as it should be"
		return 0
	fi
	if rbc__exists "$p" && [ ! -f "$p" ]; then
		rbc__err "$p is not a regular file"
		return 1
	fi
	rbc_backup "$p" || return 1
	tmp=$(rbc__tmp_beside "$p") || return 1
	if ! cat "$src" >"$tmp"; then
		rm -f "$tmp"
		return 1
	fi
	rbc__commit "$tmp" "$p" ${3:+"$3"} || return 1
	rbc_say "wrote $p${3:+ (mode $3)}"
}

# --- Directories ---------------------------------------------------------------------------------------
# $STATE/created: "mkdir<TAB>PATH<TAB>DIR" for each directory rbc_mkdir PATH created.

rbc_dir_present() { # PATH [MODE]
	rbc__need 1 $# "rbc_dir_present PATH [MODE]" || return 2
	[ -d "$1" ] || return 1
	[ -z "${2:-}" ] || rbc_mode_is "$1" "$2"
}

# mkdir -p PATH, remembering which directories it created so rbc_mkdir_undo removes just those.
rbc_mkdir() { # PATH [MODE]
	rbc__need 1 $# "rbc_mkdir PATH [MODE]" || return 2
	local p d list='' sd
	p=$(rbc__abs "$1")
	if rbc_dir_present "$p" ${2:+"$2"}; then
		rbc_say "$p already exists"
		return 0
	fi
	if [ -d "$p" ]; then
		rbc_chmod "$p" "$2"
		return
	fi
	if rbc__exists "$p"; then
		rbc__err "$p exists and is not a directory"
		return 1
	fi
	sd=$(rbc__state_dir) || return 1
	d=$p
	while [ ! -d "$d" ]; do
		list="$d"$'\n'"$list"
		d=$(rbc__dirname "$d")
	done
	while IFS= read -r d; do
		if [ -n "$d" ]; then printf 'mkdir\t%s\t%s\n' "$p" "$d"; fi
	done <<<"$list" >>"$sd/created" || return 1
	mkdir -p "$p" || return 1
	if [ -n "${2:-}" ]; then chmod "$2" "$p" || return 1; fi
	rbc_say "created directory $p"
}

# Remove the directories rbc_mkdir PATH created, innermost first, when empty.
rbc_mkdir_undo() { # PATH
	rbc__need 1 $# "rbc_mkdir_undo PATH" || return 2
	local p sd dirs d
	p=$(rbc__abs "$1")
	sd=$(rbc__state_dir) || return 1
	if [ -f "$sd/created" ]; then
		dirs=$(P=$p LC_ALL=C awk -F '\t' '$1 == "mkdir" && $2 == ENVIRON["P"] { print $3 }' "$sd/created" | LC_ALL=C sort -ru)
		while IFS= read -r d; do
			if [ -z "$d" ] || [ ! -d "$d" ]; then continue; fi
			if rbc__chapter_owns "$d"; then
				rbc_say "$d: left to the runbook's rollback chapter"
				continue
			fi
			if rmdir "$d" 2>/dev/null; then
				rbc_say "removed directory $d"
			else
				rbc_warn "$d is not empty; left in place"
			fi
		done <<<"$dirs"
		P=$p LC_ALL=C awk -F '\t' '!($1 == "mkdir" && $2 == ENVIRON["P"])' "$sd/created" >"$sd/created.new" &&
			mv -f "$sd/created.new" "$sd/created"
	fi
	if [ -n "$(rbc__bk_get "$p")" ]; then rbc_restore "$p"; fi
	return 0
}

# --- Renames ---------------------------------------------------------------------------------------------

rbc_renamed() { # FROM TO
	rbc__need 2 $# "rbc_renamed FROM TO" || return 2
	! rbc__exists "$(rbc__abs "$1")" && rbc__exists "$(rbc__abs "$2")"
}

# Did run.sh's step ID make something (the journal at the end of the last rollback's undo:
# changed, or confirmed when a person did it)?
rbc__run_made() { # id
	[ -f "$RBC__STATE/run-done" ] && grep -qxF "$1" "$RBC__STATE/run-done"
}

# A free name beside PATH to move it aside to: PATH_failed, else PATH_failed_<time>.
rbc__aside_name() { # path
	if rbc__exists "$1_failed"; then printf '%s_failed_%s' "$1" "$(date +%Y%m%d%H%M%S)"; else printf '%s_failed' "$1"; fi
}

# mv FROM TO, never into an existing directory: when TO exists it refuses, except that a file
# replaces a file (the replaced one is backed up; rbc_rename_undo puts it back). In the rollback
# chapter, a folder TO that run.sh's step OWNER made (the new version, unpacked by rbc or by hand)
# is moved aside to TO_failed first; any other TO is refused with the command that moves it aside.
rbc_rename() { # FROM TO [OWNER]
	rbc__need 2 $# "rbc_rename FROM TO [OWNER]" || return 2
	local f t owner=${3:-} aside
	f=$(rbc__abs "$1")
	t=$(rbc__abs "$2")
	if [ "${RBC__MODE:-}" = rollback ] && [ -d "$t" ] && [ ! -L "$t" ] && rbc__exists "$f"; then
		aside=$(rbc__aside_name "$t")
		if [ -n "$owner" ] && rbc__run_made "$owner"; then
			rbc_say "$t is the run's own (step $owner of run.sh made it): it is moved aside to $aside so that $f can go back"
			mv -T -- "$t" "$aside" || return 1
			rbc__left_add "the new version rbc moved aside to $aside (it was at $t): remove it once it is not needed (rm -rf $(printf '%q' "$aside"))"
		else
			rbc__err "refusing to rename $f to $t: $t already exists (mv would put one inside the other)"
			rbc__err "$t is probably the new version this change put there. Move it aside first, then run ./rollback.sh again:"
			rbc__err "  mv $(printf '%q' "$t") $(printf '%q' "$aside")"
			return 1
		fi
	fi
	if rbc_renamed "$f" "$t"; then
		rbc_say "$f is already renamed to $t"
		return 0
	fi
	if ! rbc__exists "$f"; then
		rbc__err "cannot rename $f: it does not exist"
		return 1
	fi
	if rbc__exists "$t"; then
		if [ -d "$t" ] || [ -d "$f" ]; then
			rbc__err "refusing to rename $f to $t: $t already exists (mv would put one inside the other)"
			return 1
		fi
		rbc_backup "$t" || return 1
		rbc_say "$t exists; it is replaced (a backup is kept)"
	fi
	if [ ! -d "$(rbc__dirname "$t")" ]; then
		rbc__err "cannot rename $f to $t: $(rbc__dirname "$t") does not exist"
		return 1
	fi
	mv -T -- "$f" "$t" || return 1
	rbc_say "renamed $f -> $t"
}

# Rename TO back to FROM, refusing when FROM exists again; restore a file TO replaced.
rbc_rename_undo() { # FROM TO
	rbc__need 2 $# "rbc_rename_undo FROM TO" || return 2
	local f t
	f=$(rbc__abs "$1")
	t=$(rbc__abs "$2")
	if rbc__chapter_owns "$f" || rbc__chapter_owns "$t"; then
		rbc_say "$t -> $f: left to the runbook's rollback chapter"
		return 0
	fi
	if ! rbc__exists "$t"; then
		if rbc__exists "$f"; then
			rbc_say "$f is already back"
		else
			rbc_warn "neither $f nor $t exists; nothing to rename back"
		fi
	elif rbc__exists "$f"; then
		rbc__err "refusing to rename $t back to $f: $f exists again (undo what re-created it first)"
		return 1
	else
		mv -T -- "$t" "$f" || return 1
		rbc_say "renamed $t -> $f"
	fi
	if [ -n "$(rbc__bk_get "$t")" ]; then rbc_restore "$t"; fi
	return 0
}

# --- Archives --------------------------------------------------------------------------------------------
# $STATE/extract/KEY.{info,created,top,stamp,state} per (archive, directory).

rbc__tar_flag() {
	case $1 in
	*.tar.gz | *.tgz) printf -- -z ;;
	*.tar.bz2 | *.tbz2 | *.tbz) printf -- -j ;;
	*.tar.xz | *.txz) printf -- -J ;;
	esac
}

# Top-level entries of an archive, one a line.
rbc__tar_top() { # archive
	local list flag
	flag=$(rbc__tar_flag "$1")
	list=$(tar -t ${flag:+"$flag"} -f "$1") || return 1
	printf '%s\n' "$list" | LC_ALL=C awk '{
		p = $0; while (sub(/^\.\//, "", p)) {}; sub(/^\/+/, "", p)
		i = index(p, "/"); if (i) p = substr(p, 1, i - 1)
		if (p != "" && p != "." && p != ".." && !(p in seen)) { seen[p] = 1; print p } }'
}

rbc__extract_base() { # abs-archive abs-dir
	local sd key
	sd=$(rbc__state_dir) || return 1
	key=$(printf '%s\n%s\n' "$1" "$2" | sha256sum | cut -c1-16)
	printf '%s/extract/%s' "$sd" "$key"
}

# Every top-level entry of ARCHIVE exists in DIR, and no extraction by rbc was cut short.
rbc_extracted() { # ARCHIVE DIR
	rbc__need 2 $# "rbc_extracted ARCHIVE DIR" || return 2
	local a d base top e
	a=$(rbc__abs "$1")
	d=$(rbc__abs "$2")
	base=$(rbc__extract_base "$a" "$d") || return 1
	if [ -f "$base.state" ] && [ "$(cat "$base.state")" != 'done' ]; then return 1; fi
	if [ -f "$base.top" ] && { [ ! -f "$a" ] || [ "$(stat -c '%s %Y' "$a")" = "$(cat "$base.stamp" 2>/dev/null)" ]; }; then
		top=$(cat "$base.top")
	elif [ -f "$a" ]; then
		top=$(rbc__tar_top "$a") || return 1
	else
		return 1
	fi
	[ -n "$top" ] || return 1
	while IFS= read -r e; do
		rbc__exists "$d/$e" || return 1
	done <<<"$top"
}

# tar -xf ARCHIVE -C DIR (compression by name, tar 1.23 flags), remembering the top-level entries
# it creates so rbc_extract_undo removes just those.
rbc_extract() { # ARCHIVE DIR
	rbc__need 2 $# "rbc_extract ARCHIVE DIR" || return 2
	local a d base top e flag
	a=$(rbc__abs "$1")
	d=$(rbc__abs "$2")
	if rbc_extracted "$a" "$d"; then
		rbc_say "$a is already extracted in $d"
		return 0
	fi
	if [ ! -f "$a" ]; then
		rbc__err "archive not found: $a"
		return 1
	fi
	if [ ! -d "$d" ]; then
		rbc__err "directory not found: $d"
		return 1
	fi
	base=$(rbc__extract_base "$a" "$d") || return 1
	if ! top=$(rbc__tar_top "$a") || [ -z "$top" ]; then
		rbc__err "cannot list $a (damaged or empty archive?)"
		return 1
	fi
	mkdir -p "$(rbc__dirname "$base")" || return 1
	printf 'archive\t%s\ndir\t%s\n' "$a" "$d" >"$base.info"
	{
		if [ -f "$base.created" ]; then cat "$base.created"; fi
		while IFS= read -r e; do
			rbc__exists "$d/$e" || printf '%s\n' "$e"
		done <<<"$top"
	} | LC_ALL=C sort -u >"$base.created.new" && mv -f "$base.created.new" "$base.created" || return 1
	printf 'started\n' >"$base.state"
	flag=$(rbc__tar_flag "$a")
	tar -x ${flag:+"$flag"} -f "$a" -C "$d" || return 1
	printf '%s\n' "$top" >"$base.top"
	stat -c '%s %Y' "$a" >"$base.stamp"
	printf 'done\n' >"$base.state"
	rbc_say "extracted $a in $d: $(printf '%s' "$top" | tr '\n' ' ')"
}

# Remove what rbc_extract ARCHIVE DIR created (top-level entries that did not exist before).
rbc_extract_undo() { # ARCHIVE DIR
	rbc__need 2 $# "rbc_extract_undo ARCHIVE DIR" || return 2
	local a d base e created victim
	a=$(rbc__abs "$1")
	d=$(rbc__abs "$2")
	base=$(rbc__extract_base "$a" "$d") || return 1
	if [ ! -f "$base.created" ]; then
		rbc_say "nothing was extracted from $a in $d by rbc"
		return 0
	fi
	created=$(LC_ALL=C sort -r "$base.created")
	while IFS= read -r e; do
		case $e in '' | . | .. | */*) continue ;; esac
		victim="${d%/}/$e"
		if rbc__chapter_owns "$victim"; then
			rbc_say "$victim: left to the runbook's rollback chapter"
			continue
		fi
		if rbc__exists "$victim"; then
			rm -rf -- "$victim" || return 1
			rbc_say "removed $victim"
		fi
	done <<<"$created"
	rm -f "$base.info" "$base.created" "$base.top" "$base.stamp" "$base.state"
}

# --- Processes --------------------------------------------------------------------------------------------
# PATTERN is an extended regular expression matched against whole command lines (like pgrep -f).
# rbc's own processes (this runner, its subshells) never match.

# "PID ARGS" of each matching process, one a line. Left out: this shell and its ancestors (the
# runner, sudo, the login shell), everything the runner ($$) started (subshells, pipelines, the
# output follower), processes with an ancestor's command line (forked copies), and zombies.
rbc_proc_list() { # PATTERN
	rbc__need 1 $# "rbc_proc_list PATTERN" || return 2
	ps -ww -eo pid=,ppid=,stat=,args= 2>/dev/null | RB_P=$1 RB_SELF=$BASHPID RB_ROOT=$$ LC_ALL=C awk '
		{ pid = $1; ppid[pid] = $2; zombie[pid] = ($3 ~ /^Z/); a = $0
		  sub(/^[ \t]*[0-9]+[ \t]+[0-9]+[ \t]+[^ \t]+[ \t]*/, "", a); args[pid] = a; order[++n] = pid }
		END {
			self = ENVIRON["RB_SELF"]; root = ENVIRON["RB_ROOT"]
			for (p = self; p != "" && p != "0" && !(p in anc); p = ppid[p]) { anc[p] = 1; ancargs[args[p]] = 1 }
			for (i = 1; i <= n; i++) {
				p = order[i]
				if ((p in anc) || (args[p] in ancargs) || zombie[p]) continue
				mine = 0; depth = 0
				for (q = ppid[p]; q != "" && q != "0" && depth++ < 100; q = ppid[q]) if (q == root || q == self) { mine = 1; break }
				if (mine) continue
				if (args[p] ~ ENVIRON["RB_P"]) print p " " args[p]
			}
		}'
}

rbc_proc_running() { # PATTERN
	rbc__need 1 $# "rbc_proc_running PATTERN" || return 2
	[ -n "$(rbc_proc_list "$1")" ]
}

rbc__pid_alive() { # pid: exists and is not a zombie
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case $st in '' | Z*) return 1 ;; esac
	return 0
}

# Show the processes matching PATTERN, send them SIGNAL (default TERM), wait up to WAIT seconds
# (default RBC_STOP_WAIT or 30) for them to end. Fails when one is still there.
rbc_stop_procs() { # PATTERN [SIGNAL] [WAIT] [one]
	rbc__need 1 $# "rbc_stop_procs PATTERN [SIGNAL] [WAIT] [one]" || return 2
	local sig=${2:-TERM} wait=${3:-${RBC_STOP_WAIT:-30}} one=${4:-} list pids pid alive i n
	sig=${sig#-}
	sig=${sig#SIG}
	sig=${sig^^}
	list=$(rbc_proc_list "$1")
	if [ -z "$list" ]; then
		rbc_say "no process matches '$1'"
		return 0
	fi
	# SIGKILL is the runbook's last resort after a shutdown script: give the processes a grace
	# period (RBC_STOP_GRACE, 10 s) to end on their own first.
	if [ "$sig" = KILL ] || [ "$sig" = 9 ]; then
		for ((i = 0; i < ${RBC_STOP_GRACE:-10}; i++)); do
			sleep 1
			list=$(rbc_proc_list "$1")
			if [ -z "$list" ]; then
				rbc_say "the processes matching '$1' ended on their own"
				return 0
			fi
		done
	fi
	# A common program (`grep java`): this application's process only when it is the only one.
	n=$(printf '%s\n' "$list" | grep -c .)
	if [ "$one" = one ] && [ "$n" -gt 1 ]; then
		rbc__err "$n processes match '$1'; rbc does not tell which one is this application's:"
		printf '  %s\n' "$list" >&2
		rbc__err "stop this application's process by hand (kill -s $sig <PID>), then run again"
		return 1
	fi
	rbc_say "sending SIG$sig to the processes matching '$1':"
	printf '  %s\n' "$list"
	pids=$(printf '%s\n' "$list" | cut -d ' ' -f 1)
	for pid in $pids; do
		kill -s "$sig" "$pid" 2>/dev/null || true
	done
	for ((i = 0; ; i++)); do
		alive=
		for pid in $pids; do
			if rbc__pid_alive "$pid"; then alive="$alive $pid"; fi
		done
		if [ -z "$alive" ]; then
			rbc_say "stopped"
			return 0
		fi
		[ "$i" -lt "$wait" ] || break
		sleep 1
	done
	rbc__err "still running after ${wait}s:$alive"
	return 1
}

# Start CMD in DIR in the background, detached (nohup, setsid, output to DIR/nohup.out), unless
# PATTERN already runs; then watch it for RBC_START_WAIT seconds (default 5) to see it stay up.
rbc_start_detached() { # PATTERN DIR CMD...
	rbc__need 3 $# "rbc_start_detached PATTERN DIR CMD..." || return 2
	local pat=$1 dir wait=${RBC_START_WAIT:-5} i seen=0
	dir=$(rbc__abs "$2")
	shift 2
	if rbc_proc_running "$pat"; then
		rbc_say "already running:"
		rbc_proc_list "$pat" | sed 's/^/  /'
		return 0
	fi
	if [ ! -d "$dir" ]; then
		rbc__err "directory not found: $dir"
		return 1
	fi
	rbc_say "starting in $dir: $*"
	(
		cd "$dir" || exit 1
		if command -v setsid >/dev/null 2>&1; then
			setsid nohup "$@" >>nohup.out 2>&1 </dev/null &
		else
			nohup "$@" >>nohup.out 2>&1 </dev/null &
		fi
	) || return 1
	for ((i = 0; i < wait; i++)); do
		sleep 1
		if rbc_proc_running "$pat"; then
			seen=1
		elif [ "$seen" = 1 ]; then
			break
		fi
	done
	if rbc_proc_running "$pat"; then
		rbc_say "running:"
		rbc_proc_list "$pat" | sed 's/^/  /'
		return 0
	fi
	rbc__err "'$pat' is not running ${wait}s after the start; the end of $dir/nohup.out:"
	tail -n 20 "$dir/nohup.out" >&2 2>/dev/null || true
	return 1
}

# --- Logs ---------------------------------------------------------------------------------------------------

# A bounded look at a log instead of tail -f: the last LINES lines (default 50). With PATTERN
# (extended regex), wait up to TIMEOUT seconds (default 60) for it to show in those lines.
rbc_tail() { # PATH [LINES] [PATTERN] [TIMEOUT]
	rbc__need 1 $# "rbc_tail PATH [LINES] [PATTERN] [TIMEOUT]" || return 2
	local p lines=${2:-50} pat=${3:-} timeout=${4:-60} i
	p=$(rbc__abs "$1")
	if [ -z "$pat" ]; then
		for ((i = 0; i < ${RBC_TAIL_WAIT:-10}; i++)); do
			[ -e "$p" ] && break
			sleep 1
		done
		if [ ! -e "$p" ]; then
			rbc__err "$p does not exist"
			return 1
		fi
		rbc_say "--- the last $lines lines of $p ---"
		tail -n "$lines" "$p"
		return 0
	fi
	for ((i = 0; ; i++)); do
		if [ -f "$p" ] && tail -n "$lines" "$p" | grep -E -q -- "$pat"; then
			rbc_say "--- $p shows '$pat'; its last $lines lines: ---"
			tail -n "$lines" "$p"
			return 0
		fi
		[ "$i" -lt "$timeout" ] || break
		sleep 1
	done
	rbc__err "'$pat' did not show in the last $lines lines of $p within ${timeout}s"
	if [ -f "$p" ]; then tail -n "$lines" "$p" >&2; fi
	return 1
}

# --- Changes since a mark ----------------------------------------------------------------------------------
# $STATE/marks/TAG: "SHA256<TAB>PATH" a line. For "restart the service only if its files changed".

rbc__mark_file() { # tag
	local sd
	sd=$(rbc__state_dir) || return 1
	printf '%s/marks/%s' "$sd" "${1//[!A-Za-z0-9._-]/_}"
}

rbc__sum() { # path
	if [ -d "$1" ]; then
		printf 'directory'
	elif [ -f "$1" ]; then
		sha256sum <"$1" | cut -c1-64
	else
		printf 'absent'
	fi
}

# PATH differs from when rbc_mark PATH TAG last ran (or was never marked).
rbc_changed_since() { # PATH TAG
	rbc__need 2 $# "rbc_changed_since PATH TAG" || return 2
	local p f was
	p=$(rbc__abs "$1")
	f=$(rbc__mark_file "$2") || return 1
	was=
	if [ -f "$f" ]; then was=$(P=$p LC_ALL=C awk -F '\t' '$2 == ENVIRON["P"] { s = $1 } END { print s }' "$f"); fi
	[ "$was" != "$(rbc__sum "$p")" ]
}

# Remember PATH as it is now under TAG.
rbc_mark() { # PATH TAG
	rbc__need 2 $# "rbc_mark PATH TAG" || return 2
	local p f sum
	p=$(rbc__abs "$1")
	f=$(rbc__mark_file "$2") || return 1
	sum=$(rbc__sum "$p")
	mkdir -p "$(rbc__dirname "$f")" || return 1
	{
		if [ -f "$f" ]; then P=$p LC_ALL=C awk -F '\t' '$2 != ENVIRON["P"]' "$f"; fi
		printf '%s\t%s\n' "$sum" "$p"
	} >"$f.new" && mv -f "$f.new" "$f"
}
