#!/usr/bin/env bash
# kill_worker.sh - kill -9 one FastCGI worker in the middle of a wrk run against the
# real stack, and report how long multiwatch took to respawn it and how many requests
# failed (wrk's non-2xx and socket errors), to compare with the connections in flight.
#
#   bench/kill_worker.sh [-d SECONDS] [-c CONNECTIONS] [-w WORKERS]
#
# Starts its own stack (deploy/local/pxtc-stack) under a temporary PIXELTABLE_HOME on a
# free loopback port, and stops it on exit. Needs wrk.
set -euo pipefail

dur=10 conns=64 workers=2
while getopts "d:c:w:" o; do
	case $o in
	d) dur=$OPTARG ;;
	c) conns=$OPTARG ;;
	w) workers=$OPTARG ;;
	*) echo "usage: $0 [-d SECONDS] [-c CONNECTIONS] [-w WORKERS]" >&2; exit 2 ;;
	esac
done

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/pxt-kill.XXXXXX)
chmod 0755 "$work"
export PIXELTABLE_HOME="$work/home" PXTC_STACK_NO_DEMO=1 SERVER_WORKERS=$workers
prefix="$work/prefix"
cmake --install "$repo/build" --prefix "$prefix" >/dev/null
chmod -R a+rX "$prefix"
export PXTC_BIN_DIR="$prefix/bin" SERVER_ROUTERS_DIR="$prefix/lib/pxtc/routers"
for port in $(shuf -i 20000-40000 -n 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
done
export SERVER_PORT=$port
cleanup() {
	bash "$repo/deploy/local/pxtc-stack" stop >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

bash "$repo/deploy/local/pxtc-stack" start >/dev/null
for i in $(seq 20); do
	curl -s -o /dev/null -H 'Content-Type: application/json' \
	    --data '{"document": "https://example.com/d.pdf", "metadata": {"n": 1}}' \
	    "http://127.0.0.1:$port/api/data/documents"
done

mw=$(cat "$PIXELTABLE_HOME/run/workers.pid")
wrk -t2 -c"$conns" -d"${dur}s" "http://127.0.0.1:$port/api/data/documents?limit=20" \
    >"$work/wrk.txt" 2>&1 &
wrk_pid=$!
sleep $((dur / 3))
victim=$(pgrep -P "$mw" | head -1)
t0=$(date +%s%N)
kill -9 "$victim"
while :; do
	n=$(pgrep -P "$mw" | grep -vx "$victim" | wc -l)
	[ "$n" -ge "$workers" ] && break
	[ $(( ($(date +%s%N) - t0) / 1000000 )) -gt 10000 ] && break
	sleep 0.01
done
t1=$(date +%s%N)
wait "$wrk_pid" || true

echo "workers: $workers, wrk connections: $conns, duration: ${dur}s"
echo "respawn time: $(( (t1 - t0) / 1000000 )) ms"
grep -E "Requests/sec|Socket errors|Non-2xx|requests in" "$work/wrk.txt" || true
