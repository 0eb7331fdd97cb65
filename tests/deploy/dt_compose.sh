#!/usr/bin/env bash
# dt_compose.sh - deploy/compose/docker-compose.yml, run for real: Debian's docker-compose
# 1.29 against podman's Docker API, with tests/deploy/compose.test.yml putting every
# service on the host network and loopback ports, the prebuilt image
# localhost/pxtc-slim:test and the PostgreSQL 15 test image (tests/deploy/postgres/).
#
# Proves, failing otherwise:
#   - .env.example documents every key (a comment line above each), the compose file
#     uses no variable it does not list and it lists none the file does not use, and
#     `docker-compose config -q` takes the file with it (and fails naming
#     POSTGRES_PASSWORD without it);
#   - `up` starts the stack in the documented order, read from the containers' own
#     times: postgres healthy before setup started, setup exited 0 before the workers
#     started, nginx after the workers; from `up` to the first healthy /api/health
#     in under 20 s (PXTC_COMPOSE_START_BUDGET_S), the images built (printed only,
#     when the machine's load average exceeds its cores);
#   - a document uploaded through nginx is listed; an image's signed /media/ preview
#     URL (signed by the workers, checked by nginx, served from the shared home volume)
#     answers the PNG and a tampered one 403; `docker-compose restart workers` keeps
#     the rows;
#   - scale-out against the one PostgreSQL (compose.scale.yml): a second workers
#     service and nginx with a home of their own (a second host) find by search a
#     document inserted through the first nginx; a third workers service on the
#     stack's home beside its workers (what --scale workers=2 runs) keeps running with
#     them, and an nginx listing both in PXTC_FCGI_UPSTREAM finds it through either
#     and serves the shared home's signed media;
#   - an external PostgreSQL (PXTC_DB_URL) as README.md says: a second project started
#     with `up --no-deps setup workers nginx` runs no postgres of its own, keeps the
#     setup -> workers order and serves the same rows;
#   - `down -v` leaves no container and no volume of either project.
# Needs root, podman and docker-compose (tests/deploy/podman-env.sh); the image comes
# from tests/deploy/image.sh (run here when it is missing).
source "$(dirname "$0")/lib.sh"

SRC=${PXT_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
COMPOSE_DIR=$SRC/deploy/compose
DEPLOY_DIR=$SRC/tests/deploy
PXTC_TEST_IMAGE=localhost/pxtc-slim:test
# from `up` to the first healthy /api/health, the images built (issue 15's target)
START_BUDGET_S=${PXTC_COMPOSE_START_BUDGET_S:-20}

dt_need_root_tools podman docker-compose curl node

# json FILE EXPR - print the JavaScript expression EXPR over FILE's JSON (bound to d);
# fails when it is undefined or null, or the file is not JSON
json() {
	node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
	    const v = eval(process.argv[2]); if (v === undefined || v === null) process.exit(1);
	    console.log(typeof v === "object" ? JSON.stringify(v) : String(v));' "$1" "$2"
}

# ---------------------------------------------------------------- .env.example

# env_keys FILE - the keys FILE sets or shows commented out (KEY=... or # KEY=...)
env_keys() { sed -n -E 's/^(# )?([A-Z][A-Z0-9_]*)=.*/\2/p' "$1"; }

# check_env_example - every key documented and used, every variable listed; config -q
check_env_example() {
	local ex=$COMPOSE_DIR/.env.example yml=$COMPOSE_DIR/docker-compose.yml
	local prev="" line key n=0 used listed k all
	while IFS= read -r line; do
		if [[ $line =~ ^(#\ )?([A-Z][A-Z0-9_]*)= ]]; then
			key=${BASH_REMATCH[2]}
			# the line above is prose: a comment, not a key, not a section rule
			if [[ ! $prev =~ ^#\ [^-] || $prev =~ ^#\ [A-Z][A-Z0-9_]*= ]]; then
				dt_fail ".env.example: $key has no comment line above it"
			fi
			n=$((n + 1))
		fi
		prev=$line
	done <"$ex"
	listed=$(env_keys "$ex" | sort)
	[[ -z $(uniq -d <<<"$listed") ]] || dt_fail ".env.example lists twice: $(uniq -d <<<"$listed")"
	# ${VAR...} (not $${VAR}, the container's own) and bare keys of environment maps
	used=$( { grep -oP '(?<!\$)\$\{\K[A-Za-z_][A-Za-z0-9_]*' "$yml"
	    grep -oP '^\s+\K[A-Z][A-Z0-9_]*(?=:\s*$)' "$yml"; } | sort -u)
	for k in $used; do
		grep -qx "$k" <<<"$listed" || dt_fail "docker-compose.yml uses $k, which .env.example does not list"
	done
	for k in $listed; do
		[[ $k == COMPOSE_* ]] && continue
		grep -qx "$k" <<<"$used" || dt_fail ".env.example lists $k, which docker-compose.yml does not use"
	done
	env -i PATH="$PATH" docker-compose --env-file "$ex" -f "$yml" config -q ||
	    dt_fail "docker-compose config -q with .env.example"
	# every key set at once (the commented ones too): each pxtc setting reaches the
	# workers' environment
	all=$TMP/all.env
	sed -E 's/^# ([A-Z][A-Z0-9_]*=)/\1/' "$ex" >"$all"
	env -i PATH="$PATH" docker-compose --env-file "$all" -f "$yml" config >"$TMP/all.yml" ||
	    dt_fail "docker-compose config with every key of .env.example set"
	for k in $(grep -oP '^\s+\K[A-Z][A-Z0-9_]*(?=:\s*$)' "$yml" | sort -u); do
		grep -q "^      $k: " "$TMP/all.yml" || dt_fail "$k set in .env does not reach the services"
	done
	grep -q 'PIXELTABLE_DB_CONNECT_STR: postgresql://pxtc:secret@db' "$TMP/all.yml" ||
	    dt_fail "PXTC_DB_URL does not become PIXELTABLE_DB_CONNECT_STR"
	grep -q 'PIXELTABLE_OUTPUT_MEDIA_DEST: s3://my-bucket/pxtc' "$TMP/all.yml" ||
	    dt_fail "PXTC_MEDIA_DEST does not become PIXELTABLE_OUTPUT_MEDIA_DEST"
	grep -v '^POSTGRES_PASSWORD=' "$ex" >"$TMP/nopw.env"
	if env -i PATH="$PATH" docker-compose --env-file "$TMP/nopw.env" -f "$yml" config -q \
	    2>"$TMP/nopw.err"; then
		dt_fail "docker-compose config accepted a .env without POSTGRES_PASSWORD"
	fi
	grep -q 'set POSTGRES_PASSWORD in .env' "$TMP/nopw.err" ||
	    dt_fail "no POSTGRES_PASSWORD: the message does not say so: $(cat "$TMP/nopw.err")"
	dt_say ".env.example: $n keys, each documented; the file uses $(wc -w <<<"$used") of them; config -q ok"
}

# ---------------------------------------------------------------- the stack

dt_tmpdir TMP
check_env_example

if ! podman image exists "$PXTC_TEST_IMAGE"; then
	[[ -f $DEPLOY_DIR/image.sh ]] || dt_fail "$PXTC_TEST_IMAGE is missing and so is tests/deploy/image.sh"
	dt_say "building the images (tests/deploy/image.sh)"
	bash "$DEPLOY_DIR/image.sh" >"$TMP/image.log" 2>&1 || {
		tail -n 40 "$TMP/image.log" >&2
		dt_fail "tests/deploy/image.sh"
	}
fi
dt_build_test_postgres "$TMP/postgres-build.log"

dt_podman_service_start "$TMP"
P=dtcompose$$$RANDOM
P2=${P}ext
dt_health_driver_start "label=com.docker.compose.project=$P" "$TMP"

# Ports: PostgreSQL, then the workers and nginx of the stack, of the two scale-out
# pairs, and of the external-database project
for v in DT_PG_PORT DT_FCGI_PORT DT_HTTP_PORT DT_FCGI_PORT2 DT_HTTP_PORT2 \
    DT_FCGI_PORT3 DT_HTTP_PORT3 EXT_FCGI_PORT EXT_HTTP_PORT; do
	dt_free_port "$v" || dt_fail "no free loopback port"
done
export DT_PG_PORT DT_FCGI_PORT DT_HTTP_PORT DT_FCGI_PORT2 DT_HTTP_PORT2 DT_FCGI_PORT3 \
    DT_HTTP_PORT3
URL1=http://127.0.0.1:$DT_HTTP_PORT
URL2=http://127.0.0.1:$DT_HTTP_PORT2
URL3=http://127.0.0.1:$DT_HTTP_PORT3

# The settings, as a user's .env; nothing else of the caller's environment reaches the
# services (the keys .env.example lists are unset here)
for k in $(env_keys "$COMPOSE_DIR/.env.example"); do unset "$k"; done
ENVF=$TMP/test.env
cat >"$ENVF" <<EOF
PXTC_IMAGE=$PXTC_TEST_IMAGE
PXTC_POSTGRES_IMAGE=$DT_PG_IMAGE
POSTGRES_USER=pxtc
POSTGRES_PASSWORD=pw-$RANDOM$RANDOM
POSTGRES_DB=pxtc
SERVER_WORKERS=2
PXTC_WAIT_TIMEOUT_S=120
EOF

# The compose file as shipped, but for nginx's published port: host networking has no
# port mapping (docker-compose refuses both), nginx listens on DT_HTTP_PORT itself
DERIVED=$TMP/docker-compose.yml
awk '/^    ports:$/ { skip = 1; next } skip && /^      - / { next } { skip = 0; print }' \
    "$COMPOSE_DIR/docker-compose.yml" >"$DERIVED"
[[ $(diff "$COMPOSE_DIR/docker-compose.yml" "$DERIVED" | grep -c '^<') -eq 2 &&
   $(diff "$COMPOSE_DIR/docker-compose.yml" "$DERIVED" | grep -c '^>') -eq 0 ]] ||
    dt_fail "the test's copy of docker-compose.yml differs by more than nginx's ports"

# dc ARG... - docker-compose on the stack (the file, the test override)
dc() {
	docker-compose --env-file "$ENVF" --project-directory "$COMPOSE_DIR" -p "$P" \
	    -f "$DERIVED" -f "$DEPLOY_DIR/compose.test.yml" "$@"
}
# dcs ARG... - the same with the scale-out services (compose.scale.yml)
dcs() { dc -f "$DEPLOY_DIR/compose.scale.yml" "$@"; }
# dc_ext ARG... - the external-database project: PXTC_DB_URL names the stack's PostgreSQL
dc_ext() {
	PXTC_DB_URL=postgresql://127.0.0.1:$DT_PG_PORT DT_FCGI_PORT=$EXT_FCGI_PORT \
	DT_HTTP_PORT=$EXT_HTTP_PORT docker-compose --env-file "$ENVF" \
	    --project-directory "$COMPOSE_DIR" -p "$P2" -f "$DERIVED" \
	    -f "$DEPLOY_DIR/compose.test.yml" "$@"
}

# show_logs - the services' last lines (on a failure)
show_logs() {
	dcs logs --no-color --tail=60 >&2 2>&1 || true
	dc_ext logs --no-color --tail=30 >&2 2>&1 || true
}
dt_on_exit '[[ $DT_EXIT_RC -eq 0 ]] || show_logs
	dc_ext down -v --remove-orphans -t 10 >/dev/null 2>&1
	dcs down -v --remove-orphans -t 10 >/dev/null 2>&1'

# cid SERVICE [PROJECT] - the name of SERVICE's first container (docker-compose 1.x
# names them PROJECT_SERVICE_1; asking podman directly is much quicker than compose)
cid() { printf '%s_%s_1\n' "${2:-$P}" "$1"; }
# started SERVICE [PROJECT] / finished SERVICE [PROJECT] - in epoch seconds
started() { dt_epoch "$(dt_inspect "$(cid "$@")" '{{.State.StartedAt}}')"; }
finished() { dt_epoch "$(dt_inspect "$(cid "$@")" '{{.State.FinishedAt}}')"; }
# containers PROJECT [SERVICE] - the ids of the project's containers (of SERVICE)
containers() {
	podman ps -a -q --filter "label=com.docker.compose.project=$1" \
	    ${2:+--filter "label=com.docker.compose.service=$2"}
}
# before A B WHAT - A < B (epoch seconds), or fail saying WHAT
before() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }' ||
	    dt_fail "start order: $3 ($1 is not before $2)"
}

dt_say "project $P: up (postgres :$DT_PG_PORT, workers :$DT_FCGI_PORT, nginx :$DT_HTTP_PORT)"
t0=$(dt_now)
dc up -d --no-build >"$TMP/up.log" 2>&1 || { cat "$TMP/up.log" >&2; dt_fail "docker-compose up"; }
t_up=$(dt_now)
dt_wait_url "$URL1/api/health" 90 || dt_fail "no healthy /api/health within 90 s of up"
t_health=$(dt_now)
startup=$(dt_elapsed "$t0" "$t_health")
read -r load _ </proc/loadavg

# the order, from the containers' times
pg_name=$(cid postgres)
[[ -s $TMP/healthy.$pg_name ]] || dt_fail "postgres was never seen healthy"
dt_say "up -> first healthy /api/health: ${startup} s (seconds after up: postgres started" \
    "$(dt_elapsed "$t0" "$(started postgres)"), healthy $(dt_elapsed "$t0" "$(<"$TMP/healthy.$pg_name")")," \
    "setup $(dt_elapsed "$t0" "$(started setup)")-$(dt_elapsed "$t0" "$(finished setup)")," \
    "workers $(dt_elapsed "$t0" "$(started workers)"), nginx $(dt_elapsed "$t0" "$(started nginx)")," \
    "up returned $(dt_elapsed "$t0" "$t_up"))"
[[ $(dt_inspect "$(cid postgres)" '{{.Config.Image}}') == *pxtc-test-postgres:15 ]] ||
    dt_fail "postgres does not run $DT_PG_IMAGE"
[[ $(dt_inspect "$(cid setup)" '{{.State.Status}} {{.State.ExitCode}}') == "exited 0" ]] ||
    dt_fail "setup: $(dt_inspect "$(cid setup)" '{{.State.Status}} exit {{.State.ExitCode}}')"
before "$(<"$TMP/healthy.$pg_name")" "$(started setup)" "postgres healthy before setup started"
before "$(finished setup)" "$(started workers)" "setup finished before the workers started"
before "$(started workers)" "$(started nginx)" "the workers started before nginx"
dt_say "order: postgres healthy -> setup exited 0 -> workers -> nginx (container times)"
# the budget holds on a machine doing nothing else: with more runnable processes than
# cores (other builds, other tests) the time is reported, not judged
if awk -v l="$load" -v n="$(nproc)" 'BEGIN { exit !(l > n) }'; then
	dt_say "note: load average $load on $(nproc) cores: ${startup} s not held to the ${START_BUDGET_S} s budget"
else
	awk -v s="$startup" -v b="$START_BUDGET_S" 'BEGIN { exit !(s < b) }' ||
	    dt_fail "up -> first healthy /api/health took ${startup} s, over ${START_BUDGET_S} s"
fi

# a document, uploaded; listed
nonce1=composeone$RANDOM$RANDOM
{ cat "$SRC/deploy/local/demo/pxtc-overview.md"; printf '\nThe %s marker.\n' "$nonce1"; } >"$TMP/one.md"
code=$(curl -sS -o "$TMP/doc1.json" -w '%{http_code}' --max-time 60 \
    -F "document=@$TMP/one.md;type=text/markdown" -F 'metadata={"source":"dt_compose"}' \
    "$URL1/api/data/documents")
[[ $code == 200 ]] || dt_fail "POST /api/data/documents: $code $(cat "$TMP/doc1.json")"
uuid1=$(json "$TMP/doc1.json" d.uuid) || dt_fail "no uuid in $(cat "$TMP/doc1.json")"
curl -sS --max-time 30 "$URL1/api/data/documents?limit=50" >"$TMP/list1.json"
json "$TMP/list1.json" "d.rows.some(r => r.uuid === '$uuid1') || null" >/dev/null ||
    dt_fail "the document $uuid1 is not listed: $(cat "$TMP/list1.json")"
dt_say "document $uuid1 inserted and listed"

# an image: its preview is a signed /media/ URL the workers made and nginx serves
code=$(curl -sS -o "$TMP/img.json" -w '%{http_code}' --max-time 60 \
    -F "image=@$SRC/deploy/local/demo/sunset.png;type=image/png" "$URL1/api/data/images")
[[ $code == 200 ]] || dt_fail "POST /api/data/images: $code $(cat "$TMP/img.json")"
preview=$(json "$TMP/img.json" d.preview) || dt_fail "no preview in $(cat "$TMP/img.json")"
[[ $preview == "$URL1/media/"* ]] || dt_fail "preview $preview is not a /media/ URL of nginx"
code=$(curl -sS -o "$TMP/preview.png" -w '%{http_code} %{content_type}' --max-time 30 "$preview")
[[ $code == "200 image/png" ]] || dt_fail "GET the preview: $code"
[[ $(head -c 8 "$TMP/preview.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] ||
    dt_fail "the preview is not a PNG"
# the signature is the segment after the expiry: change its first character
sig=${preview#"$URL1/media/"*/}
sig=${sig%%/*}
bad=${sig:0:1}
[[ $bad == A ]] && bad=B || bad=A
tampered=${preview/\/$sig\//\/$bad${sig:1}\/}
[[ $(dt_http_code "$tampered") == 403 ]] || dt_fail "a tampered media URL was not refused with 403"
dt_say "media: the signed preview answers the PNG, a tampered signature 403"

# the workers restarted: the rows are still there
w_before=$(started workers)
dc restart workers >"$TMP/restart.log" 2>&1 || { cat "$TMP/restart.log" >&2; dt_fail "restart workers"; }
before "$w_before" "$(started workers)" "the workers container started again"
dt_wait_url "$URL1/api/health" 60 || dt_fail "no healthy /api/health after restarting the workers"
curl -sS --max-time 30 "$URL1/api/data/documents?limit=50" >"$TMP/list2.json"
json "$TMP/list2.json" "d.rows.some(r => r.uuid === '$uuid1') || null" >/dev/null ||
    dt_fail "the document $uuid1 is gone after restarting the workers"
dt_say "restart workers: the document is still listed"

# search URL QUERY MODE - POST /api/search/chunks through URL into $TMP/search.json;
# prints the first result's document uuid (fails on another status or no result)
search() {
	local code
	code=$(curl -sS -o "$TMP/search.json" -w '%{http_code}' --max-time 30 \
	    -H 'Content-Type: application/json' \
	    -d "{\"query\": \"$2\", \"limit\": 3, \"mode\": \"$3\"}" "$1/api/search/chunks")
	[[ $code == 200 ]] || dt_fail "POST $1/api/search/chunks: $code $(cat "$TMP/search.json")"
	json "$TMP/search.json" 'd.results[0].document.uuid' ||
	    dt_fail "$1 finds nothing for $2 ($3): $(cat "$TMP/search.json")"
}

# scale-out, the one database: workers2 + nginx2 with a home of their own (a second
# host); workers3 beside the workers on their home (--scale) and nginx3 listing both
dt_say "scale-out: workers2 :$DT_FCGI_PORT2 + nginx2 :$DT_HTTP_PORT2 (own home)," \
    "workers3 :$DT_FCGI_PORT3 + nginx3 :$DT_HTTP_PORT3 (shared home)"
w1_started=$(dt_inspect "$(cid workers)" '{{.State.StartedAt}}')
dcs up -d --no-build workers2 nginx2 workers3 nginx3 >"$TMP/up2.log" 2>&1 || {
	cat "$TMP/up2.log" >&2
	dt_fail "docker-compose up workers2 nginx2 workers3 nginx3"
}
dt_wait_url "$URL2/api/health" 90 || dt_fail "no healthy /api/health from nginx2"
dt_wait_url "$URL3/api/health" 90 || dt_fail "no healthy /api/health from nginx3"
w3_started=$(dt_inspect "$(cid workers3)" '{{.State.StartedAt}}')
[[ $(dt_inspect "$(cid workers2)" '{{range .Mounts}}{{.Name}} {{end}}') == *"${P}_home2"* ]] ||
    dt_fail "workers2 does not run on its own home volume"
# the two workers containers on one home keep running side by side (each role checks
# its processes every 2 s: give them time to notice anything)
until awk -v e="$(dt_elapsed "$(dt_epoch "$w3_started")")" 'BEGIN { exit !(e >= 8) }'; do
	sleep 1
done
for c in "$(cid workers):$w1_started" "$(cid workers3):$w3_started"; do
	[[ $(dt_inspect "${c%%:*}" '{{.State.Status}} {{.State.StartedAt}}') == "running ${c#*:}" ]] ||
	    dt_fail "${c%%:*} did not keep running beside the other workers on the shared home" \
	        "(started ${c#*:}; now $(dt_inspect "${c%%:*}" \
	        '{{.State.Status}} since {{.State.StartedAt}}, {{.RestartCount}} restarts'))"
done
dt_say "scale-out: workers and workers3 share the home and keep running"
nonce2=composetwo$RANDOM$RANDOM
{ cat "$SRC/deploy/local/demo/multimodal-data.txt"; printf '\nThe %s marker.\n' "$nonce2"; } >"$TMP/two.txt"
code=$(curl -sS -o "$TMP/doc2.json" -w '%{http_code}' --max-time 60 \
    -F "document=@$TMP/two.txt;type=text/plain" -F 'metadata={"source":"dt_compose"}' \
    "$URL1/api/data/documents")
[[ $code == 200 ]] || dt_fail "POST /api/data/documents (second): $code $(cat "$TMP/doc2.json")"
uuid2=$(json "$TMP/doc2.json" d.uuid) || dt_fail "no uuid in $(cat "$TMP/doc2.json")"
for mode in keyword hybrid; do
	got=$(search "$URL2" "$nonce2" "$mode")
	[[ $got == "$uuid2" ]] || dt_fail "nginx2's first $mode result is $got, not $uuid2"
done
curl -sS --max-time 30 "$URL2/api/data/documents?limit=50" >"$TMP/list3.json"
json "$TMP/list3.json" "d.rows.some(r => r.uuid === '$uuid1') || null" >/dev/null ||
    dt_fail "nginx2 does not list the first document"
dt_say "scale-out: a document inserted through nginx is found by search through nginx2"
# nginx3 spreads requests over the workers and workers3 (round robin): each finds it
for i in 1 2 3 4 5 6; do
	got=$(search "$URL3" "$nonce2" keyword)
	[[ $got == "$uuid2" ]] || dt_fail "nginx3 (request $i) found $got, not $uuid2"
done
[[ $(dt_http_code "${preview/#$URL1/$URL3}") == 200 ]] ||
    dt_fail "nginx3, on the shared home, does not serve the workers' signed preview"
dt_say "scale-out: nginx3 reaches the workers on the shared home and serves its media"

# an external PostgreSQL: a second project without postgres, PXTC_DB_URL set
dt_say "external database: project $P2 (workers :$EXT_FCGI_PORT, nginx :$EXT_HTTP_PORT)"
dc_ext up -d --no-build --no-deps setup workers nginx >"$TMP/up3.log" 2>&1 || {
	cat "$TMP/up3.log" >&2
	dt_fail "docker-compose up --no-deps setup workers nginx (PXTC_DB_URL)"
}
dt_wait_url "http://127.0.0.1:$EXT_HTTP_PORT/api/health" 90 ||
    dt_fail "no healthy /api/health from the external-database project"
[[ -n $(containers "$P2" workers) && -z $(containers "$P2" postgres) ]] ||
    dt_fail "the external-database project runs a postgres (or no workers)"
before "$(finished setup "$P2")" "$(started workers "$P2")" \
    "external database: setup finished before the workers started"
curl -sS --max-time 30 "http://127.0.0.1:$EXT_HTTP_PORT/api/data/documents?limit=50" >"$TMP/list4.json"
json "$TMP/list4.json" "d.rows.some(r => r.uuid === '$uuid2') || null" >/dev/null ||
    dt_fail "the external-database project does not list the documents"
dt_say "external database: no postgres of its own, the same rows"

# down -v: nothing of either project is left
dc_ext down -v --remove-orphans -t 10 >"$TMP/down.log" 2>&1 || { cat "$TMP/down.log" >&2; dt_fail "down (external)"; }
dcs down -v --remove-orphans -t 10 >"$TMP/down.log" 2>&1 || { cat "$TMP/down.log" >&2; dt_fail "down"; }
for p in "$P" "$P2"; do
	left=$(containers "$p")
	[[ -z $left ]] || dt_fail "down -v left containers of $p: $left"
	left=$(podman volume ls -q | grep "^${p}_" || true)
	[[ -z $left ]] || dt_fail "down -v left volumes: $left"
done
dt_say "down -v: no container, no volume left"
dt_say "total $(dt_elapsed "$t0") s from the first up; startup ${startup} s"
