#!/bin/bash
# rollback.sh (rbc bundle): undoes what run.sh did on this host, then runs the runbook's rollback chapter.
# ./rollback.sh --help tells how. The work is done by lib/rbc.sh, shared with the other runner.
# `sh ./rollback.sh` is bash in POSIX mode on CentOS 6 and dash elsewhere: run it with bash.
if [ -z "${BASH_VERSION:-}" ] || (shopt -qo posix) 2>/dev/null; then exec bash "$0" "$@"; fi
RBC_BUNDLE_DIR=$(cd -P -- "$(dirname -- "$0")" && pwd -P) || exit 2
# shellcheck source=/dev/null  # lib/rbc.sh is checked on its own
if ! . "$RBC_BUNDLE_DIR/lib/rbc.sh"; then
	echo "rbc: cannot load $RBC_BUNDLE_DIR/lib/rbc.sh: the bundle is incomplete; copy it again" >&2
	exit 2
fi
rbc__main rollback "$@"
exit $?
