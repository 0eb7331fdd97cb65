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
# Environment: ROWS (10000), BATCH (1000), ROUNDS (3), TARGET_RPS (5000),
# BUILD (build), STRICT=1 (exit 3 when the target is missed). Needs cmake, cc, and
# the libpq development files.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
BUILD=${BUILD:-$ROOT/build}
ROWS=${ROWS:-10000}
BATCH=${BATCH:-1000}
ROUNDS=${ROUNDS:-3}
TARGET_RPS=${TARGET_RPS:-5000}
STRICT=${STRICT:-0}
REPORT_OUT=
DO_BUILD=1
CMDLINE="bench/batch_insert.sh $*"

WORK=
PXT_HOME=

log() { printf '%s batch_insert.sh: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
	exit "${1:-0}"
}

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		-n) ROWS=${2:?}; shift 2 ;;
		-b) BATCH=${2:?}; shift 2 ;;
		-r) ROUNDS=${2:?}; shift 2 ;;
		-o) REPORT_OUT=${2:?}; shift 2 ;;
		--no-build) DO_BUILD=0; shift ;;
		-h|--help) usage 0 ;;
		*) log "unknown argument: $1"; usage 2 ;;
		esac
	done
	for v in ROWS BATCH ROUNDS TARGET_RPS; do
		[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '${!v}'"
	done
}

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	if [ -n "$PXT_HOME" ] && [ -r "$PXT_HOME/pgdata/postmaster.pid" ]; then
		PIXELTABLE_HOME=$PXT_HOME timeout 60 "$WORK/prefix/bin/pxtc" db stop >/dev/null 2>&1 ||
		    PIXELTABLE_HOME=$PXT_HOME timeout 60 "$BUILD/app/pxtc" db stop >/dev/null 2>&1 ||
		    log "warning: could not stop the embedded PostgreSQL of $PXT_HOME"
	fi
	[ -n "$PXT_HOME" ] && rm -rf "$PXT_HOME"
	[ -n "$WORK" ] && rm -rf "$WORK"
	[ $rc -ne 0 ] && log "failed (exit $rc); the database is stopped and the temporary folders are gone"
	exit $rc
}

build_all() {
	local f
	for f in cmake cc pkg-config timeout; do
		command -v "$f" >/dev/null || die "missing: $f"
	done
	pkg-config --exists libpq || die "missing the libpq development files (libpq-dev)"
	if [ $DO_BUILD -eq 1 ]; then
		log "building pxtc ($BUILD)"
		cmake --build "$BUILD" -j2 >&2
	fi
	[ -f "$BUILD/app/libpxt.so" ] || die "$BUILD/app/libpxt.so is missing: build pxtc first"
	for f in 1 2 3 4 5; do
		cmake --install "$BUILD" --prefix "$WORK/prefix" >/dev/null
		"$WORK/prefix/bin/pxtc" version >/dev/null 2>&1 && break
		[ "$f" -lt 5 ] || die "the installed pxtc does not run: $("$WORK/prefix/bin/pxtc" version 2>&1)"
		log "the installed copy does not run (a build in progress?): installing again"
		sleep 5
	done
	chmod -R a+rX "$WORK/prefix"
	# shellcheck disable=SC2046
	cc -std=c11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	    -Wmissing-prototypes -I"$WORK/prefix/include" $(pkg-config --cflags libpq) \
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
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

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
	verdict=$(awk -v v="$rps" -v t="$TARGET_RPS" 'BEGIN { print (v >= t) ? "met" : "NOT met" }')
	MISSED=0
	[ "$verdict" = met ] || MISSED=1
	{
		echo "## pxtc batch insert (C API), $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo
		echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), $(free -g | awk '/^Mem:/ { print $2 }') GiB memory, $(uname -sr)"
		echo "- command: \`$CMDLINE\` (ROWS=$ROWS BATCH=$BATCH ROUNDS=$ROUNDS), medians of $ROUNDS rounds"
		echo "- rows: body of 8-30 words (about 110 bytes), metadata about 90 bytes of JSON; computed columns n_words = word_count(body), body_upper = upper(body); a fresh table each run"
		echo "- load average (1, 5, 15 min) at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
		echo
		echo "| variant | pxt_insert calls | rows/s | rows/s per round | seconds | call ms min | call ms p50 | call ms max |"
		echo "|---|---:|---:|---|---:|---:|---:|---:|"
		row computed "$BATCH" "two computed columns, $BATCH rows a call"
		[ "$BATCH" = "$ROWS" ] || row computed "$ROWS" "two computed columns, all $ROWS rows in one call"
		row plain "$BATCH" "no computed columns, $BATCH rows a call"
		echo
		echo "Target: >= $TARGET_RPS rows/s with two computed columns, $BATCH rows a call: **$verdict** ($(printf '%.0f' "$rps") rows/s)."
	} > "$WORK/report.md"
	cat "$WORK/report.md"
	if [ -n "$REPORT_OUT" ]; then cp "$WORK/report.md" "$REPORT_OUT"; fi
}

main() {
	local args
	parse_args "$@"
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
	awk '{ exit !($1 > 1.0) }' /proc/loadavg &&
	    log "warning: load average $LOAD_START: something else is busy; numbers will be low and noisy"
	WORK=$(mktemp -d /tmp/pxt-bench-batch.XXXXXX)
	chmod 0755 "$WORK"
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
	if ! (cd "$WORK" && ./batch_insert "${args[@]}") | tee "$WORK/results.txt" | sed 's/^/    /' >&2; then
		die "batch_insert failed"
	fi
	report
	if [ "$STRICT" = 1 ] && [ "$MISSED" = 1 ]; then
		log "the target was missed (STRICT=1)"
		exit 3
	fi
}

# run unless sourced (sourcing gives the functions, for trying pieces by hand)
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
