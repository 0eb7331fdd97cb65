#!/usr/bin/env bash
# [server] static_dir through the real stack (deploy/local/pxtc-stack): nginx serves a
# built single-page app at /, client-side routes fall back to its index.html, while the
# API, /docs, /media and every route prefix (here a service file's /v1/data too) still
# reach the workers; a missing folder or one without index.html refuses to start.
source "$(dirname "$0")/lib.sh"
: "${PXT_BUILD_DIR:?}" "${PXT_SOURCE_DIR:?}"

STACK="$PXT_SOURCE_DIR/deploy/local/pxtc-stack"
# the workers and nginx's workers run as the service user: an installed copy and an app
# folder they can reach
prefix="$IT_WORK/prefix"
cmake --install "$PXT_BUILD_DIR" --prefix "$prefix" >/dev/null
export PXTC_BIN_DIR="$prefix/bin" PXTC_STACK_NO_DEMO=1 PXTC="$prefix/bin/pxtc"
export SERVER_WORKERS=1 SERVER_ROUTERS_DIR="$prefix/lib/pxtc/routers"
# the reference service file, once more under a prefix outside /api
svc="$IT_WORK/service.toml"
{ cat "$prefix/lib/pxtc/service.toml"; echo
  sed 's#^prefix = "/api/#prefix = "/v1/#; s#^name = "\(.*\)"#name = "\1_v1"#' \
      "$prefix/lib/pxtc/service.toml"; } >"$svc"
export SERVER_SERVICE_FILE="$svc"
SERVER_PORT=$(free_port) || fail "no free port"
export SERVER_PORT
URL="http://127.0.0.1:$SERVER_PORT"

app="$IT_WORK/app"
mkdir -p "$app/assets" "$IT_WORK/empty"
printf '<!doctype html><title>spa</title><div id="root"></div>\n' >"$app/index.html"
printf 'console.log("app");\n' >"$app/assets/app.js"
printf 'SECRET=1\n' >"$app/.env"
chmod -R a+rX "$IT_WORK"
chmod a+x "$IT_WORK"

it_extra_cleanup() { "$STACK" stop >/dev/null 2>&1; }

# a missing folder, or one without index.html, refuses to start (before anything runs)
SERVER_STATIC_DIR="$IT_WORK/nowhere" "$STACK" start >"$IT_WORK/out" 2>&1 &&
    fail "started with a missing static_dir"
grep -q "static_dir '$IT_WORK/nowhere' is not a folder" "$IT_WORK/out" ||
    fail "missing folder message: $(cat "$IT_WORK/out")"
SERVER_STATIC_DIR="$IT_WORK/empty" "$STACK" start >"$IT_WORK/out" 2>&1 &&
    fail "started with a static_dir without index.html"
grep -q "static_dir $IT_WORK/empty has no index.html" "$IT_WORK/out" ||
    fail "no index.html message: $(cat "$IT_WORK/out")"
[ ! -e "$PIXELTABLE_HOME/run/nginx.pid" ] || fail "nginx ran for a refused static_dir"

# a relative path starts at the working directory
export SERVER_STATIC_DIR=app
(cd "$IT_WORK" && stack_start)
grep -q "static app: $URL/ serves $app\$" "$IT_WORK/start.log" ||
    fail "start did not name the app: $(cat "$IT_WORK/start.log")"

# get PATH - sets $code, $type and $body
get() {
	local out
	out=$(curl -s -o "$IT_WORK/body" -w '%{http_code} %{content_type}' "$URL$1")
	code=${out%% *} type=${out#* }
	body=$(cat "$IT_WORK/body")
}
index=$(cat "$app/index.html")

get /; [ "$code" = 200 ] && [ "$body" = "$index" ] || fail "GET /: $code $body"
[[ $type == text/html* ]] || fail "GET / type: $type"
get /assets/app.js
[ "$code" = 200 ] && [ "$body" = 'console.log("app");' ] || fail "asset: $code $body"
[[ $type == application/javascript* ]] || fail "asset type: $type"
for p in /some/client/route /documents /search?q=x /apix /v1x/data; do
	get "$p"; [ "$code" = 200 ] && [ "$body" = "$index" ] || fail "GET $p: $code $body"
done
# the API and every route prefix still reach the workers, their errors JSON
get /api/health; [ "$code" = 200 ] && grep -q '"status"' <<<"$body" || fail "health: $code $body"
get /api/no/such/route; [ "$code" = 404 ] && grep -q '"error_code"' <<<"$body" ||
    fail "API 404: $code $body"
get /api/openapi.json; [ "$code" = 200 ] && grep -q '"openapi"' <<<"$body" ||
    fail "openapi: $code $body"
code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data '{"uuid": "018f0000-0000-7000-8000-000000000000"}' "$URL/v1/data/documents/delete")
body=$(cat "$IT_WORK/body")
[ "$code" = 200 ] && grep -q '"num_rows":0' <<<"$body" || fail "/v1 route: $code $body"
get /v1/data/nothing; grep -q '"error_code"' <<<"$body" || fail "/v1 prefix: $code $body"
# nginx's own locations keep theirs; dotfiles of the app are 404; the URI never leaves
get /docs; [ "$code" = 301 ] || fail "/docs: $code"
get /media/a.txt; [ "$code" = 403 ] || fail "unsigned media: $code $body"
get /.env; [ "$code" = 404 ] && ! grep -q SECRET <<<"$body" || fail "dotfile: $code $body"
code=$(curl -s --path-as-is -o "$IT_WORK/body" -w '%{http_code}' "$URL/../../../../etc/passwd")
! grep -q 'root:' "$IT_WORK/body" || fail "served outside static_dir ($code)"
code=$(curl -s --path-as-is -o "$IT_WORK/body" -w '%{http_code}' "$URL/assets/../../prefix/bin/pxtc")
! grep -qa 'ELF' "$IT_WORK/body" || fail "served outside static_dir ($code)"

"$STACK" stop >/dev/null 2>&1 || fail "stack stop"
# without the key, / goes to the workers as before
unset SERVER_STATIC_DIR
stack_start
get /; grep -q '"error_code"' <<<"$body" || fail "/ without static_dir: $code $body"
"$STACK" stop >/dev/null 2>&1 || fail "stack stop"
echo "it_static: ok"
