#!/usr/bin/env bash
# Compute routes through the real stack (embedded PostgreSQL, spawn-fcgi workers,
# nginx), declared in a service file: the answer is an array of the rows an insert
# would store, and nothing is stored (row counts unchanged); a compute route on the
# chunks view answers the iterator's rows for one document; return_fileresponse
# answers the thumbnail of an uploaded image; generated media stay fetchable under
# /media/compute while uploads not answered are removed; an unknown input is a 422;
# a failing UDF answers as the insert route does and leaves nothing; OpenAPI
# describes the route's array answer.
source "$(dirname "$0")/lib.sh"
: "${PXT_BUILD_DIR:?}" "${PXT_TEST_ROUTERS:?}" "${PXT_SOURCE_DIR:?}" "${PXT_TEST_UDFS:?}"
: "${PXT_TEST_COMPUTE:?}"

STACK="$PXT_SOURCE_DIR/deploy/local/pxtc-stack"
prefix="$IT_WORK/prefix"
cmake --install "$PXT_BUILD_DIR" --prefix "$prefix" >/dev/null
udfs="$prefix/lib/pxtc/udfs"
cp "$PXT_TEST_UDFS/testfns.so" "$udfs/"
cp "$PXT_TEST_ROUTERS/boom.so" "$prefix/lib/pxtc/routers/"
svc="$IT_WORK/compute.toml"
cat >"$svc" <<'EOF'
[[service]]
name = "preview"
prefix = "/preview"

[[service.routes]]
type = "compute"
path = "/document"
table = "${APP_NAMESPACE}/documents"
inputs = ["document", "metadata"]
outputs = ["document", "title", "n_words"]

[[service.routes]]
type = "compute"
path = "/chunks"
table = "${APP_NAMESPACE}/chunks"
outputs = ["pos", "text"]

[[service.routes]]
type = "compute"
path = "/image"
table = "${APP_NAMESPACE}/images"
inputs = ["image"]
outputs = ["width", "preview"]

[[service.routes]]
type = "compute"
path = "/thumbnail"
table = "${APP_NAMESPACE}/images"
inputs = ["image"]
uploadfile_inputs = ["image"]
outputs = ["preview"]
return_fileresponse = true

[[service.routes]]
type = "compute"
path = "/boom"
table = "test/boom_abort"

[[service.routes]]
type = "compute"
path = "/chunks/later"
table = "${APP_NAMESPACE}/chunks"
outputs = ["pos", "text"]
background = true
EOF
chmod -R a+rX "$IT_WORK"
chmod a+x "$IT_WORK"
export PXTC_BIN_DIR="$prefix/bin" PXTC_STACK_NO_DEMO=1 PXTC="$prefix/bin/pxtc"
export PIXELTABLE_UDF_DIR="$udfs" SERVER_WORKERS=2 SERVER_SERVICE_FILE="$svc"
export SERVER_ROUTERS_DIR="$prefix/lib/pxtc/routers" SERVER_ROUTERS="data.so,boom.so"

# the tables the boom router serves (test/boom_abort: b = boom(s))
"$PXT_TEST_COMPUTE" >"$IT_WORK/test_compute.out" 2>&1 ||
	{ cat "$IT_WORK/test_compute.out"; fail "test_compute"; }

SERVER_PORT=$(free_port) || fail "no free port"
export SERVER_PORT
URL="http://127.0.0.1:$SERVER_PORT"
it_extra_cleanup() {
	"$STACK" stop >/dev/null 2>&1
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
count() { q "SELECT count(*) FROM pxt_data.\"$1\""; }

media="$PIXELTABLE_HOME/media"
{
	echo '.pdfinfo /Title Notes On Deltas'
	for p in 1 2 3; do
		echo ".SH"
		echo "Chapter $p"
		echo ".PP"
		for i in $(seq 60); do printf 'delta%s silt reed channel ' "$p"; done
		echo
		if [ $p -lt 3 ]; then echo ".bp"; fi
	done
} | groff -Tpdf -ms >"$media/deltas.pdf"
vips black "$media/pic.png" 640 480
[ "$(id -u)" = 0 ] && chown pxtc: "$media/deltas.pdf" "$media/pic.png"
docs0=$(count app/documents) chunks0=$(count app/chunks) images0=$(count app/images)

# ---- a table: one row, its computed columns, nothing stored
req POST /preview/document "{\"document\": \"$media/deltas.pdf\", \"metadata\": {\"k\": 1}}"
expect 200
[ "$(python3 -c 'import json,sys; v=json.load(sys.stdin); print(type(v).__name__, len(v))' <"$IT_WORK/body")" = "list 1" ] ||
	fail "not an array of one row: $body"
[ "$(field 0.title)" = "Notes On Deltas" ] || fail "title: $body"
[ "$(field 0.n_words)" -ge 720 ] || fail "n_words: $body"
[ "$(field 0 | python3 -c 'import json,sys; print(sorted(json.load(sys.stdin)))')" = "['document', 'n_words', 'title']" ] ||
	fail "outputs: $body"
[ "$(count app/documents)" = "$docs0" ] && [ "$(count app/chunks)" = "$chunks0" ] ||
	fail "the compute route stored rows"

# ---- a view: the iterator's rows for one base row, none stored
req POST /preview/chunks "{\"document\": \"$media/deltas.pdf\"}"; expect 200
n=$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' <"$IT_WORK/body")
[ "$n" -ge 2 ] || fail "chunks: $body"
[ "$(field 0.pos)" = 0 ] && [ "$(field 1.pos)" = 1 ] || fail "chunk order: $body"
grep -q 'delta2 silt' <<<"$body" || fail "chunk text: $body"
[ "$(count app/documents)" = "$docs0" ] && [ "$(count app/chunks)" = "$chunks0" ] ||
	fail "the view's compute route stored rows"
# ---- in the background: the job's result is the same array; nothing stored
req POST /preview/chunks/later "{\"document\": \"$media/deltas.pdf\"}"; expect 200
jpath=$(python3 -c 'import json,sys,urllib.parse; print(urllib.parse.urlsplit(json.load(sys.stdin)["job_url"]).path)' <"$IT_WORK/body")
for _ in $(seq 200); do
	job=$(curl -s "$URL$jpath")
	case $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["status"])' "$job") in
	done|error) break ;;
	esac
	sleep 0.1
done
python3 - "$job" "$n" <<'PY' || fail "background compute job: $job"
import json, sys
j = json.loads(sys.argv[1])
assert j["status"] == "done", j
assert isinstance(j["result"], list) and len(j["result"]) == int(sys.argv[2]), j
assert [r["pos"] for r in j["result"]] == list(range(int(sys.argv[2]))), j
PY
[ "$(count app/documents)" = "$docs0" ] && [ "$(count app/chunks)" = "$chunks0" ] ||
	fail "the background compute job stored rows"
printf '' >"$media/empty.txt"
[ "$(id -u)" = 0 ] && chown pxtc: "$media/empty.txt"
req POST /preview/chunks "{\"document\": \"$media/empty.txt\"}"; expect 200
[ "$body" = "[]" ] || fail "an empty document has no chunks: $body"

# ---- generated media: answered as absolute signed URLs of media/compute that nginx serves
req POST /preview/image "{\"image\": \"$media/pic.png\"}"; expect 200
[ "$(field 0.width)" = 640 ] || fail "width: $body"
thumb=$(field 0.preview)
case $thumb in "$URL"/media/[0-9]*/*/compute/*.png) ;; *) fail "preview URL: $thumb" ;; esac
curl -s -o "$IT_WORK/t.png" -w '%{http_code} %{content_type}' "$thumb" >"$IT_WORK/t.code"
[ "$(cat "$IT_WORK/t.code")" = "200 image/png" ] || fail "preview not served: $(cat "$IT_WORK/t.code")"
[ "$(vipsheader -f width "$IT_WORK/t.png")" = 256 ] || fail "preview width"
[ "$(count app/images)" = "$images0" ] || fail "an image row was stored"
[ -z "$(find "$media/gen" -type f 2>/dev/null)" ] || fail "a compute route left a file in gen/"

# ---- return_fileresponse with an upload: the thumbnail itself; the upload removed
code=$(curl -s -o "$IT_WORK/f.png" -D "$IT_WORK/head" -w '%{http_code}' \
    -F "image=@$media/pic.png;type=image/png" "$URL/preview/thumbnail")
[ "$code" = 200 ] || fail "file response: $code $(cat "$IT_WORK/f.png")"
grep -qi '^Content-Type: image/png' "$IT_WORK/head" || fail "type: $(cat "$IT_WORK/head")"
[ "$(vipsheader -f width "$IT_WORK/f.png")" = 256 ] || fail "file response is not the thumbnail"
[ -z "$(find "$media/compute" -maxdepth 1 -type f)" ] || fail "the uploaded file stayed: $(ls "$media/compute")"
[ "$(count app/images)" = "$images0" ] || fail "an image row was stored (upload)"

# ---- validation: an unknown input, a column the route does not take
req POST /preview/document "{\"document\": \"$media/deltas.pdf\", \"nope\": 1}"; expect 422
grep -q "unknown column 'nope'" <<<"$body" || fail "unknown input: $body"
req POST /preview/document "{\"document\": \"$media/deltas.pdf\", \"title\": \"x\"}"; expect 422
req POST /preview/document '{"metadata": {}}'; expect 422

# ---- a failing UDF: the insert route's 422, nothing left
boom0=$(count test/boom_abort)
req POST /preview/boom '{"s": "fine"}'; expect 200
[ "$(field 0.b)" = FINE ] || fail "boom compute: $body"
req POST /preview/boom '{"s": "fail"}'; expect 422
grep -q "computed column 'b' of 'test/boom_abort': boom: boom refuses" <<<"$body" || fail "abort: $body"
[ "$(count test/boom_abort)" = "$boom0" ] || fail "a boom row was stored"
[ "$(q 'SELECT count(*) FROM pg_stat_activity WHERE state = '"'"'idle in transaction'"'"'')" = 0 ] ||
	fail "a transaction was left open"

# ---- OpenAPI: a 200 array of rows, a multipart body for the upload
req GET /api/openapi.json; expect 200
python3 - "$IT_WORK/body" <<'EOF' || fail "openapi"
import json, sys
d = json.load(open(sys.argv[1]))
op = d["paths"]["/preview/document"]["post"]
s = op["responses"]["200"]["content"]["application/json"]["schema"]
assert s["type"] == "array", s
assert set(s["items"]["properties"]) == {"document", "title", "n_words"}, s
assert "document" in op["requestBody"]["content"]["application/json"]["schema"]["properties"]
ch = d["paths"]["/preview/chunks"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
assert set(ch["items"]["properties"]) == {"pos", "text"}, ch
th = d["paths"]["/preview/thumbnail"]["post"]
assert "multipart/form-data" in th["requestBody"]["content"], th["requestBody"]
assert "image/png" in th["responses"]["200"]["content"], th["responses"]["200"]
assert "application/json" not in th["responses"]["200"]["content"], th["responses"]["200"]
EOF

# ---- pxtc routes lists the compute routes with their tables
"$STACK" stop >/dev/null 2>&1
expect_exit 0 "$PXTC" routes
grep -Eq '^POST +/preview/chunks +compute +app/chunks ' "$IT_WORK/out" ||
	{ cat "$IT_WORK/out"; fail "pxtc routes"; }
