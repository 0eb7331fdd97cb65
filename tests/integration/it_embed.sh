#!/usr/bin/env bash
# openai_embed against a local OpenAI-compatible stand-in (tests/http/openai_server.py,
# driver test_embed.c): 600 inputs in three requests (256 + 256 + 88) with the
# results in input order, 429 and 503 retried after Retry-After, 429 for good, a
# slow server past request_timeout_s, malformed answers, other statuses, a missing
# model, a server that is down; the API key is sent as a bearer token and never
# appears in a message. No database is needed.
source "$(dirname "$0")/lib.sh"
: "${PXT_TEST_EMBED:?}" "${PXT_SOURCE_DIR:?}"
T=$PXT_TEST_EMBED
command -v python3 >/dev/null || fail "python3 is missing"

SRV_PID=
it_extra_cleanup() {
	[ -z "$SRV_PID" ] || kill "$SRV_PID" 2>/dev/null || true
	wait 2>/dev/null || true
}

LOG="$IT_WORK/requests.log"
PORT=$(free_port) || fail "no free port"
python3 "$PXT_SOURCE_DIR/tests/http/openai_server.py" "$PORT" "$LOG" \
	>"$IT_WORK/server.out" 2>&1 &
SRV_PID=$!
it_track "$SRV_PID"
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
	sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null ||
	{ cat "$IT_WORK/server.out"; fail "the stand-in did not start"; }

KEY="sk-test-$RANDOM$RANDOM-secret"
export OPENAI_BASE_URL="http://127.0.0.1:$PORT/v1/"	# a trailing slash is fine
export OPENAI_API_KEY="$KEY"
ALL="$IT_WORK/all.out"	# every answer of the driver, checked for the key at the end

# run MODEL ARGS...: the driver with [openai] embedding_model MODEL; sets $out, $rc
run() {
	local model=$1; shift
	rc=0
	out=$(OPENAI_EMBEDDING_MODEL=$model "$T" "$@" 2>&1) || rc=$?
	printf '%s\n' "$out" >>"$ALL"
}
# expect_err CODE MODEL ARGS...: the driver must fail with CODE
expect_err() {
	local code=$1; shift
	run "$@"
	[ "$rc" = 1 ] || fail "$*: exit $rc (expected 1): $out"
	case "$out" in "ERR $code openai_embed: "*) ;; *) fail "$*: expected $code, got: $out" ;; esac
}
# requests MODEL: the batch sizes the stand-in saw for MODEL, space-separated
requests() { awk -v m="$1" '$1 == m { sub("n=", "", $2); printf "%s%s", s, $2; s = " " }' "$LOG"; }
ms() { sed -n 's/.* ms=\([0-9]*\)$/\1/p' <<<"$out"; }

# --- 600 inputs: three requests, results placed by index -------------------------
run ok:big batch 600
[ "$rc" = 0 ] || fail "600 inputs: $out"
[[ "$out" == "OK n=600 dim=8 "* ]] || fail "600 inputs: $out"
[ "$(requests ok:big)" = "256 256 88" ] || { cat "$LOG"; fail "batches: $(requests ok:big)"; }
grep -q -x -F "ok:big n=256 auth=Bearer $KEY" "$LOG" || { cat "$LOG"; fail "no bearer token sent"; }
run ok:one one "a single row"
[[ "$rc" = 0 && "$out" == "OK n=1 dim=8 "* ]] || fail "one row: $out"
[ "$(requests ok:one)" = 1 ] || fail "one row: $(requests ok:one)"
run ok:256 batch 256
[[ "$rc" = 0 && "$(requests ok:256)" = 256 ]] || fail "256 inputs: $out $(requests ok:256)"
# no key: no Authorization header at all
OPENAI_API_KEY= run ok:nokey batch 3
[ "$rc" = 0 ] || fail "without a key: $out"
grep -q -x -F "ok:nokey n=3 auth=-" "$LOG" || { cat "$LOG"; fail "an Authorization header without a key"; }

# --- 429 / 503 with Retry-After: 1, then success ----------------------------------
run ratelimit-once:a batch 5
[ "$rc" = 0 ] || fail "429 once: $out"
[ "$(requests ratelimit-once:a)" = "5 5" ] || fail "429 once: $(requests ratelimit-once:a)"
[ "$(ms)" -ge 1000 ] || fail "Retry-After not honoured: $out"
run unavailable-once:a batch 300
[ "$rc" = 0 ] || fail "503 once: $out"
[ "$(requests unavailable-once:a)" = "256 256 44" ] || fail "503 once: $(requests unavailable-once:a)"
[ "$(ms)" -ge 1000 ] || fail "Retry-After not honoured (503): $out"

# --- 429 for good: four attempts, then PXT_ERATELIMIT naming the provider ---------
expect_err PXT_ERATELIMIT ratelimit-always:a batch 2
[ "$(requests ratelimit-always:a)" = "2 2 2 2" ] || fail "attempts: $(requests ratelimit-always:a)"
[[ "$out" == *"OpenAI-compatible API at http://127.0.0.1:$PORT/v1/embeddings answered HTTP 429 (rate limited) after 4 attempts: Rate limit reached"* ]] ||
	fail "429 message: $out"
# a retry that would pass request_timeout_s is not waited for
SERVER_REQUEST_TIMEOUT_S=1 expect_err PXT_ERATELIMIT ratelimit-always:b batch 2
[ "$(requests ratelimit-always:b)" = 2 ] || fail "waited past the limit: $(requests ratelimit-always:b)"
[[ "$out" == *"request_timeout_s"* ]] || fail "429 within the limit: $out"

# --- too slow: PXT_ETIMEOUT within request_timeout_s -------------------------------
start=$(date +%s%N)
SERVER_REQUEST_TIMEOUT_S=2 expect_err PXT_ETIMEOUT slow:a batch 2
took=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$took" -lt 6000 ] || fail "the timeout took $took ms"
[[ "$out" == *"did not answer within 2 s ([server] request_timeout_s)"* ]] || fail "timeout message: $out"

# --- malformed answers and other statuses: PXT_EUPSTREAM ----------------------------
expect_err PXT_EUPSTREAM malformed-json:a batch 2
[[ "$out" == *"sent a malformed answer: not JSON"* ]] || fail "malformed-json: $out"
expect_err PXT_EUPSTREAM malformed-nodata:a batch 2
[[ "$out" == *'no "data" list'* ]] || fail "malformed-nodata: $out"
expect_err PXT_EUPSTREAM malformed-count:a batch 3
[[ "$out" == *"2 embeddings for 3 inputs"* ]] || fail "malformed-count: $out"
expect_err PXT_EUPSTREAM malformed-index:a batch 3
[[ "$out" == *'has no "index" of its own'* ]] || fail "malformed-index: $out"
expect_err PXT_EUPSTREAM malformed-number:a batch 3
[[ "$out" == *"element 4 of the embedding of input 0 is not a number"* ]] || fail "malformed-number: $out"
expect_err PXT_EUPSTREAM malformed-dims:a batch 3
# items come last first: input 2 (9 numbers) sets the dimension, input 1 differs
[[ "$out" == *"the embedding of input 1 has 8 dimensions, others have 9"* ]] || fail "malformed-dims: $out"
expect_err PXT_EUPSTREAM status500:a batch 2
[[ "$out" == *"answered HTTP 500: The server had an error"* ]] || fail "500: $out"
[ "$(requests status500:a)" = 2 ] || fail "a 500 was retried"
# the provider quotes the key back: it is cut out of the message
expect_err PXT_EUPSTREAM status401:a batch 1
[[ "$out" == *"answered HTTP 401: Incorrect API key provided: ***."* ]] || fail "401: $out"

# --- configuration and reachability -------------------------------------------------
expect_err PXT_ECONFIG "" batch 1
[[ "$out" == *"set [openai] embedding_model (environment OPENAI_EMBEDDING_MODEL)"* ]] ||
	fail "missing model: $out"
OPENAI_BASE_URL=ftp://127.0.0.1/v1 expect_err PXT_ECONFIG ok:a batch 1
[[ "$out" == *"[openai] base_url (ftp://127.0.0.1/v1) must be an http:// or https:// URL"* ]] ||
	fail "base_url: $out"
DOWN=$(free_port) || fail "no free port"
OPENAI_BASE_URL="http://127.0.0.1:$DOWN/v1" expect_err PXT_EUNAVAIL ok:a batch 1
[[ "$out" == *"cannot reach the OpenAI-compatible API at http://127.0.0.1:$DOWN/v1/embeddings"* ]] ||
	fail "server down: $out"

# --- the key never appears in an answer, only in the Authorization header -----------
! grep -q -F "$KEY" "$ALL" || { cat "$ALL"; fail "the API key appears in a message"; }
[ "$(grep -c -F "auth=Bearer $KEY" "$LOG")" -gt 10 ] || fail "the key was not sent"
echo "openai_embed: all cases passed"
