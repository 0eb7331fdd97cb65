#!/usr/bin/env bash
# cleanup.sh RUN_DIR - stop what the integration tests of one build's run left running
# (a script killed on timeout cannot run its own trap) and remove their folders. Runs
# as a ctest cleanup fixture with the build's run folder, where each test recorded the
# PIDs it started and the folders it made (procs.sh); nothing else is touched, so the
# tests of another build or another home on the same machine run undisturbed. Finding
# nothing to do is the normal case.
set -euo pipefail
source "$(dirname "$0")/procs.sh"
run=${1:-${PXT_IT_RUN:-}}
[ -n "$run" ] || { echo "usage: cleanup.sh RUN_DIR" >&2; exit 2; }
[ -d "$run" ] || exit 0
for rec in "$run"/*; do
	[ -f "$rec" ] || continue
	# a test still running belongs to another ctest run of this build: not ours to stop
	if it_record_owner_alive "$rec"; then
		echo "$(basename "$rec") is still running: left alone"
		continue
	fi
	echo "cleaning up after $(basename "$rec")"
	it_record_stop "$rec" || true
done
rmdir "$run" 2>/dev/null || true
exit 0
