#!/usr/bin/env bash
# Uploads through the real stack: multipart/form-data on routes declared with
# uploadfile_inputs. A file lands in $PIXELTABLE_HOME/media/uploads byte for byte and
# the row refers to it; a 64 MiB upload streams to disk (the workers' peak memory
# stays far below it); a row that fails (a computed column refusing the file), a
# malformed body, a file for a column that takes none and an upload over the limit
# leave no row and no file behind. A query route with return_fileresponse (from C and
# from the service file) answers the one row's file itself: 404 for no row or a null
# file, 409 (not retryable) for several rows.
source "$(dirname "$0")/lib.sh"
: "${PXT_BUILD_DIR:?}" "${PXT_SOURCE_DIR:?}" "${PXT_TEST_UDFS:?}" "${PXT_TEST_COMPUTE:?}"
: "${PXT_TEST_ROUTERS:?}"

STACK="$PXT_SOURCE_DIR/deploy/local/pxtc-stack"
prefix="$IT_WORK/prefix"
cmake --install "$PXT_BUILD_DIR" --prefix "$prefix" >/dev/null
cp "$PXT_TEST_UDFS/testfns.so" "$prefix/lib/pxtc/udfs/"
cp "$PXT_TEST_ROUTERS/qfiles.so" "$prefix/lib/pxtc/routers/"
cp "$prefix/lib/pxtc/service.toml" "$IT_WORK/service.toml"
cat >>"$IT_WORK/service.toml" <<'TOML'

[[service]]
name = "up"
prefix = "/api/up"

[[service.routes]]
type = "insert"
path = "/documents"
table = "${APP_NAMESPACE}/documents"
inputs = ["metadata"]
uploadfile_inputs = ["document"]
now_columns = ["timestamp"]

[[service.routes]]
type = "insert"
path = "/files"
table = "test/files"
inputs = ["note"]
uploadfile_inputs = ["doc"]

[[service.routes]]
type = "insert"
path = "/thumbnails"
table = "${APP_NAMESPACE}/images"
uploadfile_inputs = ["image"]
outputs = ["uuid", "preview"]
return_fileresponse = true

[[service.routes]]
type = "query"
path = "/file_by_note"
query = "files_by_note"
return_fileresponse = true
TOML
chmod -R a+rX "$IT_WORK"
chmod a+x "$IT_WORK"
export PXTC_BIN_DIR="$prefix/bin" PXTC_STACK_NO_DEMO=1 PXTC="$prefix/bin/pxtc"
export SERVER_WORKERS=2 SERVER_SERVICE_FILE="$IT_WORK/service.toml" SERVER_MAX_UPLOAD_MB=80
export PIXELTABLE_UDF_DIR="$prefix/lib/pxtc/udfs"
"$PXT_TEST_COMPUTE" >/dev/null 2>&1 || fail "test_compute"
SERVER_PORT=$(free_port) || fail "no free port"
export SERVER_PORT
URL="http://127.0.0.1:$SERVER_PORT"
it_extra_cleanup() { "$STACK" stop >/dev/null 2>&1; }
stack_start

field() { python3 -c 'import json,sys; v=json.loads(sys.argv[1]); [v:=v[k] for k in sys.argv[2].split(".")]; print(v if not isinstance(v,(dict,list)) else json.dumps(v))' "$1" "$2"; }
# up PATH CURL-ARGS... - sets $code and $body
up() {
	local path=$1
	shift
	code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' "$@" "$URL$path")
	body=$(cat "$IT_WORK/body")
}
leftovers() { find "$PIXELTABLE_HOME/tmp" -type f 2>/dev/null | wc -l; }
uploads() { find "$PIXELTABLE_HOME/media/uploads" -type f 2>/dev/null | wc -l; }

# ---- a document upload: the pipeline runs on the stored file
printf '# Upload Notes\n\nRivers carry stones downstream.\n' >"$IT_WORK/notes.md"
up /api/up/documents -F "document=@$IT_WORK/notes.md" -F 'metadata={"via": "form"}'
[ "$code" = 200 ] || fail "upload: $code $body"
[ "$(field "$body" title)" = "Upload Notes" ] && [ "$(field "$body" n_words)" = 6 ] || fail "pipeline: $body"
[ "$(field "$body" metadata.via)" = form ] || fail "metadata: $body"
stored=$(q "SELECT document FROM pxt_data.\"app/documents\" WHERE metadata->>'via' = 'form'")
# a folder of its own per upload, the file under the name it was sent with
case $stored in "$PIXELTABLE_HOME/media/uploads/"[0-9a-f]*/notes.md) ;; *) fail "stored path: $stored" ;; esac
cmp -s "$stored" "$IT_WORK/notes.md" || fail "stored file differs"
[ "$(leftovers)" = 0 ] || fail "temporary files left: $(find "$PIXELTABLE_HOME/tmp" -type f)"

# ---- 64 MiB streamed to disk: the workers never hold it
head -c $((64 * 1024 * 1024)) /dev/urandom >"$IT_WORK/big.bin"
mw=$(cat "$PIXELTABLE_HOME/run/workers.pid")
declare -A rss0
for w in $(pgrep -P "$mw"); do rss0[$w]=$(awk '/^VmRSS/ {print $2}' "/proc/$w/status"); done
up /api/up/files -F "doc=@$IT_WORK/big.bin" -F 'note=big'
[ "$code" = 200 ] || fail "big upload: $code $body"
big=$(q "SELECT doc FROM pxt_data.\"test/files\" WHERE note = 'big'")
cmp -s "$big" "$IT_WORK/big.bin" || fail "big file differs"
# a worker holding the file would have grown by 64 MiB: none grew by half of it
for w in $(pgrep -P "$mw"); do
	hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$w/status")
	[ $((hwm - ${rss0[$w]:-0})) -lt $((32 * 1024)) ] ||
		fail "worker $w peaked $((hwm - ${rss0[$w]:-0})) kB above its size for a 64 MiB upload"
done
[ "$(leftovers)" = 0 ] || fail "temporary files left after the big upload"

# ---- return_fileresponse: the answer is the generated thumbnail itself (nginx sends it)
vips black "$IT_WORK/pic.png" 600 300
code=$(curl -s -D "$IT_WORK/head" -o "$IT_WORK/thumb.png" -w '%{http_code}' -F "image=@$IT_WORK/pic.png" "$URL/api/up/thumbnails")
[ "$code" = 200 ] || fail "fileresponse: $code $(cat "$IT_WORK/thumb.png")"
grep -qi '^Content-Type: image/png' "$IT_WORK/head" || fail "fileresponse type: $(cat "$IT_WORK/head")"
grep -qi '^X-Accel-Redirect' "$IT_WORK/head" && fail "X-Accel-Redirect leaked to the client"
[ "$(vipsheader -f width "$IT_WORK/thumb.png")" = 256 ] || fail "fileresponse is not the thumbnail"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/_pxtc_media/uploads/x.png")" = 404 ] || fail "internal location reachable"

# ---- failures leave nothing: the row's pipeline refuses the file
n0=$(uploads)
head -c 4096 /dev/urandom >"$IT_WORK/noise.pdf"
up /api/up/documents -F "document=@$IT_WORK/noise.pdf"
[ "$code" = 422 ] || fail "bad PDF: $code $body"
grep -q "computed column 'text'" <<<"$body" || fail "bad PDF message: $body"
[ "$(uploads)" = "$n0" ] && [ "$(leftovers)" = 0 ] || fail "a failed insert left a file"
[ -z "$(find "$PIXELTABLE_HOME/media/uploads" -mindepth 1 -type d -empty)" ] ||
	fail "a failed insert left an upload folder"
# a file for a column that takes none, an unknown field, a malformed body
up /api/up/files -F "note=@$IT_WORK/notes.md"
[ "$code" = 422 ] && grep -q "takes no upload" <<<"$body" || fail "file for note: $code $body"
up /api/up/files -F "nope=1"
[ "$code" = 422 ] || fail "unknown field: $code $body"
up /api/up/files -H 'Content-Type: multipart/form-data; boundary=XyZ' --data-binary $'--XyZ\r\nContent-Disposition: form-data; name="doc"; filename="a.txt"\r\n\r\ncut short'
[ "$code" = 400 ] || fail "truncated multipart: $code $body"
up /api/up/files -H 'Content-Type: multipart/form-data' --data-binary 'x'
[ "$code" = 400 ] || fail "no boundary: $code $body"
# a file for a column that is not among the route's uploadfile_inputs, a form on a
# query route, and a form too large for [server] max_upload_mb (nginx)
up /api/data/documents -F "metadata=@$IT_WORK/notes.md"
[ "$code" = 422 ] && grep -q "uploadfile_inputs" <<<"$body" || fail "file for a column without uploads: $code $body"
up /api/data/documents/delete -F "uuid=01a20a89-0000-7000-8000-000000000000"
[ "$code" = 200 ] && [ "$body" = '{"num_rows":0}' ] || fail "form on a delete route: $code $body"
up /api/data/documents -X GET -F "limit=1"
[ "$code" = 415 ] || fail "form on a GET query route: $code $body"
# an empty file input (no file chosen in a browser form) is a column not given
up /api/up/files -F "doc=@/dev/null;filename=" -F 'note=nothing'
[ "$code" = 200 ] && [ "$(field "$body" doc)" = None ] || fail "empty file input: $code $body"
head -c $((81 * 1024 * 1024)) /dev/zero >"$IT_WORK/huge.bin"
up /api/up/files -F "doc=@$IT_WORK/huge.bin"
[ "$code" = 413 ] || fail "over the limit: $code"
[ "$(uploads)" = "$n0" ] && [ "$(leftovers)" = 0 ] || fail "a refused upload left a file"
[ -z "$(find "$PIXELTABLE_HOME/media/uploads" -mindepth 1 -type d -empty)" ] ||
	fail "a refused upload left an upload folder"
[ "$(q "SELECT count(*) FROM pxt_data.\"test/files\"")" = 2 ] || fail "rows from failed uploads"

# ---- return_fileresponse on a query route: the one row's file, from C (GET) and from
# the service file (POST)
up /api/up/files -F "doc=@$IT_WORK/notes.md" -F 'note=md'
[ "$code" = 200 ] || fail "upload md: $code $body"
# fileget PATH CURL-ARGS... - the answer must be notes.md itself, as text/markdown
fileget() {
	local path=$1
	shift
	code=$(curl -s -D "$IT_WORK/head" -o "$IT_WORK/got.md" -w '%{http_code}' "$@" "$URL$path")
	[ "$code" = 200 ] || fail "query file $path: $code $(cat "$IT_WORK/got.md")"
	cmp -s "$IT_WORK/got.md" "$IT_WORK/notes.md" || fail "query file $path: other bytes"
	grep -qi '^Content-Type: text/markdown' "$IT_WORK/head" || fail "query file type: $(cat "$IT_WORK/head")"
	! grep -qi '^X-Accel-Redirect' "$IT_WORK/head" || fail "X-Accel-Redirect leaked to the client"
}
fileget "/api/qfiles/by_note?note=md"
fileget /api/up/file_by_note -H 'Content-Type: application/json' -d '{"note": "md"}'
# no row, a null file: 404; several rows: 409 that a retry cannot mend
up "/api/qfiles/by_note?note=absent"
[ "$code" = 404 ] && grep -q "found no row" <<<"$body" || fail "no row: $code $body"
up "/api/qfiles/by_note?note=nothing"
[ "$code" = 404 ] && grep -q "'doc' is null" <<<"$body" || fail "null file: $code $body"
up /api/up/files -F "doc=@$IT_WORK/notes.md" -F 'note=md'
up /api/up/file_by_note -H 'Content-Type: application/json' -d '{"note": "md"}'
[ "$code" = 409 ] && [ "$(field "$body" detail.retryable)" = False ] &&
	grep -q "found 2 rows" <<<"$body" || fail "several rows: $code $body"
up "/api/qfiles/by_note?note=md&x=1"
[ "$code" = 422 ] || fail "unknown parameter: $code $body"
# OpenAPI: the file routes declare the file for 200, and 404/409
curl -s "$URL/api/openapi.json" >"$IT_WORK/openapi.json"
python3 - "$IT_WORK/openapi.json" <<'PY' || fail "OpenAPI of the file routes"
import json, sys
doc = json.load(open(sys.argv[1]))
# one content entry per media type of the file column's type, none JSON
docs = ["application/pdf", "text/html", "text/markdown", "text/plain"]
for path, method, media in (("/api/qfiles/by_note", "get", docs),
                            ("/api/up/file_by_note", "post", docs),
                            ("/api/up/thumbnails", "post", ["image/png", "image/jpeg"])):
    r = doc["paths"][path][method]["responses"]
    content = r["200"]["content"]
    assert all(m in content for m in media) and "application/json" not in content, (path, r["200"])
    assert all(c["schema"]["format"] == "binary" for c in content.values()), path
    assert path == "/api/up/thumbnails" or ("404" in r and "409" in r), (path, list(r))
PY

# ---- media in answers: an upload answers an absolute signed URL on the host the client
# used, the expiry and the signature in the path, the file's own name last; nginx
# serves it, refuses a tampered one (403) and an expired one (410)
printf '%%PDF-1.4 not really a pdf\n' >"$IT_WORK/report 1.pdf"
up /api/up/files -F "doc=@\"$IT_WORK/report 1.pdf\"" -F 'note=report'
[ "$code" = 200 ] || fail "upload report 1.pdf: $code $body"
murl=$(field "$body" doc)
case $murl in "$URL/media/"[0-9]*/*/uploads/[0-9a-f]*/report%201.pdf) ;;
*) fail "media URL of report 1.pdf: $murl" ;; esac
code=$(curl -s -D "$IT_WORK/head" -o "$IT_WORK/got.pdf" -w '%{http_code}' "$murl")
[ "$code" = 200 ] && cmp -s "$IT_WORK/got.pdf" "$IT_WORK/report 1.pdf" ||
	fail "media URL not served: $code $murl"
grep -qi '^X-Content-Type-Options: nosniff' "$IT_WORK/head" &&
	grep -qi '^Content-Security-Policy: sandbox' "$IT_WORK/head" &&
	grep -qi '^Content-Type: application/pdf' "$IT_WORK/head" || fail "media headers: $(cat "$IT_WORK/head")"
stored=$(q "SELECT doc FROM pxt_data.\"test/files\" WHERE note = 'report'")
[ "$(basename "$stored")" = "report 1.pdf" ] || fail "stored name: $stored"
msig=${murl#"$URL"/media/*/}; msig=${msig%%/*}
[ ${#msig} = 22 ] || fail "signature segment: $msig in $murl"
# nginx's access log keeps the path, not the signature (a link's bearer credential)
grep -qF "report 1.pdf" "$PIXELTABLE_HOME/logs/nginx-access.log" &&
	! grep -qF "$msig" "$PIXELTABLE_HOME/logs/nginx-access.log" || fail "access log and the signature"
code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' "${murl/\/$msig\//\/AAAAAAAAAAAAAAAAAAAAAA\/}")
[ "$code" = 403 ] && grep -q '"error_code": "forbidden"' "$IT_WORK/body" || fail "tampered signature: $code"
mexp=${murl#"$URL"/media/}; mexp=${mexp%%/*}
code=$(curl -s -o /dev/null -w '%{http_code}' "${murl/\/media\/$mexp\//\/media\/$((mexp + 1))\/}")
[ "$code" = 403 ] || fail "a later expiry under the same signature: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "${murl%/*}/other.pdf")
[ "$code" = 403 ] || fail "another name under the same signature: $code"
# a tiny ttl from the configuration: the link expires
rel=${stored#"$PIXELTABLE_HOME"/media/}
short=$(SERVER_MEDIA_URL_TTL_S=1 "$PXTC" media-url "$rel") || fail "media-url $rel"
case $short in /media/[0-9]*/*/uploads/*/report%201.pdf) ;; *) fail "relative media-url: $short" ;; esac
sleep 2
code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' "$URL$short")
[ "$code" = 410 ] && grep -q '"error_code": "gone"' "$IT_WORK/body" || fail "expired link: $code $(cat "$IT_WORK/body")"
# a missing file under a good signature: 404
secret=$(cat "$PIXELTABLE_HOME/run/media_url_secret")
mexp=$(($(date +%s) + 60))
gsig=$(printf '%s' "$mexp/media/uploads/none.pdf $secret" | openssl md5 -binary | openssl base64 | tr +/ -_ | tr -d =)
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/media/$mexp/$gsig/uploads/none.pdf")
[ "$code" = 404 ] || fail "missing media file: $code"
# behind a proxy: the scheme and host it forwards
up /api/up/files -H 'X-Forwarded-Proto: https' -H 'Host: example.org' \
    -F "doc=@\"$IT_WORK/report 1.pdf\"" -F 'note=proxied'
[ "$code" = 200 ] || fail "proxied upload: $code $body"
case $(field "$body" doc) in https://example.org/media/[0-9]*/*/report%201.pdf) ;;
*) fail "proxied media URL: $(field "$body" doc)" ;; esac
# a local file outside the media store is a reference: file://, left where it is
mkdir -p "$PIXELTABLE_HOME/tmp/local refs"
printf 'a file left in place\n' >"$PIXELTABLE_HOME/tmp/local refs/note #1.txt"
up /api/data/documents -H 'Content-Type: application/json' \
    -d "{\"document\": \"$PIXELTABLE_HOME/tmp/local refs/note #1.txt\"}"
[ "$code" = 200 ] || fail "local reference: $code $body"
want="file://$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' \
    "$PIXELTABLE_HOME/tmp/local refs/note #1.txt")"
[ "$(field "$body" document)" = "$want" ] || fail "local reference: $(field "$body" document), want $want"
[ -f "$PIXELTABLE_HOME/tmp/local refs/note #1.txt" ] || fail "the referenced file moved"
[ -z "$(find "$PIXELTABLE_HOME/media" -name 'note #1.txt')" ] || fail "the referenced file was copied"
