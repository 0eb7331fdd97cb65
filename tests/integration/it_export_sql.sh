#!/usr/bin/env bash
# export_sql through the real stack (nginx, workers, PostgreSQL): insert routes writing
# their answered row to a second PostgreSQL database (created in the test's server,
# reached through ${VAR} in db_connect) and to an SQLite file (read back with the
# sqlite3 tool), values mapped to the targets' column types (media as the URL the
# client got, Json as JSON text, ISO timestamps in SQLite); an update route with method
# "update" changing the one target row with the route's key; a failing export (target
# table missing, an update matching no row) answering 500 internal_error, retryable
# false, with the row committed; the secret of db_connect never in a log; and the
# start-up errors of a bad export_sql, with file, line and column.
source "$(dirname "$0")/lib.sh"
: "${PXT_BUILD_DIR:?}" "${PXT_SOURCE_DIR:?}" "${PXT_TEST_EXPORT_SQL:?}" "${PXTC_WORKER:?}"
command -v sqlite3 >/dev/null || fail "sqlite3 (the command-line tool) is needed: deploy/install-deps.sh"

STACK="$PXT_SOURCE_DIR/deploy/local/pxtc-stack"
prefix="$IT_WORK/prefix"
cmake --install "$PXT_BUILD_DIR" --prefix "$prefix" >/dev/null
lite_dir="$IT_WORK/lite"
mkdir -p "$lite_dir"
lite="$lite_dir/target.db"
sqlite3 "$lite" 'CREATE TABLE items (uuid TEXT, name TEXT, n INTEGER, score REAL,
  ok INTEGER, meta TEXT, at TEXT, doc TEXT)'
[ "$(id -u)" = 0 ] && chown -R pxtc: "$lite_dir"
pg="postgresql+psycopg://pxtc:\${XS_PG_SECRET}@/\${XS_PG_DB}?host=$PIXELTABLE_HOME/run&port=5432"
cp "$prefix/lib/pxtc/service.toml" "$IT_WORK/service.toml"
cat >>"$IT_WORK/service.toml" <<TOML

[[service]]
name = "xs"
prefix = "/api/xs"

[[service.routes]]
type = "insert"
path = "/pg"
table = "xs/items"
uploadfile_inputs = ["doc"]
export_sql = {db_connect = "$pg", table = "items", db_schema = "public"}

[[service.routes]]
type = "insert"
path = "/lite"
table = "xs/items"
uploadfile_inputs = ["doc"]

[service.routes.export_sql]
db_connect = "sqlite:///$lite"
table = "items"
method = "insert"

[[service.routes]]
type = "update"
path = "/update"
table = "xs/items"
inputs = ["name", "n"]
outputs = ["uuid", "name", "n"]
export_sql = {db_connect = "$pg", table = "current", db_schema = "an", method = "update"}

[[service.routes]]
type = "insert"
path = "/missing"
table = "xs/items"
export_sql = {db_connect = "$pg", table = "nope"}

[[service.routes]]
type = "insert"
path = "/bg"
table = "xs/items"
background = true
export_sql = {db_connect = "\${XS_PG_URL}", table = "items"}

[[service.routes]]
type = "insert"
path = "/bg_missing"
table = "xs/items"
background = true
export_sql = {db_connect = "\${XS_PG_URL}", table = "nope"}
TOML
chmod -R a+rX "$IT_WORK"
chmod a+x "$IT_WORK"
export PXTC_BIN_DIR="$prefix/bin" PXTC_STACK_NO_DEMO=1 PXTC="$prefix/bin/pxtc"
export PXTC_SETUP="$prefix/bin/pxtc-setup"
export SERVER_WORKERS=2 SERVER_SERVICE_FILE="$IT_WORK/service.toml"
export XS_PG_DB=xs_target XS_PG_SECRET=never-logged-7f3a
# a whole db_connect in one variable
export XS_PG_URL="postgresql://pxtc:$XS_PG_SECRET@/$XS_PG_DB?host=$PIXELTABLE_HOME/run&port=5432"
"$PXT_TEST_EXPORT_SQL" >"$IT_WORK/tables.log" 2>&1 || { cat "$IT_WORK/tables.log"; fail "test_export_sql"; }
# the export target: a second database of the test's own server
q "CREATE DATABASE xs_target"
tq() { psql "host=$PIXELTABLE_HOME/run port=5432 user=pxtc dbname=xs_target" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }
tq "CREATE TABLE public.items (uuid uuid, name text, n integer, score double precision,
  ok boolean, meta jsonb, at timestamptz, doc text);
  CREATE SCHEMA an; CREATE TABLE an.current (uuid uuid PRIMARY KEY, name text, n bigint)"
SERVER_PORT=$(free_port) || fail "no free port"
export SERVER_PORT
URL="http://127.0.0.1:$SERVER_PORT"
it_extra_cleanup() { "$STACK" stop >/dev/null 2>&1; }
stack_start

# req PATH BODY - POST JSON; sets $code and $body
req() {
	code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "$2" "$URL$1")
	body=$(cat "$IT_WORK/body")
}
# upload PATH FIELD... - POST multipart (curl -F fields); sets $code and $body
upload() {
	local path=$1 args=()
	shift
	for f in "$@"; do args+=(-F "$f"); done
	code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' "${args[@]}" "$URL$path")
	body=$(cat "$IT_WORK/body")
}
expect() { [ "$code" = "$1" ] || fail "got $code, expected $1: $body"; }
has() { grep -qF -- "$1" <<<"$body" || fail "no '$1' in: $body"; }
field() { python3 -c 'import json,sys; v=json.loads(sys.argv[1]); [v:=v[k] for k in sys.argv[2].split(".")]; print(v if not isinstance(v,(dict,list)) else json.dumps(v, separators=(",", ":")))' "$body" "$1"; }
same() { [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"; }
nrows() { q "SELECT count(*) FROM pxt_data.\"xs/items\" WHERE name = '$1'"; }
printf 'a note to export\n' >"$IT_WORK/note.txt"

# ---- insert, exported to PostgreSQL: every value in its column's type
upload /api/xs/pg name=alpha n=7 score=2.5 ok=true 'meta={"k": "v", "l": [1, 2]}' "doc=@$IT_WORK/note.txt"
expect 200
uuid=$(field uuid); at=$(field at); doc=$(field doc)
[ -n "$doc" ] || fail "no doc in the answer: $body"
same "$(tq "SELECT uuid, name, n, score, ok, meta->>'k', meta->'l', at = '$at'::timestamptz, doc FROM items")" \
	"$uuid|alpha|7|2.5|t|v|[1, 2]|t|$doc" "the row in PostgreSQL"
# nulls stay null; JSON without a file works the same
req /api/xs/pg '{"name": "beta"}'; expect 200
same "$(tq "SELECT n IS NULL AND meta IS NULL AND doc IS NULL AND at IS NOT NULL FROM items WHERE name = 'beta'")" t "nulls"

# ---- insert, exported to SQLite: typed values, ISO timestamps, the media URL as text
upload /api/xs/lite name=gamma n=3 score=0.25 ok=false 'meta={"k": 1}' "doc=@$IT_WORK/note.txt"
expect 200
uuid_g=$(field uuid); at_g=$(field at); doc_g=$(field doc)
same "$(sqlite3 "$lite" "SELECT uuid, name, n, typeof(n), score, typeof(score), ok, json_extract(meta, '\$.k'), at, doc FROM items")" \
	"$uuid_g|gamma|3|integer|0.25|real|0|1|$at_g|$doc_g" "the row in SQLite"
[[ $at_g =~ ^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T ]] || fail "not an ISO timestamp: $at_g"
# the connection is reused: many exports, one row each
for i in 1 2 3 4 5 6; do req /api/xs/lite "{\"name\": \"many\", \"n\": $i}"; expect 200; done
same "$(sqlite3 "$lite" "SELECT count(*), sum(n) FROM items WHERE name = 'many'")" "6|21" "repeated exports"

# ---- update with method "update": the target row whose key (uuid) is the row's
tq "INSERT INTO an.current VALUES ('$uuid', 'old', 0)"
req /api/xs/update "{\"uuid\": \"$uuid\", \"name\": \"alpha2\", \"n\": 8}"; expect 200
same "$(tq "SELECT name, n FROM an.current WHERE uuid = '$uuid'")" "alpha2|8" "the updated target row"
same "$(tq "SELECT count(*) FROM an.current")" 1 "an update export adds no row"
# strict, as Pixeltable's: no target row is a failed export, the update itself kept
uuid_b=$(q "SELECT uuid FROM pxt_data.\"xs/items\" WHERE name = 'beta'")
req /api/xs/update "{\"uuid\": \"$uuid_b\", \"name\": \"beta2\"}"; expect 500
has '"error_code":"internal_error"'; has '"retryable":false'; has "the row was committed to 'xs/items'"
same "$(nrows beta2)" 1 "the update behind a failed export"

# ---- a failing export (target table missing): 500, the row committed
req /api/xs/missing '{"name": "delta"}'; expect 500
has '"error_code":"internal_error"'; has '"retryable":false'
has "the row was committed to 'xs/items', but exporting it to \\\"nope\\\" (export_sql) failed"
same "$(nrows delta)" 1 "the row behind a failed export"
# the next export on the same worker still works (the connection survived the error)
for i in 1 2 3 4; do req /api/xs/pg "{\"name\": \"after$i\"}"; expect 200; done
same "$(tq "SELECT count(*) FROM items WHERE name LIKE 'after%'")" 4 "exports after a failure"
# ---- background routes: the export runs in the job; a failed one fails the job and
# undoes its write
# job PATH BODY - queue a job and wait until it ends; sets $body to its status document
job() {
	local url st
	req "$1" "$2"
	[ "$code" = 200 ] || [ "$code" = 202 ] || fail "queueing $1: $code $body"
	url=$(field job_url)
	[[ $url == http* ]] || url="$URL$url"
	for _ in $(seq 200); do
		body=$(curl -s "$url")
		st=$(field status)
		case $st in queued|running|pending) sleep 0.1 ;; *) return 0 ;; esac
	done
	fail "job $url did not end: $body"
}
job /api/xs/bg '{"name": "epsilon", "n": 5}'
same "$(field status)" done "the exporting job"
same "$(tq "SELECT n FROM items WHERE name = 'epsilon'")" 5 "the row a job exported"
job /api/xs/bg_missing '{"name": "zeta"}'
[ "$(field status)" != done ] || fail "a job whose export failed is done: $body"
has "exporting the row of 'xs/items' to \\\"nope\\\" (export_sql) failed, so the job's write was undone"
same "$(nrows zeta)" 0 "the write of a job whose export failed"

# the target's error is logged, the secret of db_connect never
logs=$(find "$PIXELTABLE_HOME" -name '*.log' -type f)
[ -n "$logs" ] || fail "no logs under $PIXELTABLE_HOME"
grep -q 'export_sql to "nope" failed' $logs || fail "the failed export is not logged"
! grep -q "$XS_PG_SECRET" $logs || fail "the db_connect secret is in a log"

# ---- start-up errors: the worker stops naming the file, line and column
bad() {
	local file="$IT_WORK/bad.toml"
	cat >"$file"
	SERVER_SERVICE_FILE="$file" expect_exit 1 "$PXTC_WORKER" --check
	grep -qF -- "$1" "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "message: $1"; }
	! grep -q "hunter2" "$IT_WORK/out" || fail "a start-up error shows db_connect"
}
route='[[service]]
name = "x"
[[service.routes]]
path = "/a"
table = "xs/items"'
bad "bad.toml:7:14: router 'x', route /a: export_sql: db_connect scheme 'mysql+pymysql' is not supported: use postgresql[+driver]://... or sqlite:///path" <<EOF
$route
type = "insert"
export_sql = {db_connect = "mysql+pymysql://u:hunter2@h/db", table = "t"}
EOF
bad "bad.toml:7:14: router 'x', route /a: export_sql: db_connect must be a URL" <<EOF
$route
type = "insert"
export_sql = {db_connect = "hunter2", table = "t"}
EOF
bad "bad.toml:7:14: router 'x', route /a: export_sql: method must be \"insert\" or \"update\", not \"merge\" (merge is not supported, as in Pixeltable)" <<EOF
$route
type = "insert"
export_sql = {db_connect = "sqlite:////srv/xs/x.db", table = "t", method = "merge"}
EOF
bad "bad.toml:7:14: router 'x', route /a: export_sql: db_connect uses \${XS_UNSET_VAR}, which is not set in the environment" <<EOF
$route
type = "insert"
export_sql = {db_connect = "postgresql://u:\${XS_UNSET_VAR}@h/db", table = "t"}
EOF
bad "bad.toml:8:14: router 'x', route /a: export_sql: method \"update\" finds the target row by 'uuid': add it to the outputs" <<EOF
$route
type = "update"
outputs = ["name"]
export_sql = {db_connect = "sqlite:////srv/xs/x.db", table = "t", method = "update"}
EOF
bad "bad.toml:7:14: a delete route takes no 'export_sql'" <<EOF
$route
type = "delete"
export_sql = {db_connect = "sqlite:////srv/xs/x.db", table = "t"}
EOF
bad "bad.toml:7:76: unknown key 'schema' in export_sql" <<EOF
$route
type = "insert"
export_sql = {db_connect = "sqlite:////srv/xs/x.db", table = "t", schema = "s"}
EOF
bad "bad.toml:7:14: export_sql needs 'db_connect' and 'table'" <<EOF
$route
type = "insert"
export_sql = {table = "t"}
EOF
bad "export_sql: a route answering with a file (return_fileresponse) has no row to export" <<EOF
$route
type = "insert"
return_fileresponse = true
export_sql = {db_connect = "sqlite:////srv/xs/x.db", table = "t"}
EOF
echo "ok: export_sql"
