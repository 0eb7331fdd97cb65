#!/usr/bin/env bash
# nginx in front, production features, through the real stack (deploy/local/pxtc-stack)
# and the real nginx, each off unless configured:
# - TLS: a self-signed certificate made here; HTTPS on [server] tls_port answers
#   /api/health with TLS 1.2 and 1.3 against that certificate, refuses TLS 1.1 (the
#   server's alert), sends HSTS on HTTPS only, redirects plain HTTP (308) but
#   /api/health; without a certificate there is no TLS listener at all;
# - real_ip: with trusted_proxies 127.0.0.1, X-Forwarded-For's client is the access
#   log's remote_addr; without, the peer's address stays;
# - limit_req: write_rate_limit 1, burst 0: a quick burst of POSTs gets 429s with the
#   JSON error and Retry-After, a burst of GETs all 200; without, no POST is limited;
# - media caching: Cache-Control from media_url_ttl_s (immutable for pxtc's own
#   names), ETag, Last-Modified and 304, errors no-store;
# - gzip of the OpenAPI document; PXTC_FCGI_UPSTREAM with a dead second server still
#   answering every request, and with a bad entry failing the start naming it;
# - PXTC_NGINX_LOG=stderr: the access log on nginx's stdout, not in the file;
# - a missing certificate and a bad trusted proxy refused, naming the key.
source "$(dirname "$0")/lib.sh"
: "${PXT_BUILD_DIR:?}" "${PXT_SOURCE_DIR:?}"

STACK="$PXT_SOURCE_DIR/deploy/local/pxtc-stack"
# the workers and nginx's workers run as the service user: an installed copy they reach
prefix="$IT_WORK/prefix"
cmake --install "$PXT_BUILD_DIR" --prefix "$prefix" >/dev/null
chmod -R a+rX "$IT_WORK"
chmod a+x "$IT_WORK"
export PXTC_BIN_DIR="$prefix/bin" PXTC_STACK_NO_DEMO=1 PXTC="$prefix/bin/pxtc"
export SERVER_WORKERS=1 SERVER_ROUTERS_DIR="$prefix/lib/pxtc/routers"
export SERVER_MEDIA_URL_TTL_S=1234
SERVER_PORT=$(free_port) || fail "no free port"
TLS_PORT=$(free_port) || fail "no free port"
DEAD_PORT=$(free_port) || fail "no free port"
[ "$TLS_PORT" != "$SERVER_PORT" ] && [ "$DEAD_PORT" != "$TLS_PORT" ] &&
    [ "$DEAD_PORT" != "$SERVER_PORT" ] || fail "free_port gave one port twice"
export SERVER_PORT
URL="http://127.0.0.1:$SERVER_PORT"
TLS_URL="https://127.0.0.1:$TLS_PORT"
CONF="$PIXELTABLE_HOME/run/nginx.conf"
ACCESS_LOG="$PIXELTABLE_HOME/logs/nginx-access.log"
SOCK="$PIXELTABLE_HOME/run/pxtc.sock"
UUID=018f0000-0000-7000-8000-000000000000

it_extra_cleanup() { "$STACK" stop >/dev/null 2>&1; }

# a self-signed certificate for 127.0.0.1; the key readable by its owner only
mkdir -p "$IT_WORK/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost \
    -keyout "$IT_WORK/tls/key.pem" -out "$IT_WORK/tls/cert.pem" 2>/dev/null ||
    fail "openssl could not make a certificate"
chmod 600 "$IT_WORK/tls/key.pem"
CERT="$IT_WORK/tls/cert.pem"

# get URL [CURL_ARGS...] - sets $code, $body and $hdrs (the headers, lower-cased)
get() {
	local url=$1
	shift
	code=$(curl -s --cacert "$CERT" -D "$IT_WORK/hdrs" -o "$IT_WORK/body" -w '%{http_code}' \
	    "$@" "$url") || code=000
	body=$(cat "$IT_WORK/body")
	hdrs=$(tr 'A-Z' 'a-z' <"$IT_WORK/hdrs" | tr -d '\r')
}
# header NAME - the value of a header of the last get (lower-cased), empty if none
header() { sed -n "s/^$1: //p" <<<"$hdrs" | head -n1; }
# post URL - a write the rate limit counts: delete of a row that does not exist
post() {
	get "$1" -H 'Content-Type: application/json' --data "{\"uuid\": \"$UUID\"}"
}
# log_line FILE - the access log line of the last get (by its request id)
# (with PXTC_NGINX_LOG=stderr the access log is buffered for up to a second: wait 3 s)
log_line() {
	local id tries=0
	id=$(header x-request-id)
	[ -n "$id" ] || fail "no X-Request-Id"
	until grep -F "\"request_id\":\"$id\"" "$1"; do
		tries=$((tries + 1))
		[ "$tries" -le 30 ] || return 0
		sleep 0.1
	done
}

# ---------------------------------------------------------------- everything on
export SERVER_TLS_CERT=tls/cert.pem	# relative: starts at the working directory
export SERVER_TLS_KEY="$IT_WORK/tls/key.pem" SERVER_TLS_PORT=$TLS_PORT
export SERVER_HSTS_MAX_AGE_S=600 SERVER_TLS_REDIRECT=true
export SERVER_TRUSTED_PROXIES="127.0.0.1, 10.0.0.0/8"
export SERVER_WRITE_RATE_LIMIT=1 SERVER_WRITE_RATE_BURST=0
export PXTC_FCGI_UPSTREAM="unix:$SOCK, 127.0.0.1:$DEAD_PORT"
stack_start
grep -q "nginx: https on port $TLS_PORT; HSTS 600 s; plain HTTP redirected; client" \
    "$IT_WORK/start.log" || fail "start did not say what is on: $(cat "$IT_WORK/start.log")"

# TLS: 1.2 and 1.3 against the test's certificate; HSTS on HTTPS only
for v in 1.2 1.3; do
	get "$TLS_URL/api/health" --tlsv$v --tls-max $v
	[ "$code" = 200 ] && grep -q '"status"' <<<"$body" || fail "HTTPS TLS $v: $code $body"
	[ "$(header strict-transport-security)" = "max-age=600" ] || fail "HSTS on HTTPS: $hdrs"
done
get "$URL/api/health"
[ "$code" = 200 ] || fail "plain /api/health is not 200 with tls_redirect: $code"
[ -z "$(header strict-transport-security)" ] || fail "HSTS on plain HTTP: $hdrs"
# TLS 1.1: the client offers it (seclevel 0 lets OpenSSL 3 do so), the server refuses
err=$(curl -sS -o /dev/null --cacert "$CERT" --tlsv1.1 --tls-max 1.1 \
    --ciphers 'DEFAULT@SECLEVEL=0' "$TLS_URL/api/health" 2>&1) && fail "TLS 1.1 accepted"
grep -q 'alert protocol version' <<<"$err" || fail "TLS 1.1 not refused by the server: $err"
# plain HTTP is redirected to HTTPS, method and body kept (308)
get "$URL/api/data/documents?limit=1"
[ "$code" = 308 ] && [ "$(header location)" = "$TLS_URL/api/data/documents?limit=1" ] ||
    fail "redirect: $code $hdrs"
post "$URL/api/data/documents/delete"
[ "$code" = 308 ] || fail "POST redirect: $code"

# real_ip: the client X-Forwarded-For names (past the trusted proxies) is remote_addr
get "$TLS_URL/api/data/documents?limit=1" -H 'X-Forwarded-For: 203.0.113.7'
[ "$code" = 200 ] || fail "GET with X-Forwarded-For: $code $body"
log_line "$ACCESS_LOG" | grep -q '"remote_addr":"203.0.113.7"' ||
    fail "X-Forwarded-For not the client: $(log_line "$ACCESS_LOG")"
get "$TLS_URL/api/data/documents?limit=1" -H 'X-Forwarded-For: 203.0.113.7, 10.1.2.3'
log_line "$ACCESS_LOG" | grep -q '"remote_addr":"203.0.113.7"' ||
    fail "a trusted hop not skipped: $(log_line "$ACCESS_LOG")"

# limit_req: writes beyond 1 a second answer 429 at once, reads never
sleep 1.1
n200=0 n429=0
for _ in 1 2 3 4 5 6 7 8; do
	post "$TLS_URL/api/data/documents/delete"
	case $code in
	200) n200=$((n200 + 1)) ;;
	429)
		n429=$((n429 + 1))
		grep -q '"error_code": "rate_limited"' <<<"$body" &&
		    grep -q '"retryable": true' <<<"$body" &&
		    grep -q '"retry_after": 1' <<<"$body" || fail "429 body: $body"
		[ "$(header retry-after)" = 1 ] || fail "429 without Retry-After: 1: $hdrs"
		[ "$(header cache-control)" = no-store ] || fail "429 cacheable: $hdrs"
		[ "$(header content-type)" = application/json ] || fail "429 type: $hdrs"
		;;
	*) fail "POST in a burst: $code $body" ;;
	esac
done
((n200 >= 1 && n429 >= 5)) || fail "burst of 8 POSTs: $n200 x 200, $n429 x 429"
for _ in 1 2 3 4 5 6 7 8; do
	get "$TLS_URL/api/data/documents?limit=1"
	[ "$code" = 200 ] || fail "GET in a burst: $code $body"
done
sleep 1.1
post "$TLS_URL/api/data/documents/delete"
[ "$code" = 200 ] && grep -q '"num_rows":0' <<<"$body" || fail "POST a second later: $code $body"

# media: private, max-age = media_url_ttl_s, immutable for names pxtc made; ETag, 304
media="$PIXELTABLE_HOME/media"
mkdir -p "$media/uploads/t1" "$media/notes"
printf 'hello\n' >"$media/uploads/t1/a.txt"
printf 'notes\n' >"$media/notes/b.txt"
[ "$(id -u)" = 0 ] && chown -R pxtc: "$media/uploads" "$media/notes"
murl=$("$PXTC" media-url uploads/t1/a.txt) || fail "media-url"
get "$TLS_URL$murl"
[ "$code" = 200 ] && [ "$body" = hello ] || fail "signed media: $code $body"
[ "$(header cache-control)" = "private, max-age=1234, immutable" ] ||
    fail "media Cache-Control: $hdrs"
etag=$(header etag)
[ -n "$etag" ] && [ -n "$(header last-modified)" ] || fail "no ETag/Last-Modified: $hdrs"
get "$TLS_URL$murl" -H "If-None-Match: $etag"
[ "$code" = 304 ] || fail "If-None-Match: $code"
[ "$(header cache-control)" = "private, max-age=1234, immutable" ] || fail "304 headers: $hdrs"
get "$TLS_URL$("$PXTC" media-url notes/b.txt)"
[ "$code" = 200 ] && [ "$(header cache-control)" = "private, max-age=1234" ] ||
    fail "a placed file is not immutable: $code $hdrs"
get "$TLS_URL${murl/\/uploads\//\/uploadz\/}"	# the signature no longer matches
[ "$code" = 403 ] && [ "$(header cache-control)" = no-store ] || fail "403: $code $hdrs"
get "$TLS_URL$("$PXTC" media-url uploads/t1/missing.txt)"
[ "$code" = 404 ] && [ "$(header cache-control)" = no-store ] || fail "404: $code $hdrs"

# gzip: the OpenAPI document compressed for a client that asks
get "$TLS_URL/api/openapi.json" -H 'Accept-Encoding: gzip'
[ "$code" = 200 ] && [ "$(header content-encoding)" = gzip ] || fail "openapi gzip: $code $hdrs"

# the upstream: both servers rendered; the dead one never fails a request
grep -q "server unix:$SOCK max_fails=3 fail_timeout=10s;" "$CONF" &&
    grep -q "server 127.0.0.1:$DEAD_PORT max_fails=3 fail_timeout=10s;" "$CONF" ||
    fail "upstream servers: $(sed -n '/upstream pxtc/,/}/p' "$CONF")"
for _ in 1 2 3 4 5 6 7 8 9 10; do
	get "$TLS_URL/api/data/documents?limit=1"
	[ "$code" = 200 ] || fail "GET with a dead upstream server: $code $body"
done
grep -q '"upstream_status":"502, 200"' "$ACCESS_LOG" ||
    fail "no request tried the dead server first: $(tail -n 3 "$ACCESS_LOG")"
"$STACK" stop >/dev/null 2>&1 || fail "stack stop"

# ---------------------------------------------------------------- everything off
unset SERVER_TLS_CERT SERVER_TLS_KEY SERVER_TLS_PORT SERVER_HSTS_MAX_AGE_S
unset SERVER_TLS_REDIRECT SERVER_TRUSTED_PROXIES SERVER_WRITE_RATE_LIMIT
unset SERVER_WRITE_RATE_BURST PXTC_FCGI_UPSTREAM
# the logs on nginx's stderr and stdout: here the start's output file
PXTC_NGINX_LOG=stderr stack_start "$IT_WORK/start-off.log"
# no marked line left, no directive of a feature (comments may name them)
! grep -Eq '^[[:space:]]*#@[a-z_]+ ' "$CONF" || fail "a marked line rendered: $(grep -E '#@' "$CONF")"
grep -Ev '^[[:space:]]*#' "$CONF" | grep -E 'ssl|real_ip|limit_req|return 308' >"$IT_WORK/on" &&
    fail "features rendered while off: $(cat "$IT_WORK/on")"
grep -q "server unix:$SOCK;" "$CONF" || fail "default upstream: $(sed -n '/upstream pxtc/,/}/p' "$CONF")"
grep -q '^error_log stderr warn;' "$CONF" && grep -q 'access_log /dev/stdout pxtc buffer=64k flush=1s;' "$CONF" ||
    fail "PXTC_NGINX_LOG=stderr not rendered"
curl -s -o /dev/null "$TLS_URL/api/health" --cacert "$CERT" && fail "a TLS listener without a certificate"
get "$TLS_URL/api/health"
[ "$code" = 000 ] || fail "TLS port answered $code"
get "$URL/api/data/documents?limit=1" -H 'X-Forwarded-For: 203.0.113.7'
[ "$code" = 200 ] && [ -z "$(header strict-transport-security)" ] || fail "plain GET: $code $hdrs"
line=$(log_line "$IT_WORK/start-off.log")
grep -q '"remote_addr":"127.0.0.1"' <<<"$line" ||
    fail "without trusted_proxies the peer is not the client: '$line'"
[ -z "$(log_line "$ACCESS_LOG")" ] || fail "PXTC_NGINX_LOG=stderr still wrote the file"
for _ in 1 2 3 4 5 6 7 8; do
	post "$URL/api/data/documents/delete"
	[ "$code" = 200 ] || fail "POST limited without write_rate_limit: $code $body"
done
"$STACK" stop >/dev/null 2>&1 || fail "stack stop"

# ---------------------------------------------------------------- refusals
# start_refused NEEDLE - the start fails saying NEEDLE, and leaves nginx stopped
start_refused() {
	"$STACK" start >"$IT_WORK/out" 2>&1 && fail "started; expected: $1"
	grep -qF -- "$1" "$IT_WORK/out" || fail "start failed without '$1': $(cat "$IT_WORK/out")"
	[ ! -e "$PIXELTABLE_HOME/run/nginx.pid" ] || fail "nginx left running: $(cat "$IT_WORK/out")"
}
PXTC_FCGI_UPSTREAM="unix:$SOCK, worker-2:90000" \
    start_refused "PXTC_FCGI_UPSTREAM entry 'worker-2:90000' is neither unix:/absolute/path nor HOST:PORT"
SERVER_TLS_CERT=tls/missing.pem SERVER_TLS_KEY=tls/key.pem \
    start_refused "[server] tls_cert 'tls/missing.pem' is not a file"
SERVER_TLS_KEY=tls/key.pem start_refused "[server] tls_cert and tls_key go together"
SERVER_TRUSTED_PROXIES="10.0.0.0/8, 203.0.113.300" \
    start_refused "[server] trusted_proxies must be IPv4 or IPv6 addresses or CIDRs (comma-separated), got '203.0.113.300'"
echo "it_nginx_prod: ok"
