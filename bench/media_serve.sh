#!/usr/bin/env bash
# media_serve.sh - a media file served through the stack's signed /media URLs against
# the same file served by nginx as a plain static file, in requests/s.
#
# /media/PATH?exp=EPOCH&sig=SIG is answered by nginx itself (nginx.conf.example:
# secure_link_md5 check, disable_symlinks, the security headers, the JSON access log),
# no worker is involved. The script:
#   1. installs pxtc into a temporary prefix (as root the workers and nginx's workers
#      run as user pxtc) and starts the real stack (deploy/local/pxtc-stack: embedded
#      PostgreSQL, pxtc-setup, spawn-fcgi + multiwatch workers, nginx) with a fresh
#      PIXELTABLE_HOME on a free 127.0.0.1 port;
#   2. writes two files into $PIXELTABLE_HOME/media/gen/bench: a PNG of about SMALL_KB
#      KB (vips noise; random bytes when vips is missing) and a LARGE_KB KiB binary,
#      and reads them once (page cache);
#   3. signs a /media URL for each with the stack's secret (run/media_url_secret), the
#      string nginx.conf.example documents (what pxt_media_url computes), and checks
#      that the signed URL answers 200 with the file's bytes and that an unsigned or
#      tampered one answers 403;
#   4. starts a second nginx (the baseline) on another free port from a minimal config
#      in the temporary folder: `location /media/ { root $PIXELTABLE_HOME; }` and
#      nothing else, with the main, events and http directives that shape static
#      serving copied from the stack's rendered run/nginx.conf (user, worker_processes,
#      worker_rlimit_nofile, worker_connections, sendfile, tcp_nopush,
#      keepalive_timeout, reset_timedout_connection, server_tokens, types, gzip*, and,
#      with ACCESS_LOG=same, the stack's log_format and one log line per request);
#   5. for each file: a 2 s warm-up of each URL, then ROUNDS pairs of
#      `wrk -t2 -c64 -d10s --latency`, /media then static, alternating (ORDER=abba:
#      static first in even pairs). Before each run it waits for a machine under
#      QUIET_PCT % busy; a pair during which other processes took over OTHER_MAX cores
#      or the hypervisor stole over STEAL_MAX % is run again (REDO_MAX times in all);
#   6. reports every run (req/s, p50, p99, errors, MB/s of bodies, the CPU time per
#      request of the nginx workers and of wrk, what the rest of the machine did), the
#      medians, and the ratio of the median req/s, /media / static, per file, against
#      the target (>= TARGET_PCT %), as Markdown (stdout, and -o FILE).
#   7. with DIAG=1, then looks for where the difference goes: the baseline nginx also
#      serves the same signed URL from five more server blocks, each `location /media/
#      { root ...; }` plus one part of the stack's /media location (copied from its
#      rendered config): nothing (plain, the query string only), its disable_symlinks,
#      its add_header lines, its secure_link check (secure_link, secure_link_md5 and the
#      two ifs), and the whole location; DIAG_ROUNDS rounds of all seven (the two
#      above and these five), in a rotating order, are reported with their ratio to
#      the static baseline.
# Every process it started is stopped and the temporary folders removed on exit, pass
# or fail.
#
#   bench/media_serve.sh [-r ROUNDS] [-d SECONDS] [-o REPORT.md] [--no-build]
#                        [--hold SECONDS] [--smoke]
# --smoke checks in seconds that it still works (small files, one pair of 1 s runs a
# file, 1 s warm-ups, one worker, no wait for a quiet machine).
# --hold keeps both nginx up for SECONDS after the runs (the two URLs of each file and
# the nginx PIDs are printed), then cleans up.
# Environment: ROUNDS (3), DUR (10), THREADS (2), CONNS (64), WORKERS (2),
# SMALL_KB (100), LARGE_KB (1024), TARGET_PCT (90), ORDER (ab | abba), ACCESS_LOG
# (same | off: the baseline logs every request like the stack, or not at all),
# QUIET_PCT (15), QUIET_MAX_S (120), OTHER_MAX (0.3), STEAL_MAX (5), REDO_MAX (6),
# DIAG (0), DIAG_ROUNDS (ROUNDS), BUILD (build), STRICT=1 (exit 3 when the target is missed). Needs wrk (installed
# with apt-get when missing and root), nginx, spawn-fcgi, multiwatch, curl, openssl,
# cmake; vips (libvips-tools) for a real PNG. Shares bench/lib.sh with the other scripts.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init media_serve.sh
ROUNDS=${ROUNDS:-3}
DUR=${DUR:-10}
THREADS=${THREADS:-2}
CONNS=${CONNS:-64}
WORKERS=${WORKERS:-2}
SMALL_KB=${SMALL_KB:-100}
LARGE_KB=${LARGE_KB:-1024}
TARGET_PCT=${TARGET_PCT:-90}
ORDER=${ORDER:-ab}
ACCESS_LOG=${ACCESS_LOG:-same}
QUIET_PCT=${QUIET_PCT:-15}
QUIET_MAX_S=${QUIET_MAX_S:-120}
OTHER_MAX=${OTHER_MAX:-0.3}
STEAL_MAX=${STEAL_MAX:-5}
REDO_MAX=${REDO_MAX:-6}
DIAG=${DIAG:-0}
DIAG_ROUNDS=${DIAG_ROUNDS:-$ROUNDS}
DIAG_VARIANTS="media static d_plain d_symlinks d_headers d_securelink d_copy"
WARM_S=2
MEDIA_REL=gen/bench
CMDLINE="bench/media_serve.sh $*"

STATIC_MASTER=
# per file (small, large): its size, path, signed URL, plain path, ratio; per
# diagnostic variant: its port
declare -A SIZE FILE MEDIA_URL PLAIN_PATH RATIO DIAG_PORT

smoke_settings() {
	ROUNDS=1 DUR=1 WARM_S=1 WORKERS=1 CONNS=4 SMALL_KB=10 LARGE_KB=64 REDO_MAX=0
	DIAG_ROUNDS=1
}

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		-d) DUR=${2:?}; shift 2 ;;
		-r) ROUNDS=${2:?}; shift 2 ;;
		*) bench_arg "$@"; shift "$BENCH_SHIFT" ;;
		esac
	done
	need_int ROUNDS DUR THREADS CONNS WORKERS SMALL_KB LARGE_KB TARGET_PCT QUIET_PCT QUIET_MAX_S DIAG_ROUNDS
	need_uint REDO_MAX HOLD
	need_num OTHER_MAX STEAL_MAX
	case $ORDER in ab|abba) ;; *) die "ORDER must be ab or abba, got '$ORDER'" ;; esac
	case $ACCESS_LOG in same|off) ;; *) die "ACCESS_LOG must be same or off, got '$ACCESS_LOG'" ;; esac
	case $DIAG in 0|1) ;; *) die "DIAG must be 0 or 1, got '$DIAG'" ;; esac
}

build_and_install() {
	need_tools wrk nginx spawn-fcgi multiwatch curl openssl cmake timeout pgrep
	build_pxtc
	need_built app/pxtc-worker app/pxtc schema/pxtc-setup
	install_prefix
}

start_stack() {
	stack_env
	stack_start
	STACK_CONF=$PXT_HOME/run/nginx.conf
	STACK_MASTER=$(cat "$PXT_HOME/run/nginx.pid")
	[ -r "$STACK_CONF" ] || die "the stack's nginx config $STACK_CONF is missing"
	[ -r "$PXT_HOME/run/media_url_secret" ] || die "the stack generated no $PXT_HOME/run/media_url_secret"
	SECRET=$(head -n1 "$PXT_HOME/run/media_url_secret")
}

# make_media: the two files in $PXT_HOME/media/gen/bench, owned like the home.
make_media() {
	local dir=$PXT_HOME/media/$MEDIA_REL side
	mkdir -p "$dir"
	# grey noise compresses to about 0.87 byte a pixel
	side=$(awk -v kb="$SMALL_KB" 'BEGIN { printf "%d", sqrt(kb * 1000 / 0.87) }')
	if command -v vips >/dev/null &&
	    vips gaussnoise "$WORK/noise.v" "$side" "$side" >/dev/null 2>&1 &&
	    vips cast "$WORK/noise.v" "$WORK/noise8.v" uchar >/dev/null 2>&1 &&
	    vips copy "$WORK/noise8.v" "$dir/small.png" >/dev/null 2>&1; then
		SMALL_KIND="PNG ${side}x${side} grey noise (vips)"
	else
		head -c $((SMALL_KB * 1000)) /dev/urandom > "$dir/small.png"
		SMALL_KIND="random bytes named .png (no vips)"
	fi
	rm -f "$WORK/noise.v" "$WORK/noise8.v"
	head -c $((LARGE_KB * 1024)) /dev/urandom > "$dir/large.bin"
	chmod 0755 "$PXT_HOME/media" "$PXT_HOME/media/gen" "$dir"
	chmod 0644 "$dir"/*
	if is_root; then chown -R "$(stat -c %U:%G "$PXT_HOME")" "$PXT_HOME/media/gen"; fi
	SIZE[small]=$(stat -c %s "$dir/small.png")
	SIZE[large]=$(stat -c %s "$dir/large.bin")
	FILE[small]=$dir/small.png
	FILE[large]=$dir/large.bin
	cat "$dir/small.png" "$dir/large.bin" > /dev/null	# into the page cache
	log "media: small.png ${SIZE[small]} bytes ($SMALL_KIND), large.bin ${SIZE[large]} bytes"
}

# sign REL: the signed /media URL path of media/REL (nginx.conf.example's recipe, the
# string pxt_media_url hashes): base64url(md5("EXP/media/REL SECRET")), unpadded.
sign() {
	local rel=$1 exp sig
	exp=$(( $(date +%s) + 86400 ))
	sig=$(printf '%s' "$exp/media/$rel $SECRET" | openssl md5 -binary | openssl base64 |
	    tr +/ -_ | tr -d '=')
	echo "/media/$rel?exp=$exp&sig=$sig"
}

# check_get URL FILE: 200 with FILE's bytes.
check_get() {
	local code
	code=$(curl -sS --max-time 10 -o "$WORK/got" -w '%{http_code}' "$1") || die "curl $1 failed"
	[ "$code" = 200 ] || { head -c 300 "$WORK/got" >&2; echo >&2; die "$1 answered $code, not 200"; }
	cmp -s "$WORK/got" "$2" || die "$1 did not answer the bytes of $2"
	rm -f "$WORK/got"
}

# check_403 URL: refused.
check_403() {
	local code
	code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$1") || die "curl $1 failed"
	[ "$code" = 403 ] || die "$1 answered $code, not 403: the signature is not checked?"
}

sign_urls() {
	local f path
	for f in small large; do
		case $f in small) path=$MEDIA_REL/small.png ;; large) path=$MEDIA_REL/large.bin ;; esac
		MEDIA_URL[$f]=$URL$(sign "$path")
		PLAIN_PATH[$f]=/media/$path
	done
	check_get "${MEDIA_URL[small]}" "${FILE[small]}"
	check_get "${MEDIA_URL[large]}" "${FILE[large]}"
	check_403 "$URL${PLAIN_PATH[small]}"
	# the same URL with the first character of the signature changed (not the last:
	# its low bits are padding, which base64 decoding ignores)
	local head=${MEDIA_URL[small]%%sig=*}sig= sig=${MEDIA_URL[small]#*sig=} c=A
	[ "${sig:0:1}" != A ] || c=B
	check_403 "$head$c${sig:1}"
	log "signed /media URLs answer 200 with the files' bytes; unsigned and tampered ones 403"
}

# grab NAME: the first `NAME ...;` line of the stack's config, trimmed (empty if none).
grab() { grep -m1 -E "^[[:space:]]*$1[[:space:]]" "$STACK_CONF" | sed 's/^[[:space:]]*//' || true; }

# start_static: the baseline nginx, the same file as a plain static file.
start_static() {
	local d=$WORK/static conf line copied=()
	mkdir -p "$d/tmp"
	STATIC_PORT=$(free_port)
	STATIC_URL=http://127.0.0.1:$STATIC_PORT
	conf=$d/nginx.conf
	{
		echo "# the baseline of bench/media_serve.sh: plain static files, directives copied from the stack's nginx.conf"
		for line in "$(grab user)" "$(grab worker_processes)" "$(grab worker_rlimit_nofile)"; do
			[ -z "$line" ] || { echo "$line"; copied+=("$line"); }
		done
		echo "pid $d/nginx.pid;"
		echo "error_log $d/error.log warn;"
		echo "events {"
		line=$(grab worker_connections)
		[ -z "$line" ] || { echo "    $line"; copied+=("$line"); }
		echo "}"
		echo "http {"
		for line in "$(grab server_tokens)" "$(grab sendfile)" "$(grab tcp_nopush)" \
		    "$(grab keepalive_timeout)" "$(grab reset_timedout_connection)" "$(grab default_type)"; do
			[ -z "$line" ] || { echo "    $line"; copied+=("$line"); }
		done
		grep -E '^[[:space:]]*gzip[_a-z]*[[:space:]]' "$STACK_CONF" || true
		# the types block, as it is
		awk '/^[[:space:]]*types[[:space:]]*\{/ { on = 1 } on { print } on && /\}/ { exit }' "$STACK_CONF"
		if [ "$ACCESS_LOG" = same ]; then
			# the stack's log_format (several lines, up to the first `;`) and a log
			awk '/^[[:space:]]*log_format[[:space:]]/ { on = 1 } on { print } on && /;[[:space:]]*$/ { exit }' "$STACK_CONF"
			# and the maps its variables come from (the signature masked in the path)
			awk '/^[[:space:]]*map[[:space:]]/ { on = 1 } on { print } on && /^[[:space:]]*\}/ { on = 0 }' "$STACK_CONF"
			line=$(grab access_log)
			[ -n "$line" ] || die "no access_log in $STACK_CONF"
			echo "    access_log $d/access.log $(echo "$line" | awk '{ print $3 }')"
		else
			echo "    access_log off;"
		fi
		nginx_temp_paths "$d/tmp"
		echo "    server {"
		echo "        listen 127.0.0.1:$STATIC_PORT;"
		echo "        server_name _;"
		echo "        location /media/ {"
		echo "            root $PXT_HOME;"
		echo "        }"
		echo "    }"
		if [ "$DIAG" = 1 ]; then diag_servers; fi
		echo "}"
	} > "$conf"
	chmod 0600 "$conf"	# with DIAG=1 it holds the media secret
	COPIED=$(printf "\`%s\` " "${copied[@]}")
	COPIED="$COPIED, the types block and the gzip lines$([ "$ACCESS_LOG" = same ] && echo ", and the log_format with its access_log (to its own file)")"
	STATIC_MASTER=$(nginx_start "$conf")
	track "$STATIC_MASTER" QUIT
	check_get "$STATIC_URL${PLAIN_PATH[small]}" "${FILE[small]}"
	check_get "$STATIC_URL${PLAIN_PATH[large]}" "${FILE[large]}"
	log "baseline nginx (pid $STATIC_MASTER) on $STATIC_URL: $COPIED"
}

# media_location: the body of the stack's `location /media/ { ... }`, one line each,
# prefixed by its part: root, securelink (secure_link*, the ifs and their bodies),
# symlinks (disable_symlinks), headers (add_header), other; comments left out.
media_location() {
	awk '!on && /^[[:space:]]*location[[:space:]]+\/media\/[[:space:]]*\{/ { on = 1; depth = 1; next }
	    on {
	        line = $0; sub(/^[[:space:]]+/, "", line)
	        if (line ~ /^}/ && depth == 1) exit
	        if (line ~ /^#/ || line == "") next
	        if (depth > 1 || line ~ /^if[[:space:]]*\(/) part = "securelink"
	        else if (line ~ /^secure_link/) part = "securelink"
	        else if (line ~ /^disable_symlinks/) part = "symlinks"
	        else if (line ~ /^add_header/) part = "headers"
	        else if (line ~ /^root[[:space:]]/) part = "root"
	        else part = "other"
	        print part "\t" line
	        n = gsub(/\{/, "{", line); m = gsub(/\}/, "}", line); depth += n - m
	    }' "$STACK_CONF"
}

# diag_servers: five server blocks of the baseline (DIAG=1), /media/ with the root and
# one part of the stack's /media location each; their ports in DIAG_PORT[variant].
diag_servers() {
	local v parts port
	media_location > "$WORK/media_location.txt"
	grep -q '^securelink' "$WORK/media_location.txt" || die "no secure_link in the stack's location /media/"
	for v in d_plain d_symlinks d_headers d_securelink d_copy; do
		case $v in
		d_plain) parts="root" ;;
		d_symlinks) parts="root symlinks" ;;
		d_headers) parts="root headers" ;;
		d_securelink) parts="root securelink" ;;
		d_copy) parts="root securelink symlinks headers other" ;;
		esac
		port=$(free_port)
		DIAG_PORT[$v]=$port
		echo "    server {"
		echo "        listen 127.0.0.1:$port;"
		echo "        server_name _;"
		echo "        location /media/ {"
		awk -F '\t' -v parts=" $parts " 'index(parts, " " $1 " ") { print "            " $2 }' "$WORK/media_location.txt"
		echo "        }"
		echo "    }"
	done
}

# master_of VARIANT: the nginx master serving it; nginx_pids VARIANT: its workers.
master_of() { if [ "$1" = media ]; then echo "$STACK_MASTER"; else echo "$STATIC_MASTER"; fi; }
nginx_pids() { pgrep -P "$(master_of "$1")" || true; }

# both nginx still up (stopped from outside would be measured as socket errors)
nginx_ok() {
	kill -0 "$STACK_MASTER" 2>/dev/null || die "the stack's nginx (pid $STACK_MASTER) is gone"
	kill -0 "$STATIC_MASTER" 2>/dev/null || die "the baseline nginx (pid $STATIC_MASTER) is gone"
}

# url_of VARIANT FILE
url_of() {
	local u=${MEDIA_URL[$2]}
	case $1 in
	media) echo "$u" ;;
	static) echo "$STATIC_URL${PLAIN_PATH[$2]}" ;;
	# the same signed path and query, on the diagnostic server's port
	d_*) echo "http://127.0.0.1:${DIAG_PORT[$1]}/${u#http://*/}" ;;
	esac
}

# run_wrk VARIANT FILE ROUND SECONDS: one run; a line in raw.txt unless ROUND is warm.
run_wrk() {
	local variant=$1 file=$2 round=$3 secs=$4 out line n0 n1 s0 s1 c0 c1 hz size rd
	out=$WORK/wrk-$variant-$file-$round.txt
	size=${SIZE[$file]}
	nginx_ok
	wait_quiet
	# shellcheck disable=SC2046
	{ n0=$(ticks $(nginx_pids "$variant")); s0=$(sys_ticks); }
	times > "$WORK/times0.txt"	# (in this shell: wrk's CPU shows in its children's)
	line=$(wrk_run "$out" "$secs" -t"$THREADS" -c"$CONNS" --latency -s "$BENCH/lua/stats.lua" \
	    "$(url_of "$variant" "$file")")
	times > "$WORK/times1.txt"
	# shellcheck disable=SC2046
	{ n1=$(ticks $(nginx_pids "$variant")); s1=$(sys_ticks); }
	nginx_ok
	c0=$(child_secs "$WORK/times0.txt")
	c1=$(child_secs "$WORK/times1.txt")
	[ "$(kv status_errors <<<"$line")" = 0 ] || { cat "$out" >&2; die "$variant $file: HTTP errors (an expired or wrong signature?)"; }
	# bytes read per response, from wrk's "N requests in Ts, X.YYMB read" (rounded)
	rd=$(awk '/requests in .* read/ { v = $(NF - 1); u = v; sub(/[0-9.]+/, "", u); sub(/[A-Z]+$/, "", v)
	    m = (u == "KB") ? 1024 : (u == "MB") ? 1048576 : (u == "GB") ? 1073741824 : (u == "TB") ? 1099511627776 : 1
	    printf "%.0f", v * m / $1 }' "$out")
	hz=$(getconf CLK_TCK)
	line="$line $(awk -v r="$(kv requests <<<"$line")" -v d="$(kv duration_s <<<"$line")" \
	    -v hz="$hz" -v n=$((n1 - n0)) -v size="$size" -v rd="${rd:-0}" \
	    -v s0="$s0" -v s1="$s1" -v c0="$c0" -v c1="$c1" 'BEGIN { if (r < 1) r = 1
	    split(s0, a, " "); split(s1, b, " "); wrk = (c1 - c0) * hz
	    other = (b[1] - a[1]) - n - wrk; if (other < 0) other = 0
	    tot = b[3] - a[3]; if (tot < 1) tot = 1
	    printf "body_mb_s=%.1f read_per_req=%d nginx_us=%.1f wrk_us=%.1f other_cores=%.2f steal_pct=%.1f idle_pct=%.1f",
	        r * size / d / 1e6, rd, n * 1e6 / hz / r, wrk * 1e6 / hz / r, other / hz / d,
	        (b[2] - a[2]) * 100 / tot, (tot - (b[1] - a[1]) - (b[2] - a[2]) - (b[4] - a[4])) * 100 / tot }')"
	[ "${rd:-0}" -ge $((size * 98 / 100)) ] || log "warning: $variant $file: wrk read $rd bytes a response, the file has $size"
	[ "$(kv errors <<<"$line")" = 0 ] || log "warning: $variant $file run $round had socket errors: $line (see $out)"
	if [ "$round" = warm ]; then log "$variant $file warm-up: ${line#BENCH }"; return 0; fi
	printf '%s %s %s %s\n' "$variant" "$file" "$round" "$line" >> "$RAW"
	log "$variant $file run $round: ${line#BENCH }"
}

# disturbed FILE PAIR: other processes or the hypervisor took CPU during the pair.
disturbed() {
	awk -v f="$1" -v p="$2" -v m="$OTHER_MAX" -v s="$STEAL_MAX" '$2 == f && $3 == p { for (i = 4; i <= NF; i++) {
	    split($i, kv, "=")
	    if (kv[1] == "other_cores" && kv[2] + 0 > m + 0) bad = 1
	    if (kv[1] == "steal_pct" && kv[2] + 0 > s + 0) bad = 1 } }
	    END { exit !bad }' "$RAW"
}

run_rounds() {
	local file pair kept
	RAW=$WORK/raw.txt
	: > "$RAW"
	: > "$WORK/results.txt"
	REDONE=0
	KEPT_DISTURBED=0
	for file in small large; do
		log "$file: warm-up, ${WARM_S} s each (not recorded)"
		run_wrk media "$file" warm "$WARM_S"
		run_wrk static "$file" warm "$WARM_S"
		pair=0
		kept=0
		while [ "$kept" -lt "$ROUNDS" ]; do
			pair=$((pair + 1))
			if [ "$ORDER" = ab ] || [ $((pair % 2)) = 1 ]; then
				run_wrk media "$file" "$pair" "$DUR"
				run_wrk static "$file" "$pair" "$DUR"
			else
				run_wrk static "$file" "$pair" "$DUR"
				run_wrk media "$file" "$pair" "$DUR"
			fi
			KEEP=1
			if disturbed "$file" "$pair"; then judge_pair "$file pair $pair"; fi
			[ "$KEEP" = 0 ] || kept=$((kept + 1))
			awk -v f="$file" -v p="$pair" -v k="$KEEP" '$2 == f && $3 == p { print $0 " kept=" k }' "$RAW" >> "$WORK/results.txt"
		done
	done
}

# run_diag: DIAG_ROUNDS rounds of the seven variants per file, the order rotating by
# one each round; every run is kept (the report shows what else was busy).
run_diag() {
	local file round k i n v order
	RAW=$WORK/diag_raw.txt
	: > "$RAW"
	read -r -a order <<<"$DIAG_VARIANTS"
	n=${#order[@]}
	for file in small large; do
		for v in d_plain d_symlinks d_headers d_securelink d_copy; do
			[ "$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$(url_of "$v" "$file")")" = 200 ] ||
			    die "diagnostic server $v does not answer 200 for $file"
		done
		for round in $(seq 1 "$DIAG_ROUNDS"); do
			for k in $(seq 0 $((n - 1))); do
				i=$(((k + round - 1) % n))
				run_wrk "${order[$i]}" "$file" "$round" "$DUR"
			done
		done
	done
	awk '{ print $0 " kept=1" }' "$RAW" > "$WORK/diag.txt"
}

# field VARIANT FILE KEY: KEY's values over the kept runs, in order.
field() { awk -v v="$1" -v f="$2" -v k="$3" '$1 == v && $2 == f && / kept=1$/ { for (i = 4; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "${FIELD_FILE:-$WORK/results.txt}"; }

report() {
	local file m s r all=met label
	MISSED=0
	{
		echo "## pxtc signed /media URLs vs plain static files (nginx), $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo
		machine_line "$("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), $(wrk -v 2>&1 | head -n1 | awk '{ print $1, $2 }')"
		echo "- command: \`$CMDLINE\` (ROUNDS=$ROUNDS pairs a file, ORDER=$ORDER, DUR=${DUR}s, wrk -t$THREADS -c$CONNS --latency, bench/lua/stats.lua, ${WARM_S} s warm-up each; WORKERS=$WORKERS, idle: /media never reaches them)"
		echo "- files in \$PIXELTABLE_HOME/media/$MEDIA_REL: small.png ${SIZE[small]} bytes ($SMALL_KIND), large.bin ${SIZE[large]} bytes (random); in the page cache"
		echo "- /media: the stack's nginx (run/nginx.conf rendered from nginx.conf.example), \`GET /media/$MEDIA_REL/FILE?exp=...&sig=...\` signed with run/media_url_secret"
		echo "- static: a second nginx, \`location /media/ { root \$PIXELTABLE_HOME; }\`, \`GET /media/$MEDIA_REL/FILE\`; copied from the stack's config: $COPIED"
		load_line "waited ${QUIET_WAITED} s in all for a machine under $QUIET_PCT% busy before the runs"
		echo "- pairs run again because other processes took over $OTHER_MAX cores, or the hypervisor over $STEAL_MAX%, during them: $REDONE; disturbed but kept (REDO_MAX reached): $KEPT_DISTURBED"
		echo
		echo "| file | pair | served as | req/s | p50 ms | p99 ms | errors | body MB/s | nginx CPU us/req | wrk CPU us/req | other busy cores | steal % | idle % | kept |"
		echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
		awk '{ delete f; for (i = 4; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		    printf "| %s | %d | %s | %.0f | %.2f | %.2f | %d | %.0f | %.1f | %.1f | %.2f | %.1f | %.1f | %s |\n", $2, $3,
		    ($1 == "media" ? "/media (signed)" : "static"), f["rps"], f["p50_ms"], f["p99_ms"], f["errors"],
		    f["body_mb_s"], f["nginx_us"], f["wrk_us"], f["other_cores"], f["steal_pct"], f["idle_pct"],
		    (f["kept"] == 1 ? "yes" : "no, disturbed") }' "$WORK/results.txt"
		echo
		echo "Kept pairs only:"
		echo
		echo "| file | /media median req/s | static median req/s | **/media / static** | /media p50 / p99 ms | static p50 / p99 ms | nginx CPU us/req /media / static | pair ratios |"
		echo "|---|---:|---:|---:|---|---|---|---|"
		for file in small large; do
			m=$(field media "$file" rps | median)
			s=$(field static "$file" rps | median)
			r=$(ratio "$m" "$s")
			RATIO[$file]=$r
			if [ "$file" = small ]; then label="small.png (${SIZE[small]} B)"; else label="large.bin (${SIZE[large]} B)"; fi
			printf '| %s | %.0f | %.0f | **%.3f** | %.2f / %.2f | %.2f / %.2f | %.1f / %.1f | %s |\n' "$label" "$m" "$s" "$r" \
			    "$(field media "$file" p50_ms | median)" "$(field media "$file" p99_ms | median)" \
			    "$(field static "$file" p50_ms | median)" "$(field static "$file" p99_ms | median)" \
			    "$(field media "$file" nginx_us | median)" "$(field static "$file" nginx_us | median)" \
			    "$(paste -d' ' <(field media "$file" rps) <(field static "$file" rps) | awk '{ printf "%s%.3f", (NR > 1 ? " / " : ""), $1 / $2 }')"
			awk -v x="$r" -v t="$TARGET_PCT" 'BEGIN { exit !(x * 100 >= t) }' || all="NOT met"
		done
		echo
		echo "Target: /media at least $TARGET_PCT% of the static req/s for each file: **$all** (small ${RATIO[small]}, large ${RATIO[large]})."
		if [ "$DIAG" = 1 ]; then diag_report; fi
	} > "$WORK/report.md"
	[ "$all" = met ] || MISSED=1
	report_out
}

# diag_report: the DIAG=1 table, medians over DIAG_ROUNDS rounds.
diag_report() {
	local file v s what
	local FIELD_FILE=$WORK/diag.txt
	echo
	echo "### Where the difference goes (DIAG=1: $DIAG_ROUNDS rounds of each, rotating order)"
	echo
	echo "d_* are server blocks of the baseline nginx answering the same signed URL as /media, with \`location /media/ { root ...; }\` plus the part named:"
	echo
	echo "| file | served as | median req/s | / static | median p50 ms | median p99 ms | nginx CPU us/req | wrk CPU us/req | other busy cores (max) | req/s per round |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"
	for file in small large; do
		s=$(field static "$file" rps | median)
		for v in $DIAG_VARIANTS; do
			case $v in
			media) what="/media on the stack's nginx" ;;
			static) what="static (baseline, no query)" ;;
			d_plain) what="d_plain: root only (query ignored)" ;;
			d_symlinks) what="d_symlinks: + \`disable_symlinks if_not_owner\`" ;;
			d_headers) what="d_headers: + the 4 \`add_header\`" ;;
			d_securelink) what="d_securelink: + \`secure_link\`, \`secure_link_md5\`, the 2 \`if\`" ;;
			d_copy) what="d_copy: the stack's whole location" ;;
			esac
			printf '| %s | %s | %.0f | %.3f | %.2f | %.2f | %.1f | %.1f | %.2f | %s |\n' "$file" "$what" \
			    "$(field "$v" "$file" rps | median)" "$(ratio "$(field "$v" "$file" rps | median)" "$s")" \
			    "$(field "$v" "$file" p50_ms | median)" "$(field "$v" "$file" p99_ms | median)" \
			    "$(field "$v" "$file" nginx_us | median)" "$(field "$v" "$file" wrk_us | median)" \
			    "$(field "$v" "$file" other_cores | sort -g | tail -n1)" \
			    "$(field "$v" "$file" rps | awk '{ printf "%s%.0f", (NR > 1 ? " / " : ""), $1 }')"
		done
	done
}

hold() {
	local f
	[ "$HOLD" = 0 ] && return 0
	for f in small large; do
		log "$f: $(url_of media "$f")  |  $(url_of static "$f")"
	done
	log "stack nginx $STACK_MASTER (workers $(nginx_pids media | tr '\n' ' ')), baseline nginx $STATIC_MASTER (workers $(nginx_pids static | tr '\n' ' ')), configs $STACK_CONF and $WORK/static/nginx.conf"
}

main() {
	parse_args "$@"
	bench_begin media	# WORK: the workers (user pxtc) run from it and read the prefix
	build_and_install
	start_stack
	make_media
	sign_urls
	start_static
	run_rounds
	if [ "$DIAG" = 1 ]; then run_diag; fi
	report
	hold
	bench_end
}

# run unless sourced (sourcing gives the functions, for trying pieces by hand)
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
