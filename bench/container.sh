#!/usr/bin/env bash
# container.sh - the list route served by pxtc inside its container image against the
# same build outside it, one wrk run each, on this machine: the `all` role of
# localhost/pxtc:test (tests/deploy/image.sh builds it) on the host network, and the
# local stack (deploy/local/pxtc-stack) from an installed copy of BUILD; both with
# WORKERS workers on an embedded PostgreSQL holding the same 20 rows. Target: the
# container at least 0.9x the requests per second outside it. Also reports the
# container's start to its first healthy answer and the workers' resident memory.
#
#   bench/container.sh [-d SECONDS] [-c CONNECTIONS] [-w WORKERS] [--no-build] [--smoke]
#
# Needs root (rootful podman), wrk and the image. --smoke: 2 s runs with 8 connections.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init container.sh
DUR=10
CONNS=64
WORKERS=2
IMAGE=${PXTC_IMAGE:-localhost/pxtc:test}

smoke_settings() { DUR=2 CONNS=8; }

while [ $# -gt 0 ]; do
	case $1 in
	-d) DUR=${2:?}; shift 2 ;;
	-c) CONNS=${2:?}; shift 2 ;;
	-w) WORKERS=${2:?}; shift 2 ;;
	*) bench_arg "$@"; shift "$BENCH_SHIFT" ;;
	esac
done
need_int DUR CONNS WORKERS
bench_begin container

need_tools wrk podman nginx spawn-fcgi multiwatch curl cmake timeout
is_root || die "needs root (rootful podman)"
podman image exists "$IMAGE" || die "no image $IMAGE: run tests/deploy/podman-env.sh and tests/deploy/image.sh"
build_pxtc
need_built app/pxtc-worker app/pxtc schema/pxtc-setup
install_prefix
stack_env
stack_start
NATIVE_URL=$URL

CTR=pxtc-bench-$$
CPORT=$(free_port)
CVOL=$CTR-home
# (bench_cleanup calls on_cleanup first)
on_cleanup() {
	podman rm -f -t 5 "$CTR" >/dev/null 2>&1 || true
	podman volume rm -f "$CVOL" >/dev/null 2>&1 || true
}
podman volume create "$CVOL" >/dev/null
t0=$(date +%s%N)
podman run -d --name "$CTR" --network host -v "$CVOL:/data/pixeltable" \
    -e SERVER_PORT="$CPORT" -e SERVER_WORKERS="$WORKERS" -e PXTC_STACK_NO_DEMO=1 \
    "$IMAGE" all >/dev/null
CURL=http://127.0.0.1:$CPORT
until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$CURL/api/health")" = 200 ]; do
	[ $(( ($(date +%s%N) - t0) / 1000000000 )) -lt 180 ] ||
	    { podman logs "$CTR" | tail -20 >&2; die "the container did not become healthy"; }
	sleep 0.2
done
first_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
log "container healthy ${first_ms} ms after podman run (first start: initdb and schema)"

for url in "$NATIVE_URL" "$CURL"; do
	for i in $(seq 20); do
		curl -s -o /dev/null -H 'Content-Type: application/json' \
		    --data "{\"document\": \"https://example.com/d$i.pdf\", \"metadata\": {\"n\": $i}}" \
		    "$url/api/data/documents"
	done
	[ "$(curl -s "$url/api/data/documents?limit=20" | grep -o '"uuid"' | wc -l)" -ge 20 ] ||
	    die "$url: the list route does not answer 20 rows"
done

SCRIPT=$(dirname "${BASH_SOURCE[0]}")/lua/stats.lua
wait_quiet || true
native=$(wrk_run "$WORK/native.txt" "$DUR" -t2 -c"$CONNS" --latency -s "$SCRIPT" \
    "$NATIVE_URL/api/data/documents?limit=20")
wait_quiet || true
inside=$(wrk_run "$WORK/container.txt" "$DUR" -t2 -c"$CONNS" --latency -s "$SCRIPT" \
    "$CURL/api/data/documents?limit=20")
rn=$(kv rps <<<"$native") rc=$(kv rps <<<"$inside")
r=$(ratio "$rc" "$rn" 3)
# the workers' resident memory inside the container (pxtc-worker processes, kB)
rss=$(podman top "$CTR" rss comm 2>/dev/null | awk '$2 == "pxtc-worker" { s += $1; n++ } END { if (n) printf "%d workers, %.1f MB resident in all", n, s / 1024 }')

{
	machine_line
	load_line
	echo "- wrk -t2 -c$CONNS -d${DUR}s --latency on GET /api/data/documents?limit=20, $WORKERS workers each, one run each"
	echo
	echo "| where | req/s | p50 ms | p99 ms | errors |"
	echo "|---|---|---|---|---|"
	echo "| outside (local stack, installed copy) | $rn | $(kv p50_ms <<<"$native") | $(kv p99_ms <<<"$native") | $(kv errors <<<"$native") |"
	echo "| inside \`$IMAGE\` (role all, host network) | $rc | $(kv p50_ms <<<"$inside") | $(kv p99_ms <<<"$inside") | $(kv errors <<<"$inside") |"
	echo
	echo "- container / outside: **$r** (target >= 0.9: $(verdict "$r" ge 0.9))"
	echo "- podman run to the first healthy /api/health: $first_ms ms (first start: initdb, schema)"
	echo "- the container's workers: ${rss:-unknown}"
} > "$WORK/report.md"
report_out
bench_end
