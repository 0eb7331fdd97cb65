#!/usr/bin/env bash
# batch_insert.sh - batch inserts through the C API (pxt_insert), no HTTP: ROWS short
# documents into a table with two computed columns (word_count(body), upper(body)),
# in rows per second.
#
# It installs pxtc into a temporary prefix, builds bench/batch_insert.c against that
# copy of libpxt (a build running beside this one cannot swap the library under the
# run), creates a fresh PIXELTABLE_HOME under /tmp (pxt_open starts the embedded
# PostgreSQL; as root it runs as user pxtc) and runs, ROUNDS times each, interleaved:
#   computed, BATCH rows a call   ROWS / BATCH pxt_insert calls, each its own transaction
#   computed, one call            all ROWS rows in one pxt_insert (one transaction)
#   plain, BATCH rows a call      the same rows, a table without computed columns
# Every run starts from a new, empty table and checks the row count and both computed
# columns afterwards. The report (stdout, and -o FILE) gives the median rows/s of each
# variant against the target (computed, BATCH a call: >= 5,000 rows/s). The embedded
# PostgreSQL is stopped and the temporary folders removed on exit, pass or fail.
#
#   bench/batch_insert.sh [-n ROWS] [-b BATCH] [-r ROUNDS] [-o REPORT.md] [--no-build]
#                         [--smoke]
# --smoke checks in seconds that it still works (200 rows, 50 a call, one round).
# Environment: ROWS (10000), BATCH (1000), ROUNDS (3), TARGET_RPS (5000),
# BUILD (build), STRICT=1 (exit 3 when the target is missed). Needs cmake, cc, and
# the libpq development files. Shares bench/lib.sh with the other scripts.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init batch_insert.sh
ROWS=${ROWS:-10000}
BATCH=${BATCH:-1000}
ROUNDS=${ROUNDS:-3}
TARGET_RPS=${TARGET_RPS:-5000}
CMDLINE="bench/batch_insert.sh $*"

smoke_settings() { ROWS=200 BATCH=50 ROUNDS=1; }

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		-n) ROWS=${2:?}; shift 2 ;;
		-b) BATCH=${2:?}; shift 2 ;;
		-r) ROUNDS=${2:?}; shift 2 ;;
		*) bench_arg "$@"; shift "$BENCH_SHIFT" ;;
		esac
	done
	need_int ROWS BATCH ROUNDS TARGET_RPS
}

build_all() {
	need_tools cmake cc pkg-config timeout
	need_pc libpq
	build_pxtc
	install_prefix
	# shellcheck disable=SC2046
	cc_bench c11 -I"$WORK/prefix/include" $(pkg-config --cflags libpq) \
	    -o "$WORK/batch_insert" "$BENCH/batch_insert.c" \
	    -L"$WORK/prefix/lib" -lpxt $(pkg-config --libs libpq) -Wl,-rpath,"$WORK/prefix/lib"
	log "built batch_insert against the installed libpxt"
}

# field VARIANT BATCH KEY: KEY's values over the rounds of one variant.
field() {
	awk -v v="$1" -v b="$2" -v k="$3" '$1 == "BATCH" {
		delete f; for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		if (f["variant"] == v && f["batch"] == b) print f[k] }' "$WORK/results.txt"
}
# row VARIANT BATCH DESCRIPTION: one line of the results table.
row() {
	local rounds
	rounds=$(field "$1" "$2" rows_per_s | awk '{ printf "%s%.0f", (NR > 1 ? " / " : ""), $1 }')
	[ -n "$rounds" ] || return 0
	printf '| %s | %s | %.0f | %s | %.3f | %.1f | %.1f | %.1f |\n' "$3" \
	    "$(field "$1" "$2" calls | head -n1)" "$(field "$1" "$2" rows_per_s | median)" \
	    "$rounds" "$(field "$1" "$2" secs | median)" "$(field "$1" "$2" call_ms_min | median)" \
	    "$(field "$1" "$2" call_ms_p50 | median)" "$(field "$1" "$2" call_ms_max | median)"
}

report() {
	local rps verdict
	rps=$(field computed "$BATCH" rows_per_s | median)
	verdict=$(verdict "$rps" ge "$TARGET_RPS")
	MISSED=0
	[ "$verdict" = met ] || MISSED=1
	{
		echo "## pxtc batch insert (C API), $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo
		machine_line
		echo "- command: \`$CMDLINE\` (ROWS=$ROWS BATCH=$BATCH ROUNDS=$ROUNDS), medians of $ROUNDS rounds"
		echo "- rows: body of 8-30 words (about 110 bytes), metadata about 90 bytes of JSON; computed columns n_words = word_count(body), body_upper = upper(body); a fresh table each run"
		load_line
		echo
		echo "| variant | pxt_insert calls | rows/s | rows/s per round | seconds | call ms min | call ms p50 | call ms max |"
		echo "|---|---:|---:|---|---:|---:|---:|---:|"
		row computed "$BATCH" "two computed columns, $BATCH rows a call"
		[ "$BATCH" = "$ROWS" ] || row computed "$ROWS" "two computed columns, all $ROWS rows in one call"
		row plain "$BATCH" "no computed columns, $BATCH rows a call"
		echo
		echo "Target: >= $TARGET_RPS rows/s with two computed columns, $BATCH rows a call: **$verdict** ($(printf '%.0f' "$rps") rows/s)."
	} > "$WORK/report.md"
	report_out
}

main() {
	local args
	parse_args "$@"
	bench_begin batch
	build_all
	PXT_HOME=$(mktemp -d /tmp/pxt-bench.XXXXXX)
	chmod a+rx "$PXT_HOME"	# the embedded PostgreSQL runs as user pxtc when root
	unset PIXELTABLE_DB_CONNECT_STR APP_NAMESPACE
	export PIXELTABLE_HOME=$PXT_HOME PIXELTABLE_UDF_DIR=$WORK/prefix/lib/pxtc/udfs
	args=(-n "$ROWS" -r "$ROUNDS" -b "$BATCH")
	[ "$BATCH" = "$ROWS" ] || args+=(-b "$ROWS")
	args+=(-p "$BATCH")
	log "home $PXT_HOME: batch_insert ${args[*]}"
	# from $WORK: no stray .env of the caller's folder reaches pxtc
	if ! in_work ./batch_insert "${args[@]}" | tee "$WORK/results.txt" | sed 's/^/    /' >&2; then
		die "batch_insert failed"
	fi
	report
	bench_end
}

# run unless sourced (sourcing gives the functions, for trying pieces by hand)
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
