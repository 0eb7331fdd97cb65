#!/usr/bin/env bash
# The pgvector back-end of embedding indexes against a real pgvector: PGlite
# (PostgreSQL 18 in WASM) with its pgvector extension, served over the wire protocol by
# @electric-sql/pglite-socket (pinned in tests/package.json), as pxtc's external
# database (PIXELTABLE_DB_CONNECT_STR: no embedded server). test_search runs there in
# its pgvector mode: the same ranking, filter, limit, score, snippet, maintenance,
# refusal and if_exists checks as on the exact back-end (it_search.sh), with every
# embedding index's catalog params saying backend pgvector and an HNSW index beside it.
#
# PGlite runs one session for all its connections, one query at a time: prepared
# statements and settings of one client are there for the next. So the C API test
# is the only client while it runs (one process, one connection), and a second
# client starts with DISCARD ALL (pxtc names its prepared statements pxt_1, pxt_2, ...
# in every connection: without it, the next pxtc process fails with "prepared
# statement "pxt_1" already exists").
#
# Skips (77) only without node, which runs the server (fails without it under CI=true).
source "$(dirname "$0")/lib.sh"
it_need_node
: "${PXT_TEST_SEARCH:?}" "${PXT_SOURCE_DIR:?}"
command -v psql >/dev/null || fail "psql is missing"

TESTS="$PXT_SOURCE_DIR/tests"
SERVER_JS="$TESTS/node_modules/@electric-sql/pglite-socket/dist/scripts/server.js"
# the npm packages of tests/, as deploy/install-deps.sh installs them
lock="$TESTS/node_modules/.package-lock.json"
if [ ! -e "$lock" ] || [ "$TESTS/package-lock.json" -nt "$lock" ] || [ ! -e "$SERVER_JS" ] ||
    [ ! -e "$TESTS/node_modules/@electric-sql/pglite-pgvector/package.json" ]; then
	command -v npm >/dev/null || fail "npm not found: run deploy/install-deps.sh"
	npm ci --prefix "$TESTS" --ignore-scripts --no-audit --no-fund --include=dev \
	    >"$IT_WORK/npm.log" 2>&1 || { cat "$IT_WORK/npm.log"; fail "npm ci in tests/"; }
fi

# ---- PGlite with pgvector, on a free loopback port ------------------------------------
PGL_PID=
it_extra_cleanup() {
	if [ -n "$PGL_PID" ]; then
		kill "$PGL_PID" 2>/dev/null
		wait "$PGL_PID" 2>/dev/null
	fi
	true
}
pgl_start() {
	local port try
	for try in 1 2 3; do
		port=$(free_port) || fail "no free port"
		# the database inside the test's home, removed with it
		node "$SERVER_JS" --db="$PIXELTABLE_HOME/pglite" --host=127.0.0.1 --port="$port" \
		    -m 8 -e @electric-sql/pglite-pgvector:vector >"$IT_WORK/pglite.log" 2>&1 &
		PGL_PID=$!
		it_track "$PGL_PID"
		CONN="host=127.0.0.1 port=$port user=postgres dbname=postgres sslmode=disable connect_timeout=5"
		# WASM start-up and initdb take some seconds (more on a busy machine)
		for _ in $(seq 600); do
			kill -0 "$PGL_PID" 2>/dev/null || break
			psql "$CONN" -XAtqc 'SELECT 1' >/dev/null 2>&1 && return 0
			sleep 0.2
		done
		kill "$PGL_PID" 2>/dev/null; wait "$PGL_PID" 2>/dev/null; PGL_PID=
		grep -q EADDRINUSE "$IT_WORK/pglite.log" || break
	done
	cat "$IT_WORK/pglite.log"
	fail "PGlite did not start"
}
pgl() { psql "$CONN" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }
pgl_start
echo "PGlite: $(pgl 'SELECT version()' | cut -d' ' -f1-4)"
pgl "SELECT name || ' ' || default_version FROM pg_available_extensions WHERE name = 'vector'" |
	grep -q '^vector ' || { cat "$IT_WORK/pglite.log"; fail "PGlite has no vector extension"; }

# ---- the C API on it, with the pgvector back-end ----------------------------------------
export PIXELTABLE_DB_CONNECT_STR="$CONN"
pgl 'DISCARD ALL' >/dev/null
"$PXT_TEST_SEARCH" pgvector >"$IT_WORK/c.out" 2>&1 ||
	{ grep -v '^NOTICE' "$IT_WORK/c.out"; tail -n 20 "$IT_WORK/pglite.log"; fail "test_search pgvector"; }
tail -n1 "$IT_WORK/c.out"
# no embedded server was started
[ ! -e "$PIXELTABLE_HOME/pgdata" ] || fail "an embedded server was made beside the external one"

# ---- the catalog, read by another client -------------------------------------------------
pgl 'DISCARD ALL' >/dev/null
[ "$(pgl "SELECT extversion FROM pg_extension WHERE extname = 'vector'")" != "" ] ||
	fail "the vector extension was not created"
pgl "SELECT name, params->>'backend' FROM pxt_catalog.indexes WHERE kind = 'embedding'" \
	>"$IT_WORK/backends"
[ -s "$IT_WORK/backends" ] || fail "no embedding index left in the catalog"
grep -v '|pgvector$' "$IT_WORK/backends" && fail "indexes not on pgvector: $(cat "$IT_WORK/backends")"
for name in $(cut -d'|' -f1 "$IT_WORK/backends"); do
	id=$(pgl "SELECT id FROM pxt_catalog.indexes WHERE name = '$name'")
	pgl "SELECT indexdef FROM pg_indexes WHERE indexname = 'pxt_v$id'" | grep -q 'USING hnsw' ||
		fail "index $name has no HNSW index"
done
# a second pxtc process on the same server, after DISCARD ALL: the same catalog
pgl 'DISCARD ALL' >/dev/null
expect_exit 0 "$PXTC" ls -r s
grep -q 's/passages' "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "pxtc ls on PGlite"; }
