#!/usr/bin/env bash
# Background jobs through the real stack: a route declared with background = true
# answers 200 {"id", "job_url"} at once (job_url absolute, {prefix}/_pxt/jobs/{id},
# scheme and host from X-Forwarded-Proto / X-Forwarded-Host / Host, a bad host value
# skipped) and the jobs runner (pxtc-worker --jobs, under its own multiwatch) does the
# work; GET job_url follows it from "pending" to "done" with the route's answer, or
# "error" with its message and error_detail, as Pixeltable's serving does. kill -9 of every worker and of the runner
# while jobs are pending: after the respawn every job finishes exactly once. Jobs queued
# while the whole stack is down run after the next start.
source "$(dirname "$0")/lib.sh"
: "${PXT_BUILD_DIR:?}" "${PXT_SOURCE_DIR:?}" "${PXT_TEST_UDFS:?}" "${PXT_TEST_ROUTERS:?}"
: "${PXT_TEST_COMPUTE:?}"

STACK="$PXT_SOURCE_DIR/deploy/local/pxtc-stack"
prefix="$IT_WORK/prefix"
cmake --install "$PXT_BUILD_DIR" --prefix "$prefix" >/dev/null
cp "$PXT_TEST_UDFS/testfns.so" "$prefix/lib/pxtc/udfs/"
cp "$prefix/lib/pxtc/service.toml" "$IT_WORK/service.toml"
cat >>"$IT_WORK/service.toml" <<'EOF'

[[service]]
name = "later"
prefix = "/api/later"

[[service.routes]]
type = "insert"
path = "/boom"
table = "test/boom_abort"
background = true

[[service.routes]]
type = "delete"
path = "/documents/delete"
table = "${APP_NAMESPACE}/documents"
background = true
EOF
chmod -R a+rX "$IT_WORK"
chmod a+x "$IT_WORK"
export PXTC_BIN_DIR="$prefix/bin" PXTC_STACK_NO_DEMO=1 PXTC="$prefix/bin/pxtc"
export SERVER_WORKERS=2 SERVER_SERVICE_FILE="$IT_WORK/service.toml"
export PIXELTABLE_UDF_DIR="$prefix/lib/pxtc/udfs" SERVER_UDF_TIMEOUT_S=5
# the tables test/boom_* (a computed column calling the test module's boom())
"$PXT_TEST_COMPUTE" >/dev/null 2>&1 || fail "test_compute"
SERVER_PORT=$(free_port) || fail "no free port"
export SERVER_PORT
URL="http://127.0.0.1:$SERVER_PORT"
it_extra_cleanup() { "$STACK" stop >/dev/null 2>&1; }
stack_start

field() { python3 -c 'import json,sys; v=json.loads(sys.argv[1]); [v:=v[k] for k in sys.argv[2].split(".")]; print(v if not isinstance(v,(dict,list)) else json.dumps(v))' "$1" "$2"; }
post() { curl -s -w '\n%{http_code}' -H 'Content-Type: application/json' --data-binary "$2" "$URL$1"; }
JOBS="$URL/api/later/_pxt/jobs"
# wait_job ID - until the job is done or failed (20 s); prints its status document
wait_job() {
	local out
	for _ in $(seq 200); do
		out=$(curl -s "$JOBS/$1")
		case $(field "$out" status) in done|error) echo "$out"; return 0 ;; esac
		sleep 0.1
	done
	fail "job $1 did not finish: $out"
}

# ---- one job: 200 {id, job_url} at once, pending, then done with the route's answer
# (boom() takes 1 s for "slow...": the job is followed at once, still pending)
out=$(post /api/later/boom '{"s": "slow quiet"}')
body=$(head -n1 <<<"$out")
id=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$body")
doc=$(curl -s "$JOBS/$id")
[ "$(tail -n1 <<<"$out")" = 200 ] || fail "background answer: $out"
[ "$(field "$body" job_url)" = "$JOBS/$id" ] || fail "job_url: $body"
[ "$(python3 -c 'import json,sys; print(sorted(json.loads(sys.argv[1])))' "$body")" = "['id', 'job_url']" ] ||
	fail "background answer fields: $body"
[ "$(field "$doc" status)" = pending ] && [ "$(field "$doc" result)" = None ] &&
	[ "$(field "$doc" error)" = None ] || fail "pending job: $doc"
doc=$(wait_job "$id")
[ "$(field "$doc" status)" = done ] && [ "$(field "$doc" result.b)" = "SLOW QUIET" ] &&
	[ "$(field "$doc" error)" = None ] || fail "job result: $doc"
# the older path answers the same document
[ "$(curl -s "$URL/jobs/$id")" = "$doc" ] || fail "GET /jobs/{id}: $(curl -s "$URL/jobs/$id")"
# job_url as nginx forwards the request: X-Forwarded-Proto / X-Forwarded-Host (the
# first of a list), else Host; a value a host cannot hold is skipped
hdr() { curl -s -H 'Content-Type: application/json' "$@" --data-binary '{"s": "hdr"}' "$URL/api/later/boom"; }
u=$(field "$(hdr -H 'X-Forwarded-Proto: https' -H 'X-Forwarded-Host: api.example.com, proxy.local')" job_url)
[[ $u == https://api.example.com/api/later/_pxt/jobs/* ]] || fail "forwarded job_url: $u"
u=$(field "$(hdr -H 'X-Forwarded-Host: evil.com/x' -H 'Host: pxtc.test:8443')" job_url)
[[ $u == http://pxtc.test:8443/api/later/_pxt/jobs/* ]] || fail "job_url with a bad forwarded host: $u"
# (HTTP/1.0 without Host: the address and port nginx listens on)
u=$(field "$(hdr -0 -H 'Host:' -H 'X-Forwarded-Proto: gopher' -H 'X-Forwarded-Host: a b')" job_url)
[[ $u == http://127.0.0.1:$SERVER_PORT/api/later/_pxt/jobs/* ]] || fail "job_url without a host: $u"
[ "$(q "SELECT count(*) FROM pxt_data.\"test/boom_abort\" WHERE s = 'slow quiet'")" = 1 ] || fail "job row"

# ---- the same Idempotency-Key twice: one job, the first 202 answered again
k="job-$(date +%s%N)"
a=$(curl -s -H 'Content-Type: application/json' -H "Idempotency-Key: $k" --data '{"s": "once"}' "$URL/api/later/boom")
b=$(curl -s -D "$IT_WORK/head" -H 'Content-Type: application/json' -H "Idempotency-Key: $k" --data '{"s": "once"}' "$URL/api/later/boom")
[ "$a" = "$b" ] || fail "replayed answer differs: $a / $b"
grep -qi '^Idempotent-Replayed: true' "$IT_WORK/head" || fail "no Idempotent-Replayed"
wait_job "$(field "$a" id)" >/dev/null
[ "$(q "SELECT count(*) FROM pxt_data.\"test/boom_abort\" WHERE s = 'once'")" = 1 ] || fail "two jobs for one key"

# ---- the catalog changes under an idle runner (the test tables are made again): the
# runner reloads on the NOTIFY, so the next job writes the new table
sleep 2.5
"$PXT_TEST_COMPUTE" >/dev/null 2>&1 || fail "test_compute again"
out=$(post /api/later/boom '{"s": "after change"}')
doc=$(wait_job "$(field "$(head -n1 <<<"$out")" id)")
[ "$(field "$doc" status)" = done ] && [ "$(field "$doc" result.b)" = "AFTER CHANGE" ] || fail "job after a catalog change: $doc"
grep -q "catalog changed" "$PIXELTABLE_HOME/logs/jobs.log" || fail "the runner did not reload"

# ---- a job whose route fails: error, with the message and the error's detail, and
# nothing written
out=$(post /api/later/boom '{"s": "fail"}')
doc=$(wait_job "$(field "$(head -n1 <<<"$out")" id)")
[ "$(field "$doc" status)" = error ] && [ "$(field "$doc" http_status)" = 422 ] &&
	[ "$(field "$doc" result)" = None ] || fail "failed job: $doc"
grep -q "boom refuses" <<<"$(field "$doc" error)" || fail "job error: $doc"
[ "$(field "$doc" error_detail.error_code)" = validation_error ] &&
	[ "$(field "$doc" error_detail.retryable)" = False ] || fail "job error_detail: $doc"
[ "$(q "SELECT count(*) FROM pxt_data.\"test/boom_abort\" WHERE s = 'fail'")" = 0 ] || fail "failed job wrote"
# a malformed body is refused at once, an unknown job is 404
out=$(post /api/later/boom '{"s": ')
[ "$(tail -n1 <<<"$out")" = 400 ] || fail "malformed background body: $out"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$JOBS/01a20a89-0000-7000-8000-000000000000")" = 404 ] || fail "unknown job"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$JOBS/nope")" = 404 ] || fail "malformed job id"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/jobs/nope")" = 404 ] || fail "malformed job id (older path)"

# ---- kill -9 of every worker and the runner with jobs pending (boom() takes 1 s for
# "slow...", so one job is in flight and the others wait when the kill comes)
# (the posts of a batch go out at once, so a loaded machine, where one post takes longer
# than a job, still queues them; another batch while fewer than 3 wait, at most 4)
ids=()
n=0
queued() { q "SELECT count(*) FROM pxt_catalog.jobs WHERE status = 'queued' AND body LIKE '%slow%'"; }
while [ $n -lt 12 ] || { [ "$(queued)" -lt 3 ] && [ $n -lt 48 ]; }; do
	posts=()
	for _ in $(seq 12); do
		n=$((n + 1))
		post /api/later/boom "{\"s\": \"slow$n\"}" >"$IT_WORK/slow.$n" &
		posts+=($!)
	done
	wait "${posts[@]}"
done
mw=$(cat "$PIXELTABLE_HOME/run/workers.pid")
jw=$(cat "$PIXELTABLE_HOME/run/jobs.pid")
[ "$(queued)" -ge 2 ] || fail "no job pending at the kill: $(q "SELECT status, http_status, body, error FROM pxt_catalog.jobs ORDER BY created_at DESC LIMIT 3")"
kill -9 $(pgrep -P "$mw") $(pgrep -P "$jw") 2>/dev/null || true
# the ids are read after the kill: reading them takes longer than a job on a loaded machine
for i in $(seq "$n"); do
	ids+=("$(field "$(head -n1 "$IT_WORK/slow.$i")" id)")
done
for id in "${ids[@]}"; do
	doc=$(wait_job "$id")
	[ "$(field "$doc" status)" = done ] || fail "after kill: $doc"
done
for i in $(seq "$n"); do
	[ "$(q "SELECT count(*) FROM pxt_data.\"test/boom_abort\" WHERE s = 'slow$i'")" = 1 ] ||
		fail "job slow$i ran $(q "SELECT count(*) FROM pxt_data.\"test/boom_abort\" WHERE s = 'slow$i'") times"
done
for _ in $(seq 50); do
	[ "$(pgrep -P "$jw" | wc -l)" = 1 ] && break
	sleep 0.1
done
[ "$(pgrep -P "$jw" | wc -l)" = 1 ] || fail "runner not respawned: $(ps -o pid,ppid,args -g "$jw")"

# ---- a runner killed in the middle of a job: the job runs again, once
out=$(post /api/later/boom '{"s": "hang"}')
hid=$(field "$(head -n1 <<<"$out")" id)
for _ in $(seq 50); do
	[ "$(q "SELECT count(*) FROM pxt_catalog.job_attempts WHERE job_id = '$hid'")" -ge 1 ] && break
	sleep 0.1
done
kill -9 $(pgrep -P "$jw") 2>/dev/null || true
# "hang" never finishes: each attempt ends with the alarm, then the job gives up
doc=$(for _ in $(seq 120); do d=$(curl -s "$JOBS/$hid"); [ "$(field "$d" status)" = error ] && { echo "$d"; break; }; sleep 0.5; done)
[ -n "$doc" ] || fail "the hanging job never gave up: $(curl -s "$JOBS/$hid")"
grep -q "started 3 times" <<<"$doc" || fail "attempts: $doc"

# ---- jobs queued while the runner is down survive a restart of the whole stack
"$STACK" stop >/dev/null 2>&1
"$PXTC" db start >/dev/null
q "INSERT INTO pxt_catalog.jobs (method, path, body) VALUES ('POST', '/api/later/boom', '{\"s\": \"offline\"}')"
# (and with [jobs] ttl_s = 1 this time, finished jobs are removed a second later)
JOBS_TTL_S=1 stack_start "$IT_WORK/start2.log"
for _ in $(seq 100); do
	[ "$(q "SELECT status FROM pxt_catalog.jobs WHERE body LIKE '%offline%'")" = done ] && break
	sleep 0.1
done
[ "$(q "SELECT count(*) FROM pxt_data.\"test/boom_abort\" WHERE s = 'offline'")" = 1 ] || fail "job after restart"
for _ in $(seq 100); do
	[ "$(q "SELECT count(*) FROM pxt_catalog.jobs")" = 0 ] && break
	sleep 0.1
done
[ "$(q "SELECT count(*) FROM pxt_catalog.jobs")" = 0 ] || fail "finished jobs not expired: $(q "SELECT status, finished_at FROM pxt_catalog.jobs")"
[ "$(q "SELECT count(*) FROM pxt_catalog.job_attempts")" = 0 ] || fail "attempts of expired jobs left"
