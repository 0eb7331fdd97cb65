#!/usr/bin/env bash
# The Pixeltable starter kit's frontend against the real stack (embedded PostgreSQL,
# spawn-fcgi + multiwatch workers, nginx, the reference app's routers and service
# file): kit_replay.py sends the frontend's exact requests (frontend/src/lib/api.ts):
# uploads of a PDF, a PNG and a video as multipart with an ISO timestamp, the
# background jobs polled every 1.5 s at new URL(job_url).pathname, the three lists,
# a document's chunks, both searches with {"query_text"}, the agent tab's messages and
# conversation, and the deletes. Then the contract's refusals: a wrong search field,
# a chunks request without file_uuid, a delete of an unknown uuid.
source "$(dirname "$0")/lib.sh"
: "${PXT_BUILD_DIR:?}" "${PXT_SOURCE_DIR:?}"

STACK="$PXT_SOURCE_DIR/deploy/local/pxtc-stack"
prefix="$IT_WORK/prefix"
cmake --install "$PXT_BUILD_DIR" --prefix "$prefix" >/dev/null
chmod -R a+rX "$IT_WORK"
chmod a+x "$IT_WORK"
export PXTC_BIN_DIR="$prefix/bin" PXTC_STACK_NO_DEMO=1 PXTC="$prefix/bin/pxtc"
export SERVER_WORKERS=2 SERVER_ROUTERS_DIR="$prefix/lib/pxtc/routers"
SERVER_PORT=$(free_port) || fail "no free port"
export SERVER_PORT
URL="http://127.0.0.1:$SERVER_PORT"
it_extra_cleanup() { "$STACK" stop >/dev/null 2>&1; }
stack_start

# the files a user drops on the upload zone
files="$IT_WORK/files"
mkdir -p "$files"
{
	echo '.pdfinfo /Title Stone Bridges'
	echo '.SH'
	echo 'Arches'
	echo '.PP'
	echo 'Old bridges stand on granite arches over slow rivers.'
} | groff -Tpdf -ms >"$files/bridges.pdf"
vips black "$files/photo.png" 64 48
# an MP4's first box (its pipeline comes with video support: here it is stored only)
printf '\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom' >"$files/clip.mp4"
head -c 2048 /dev/urandom >>"$files/clip.mp4"

python3 "$(dirname "$0")/kit_replay.py" "$URL" "$files/bridges.pdf" "$files/photo.png" \
    "$files/clip.mp4" || fail "the starter kit frontend's requests"

# req METHOD PATH [BODY] - sets $code and $body; JSON Content-Type as the frontend sends
req() {
	code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' -X "$1" \
	    -H 'Content-Type: application/json' ${3:+--data-binary "$3"} "$URL$2")
	body=$(cat "$IT_WORK/body")
}
expect() { [ "$code" = "$1" ] || fail "$2: got $code, expected $1: $body"; }
req POST /api/search/documents '{"query": "granite"}'; expect 422 "search with pxtc's field"
grep -q "unknown field 'query'" <<<"$body" || fail "search field message: $body"
req POST /api/search/documents '{"query_text": ""}'; expect 422 "empty query_text"
req POST /api/search/images '{"query_text": "x", "limit": 0}'; expect 422 "limit 0"
req POST /api/search/documents '{"query_text": "x", "mode": "keyword", "limit": 3}'
expect 200 "keyword mode"
req POST /api/data/chunks '{}'; expect 422 "chunks without file_uuid"
req POST /api/data/chunks '{"file_uuid": "not-a-uuid"}'; expect 422 "chunks with a bad uuid"
req POST /api/data/delete/image '{"uuid": "018f2b4e-0000-7000-8000-000000000000"}'
expect 200 "delete of an unknown uuid"
[ "$body" = '{"num_rows":0}' ] || fail "delete of an unknown uuid: $body"
req GET /api/data/list/documents; expect 200 "list"
req POST /api/agent/messages '{}'; expect 405 "POST on a GET route"
echo "it_starter_kit: ok"
