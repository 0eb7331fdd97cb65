#!/usr/bin/env bash
# cleanup.sh - stop whatever an integration test left running (a script killed on
# timeout cannot run its own trap) and remove the test homes. Runs as a ctest cleanup
# fixture; finding nothing to do is the normal case.
set -u
left=$(pgrep -f -- '/tmp/pxt-it\.' 2>/dev/null || true)
if [ -n "$left" ]; then
	echo "stopping leftover processes: $left"
	kill -INT $left 2>/dev/null
	sleep 2
	kill -9 $(pgrep -f -- '/tmp/pxt-it\.' 2>/dev/null) 2>/dev/null
fi
rm -rf /tmp/pxt-it.* /tmp/pxt-work.* /tmp/pxt-locked.* 2>/dev/null
exit 0
