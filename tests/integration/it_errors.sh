#!/usr/bin/env bash
# The error statuses the other scripts do not reach, through the real stack, each with
# pxtc's JSON error body: 500 (a UDF returning a value its signature does not
# allow: a bug, not retryable) and 504 (a statement past [server] request_timeout_s:
# PostgreSQL cancels it, nothing was committed, so it is retryable); the 409s a retry
# cannot get past, so not retryable: a duplicate key and a one_row query finding
# several rows. 400, 404, 405, 413, 415, 422 and 503 are in it_stack; 401 and 403 in
# it_auth; 502 in it_compute.
source "$(dirname "$0")/lib.sh"
: "${PXT_BUILD_DIR:?}" "${PXT_SOURCE_DIR:?}" "${PXT_TEST_UDFS:?}" "${PXT_TEST_ROUTERS:?}"
: "${PXT_TEST_COMPUTE:?}"

STACK="$PXT_SOURCE_DIR/deploy/local/pxtc-stack"
prefix="$IT_WORK/prefix"
cmake --install "$PXT_BUILD_DIR" --prefix "$prefix" >/dev/null
cp "$PXT_TEST_UDFS/testfns.so" "$prefix/lib/pxtc/udfs/"
cp "$PXT_TEST_ROUTERS/boom.so" "$prefix/lib/pxtc/routers/"
# beside the reference app's routes: an insert taking the key, a one_row query
cp "$prefix/lib/pxtc/service.toml" "$IT_WORK/service.toml"
cat >>"$IT_WORK/service.toml" <<'EOF'

[[service]]
name = "errs"
prefix = "/api/errs"

[[service.routes]]
type = "insert"
path = "/documents"
table = "${APP_NAMESPACE}/documents"
inputs = ["uuid", "document"]

[[service.routes]]
type = "query"
path = "/latest"
method = "get"
query = "list_documents"
one_row = true
EOF
chmod -R a+rX "$IT_WORK"
chmod a+x "$IT_WORK"
export PXTC_BIN_DIR="$prefix/bin" PXTC_STACK_NO_DEMO=1 PXTC="$prefix/bin/pxtc"
export PIXELTABLE_UDF_DIR="$prefix/lib/pxtc/udfs" SERVER_WORKERS=2
export SERVER_ROUTERS_DIR="$prefix/lib/pxtc/routers" SERVER_ROUTERS="data.so,boom.so"
export SERVER_REQUEST_TIMEOUT_S=1 SERVER_SERVICE_FILE="$IT_WORK/service.toml"
"$PXT_TEST_COMPUTE" >/dev/null 2>&1 || fail "test_compute"
SERVER_PORT=$(free_port) || fail "no free port"
export SERVER_PORT
URL="http://127.0.0.1:$SERVER_PORT"
it_extra_cleanup() { "$STACK" stop >/dev/null 2>&1; }
stack_start

# post PATH BODY STATUS CODE RETRYABLE - the answer must have them all
post() {
	local got
	got=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "$2" "$URL$1")
	body=$(cat "$IT_WORK/body")
	[ "$got" = "$3" ] || fail "$1: got $got, expected $3: $body"
	grep -Eq "\"error_code\": ?\"$4\"" <<<"$body" || fail "$1: error_code $4 missing: $body"
	grep -Eq "\"retryable\": ?$5" <<<"$body" || fail "$1: retryable $5 expected: $body"
	grep -Eq '"cause":' <<<"$body" && grep -Eq '"retry_after":' <<<"$body" || fail "$1: body shape: $body"
}

post /api/boom/wrong '{"s": "x"}' 500 internal_error false
grep -q "see the server log" <<<"$body" || fail "500 message: $body"
# the details go to the log (with the request id), not to the client
grep -q "wrong_type returned Int, its signature says String" "$PIXELTABLE_HOME/logs/worker.log" || fail "500 not logged"
[ "$(q 'SELECT count(*) FROM pxt_data."test/wrong"')" = 0 ] || fail "500 wrote a row"

# a lock held elsewhere keeps the insert waiting past the limit
psql "host=$PIXELTABLE_HOME/run port=5432 user=pxtc dbname=pixeltable" -Xq -c \
    'BEGIN; LOCK TABLE pxt_data."test/boom_abort" IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(4); COMMIT;' \
    >/dev/null 2>&1 &
locker=$!
it_track "$locker"
sleep 0.5
post /api/boom/abort '{"s": "late"}' 504 timeout true
wait "$locker"
[ "$(q "SELECT count(*) FROM pxt_data.\"test/boom_abort\" WHERE s = 'late'")" = 0 ] || fail "504 wrote a row"
post /api/boom/abort '{"s": "fail"}' 422 validation_error false

# ---- 409s a retry cannot get past: retryable false
media="$PIXELTABLE_HOME/media"
printf 'one\n' >"$media/e1.txt"
printf 'two\n' >"$media/e2.txt"
[ "$(id -u)" = 0 ] && chown pxtc: "$media/e1.txt" "$media/e2.txt"
u=01a20a89-0000-7000-8000-00000000e409
curl -s -o "$IT_WORK/body" -H 'Content-Type: application/json' --data-binary \
    "{\"uuid\": \"$u\", \"document\": \"$media/e1.txt\"}" "$URL/api/errs/documents"
grep -q "\"uuid\":\"$u\"" "$IT_WORK/body" || fail "insert with a key: $(cat "$IT_WORK/body")"
post /api/errs/documents "{\"uuid\": \"$u\", \"document\": \"$media/e2.txt\"}" 409 conflict false
grep -q "23505" <<<"$body" || fail "duplicate key message: $body"
curl -s -o /dev/null -H 'Content-Type: application/json' --data-binary \
    "{\"document\": \"$media/e2.txt\"}" "$URL/api/data/documents"
code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' "$URL/api/errs/latest")
body=$(cat "$IT_WORK/body")
[ "$code" = 409 ] || fail "one_row with several rows: $code $body"
grep -Eq '"error_code": ?"conflict"' <<<"$body" && grep -Eq '"retryable": ?false' <<<"$body" ||
	fail "one_row 409 body: $body"
