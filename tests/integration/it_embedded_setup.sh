#!/usr/bin/env bash
# The setup binary on an embedded PostgreSQL with no configuration: creates the catalog
# and the reference app's tables; a second run changes nothing; --dry-run says in sync.
source "$(dirname "$0")/lib.sh"

expect_exit 0 "$PXTC_SETUP"
grep -q "create table 'app/documents'" "$IT_WORK/out" || fail "no create in output"
[ -f "$PIXELTABLE_HOME/pgdata/PG_VERSION" ] || fail "no cluster under the home"
[ -S "$PIXELTABLE_HOME/run/.s.PGSQL.5432" ] || fail "no unix socket under run/"
q "SHOW listen_addresses" | grep -qx '' || fail "server listens on TCP"

if [ "$(id -u)" = 0 ]; then
	owner=$(ps -o user= -p "$(postmaster_pid)" | tr -d ' ')
	[ "$owner" = pxtc ] || fail "postmaster runs as '$owner', not pxtc"
	[ "$(stat -c %U "$PIXELTABLE_HOME")" = pxtc ] || fail "home not owned by pxtc"
fi

[ "$(q "SELECT count(*) FROM pxt_catalog.dirs WHERE path = 'app'")" = 1 ] || fail "dir"
[ "$(q "SELECT string_agg(path, ',' ORDER BY path) FROM pxt_catalog.tables")" = \
  "app/chat_history,app/chunks,app/documents,app/images,app/videos" ] || fail "tables"
cols=$(q "SELECT string_agg(c.name || ':' || c.type, ',' ORDER BY c.position)
  FROM pxt_catalog.columns c JOIN pxt_catalog.tables t ON t.id = c.table_id
  WHERE t.path = 'app/documents'")
[ "$cols" = "uuid:UUID,document:Document,metadata:Json,timestamp:Timestamp,text:String,title:String,n_words:Int,summary:String" ] || fail "columns: $cols"
# user rows live in a plain table psql can read
q "INSERT INTO pxt_data.\"app/documents\" (document, metadata) VALUES ('/tmp/x.pdf', '{\"a\": 1}')"
[ "$(q "SELECT metadata->>'a' FROM pxt_data.\"app/documents\"")" = 1 ] || fail "row"

v1=$(q "SELECT version FROM pxt_catalog.state")
expect_exit 0 "$PXTC_SETUP"
grep -q "in sync" "$IT_WORK/out" || fail "second run not in sync"
[ "$(q "SELECT version FROM pxt_catalog.state")" = "$v1" ] || fail "second run changed the catalog"
expect_exit 0 "$PXTC_SETUP" --dry-run

expect_exit 0 "$PXTC" db status
grep -q running "$IT_WORK/out" || fail "status"
expect_exit 0 "$PXTC" ls -r
grep -q "table  app/images" "$IT_WORK/out" || fail "ls"
grep -q "view   app/chunks" "$IT_WORK/out" || fail "ls view: $(cat "$IT_WORK/out")"
expect_exit 0 "$PXTC" describe app/documents
grep -q "metadata" "$IT_WORK/out" || fail "describe"
grep -q -- "-- the uploaded document (PDF, HTML, Markdown or text)" "$IT_WORK/out" ||
	{ cat "$IT_WORK/out"; fail "describe shows no column comment"; }
expect_exit 1 "$PXTC" describe app/nope
grep -q "table 'app/nope' does not exist" "$IT_WORK/out" || fail "describe error"

# APP_NAMESPACE moves the app; a bad one is refused
APP_NAMESPACE=other expect_exit 0 "$PXTC_SETUP"
[ "$(q "SELECT count(*) FROM pxt_catalog.tables WHERE path LIKE 'other/%'")" = 5 ] || fail "namespace"
APP_NAMESPACE='../x' expect_exit 1 "$PXTC_SETUP"

expect_exit 0 "$PXTC" db stop
expect_exit 3 "$PXTC" db status
