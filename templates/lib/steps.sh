# shellcheck shell=bash disable=SC2016
# (SC2016: the single-quoted scripts below are run by `bash -c`; they expand there, on purpose.)
# rbc step helpers: what generated step scripts call besides the runtime's primitives (lib/rbc.sh).
# Sourced by every step script; bash 4.1 / coreutils 8.4.

# Run one runbook command as an operator's login shell would: /etc/profile loaded, from DIR.
# RBC__CMD names the command for the runner's failure line (`rbc: failed (exit 1): COMMAND`).
# shellcheck disable=SC2034  # read by the runner's ERR trap (lib/rbc.sh, rbc__on_err)
rbc_sh() { # DIR COMMAND
	local rc=0
	RBC__CMD=$2
	bash -c 'set +eu; [ -r /etc/profile ] && . /etc/profile >/dev/null 2>&1; cd "$1" || exit 1; eval "$2"' rbc-step "$1" "$2" || rc=$?
	[ "$rc" != 0 ] || RBC__CMD=
	return "$rc"
}

# A file that is to hold a credential is 0600 before the credential goes in: an existing one is
# made 0600 (its backup keeps the old mode), a missing one is created empty with mode 0600.
rbc_secret_file() { # PATH
	if [ -e "$1" ]; then
		chmod 0600 "$1"
	elif [ -d "$(dirname "$1")" ]; then
		(umask 077 && : >>"$1")
	fi
}

# As rbc_sh, for a look whose last stage is grep: no matching line (exit 1) is an answer.
rbc_sh_grep() { # DIR COMMAND
	local rc=0
	rbc_sh "$1" "$2" || rc=$?
	[ "$rc" != 1 ] || RBC__CMD=
	if [ "$rc" = 1 ]; then
		rbc_say "(no matching line)"
		return 0
	fi
	return "$rc"
}

# As rbc_sh, but a pipeline fails when any of its stages fails (`mysqldump … | gzip > F`).
rbc_sh_pipefail() { # DIR COMMAND
	rbc_sh "$1" "set -o pipefail
$2"
}

# The package in an rpm file is installed. Its name is remembered, so the check still works
# when the rpm file has been removed after the install.
rbc_rpm_installed() { # RPM_FILE
	local memo name
	memo="${RBC_STATE_DIR:-/tmp}/rpm-names/$(printf '%s' "$1" | tr '/' '_')"
	if [ -r "$1" ]; then
		name=$(rpm -qp --qf '%{NAME}' "$1" 2>/dev/null) || name=
		if [ -n "$name" ]; then
			mkdir -p "${memo%/*}" && printf '%s\n' "$name" >"$memo"
		fi
	fi
	[ -n "${name:-}" ] || name=$(cat "$memo" 2>/dev/null) || return 1
	[ -n "$name" ] && rpm -q "$name" >/dev/null 2>&1
}

# A process other than rbc's own works in DIR (its current directory is DIR).
rbc_running_in() { # DIR
	local dir=$1 p cwd
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = "$$" ] && continue
		[ "${p#/proc/}" = "$BASHPID" ] && continue
		cwd=$(readlink "$p/cwd" 2>/dev/null) || continue
		[ "$cwd" = "$dir" ] || continue
		# a zombie or rbc's own helper shells do not count
		grep -q '^State:[[:space:]]*Z' "$p/status" 2>/dev/null && continue
		grep -q 'rbc-step' "$p/cmdline" 2>/dev/null && continue
		return 0
	done
	return 1
}

# `nohup COMMAND &` from DIR: start it detached, output to DIR/nohup.out, and see it stay up.
rbc_start_in() { # DIR COMMAND
	local dir=$1 cmd=$2 wait=${RBC_START_WAIT:-5} i=0
	cd "$dir" || return 1
	nohup setsid bash -c 'set +eu; [ -r /etc/profile ] && . /etc/profile >/dev/null 2>&1; eval "$1"' rbc-start "$cmd" >>nohup.out 2>&1 </dev/null &
	while [ "$i" -lt "$wait" ]; do
		sleep 1
		i=$((i + 1))
		rbc_running_in "$dir" || break
	done
	rbc_running_in "$dir" || {
		rbc_say "nothing runs in $dir after starting it; the end of $dir/nohup.out:"
		tail -n 20 nohup.out 2>/dev/null
		return 1
	}
}

# The pids of what a start step started, one a line, recognised as the step recognises it: `dir`
# the processes working in DIR (as rbc_running_in), `pattern` those matching PATTERN.
rbc__started_pids() { # dir|pattern MATCH
	local p
	if [ "$1" != dir ]; then
		rbc_proc_list "$2" | cut -d ' ' -f 1
		return 0
	fi
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = "$$" ] && continue
		[ "${p#/proc/}" = "$BASHPID" ] && continue
		[ "$(readlink "$p/cwd" 2>/dev/null)" = "$2" ] || continue
		grep -q '^State:[[:space:]]*Z' "$p/status" 2>/dev/null && continue
		grep -q 'rbc-step' "$p/cmdline" 2>/dev/null && continue
		printf '%s\n' "${p#/proc/}"
	done
	return 0
}

# After a start: what the run started (the command, its folder, how it is recognised, its pids)
# goes into the journal as the note of the step's `changed`, for rollback.sh and for people.
rbc_started() { # dir|pattern MATCH DIR COMMAND
	local pids
	pids=$(rbc__started_pids "$1" "$2" | tr '\n' ' ')
	pids=${pids% }
	if [ -n "${RBC__TMP:-}" ]; then
		printf 'started: %s (in %s; recognised by %s %s; pids %s)\n' "$4" "$3" "$1" "$2" "${pids:-none}" >"$RBC__TMP/started"
	fi
	return 0
}

# The pids of a list still alive after up to WAIT seconds.
rbc__still_alive() { # "PIDS" WAIT
	local i pid alive
	for ((i = 0; ; i++)); do
		alive=
		for pid in $1; do
			if rbc__pid_alive "$pid"; then alive="$alive $pid"; fi
		done
		if [ -z "$alive" ] || [ "$i" -ge "$2" ]; then break; fi
		sleep 1
	done
	printf '%s' "${alive# }"
}

# rollback.sh's undo of a start: stop what the run started (recognised as the start recognised
# it) before its files are put back: with the runbook's own stop command when it has one, else
# SIGTERM to its pids. Fails while one is left, so nothing of it is removed under it.
rbc_stop_started() { # dir|pattern MATCH DIR COMMAND [STOP-COMMAND STOP-DIR]
	local how=$1 match=$2 dir=$3 cmd=$4 stop=${5:-} sdir=${6:-$3} pids left wait=${RBC_STOP_WAIT:-30}
	pids=$(rbc__started_pids "$how" "$match" | tr '\n' ' ')
	pids=${pids% }
	if [ -z "$pids" ]; then
		rbc_say "not running: $cmd (started by the run in $dir)"
		return 0
	fi
	rbc_say "still running: $cmd, started by the run in $dir (pids $pids); it is stopped before its files are put back"
	left=$pids
	if [ -n "$stop" ]; then
		rbc_say "stopping it the runbook's way: $stop"
		if ! rbc_sh "$sdir" "$stop"; then
			RBC__CMD=
			rbc_say "($stop did not succeed)"
		fi
		left=$(rbc__still_alive "$pids" "$wait")
	fi
	if [ -n "$left" ]; then
		rbc_say "sending SIGTERM to $left"
		# shellcheck disable=SC2086  # a list of pids
		kill -s TERM $left 2>/dev/null || true
		left=$(rbc__still_alive "$left" "$wait")
	fi
	if [ -n "$left" ]; then
		rbc__err "still running after ${wait}s: $cmd (pids $left)"
		rbc__err "stop it yourself: kill -9 $left (or the application's own stop command); then run ./rollback.sh again (its files are not touched while it runs)"
		return 1
	fi
	rbc_say "stopped: $cmd"
}

# rollback.sh's undo of a restart: once the undo of the steps has put FILE back, the service is
# restarted (or reloaded) again, so it runs with what is on disk (rbc__after_undo in lib/rbc.sh).
rbc_restart_after_undo() { # SERVICE ACTION TAG FILE
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RBC_STATE_DIR/after-undo"
	rbc_say "service $1 $2 again once the rollback has put $4 back"
}

# Before restarting a service whose configuration rbc changed: check the file where a checker
# exists (iptables-restore --test, nginx -t). Other services: nothing to check.
rbc_validate() { # SERVICE FILE
	case $1 in
	iptables)
		if command -v iptables-restore >/dev/null 2>&1; then
			iptables-restore --test <"$2" || {
				rbc_say "$2 does not load (iptables-restore --test); the firewall is not restarted"
				return 1
			}
		fi
		;;
	nginx)
		if command -v nginx >/dev/null 2>&1; then
			nginx -t -c "$2" || return 1
		fi
		;;
	esac
	return 0
}

# The runbook's SQL client line with statements from FILE. With RBC_MYSQL_CNF (an option file
# holding the password) a bare -p is dropped and the file is read instead of prompting.
rbc_sql() { # CLIENT DB FILE [EXTRA-OPTION...]
	local client=$1 db=$2 file=$3 prog rest
	shift 3
	read -r prog rest <<<"$client"
	if [ -n "${RBC_MYSQL_CNF:-}" ] && [ -r "$RBC_MYSQL_CNF" ]; then
		rest=" $rest "
		rest=${rest// -p / }
		rest="--defaults-extra-file=$(printf '%q' "$RBC_MYSQL_CNF") $rest"
	fi
	local rc=0
	RBC__CMD="$client${db:+ $db} < the statements of this step"
	bash -c 'set +eu; [ -r /etc/profile ] && . /etc/profile >/dev/null 2>&1; eval "$1"' rbc-step \
		"$prog $rest $* ${db:+$(printf '%q' "$db")} <$(printf '%q' "$file")" || rc=$?
	[ "$rc" != 0 ] || RBC__CMD=
	return "$rc"
}

# The label of each statement of FILE, one a line: `TABLE` of its first `from TABLE`, else the
# statement's first 60 characters. Statements end with `;`.
rbc_sql_labels() { # FILE
	tr '\n' ' ' <"$1" | tr ';' '\n' | awk '
		{ gsub(/[ \t\r]+/, " "); sub(/^ /, ""); sub(/ $/, ""); if ($0 == "") next
		  l = tolower($0); i = index(l, " from ")
		  if (i > 0) { t = substr($0, i + 6); sub(/[ (].*/, "", t); print t } else print substr($0, 1, 60) }'
}

# Counting queries: every count printed must be 0. Each count is shown with its table, and a
# count that is not 0 is named.
rbc_sql_zero() { # CLIENT DB FILE
	local out line label bad='' n=0
	local -a labels=()
	out=$(rbc_sql "$1" "$2" "$3" -N -B) || return 1
	while IFS= read -r label; do labels+=("$label"); done <<<"$(rbc_sql_labels "$3")"
	while IFS= read -r line; do
		[ -z "$line" ] && continue
		label=${labels[$n]:-query $((n + 1))}
		n=$((n + 1))
		line=$(printf '%s' "$line" | tr -s ' \t' ' ')
		if [ "$line" = 0 ]; then
			rbc_say "$(printf '%-6s %s' 0 "$label")"
		else
			rbc_say "$(printf '%-6s %s   <- not 0' "$line" "$label")"
			bad="$bad, $label ($line)"
		fi
	done <<<"$out"
	if [ -n "$bad" ]; then
		rbc_say "a count is not 0, the platform is not idle: ${bad#, }; wait until every count is 0 and run again"
		return 1
	fi
}

# A payload is at TARGET with the size (and sha256) the bundle expects. "-" means not known.
rbc_payload_ok() { # TARGET SHA SIZE
	local target=$1 sha=$2 size=$3 stamp memo
	[ -f "$target" ] || return 1
	[ "$size" = - ] || [ "$(stat -c %s "$target")" = "$size" ] || return 1
	[ "$sha" = - ] && return 0
	memo="${RBC_STATE_DIR:-/tmp}/payloads/$(printf '%s' "$target" | tr '/' '_')"
	stamp="$(stat -c '%s %Y %i' "$target") $sha"
	[ "$(cat "$memo" 2>/dev/null)" = "$stamp" ] && return 0
	[ "$(sha256sum <"$target" | cut -d' ' -f1)" = "$sha" ] || return 1
	mkdir -p "${memo%/*}" && printf '%s\n' "$stamp" >"$memo"
}

# Before any step runs: the bundle carries the payload, or it is already at TARGET.
rbc_payload_ready() { # FILE TARGET SHA SIZE
	[ -f "$RBC_BUNDLE_DIR/payloads/$1" ] && return 0
	rbc_payload_ok "$2" "$3" "$4" && return 0
	if [ -f "$2" ]; then
		rbc_say "payload differs: $2 is not the file the bundle expects (size or sha256); copy $1 to ${2%/*}/ again"
	else
		rbc_say "payload missing: $2 (copy $1 from the jump host to ${2%/*}/ on this host)"
	fi
	return 1
}

# Put the bundle's copy of a payload at TARGET; without one, say what the operator must do.
rbc_payload_put() { # FILE TARGET
	local src="$RBC_BUNDLE_DIR/payloads/$1" target=$2
	if [ ! -f "$src" ]; then
		rbc_say "missing payload: $target"
		rbc_say "copy $1 to ${target%/*}/ on this host (from the jump host), then run again"
		return 1
	fi
	local tmp mode
	rbc_backup "$target"
	mkdir -p "${target%/*}"
	# A scratch name nobody can guess or plant a symbolic link at (mktemp), mode as cp gives it.
	tmp=$(rbc__tmp_beside "$target") || return 1
	mode=$(stat -c '%a' "$src") || return 1
	if ! rbc__tmp_ours "$tmp" || ! cp "$src" "$tmp" || ! chmod "$(printf '%o' $((8#$mode & ~$(umask))))" "$tmp" ||
		! mv -f "$tmp" "$target"; then
		rm -f "$tmp"
		return 1
	fi
}

# A value the operator gives (a cluster cookie read on another host, an NTP server): from
# RBC_VALUE_NAME when set (a corrected value wins), else the one kept in
# $RBC_STATE_DIR/values/NAME (mode 0600), else asked on the terminal: the question on its own
# line; a secret is not echoed and is typed twice. `./run.sh --forget NAME` drops the kept one.
rbc_value() { # NAME FROM-HOST [secret]
	local name=$1 from=$2 secret=${3:-} file="${RBC_STATE_DIR:-/tmp}/values/$1" var="RBC_VALUE_$1" v='' again='' tries=0
	if [ -n "${!var:-}" ]; then
		v=${!var}
	elif [ -s "$file" ]; then
		cat "$file"
		return 0
	elif [ -t 0 ]; then
		while :; do
			printf '\n  %s is needed (read it on %s)%s:\n  > ' "$name" "$from" \
				"${secret:+; it is not shown as you type}" >/dev/tty
			if [ -n "$secret" ]; then
				IFS= read -rs v </dev/tty
				printf '\n  type it again:\n  > ' >/dev/tty
				IFS= read -rs again </dev/tty
				printf '\n' >/dev/tty
			else
				IFS= read -r v </dev/tty
				again=$v
			fi
			if [ -n "$v" ] && [ "$v" = "$again" ]; then break; fi
			tries=$((tries + 1))
			if [ "$tries" -ge 3 ]; then
				rbc_say "no value for $name after 3 tries; run again, or set $var=... and run again" >&2
				return 1
			fi
			if [ -z "$v" ]; then
				printf '  empty; type it again\n' >/dev/tty
			else
				printf '  the two differ; type it again\n' >/dev/tty
			fi
		done
	else
		rbc_say "needs $name, the value read on $from: run on a terminal, or set $var=... and run again" >&2
		return 1
	fi
	[ -n "$v" ] || return 1
	(umask 077 && mkdir -p "${file%/*}" && printf '%s' "$v" >"$file")
	printf '%s' "$v"
}

# The value NAME that other hosts write is the content of PATH on this host: kept in
# $RBC_STATE_DIR/values/NAME (mode 0600, as a value given on the terminal), never shown, for
# dist/ansible/site.yml to carry to those hosts (by hand: `cat` it there and type it on them).
rbc_read_value() { # PATH NAME
	local file="${RBC_STATE_DIR:-/tmp}/values/$2" v tmp
	if [ ! -f "$1" ] || [ -L "$1" ]; then
		rbc_say "nothing to read: $1 is not a file on this host (the hosts that write $2 need it)"
		return 1
	fi
	v=$(cat "$1") || return 1
	if [ -z "$v" ]; then
		rbc_say "nothing to read: $1 is empty (the hosts that write $2 need its content)"
		return 1
	fi
	if [ ! -s "$file" ] || [ "$(cat "$file")" != "$v" ]; then
		(umask 077 && mkdir -p "${file%/*}") || return 1
		if [ -L "$file" ] || [ -L "${file%/*}" ]; then
			rbc_say "refusing to write through a symbolic link: $file"
			return 1
		fi
		tmp="$file.$$"
		rm -f "$tmp"
		if ! (umask 077 && printf '%s' "$v" >"$tmp") || ! mv -f "$tmp" "$file"; then
			rm -f "$tmp"
			return 1
		fi
	fi
	rbc_say "$2: read from $1 (${#v} characters, not shown), kept in $file (0600) for the hosts that write it"
}

# PATH holds exactly the value NAME: RBC_VALUE_NAME when set, else the one kept.
rbc_value_written() { # PATH NAME
	local file="${RBC_STATE_DIR:-/tmp}/values/$2" var="RBC_VALUE_$2"
	[ -f "$1" ] || return 1
	if [ -n "${!var:-}" ]; then
		[ "$(cat "$1")" = "${!var}" ]
		return
	fi
	[ -s "$file" ] && cmp -s "$file" "$1"
}

rbc_write_value() { # PATH NAME FROM-HOST
	local v tmp
	v=$(rbc_value "$2" "$3" secret) || return 1
	tmp=$(rbc__tmp_beside "$1") || return 1
	rbc__tmp_ours "$tmp" || return 1
	(umask 077 && printf '%s' "$v" >"$tmp")
	chmod --reference="$1" "$tmp" 2>/dev/null || chmod 0400 "$tmp"
	chown --reference="$1" "$tmp" 2>/dev/null || true
	mv -f "$tmp" "$1"
}

# A cron file holding exactly LINE with {VALUE} replaced by the operator's value NAME.
rbc_cron_line() { # LINE NAME
	local v var="RBC_VALUE_$2"
	v=${!var:-}
	[ -n "$v" ] || v=$(cat "${RBC_STATE_DIR:-/tmp}/values/$2" 2>/dev/null) || return 1
	# The line runs as root: the value is what the recipe needs (a host name or an address), never
	# shell text (SPEC §5.1).
	case $v in
	'' | -* | *[!A-Za-z0-9._:-]*)
		rbc_say "$2 is not a host name or address: '$v' (letters, digits and . - : _ only); it would go into a root cron line. Set $var=... (or ./run.sh --forget $2) and run again" >&2
		return 1
		;;
	esac
	printf '%s\n' "${1//\{VALUE\}/$v}"
}

rbc_cron_present() { # PATH LINE NAME
	local want
	want=$(rbc_cron_line "$2" "$3") || return 1
	[ -f "$1" ] && [ "$(cat "$1")" = "$want" ]
}

# Nothing to look at yet (no log file): the check step is reported `skipped`, not `ok`, and is
# looked at again on the next run.
rbc_nothing_to_check() { # REASON
	rbc_say "($1)"
	if [ -n "${RBC__TMP:-}" ]; then printf '%s\n' "$1" >"$RBC__TMP/nothing"; fi
	return 0
}

# The program a cron line runs (`*/10 * * * * root /usr/sbin/ntpdate ...`) is installed.
rbc_cron_program() { # LINE
	local cmd=${1#* * * * * * }
	cmd=${cmd%% *}
	if [ -n "$cmd" ] && [ "${cmd#/}" != "$cmd" ] && [ ! -x "$cmd" ]; then
		rbc_say "program missing: $cmd is not installed on this host; install it first (the cron line would fail)"
		return 1
	fi
}

rbc_cron_put() { # PATH LINE NAME
	rbc_cron_program "$2" || return 1
	rbc_value "$3" "this network (ask the network team)" >/dev/null || return 1
	local tmp
	mkdir -p "${1%/*}"
	tmp=$(rbc__tmp_beside "$1") || return 1
	if ! rbc__tmp_ours "$tmp" || ! rbc_cron_line "$2" "$3" >"$tmp" || ! chmod 0644 "$tmp" || ! mv -f "$tmp" "$1"; then
		rm -f "$tmp"
		return 1
	fi
}

# Before starting a server whose configuration can be tested: test it (nginx -t with the same
# options), so a broken config never takes the service down.
rbc_precheck() { # COMMAND
	local prog
	prog=${1%% *}
	case ${prog##*/} in
	nginx) rbc_sh / "$1 -t" ;;
	esac
}
