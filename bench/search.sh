#!/usr/bin/env bash
# search.sh - search over 100,000 chunks through POST /api/search/chunks on the real
# stack, with the exact embedding back-end (PostgreSQL without pgvector): semantic
# top-10 latency and throughput, full-text latency, recall@10 against an exact scan,
# the index file's size and what a worker holds.
#
# It installs pxtc into a temporary prefix, builds bench/search_load.c against that
# copy of libpxt (with the internal headers of app/lib), and with a fresh
# PIXELTABLE_HOME under /tmp:
#   1. runs the installed pxtc-setup (the reference app: app/documents, the app/chunks
#      view made by document_splitter "heading,token_limit", 500 tokens, the embedding
#      index text_embedding with embed_text, 384 dimensions, cosine, and the full-text
#      index text_fulltext); checks the embedding index uses the exact back-end;
#   2. search_load load: DOCS markdown files (1000) of SECTIONS sections (100), each a
#      "## heading" and a paragraph of 60-80 words from a seeded made-up vocabulary,
#      inserted with pxt_insert, BATCH documents a call; checks app/chunks holds
#      DOCS x SECTIONS rows (1% slack), then VACUUM ANALYZE (what autovacuum would do
#      after the load, done now so that it does not run during the measurements);
#   3. starts the real stack (deploy/local/pxtc-stack, WORKERS workers, no demo data) on
#      a free 127.0.0.1 port; reads each worker's /proc/PID/smaps_rollup;
#   4. times the first semantic search (it builds the index file from the table) and
#      the first keyword search with curl, then warms every worker up (WARM_S seconds
#      of each mode, not recorded);
#   5. runs wrk with lua/search.lua (NQUERIES query texts, 50, in rotation), waiting for
#      a quiet machine before each run:
#        semantic, wrk -t1 -c1  -d DUR --latency     targets p50 < 20 ms, p99 < 50 ms
#        semantic, wrk -t2 -c16 -d DUR --latency     target >= 200 requests/s
#        keyword,  wrk -t1 -c1  -d DUR --latency     target p50 < 10 ms
#        keyword,  wrk -t2 -c16; hybrid, -t1 -c1     for information
#      with the CPU time per request of the workers, PostgreSQL and nginx (/proc);
#      then, per query, how many chunks its keyword search matches and how long one
#      such search takes (curl), with a least-squares line through them;
#   6. reads smaps_rollup again, then search_load recall: recall@K (10) of RECALL_Q
#      queries (200) against an exact float32 scan of every vector read from the table,
#      both for pxt_vindex_search on the workers' index file and for pxt_search (the
#      C API behind the route), with the time of each step in one process, and the
#      time to upsert every vector into a new index file (a build without the reads).
# The report is Markdown (stdout, and -o FILE). The stack is stopped and the temporary
# folders are removed on exit, pass or fail.
#
#   bench/search.sh [-d DOCS] [-s SECTIONS] [-D SECONDS] [-o REPORT.md] [--no-build]
#                   [--hold SECONDS] [--smoke]
# --smoke checks in seconds that it still works (20 documents of 5 sections, 1 s runs,
# no warm-up, 5 queries, 10 recall queries, one worker).
# --hold keeps the stack up for SECONDS after the run (URL, worker PIDs and the psql
# connection string printed), then cleans up.
# Environment: DOCS (1000), SECTIONS (100), BATCH (10), WORKERS (4), DUR (20), WARM_S
# (5), NQUERIES (50), RECALL_Q (200), K (10), QUIET_PCT (15), QUIET_MAX_S (120),
# BUILD (build), STRICT=1 (exit 3 when a target is missed). Needs nginx, spawn-fcgi,
# multiwatch, wrk, psql, curl, cc, pkg-config, cmake and libpq's development files.
# Shares bench/lib.sh with the other scripts.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init search.sh
DOCS=${DOCS:-1000}
SECTIONS=${SECTIONS:-100}
BATCH=${BATCH:-10}
WORKERS=${WORKERS:-4}
DUR=${DUR:-20}
WARM_S=${WARM_S:-5}
NQUERIES=${NQUERIES:-50}
RECALL_Q=${RECALL_Q:-200}
K=${K:-10}
QUIET_PCT=${QUIET_PCT:-15}
QUIET_MAX_S=${QUIET_MAX_S:-120}
SEARCH_PATH=/api/search/chunks
CMDLINE="bench/search.sh $*"

smoke_settings() { DOCS=20 SECTIONS=5 DUR=1 WARM_S=0 NQUERIES=5 RECALL_Q=10 WORKERS=1; }

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		-d) DOCS=${2:?}; shift 2 ;;
		-s) SECTIONS=${2:?}; shift 2 ;;
		-D) DUR=${2:?}; shift 2 ;;
		*) bench_arg "$@"; shift "$BENCH_SHIFT" ;;
		esac
	done
	need_int DOCS SECTIONS BATCH WORKERS DUR NQUERIES RECALL_Q K QUIET_PCT QUIET_MAX_S
	need_uint WARM_S HOLD
	[ "$K" -le 100 ] || die "K must be at most 100 (the route's limit)"
}

# build_and_install: pxtc into $WORK/prefix, then search_load against it.
build_and_install() {
	need_tools nginx spawn-fcgi multiwatch wrk psql curl cc pkg-config cmake timeout
	need_pc libpq
	build_pxtc
	need_built app/pxtc-worker app/pxtc schema/pxtc-setup
	install_prefix
	# search_load uses internal headers (vindex_int.h, search_int.h, udf_int.h), which
	# libpxt.so does not export: from the source tree, linked with the library's objects;
	# the public headers from the installed copy
	copy_libpxt_static "$WORK/lib"
	# shellcheck disable=SC2046,SC2086
	cc_bench gnu11 -I"$WORK/prefix/include" -I"$ROOT/app/lib" \
	    -I"$ROOT/app/include" $(pkg-config --cflags libpq) \
	    -o "$WORK/search_load" "$BENCH/search_load.c" $PXT_INTERNAL_LIBS
	log "built search_load with the library's objects"
}

# setup_and_load: the schema, then DOCS documents through pxt_insert.
setup_and_load() {
	local backend want got
	stack_env
	export SERVER_SERVICE_FILE=$WORK/prefix/lib/pxtc/service.toml
	log "home $PXT_HOME: pxtc-setup"
	in_work "$WORK/prefix/bin/pxtc-setup" >> "$WORK/setup.log" 2>&1 ||
	    { cat "$WORK/setup.log" >&2; die "pxtc-setup failed"; }
	backend=$(psql_app -At -c "SELECT params->>'backend' FROM pxt_catalog.indexes WHERE name = 'text_embedding'")
	[ "$backend" = exact ] || die "the embedding index uses the '$backend' back-end, not the exact one"
	PG_VERSION=$(psql_app -At -c 'SHOW server_version')
	PGVECTOR=$(psql_app -At -c "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")
	log "loading $DOCS documents of $SECTIONS sections ($BATCH documents a pxt_insert call)"
	in_work ./search_load load -d "$DOCS" -s "$SECTIONS" -b "$BATCH" > "$WORK/load.txt" ||
	    die "search_load load failed"
	LOAD_LINE=$(grep '^LOAD ' "$WORK/load.txt") || die "no LOAD line from search_load"
	# the workers (user pxtc) may read the documents again (GET, re-extraction)
	if is_root; then chown -R pxtc:pxtc "$PXT_HOME/media/bench-search"; fi
	want=$((DOCS * SECTIONS))
	got=$(psql_app -At -c 'SELECT count(*) FROM pxt_data."app/chunks"')
	CHUNKS=$got
	awk -v g="$got" -v w="$want" 'BEGIN { exit !(g >= w * 0.99 && g <= w * 1.01) }' ||
	    die "app/chunks holds $got rows, not about $want"
	NVEC=$(psql_app -At -c "SELECT count(*) FROM pxt_data.\"app/chunks\" WHERE $(psql_app -At -c "SELECT quote_ident(storage_name) FROM pxt_catalog.indexes WHERE name = 'text_embedding'") IS NOT NULL")
	log "app/chunks holds $CHUNKS rows ($NVEC with a vector); VACUUM ANALYZE"
	psql_app -c 'VACUUM ANALYZE pxt_data."app/documents"' -c 'VACUUM ANALYZE pxt_data."app/chunks"'
	SIZES=$(psql_app -At -F '|' -c "SELECT pg_size_pretty(pg_table_size('pxt_data.\"app/chunks\"')),
	    pg_size_pretty(pg_indexes_size('pxt_data.\"app/chunks\"')),
	    (SELECT pg_size_pretty(sum(pg_relation_size(i.indexrelid))) FROM pg_index i
	     JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
	     WHERE i.indrelid = 'pxt_data.\"app/chunks\"'::regclass AND a.amname = 'gin')" 2>/dev/null ||
	    echo "?|?|?")
	in_work ./search_load queries -n "$NQUERIES" > "$WORK/queries.txt"
	chmod a+r "$WORK/queries.txt"
}

start_stack() {
	stack_start
	[ -n "$(worker_pids)" ] || die "no pxtc-worker under multiwatch $(cat "$PXT_HOME/run/workers.pid")"
	log "workers: $(worker_pids | tr '\n' ' ')"
}

# The pxtc-worker processes: multiwatch's children (spawn-fcgi execs multiwatch).
worker_pids() {
	local mw
	mw=$(cat "$PXT_HOME/run/workers.pid")
	{ pgrep -P "$mw" -x pxtc-worker; for p in $(pgrep -P "$mw"); do pgrep -P "$p" -x pxtc-worker; done; } 2>/dev/null | sort -un
}
nginx_pids() { pgrep -P "$(cat "$PXT_HOME/run/nginx.pid")" || true; }

# smaps LABEL: one line per worker into $WORK/smaps.txt: LABEL PID Rss Pss Pss_Anon
# Pss_File Private Shared_Clean (kB, /proc/PID/smaps_rollup).
smaps() {
	local p
	for p in $(worker_pids); do
		awk -v l="$1" -v p="$p" '{ v[$1] = $2 } END { printf "%s %s %d %d %d %d %d %d\n", l, p,
		    v["Rss:"], v["Pss:"], v["Pss_Anon:"], v["Pss_File:"],
		    v["Private_Clean:"] + v["Private_Dirty:"], v["Shared_Clean:"] }' \
		    "/proc/$p/smaps_rollup" >> "$WORK/smaps.txt" 2>/dev/null || true
	done
}

# post MODE QUERY: one search with curl; prints "CODE SECONDS RESULTS".
post() {
	local code secs n
	read -r code secs < <(curl -sS --max-time 120 -o "$WORK/answer.json" -w '%{http_code} %{time_total}\n' \
	    -H 'Content-Type: application/json' \
	    --data-binary "{\"query\": \"$2\", \"limit\": $K, \"mode\": \"$1\"}" "$URL$SEARCH_PATH")
	n=$(grep -o '"score"' "$WORK/answer.json" | wc -l)
	[ "$code" = 200 ] || { head -c 600 "$WORK/answer.json" >&2; echo >&2; die "$1 search answered $code"; }
	echo "$code $secs $n"
}

index_file() { find "$PXT_HOME/index" -maxdepth 1 -name "*-$IDX_ID.pxv" 2>/dev/null | head -n1; }

first_searches() {
	local q line
	IDX_ID=$(psql_app -At -c "SELECT id FROM pxt_catalog.indexes WHERE name = 'text_embedding'")
	[ -z "$(index_file)" ] || die "the index file exists before the first search"
	# what the change log of the index holds (the load's writes, kept ten minutes)
	VEC_LOG=$(psql_app -At -c "SELECT count(*) FROM pxt_catalog.vec_log WHERE index_id = $IDX_ID")
	smaps before
	q=$(sed -n 1p "$WORK/queries.txt")
	line=$(post semantic "$q")
	FIRST_SEM_MS=$(awk '{ printf "%.0f", $2 * 1000 }' <<<"$line")
	FIRST_SEM_N=$(awk '{ print $3 }' <<<"$line")
	[ "$FIRST_SEM_N" = "$K" ] || die "the first semantic search gave $FIRST_SEM_N results, not $K"
	INDEX_FILE=$(index_file)
	[ -n "$INDEX_FILE" ] || die "no index file under $PXT_HOME/index after the first search"
	INDEX_BYTES=$(stat -c %s "$INDEX_FILE")
	line=$(post semantic "$q")
	SECOND_SEM_MS=$(awk '{ printf "%.1f", $2 * 1000 }' <<<"$line")
	line=$(post keyword "$q")
	FIRST_KW_MS=$(awk '{ printf "%.1f", $2 * 1000 }' <<<"$line")
	FIRST_KW_N=$(awk '{ print $3 }' <<<"$line")
	log "first semantic search (builds the index file, $INDEX_BYTES bytes): $FIRST_SEM_MS ms; the same again: $SECOND_SEM_MS ms; first keyword search: $FIRST_KW_MS ms ($FIRST_KW_N results)"
	smaps after-first
}

# run_wrk LABEL MODE THREADS CONNS SECONDS [warm]: one wrk run; a line in results.txt
# (not for warm): wrk's figures, the CPU per request of the workers, PostgreSQL and
# nginx, and how busy the machine was.
run_wrk() {
	local label=$1 mode=$2 t=$3 c=$4 d=$5 warm=${6:-} out line w0 p0 n0 w1 p1 n1 s0 s1 hz
	out=$WORK/wrk-$label.txt
	[ -n "$warm" ] || wait_quiet
	# shellcheck disable=SC2046
	{ w0=$(ticks $(worker_pids)); p0=$(ticks $(pg_pids)); n0=$(ticks $(nginx_pids)); s0=$(sys_ticks); }
	line=$(wrk_run "$out" "$d" -t"$t" -c"$c" --latency -s "$BENCH/lua/search.lua" \
	    "$URL$SEARCH_PATH" -- "$WORK/queries.txt" "$mode" "$K")
	# shellcheck disable=SC2046
	{ w1=$(ticks $(worker_pids)); p1=$(ticks $(pg_pids)); n1=$(ticks $(nginx_pids)); s1=$(sys_ticks); }
	hz=$(getconf CLK_TCK)
	line="$line $(awk -v r="$(kv requests <<<"$line")" -v hz="$hz" -v w=$((w1 - w0)) \
	    -v p=$((p1 - p0)) -v n=$((n1 - n0)) -v s0="$s0" -v s1="$s1" 'BEGIN { if (r < 1) r = 1
	    split(s0, a, " "); split(s1, b, " "); tt = b[3] - a[3]; if (tt < 1) tt = 1
	    printf "worker_us=%.0f pg_us=%.0f nginx_us=%.0f busy_pct=%.0f steal_pct=%.1f", w * 1e6 / hz / r,
	        p * 1e6 / hz / r, n * 1e6 / hz / r, (b[1] - a[1]) * 100 / tt, (b[2] - a[2]) * 100 / tt }')"
	[ "$(kv errors <<<"$line")" = 0 ] || log "warning: $label had errors: $line (see $out)"
	[ "$(kv empty <<<"$line")" = 0 ] || log "warning: $label had answers without results: $line"
	if [ -n "$warm" ]; then return 0; fi
	printf '%s %s\n' "$label" "$line" >> "$WORK/results.txt"
	log "$label: ${line#BENCH }"
}

res() { awk -v l="$1" '$1 == l' "$WORK/results.txt" | kv "$2"; }

run_all() {
	log "warm-up: ${WARM_S} s of each mode on every worker (not recorded)"
	if [ "$WARM_S" -gt 0 ]; then
		run_wrk warm-semantic semantic 2 $((WORKERS * 2)) "$WARM_S" warm
		run_wrk warm-keyword keyword 2 $((WORKERS * 2)) "$WARM_S" warm
	fi
	: > "$WORK/results.txt"
	run_wrk semantic-c1 semantic 1 1 "$DUR"
	run_wrk semantic-c16 semantic 2 16 "$DUR"
	run_wrk keyword-c1 keyword 1 1 "$DUR"
	run_wrk keyword-c16 keyword 2 16 "$DUR"
	run_wrk hybrid-c1 hybrid 1 1 "$DUR"
	smaps after-runs
	keyword_profile
}

# keyword_profile: per query, how many chunks match (the route's OR of the query's
# lexemes, counted in SQL) and the time of one keyword search over HTTP (curl, one at a
# time, warm). A line "MATCHES MS" per query into $WORK/kwprofile.txt.
keyword_profile() {
	local fts q n ms i=0
	log "keyword profile: matches and the time of each of the $NQUERIES queries"
	fts=$(psql_app -At -c "SELECT quote_ident(storage_name) FROM pxt_catalog.indexes WHERE name = 'text_fulltext'")
	: > "$WORK/kwprofile.txt"
	while read -r q; do
		i=$((i + 1))
		n=$(psql_app -At -v q="$q" <<-EOF
		SELECT count(*) FROM pxt_data."app/chunks" WHERE $fts @@ to_tsquery('simple',
		    (SELECT string_agg(quote_literal(l), ' | ') FROM
		     unnest(tsvector_to_array(to_tsvector('english', :'q'))) l))
		EOF
		)
		ms=$(post keyword "$q" | awk '{ printf "%.2f", $2 * 1000 }')
		echo "$n $ms" >> "$WORK/kwprofile.txt"
	done < "$WORK/queries.txt"
	KW_FIT=$(awk '{ x = $1; y = $2; n++; sx += x; sy += y; sxx += x * x; sxy += x * y }
	    END { d = n * sxx - sx * sx; b = d ? (n * sxy - sx * sy) / d : 0; a = (sy - b * sx) / n
	          at = (b > 0) ? (10 - a) / b : 0
	          printf "%.2f %.4f %.0f", a, b * 1000, at }' "$WORK/kwprofile.txt")
	KW_MATCH=$(awk '{ print $1 }' "$WORK/kwprofile.txt" | sort -n | awk '{ v[NR] = $1 }
	    END { printf "%d %d %d", v[1], v[int((NR + 1) / 2)], v[NR] }')
	KW_MS=$(awk '{ print $2 }' "$WORK/kwprofile.txt" | sort -g | awk '{ v[NR] = $1 }
	    END { printf "%.1f %.1f %.1f", v[1], v[int((NR + 1) / 2)], v[NR] }')
	log "matches min/p50/max $KW_MATCH; ms min/p50/max $KW_MS; fit ms = a + b * matches / 1000: $KW_FIT"
}

run_recall() {
	log "recall@$K of $RECALL_Q queries against an exact scan (search_load recall)"
	in_work ./search_load recall -q "$RECALL_Q" -k "$K" -f "$WORK/copy.pxv" \
	    > "$WORK/recall.txt" 2> "$WORK/recall.err" ||
	    { cat "$WORK/recall.err" >&2; die "search_load recall failed"; }
	RECALL_LINE=$(grep '^RECALL ' "$WORK/recall.txt") || die "no RECALL line from search_load"
	sed 's/^/    /' "$WORK/recall.err" >&2
	log "${RECALL_LINE#RECALL }"
}

# target WHAT VALUE UNIT LIMIT lt|ge: one line of the targets table; MISSED=1 if missed.
target() {
	local t
	t=$(verdict "$2" "$5" "$4")
	[ "$t" = met ] || { MISSED=1; t="**$t**"; }
	echo "| $1 | $2${3:+ $3} | $([ "$5" = lt ] && echo "<" || echo ">=") $4${3:+ $3} | $t |"
}

# row LABEL DESCRIPTION: one line of the wrk table.
row() {
	local l=$1
	printf '| %s | %.1f | %.2f | %.2f | %.2f | %.2f | %s | %s | %s | %s | %s%% |\n' "$2" \
	    "$(res "$l" rps)" "$(res "$l" p50_ms)" "$(res "$l" p90_ms)" "$(res "$l" p99_ms)" \
	    "$(res "$l" max_ms)" "$(res "$l" errors)" "$(res "$l" worker_us)" "$(res "$l" pg_us)" \
	    "$(res "$l" nginx_us)" "$(res "$l" busy_pct)"
}

smaps_table() {
	awk '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $2, $1, $3, $4, $5, $6, $7, $8 }' "$WORK/smaps.txt" |
	    sort -t'|' -k2,2n -s
}

report() {
	local a b c
	MISSED=0
	r() { kv "$1" <<<"$RECALL_LINE"; }
	{
		echo "## Search over $CHUNKS chunks through POST $SEARCH_PATH (exact back-end), $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo
		echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'); $(grep -o 'avx[^ ]*' /proc/cpuinfo | sort -u | tr '\n' ' ' | sed 's/ $//')), $(free -g | awk '/^Mem:/ { print $2 }') GiB memory, $(uname -sr); PostgreSQL $PG_VERSION (embedded; pgvector available: $([ "$PGVECTOR" = 0 ] && echo no || echo yes)); $(wrk -v 2>&1 | head -n1 | awk '{ print $1, $2 }')"
		echo "- command: \`$CMDLINE\` (DOCS=$DOCS SECTIONS=$SECTIONS BATCH=$BATCH WORKERS=$WORKERS DUR=$DUR WARM_S=$WARM_S NQUERIES=$NQUERIES RECALL_Q=$RECALL_Q K=$K)"
		echo "- data: $(kv docs <<<"$LOAD_LINE") markdown documents, $(kv words <<<"$LOAD_LINE") words, $(kv bytes <<<"$LOAD_LINE") bytes, inserted with pxt_insert ($BATCH a call) in $(kv insert_s <<<"$LOAD_LINE") s ($(kv docs_per_s <<<"$LOAD_LINE") documents/s; extraction, splitting, embedding, full-text vectors included); app/chunks: $CHUNKS rows, $NVEC vectors of 384 dimensions; table $(cut -d'|' -f1 <<<"$SIZES"), its indexes $(cut -d'|' -f2 <<<"$SIZES") (the full-text GIN index $(cut -d'|' -f3 <<<"$SIZES"))"
		load_line "waited $QUIET_WAITED s in all for a machine under $QUIET_PCT% busy before the runs"
		echo "- index file: $INDEX_BYTES bytes for $(r index_count) vectors = $(r file_bytes_per_vector) bytes per vector (pxt_vindex_bytes_per_vector(384) = $(r bytes_per_vector); the rest is the header and the last chunk's free slots); scan kernel \`$(r kernel)\`"
		echo "- first semantic search (the worker builds the index file from the table): **$FIRST_SEM_MS ms**; the same search right after: $SECOND_SEM_MS ms; first keyword search: $FIRST_KW_MS ms. The index's change log held $VEC_LOG entries then (the load's writes, kept ten minutes). For comparison, in one process: reading every vector from the table $(r read_s) s, upserting them all into a new file $(r upsert_s) s"
		echo
		echo "| run (\`wrk --latency\`, ${DUR} s, $NQUERIES queries in rotation, limit $K) | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | worker CPU µs/req | PostgreSQL CPU µs/req | nginx CPU µs/req | machine busy |"
		echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		row semantic-c1 "semantic, \`-t1 -c1\`"
		row semantic-c16 "semantic, \`-t2 -c16\`"
		row keyword-c1 "keyword, \`-t1 -c1\`"
		row keyword-c16 "keyword, \`-t2 -c16\`"
		row hybrid-c1 "hybrid, \`-t1 -c1\`"
		echo
		echo "Recall@$K of $(r queries) queries against an exact scan (double-precision cosine over the float32 vectors read from the table, $(r read_s) s to read): pxt_vindex_search on the workers' file **$(r recall_vindex)** (worst query $(r min_vindex)/$K), pxt_search (C API) **$(r recall_search)** (worst $(r min_search)/$K); pxt_search gave the same rows as pxt_vindex_search for $(r search_agrees_vindex) of $(r queries) queries; $(r near_ties) queries had a near-tie (< 1e-6) at rank $K."
		echo
		echo "In one process (search_load, the same $(r queries) queries): embedding a query $(r embed_us_p50) µs (p99 $(r embed_us_p99)); pxt_vindex_search $(r vindex_ms_p50) ms (p99 $(r vindex_ms_p99)); pxt_search, semantic, everything but HTTP $(r search_ms_p50) ms (p99 $(r search_ms_p99)); the brute-force scan $(r exact_scan_ms_p50) ms."
		echo
		read -r a b c <<<"$KW_FIT"
		echo "Keyword searches, one at a time (curl, warm), per query: chunks matching the OR of the query's words min / p50 / max ${KW_MATCH// / \/ }; time min / p50 / max ${KW_MS// / \/ } ms; least squares: ms = $a + $b x (matches / 1000), so 10 ms is reached at about $c matches."
		echo
		echo "| worker pid | when | Rss kB | Pss kB | Pss_Anon kB | Pss_File kB | Private kB | Shared_Clean kB |"
		echo "|---:|---|---:|---:|---:|---:|---:|---:|"
		smaps_table
		echo
		echo "| target | measured | | |"
		echo "|---|---:|---|---|"
		target "semantic p50, one client" "$(res semantic-c1 p50_ms)" ms 20 lt
		target "semantic p99, one client" "$(res semantic-c1 p99_ms)" ms 50 lt
		target "semantic throughput, 16 clients" "$(res semantic-c16 rps)" req/s 200 ge
		target "recall@$K (exact back-end, pxt_vindex_search)" "$(r recall_vindex)" "" 0.99 ge
		target "keyword p50, one client" "$(res keyword-c1 p50_ms)" ms 10 lt
	} > "$WORK/report.md"
	report_out
}

hold() {
	[ "$HOLD" = 0 ] && return 0
	log "$URL up (workers $(worker_pids | tr '\n' ' ')), PIXELTABLE_HOME=$PXT_HOME"
	log "psql \"host=$PXT_HOME/run port=5432 user=pxtc dbname=pixeltable\"; queries in $WORK/queries.txt"
}

main() {
	parse_args "$@"
	bench_begin search	# WORK: the workers (user pxtc) enter it
	build_and_install
	setup_and_load
	start_stack
	first_searches
	run_all
	run_recall
	report
	hold
	bench_end
}

# run unless sourced (sourcing gives the functions, for trying pieces by hand)
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
