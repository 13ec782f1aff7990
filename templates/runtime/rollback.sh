#!/bin/bash
# rollback.sh (rbc bundle): undoes what run.sh did on this host, then runs the runbook's rollback chapter.
# ./rollback.sh --help tells how. The work is done by lib/rbc.sh, shared with the other runner.
# `sh ./rollback.sh` is bash in POSIX mode on CentOS 6 and dash elsewhere: run it with bash.
if [ -z "${BASH_VERSION:-}" ] || (shopt -qo posix) 2>/dev/null; then exec bash "$0" "$@"; fi
RBC_BUNDLE_DIR=$(cd -P -- "$(dirname -- "$0")" && pwd -P) || exit 2
# Checksums before anything of the bundle is read (SPEC §5.1): this is the one part that runs
# unchecked, so it stays this small. lib/rbc.sh then checks that every file is listed, one name
# a line: a name holding a line break could pass that as two listed names, so none may.
RBC__NL='
'
if ! RBC__SUMS=$(cd "$RBC_BUNDLE_DIR" && LC_ALL=C grep -q '^[0-9a-f]\{64\}  lib/rbc\.sh$' SHA256SUMS &&
	LC_ALL=C sha256sum -c --quiet SHA256SUMS 2>&1 &&
	if LC_ALL=C find . -name "*$RBC__NL*" | grep -q .; then echo "a file name in the bundle holds a line break"; false; fi); then
	printf '%s\n' "$RBC__SUMS" >&2
	echo "rbc: checksum verification FAILED: the bundle is damaged or was changed (or $RBC_BUNDLE_DIR/SHA256SUMS is missing); nothing was done." >&2
	echo "rbc: 校验失败：安装包已损坏或被修改，未做任何操作。请从跳板机重新拷贝。" >&2
	exit 2
fi
# shellcheck disable=SC2034  # read by rbc__verify in lib/rbc.sh
RBC__SUMS_OK=1
# shellcheck source=/dev/null  # lib/rbc.sh is checked on its own
if ! . "$RBC_BUNDLE_DIR/lib/rbc.sh"; then
	echo "rbc: cannot load $RBC_BUNDLE_DIR/lib/rbc.sh: the bundle is incomplete; copy it again" >&2
	exit 2
fi
rbc__main rollback "$@"
exit $?
