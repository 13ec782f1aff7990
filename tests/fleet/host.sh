#!/bin/bash
# A throwaway host for tests/fleet.rs: an overlay of this machine's / (changes land in DIR/u),
# its own mount, UTS and PID namespaces (hostname NAME; everything it starts dies with it), and
# an sshd on a loopback address only, which lets in the test key as root.
#   host.sh DIR NAME ADDR PORT PUBKEY [ENVFILE]    prints the pid of the host (kill it to end it)
# ENVFILE: NAME=VALUE lines set in every ssh session (sshd's SetEnv; PATH included), e.g. the
# env of `rbc rehearse --prepare` (stubs first on PATH). DIR/u may be prepared beforehand.
# HOST_NETNS=1: a network namespace of its own too (two hosts' daemons can then both listen on
# port 80): ADDR is on the host's own loopback, reached from outside only through the namespace,
# e.g. ssh -o ProxyCommand='nsenter --net=/proc/PID/ns/net socat STDIO TCP:%h:%p'.
# HOST_IP=IP (with HOST_NETNS=1): the host's runbook address on an eth0 of its own (a dummy).
set -euo pipefail
dir=$1 name=$2 addr=$3 port=$4 pubkey=$5 envfile=${6:-}
case $addr in 127.*) ;; *) echo "host.sh: loopback addresses only ($addr)" >&2; exit 2 ;; esac
mkdir -p "$dir/u/root/.ssh" "$dir/u/etc/ssh/rbc-test" "$dir/w" "$dir/m"
chmod 700 "$dir/u/root/.ssh"
cp "$pubkey" "$dir/u/root/.ssh/authorized_keys"
chmod 600 "$dir/u/root/.ssh/authorized_keys"
[ -f "$dir/hostkey" ] || ssh-keygen -q -t ed25519 -N '' -f "$dir/hostkey"
cp "$dir/hostkey" "$dir/u/etc/ssh/rbc-test/hostkey"
chmod 600 "$dir/u/etc/ssh/rbc-test/hostkey"
cat >"$dir/u/etc/ssh/rbc-test/sshd_config" <<CONF
ListenAddress $addr:$port
HostKey /etc/ssh/rbc-test/hostkey
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AuthorizedKeysFile /root/.ssh/authorized_keys
PidFile none
Subsystem sftp internal-sftp
LogLevel ERROR
MaxStartups 100
MaxSessions 100
CONF
if [ -n "$envfile" ]; then
	# one SetEnv line: sshd takes the first SetEnv it reads and ignores the others
	setenv=SetEnv
	while IFS= read -r kv; do
		case $kv in [A-Za-z_]*=*) setenv="$setenv \"$kv\"" ;; esac
	done <"$envfile"
	printf '%s\n' "$setenv" >>"$dir/u/etc/ssh/rbc-test/sshd_config"
fi
net=()
[ "${HOST_NETNS:-0}" = 1 ] && net=(--net)
setsid unshare --mount --uts --pid ${net[@]+"${net[@]}"} --fork --kill-child --propagation private bash -c '
	set -e
	d=$1
	hostname "$2"
	if [ -n "$3" ]; then
		ip link set lo up
		if [ -n "$4" ]; then
			# a dummy where the kernel has the module, else a bridge (as rbc rehearse does)
			{ ip link add eth0 type dummy 2>/dev/null || ip link add eth0 type bridge; } &&
				ip addr add "$4/24" dev eth0 && ip link set eth0 up
		fi
	fi
	mount -t overlay overlay -o "lowerdir=/,upperdir=$d/u,workdir=$d/w" "$d/m"
	mount -t proc proc "$d/m/proc"
	mount --rbind /dev "$d/m/dev"
	mount -t tmpfs tmpfs "$d/m/run"
	mount -t tmpfs tmpfs "$d/m/tmp"
	mkdir -p "$d/m/run/sshd"
	exec chroot "$d/m" /usr/sbin/sshd -D -e -f /etc/ssh/rbc-test/sshd_config
' host "$dir" "$name" "${net[*]+${net[*]}}" "${HOST_IP:-}" </dev/null >"$dir/sshd.log" 2>&1 &
echo $!
