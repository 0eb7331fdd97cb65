#!/usr/bin/env bash
# Media destinations in object stores, through the real stack and real local servers
# that check signatures (s3rver for S3, azurite for Azure): with output_media_dest on
# S3 the reference app's thumbnails land in the bucket and the API answers with a
# presigned URL that works (and stops working when tampered with); with
# input_media_dest on Azure an upload lands in the container and the thumbnail is
# computed from it through the file cache; return_fileresponse streams an object
# through the cache; an update and a delete remove the objects the row
# owned; a document given as an s3:// URL is stored as given and fetched once for all
# its computed columns; a column's own destination (test_media_dest: checks, a failed
# insert deleting what it uploaded); a worker killed between the upload and the commit
# leaves no row and no half-object; a store that is down fails the insert with 502 and
# leaves no row, no object and no file.
source "$(dirname "$0")/lib.sh"
: "${PXT_BUILD_DIR:?}" "${PXT_SOURCE_DIR:?}" "${PXT_TEST_UDFS:?}" "${PXT_TEST_MEDIA_DEST:?}"
: "${PXT_TEST_OBJSTORE:?}"
it_need_node	# skips (77) without node, fails without it under CI=true
source "$PXT_SOURCE_DIR/tests/objstore/peers.sh"
command -v vips >/dev/null || fail "vips is missing: run deploy/install-deps.sh"

STACK="$PXT_SOURCE_DIR/deploy/local/pxtc-stack"
prefix="$IT_WORK/prefix"
cmake --install "$PXT_BUILD_DIR" --prefix "$prefix" >/dev/null
cp "$PXT_TEST_UDFS/testfns.so" "$prefix/lib/pxtc/udfs/"
cp "$prefix/lib/pxtc/service.toml" "$IT_WORK/service.toml"
cat >>"$IT_WORK/service.toml" <<'TOML'

[[service]]
name = "up"
prefix = "/api/up"

[[service.routes]]
type = "insert"
path = "/images"
table = "${APP_NAMESPACE}/images"
uploadfile_inputs = ["image"]

[[service.routes]]
type = "insert"
path = "/dest"
table = "test/dest"
inputs = ["img", "s"]

[[service.routes]]
type = "insert"
path = "/thumbnails"
table = "${APP_NAMESPACE}/images"
inputs = ["image"]
outputs = ["uuid", "preview"]
return_fileresponse = true
TOML
chmod -R a+rX "$IT_WORK"
chmod a+x "$IT_WORK"
export PXTC_BIN_DIR="$prefix/bin" PXTC_STACK_NO_DEMO=1 PXTC="$prefix/bin/pxtc"
export SERVER_WORKERS=2 SERVER_SERVICE_FILE="$IT_WORK/service.toml"
export PIXELTABLE_UDF_DIR="$prefix/lib/pxtc/udfs"

peers="$IT_WORK/peers"
mkdir -p "$peers"
it_extra_cleanup() {
	"$STACK" stop >/dev/null 2>&1
	objstore_peers_stop
	true
}
objstore_peers_start "$peers" || fail "object-store servers"
export PIXELTABLE_OUTPUT_MEDIA_DEST="s3://pxt-media/out"
export PIXELTABLE_INPUT_MEDIA_DEST="az://pxt-media/in"
media="$PIXELTABLE_HOME/media"
mkdir -p "$media"
vips black "$media/pic.png" 640 480
vips black "$media/pic2.png" 300 100
[ "$(id -u)" = 0 ] && chown -R pxtc: "$media"
# objects s3rver holds under a prefix of pxt-media (its files on disk)
s3_count() { find "$peers" -path "*pxt-media/$1/*" -name '*._S3rver_object' 2>/dev/null | wc -l; }
n_az() { node "$PXT_SOURCE_DIR/tests/objstore/azure_container.js" list pxt-media | grep -c "$1" || true; }

# ---- a column's own destination (C API), before the stack serves test/dest
"$PXT_TEST_MEDIA_DEST" setup "$media/pic.png" >"$IT_WORK/dest.out" 2>&1 ||
	{ cat "$IT_WORK/dest.out"; fail "test_media_dest"; }
[ "$(s3_count out/gen)" = 1 ] || fail "S3 objects after a failed insert: $(s3_count out/gen), expected 1"
[ "$(n_az col/gen/)" = 1 ] || fail "Azure objects after a failed insert: $(n_az col/gen/), expected 1"
[ "$(find "$media/gen" -type f 2>/dev/null | wc -l)" = 0 ] || fail "local copies stayed"
# run as root, the setup made folders the stack's user must write to
[ "$(id -u)" = 0 ] && chown -R pxtc: "$media" "$PIXELTABLE_HOME/file_cache" 2>/dev/null

SERVER_PORT=$(free_port) || fail "no free port"
export SERVER_PORT
URL="http://127.0.0.1:$SERVER_PORT"
stack_start

req() {
	code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' -X "$1" \
	    -H 'Content-Type: application/json' ${3:+--data-binary "$3"} "$URL$2")
	body=$(cat "$IT_WORK/body")
}
expect() { [ "$code" = "$1" ] || fail "got $code, expected $1: $body"; }
field() { python3 -c 'import json,sys; v=json.loads(sys.argv[1]); [v:=v[k] if not k.isdigit() else v[int(k)] for k in sys.argv[2].split(".")]; print(v if not isinstance(v,(dict,list)) else json.dumps(v))' "$body" "$1"; }
# http_code URL: the status of a GET
http_code() { curl -s -o "$IT_WORK/got" -w '%{http_code}' "$1"; }
gen_files() { find "$PIXELTABLE_HOME/media" -type f 2>/dev/null | wc -l; }

# ---- output_media_dest on S3: the thumbnail lands in the bucket, presigned URL
req POST /api/data/images "{\"image\": \"$media/pic.png\"}"; expect 200
iid=$(field uuid)
thumb=$(field preview)
case $thumb in
"$S3_ENDPOINT/pxt-media/out/gen/"*.png\?X-Amz-Algorithm=AWS4-HMAC-SHA256*X-Amz-Signature=*) ;;
*) fail "thumbnail is not a presigned S3 URL: $thumb" ;;
esac
[ "$(http_code "$thumb")" = 200 ] || fail "presigned URL refused: $(cat "$IT_WORK/got")"
[ "$(vipsheader -f width "$IT_WORK/got")" = 256 ] || fail "the object is not the thumbnail"
stored=$(q "SELECT preview FROM pxt_data.\"app/images\" WHERE uuid = '$iid'")
case $stored in s3://pxt-media/out/gen/*.png) ;; *) fail "stored value: $stored" ;; esac
# a tampered or unsigned URL gets nothing
tampered=$(sed 's/X-Amz-Signature=./X-Amz-Signature=0/' <<<"$thumb")
[ "$tampered" != "$thumb" ] || tampered=$(sed 's/X-Amz-Signature=./X-Amz-Signature=1/' <<<"$thumb")
[ "$(http_code "$tampered")" = 403 ] || fail "a tampered signature was accepted"
[ "$(http_code "${thumb%%\?*}")" = 403 ] || fail "an unsigned GET was accepted"
# the local store keeps nothing of it
[ "$(find "$media/gen" -type f 2>/dev/null | wc -l)" = 0 ] || fail "a local copy stayed in the media store"
# listing the images presigns again
req GET /api/data/images; expect 200
grep -q 'X-Amz-Signature' <<<"$body" || fail "list without presigned URLs: $body"

# ---- an update replaces the thumbnail: the old object goes once the update commits
req POST /api/data/images/update "{\"uuid\": \"$iid\", \"image\": \"$media/pic2.png\"}"; expect 200
thumb2=$(field preview)
[ "$(http_code "$thumb2")" = 200 ] || fail "new thumbnail"
[ "$(http_code "$thumb")" = 404 ] || fail "the replaced thumbnail is still in the bucket"

# ---- delete: the object goes with the row; a file the store did not make stays
req POST /api/data/images/delete "{\"uuid\": \"$iid\"}"; expect 200
[ "$(http_code "$thumb2")" = 404 ] || fail "the deleted row's thumbnail is still in the bucket"
[ -f "$media/pic2.png" ] || fail "the source image was removed"

# ---- input_media_dest on Azure: an upload lands in the container
code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' -F "image=@$media/pic.png;type=image/png" \
    "$URL/api/up/images")
body=$(cat "$IT_WORK/body")
expect 200
uid=$(field uuid)
[ "$(field width)" = 640 ] || fail "the thumbnail pipeline did not read the upload: $body"
up=$(field image)
case $up in "$AZURE_ENDPOINT/pxt-media/in/uploads/"*\?sv=*\&sig=*) ;; *) fail "upload URL: $up" ;; esac
[ "$(http_code "$up")" = 200 ] && cmp -s "$IT_WORK/got" "$media/pic.png" || fail "the uploaded object differs"
stored=$(q "SELECT image FROM pxt_data.\"app/images\" WHERE uuid = '$uid'")
case $stored in az://pxt-media/in/uploads/*) ;; *) fail "stored upload: $stored" ;; esac
[ -z "$(find "$media/uploads" -type f 2>/dev/null)" ] || fail "a local copy of the upload stayed"
ls "$PIXELTABLE_HOME"/file_cache/*/* >/dev/null 2>&1 || fail "the upload was not read through the file cache"
req POST /api/data/images/delete "{\"uuid\": \"$uid\"}"; expect 200
[ "$(http_code "$up")" = 404 ] || fail "the deleted row's upload is still in the container"

# ---- return_fileresponse: the object streamed through the file cache by nginx
code=$(curl -s -o "$IT_WORK/file" -D "$IT_WORK/head" -w '%{http_code}' \
    -H 'Content-Type: application/json' --data-binary "{\"image\": \"$media/pic.png\"}" \
    "$URL/api/up/thumbnails")
[ "$code" = 200 ] || fail "fileresponse: $code $(cat "$IT_WORK/file")"
grep -qi '^content-type: image/png' "$IT_WORK/head" || fail "fileresponse type: $(cat "$IT_WORK/head")"
[ "$(vipsheader -f width "$IT_WORK/file")" = 256 ] || fail "fileresponse is not the thumbnail"
! grep -qi '^x-accel-redirect' "$IT_WORK/head" || fail "the internal redirect leaked"

# ---- a document given as an s3:// URL: stored as given, fetched once for every column
cat >"$IT_WORK/notes.md" <<'MD'
# Bucket Notes

Stored in a bucket, fetched once for all columns.
MD
"$PXT_TEST_OBJSTORE" put s3://pxt-media/docs/notes.md "$IT_WORK/notes.md" >/dev/null ||
	fail "cannot put the document"
gets() { grep -c "^GET /pxt-media/docs/notes.md 200" "$peers/s3rver.log" || true; }
req POST /api/data/documents '{"document": "s3://pxt-media/docs/notes.md"}'; expect 200
[ "$(field document)" = "s3://pxt-media/docs/notes.md" ] || fail "the URL is not stored as given: $body"
[ "$(field title)" = "Bucket Notes" ] || fail "the document was not read: $body"
[ "$(gets)" = 1 ] || fail "the object was fetched $(gets) times, expected once"
did=$(field uuid)
req GET "/api/data/documents/$did/chunks"; expect 200
[ "$(field rows.0.heading)" = "Bucket Notes" ] || fail "chunks of the bucket document: $body"
req POST /api/data/documents '{"document": "s3://pxt-media/docs/missing.md"}'
expect 422
grep -q 'missing.md' <<<"$body" || fail "the message does not name the object: $body"
req POST /api/data/documents '{"document": "s3://Bad_Bucket/x.md"}'; expect 422
grep -q 'bucket name' <<<"$body" || fail "bad bucket: $body"

# ---- a worker killed between the upload and the commit: no row, no half-object
before=$(q "SELECT count(*) FROM pxt_data.\"test/dest\"")
req POST /api/up/dest "{\"img\": \"$media/pic.png\", \"s\": \"crash\"}"
[ "$code" = 502 ] || fail "crash answered $code: $body"
[ "$(q "SELECT count(*) FROM pxt_data.\"test/dest\"")" = "$before" ] || fail "a row was written"
# whatever reached the bucket is whole (a store shows an object only once complete)
for f in $(find "$peers" -path '*pxt-media/out/gen/*' -name '*._S3rver_object'); do
	vipsheader "$f" >/dev/null 2>&1 || fail "a half-written object: $f"
done
# and no row refers to an object that is not there
for u in $(q "SELECT t_out FROM pxt_data.\"test/dest\""); do
	k=${u#s3://pxt-media/}
	[ -n "$(find "$peers" -path "*pxt-media/$k._S3rver_object")" ] || fail "a row refers to a missing object: $u"
done
req POST /api/up/dest "{\"img\": \"$media/pic.png\", \"s\": \"after\"}"; expect 200

# ---- the store down: 502 naming it, no row, no object, no local file
before=$(q "SELECT count(*) FROM pxt_data.\"app/images\"")
kill "$OBJSTORE_S3_PID" 2>/dev/null || fail "cannot stop s3rver"
wait "$OBJSTORE_S3_PID" 2>/dev/null || true	# gone, its port closed
gen_before=$(gen_files)
req POST /api/data/images "{\"image\": \"$media/pic.png\"}"; expect 502
grep -q '"upstream_error"' <<<"$body" || fail "502 body: $body"
grep -q 's3://pxt-media/out/gen/' <<<"$body" || fail "the message does not name the object: $body"
! grep -q 'S3RVER\|X-Amz-Signature' <<<"$body" || fail "credentials in the message: $body"
[ "$(q "SELECT count(*) FROM pxt_data.\"app/images\"")" = "$before" ] || fail "a row was written"
[ "$(gen_files)" = "$gen_before" ] || fail "a local file stayed after the failed insert"
# an upload placed in Azure before the failure is removed again
[ "$(n_az in/uploads/)" = 0 ] || fail "uploads left in the container before the failure"
code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' -F "image=@$media/pic.png;type=image/png" \
    "$URL/api/up/images")
[ "$code" = 502 ] || fail "upload with S3 down: $code $(cat "$IT_WORK/body")"
[ "$(n_az in/uploads/)" = 0 ] || fail "the upload stayed in the container after the failed insert"
echo "media destinations: S3 output, Azure input, presigned URLs, cleanup verified"
