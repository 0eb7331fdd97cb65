#!/usr/bin/env bash
# API keys and CORS through the real stack: with [pixeltable] api_key set, routes
# answer 401 without "Authorization: Bearer <key>" or with a wrong key, and serve with
# any of the keys; /api/health and public routes stay open; the key never reaches a
# log. CORS preflights are answered for the listed origins only, and responses carry
# Access-Control-Allow-Origin for them alone.
source "$(dirname "$0")/lib.sh"
: "${PXT_BUILD_DIR:?}" "${PXT_SOURCE_DIR:?}"

STACK="$PXT_SOURCE_DIR/deploy/local/pxtc-stack"
prefix="$IT_WORK/prefix"
cmake --install "$PXT_BUILD_DIR" --prefix "$prefix" >/dev/null
# a public route beside the reference app's ones
cp "$prefix/lib/pxtc/service.toml" "$IT_WORK/service.toml"
cat >>"$IT_WORK/service.toml" <<'EOF'

[[service]]
name = "open"
prefix = "/api/open"

[[service.routes]]
type = "query"
path = "/documents"
method = "get"
query = "list_documents"
public = true
EOF
chmod -R a+rX "$IT_WORK"
chmod a+x "$IT_WORK"
export PXTC_BIN_DIR="$prefix/bin" PXTC_STACK_NO_DEMO=1 PXTC="$prefix/bin/pxtc"
export SERVER_WORKERS=2 SERVER_SERVICE_FILE="$IT_WORK/service.toml"
export PIXELTABLE_API_KEY="first-key-0123456789,second-key-9876543210"
export PIXELTABLE_CORS_ORIGINS="https://app.example"
SERVER_PORT=$(free_port) || fail "no free port"
export SERVER_PORT
URL="http://127.0.0.1:$SERVER_PORT"
it_extra_cleanup() { "$STACK" stop >/dev/null 2>&1; }
stack_start

# call CODE [curl args...] - the status must be CODE; the body is in $body
call() {
	local want=$1 got
	shift
	got=$(curl -s -D "$IT_WORK/head" -o "$IT_WORK/body" -w '%{http_code}' "$@")
	body=$(cat "$IT_WORK/body")
	[ "$got" = "$want" ] || fail "got $got, expected $want for $*: $body"
}

call 401 "$URL/api/data/documents"
grep -q '"error_code":"unauthorized"' <<<"$body" || fail "401 body: $body"
grep -qi '^WWW-Authenticate: Bearer' "$IT_WORK/head" || fail "WWW-Authenticate"
call 401 -H 'Authorization: Bearer not-the-key' "$URL/api/data/documents"
grep -q 'the API key is not valid' <<<"$body" || fail "wrong key: $body"
call 401 -H 'Authorization: Basic Zm9vOmJhcg==' "$URL/api/data/documents"
call 200 -H 'Authorization: Bearer first-key-0123456789' "$URL/api/data/documents"
call 200 -H 'Authorization: bearer second-key-9876543210' "$URL/api/data/documents"
call 401 -X POST -H 'Content-Type: application/json' -d '{"document": "/x"}' "$URL/api/data/documents"
call 200 "$URL/api/health"
call 200 "$URL/api/open/documents"
# the keys never reach a log line
if grep -rq -e 'first-key-0123456789' -e 'not-the-key' "$PIXELTABLE_HOME/logs" 2>/dev/null; then
	fail "an API key was logged"
fi

# CORS: a preflight from a listed origin, from another one, and the simple headers
call 204 -X OPTIONS -H 'Origin: https://app.example' \
    -H 'Access-Control-Request-Method: POST' "$URL/api/data/documents"
grep -qi '^Access-Control-Allow-Origin: https://app.example' "$IT_WORK/head" || fail "preflight origin"
grep -qi '^Access-Control-Allow-Methods: GET, POST' "$IT_WORK/head" || fail "preflight methods"
grep -qi '^Access-Control-Allow-Headers: .*Authorization' "$IT_WORK/head" || fail "preflight headers"
call 403 -X OPTIONS -H 'Origin: https://evil.example' \
    -H 'Access-Control-Request-Method: POST' "$URL/api/data/documents"
grep -qi '^Access-Control-Allow-Origin' "$IT_WORK/head" && fail "CORS header for another origin"
call 200 -H 'Origin: https://app.example' -H 'Authorization: Bearer first-key-0123456789' \
    "$URL/api/data/documents"
grep -qi '^Access-Control-Allow-Origin: https://app.example' "$IT_WORK/head" || fail "simple CORS"
call 401 -H 'Origin: https://app.example' "$URL/api/data/documents"
grep -qi '^Access-Control-Allow-Origin: https://app.example' "$IT_WORK/head" || fail "CORS on errors"
call 200 -H 'Origin: https://evil.example' "$URL/api/health"
grep -qi '^Access-Control-Allow-Origin' "$IT_WORK/head" && fail "CORS for an unlisted origin"
call 405 -X OPTIONS "$URL/api/data/documents"
true
