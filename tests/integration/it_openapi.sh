#!/usr/bin/env bash
# The OpenAPI document and the /docs page through the real stack. GET /api/openapi.json
# is valid OpenAPI 3.1 for a pinned validator and names every route of `pxtc routes`
# with its methods; the reference app's routes, a C one_row query, a POST query and a
# narrowed insert have the parameters and the request and answer columns they take and
# give (tests/openapi/spec_check.mjs). /docs, loaded in headless Chromium (Debian's
# chromium driven by playwright-core), renders the routes with Swagger UI; its screenshot
# is $PXT_ARTIFACTS/docs.png. With API keys: the protected operations carry the bearer
# scheme and 401, the document and /docs answer without a key; a catalog change shows
# in the next document. The details FastAPI's documents have: the same document at
# /openapi.json, media properties as URIs with a contentMediaType, the
# multipart/form-data body of a route taking uploads, the media types of a
# return_fileresponse answer, a background route's {id, job_url} and the job status
# object, a column's comment as its description. The test peers (tests/package.json) are installed by
# deploy/install-deps.sh, or here when tests/node_modules is missing or stale.
source "$(dirname "$0")/lib.sh"
: "${PXT_BUILD_DIR:?}" "${PXT_SOURCE_DIR:?}" "${PXT_TEST_ROUTERS:?}" "${PXT_ARTIFACTS:?}"

TESTS="$PXT_SOURCE_DIR/tests"
CHROMIUM=${PXT_CHROMIUM:-/usr/bin/chromium}
it_need_node npm	# skips (77) without them, fails without them under CI=true
[ -x "$CHROMIUM" ] || fail "$CHROMIUM not found: run deploy/install-deps.sh (package chromium)"
lock="$TESTS/node_modules/.package-lock.json"
if [ ! -e "$lock" ] || [ "$TESTS/package-lock.json" -nt "$lock" ]; then
	npm ci --prefix "$TESTS" --ignore-scripts --no-audit --no-fund --include=dev \
	    >"$IT_WORK/npm.log" 2>&1 || { cat "$IT_WORK/npm.log"; fail "npm ci in tests/"; }
fi

STACK="$PXT_SOURCE_DIR/deploy/local/pxtc-stack"
prefix="$IT_WORK/prefix"
cmake --install "$PXT_BUILD_DIR" --prefix "$prefix" >/dev/null
[ -r "$prefix/share/pxtc/docs/swagger-ui-bundle.js" ] ||
    fail "the install has no docs page: run deploy/install-deps.sh (npm ci in deploy/docs)"
cp "$PXT_TEST_ROUTERS/probe.so" "$prefix/lib/pxtc/routers/"
# beside the reference app's routes: a public POST query, an insert with narrowed
# inputs and outputs, a background insert and an insert answering with a file
cp "$prefix/lib/pxtc/service.toml" "$IT_WORK/service.toml"
cat >>"$IT_WORK/service.toml" <<'EOF'

[[service]]
name = "extra"
prefix = "/api/extra"

[[service.routes]]
type = "query"
path = "/recent"
method = "post"
query = "list_documents"
public = true

[[service.routes]]
type = "insert"
path = "/notes"
table = "${APP_NAMESPACE}/documents"
inputs = ["document", "metadata"]
outputs = ["uuid", "metadata"]

[[service.routes]]
type = "insert"
path = "/later"
table = "${APP_NAMESPACE}/documents"
inputs = ["document", "metadata"]
background = true

[[service.routes]]
type = "insert"
path = "/preview"
table = "${APP_NAMESPACE}/images"
inputs = ["image"]
uploadfile_inputs = ["image"]
outputs = ["uuid", "preview"]
return_fileresponse = true
EOF
chmod -R a+rX "$IT_WORK"
chmod a+x "$IT_WORK"
export PXTC_BIN_DIR="$prefix/bin" PXTC_STACK_NO_DEMO=1 PXTC="$prefix/bin/pxtc"
export SERVER_WORKERS=2 SERVER_SERVICE_FILE="$IT_WORK/service.toml"
export SERVER_ROUTERS_DIR="$prefix/lib/pxtc/routers" SERVER_ROUTERS="data.so,search.so,probe.so"
export PIXELTABLE_UDF_DIR="$prefix/lib/pxtc/udfs"
SERVER_PORT=$(free_port) || fail "no free port"
export SERVER_PORT
URL="http://127.0.0.1:$SERVER_PORT"
it_extra_cleanup() { "$STACK" stop >/dev/null 2>&1; }
stack_start

# call CODE [curl args...] - the status must be CODE; the body is in $IT_WORK/body
call() {
	local want=$1 got
	shift
	got=$(curl -s -D "$IT_WORK/head" -o "$IT_WORK/body" -w '%{http_code}' "$@")
	[ "$got" = "$want" ] || fail "got $got, expected $want for $*: $(head -c 400 "$IT_WORK/body")"
}

version=$(sed -n 's/^project(pxtc VERSION \([0-9.]*\).*/\1/p' "$PXT_SOURCE_DIR/CMakeLists.txt")
"$PXTC" routes >"$IT_WORK/routes.txt" 2>"$IT_WORK/routes.err" ||
    { cat "$IT_WORK/routes.err"; fail "pxtc routes"; }
grep -Eq '^GET +/api/openapi.json +system ' "$IT_WORK/routes.txt" ||
    { cat "$IT_WORK/routes.txt"; fail "the OpenAPI route is not a system route"; }

# spec MODE - fetch the document and check it
spec() {
	call 200 "$URL/api/openapi.json"
	grep -qi '^Content-Type: application/json' "$IT_WORK/head" || fail "Content-Type"
	cp "$IT_WORK/body" "$IT_WORK/openapi-$1.json"
	node "$TESTS/openapi/spec_check.mjs" "$IT_WORK/openapi-$1.json" "$IT_WORK/routes.txt" \
	    "$version" "$1" || fail "the OpenAPI document ($1) fails its checks"
}

# 1. no API key: the document, then /docs in the browser
spec open
# a hand-written route documented by its router (pxt_route_doc): the search router
node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1]));
    const op = d.paths["/api/search/chunks"].post;
    const req = op.requestBody.content["application/json"].schema;
    const res = op.responses["200"].content["application/json"].schema;
    if (op.requestBody.required !== true || JSON.stringify(req.required) !== "[\"query\"]" ||
        JSON.stringify(req.properties.mode.enum) !== "[\"semantic\",\"keyword\",\"hybrid\"]" ||
        res.properties.results.items.properties.document === undefined ||
        !/search the documents/.test(op.summary)) process.exit(1)' "$IT_WORK/openapi-open.json" ||
	fail "the search route is not documented"

# FastAPI's details, with jq on the document as fetched
doc="$IT_WORK/openapi-open.json"
call 200 "$URL/openapi.json"
grep -qi '^Content-Type: application/json' "$IT_WORK/head" || fail "/openapi.json: Content-Type"
cmp -s "$IT_WORK/body" "$doc" || fail "/openapi.json differs from /api/openapi.json"
# jqt FILTER WHAT - the filter must answer true on the document
jqt() {
	[ "$(jq -c "$1" "$doc")" = true ] || fail "$2: $(jq -c "${3:-.}" "$doc" | head -c 600)"
}
docs='.paths["/api/data/documents"].post'
doc_comment="the uploaded document (PDF, HTML, Markdown or text)"
row="$docs.responses[\"200\"].content[\"application/json\"].schema"
jqt "$row.properties.document | .format == \"uri\" and
    .contentMediaType == \"application/octet-stream\"" "a Document is a uri" "$row"
jqt ".paths[\"/api/data/images\"].post.requestBody.content[\"application/json\"].schema
    .properties.image | .format == \"uri\" and .contentMediaType == \"image/*\"" \
    "an Image input is a uri of an image" '.paths["/api/data/images"].post.requestBody'
form="$docs.requestBody.content[\"multipart/form-data\"]"
jqt "$form.schema | .properties.document == {type: \"string\", format: \"binary\",
    contentMediaType: \"application/octet-stream\", description: \"$doc_comment\",
    \"x-pxt-type\": \"Document\"} and
    .properties.metadata != null and .required == [\"document\"]" \
    "the documents insert takes the document as a file" "$docs.requestBody"
jqt "$docs.requestBody.content | has(\"application/json\")" "the documents insert takes JSON too"
jqt "$form.encoding.document.contentType | test(\"application/pdf\") and test(\"text/markdown\")" \
    "the document's accepted media types" "$form"
jqt '.paths["/api/extra/notes"].post.requestBody.content | keys == ["application/json"]' \
    "a route without uploads takes JSON only"
pv='.paths["/api/extra/preview"].post.responses["200"].content'
jqt "$pv | has(\"image/png\") and has(\"image/jpeg\") and (has(\"application/json\") | not)
    and .[\"image/png\"].schema.format == \"binary\"" "the file answer's media types" "$pv"
jqt '.paths["/api/extra/later"].post.responses["200"].content["application/json"].schema
    == {"$ref": "#/components/schemas/Job"} and
    (.components.schemas.Job | (.required | sort) == ["id", "job_url"] and
    .properties.job_url.format == "uri")' "a background route answers {id, job_url}" \
    '.components.schemas.Job'
jqt '.components.schemas.JobStatus | .properties.status.enum == ["pending", "done", "error"]
    and ([.required[] | select(. == "status" or . == "result" or . == "error" or
    . == "error_detail")] | length) == 4' "the job status object" '.components.schemas.JobStatus'
title_comment="the document's title, or null when it has none"
jqt "$row.properties.document.description == \"$doc_comment\" and
    $row.properties.title.description == \"$title_comment\" and
    $docs.requestBody.content[\"application/json\"].schema.properties.document.description
    == \"$doc_comment\"" "a column's comment is its description" "$row"
# ... and the storage column's COMMENT
[ "$(q "SELECT col_description('pxt_data.\"app/documents\"'::regclass, attnum) FROM pg_attribute
    WHERE attrelid = 'pxt_data.\"app/documents\"'::regclass AND attname = 'document'")" = \
    "$doc_comment" ] || fail "COMMENT ON COLUMN of documents.document"

call 301 "$URL/docs"
grep -qi '^Location: /docs/' "$IT_WORK/head" || fail "/docs redirect: $(cat "$IT_WORK/head")"
call 200 "$URL/docs/"
grep -q 'swagger-ui-bundle.js' "$IT_WORK/body" || fail "/docs/ is not the docs page"
call 200 "$URL/docs/swagger-ui-bundle.js"
call 404 "$URL/docs/no-such-file.js"
grep -q '"error_code": "not_found"' "$IT_WORK/body" || fail "JSON 404 under /docs"
mkdir -p "$PXT_ARTIFACTS"
rm -f "$PXT_ARTIFACTS/docs.png"
PXT_CHROMIUM="$CHROMIUM" node "$TESTS/openapi/docs_check.js" "$URL/docs/" \
    "$PXT_ARTIFACTS/docs.png" /api/data/documents "/api/data/documents/{uuid}/chunks" \
    /api/data/documents/update /api/probe/by_document /api/openapi.json ||
    fail "the /docs page"
[ -s "$PXT_ARTIFACTS/docs.png" ] || fail "no screenshot"

# 2. with API keys: the same stack started again
"$STACK" stop >"$IT_WORK/stop.log" 2>&1 || { cat "$IT_WORK/stop.log"; fail "stack stop"; }
export PIXELTABLE_API_KEY="openapi-key-0123456789"
"$STACK" start >"$IT_WORK/start.log" 2>&1 || { cat "$IT_WORK/start.log"; fail "stack start (keys)"; }
spec keys
call 401 "$URL/api/data/documents"
call 200 -H "Authorization: Bearer $PIXELTABLE_API_KEY" "$URL/api/data/documents"
call 200 "$URL/docs/"

# 3. a catalog change (a column added elsewhere) shows in the next document
before=$(node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1]));
    process.stdout.write(String(d.info["x-pxt-catalog-version"]))' "$IT_WORK/openapi-keys.json")
q "ALTER TABLE pxt_data.\"app/images\" ADD COLUMN extra text;
   INSERT INTO pxt_catalog.columns (table_id, name, position, type, storage_name)
     SELECT id, 'extra', 99, 'String', 'extra' FROM pxt_catalog.tables WHERE path = 'app/images';
   UPDATE pxt_catalog.state SET version = version + 1;
   SELECT pg_notify('pxt_catalog', 'test')" >/dev/null
# each worker reloads before its next request: ask both
for _ in 1 2 3 4; do
	call 200 "$URL/api/openapi.json"
	node -e '
	    const d = JSON.parse(require("fs").readFileSync(process.argv[1]));
	    const v = Number(process.argv[2]);
	    const row = d.paths["/api/data/images"].post.responses["200"]
	        .content["application/json"].schema;
	    if (!row.properties.extra || d.info["x-pxt-catalog-version"] <= v) process.exit(1);
	' "$IT_WORK/body" "$before" || fail "the document after a catalog change: $(head -c 300 "$IT_WORK/body")"
done

# the workers built the document several times: nothing for the sanitizers to report
"$STACK" stop >"$IT_WORK/stop.log" 2>&1 || { cat "$IT_WORK/stop.log"; fail "stack stop"; }
if grep -E 'Sanitizer|runtime error' "$PIXELTABLE_HOME/logs/worker.log"; then
	fail "a sanitizer report in the worker log"
fi
