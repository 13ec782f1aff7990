#!/bin/bash
# run.sh (rbc bundle): runs this host's steps of the runbook, in order; safe to run again.
# ./run.sh --help tells how. The work is done by lib/rbc.sh, shared with the other runner.
RBC_BUNDLE_DIR=$(cd -P -- "$(dirname -- "$0")" && pwd -P) || exit 2
# shellcheck source=lib/rbc.sh
if ! . "$RBC_BUNDLE_DIR/lib/rbc.sh"; then
	echo "rbc: cannot load $RBC_BUNDLE_DIR/lib/rbc.sh: the bundle is incomplete; copy it again" >&2
	exit 2
fi
rbc__main run "$@"
exit $?
