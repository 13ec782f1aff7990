#!/bin/bash
# rollback.sh (rbc bundle): undoes what run.sh did on this host, then runs the runbook's rollback chapter.
# ./rollback.sh --help tells how. The work is done by lib/rbc.sh, shared with the other runner.
RBC_BUNDLE_DIR=$(cd -P -- "$(dirname -- "$0")" && pwd -P) || exit 2
# shellcheck source=lib/rbc.sh
if ! . "$RBC_BUNDLE_DIR/lib/rbc.sh"; then
	echo "rbc: cannot load $RBC_BUNDLE_DIR/lib/rbc.sh: the bundle is incomplete; copy it again" >&2
	exit 2
fi
rbc__main rollback "$@"
exit $?
