#!/usr/bin/env bash
# kill_worker.sh - kill -9 one FastCGI worker in the middle of a wrk run against the
# real stack, and report how long multiwatch took to respawn it and how many requests
# failed (wrk's non-2xx and socket errors), to compare with the connections in flight.
#
#   bench/kill_worker.sh [-d SECONDS] [-c CONNECTIONS] [-w WORKERS] [--no-build] [--smoke]
#
# Installs pxtc into a temporary prefix and starts its own stack (deploy/local/pxtc-stack)
# under a temporary PIXELTABLE_HOME on a free loopback port, and stops it on exit; the
# worker killed is a child of the stack's multiwatch (by its PID). Fails when no worker
# comes back within 10 s. --smoke: a 3 s run with 8 connections. Needs wrk. Shares
# bench/lib.sh with the other scripts.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init kill_worker.sh
DUR=10
CONNS=64
WORKERS=2

smoke_settings() { DUR=3 CONNS=8; }

while [ $# -gt 0 ]; do
	case $1 in
	-d) DUR=${2:?}; shift 2 ;;
	-c) CONNS=${2:?}; shift 2 ;;
	-w) WORKERS=${2:?}; shift 2 ;;
	*) bench_arg "$@"; shift "$BENCH_SHIFT" ;;
	esac
done
need_int DUR CONNS WORKERS
bench_begin kill

need_tools wrk nginx spawn-fcgi multiwatch curl cmake pgrep timeout
build_pxtc
need_built app/pxtc-worker app/pxtc schema/pxtc-setup
install_prefix
stack_env
stack_start
for i in $(seq 20); do
	curl -s -o /dev/null -H 'Content-Type: application/json' \
	    --data '{"document": "https://example.com/d.pdf", "metadata": {"n": 1}}' \
	    "$URL/api/data/documents"
done

mw=$(cat "$PXT_HOME/run/workers.pid")
timeout -k 5 $((DUR + 60)) wrk -t2 -c"$CONNS" -d"${DUR}s" "$URL/api/data/documents?limit=20" \
    > "$WORK/wrk.txt" 2>&1 &
wrk_pid=$!
track "$wrk_pid"
sleep $((DUR / 3))
victim=$(pgrep -P "$mw" | head -1)
[ -n "$victim" ] || die "no worker under multiwatch $mw"
t0=$(date +%s%N)
kill -9 "$victim"
while :; do
	n=$(pgrep -P "$mw" | grep -cvx "$victim" || true)
	[ "$n" -ge "$WORKERS" ] && break
	[ $(( ($(date +%s%N) - t0) / 1000000 )) -gt 10000 ] && die "multiwatch did not respawn the worker within 10 s"
	sleep 0.01
done
t1=$(date +%s%N)
wait "$wrk_pid" || true

{
	echo "workers: $WORKERS, wrk connections: $CONNS, duration: ${DUR}s"
	echo "respawn time: $(( (t1 - t0) / 1000000 )) ms"
	grep -E "Requests/sec|Socket errors|Non-2xx|requests in" "$WORK/wrk.txt" || true
} > "$WORK/report.md"
grep -q 'requests in' "$WORK/report.md" || { cat "$WORK/wrk.txt" >&2; die "wrk reported nothing"; }
report_out
bench_end
