#!/usr/bin/env bash
# Pixeltable's data model through the real stack (nginx, workers, PostgreSQL): a
# required column left out or set to null is a 422 naming it, checked before any SQL
# and leaving no row and no uploaded file; the reference app's uuid7() keys (shape,
# order) and now() timestamps; a user's own `id` column and a table without a key
# (update and delete by match_columns, a start-up error without them); now_columns as
# a route's now() default; and an old home (implicit `id` key) migrated by pxtc-setup,
# rows, chunks, media and indexes kept, the routes answering with `uuid`.
source "$(dirname "$0")/lib.sh"
: "${PXT_BUILD_DIR:?}" "${PXT_SOURCE_DIR:?}" "${PXT_TEST_DATA_MODEL:?}" "${PXTC_WORKER:?}"

STACK="$PXT_SOURCE_DIR/deploy/local/pxtc-stack"
prefix="$IT_WORK/prefix"
cmake --install "$PXT_BUILD_DIR" --prefix "$prefix" >/dev/null
cp "$prefix/lib/pxtc/service.toml" "$IT_WORK/service.toml"
cat >>"$IT_WORK/service.toml" <<'TOML'

[[service]]
name = "dm"
prefix = "/api/dm"

[[service.routes]]
type = "insert"
path = "/users"
table = "dm/users"

[[service.routes]]
type = "update"
path = "/users/update"
table = "dm/users"
match_columns = ["id"]

[[service.routes]]
type = "delete"
path = "/users/delete"
table = "dm/users"
match_columns = ["id"]

[[service.routes]]
type = "insert"
path = "/events"
table = "dm/events"
now_columns = ["at"]

[[service.routes]]
type = "delete"
path = "/events/delete"
table = "dm/events"
match_columns = ["kind"]

[[service.routes]]
type = "insert"
path = "/files"
table = "dm/files"
inputs = ["note"]
uploadfile_inputs = ["doc"]
TOML
chmod -R a+rX "$IT_WORK"
chmod a+x "$IT_WORK"
export PXTC_BIN_DIR="$prefix/bin" PXTC_STACK_NO_DEMO=1 PXTC="$prefix/bin/pxtc"
export PXTC_SETUP="$prefix/bin/pxtc-setup"
export SERVER_WORKERS=2 SERVER_SERVICE_FILE="$IT_WORK/service.toml"
"$PXT_TEST_DATA_MODEL" >"$IT_WORK/tables.log" 2>&1 || { cat "$IT_WORK/tables.log"; fail "test_data_model"; }
SERVER_PORT=$(free_port) || fail "no free port"
export SERVER_PORT
URL="http://127.0.0.1:$SERVER_PORT"
it_extra_cleanup() { "$STACK" stop >/dev/null 2>&1; }
stack_start

# req METHOD PATH [BODY] - sets $code and $body
req() {
	if [ -n "${3:-}" ]; then
		code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' -X "$1" -H 'Content-Type: application/json' --data-binary "$3" "$URL$2")
	else
		code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' -X "$1" "$URL$2")
	fi
	body=$(cat "$IT_WORK/body")
}
expect() { [ "$code" = "$1" ] || fail "got $code, expected $1: $body"; }
has() { grep -qF -- "$1" <<<"$body" || fail "no '$1' in: $body"; }
field() { python3 -c 'import json,sys; v=json.loads(sys.argv[1]); [v:=v[int(k)] if isinstance(v,list) else v[k] for k in sys.argv[2].split(".")]; print(v if not isinstance(v,(dict,list)) else json.dumps(v))' "$body" "$1"; }
ndocs() { q 'SELECT count(*) FROM pxt_data."app/documents"'; }

media="$PIXELTABLE_HOME/media"
printf '# Rivers\n\nRivers carry stones downstream.\n\n# Lakes\n\nLakes hold still water.\n' >"$media/a.md"
printf 'second file\n' >"$media/b.txt"
vips black "$media/a.png" 8 6
[ "$(id -u)" = 0 ] && chown pxtc: "$media"/*

# ---- Required[...]: left out or null is a 422 naming the column; nothing written
req POST /api/data/documents '{"metadata": {"k": 1}}'; expect 422
has "column 'document' is required (Required[Document]): give it a value"
has '"cause":"document"'
req POST /api/data/documents '{"document": null}'; expect 422
has "column 'document' is required"
req POST /api/data/images '{"metadata": {}}'; expect 422
has "column 'image' is required (Required[Image])"
[ "$(ndocs)" = 0 ] || fail "a refused insert wrote a row"
# an upload whose row is refused leaves no file behind
printf 'orphan?\n' >"$IT_WORK/o.txt"
code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' -F "doc=@$IT_WORK/o.txt" "$URL/api/dm/files"); body=$(cat "$IT_WORK/body")
expect 422; has "column 'note' is required (Required[String])"
[ "$(find "$media/uploads" -type f 2>/dev/null | wc -l)" = 0 ] || fail "an orphan upload: $(ls "$media/uploads")"
code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' -F "doc=@$IT_WORK/o.txt" -F note=kept "$URL/api/dm/files"); body=$(cat "$IT_WORK/body")
expect 200; [ "$(find "$media/uploads" -type f | wc -l)" = 1 ] || fail "the upload of a good row"

# ---- the reference app's keys and timestamps: uuid7() and now(), made by pxtc
t0=$(date +%s%3N)
req POST /api/data/documents "{\"document\": \"$media/a.md\", \"metadata\": {\"k\": 1}}"; expect 200
u1=$(field uuid); ts1=$(field timestamp)
req POST /api/data/documents "{\"document\": \"$media/b.txt\"}"; expect 200
u2=$(field uuid)
t1=$(date +%s%3N)
for u in "$u1" "$u2"; do
	[[ $u =~ ^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] || fail "not a UUIDv7: $u"
	ms=$((16#$(tr -d - <<<"${u:0:13}")))
	[ "$ms" -ge $((t0 - 1000)) ] && [ "$ms" -le $((t1 + 1000)) ] || fail "uuid7 time $ms not in [$t0, $t1]"
done
[[ $u1 < $u2 ]] || fail "a later uuid7 sorts first: $u1 $u2"
case $ts1 in 20*T*) ;; *) fail "timestamp not now(): $ts1" ;; esac
[ "$(q "SELECT count(*) FROM pxt_data.\"app/documents\" WHERE \"timestamp\" > now() - interval '5 minutes'")" = 2 ] || fail "timestamps"
req POST /api/data/documents/update "{\"uuid\": \"$u1\", \"document\": null}"; expect 422
has "column 'document' is required"
[ "$(q "SELECT document FROM pxt_data.\"app/documents\" WHERE uuid = '$u1'")" = "$media/a.md" ] || fail "a refused update changed the row"
req GET "/api/data/documents/$u1/chunks"; expect 200
[ "$(field rows.0.uuid)" = "$u1" ] || fail "chunk's key: $body"
req POST /api/data/images "{\"image\": \"$media/a.png\", \"metadata\": {\"k\": \"v\"}}"; expect 200
i1=$(field uuid)

# ---- a user's own id is an ordinary column; a table without a key
req POST /api/dm/users '{"id": 7, "name": "ada"}'; expect 200
has '"id":7'; has '"name":"ada"'; has '"joined":"20'
req POST /api/dm/users '{"id": 7, "name": "bob"}'; expect 200	# not a key: no uniqueness
req POST /api/dm/users '{"id": 8, "name": "cy"}'; expect 200
req POST /api/dm/users '{"id": 9}'; expect 422; has "column 'name' is required (Required[String])"
req POST /api/dm/users/update '{"id": 8, "name": "cyd"}'; expect 200; has '"name":"cyd"'
req POST /api/dm/users/update '{"id": 7, "name": "x"}'; expect 409
req POST /api/dm/users/update '{"id": 8, "name": null}'; expect 422
req POST /api/dm/users/delete '{"id": 7}'; expect 200
[ "$body" = '{"num_rows":2}' ] || fail "delete by match_columns: $body"
[ "$(q 'SELECT string_agg(name, $$,$$) FROM pxt_data."dm/users"')" = cyd ] || fail "users left"
[ "$(q "SELECT count(*) FROM information_schema.columns WHERE table_name = 'dm/users' AND column_name = '_pxt_rowid'")" = 1 ] || fail "hidden row id"
# now_columns: the route's now() default, only when the request leaves the column out
req POST /api/dm/events '{"kind": "a", "n": 1}'; expect 200; has '"at":"20'
req POST /api/dm/events '{"kind": "b", "at": "2024-01-02T03:04:05Z"}'; expect 200
has '"at":"2024-01-02T03:04:05+00:00"'
req POST /api/dm/events/delete '{"kind": "a"}'; expect 200
[ "$body" = '{"num_rows":1}' ] || fail "events delete: $body"

# an update or delete route of a table without a key needs match_columns
cat >"$IT_WORK/bad.toml" <<'TOML'
[[service]]
name = "bad"
[[service.routes]]
type = "update"
path = "/e"
table = "dm/events"
TOML
SERVER_SERVICE_FILE="$IT_WORK/bad.toml" expect_exit 1 "$PXTC_WORKER" --check
grep -qF "bad.toml:3:1:" "$IT_WORK/out" && grep -qF "table 'dm/events' has no primary key, so an update route needs match_columns" "$IT_WORK/out" ||
	{ cat "$IT_WORK/out"; fail "start-up error of a keyless update route"; }
# an insert route that cannot be given a required column is refused at start too
cat >"$IT_WORK/bad.toml" <<'TOML'
[[service]]
name = "bad"
[[service.routes]]
type = "insert"
path = "/u"
table = "dm/users"
inputs = ["id"]
TOML
SERVER_SERVICE_FILE="$IT_WORK/bad.toml" expect_exit 1 "$PXTC_WORKER" --check
grep -qF "column 'name' is required (Required[String]) and has no default: add it to the route's inputs" "$IT_WORK/out" ||
	{ cat "$IT_WORK/out"; fail "start-up error of an insert route missing a required input"; }

# ---- an old home: the implicit UUID key `id` on documents and images, as an older
# pxtc made it (catalog format 3, nullable file and timestamp, no defaults declared)
nchunks=$(q 'SELECT count(*) FROM pxt_data."app/chunks"')
[ "$nchunks" -gt 0 ] || fail "no chunks"
keys=$(q 'SELECT string_agg(uuid::text, $$,$$ ORDER BY uuid) FROM pxt_data."app/documents"')
thumb=$(q 'SELECT preview FROM pxt_data."app/images"')
[ -f "$thumb" ] || fail "preview file $thumb"
# the old images had one thumbnail column, a file: today's "preview"
img_tid="(SELECT id FROM pxt_catalog.tables WHERE path = 'app/images')"
tpos=$(q "SELECT position FROM pxt_catalog.columns WHERE name = 'thumbnail' AND table_id = $img_tid")
q "ALTER TABLE pxt_data.\"app/images\" DROP COLUMN thumbnail, DROP COLUMN \"_pxt_et_$tpos\",
     DROP COLUMN \"_pxt_em_$tpos\";
   DELETE FROM pxt_catalog.columns WHERE name = 'thumbnail' AND table_id = $img_tid;
   ALTER TABLE pxt_data.\"app/images\" RENAME COLUMN preview TO thumbnail;
   UPDATE pxt_catalog.columns SET name = 'thumbnail', storage_name = 'thumbnail'
     WHERE name = 'preview' AND table_id = $img_tid"
nidx=$(q 'SELECT count(*) FROM pxt_catalog.indexes')
q "ALTER TABLE pxt_data.\"app/documents\" RENAME COLUMN uuid TO id;
   ALTER TABLE pxt_data.\"app/documents\" ALTER COLUMN document DROP NOT NULL,
     ALTER COLUMN \"timestamp\" DROP NOT NULL, ALTER COLUMN \"timestamp\" DROP DEFAULT;
   ALTER TABLE pxt_data.\"app/images\" RENAME COLUMN uuid TO id;
   ALTER TABLE pxt_data.\"app/images\" ALTER COLUMN image DROP NOT NULL,
     ALTER COLUMN \"timestamp\" DROP NOT NULL, ALTER COLUMN \"timestamp\" DROP DEFAULT;
   ALTER TABLE pxt_data.\"app/chunks\" RENAME COLUMN uuid TO id;
   UPDATE pxt_catalog.columns SET name = 'id', storage_name = 'id' WHERE name = 'uuid'
     AND table_id IN (SELECT id FROM pxt_catalog.tables WHERE path IN
     ('app/documents', 'app/images', 'app/chunks'));
   UPDATE pxt_catalog.columns SET nullable = true WHERE name IN ('document', 'image', 'timestamp');
   ALTER TABLE pxt_catalog.columns DROP COLUMN dflt;
   ALTER TABLE pxt_catalog.columns DROP COLUMN comment;
   UPDATE pxt_catalog.state SET format = 3"
expect_exit 2 "$PXTC_SETUP" --dry-run
for t in documents images; do
	grep -qF "would rename column 'id' of 'app/$t' to 'uuid'" "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "dry run: $t"; }
done
grep -qF "would change column 'timestamp' of 'app/documents' in place" "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "dry run: timestamp"; }
grep -qF "would rename column 'thumbnail' of 'app/images' to 'preview'" "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "dry run: preview"; }
! grep -q destructive "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "the migration drops data"; }
# the tables an older pxtc had (videos and chat_history are newer)
app_cols="table_id IN (SELECT id FROM pxt_catalog.tables WHERE path IN ('app/documents', 'app/images', 'app/chunks'))"
[ "$(q "SELECT count(*) FROM pxt_catalog.columns WHERE name = 'id' AND $app_cols")" = 3 ] || fail "the dry run applied"
expect_exit 0 "$PXTC_SETUP"
expect_exit 0 "$PXTC_SETUP" --dry-run
grep -q "in sync" "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "not in sync after the migration"; }
[ "$(q "SELECT count(*) FROM pxt_catalog.columns WHERE name = 'id' AND $app_cols")" = 0 ] || fail "id left"
[ "$(q "SELECT string_agg(name || ':' || is_pk || ':' || coalesce(dflt, '-'), ',' ORDER BY table_id) FROM pxt_catalog.columns WHERE name = 'uuid' AND $app_cols")" = "uuid:true:uuid7(),uuid:false:-,uuid:true:uuid7()" ] || fail "uuid columns"
[ "$(q 'SELECT string_agg(uuid::text, $$,$$ ORDER BY uuid) FROM pxt_data."app/documents"')" = "$keys" ] || fail "keys changed"
[ "$(q 'SELECT count(*) FROM pxt_data."app/chunks"')" = "$nchunks" ] || fail "chunks lost"
[ "$(q 'SELECT count(*) FROM pxt_catalog.indexes')" = "$nidx" ] || fail "indexes lost"
[ -f "$thumb" ] && [ -f "$media/a.md" ] || fail "media lost"
[ "$(q 'SELECT preview FROM pxt_data."app/images"')" = "$thumb" ] || fail "the old thumbnail is not the preview"
q 'SELECT thumbnail FROM pxt_data."app/images"' | base64 -d | head -c 4 | grep -q PNG ||
	fail "the starter kit's thumbnail was not computed for the old rows"
[ "$(q "SELECT format FROM pxt_catalog.state")" = 6 ] || fail "catalog format"
[ "$(q "SELECT comment FROM pxt_catalog.columns WHERE name = 'document' AND $app_cols")" = \
    "the uploaded document (PDF, HTML, Markdown or text)" ] || fail "the migrated column's comment"
[ "$(q "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'app/documents' AND column_name = 'document'")" = NO ] || fail "document not required"
# the routes answer with uuid over the migrated home (the workers reloaded on NOTIFY)
sleep 1
req GET /api/data/documents; expect 200
[ "$(field rows.1.uuid)" = "$u1" ] || fail "list after the migration: $body"
req GET "/api/data/documents/$u1/chunks"; expect 200
[ "$(field rows.0.uuid)" = "$u1" ] || fail "chunks after the migration: $body"
req POST /api/search/chunks '{"query": "stones", "mode": "keyword"}'; expect 200
[ "$(field results.0.document.uuid)" = "$u1" ] || fail "search after the migration: $body"
req POST /api/data/images/update "{\"uuid\": \"$i1\", \"metadata\": {\"k\": \"w\"}}"; expect 200
req POST /api/data/documents "{\"document\": \"$media/b.txt\"}"; expect 200
[[ $(field uuid) > $u2 ]] || fail "a new key after the migration: $body"
req POST /api/data/documents/delete "{\"uuid\": \"$u1\"}"; expect 200
[ "$body" = '{"num_rows":1}' ] || fail "delete after the migration: $body"
