#!/bin/bash
# A throwaway host for tests/fleet.rs: an overlay of this machine's / (changes land in DIR/u),
# its own mount, UTS and PID namespaces (hostname NAME; everything it starts dies with it), and
# an sshd on a loopback address only, which lets in the test key as root.
#   host.sh DIR NAME ADDR PORT PUBKEY    prints the pid of the host (kill it to end the host)
set -euo pipefail
dir=$1 name=$2 addr=$3 port=$4 pubkey=$5
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
setsid unshare --mount --uts --pid --fork --kill-child --propagation private bash -c '
	set -e
	d=$1
	hostname "$2"
	mount -t overlay overlay -o "lowerdir=/,upperdir=$d/u,workdir=$d/w" "$d/m"
	mount -t proc proc "$d/m/proc"
	mount --rbind /dev "$d/m/dev"
	mount -t tmpfs tmpfs "$d/m/run"
	mount -t tmpfs tmpfs "$d/m/tmp"
	mkdir -p "$d/m/run/sshd"
	exec chroot "$d/m" /usr/sbin/sshd -D -e -f /etc/ssh/rbc-test/sshd_config
' host "$dir" "$name" </dev/null >"$dir/sshd.log" 2>&1 &
echo $!
