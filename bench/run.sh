#!/usr/bin/env bash
# run.sh - pxtc's HTTP benchmark: throughput and latency of the list and insert routes
# against a hand-written reference, and the memory a worker keeps as it serves.
#
# It builds the two reference responders (bench/ref/*.c, into bench/build/), creates a
# fresh PIXELTABLE_HOME under /tmp, runs pxtc-setup, loads ROWS document rows, and
# stands up three stacks, each spawn-fcgi + multiwatch (WORKERS workers) behind its own
# nginx on a free 127.0.0.1 port:
#   (a) const     bench/ref/const.c       constant JSON: the FastCGI ceiling
#   (b) ref_list  bench/ref/ref_list.c    libfcgi + libpq + yajl, the list route
#   (c) pxtc list build/app/pxtc-worker   GET  /api/data/documents?limit=20
#   (d) pxtc ins. build/app/pxtc-worker   POST /api/data/documents (wrk + Lua body)
# It checks that ref_list and pxtc answer byte-identical JSON, then:
#   1. schema as shipped: wrk -t2 -c64 -dDUR --latency, ROUNDS rounds of a, b and c
#      interleaved (drift between rounds hits all three alike);
#   2. ROUNDS rounds of d; the rows they added are deleted again;
#   3. creates the index the list query's ORDER BY needs (pxtc makes none) and runs
#      ROUNDS rounds of b and c again (b', c'): without it PostgreSQL's sort of the
#      whole table sets the pace, with it the workers do;
#   4. starts fresh pxtc workers and reads each one's RssAnon after 10,000 and
#      100,000 requests of the list route (wrk -t2 -c16).
# Every run also records the CPU time per request of the workers, of PostgreSQL and
# of nginx. Medians are reported, with the ratios pxtc list / ref_list against the
# targets (throughput >= 0.80, p99 <= 1.25) in a Markdown report (stdout, and -o FILE).
# Every process and the temporary home are cleaned up on exit, pass or fail.
#
#   bench/run.sh [-w WORKERS] [-r ROUNDS] [-d SECONDS] [-o REPORT.md] [--no-rss]
#                [--no-build] [--hold SECONDS] [--smoke]
# --smoke checks in seconds that the whole run still works (200 rows, one worker, one
# 1 s round of each benchmark, a memory mark of 300 requests); its numbers mean nothing.
# --hold stands the three stacks up, prints their URLs and PIDs, and keeps them for
# SECONDS (for perf, strace or curl by hand) instead of measuring; then cleans up.
# Environment: WORKERS (2), ROUNDS (3), DUR (10), WARM_S (3), ROWS (10000), THREADS (2), CONNS (64),
# RSS_CONNS (16), RSS_MARKS ("10000 100000"), NGINX_WORKERS (1), BUILD (build),
# STRICT=1 (exit 3 when a target is missed). Needs nginx, spawn-fcgi, multiwatch, wrk
# (installed with apt-get when missing and root), psql, cc and libfcgi/libpq/yajl
# headers (deploy/install-deps.sh). Shares bench/lib.sh with the other scripts.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init run.sh
WORKERS=${WORKERS:-2}
ROUNDS=${ROUNDS:-3}
DUR=${DUR:-10}
ROWS=${ROWS:-10000}
THREADS=${THREADS:-2}
CONNS=${CONNS:-64}
RSS_CONNS=${RSS_CONNS:-16}
RSS_MARKS=${RSS_MARKS:-"10000 100000"}
NGINX_WORKERS=${NGINX_WORKERS:-1}
WARM_S=${WARM_S:-3}
DO_RSS=1

# Targets: pxtc list throughput >= 0.80 x ref_list, p99 <= 1.25 x ref_list.
TARGET_RPS=0.80
TARGET_P99=1.25

LIST_PATH="/api/data/documents?limit=20"
INSERT_PATH="/api/data/documents"
CMDLINE="bench/run.sh $*"

MEDIA_FILE=
declare -A FCGI_PID=() NGINX_PID=() PORT=()
RESULTS=

# --smoke: tiny data, one worker, one short round.
smoke_settings() {
	ROWS=200 WORKERS=1 ROUNDS=1 DUR=1 WARM_S=0 THREADS=1 CONNS=4 RSS_CONNS=4
	RSS_MARKS=300
}

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		-w) WORKERS=${2:?}; shift 2 ;;
		-r) ROUNDS=${2:?}; shift 2 ;;
		-d) DUR=${2:?}; shift 2 ;;
		-o) REPORT_OUT=${2:?}; shift 2 ;;
		--no-rss) DO_RSS=0; shift ;;
		*) bench_arg "$@"; shift "$BENCH_SHIFT" ;;
		esac
	done
	need_uint WARM_S
	need_int WORKERS ROUNDS DUR ROWS THREADS CONNS RSS_CONNS NGINX_WORKERS
	need_uint HOLD
}

stop_fcgi() {
	local name=$1 mw=${FCGI_PID[$1]:-} kids
	[ -n "$mw" ] || return 0
	kids=$(pgrep -P "$mw" 2>/dev/null || true)
	stop_pid "$mw" TERM	# multiwatch passes SIGTERM on to its workers
	for k in $kids; do stop_pid "$k" TERM; done	# any it left behind
	unset "FCGI_PID[$name]"
}

# on exit, before the tracked processes (nginx): each multiwatch and its workers
on_cleanup() {
	local name
	for name in "${!FCGI_PID[@]}"; do stop_fcgi "$name"; done
}

build_all() {
	local cflags libs f
	need_tools wrk nginx spawn-fcgi multiwatch psql cc pkg-config curl pgrep timeout
	[ -x /usr/bin/multiwatch ] || die "missing: /usr/bin/multiwatch (apt-get install multiwatch)"
	need_pc libpq yajl fcgi
	build_pxtc
	need_built app/pxtc-worker app/pxtc schema/pxtc-setup
	mkdir -p "$BENCH/build"
	cflags=$(pkg-config --cflags libpq yajl fcgi)
	libs=$(pkg-config --libs libpq yajl fcgi)
	for f in const ref_list; do
		# shellcheck disable=SC2086
		cc_bench c11 $cflags -o "$BENCH/build/$f" "$BENCH/ref/$f.c" $libs
	done
	log "built bench/build/const and bench/build/ref_list"
}

# A fresh home, the embedded PostgreSQL and the reference app's tables.
setup_db() {
	PXT_HOME=$(mktemp -d /tmp/pxt-bench.XXXXXX)
	# no media URL secret: the list answers carry media paths as stored (ref_list.c)
	unset PIXELTABLE_DB_CONNECT_STR APP_NAMESPACE PIXELTABLE_API_KEY SERVER_MEDIA_URL_SECRET
	export PIXELTABLE_HOME=$PXT_HOME
	log "home $PXT_HOME: pxtc-setup"
	in_work "$BUILD/schema/pxtc-setup" > "$WORK/setup.log" 2>&1 ||
	    { cat "$WORK/setup.log" >&2; die "pxtc-setup failed"; }
	MEDIA_FILE=$PXT_HOME/media/bench-document.txt
	printf 'A benchmark document.\n' > "$MEDIA_FILE"
	if is_root; then chown pxtc:pxtc "$MEDIA_FILE"; fi
	chmod 0644 "$MEDIA_FILE"
}

# ROWS rows with realistic metadata and distinct timestamps, one statement.
load_rows() {
	log "loading $ROWS rows"
	psql_app -v doc="$MEDIA_FILE" -v rows="$ROWS" <<'SQL'
INSERT INTO pxt_data."app/documents" (document, metadata, "timestamp")
SELECT :'doc',
       jsonb_build_object(
           'title', 'Quarterly report ' || i,
           'author', (ARRAY['Ada Lovelace', 'Grace Hopper', 'Alan Turing',
                            'Edsger Dijkstra', 'Barbara Liskov'])[1 + i % 5],
           'pages', 1 + (i * 7) % 300,
           'lang', (ARRAY['en', 'de', 'fr', 'ja'])[1 + i % 4],
           'tags', jsonb_build_array('batch-' || (i % 50),
                                     CASE WHEN i % 3 = 0 THEN 'finance' ELSE 'engineering' END),
           'source', jsonb_build_object('kind', 'upload',
                                        'sha256', md5(i::text) || md5((i + 1)::text)),
           'score', round((i % 1000) / 10.0, 1)),
       timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second'
FROM generate_series(1, :rows) AS i;
VACUUM ANALYZE pxt_data."app/documents";
SQL
	[ "$(psql_app -At -c 'SELECT count(*) FROM pxt_data."app/documents"')" -eq "$ROWS" ] ||
	    die "row count after load is not $ROWS"
}

# start_fcgi NAME BINARY: spawn-fcgi + multiwatch with WORKERS workers on NAME.sock.
start_fcgi() {
	local name=$1 bin=$2 sock=$WORK/$1.sock user=() n
	rm -f "$sock"
	if is_root; then user=(-u pxtc -g pxtc); fi
	spawn-fcgi -n -s "$sock" -M 0666 "${user[@]}" -d "$WORK" -- \
	    /usr/bin/multiwatch -f "$WORKERS" -r 1000 -- "$bin" \
	    >> "$WORK/$name.fcgi.log" 2>&1 &
	FCGI_PID[$name]=$!
	for _ in $(seq 1 100); do
		n=$(pgrep -c -P "${FCGI_PID[$name]}" 2>/dev/null || true)
		[ -S "$sock" ] && [ "${n:-0}" -ge "$WORKERS" ] && return 0
		alive "${FCGI_PID[$name]}" || break
		sleep 0.1
	done
	cat "$WORK/$name.fcgi.log" >&2
	die "$name: workers did not start"
}

worker_pids() { pgrep -P "${FCGI_PID[$1]}" | sort -n; }

# start_nginx NAME: nginx on a free 127.0.0.1 port, passing everything to NAME.sock.
start_nginx() {
	local name=$1 dir=$WORK/nginx-$1 port try
	mkdir -p "$dir/tmp"
	for try in 1 2 3 4 5; do
		port=$(free_port)
		cat > "$dir/nginx.conf" <<EOF
daemon off;
worker_processes $NGINX_WORKERS;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
$(nginx_temp_paths "$dir/tmp")
    server {
        listen 127.0.0.1:$port;
        location / {
            fastcgi_pass unix:$WORK/$name.sock;
            fastcgi_param REQUEST_METHOD \$request_method;
            fastcgi_param REQUEST_URI \$request_uri;
            fastcgi_param QUERY_STRING \$query_string;
            fastcgi_param CONTENT_TYPE \$content_type;
            fastcgi_param CONTENT_LENGTH \$content_length;
            fastcgi_param REQUEST_ID \$request_id;
        }
    }
}
EOF
		"$NGINX" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" >> "$dir/nginx.out" 2>&1 &
		NGINX_PID[$name]=$!
		track "${NGINX_PID[$name]}"
		for _ in $(seq 1 50); do
			if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
				PORT[$name]=$port
				return 0
			fi
			alive "${NGINX_PID[$name]}" || break
			sleep 0.1
		done
		stop_pid "${NGINX_PID[$name]}" TERM
		unset "NGINX_PID[$name]"
		log "nginx for $name did not listen on $port (try $try)"
	done
	cat "$dir/error.log" >&2 || true
	die "nginx for $name did not start"
}

url() { echo "http://127.0.0.1:${PORT[$1]}$2"; }

# stack_ok NAME: multiwatch, WORKERS workers and nginx of NAME are running. A stack
# that vanished was stopped from outside this script: say so instead of measuring 502s.
stack_ok() {
	local n
	alive "${NGINX_PID[$1]}" || die "nginx of $1 (pid ${NGINX_PID[$1]}) is gone: stopped from outside run.sh?"
	alive "${FCGI_PID[$1]}" || die "multiwatch of $1 (pid ${FCGI_PID[$1]}) is gone: stopped from outside run.sh?"
	n=$(pgrep -c -P "${FCGI_PID[$1]}" || true)
	[ "${n:-0}" -ge "$WORKERS" ] || die "$1 has ${n:-0} of $WORKERS workers: killed from outside run.sh?"
}

# fetch NAME PATH: the body of a GET, failing on a status >= 400.
fetch() { curl -sS --fail --max-time 10 "$(url "$1" "$2")"; }

# The reference must answer what pxtc answers, byte for byte.
check_same_json() {
	local q a b
	for q in "$LIST_PATH" "/api/data/documents?limit=5&offset=7" \
	    "/api/data/documents?limit=0" "/api/data/documents"; do
		a=$(fetch ref_list "$q") || die "ref_list failed on $q"
		b=$(fetch pxtc "$q") || die "pxtc failed on $q"
		if [ "$a" != "$b" ]; then
			printf 'ref_list: %.400s\npxtc:     %.400s\n' "$a" "$b" >&2
			die "ref_list and pxtc answer different JSON for $q"
		fi
	done
	LIST_BYTES=$(fetch pxtc "$LIST_PATH" | wc -c)
	log "ref_list and pxtc answer identical JSON ($LIST_BYTES bytes for limit=20)"
}

nginx_pids() { pgrep -P "${NGINX_PID[$1]}" || true; }

# run_wrk LABEL STACK ROUND URL SCRIPT [-- script args]: one measured run, one line
# in RESULTS (round "warm" is not recorded): wrk's numbers, plus the CPU time the
# stack's workers, its nginx workers and all PostgreSQL backends used per request.
run_wrk() {
	local label=$1 stack=$2 round=$3 target=$4 script=$5 out line w0 p0 n0 w1 p1 n1 hz
	shift 5
	out=$WORK/wrk-$label-$round.txt
	stack_ok "$stack"
	# shellcheck disable=SC2046
	{ w0=$(ticks $(worker_pids "$stack")); p0=$(ticks $(pg_pids)); n0=$(ticks $(nginx_pids "$stack")); }
	line=$(wrk_run "$out" "$DUR" -t"$THREADS" -c"$CONNS" --latency -s "$script" "$target" "$@")
	# shellcheck disable=SC2046
	{ w1=$(ticks $(worker_pids "$stack")); p1=$(ticks $(pg_pids)); n1=$(ticks $(nginx_pids "$stack")); }
	stack_ok "$stack"
	hz=$(getconf CLK_TCK)
	line="$line $(awk -v r="$(kv requests <<<"$line")" -v hz="$hz" -v w=$((w1 - w0)) \
	    -v p=$((p1 - p0)) -v n=$((n1 - n0)) 'BEGIN { if (r < 1) r = 1
	    printf "worker_us=%.1f pg_us=%.1f nginx_us=%.1f", w * 1e6 / hz / r, p * 1e6 / hz / r, n * 1e6 / hz / r }')"
	[ "$(kv errors <<<"$line")" = 0 ] || log "warning: $label round $round had errors: $line (see $out)"
	[ "$round" = warm ] && return 0
	printf '%s %s %s\n' "$label" "$round" "$line" >> "$RESULTS"
	log "$label round $round: ${line#BENCH }"
}

# field LABEL KEY: the values of KEY over LABEL's rounds, one per line.
field() { awk -v l="$1" -v k="$2" '$1 == l { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$RESULTS"; }

# list_rounds SUFFIX [const]: warm-up (WARM_S seconds each), then ROUNDS interleaved rounds of (const,)
# ref_list and pxtc list, recorded as ref_listSUFFIX and pxtc_listSUFFIX.
list_rounds() {
	local sfx=$1 with_const=${2:-} r saved=$DUR
	if [ "$WARM_S" -gt 0 ]; then
		log "warm-up ($WARM_S s each, not recorded)"
		DUR=$WARM_S
		[ -z "$with_const" ] || run_wrk const const warm "$(url const /)" "$BENCH/lua/stats.lua"
		run_wrk "ref_list$sfx" ref_list warm "$(url ref_list "$LIST_PATH")" "$BENCH/lua/stats.lua"
		run_wrk "pxtc_list$sfx" pxtc warm "$(url pxtc "$LIST_PATH")" "$BENCH/lua/stats.lua"
		DUR=$saved
	fi
	for r in $(seq 1 "$ROUNDS"); do
		[ -z "$with_const" ] || run_wrk const const "$r" "$(url const /)" "$BENCH/lua/stats.lua"
		run_wrk "ref_list$sfx" ref_list "$r" "$(url ref_list "$LIST_PATH")" "$BENCH/lua/stats.lua"
		run_wrk "pxtc_list$sfx" pxtc "$r" "$(url pxtc "$LIST_PATH")" "$BENCH/lua/stats.lua"
	done
}

# Inserts, then the rows they added are deleted again so the list phases that follow
# read the same ROWS rows.
run_insert() {
	local r saved=$DUR
	DUR=$WARM_S
	[ "$WARM_S" = 0 ] ||
	    run_wrk pxtc_insert pxtc warm "$(url pxtc "$INSERT_PATH")" "$BENCH/lua/insert.lua" -- "$MEDIA_FILE"
	DUR=$saved
	for r in $(seq 1 "$ROUNDS"); do
		run_wrk pxtc_insert pxtc "$r" "$(url pxtc "$INSERT_PATH")" "$BENCH/lua/insert.lua" \
		    -- "$MEDIA_FILE"
	done
	INSERTED=$(psql_app -At -c "SELECT count(*) FROM pxt_data.\"app/documents\" WHERE _pxt_rowid > $ROWS")
	log "insert rounds added $INSERTED rows; deleting them again"
	psql_app -c "DELETE FROM pxt_data.\"app/documents\" WHERE _pxt_rowid > $ROWS" \
	    -c 'VACUUM ANALYZE pxt_data."app/documents"'
}

# list_plan: the plan PostgreSQL picks for the list query, on one line.
list_plan() {
	psql_app -At -c "EXPLAIN SELECT \"uuid\", \"document\", \"metadata\", to_json(\"timestamp\")#>>'{}', \"text\", \"title\", \"n_words\", \"summary\" FROM \"pxt_data\".\"app/documents\" ORDER BY \"timestamp\" DESC, \"_pxt_rowid\" DESC LIMIT 20 OFFSET 0" |
	    sed 's/^ *\(-> *\)\{0,1\}//; s/ *(cost=.*//' | paste -sd'>' | sed 's/>/ -> /g'
}

# The index the list query's ORDER BY needs, when the schema pxtc-setup made has none
# the query uses: with it the query reads 20 index entries instead of sorting the
# table, and the workers, not PostgreSQL, set the pace. PostgreSQL re-plans the
# prepared statements itself.
add_index() {
	log "creating index bench_list_order (\"timestamp\" DESC, \"_pxt_rowid\" DESC)"
	psql_app -c 'CREATE INDEX bench_list_order ON pxt_data."app/documents" ("timestamp" DESC, "_pxt_rowid" DESC)' \
	    -c 'ANALYZE pxt_data."app/documents"'
	PLAN_IDX=$(list_plan)
	check_same_json
}

rss_anon() { awk '/^RssAnon:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo "?"; }

# health_counts: "PID REQUESTS" for every pxtc worker, from concurrent /api/health
# calls (each answer names the worker and its request count, the call included).
health_counts() {
	local want j seen cpids f
	want=$(worker_pids pxtc | wc -l)
	: > "$WORK/health.all"
	for _ in $(seq 1 20); do
		cpids=()
		for j in $(seq 1 $((WORKERS * 4))); do
			curl -sS --max-time 5 "$(url pxtc /api/health)" > "$WORK/health.$j" 2>/dev/null &
			cpids+=($!)
		done
		wait "${cpids[@]}" || true
		# the answers end without a newline: split on JSON punctuation instead of lines
		for f in "$WORK"/health.[0-9]*; do
			sed 's/[,{}]/\n/g' "$f" |
			    awk -F: '$1 == "\"pid\"" { p = $2 } $1 == "\"requests\"" && p != "" { print p, $2 + 0 }'
		done >> "$WORK/health.all"
		seen=$(awk '{ print $1 }' "$WORK/health.all" | sort -u | wc -l)
		[ "$seen" -ge "$want" ] && break
	done
	awk '{ if ($2 > m[$1]) m[$1] = $2 } END { for (p in m) print p, m[p] }' "$WORK/health.all" | sort -n
}

# drive_to MARK: list requests until every pxtc worker has served MARK (10 min cap).
# wrk cannot stop before -d ends, so each chunk's -d is sized from the last rate seen
# (count.lua stops each thread at its share, so a chunk does not overshoot much).
drive_to() {
	local mark=$1 deadline=$((SECONDS + 600)) min last=-1 need per secs line rate
	rate=${RSS_RATE:-1000}
	while :; do
		stack_ok pxtc
		min=$(health_counts | awk -v n="$WORKERS" 'NR == 1 || $2 < m { m = $2 } END { print (NR < n ? 0 : m + 0) }')
		[ "$min" -ge "$mark" ] && return 0
		[ $SECONDS -lt $deadline ] || die "workers did not reach $mark requests in 600 s"
		[ "$min" -gt "$last" ] || die "pxtc workers make no progress towards $mark requests"
		last=$min
		need=$(( (mark - min) * WORKERS ))
		per=$(( need / THREADS + 50 ))
		secs=$(awk -v n="$need" -v r="$rate" 'BEGIN { s = int(n / r * 1.1) + 1; print (s > 60 ? 60 : s) }')
		timeout -k 5 $((secs + 60)) wrk -t"$THREADS" -c"$RSS_CONNS" -d"${secs}s" \
		    -s "$BENCH/lua/count.lua" "$(url pxtc "$LIST_PATH")" -- "$per" \
		    > "$WORK/wrk-rss.txt" 2>&1 || { cat "$WORK/wrk-rss.txt" >&2; die "wrk failed while driving workers to $mark requests"; }
		cat "$WORK/wrk-rss.txt" >> "$WORK/wrk-rss.log"
		line=$(grep '^BENCH ' "$WORK/wrk-rss.txt") || die "no BENCH line from wrk (memory run)"
		[ "$(kv errors <<<"$line")" = 0 ] || die "errors while driving workers: $line"
		# the rate while requests flowed: the chunk may idle after its threads stopped
		rate=$(awk -v r="$(kv rps <<<"$line")" -v old="$rate" 'BEGIN { print (r > old ? r : old) }')
	done
}

# Fresh pxtc workers; RssAnon of each at start and after each mark.
run_rss() {
	local mark pid before after
	log "memory: fresh pxtc workers, list route, wrk -t$THREADS -c$RSS_CONNS"
	stop_fcgi pxtc
	start_fcgi pxtc "$BUILD/app/pxtc-worker"
	before=$(worker_pids pxtc | tr '\n' ' ')
	: > "$WORK/rss.txt"
	health_counts | while read -r pid n; do
		echo "start $pid $n $(rss_anon "$pid")" >> "$WORK/rss.txt"
	done
	for mark in $RSS_MARKS; do
		drive_to "$mark"
		health_counts | while read -r pid n; do
			echo "$mark $pid $n $(rss_anon "$pid")" >> "$WORK/rss.txt"
		done
		log "after $mark requests: $(awk -v m="$mark" '$1 == m { printf "pid %s: %s requests, RssAnon %s kB; ", $2, $3, $4 }' "$WORK/rss.txt")"
	done
	after=$(worker_pids pxtc | tr '\n' ' ')
	[ "$before" = "$after" ] || log "warning: pxtc workers were replaced during the memory run ($before -> $after)"
	REF_RSS=$(for pid in $(worker_pids ref_list); do printf '%s ' "$(rss_anon "$pid")"; done)
}

# row LABEL DESCRIPTION: one line of the results table (nothing when not measured).
row() {
	local l=$1 rounds
	rounds=$(field "$l" rps | awk '{ printf "%s%.0f", (NR > 1 ? " / " : ""), $1 }')
	[ -n "$rounds" ] || return 0
	printf '| %s | %.0f | %s | %.2f | %.2f | %s | %.0f | %.0f | %.0f |\n' "$2" \
	    "$(field "$l" rps | median)" "$rounds" "$(field "$l" p50_ms | median)" \
	    "$(field "$l" p99_ms | median)" "$(field "$l" errors | total)" \
	    "$(field "$l" worker_us | median)" "$(field "$l" pg_us | median)" \
	    "$(field "$l" nginx_us | median)"
}

# ratios SUFFIX TITLE: pxtc list against ref_list, with the targets.
ratios() {
	local rps p99
	[ -n "$(field "pxtc_list$1" rps)" ] || return 0
	rps=$(ratio "$(field "pxtc_list$1" rps | median)" "$(field "ref_list$1" rps | median)" 2)
	p99=$(ratio "$(field "pxtc_list$1" p99_ms | median)" "$(field "ref_list$1" p99_ms | median)" 2)
	echo "| $2: throughput | $rps | >= $TARGET_RPS | $(verdict "$rps" ge $TARGET_RPS) |"
	echo "| $2: p99 latency | $p99 | <= $TARGET_P99 | $(verdict "$p99" le $TARGET_P99) |"
	[ "$(verdict "$rps" ge $TARGET_RPS)" = met ] && [ "$(verdict "$p99" le $TARGET_P99)" = met ] ||
	    MISSED=1
}

report() {
	MISSED=0
	{
		echo "## pxtc benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo
		machine_line
		echo "- command: \`$CMDLINE\` (WORKERS=$WORKERS ROUNDS=$ROUNDS DUR=$DUR ROWS=$ROWS NGINX_WORKERS=$NGINX_WORKERS)"
		echo "- load: \`wrk -t$THREADS -c$CONNS -d${DUR}s --latency\`, $ROUNDS rounds, medians; list answer $LIST_BYTES bytes (limit=20 of $ROWS rows)"
		load_line
		echo "- list query plan, schema as shipped: \`$PLAN_SHIPPED\`${PLAN_IDX:+; with the bench index: \`$PLAN_IDX\`}"
		echo "- CPU columns: CPU time per request (user + system, from /proc) of the stack's FastCGI workers, of all PostgreSQL backends, and of its nginx workers"
		echo
		echo "| benchmark | req/s | req/s per round | p50 ms | p99 ms | errors | worker CPU us/req | PostgreSQL CPU us/req | nginx CPU us/req |"
		echo "|---|---:|---|---:|---:|---:|---:|---:|---:|"
		row const "(a) const JSON, libfcgi"
		row ref_list "(b) ref_list, schema as shipped"
		row pxtc_list "(c) pxtc list, schema as shipped"
		row pxtc_insert "(d) pxtc insert (POST)"
		row ref_list_idx "(b') ref_list, + index on the ORDER BY"
		row pxtc_list_idx "(c') pxtc list, + index on the ORDER BY"
		echo
		echo "| pxtc list / ref_list | value | target | |"
		echo "|---|---:|---:|---|"
		ratios "" "schema as shipped"
		ratios _idx "with the index"
		echo
		echo "The insert runs (warm-up included) added ${INSERTED:-?} rows, deleted again after them."
		if [ $DO_RSS -eq 1 ] && [ -s "$WORK/rss.txt" ]; then
			echo
			echo "### pxtc worker memory: RssAnon (kB), list route, \`wrk -t$THREADS -c$RSS_CONNS\`"
			echo
			echo "| worker pid | RssAnon at start | $(for _ in $RSS_MARKS; do printf 'requests | RssAnon | '; done)"
			echo "|---|---:|$(for _ in $RSS_MARKS; do printf -- '---:|---:|'; done)"
			awk '{ k = $2; if (!(k in r)) { order[++n] = k; r[k] = "" }
			       r[k] = r[k] ($1 == "start" ? sprintf(" %s |", $4) : sprintf(" %s | %s |", $3, $4)) }
			     END { for (i = 1; i <= n; i++) printf "| %s |%s\n", order[i], r[order[i]] }' "$WORK/rss.txt"
			echo
			echo "Each reading follows the mark ($RSS_MARKS requests per worker, the worker's own count from GET /api/health); fresh workers, the list query served by an index."
			echo "ref_list workers' RssAnon after all their rounds: ${REF_RSS:-?}kB."
		fi
	} > "$WORK/report.md"
	report_out
}

# hold: keep the stacks up for HOLD seconds for measurements by hand.
hold() {
	local name
	for name in const ref_list pxtc; do
		log "$name: $(url "$name" /) (multiwatch ${FCGI_PID[$name]}, workers $(worker_pids "$name" | tr '\n' ' '))"
	done
	log "PIXELTABLE_HOME=$PXT_HOME"
	hold_now
}

main() {
	parse_args "$@"
	bench_begin run	# WORK: the workers (user pxtc) and nginx's workers enter it
	build_all
	RESULTS=$WORK/results.txt
	: > "$RESULTS"
	setup_db
	load_rows
	start_fcgi const "$BENCH/build/const"
	start_fcgi ref_list "$BENCH/build/ref_list"
	start_fcgi pxtc "$BUILD/app/pxtc-worker"
	start_nginx const
	start_nginx ref_list
	start_nginx pxtc
	fetch const / >/dev/null || die "const does not answer"
	fetch pxtc /api/health >/dev/null || die "pxtc /api/health does not answer"
	check_same_json
	if [ "$HOLD" -gt 0 ]; then hold; return 0; fi
	PLAN_SHIPPED=$(list_plan)
	log "list query plan, schema as shipped: $PLAN_SHIPPED"
	list_rounds "" const	# the schema as pxtc-setup creates it
	run_insert
	if grep -q 'Index' <<<"$PLAN_SHIPPED"; then
		log "the shipped schema's index serves the list query: no extra index phase"
		RSS_RATE=$(field pxtc_list rps | median)
	else
		add_index
		list_rounds _idx	# with the index the list query needs
		RSS_RATE=$(field pxtc_list_idx rps | median)
	fi
	if [ $DO_RSS -eq 1 ]; then run_rss; fi
	report
	bench_end
}

# run unless sourced (sourcing gives the functions, for trying pieces by hand)
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
