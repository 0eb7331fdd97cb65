#!/usr/bin/env bash
# Computed columns, views and UDFs through the real stack (embedded PostgreSQL,
# spawn-fcgi + multiwatch workers, nginx): a PDF made with groff inserted and its text,
# title, word count and chunks; an update recomputing only what depends on it; a
# delete taking the chunks along; an image's size, base64 thumbnail and a preview nginx serves; a UDF
# that fails (422, or an error cell), crashes (502, worker respawned) or hangs (the
# alarm ends it) without leaving a row; and a UDF whose signature changed stopping the
# worker at start with the function and the column named. The C API part runs first
# (test_compute).
source "$(dirname "$0")/lib.sh"
: "${PXT_BUILD_DIR:?}" "${PXT_TEST_ROUTERS:?}" "${PXT_SOURCE_DIR:?}" "${PXT_TEST_UDFS:?}"
: "${PXT_TEST_COMPUTE:?}"

STACK="$PXT_SOURCE_DIR/deploy/local/pxtc-stack"
prefix="$IT_WORK/prefix"
cmake --install "$PXT_BUILD_DIR" --prefix "$prefix" >/dev/null
udfs="$prefix/lib/pxtc/udfs"
cp "$PXT_TEST_UDFS/testfns.so" "$udfs/"
cp "$PXT_TEST_ROUTERS/boom.so" "$prefix/lib/pxtc/routers/"
chmod -R a+rX "$IT_WORK"
chmod a+x "$IT_WORK"
export PXTC_BIN_DIR="$prefix/bin" PXTC_STACK_NO_DEMO=1 PXTC="$prefix/bin/pxtc"
export PIXELTABLE_UDF_DIR="$udfs" SERVER_UDF_TIMEOUT_S=2 SERVER_WORKERS=2
# the test's own HTTP server on loopback serves a document by URL
export PIXELTABLE_FETCH_ALLOW_PRIVATE=true
export SERVER_ROUTERS_DIR="$prefix/lib/pxtc/routers" SERVER_ROUTERS="data.so,boom.so"

# the C API checks, and the tables the boom router serves
"$PXT_TEST_COMPUTE" || fail "test_compute"

SERVER_PORT=$(free_port) || fail "no free port"
export SERVER_PORT
URL="http://127.0.0.1:$SERVER_PORT"
it_extra_cleanup() {
	"$STACK" stop >/dev/null 2>&1
	[ -n "${web:-}" ] && kill "$web" 2>/dev/null
	true
}
stack_start

req() {
	code=$(curl -s -D "$IT_WORK/head" -o "$IT_WORK/body" -w '%{http_code}' -X "$1" \
	    -H 'Content-Type: application/json' ${3:+--data-binary "$3"} "$URL$2")
	body=$(cat "$IT_WORK/body")
}
expect() { [ "$code" = "$1" ] || fail "got $code, expected $1: $body"; }
field() { python3 -c 'import json,sys; v=json.loads(sys.argv[1]); [v:=v[k] if not k.isdigit() else v[int(k)] for k in sys.argv[2].split(".")]; print(v if not isinstance(v,(dict,list)) else json.dumps(v))' "$body" "$1"; }

# ---- a 3-page PDF with a title, made with groff
media="$PIXELTABLE_HOME/media"
{
	echo '.pdfinfo /Title Field Notes On Rivers'
	for p in 1 2 3; do
		echo ".SH"
		echo "Chapter $p"
		echo ".PP"
		for i in $(seq 60); do printf 'river%s bank water stone ' "$p"; done
		echo
		if [ $p -lt 3 ]; then echo ".bp"; fi
	done
} | groff -Tpdf -ms >"$media/notes.pdf"
pdfinfo "$media/notes.pdf" | grep -q '^Pages: *3' || fail "groff made no 3-page PDF"
vips black "$media/pic.png" 640 480
[ "$(id -u)" = 0 ] && chown pxtc: "$media/notes.pdf" "$media/pic.png"

# ---- insert: the computed columns come back with the row
req POST /api/data/documents "{\"document\": \"$media/notes.pdf\", \"metadata\": {\"k\": 1}}"
expect 200
id=$(field uuid)
[ "$(field title)" = "Field Notes On Rivers" ] || fail "title: $body"
grep -q 'river2 bank water stone' <<<"$(field text)" || fail "text: $body"
words=$(field n_words)
[ "$words" -ge 720 ] || fail "n_words $words: $body"
req GET "/api/data/documents/$id/chunks"; expect 200
n=$(field rows | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$n" -ge 2 ] || fail "chunks: $body"
[ "$(field rows.0.pos)" = 0 ] && [ "$(field rows.0.page)" = 1 ] || fail "first chunk: $body"
[ "$(field rows.0.uuid)" = "$id" ] || fail "chunk's document uuid: $body"

# ---- update: metadata recomputes nothing; the document recomputes its pipeline
req POST /api/data/documents/update "{\"uuid\": \"$id\", \"metadata\": {\"k\": 2}}"; expect 200
grep -qi '^Pxt-Recomputed: *\s*$' "$IT_WORK/head" || fail "metadata update recomputed: $(cat "$IT_WORK/head")"
[ "$(field n_words)" = "$words" ] || fail "n_words changed: $body"
printf 'One short paragraph.\n' >"$media/short.txt"
[ "$(id -u)" = 0 ] && chown pxtc: "$media/short.txt"
req POST /api/data/documents/update "{\"uuid\": \"$id\", \"document\": \"$media/short.txt\"}"; expect 200
grep -qi '^Pxt-Recomputed: text, title, n_words, summary' "$IT_WORK/head" || fail "recomputed: $(cat "$IT_WORK/head")"
[ "$(field n_words)" = 3 ] || fail "n_words after update: $body"
req GET "/api/data/documents/$id/chunks"; expect 200
[ "$(field rows.0.text)" = "One short paragraph." ] && [ "$(field rows | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1 ] || fail "chunks after update: $body"

# ---- a document given by URL: fetched into the file cache, then the same pipeline
mkdir -p "$IT_WORK/web"
printf '# Fetched Notes\n\nDelta mud and reeds.\n' >"$IT_WORK/web/remote.md"
wport=$(free_port 10000 19999) || fail "no free port"
python3 -m http.server "$wport" --bind 127.0.0.1 --directory "$IT_WORK/web" >/dev/null 2>&1 &
web=$!
it_track "$web"
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$wport/" && break; sleep 0.1; done
req POST /api/data/documents "{\"document\": \"http://127.0.0.1:$wport/remote.md\"}"; expect 200
[ "$(field title)" = "Fetched Notes" ] && [ "$(field n_words)" = 6 ] || fail "URL document: $body"
[ "$(field document)" = "http://127.0.0.1:$wport/remote.md" ] || fail "the URL is stored as given: $body"
rid=$(field uuid)
req GET "/api/data/documents/$rid/chunks"; expect 200
[ "$(field rows.0.heading)" = "Fetched Notes" ] || fail "URL document chunks: $body"
[ -n "$(find "$PIXELTABLE_HOME/file_cache" -type f -name '*.md')" ] || fail "not in the file cache"
req GET "/api/data/documents/$rid/chunks"; expect 200

# ---- delete: the chunks go with the document
req POST /api/data/documents/delete "{\"uuid\": \"$id\"}"; expect 200
req GET "/api/data/documents/$id/chunks"; expect 404
[ "$(q "SELECT count(*) FROM pxt_data.\"app/chunks\" WHERE uuid = '$id'")" = 0 ] || fail "chunks left"

# ---- an image: size, the starter kit's base64 thumbnail, and a preview nginx serves
req POST /api/data/images "{\"image\": \"$media/pic.png\"}"; expect 200
[ "$(field width)" = 640 ] && [ "$(field height)" = 480 ] || fail "image size: $body"
field thumbnail | base64 -d >"$IT_WORK/b64.png" || fail "thumbnail is not base64: $body"
[ "$(vipsheader -f width "$IT_WORK/b64.png")x$(vipsheader -f height "$IT_WORK/b64.png")" = 320x240 ] ||
	fail "b64_encode(thumbnail(image, (320, 320))) is not a 320x240 PNG"
thumb=$(field preview)
# absolute, the expiry and signature in the path, the generated name last
case $thumb in "$URL"/media/[0-9]*/*/gen/*/*.png) ;; *) fail "thumbnail URL: $thumb" ;; esac
curl -s -o "$IT_WORK/t.png" -w '%{http_code} %{content_type}' "$thumb" >"$IT_WORK/t.code"
[ "$(cat "$IT_WORK/t.code")" = "200 image/png" ] || fail "thumbnail not served: $(cat "$IT_WORK/t.code")"
[ "$(vipsheader -f width "$IT_WORK/t.png")" = 256 ] || fail "thumbnail width"
curl -s -o /dev/null -w '%{http_code}' "$URL/media/gen/${thumb#*/gen/}" | grep -q 403 ||
	fail "unsigned thumbnail served"
# ranges (video players seek with them), answered by nginx
code=$(curl -s -o "$IT_WORK/part" -w '%{http_code}' -r 10-109 "$thumb")
[ "$code" = 206 ] && [ "$(stat -c %s "$IT_WORK/part")" = 100 ] || fail "range of a media file: $code"
cmp -s "$IT_WORK/part" <(tail -c +11 "$IT_WORK/t.png" | head -c 100) || fail "range bytes"
# the thumbnail belongs to its row: a new image replaces it, a delete removes it
iid=$(field uuid)
tfile="$PIXELTABLE_HOME/media/gen/${thumb#*/gen/}"
[ -f "$tfile" ] || fail "thumbnail file $tfile"
vips black "$media/pic2.png" 300 100
[ "$(id -u)" = 0 ] && chown pxtc: "$media/pic2.png"
req POST /api/data/images/update "{\"uuid\": \"$iid\", \"image\": \"$media/pic2.png\"}"; expect 200
[ "$(field width)" = 300 ] || fail "updated image: $body"
thumb2=$(field preview)
tfile2="$PIXELTABLE_HOME/media/gen/${thumb2#*/gen/}"
[ -f "$tfile2" ] && [ ! -e "$tfile" ] || fail "the old thumbnail stayed or the new one is missing"
req POST /api/data/images/delete "{\"uuid\": \"$iid\"}"; expect 200
[ ! -e "$tfile2" ] || fail "the deleted row's thumbnail stayed"
[ -f "$media/pic2.png" ] || fail "a file the store did not make was removed"

# ---- a failing UDF: 422 naming column and function, nothing written; or an error cell
req POST /api/boom/abort '{"s": "fail"}'; expect 422
grep -q "computed column 'b' of 'test/boom_abort': boom: boom refuses" <<<"$body" || fail "abort: $body"
req POST /api/boom/ignore '{"s": "fail"}'; expect 200
[ "$(field b)" = None ] || fail "ignore: $body"
req GET /api/boom/ignore; expect 200
[ "$(field rows.0.s)" = fail ] && [ "$(field rows.0.b_errortype)" = InvalidValue ] || fail "error cells: $body"
grep -q "boom refuses the input 'fail'" <<<"$(field rows.0.b_errormsg)" || fail "errormsg: $body"
[ "$(field rows.2.s)" = fine ] && [ "$(field rows.2.b_errortype)" = None ] && [ "$(field rows.2.b)" = FINE ] || fail "ok cell: $body"
before=$(q 'SELECT count(*) FROM pxt_data."test/boom_abort"')

# ---- a crashing UDF costs that request; the stack keeps serving
mw=$(cat "$PIXELTABLE_HOME/run/workers.pid")
req POST /api/boom/abort '{"s": "crash"}'
[ "$code" = 502 ] || fail "crash answered $code: $body"
grep -q '"error_code"' <<<"$body" || fail "crash: no JSON error: $body"
for i in $(seq 100); do [ "$(pgrep -P "$mw" | wc -l)" = 2 ] && break; sleep 0.1; done
req POST /api/boom/abort '{"s": "after crash"}'; expect 200
[ "$(field b)" = "AFTER CRASH" ] || fail "after crash: $body"

# ---- a hanging UDF: the alarm ends the worker within the limit
t0=$(date +%s)
req POST /api/boom/abort '{"s": "hang"}'
t1=$(date +%s)
[ "$code" = 502 ] || [ "$code" = 504 ] || fail "hang answered $code: $body"
[ $((t1 - t0)) -le 10 ] || fail "hang took $((t1 - t0)) s"
for i in $(seq 100); do [ "$(pgrep -P "$mw" | wc -l)" = 2 ] && break; sleep 0.1; done
req GET /api/health; expect 200
[ "$(q 'SELECT count(*) FROM pxt_data."test/boom_abort"')" = $((before + 1)) ] || fail "partial rows"
[ "$(q "SELECT count(*) FROM pxt_data.\"test/boom_abort\" WHERE s IN ('crash', 'hang', 'fail')")" = 0 ] || fail "a failed row was written"
"$STACK" stop >/dev/null 2>&1

# ---- the CLI: recompute the rows in error, with progress; check the catalog
expect_exit 0 "$PXTC" recompute test/boom_ignore b --errors-only
grep -q "compute 'b' of 'test/boom_ignore': 2/2 rows" "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "progress"; }
expect_exit 1 "$PXTC" recompute test/boom_ignore s
grep -q "no computed column 's'" "$IT_WORK/out" || fail "recompute a plain column"
expect_exit 0 "$PXTC" check

# ---- a changed signature stops the worker at start, naming the function and column
cp "$PXT_TEST_UDFS/testfns_b.so" "$udfs/testfns.so"
expect_exit 1 "$PXTC" check
grep -q "function 'boom' changed" "$IT_WORK/out" || fail "pxtc check"
if "$prefix/bin/pxtc-worker" --check >"$IT_WORK/check.out" 2>&1; then
	fail "worker started with a changed UDF signature"
fi
grep -q "computed column 'b' of 'test/boom_[a-z]*': function 'boom' changed: the catalog says boom(String) -> String, this build has boom(Int) -> String" "$IT_WORK/check.out" ||
	{ cat "$IT_WORK/check.out"; fail "signature change message"; }
