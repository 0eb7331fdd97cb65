#!/usr/bin/env bash
# vindex_bench.sh - the exact embedding index (app/lib/search/vindex_int.h, the search back-end
# when PostgreSQL has no pgvector) on N synthetic embeddings of DIM dimensions.
#
# It builds pxtc (cmake --build BUILD -j2, unless --no-build), copies BUILD's libpxt
# into a temporary folder (a build running beside this one may relink it), builds
# bench/vindex_bench.c against that copy (with the internal header app/lib/search/vindex_int.h),
# waits for a machine under QUIET_PCT % busy, and runs it on a new index file in a
# temporary folder under HOME_BASE:
#   build       N upserts under one exclusive lock: time, file size, bytes per vector
#   cold        a fresh handle's open and first search (map, page faults)
#   latency     Q top-K searches one after another, per scan kernel this CPU runs
#   recall      recall@K of R queries against an exact float32 scan
#   throughput  for each P in PROCS, P processes (each its own handle, as FastCGI
#               workers) searching for SECS seconds: back to back, then at RATE searches
#               per second in all (open loop, each timed from when it was due)
#   memory      what a searcher holds privately (RssAnon) and the shared mapping
#               (RssFile: the page cache, once per machine)
# Data: CENTERS random unit centers, each vector a center plus Gaussian noise
# (sigma 0.03 per component), normalized; queries drawn the same way. Seeded.
# Reports the figures as Markdown (stdout, and -o FILE). The temporary folder and the
# index file are removed on exit, pass or fail.
#
#   bench/vindex_bench.sh [-n N] [-d DIM] [-s SECS] [-p PROCS] [-R RATE]
#       [-m cosine|ip|l2] [-o REPORT.md] [--no-build] [--smoke]
# --smoke checks in seconds that it still works (2,000 vectors of 64 dimensions, short
# runs, no wait for a quiet machine).
# Environment: N (100000), DIM (384), CENTERS (1000), Q (1000), R (200), K (10),
# SECS (5), PROCS ("2,16"), RATE (200), METRIC (cosine), BUILD (build), HOME_BASE
# (/tmp), QUIET_PCT (15), QUIET_MAX_S (120), STRICT=1 (exit 3 when a target is
# missed: p50 < 20 ms, recall >= 0.99, 16 searchers >= 200 searches/s).
# Needs cc, cmake, pkg-config with libpq's development files. Shares bench/lib.sh.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init vindex_bench.sh
N=${N:-100000}
DIM=${DIM:-384}
CENTERS=${CENTERS:-1000}
Q=${Q:-1000}
R=${R:-200}
K=${K:-10}
SECONDS_=${SECS:-5}
PROCS=${PROCS:-2,16}
RATE=${RATE:-200}
METRIC=${METRIC:-cosine}
HOME_BASE=${HOME_BASE:-/tmp}
QUIET_PCT=${QUIET_PCT:-15}
QUIET_MAX_S=${QUIET_MAX_S:-120}
CMDLINE="bench/vindex_bench.sh $*"
smoke_settings() {
	N=2000 DIM=64 CENTERS=20 Q=50 R=20 SECONDS_=1 PROCS=2 RATE=50
}

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		-n) N=${2:?}; shift 2 ;;
		-d) DIM=${2:?}; shift 2 ;;
		-s) SECONDS_=${2:?}; shift 2 ;;
		-p) PROCS=${2:?}; shift 2 ;;
		-R) RATE=${2:?}; shift 2 ;;
		-m) METRIC=${2:?}; shift 2 ;;
		*) bench_arg "$@"; shift "$BENCH_SHIFT" ;;
		esac
	done
	need_int N DIM CENTERS Q K QUIET_PCT QUIET_MAX_S
	need_uint R SECONDS_
	need_num RATE
	[[ $PROCS =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "PROCS must be like 2,16, got '$PROCS'"
	case $METRIC in cosine|ip|l2) ;; *) die "METRIC must be cosine, ip or l2" ;; esac
	if [ ! -d "$HOME_BASE" ] || [ ! -w "$HOME_BASE" ]; then
		die "HOME_BASE $HOME_BASE is not a writable folder"
	fi
}

build_all() {
	need_tools cc cmake pkg-config timeout
	need_pc libpq
	build_pxtc
	# vindex_int.h is internal to libpxt (not installed, not exported): from the source
	# tree, linked with the library's objects
	copy_libpxt_static "$WORK/lib"
	# shellcheck disable=SC2046,SC2086
	cc_bench gnu11 -I"$ROOT/app/include" -I"$ROOT/app/lib" \
	    $(pkg-config --cflags libpq) -o "$WORK/vindex_bench" "$ROOT/bench/vindex_bench.c" \
	    $PXT_INTERNAL_LIBS
	log "built vindex_bench with the library's objects"
}

# field LINE KEY: the value of KEY=VALUE in LINE.
field() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" 'NF > 1 && $1 == k { print $2; exit }'; }

run_bench() {
	local secs_total
	wait_quiet
	SYS0=$(sys_ticks)
	secs_total=$(( (SECONDS_ * 2 + 10) * $(tr ',' '\n' <<<"$PROCS" | wc -l) + 600 ))
	timeout "$secs_total" "$WORK/vindex_bench" -n "$N" -d "$DIM" -c "$CENTERS" -q "$Q" \
	    -r "$R" -k "$K" -s "$SECONDS_" -p "$PROCS" -R "$RATE" -m "$METRIC" \
	    "$WORK/index.vix" > "$WORK/out.txt" 2> "$WORK/err.txt" ||
	    { cat "$WORK/err.txt" >&2; die "vindex_bench failed"; }
	SYS1=$(sys_ticks)
	[ -s "$WORK/err.txt" ] && { log "vindex_bench said:"; cat "$WORK/err.txt" >&2; }
	FS_LINE=$(df -T "$WORK" | awk 'NR == 2 { print $2 " on " $1 }')
	return 0
}

report() {
	local l best_p50 recall qps16 verdict
	MISSED=0
	{
		echo "## Exact embedding index: $N x $DIM ($METRIC), top-$K, $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo
		echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'); $(grep -o 'avx[^ ]*' /proc/cpuinfo | sort -u | tr '\n' ' ' | sed 's/ $//')), $(free -g | awk '/^Mem:/ { print $2 }') GiB memory, $(uname -sr); the index file on $FS_LINE"
		echo "- command: \`$CMDLINE\` (N=$N DIM=$DIM CENTERS=$CENTERS Q=$Q R=$R K=$K SECONDS=$SECONDS_ PROCS=$PROCS RATE=$RATE)"
		echo "- load average at the start: $LOAD_START; waited ${QUIET_WAITED} s for a machine under $QUIET_PCT% busy; during the run: $(busy_between "$SYS0" "$SYS1")"
		echo
		l=$(grep '^BENCH build ' "$WORK/out.txt")
		echo "- build: $(field "$l" n) upserts in $(field "$l" ms) ms ($(field "$l" per_vector_us) µs each); file $(field "$l" file_bytes) bytes = $(field "$l" file_bytes_per_vector) bytes per vector ($(field "$l" bytes_per_vector) per slot, the rest the header and the last chunk's free slots)"
		l=$(grep '^BENCH cold ' "$WORK/out.txt")
		echo "- a fresh handle's open + first search: $(field "$l" open_and_first_search_ms) ms (kernel $(field "$l" kernel))"
		l=$(grep '^BENCH recall ' "$WORK/out.txt" || true)
		recall=$(field "$l" recall)
		[ -n "$l" ] && echo "- recall@$K against an exact float32 scan, $(field "$l" queries) queries: **$recall**"
		echo
		echo "| one process, $Q searches back to back, ms | p50 | p90 | p99 | max | mean |"
		echo "|---|---:|---:|---:|---:|---:|"
		while read -r l; do
			echo "| kernel \`$(field "$l" kernel)\` | $(field "$l" p50) | $(field "$l" p90) | $(field "$l" p99) | $(field "$l" max) | $(field "$l" mean) |"
			best_p50=$(field "$l" p50)
		done < <(grep '^BENCH latency ' "$WORK/out.txt")
		echo
		echo "| searcher processes | load | searches/s | p50 ms | p90 ms | p99 ms | max ms | a searcher's RssAnon / RssFile / Pss_File, kB |"
		echo "|---:|---|---:|---:|---:|---:|---:|---:|"
		while read -r l; do
			echo "| $(field "$l" procs) | $( [ "$(field "$l" rate)" = max ] && echo "back to back" || echo "$RATE/s in all") | $(field "$l" qps) | $(field "$l" p50) | $(field "$l" p90) | $(field "$l" p99) | $(field "$l" max) | $(field "$l" searcher_max_rss_anon_kb) / $(field "$l" searcher_max_rss_file_kb) / $(field "$l" searcher_max_pss_file_kb) |"
			[ "$(field "$l" procs)" = 16 ] && [ "$(field "$l" rate)" = max ] && qps16=$(field "$l" qps)
		done < <(grep '^BENCH throughput ' "$WORK/out.txt")
		echo
		verdict=$(awk -v p="${best_p50:-99}" -v r="${recall:-1}" -v q="${qps16:-200}" 'BEGIN {
		    print (p < 20 && r >= 0.99 && q >= 200) ? "met" : "NOT met" }')
		[ "$verdict" = met ] || MISSED=1
		echo "Targets (p50 < 20 ms for one search, recall@10 >= 0.99, >= 200 searches/s with 16 searchers): **$verdict**."
	} > "$WORK/report.md"
	report_out
}

main() {
	parse_args "$@"
	bench_begin vindex "$HOME_BASE"
	build_all
	run_bench
	report
	bench_end
}

# run unless sourced (sourcing gives the functions, for trying pieces by hand)
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
