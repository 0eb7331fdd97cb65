#!/usr/bin/env bash
# cold_fetch.sh - what the file cache adds to a cold fetch: pxt_cache_get of a URL it
# has never seen against the origin's own response time, for a SIZE_KB file from an
# nginx on loopback.
#
# It installs pxtc into a temporary prefix, builds bench/cold_fetch.c against that copy
# of libpxt (with the internal header app/lib/media/file_cache_int.h and libcurl), and:
#   1. writes a SIZE_KB KiB file of random bytes and starts nginx as the origin on a
#      free 127.0.0.1 port, from a minimal config in the temporary folder (sendfile,
#      tcp_nopush, keepalive, one log line per request: status, bytes, $request_time,
#      query); checks that it serves the file;
#   2. with a fresh PIXELTABLE_HOME under /tmp (no database: the file cache needs none)
#      and PIXELTABLE_FETCH_ALLOW_PRIVATE=true (the origin is on loopback), waits for a
#      machine under QUIET_PCT % busy, then runs cold_fetch: WARMUP + N iterations of
#      five timed steps, their order rotating, each on a URL of its own (a distinct
#      query string, so every cache fetch is cold):
#        origin  libcurl GET, a new connection, the body dropped: the origin's own time
#        cold    pxt_cache_get on an emptied cache (pxt_cache_clear, not timed): lookup,
#                URL lock, download, write, fsync, lease, rename, folder fsync, eviction
#        fetch   pxt_fetch_url into a new file (download, write, fsync; no cache work)
#        write   SIZE_KB KiB written and fsynced, no network (the disk alone)
#        create  an empty file created and closed (one new name on this file system)
#      and checks every cached file (size; the first one byte for byte);
#   3. times N GETs with curl(1) (time_total) as a second view of the origin;
#   4. reads the origin's log: every request 200 with the whole file, and nginx's own
#      $request_time per step;
#   5. reports min, p50, p90, p99, max and mean of each step in ms, the per-iteration
#      difference cold - origin, and the verdict: the cold fetch's p50 and p90 at most
#      TARGET_MS over the origin's, as Markdown (stdout, and -o FILE).
# nginx is stopped and the temporary folders removed on exit, pass or fail.
#
#   bench/cold_fetch.sh [-n N] [-w WARMUP] [-o REPORT.md] [--no-build] [--smoke]
# --smoke checks in seconds that it still works (3 iterations of a 64 KiB file).
# Environment: N (50), WARMUP (5), SIZE_KB (1024), TARGET_MS (5), QUIET_PCT (15),
# QUIET_MAX_S (120), HOME_BASE (/tmp: the folder the temporary PIXELTABLE_HOME is made
# in; /dev/shm puts the cache on tmpfs, to see what the disk costs), OTHER_MAX (0.3)
# and REDO_MAX (3): the iterations are run again when other processes took more than
# OTHER_MAX cores meanwhile (REDO_MAX times at most), BUILD (build), STRICT=1 (exit 3
# when the target is missed).
# Needs nginx, curl, cc, pkg-config with libcurl's development files
# (libcurl4-openssl-dev) and cmake. Shares bench/lib.sh with the other scripts.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init cold_fetch.sh
N=${N:-50}
WARMUP=${WARMUP:-5}
SIZE_KB=${SIZE_KB:-1024}
TARGET_MS=${TARGET_MS:-5}
QUIET_PCT=${QUIET_PCT:-15}
QUIET_MAX_S=${QUIET_MAX_S:-120}
HOME_BASE=${HOME_BASE:-/tmp}
OTHER_MAX=${OTHER_MAX:-0.3}
REDO_MAX=${REDO_MAX:-3}
CMDLINE="bench/cold_fetch.sh $*"

ORIGIN_MASTER=

smoke_settings() { N=3 WARMUP=1 SIZE_KB=64 REDO_MAX=0; }

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		-n) N=${2:?}; shift 2 ;;
		-w) WARMUP=${2:?}; shift 2 ;;
		*) bench_arg "$@"; shift "$BENCH_SHIFT" ;;
		esac
	done
	need_int N SIZE_KB QUIET_PCT QUIET_MAX_S
	need_uint WARMUP REDO_MAX
	need_num OTHER_MAX TARGET_MS
	if [ ! -d "$HOME_BASE" ] || [ ! -w "$HOME_BASE" ]; then die "HOME_BASE $HOME_BASE is not a writable folder"; fi
}

# build_all: pxtc into $WORK/prefix, cold_fetch against that copy of libpxt.
build_all() {
	need_tools nginx curl cc pkg-config cmake timeout pgrep
	need_pc libcurl
	build_pxtc
	install_prefix
	# file_cache_int.h is internal to libpxt (not installed, not exported): from the
	# source tree, linked with the library's objects, as the integration test's driver is
	copy_libpxt_static "$WORK/lib"
	# shellcheck disable=SC2046,SC2086
	cc_bench c11 -I"$WORK/prefix/include" -I"$ROOT/app/lib" \
	    $(pkg-config --cflags libcurl) -o "$WORK/cold_fetch" "$BENCH/cold_fetch.c" \
	    $PXT_INTERNAL_LIBS
	log "built cold_fetch with the library's objects"
}

# start_origin: nginx serving $WORK/origin/www/file.bin on a free port.
start_origin() {
	local d=$WORK/origin conf user_line="" code
	mkdir -p "$d/www" "$d/tmp"
	head -c $((SIZE_KB * 1024)) /dev/urandom > "$d/www/file.bin"
	SIZE=$(stat -c %s "$d/www/file.bin")
	chmod -R a+rX "$d"
	cat "$d/www/file.bin" > /dev/null	# into the page cache
	# as root, nginx's workers need a user: nobody and its group
	if is_root; then user_line="user $(id -un nobody) $(id -gn nobody);"; fi
	ORIGIN_PORT=$(free_port)
	ORIGIN_URL=http://127.0.0.1:$ORIGIN_PORT/file.bin
	conf=$d/nginx.conf
	cat > "$conf" <<-EOF
	# the origin of bench/cold_fetch.sh
	$user_line
	worker_processes auto;
	pid $d/nginx.pid;
	error_log $d/error.log warn;
	events {
	    worker_connections 1024;
	}
	http {
	    default_type application/octet-stream;
	    sendfile on;
	    tcp_nopush on;
	    keepalive_timeout 65s;
	    log_format bench '\$status \$body_bytes_sent \$request_time \$args';
	    access_log $d/access.log bench;
	$(nginx_temp_paths "$d/tmp")
	    server {
	        listen 127.0.0.1:$ORIGIN_PORT;
	        server_name _;
	        root $d/www;
	    }
	}
	EOF
	ORIGIN_MASTER=$(nginx_start "$conf")
	track "$ORIGIN_MASTER" QUIT
	code=$(curl -sS --max-time 10 -o "$WORK/got" -w '%{http_code}' "$ORIGIN_URL?check=1") ||
	    die "curl $ORIGIN_URL failed"
	if [ "$code" != 200 ] || ! cmp -s "$WORK/got" "$d/www/file.bin"; then
		die "the origin answered $code, or not the file's bytes"
	fi
	rm -f "$WORK/got"
	ORIGIN_FILE=$d/www/file.bin
	log "origin: nginx (pid $ORIGIN_MASTER) serving a $SIZE-byte file at $ORIGIN_URL"
}

run_driver() {
	local i n0 n1 c0 c1
	PXT_HOME=$(mktemp -d "$HOME_BASE/pxt-bench.XXXXXX")
	unset PIXELTABLE_DB_CONNECT_STR APP_NAMESPACE PIXELTABLE_API_KEY PIXELTABLE_FILE_CACHE_SIZE_G
	export PIXELTABLE_HOME=$PXT_HOME PIXELTABLE_FETCH_ALLOW_PRIVATE=true
	REDONE=0
	while :; do
		wait_quiet
		: > "$WORK/origin/access.log"	# nginx appends (O_APPEND): truncating is safe
		# shellcheck disable=SC2046
		{ n0=$(ticks $(pgrep -P "$ORIGIN_MASTER")); SYS0=$(sys_ticks); }
		times > "$WORK/times0.txt"	# (in this shell: the driver's CPU shows in its children's)
		# from $WORK: no stray .env of the caller's folder reaches pxtc
		(in_work timeout 600 ./cold_fetch -n "$N" -w "$WARMUP" -f "$ORIGIN_FILE" "$ORIGIN_URL") \
		    > "$WORK/samples.txt" 2> "$WORK/driver.err" ||
		    { cat "$WORK/driver.err" >&2; die "cold_fetch failed"; }
		times > "$WORK/times1.txt"
		# shellcheck disable=SC2046
		{ n1=$(ticks $(pgrep -P "$ORIGIN_MASTER")); SYS1=$(sys_ticks); }
		c0=$(child_secs "$WORK/times0.txt")
		c1=$(child_secs "$WORK/times1.txt")
		# cores busy outside the driver and the origin: other sessions, kernel threads
		OTHER=$(awk -v s0="$SYS0" -v s1="$SYS1" -v n=$((n1 - n0)) -v c0="$c0" -v c1="$c1" \
		    -v hz="$(getconf CLK_TCK)" -v cpus="$(nproc)" 'BEGIN { split(s0, a, " "); split(s1, b, " ")
		    o = (b[1] - a[1]) - n - (c1 - c0) * hz; if (o < 0) o = 0
		    t = (b[3] - a[3]) / cpus; if (t < 1) t = 1; printf "%.2f", o / t }')
		[ ! -s "$WORK/driver.err" ] || { log "cold_fetch said:"; cat "$WORK/driver.err" >&2; }
		[ "$(grep -c '^SAMPLE ' "$WORK/samples.txt")" = $((5 * N)) ] || die "cold_fetch gave $(grep -c '^SAMPLE ' "$WORK/samples.txt") samples, not $((5 * N))"
		log "cold_fetch: $WARMUP warm-up + $N measured iterations of origin, cold, fetch, write, create; other processes took $OTHER cores meanwhile"
		awk -v o="$OTHER" -v m="$OTHER_MAX" 'BEGIN { exit !(o > m) }' || break
		if [ "$REDONE" -ge "$REDO_MAX" ]; then
			log "warning: disturbed (over $OTHER_MAX cores busy outside the driver and the origin), kept: REDO_MAX ($REDO_MAX) reached"
			break
		fi
		REDONE=$((REDONE + 1))
		log "disturbed (over $OTHER_MAX cores busy outside the driver and the origin): running it again ($REDONE of $REDO_MAX)"
	done
	: > "$WORK/curl_ms.txt"
	for i in $(seq 1 "$N"); do
		curl -sS --max-time 30 -o /dev/null -w '%{time_total}\n' "$ORIGIN_URL?curl=$i" |
		    awk '{ printf "%.3f\n", $1 * 1000 }' >> "$WORK/curl_ms.txt"
	done
	FS_LINE=$(df -T "$PXT_HOME" | awk 'NR == 2 { print $2 " on " $1 }')
}

# step_ms STEP: the step's times, one per line, in iteration order.
step_ms() { awk -v s="$1" '$1 == "SAMPLE" { delete f; for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    if (f["step"] == s) print f["i"], f["ms"] }' "$WORK/samples.txt" | sort -n | awk '{ print $2 }'; }

# server_log: every request answered 200 with the whole file; nginx's $request_time
# (ms resolution) of the measured requests per step into $WORK/server-STEP.txt.
server_log() {
	local log=$WORK/origin/access.log bad s
	bad=$(awk -v size="$SIZE" '$1 != 200 || $2 != size' "$log" | wc -l)
	[ "$bad" = 0 ] || { awk -v size="$SIZE" '$1 != 200 || $2 != size' "$log" | head >&2; die "$bad origin requests were not 200 with $SIZE bytes"; }
	for s in origin cold fetch curl; do
		awk -v s="$s" -v w="$WARMUP" '{ split($4, kv, "="); if (kv[1] == s && kv[2] + 0 > (s == "curl" ? 0 : w)) printf "%.3f\n", $3 * 1000 }' "$log" > "$WORK/server-$s.txt"
	done
	[ "$(wc -l < "$WORK/server-cold.txt")" = "$N" ] || die "the origin logged $(wc -l < "$WORK/server-cold.txt") measured cold fetches, not $N"
}

report() {
	local s label verdict d50 d90 c50 c90 o50 o90
	step_ms origin > "$WORK/origin_ms.txt"
	step_ms cold > "$WORK/cold_ms.txt"
	paste -d' ' "$WORK/cold_ms.txt" "$WORK/origin_ms.txt" | awk '{ printf "%.3f\n", $1 - $2 }' > "$WORK/diff_ms.txt"
	read -r _ o50 o90 _ _ _ <<<"$(stats < "$WORK/origin_ms.txt")"
	read -r _ c50 c90 _ _ _ <<<"$(stats < "$WORK/cold_ms.txt")"
	d50=$(awk -v a="$c50" -v b="$o50" 'BEGIN { printf "%.2f", a - b }')
	d90=$(awk -v a="$c90" -v b="$o90" 'BEGIN { printf "%.2f", a - b }')
	verdict=$(verdict "$(awk -v a="$d50" -v b="$d90" 'BEGIN { print (a > b) ? a : b }')" le "$TARGET_MS")
	MISSED=0
	[ "$verdict" = met ] || MISSED=1
	{
		echo "## pxtc file cache: a cold fetch against the origin's own time, $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo
		machine_line "$("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), $(curl -V | head -n1 | awk '{ print $1, $2 }'); the home and the cache on $FS_LINE"
		echo "- command: \`$CMDLINE\` (N=$N iterations after WARMUP=$WARMUP, HOME_BASE=$HOME_BASE, a file of $SIZE bytes, random)"
		echo "- origin: nginx on 127.0.0.1 (sendfile, tcp_nopush), the file in the page cache; every request 200 with all $SIZE bytes; nginx's own \`\$request_time\` (1 ms resolution), largest: origin GETs $(sort -g "$WORK/server-origin.txt" | tail -n1) ms, the cold fetches' GETs $(sort -g "$WORK/server-cold.txt" | tail -n1) ms, curl(1) $(sort -g "$WORK/server-curl.txt" | tail -n1) ms"
		load_line "waited ${QUIET_WAITED} s for a machine under $QUIET_PCT% busy; during the iterations the machine was $(busy_between "$SYS0" "$SYS1"), and processes other than the driver and the origin took $OTHER cores; runs again because they took over $OTHER_MAX: $REDONE"
		echo
		echo "| $N iterations, ms | min | p50 | p90 | p99 | max | mean |"
		echo "|---|---:|---:|---:|---:|---:|---:|"
		for s in origin cold diff fetch write create curl; do
			case $s in
			origin) label="**origin**: libcurl GET, new connection, body dropped" ;;
			cold) label="**cold**: \`pxt_cache_get\` of a new URL, emptied cache" ;;
			diff) label="cold - origin, per iteration" ;;
			fetch) label="fetch: \`pxt_fetch_url\` into a new file (download, write, fsync)" ;;
			write) label="write: the file's bytes written and fsynced, no network" ;;
			create) label="create: an empty file created and closed, no fsync" ;;
			curl) label="curl(1) GET, \`time_total\`" ;;
			esac
			case $s in
			diff) read -r a b c d e f <<<"$(stats < "$WORK/diff_ms.txt")" ;;
			curl) read -r a b c d e f <<<"$(stats < "$WORK/curl_ms.txt")" ;;
			*) read -r a b c d e f <<<"$(step_ms "$s" | stats)" ;;
			esac
			echo "| $label | $a | $b | $c | $d | $e | $f |"
		done
		echo
		echo "- cold - origin, every iteration in order (ms): $(awk '{ printf "%s%.1f", (NR > 1 ? " " : ""), $1 }' "$WORK/diff_ms.txt")"
		echo
		echo "Target: a cold fetch adds at most $TARGET_MS ms to the origin's time: **$verdict** (p50 $c50 - $o50 = $d50 ms, p90 $c90 - $o90 = $d90 ms)."
	} > "$WORK/report.md"
	report_out
}

main() {
	parse_args "$@"
	bench_begin cold	# WORK: nginx's workers (user nobody when root) read the file from it
	build_all
	start_origin
	run_driver
	server_log
	report
	bench_end
}

# run unless sourced (sourcing gives the functions, for trying pieces by hand)
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
