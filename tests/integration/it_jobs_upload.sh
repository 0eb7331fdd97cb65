#!/usr/bin/env bash
# Uploads on background routes through the real stack, as Pixeltable's serving takes
# them: a multipart request to a background route with uploadfile_inputs (declared in
# the service file, and in C by tests/routers/bgfiles.c) stores its file at once and
# answers 200 {"id", "job_url"}; the jobs runner inserts the row with the stored
# file, and the job's result is the route's answer. A bad form field, a file for a
# column that takes none and an upload over the limit are refused at once and leave
# no file; a job that fails, or is given up after its attempts, leaves no file; the same Idempotency-Key again stores no
# second file; the ttl sweep removes the files of a failed job it expires, never a
# file a row refers to; a JSON body naming the file still works.
source "$(dirname "$0")/lib.sh"
: "${PXT_BUILD_DIR:?}" "${PXT_SOURCE_DIR:?}" "${PXT_TEST_UDFS:?}" "${PXT_TEST_ROUTERS:?}"
: "${PXT_TEST_COMPUTE:?}"

STACK="$PXT_SOURCE_DIR/deploy/local/pxtc-stack"
prefix="$IT_WORK/prefix"
cmake --install "$PXT_BUILD_DIR" --prefix "$prefix" >/dev/null
cp "$PXT_TEST_UDFS/testfns.so" "$prefix/lib/pxtc/udfs/"
cp "$PXT_TEST_ROUTERS/bgfiles.so" "$prefix/lib/pxtc/routers/"
cp "$prefix/lib/pxtc/service.toml" "$IT_WORK/service.toml"
cat >>"$IT_WORK/service.toml" <<'EOF2'

[[service]]
name = "bgup"
prefix = "/api/bgup"

[[service.routes]]
type = "insert"
path = "/documents"
table = "${APP_NAMESPACE}/documents"
inputs = ["timestamp"]
uploadfile_inputs = ["document"]
outputs = ["uuid"]
background = true

[[service.routes]]
type = "insert"
path = "/documents_file"
table = "${APP_NAMESPACE}/documents"
uploadfile_inputs = ["document"]
outputs = ["uuid", "document"]
background = true

[[service.routes]]
type = "insert"
path = "/boom"
table = "test/boom_files"
inputs = ["s"]
uploadfile_inputs = ["doc"]
background = true
EOF2
chmod -R a+rX "$IT_WORK"
chmod a+x "$IT_WORK"
export PXTC_BIN_DIR="$prefix/bin" PXTC_STACK_NO_DEMO=1 PXTC="$prefix/bin/pxtc"
export SERVER_WORKERS=2 SERVER_SERVICE_FILE="$IT_WORK/service.toml" SERVER_MAX_UPLOAD_MB=1
export PIXELTABLE_UDF_DIR="$prefix/lib/pxtc/udfs" SERVER_UDF_TIMEOUT_S=5
# the table test/boom_files (a document, and b = boom(s), which refuses "fail")
"$PXT_TEST_COMPUTE" >/dev/null 2>&1 || fail "test_compute"
SERVER_PORT=$(free_port) || fail "no free port"
export SERVER_PORT
URL="http://127.0.0.1:$SERVER_PORT"
it_extra_cleanup() { "$STACK" stop >/dev/null 2>&1; }
stack_start

field() { python3 -c 'import json,sys; v=json.loads(sys.argv[1]); [v:=v[k] for k in sys.argv[2].split(".")]; print(v if not isinstance(v,(dict,list)) else json.dumps(v))' "$1" "$2"; }
urlpath() { python3 -c 'import sys, urllib.parse; print(urllib.parse.urlsplit(sys.argv[1]).path)' "$1"; }
# up PATH CURL-ARGS... - sets $code and $body
up() {
	local path=$1
	shift
	code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' "$@" "$URL$path")
	body=$(cat "$IT_WORK/body")
}
uploads() { find "$PIXELTABLE_HOME/media/uploads" -type f 2>/dev/null | wc -l; }
leftovers() { find "$PIXELTABLE_HOME/tmp" -type f 2>/dev/null | wc -l; }
# wait_job JOB_URL - until the job is done or failed (20 s); prints its status document
wait_job() {
	local out path
	path=$(urlpath "$1")
	for _ in $(seq 200); do
		out=$(curl -s "$URL$path")
		case $(field "$out" status) in done|error) echo "$out"; return 0 ;; esac
		sleep 0.1
	done
	fail "job $1 did not finish: $out"
}

# ---- an upload to a background route: 200 {id, job_url} at once, the file stored,
# then the row inserted by the runner with the stored file and the form's timestamp
printf '# Later Notes\n\nGlaciers move slowly.\n' >"$IT_WORK/later.md"
up /api/bgup/documents -F "document=@$IT_WORK/later.md" -F timestamp=2026-12-07T10:00:00.123Z
[ "$code" = 200 ] || fail "background upload: $code $body"
[ "$(python3 -c 'import json,sys; print(sorted(json.loads(sys.argv[1])))' "$body")" = "['id', 'job_url']" ] ||
	fail "background upload answer: $body"
id=$(field "$body" id)
[[ $(field "$body" job_url) == "$URL/api/bgup/_pxt/jobs/$id" ]] || fail "job_url: $body"
doc=$(wait_job "$(field "$body" job_url)")
[ "$(field "$doc" status)" = done ] || fail "upload job: $doc"
[ "$(python3 -c 'import json,sys; print(sorted(json.loads(sys.argv[1])["result"]))' "$doc")" = "['uuid']" ] ||
	fail "upload job result: $doc"
uuid=$(field "$doc" result.uuid)
row=$(q "SELECT document, timestamp = '2026-12-07T10:00:00.123Z'::timestamptz, n_words FROM pxt_data.\"app/documents\" WHERE uuid = '$uuid'")
stored=${row%%|*}
case $stored in "$PIXELTABLE_HOME/media/uploads/"*/later.md) ;; *) fail "stored path: $row" ;; esac
cmp -s "$stored" "$IT_WORK/later.md" || fail "stored file differs: $stored"
[ "$(cut -d'|' -f2 <<<"$row")" = t ] || fail "timestamp as given: $row"
[ "$(cut -d'|' -f3 <<<"$row")" -gt 0 ] || fail "the pipeline did not run on the file: $row"
# a job's answer has the media URLs of a synchronous answer: absolute, on the scheme and
# host the upload was sent to, ending with the file's own name
printf '# Field Notes\n\nRivers.\n' >"$IT_WORK/field notes.md"
up /api/bgup/documents_file -F "document=@$IT_WORK/field notes.md" -H 'Host: example.org' \
    -H 'X-Forwarded-Proto: https'
[ "$code" = 200 ] || fail "background upload with a file output: $code $body"
[[ $(field "$body" job_url) == https://example.org/api/bgup/_pxt/jobs/* ]] || fail "job_url: $body"
fdoc=$(wait_job "$(field "$body" job_url)")
furl=$(field "$fdoc" result.document)
[[ $furl == https://example.org/media/[0-9]*/*/uploads/*/field%20notes.md ]] ||
	fail "a job's media URL: $fdoc"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL$(urlpath "$furl")")" = 200 ] ||
	fail "a job's media URL is not served: $furl"
# the row owns the file now, not the job
[ "$(q "SELECT files IS NULL FROM pxt_catalog.jobs WHERE id = '$id'")" = t ] || fail "a done job owns files"
[ "$(leftovers)" = 0 ] || fail "temporary files left: $(find "$PIXELTABLE_HOME/tmp" -type f)"

# ---- refused at once, no file stored: a bad form field, a missing required file, a
# file for a column that takes none, an unknown field, an upload over max_upload_mb
n=$(uploads)
up /api/bgup/documents -F "document=@$IT_WORK/later.md" -F timestamp=not-a-time
[ "$code" = 422 ] && [ "$(field "$body" detail.cause)" = timestamp ] || fail "bad timestamp: $code $body"
up /api/bgup/documents -F timestamp=2026-12-07T10:00:00Z
[ "$code" = 422 ] && [ "$(field "$body" detail.cause)" = document ] || fail "no document: $code $body"
up /api/bgup/documents -F "document=@$IT_WORK/later.md" -F "metadata=@$IT_WORK/later.md"
[ "$code" = 422 ] || fail "file for a column that takes none: $code $body"
up /api/bgup/documents -F "document=@$IT_WORK/later.md" -F nope=1
[ "$code" = 422 ] && grep -q "unknown column 'nope'" <<<"$body" || fail "unknown field: $code $body"
head -c 1500000 /dev/urandom >"$IT_WORK/big.md"
up /api/bgup/documents -F "document=@$IT_WORK/big.md"
[ "$code" = 413 ] || fail "upload over the limit: $code $body"
[ "$(uploads)" = "$n" ] || fail "a refused upload left a file: $(ls -l "$PIXELTABLE_HOME/media/uploads")"
[ "$(leftovers)" = 0 ] || fail "a refused upload left a temporary file: $(find "$PIXELTABLE_HOME/tmp" -type f)"
[ "$(q "SELECT count(*) FROM pxt_catalog.jobs WHERE path = '/api/bgup/documents'")" = 1 ] ||
	fail "a refused upload was queued"

# ---- a job that fails (boom() refuses "fail"): error, no row and no file left
n=$(uploads)
up /api/bgup/boom -F "doc=@$IT_WORK/later.md" -F s=fail
[ "$code" = 200 ] || fail "failing upload job queued: $code $body"
fid=$(field "$body" id)
doc=$(wait_job "$(field "$body" job_url)")
[ "$(field "$doc" status)" = error ] && [ "$(field "$doc" http_status)" = 422 ] || fail "failed upload job: $doc"
grep -q "boom refuses" <<<"$(field "$doc" error)" || fail "failed upload job error: $doc"
[ "$(q "SELECT count(*) FROM pxt_data.\"test/boom_files\" WHERE s = 'fail'")" = 0 ] || fail "failed job wrote"
[ "$(uploads)" = "$n" ] || fail "a failed job left its file: $(ls -l "$PIXELTABLE_HOME/media/uploads")"
[ "$(q "SELECT files IS NULL FROM pxt_catalog.jobs WHERE id = '$fid'")" = t ] || fail "a failed job still owns files"

# ---- a job given up after its attempts ("hang" outlives [server] udf_timeout_s, which
# ends the runner each time): its file goes too
up /api/bgup/boom -F "doc=@$IT_WORK/later.md" -F s=hang
[ "$code" = 200 ] || fail "hanging upload job queued: $code $body"
hpath=$(urlpath "$(field "$body" job_url)")
doc=$(for _ in $(seq 120); do d=$(curl -s "$URL$hpath"); [ "$(field "$d" status)" = error ] && { echo "$d"; break; }; sleep 0.5; done)
grep -q "started 3 times" <<<"$doc" || fail "hanging upload job: $doc $(curl -s "$URL$hpath")"
[ "$(uploads)" = "$n" ] || fail "a job given up left its file: $(ls -l "$PIXELTABLE_HOME/media/uploads")"

# ---- the route declared in C: the same, with the row's computed column in the result
up /api/bgfiles/files -F "doc=@$IT_WORK/later.md" -F s=from-c
[ "$code" = 200 ] || fail "C background upload: $code $body"
[[ $(field "$body" job_url) == "$URL/api/bgfiles/_pxt/jobs/"* ]] || fail "C job_url: $body"
doc=$(wait_job "$(field "$body" job_url)")
[ "$(field "$doc" status)" = done ] && [ "$(field "$doc" result.b)" = FROM-C ] || fail "C upload job: $doc"
cstored=$(q "SELECT doc FROM pxt_data.\"test/boom_files\" WHERE uuid = '$(field "$doc" result.uuid)'")
cmp -s "$cstored" "$IT_WORK/later.md" || fail "C upload's stored file: $cstored"

# ---- the same Idempotency-Key twice: one job, one stored file
n=$(uploads)
k="bgup-$(date +%s%N)"
up /api/bgup/documents -H "Idempotency-Key: $k" -F "document=@$IT_WORK/later.md"
a=$body
up /api/bgup/documents -H "Idempotency-Key: $k" -F "document=@$IT_WORK/later.md"
[ "$code" = 200 ] && [ "$a" = "$body" ] || fail "replayed upload answer: $a / $code $body"
wait_job "$(field "$a" job_url)" >/dev/null
[ "$(uploads)" = $((n + 1)) ] || fail "a replayed upload stored a second file: $(ls -l "$PIXELTABLE_HOME/media/uploads")"

# ---- a JSON body naming the file (a path in the media folders) works as before
mkdir -p "$PIXELTABLE_HOME/media/refs"
cp "$IT_WORK/later.md" "$PIXELTABLE_HOME/media/refs/ref.md"
chmod -R a+rX "$PIXELTABLE_HOME/media/refs"
up /api/bgup/documents -H 'Content-Type: application/json' \
	--data-binary "{\"document\": \"$PIXELTABLE_HOME/media/refs/ref.md\", \"timestamp\": \"2026-12-08T00:00:00Z\"}"
[ "$code" = 200 ] || fail "JSON background request: $code $body"
jid=$(field "$body" id)
doc=$(wait_job "$(field "$body" job_url)")
[ "$(field "$doc" status)" = done ] || fail "JSON job: $doc"
[ "$(q "SELECT files IS NULL FROM pxt_catalog.jobs WHERE id = '$jid'")" = t ] || fail "a JSON job owns files"

# ---- the ttl sweep: an expired failed job's listed upload goes, an expired done job's
# file (its row's) stays; the runner sweeps when idle
orphan="$PIXELTABLE_HOME/media/uploads/upload-0123456789abcdef0123456789abcdef.md"
cp "$IT_WORK/later.md" "$orphan"
q "INSERT INTO pxt_catalog.jobs (method, path, body, status, http_status, finished_at, files) VALUES ('POST', '/api/bgup/documents', '{}', 'failed', 500, now() - interval '2 days', ARRAY['$orphan'])"
q "UPDATE pxt_catalog.jobs SET finished_at = now() - interval '2 days' WHERE id = '$id'"
for _ in $(seq 100); do
	[ ! -e "$orphan" ] && [ "$(q "SELECT count(*) FROM pxt_catalog.jobs WHERE id = '$id'")" = 0 ] && break
	sleep 0.1
done
[ ! -e "$orphan" ] || fail "the sweep left an expired job's upload"
[ "$(q "SELECT count(*) FROM pxt_catalog.jobs WHERE id = '$id'")" = 0 ] || fail "the done job was not swept"
[ -f "$stored" ] || fail "the sweep removed a file a row refers to: $stored"
[ -f "$PIXELTABLE_HOME/media/refs/ref.md" ] || fail "the sweep removed a referenced file"
