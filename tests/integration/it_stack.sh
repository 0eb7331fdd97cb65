#!/usr/bin/env bash
# The real stack over HTTP: embedded PostgreSQL, spawn-fcgi + multiwatch workers and nginx
# on a free loopback port (deploy/local/pxtc-stack). Every route of the data router, the
# JSON error body of 400, 404, 405, 409, 413, 415, 422 and 503, a worker killed and
# respawned, the database restarted under traffic, and nothing left running after stop.
source "$(dirname "$0")/lib.sh"
: "${PXT_BUILD_DIR:?}" "${PXT_TEST_ROUTERS:?}" "${PXT_SOURCE_DIR:?}"

STACK="$PXT_SOURCE_DIR/deploy/local/pxtc-stack"
# the workers run as the service user: give them an installed copy they can reach
prefix="$IT_WORK/prefix"
cmake --install "$PXT_BUILD_DIR" --prefix "$prefix" >/dev/null
cp "$PXT_TEST_ROUTERS/probe.so" "$prefix/lib/pxtc/routers/"
chmod -R a+rX "$IT_WORK"
chmod a+x "$IT_WORK"
export PXTC_BIN_DIR="$prefix/bin" PXTC_STACK_NO_DEMO=1 PXTC="$prefix/bin/pxtc"
export SERVER_WORKERS=2 SERVER_MAX_JSON_BODY_MB=0.01 SERVER_MAX_UPLOAD_MB=1
export SERVER_ROUTERS_DIR="$prefix/lib/pxtc/routers" SERVER_ROUTERS="data.so,probe.so"

# a free loopback port: nothing answers a connection on it
SERVER_PORT=$(free_port) || fail "no free port"
export SERVER_PORT
URL="http://127.0.0.1:$SERVER_PORT"

it_extra_cleanup() { "$STACK" stop >/dev/null 2>&1; }

stack_start

# req METHOD PATH [BODY [CONTENT-TYPE]] - sets $code and $body
req() {
	local ct=${4:-application/json}
	if [ -n "${3:-}" ]; then
		code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' -X "$1" -H "Content-Type: $ct" --data-binary "$3" "$URL$2")
	else
		code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' -X "$1" "$URL$2")
	fi
	body=$(cat "$IT_WORK/body")
}
# expect CODE ERROR_CODE - the status and, for errors, the JSON body's error_code and
# retryable: true only for a transient failure (429, 502, 503, 504; a 409 only for a
# serialization failure or deadlock) where nothing was committed, which every error of
# this script is
expect() {
	[ "$code" = "$1" ] || fail "got $code, expected $1: $body"
	if [ -n "${2:-}" ]; then
		local want=false
		case $1 in 429 | 502 | 503 | 504) want=true ;; esac
		grep -Eq "\"error_code\": ?\"$2\"" <<<"$body" || fail "error_code $2 missing: $body"
		grep -Eq "\"retryable\": ?$want[,}]" <<<"$body" || fail "retryable is not $want: $body"
	fi
}

media="$PIXELTABLE_HOME/media"
printf 'hello\n' >"$media/a.txt"
vips black "$media/a.png" 8 6
[ "$(id -u)" = 0 ] && chown pxtc: "$media/a.txt" "$media/a.png"

req GET /api/health; expect 200
req GET /api/data/documents; expect 200
[ "$body" = '{"rows":[]}' ] || fail "empty list: $body"

req POST /api/data/documents "{\"document\": \"$media/a.txt\", \"metadata\": {\"title\": \"A\"}}"; expect 200
id=$(echo "$body" | sed -n 's/.*"uuid":"\([^"]*\)".*/\1/p')
[ -n "$id" ] || fail "no uuid: $body"
grep -q '"timestamp":"20' <<<"$body" || fail "timestamp not set: $body"
printf 'second\n' >"$media/b.txt"
req POST /api/data/documents "{\"document\": \"$media/b.txt\"}"; expect 200
grep -q '"text":"second","title":null,"n_words":1' <<<"$body" || fail "computed: $body"
req GET '/api/data/documents?limit=1'; expect 200
grep -q '/b.txt"' <<<"$body" || fail "newest first: $body"
# a URL is fetched into the file cache by the pipeline; one on a private address is
# refused (fetch_allow_private is false), with the column named
req POST /api/data/documents "{\"document\": \"http://127.0.0.1:9/b.pdf\"}"; expect 403 forbidden
grep -q "computed column 'text'.*fetch_allow_private" <<<"$body" || fail "URL document: $body"
req POST /api/data/documents/update "{\"uuid\": \"$id\", \"metadata\": {\"title\": \"B\"}}"; expect 200
grep -q '"metadata":{"title": "B"}' <<<"$body" || fail "update: $body"
# the reference routes take the file itself too (multipart/form-data), as the starter
# kit's upload routes do: stored under media/uploads, the pipeline run on it
printf 'uploaded words here\n' >"$IT_WORK/up.txt"
code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' -F "document=@$IT_WORK/up.txt" \
    -F 'metadata={"via": "multipart"}' "$URL/api/data/documents")
body=$(cat "$IT_WORK/body"); expect 200
grep -q '"n_words":3' <<<"$body" && grep -q '/uploads/[0-9a-f]*/up.txt"' <<<"$body" ||
	fail "multipart document: $body"
code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' -F "image=@$media/a.png" \
    "$URL/api/data/images")
body=$(cat "$IT_WORK/body"); expect 200
grep -q '"width":8,"height":6' <<<"$body" || fail "multipart image: $body"
up_id=$(echo "$body" | sed -n 's/.*"uuid":"\([^"]*\)".*/\1/p')
req POST /api/data/images/delete "{\"uuid\": \"$up_id\"}"; expect 200
req POST /api/data/images "{\"image\": \"$media/a.png\", \"metadata\": {}}"; expect 200
req GET /api/data/images; expect 200
grep -q 'a.png' <<<"$body" || fail "images list"
grep -q '"width":8,"height":6' <<<"$body" || fail "image columns: $body"

# the error statuses, each as the JSON error body
req POST /api/data/documents '{"document": '; expect 400 bad_request
req POST /api/data/documents/update '{"uuid": "01a20a39-72ce-775b-9c34-323b32816341", "metadata": {}}'; expect 404 not_found
req GET /api/no/such/route; expect 404 not_found
req PUT /api/data/documents '{}'; expect 405 method_not_allowed
curl -sI -X PUT "$URL/api/data/documents" | grep -qi '^Allow: GET, POST' || fail "no Allow header"
req GET "/api/probe/by_document?document=$media/a.txt"; expect 200
req POST /api/data/documents "{\"document\": \"$media/a.txt\"}"; expect 200
req GET "/api/probe/by_document?document=$media/a.txt"; expect 409 conflict
big=$(head -c 20000 /dev/zero | tr '\0' 'x')
req POST /api/data/documents "{\"document\": \"$big\"}"; expect 413 payload_too_large
head -c 2000000 /dev/zero >"$IT_WORK/huge"
code=$(curl -s -o "$IT_WORK/body" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @"$IT_WORK/huge" "$URL/api/data/documents")
body=$(cat "$IT_WORK/body"); expect 413 payload_too_large	# nginx's own, as JSON
req POST /api/data/documents '{"document": "x"}' text/plain; expect 415 unsupported_media_type
grep -q "takes application/json or multipart/form-data (with the file of 'document'), not text/plain" <<<"$body" ||
	fail "415 of an upload route: $body"
req POST /api/data/documents/delete '{"uuid": "x"}' text/plain; expect 415 unsupported_media_type
grep -q "takes application/json, not text/plain" <<<"$body" || fail "415 of a JSON route: $body"
req POST /api/data/documents '{"documnt": "x"}'; expect 422 validation_error
req POST /api/data/documents '{"document": "/etc/passwd"}'; expect 422 validation_error
req POST /api/data/documents "{\"document\": \"$media/../../../../etc/passwd\"}"; expect 422 validation_error
req GET '/api/data/documents?limit=1001'; expect 422 validation_error
req GET /.env; expect 404

# signed media URLs: made by pxtc (relative from the CLI: no request), checked and
# served by nginx
url=$("$PXTC" media-url a.png 60) || fail "media-url"
case $url in /media/[0-9]*/*/a.png) ;; *) fail "media-url form: $url" ;; esac
curl -s -o "$IT_WORK/got.png" "$URL$url"
cmp -s "$IT_WORK/got.png" "$media/a.png" || fail "signed media URL not served: $url"
sig=${url#/media/*/}; sig=${sig%%/*}
req GET "${url/$sig/AAAAAAAAAAAAAAAAAAAAAA}"; expect 403 forbidden
# a path out of the media store is refused by pxtc, and nginx serves nothing outside it
# even under a good signature for the path as sent (raw and percent-encoded dots)
rc=0; out=$("$PXTC" media-url ../etc/passwd 60 2>/dev/null) || rc=$?
[ "$rc" != 0 ] && [ -z "$out" ] || fail "media-url signed a traversal: $out"
secret=$(cat "$PIXELTABLE_HOME/run/media_url_secret")
exp=$(($(date +%s) + 60))
sign() { printf '%s' "$exp$1 $secret" | openssl md5 -binary | openssl base64 | tr +/ -_ | tr -d =; }
# (the signing here is nginx's: a file of the store is served under it)
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/media/a.png?exp=$exp&sig=$(sign /media/a.png)")
[ "$code" = 200 ] || fail "signed here, a.png answered $code (the earlier ?exp=&sig= form)"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/media/$exp/$(sign /media/a.png)/a.png")
[ "$code" = 200 ] || fail "signed here, a.png answered $code (the path form)"
sig=$(sign /media/../run/media_url_secret)
for p in /media/../run/media_url_secret /media/%2e%2e/run/media_url_secret; do
	code=$(curl -s --path-as-is -o "$IT_WORK/body" -w '%{http_code}' "$URL$p?exp=$exp&sig=$sig")
	case $code in 400 | 403 | 404) ;; *) fail "traversal $p answered $code" ;; esac
	! grep -qF "$secret" "$IT_WORK/body" || fail "traversal $p served the secret"
	code=$(curl -s --path-as-is -o "$IT_WORK/body" -w '%{http_code}' \
	    "$URL/media/$exp/$sig/${p#/media/}")
	case $code in 400 | 403 | 404) ;; *) fail "traversal $p (path form) answered $code" ;; esac
	! grep -qF "$secret" "$IT_WORK/body" || fail "traversal $p (path form) served the secret"
done

# idempotency over the wire
k=$(date +%s%N)
c1=$(curl -s -H 'Content-Type: application/json' -H "Idempotency-Key: $k" --data "{\"document\": \"$media/a.txt\"}" "$URL/api/data/documents")
c2=$(curl -s -H 'Content-Type: application/json' -H "Idempotency-Key: $k" --data "{\"document\": \"$media/a.txt\"}" "$URL/api/data/documents")
[ "$c1" = "$c2" ] || fail "idempotent replay differs"

req POST /api/data/documents/delete "{\"uuid\": \"$id\"}"; expect 200
[ "$body" = '{"num_rows":1}' ] || fail "delete: $body"

# a killed worker is respawned and the requests around it keep working
mw=$(cat "$PIXELTABLE_HOME/run/workers.pid")
[ -n "$mw" ] || fail "no multiwatch"
victim=$(pgrep -P "$mw" | head -1)
kill -9 "$victim"
for i in $(seq 100); do
	[ "$(pgrep -P "$mw" | wc -l)" = 2 ] && ! pgrep -P "$mw" | grep -qx "$victim" && break
	sleep 0.1
done
[ "$(pgrep -P "$mw" | wc -l)" = 2 ] || fail "worker not respawned"
req GET /api/health; expect 200

# 503 while the database is gone, recovery without restarting anything. The jobs
# runner is paused meanwhile: idle, it polls, and would start the stopped server
# again before its folder is moved away.
runner=$(pgrep -P "$(cat "$PIXELTABLE_HOME/run/jobs.pid")")
[ -n "$runner" ] || fail "no jobs runner"
kill -STOP "$runner"
"$PXTC" db stop >/dev/null
mv "$PIXELTABLE_HOME/pgdata" "$PIXELTABLE_HOME/pgdata.away"
req GET /api/data/documents; expect 503 unavailable
grep -q '"retry_after":1' <<<"$body" || fail "retry_after: $body"
req GET /api/health; expect 503
mv "$PIXELTABLE_HOME/pgdata.away" "$PIXELTABLE_HOME/pgdata"
req GET /api/data/documents; expect 200
kill -CONT "$runner"

# a database restart under traffic: a few requests may fail, then all succeed
ok=0 bad=0
for i in $(seq 60); do
	c=$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/data/documents?limit=5")
	if [ "$c" = 200 ]; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
	[ "$i" = 20 ] && { "$PXTC" db stop >/dev/null; "$PXTC" db start >/dev/null; }
done
[ "$bad" -le 4 ] || fail "$bad requests failed around a database restart"
req GET /api/data/documents; expect 200

# stop leaves none of the stack's processes: nginx (and its workers), the two
# multiwatch groups (and their workers), the postmaster (and its backends)
procs=()
for f in run/nginx.pid run/workers.pid run/jobs.pid pgdata/postmaster.pid; do
	p=$(head -n1 "$PIXELTABLE_HOME/$f" 2>/dev/null) || fail "no $f"
	procs+=("$p" $(pgrep -P "$p" || true))
done
"$STACK" stop >/dev/null 2>&1 || fail "stack stop"
left=
for p in "${procs[@]}"; do it_proc_start "$p" >/dev/null && left+=" $p"; done
[ -z "$left" ] || fail "processes left after stop:$left"
