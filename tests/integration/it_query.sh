#!/usr/bin/env bash
# Named queries as Pixeltable writes them. The C API first (test_query: the SQL each
# form compiles to and its answers in process; it also makes the tables qx/docs and its
# view qx/parts). Then through the real stack (nginx, workers, PostgreSQL): the qroutes
# router's queries, two of them served by name from a service file with inputs and
# return_scalar; aliases, a function call evaluated in C, base-table columns read
# through the view, >=, <=, !=, IN, LIKE and length, parameter defaults (OpenAPI shows
# them), the 422s of a missing parameter and of a parameter that is not an input, and
# the service file's mistakes stopping start-up with file and line (a key the route's
# type does not take, return_fileresponse on a query without a media output).
source "$(dirname "$0")/lib.sh"
: "${PXT_BUILD_DIR:?}" "${PXT_TEST_ROUTERS:?}" "${PXT_SOURCE_DIR:?}" "${PXT_TEST_QUERY:?}"
: "${PXTC_WORKER:?}"

"$PXT_TEST_QUERY" || fail "test_query"

cat >"$IT_WORK/service.toml" <<'TOML'
[[service]]
name = "qsvc"
prefix = "/api/qsvc"

[[service.routes]]
type = "query"
path = "/by_keys"
query = "qx_by_keys"
inputs = ["keys", "max"]

[[service.routes]]
type = "query"
path = "/words"
method = "get"
query = "qx_words"
one_row = true
return_scalar = true
TOML

# bad EXPECTED-MESSAGE: a service file made of stdin must stop the worker so
bad() {
	local file="$IT_WORK/bad.toml"
	cat >"$file"
	SERVER_SERVICE_FILE="$file" SERVER_ROUTERS="$PXT_TEST_ROUTERS/qroutes.so" \
		expect_exit 1 "$PXTC_WORKER" --check
	grep -qF -- "$1" "$IT_WORK/out" || { cat "$IT_WORK/out"; fail "message: $1"; }
}
bad "bad.toml:6:11: query 'qx_by_keys' has no parameter 'kyes'" <<'TOML'
[[service]]
name = "x"
[[service.routes]]
type = "query"
path = "/q"
inputs = ["kyes"]
query = "qx_by_keys"
TOML
bad "bad.toml:3:1: router 'x', route /q: parameter 'keys' of query 'qx_by_keys' is not an input and has no default" <<'TOML'
[[service]]
name = "x"
[[service.routes]]
type = "query"
path = "/q"
inputs = ["max"]
query = "qx_by_keys"
TOML
bad "return_scalar needs one_row and a query with one output; query 'qx_two' has 2" <<'TOML'
[[service]]
name = "x"
[[service.routes]]
type = "query"
path = "/q"
query = "qx_two"
one_row = true
return_scalar = true
TOML
bad "bad.toml:6:17: return_scalar needs one_row = true" <<'TOML'
[[service]]
name = "x"
[[service.routes]]
type = "query"
path = "/q"
return_scalar = true
query = "qx_words"
TOML
bad "bad.toml:5:16: unknown key 'return_scalr' in a route" <<'TOML'
[[service]]
name = "x"
[[service.routes]]
type = "query"
return_scalr = true
TOML
bad "bad.toml:7:17: an insert route takes no 'return_scalar' (its keys: type, path, public, background, table, inputs, uploadfile_inputs, outputs, return_fileresponse, now_columns, export_sql)" <<'TOML'
[[service]]
name = "x"
[[service.routes]]
type = "insert"
path = "/q"
table = "qx/docs"
return_scalar = true
TOML
bad "bad.toml:6:21: a query route takes no 'uploadfile_inputs'" <<'TOML'
[[service]]
name = "x"
[[service.routes]]
type = "query"
path = "/q"
uploadfile_inputs = ["key"]
query = "qx_two"
TOML
bad "bad.toml:6:11: a query route takes no 'outputs'" <<'TOML'
[[service]]
name = "x"
[[service.routes]]
type = "query"
path = "/q"
outputs = ["key"]
query = "qx_two"
TOML
bad "bad.toml:3:1: router 'x', route /q: return_fileresponse needs a media output; query 'qx_two' has none" <<'TOML'
[[service]]
name = "x"
[[service.routes]]
type = "query"
path = "/q"
query = "qx_two"
return_fileresponse = true
TOML
bad "bad.toml:3:1: router 'x', route /q: return_fileresponse answers a file, return_scalar a value: give one" <<'TOML'
[[service]]
name = "x"
[[service.routes]]
type = "query"
path = "/q"
query = "qx_words"
one_row = true
return_scalar = true
return_fileresponse = true
TOML

# ---- through the stack
STACK="$PXT_SOURCE_DIR/deploy/local/pxtc-stack"
prefix="$IT_WORK/prefix"
cmake --install "$PXT_BUILD_DIR" --prefix "$prefix" >/dev/null
cp "$PXT_TEST_ROUTERS/qroutes.so" "$prefix/lib/pxtc/routers/"
cp "$IT_WORK/service.toml" "$prefix/service.toml"
chmod -R a+rX "$IT_WORK"
chmod a+x "$IT_WORK"
export PXTC_BIN_DIR="$prefix/bin" PXTC_STACK_NO_DEMO=1 PXTC="$prefix/bin/pxtc"
export SERVER_WORKERS=2 SERVER_ROUTERS_DIR="$prefix/lib/pxtc/routers"
export SERVER_ROUTERS="qroutes.so" SERVER_SERVICE_FILE="$prefix/service.toml"
SERVER_PORT=$(free_port) || fail "no free port"
export SERVER_PORT
URL="http://127.0.0.1:$SERVER_PORT"
it_extra_cleanup() { "$STACK" stop >/dev/null 2>&1; }
stack_start

# req METHOD PATH [BODY] - sets $code and $body
req() {
	code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' -X "$1" \
	    -H 'Content-Type: application/json' ${3:+--data-binary "$3"} "$URL$2")
	body=$(cat "$IT_WORK/body")
}
# expect CODE [TEXT] - the status, and the body holding TEXT
expect() {
	[ "$code" = "$1" ] || fail "got $code, expected $1: $body"
	[ -z "${2:-}" ] || [[ $body == *"$2"* ]] || fail "body lacks $2: $body"
}

# aliases, base-table columns through the view, upper() in C, the defaults
req GET /api/qx/chunks
expect 200 '{"rows":[{"text":"Peaks are high.","source_doc":"Peaks are high. Snow lingers.","title":"Mountains","shout":"MOUNTAINS"},{"text":"Snow lingers.",'
[ "$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])["rows"]))' "$body")" = 4 ] ||
	fail "the default limit 4: $body"
req GET '/api/qx/chunks?limit=1&pattern=%25iver%25&min_len=18'
expect 200 '{"rows":[{"text":"Water flows downhill.","source_doc":"Water flows downhill. Stones are smooth.","title":"Rivers","shout":"RIVERS"}]}'
req GET '/api/qx/chunks?limit=-1'
expect 422 'must not be negative'
req GET '/api/qx/chunks?min_len=many'
expect 422 '"cause":"min_len"'

# the service file's routes: IN a Json parameter, <=, != with a default, a Json path
req POST /api/qsvc/by_keys '{"keys": ["k1", "k2", "k3"], "max": 2}'
expect 200 '{"rows":[{"name":"Rivers","words":6,"author":"ann"},{"name":"Mountains","words":5,"author":"bob"}]}'
req POST /api/qsvc/by_keys '{"keys": ["k3"]}'
expect 200 '{"rows":[{"name":"it'"'"'s quoted","words":1,"author":null}]}'
req POST /api/qsvc/by_keys '{"keys": ["k1"], "skip": "k1"}'
expect 422 "parameter 'skip' is not an input of this route"
req POST /api/qsvc/by_keys '{"max": 2}'
expect 422 "missing parameter 'keys'"
req POST /api/qsvc/by_keys '{"keys": "k1"}'
expect 422 "must be an array"
# return_scalar: the value alone
req GET '/api/qsvc/words?key=k2'
expect 200
[ "$body" = 5 ] || fail "return_scalar answered $body"
req GET /api/qsvc/words
expect 422 "missing parameter 'key'"
req GET '/api/qsvc/words?key=none'
expect 404

# OpenAPI: the defaults, the inputs only, the outputs' types, the scalar answer
req GET /api/openapi.json
expect 200
python3 - "$body" <<'PY' || fail "OpenAPI"
import json, sys
doc = json.loads(sys.argv[1])
chunks = doc["paths"]["/api/qx/chunks"]["get"]
params = {p["name"]: p for p in chunks["parameters"]}
assert params["limit"]["schema"]["default"] == 4, params["limit"]
assert params["limit"]["required"] is False
assert params["pattern"]["schema"]["default"] == "%", params["pattern"]
row = chunks["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["rows"]["items"]
assert set(row["properties"]) == {"text", "source_doc", "title", "shout"}, row
by_keys = doc["paths"]["/api/qsvc/by_keys"]["post"]
body = by_keys["requestBody"]["content"]["application/json"]["schema"]
assert set(body["properties"]) == {"keys", "max"}, body
assert body["required"] == ["keys"], body
assert body["properties"]["keys"]["type"] == "array", body
words = doc["paths"]["/api/qsvc/words"]["get"]
scalar = words["responses"]["200"]["content"]["application/json"]["schema"]
assert scalar["x-pxt-type"] == "Int", scalar
PY
