#!/usr/bin/env bash
# dt_kube_play.sh - the Helm chart's rendered Deployment runs for real under
# `podman kube play` (no Kubernetes here), in both modes, on the images
# tests/deploy/image.sh builds (localhost/pxtc:test, localhost/pxtc-slim:test):
#
#   external  a PostgreSQL 15 this test starts on the host (initdb/pg_ctl as the
#             unprivileged user nobody, a free loopback port); the setup Job runs
#             first, then the Deployment (workers + nginx) answers /api/health, takes a
#             document upload and lists it; a database outage makes /api/health fail
#             while `pxtc serve live` (the liveness probe) still passes in both
#             containers, and the pod serves again once the database is back;
#   embedded  the setup init container on the claim's volume, then the Deployment on
#             the embedded PostgreSQL; a document inserted, the pod removed and played
#             again on the same volume: the document is still there.
# In both: processes run as uid 10001 and none as root, the root file system is
# read-only, nginx sees the workers' socket on the shared emptyDir, the service file
# comes from the ConfigMap (SERVER_SERVICE_FILE), secrets reach the containers from
# the Secret. The rendering is validated (k8s-validate.mjs) before it is played.
#
# podman 4.3.1 limitations and what this test does about them (kube-play-prep.mjs
# makes the files; the objects are otherwise the chart's as rendered):
#   - it runs no Jobs: the setup Job's pod template is played as a Pod with
#     restartPolicy Never, and the test waits for it to exit 0;
#   - it restarts a finished init container of a Deployment's pod and then fails to
#     remove it: the `setup` init container is played as its own Pod first on the same
#     volume, and the Deployment without it;
#   - it stores a played Secret as YAML but reads secrets as JSON: the Secrets are
#     made with `podman secret create` (JSON) instead of being played;
#   - it makes each emptyDir a named volume called as the pod's volume ("home"), shared
#     by every pod naming one alike: the played pods' emptyDir volumes are renamed
#     after the pod, private to it as in Kubernetes;
#   - it has no volumeMounts.subPath: the test values leave config.toml empty (the
#     chart then mounts none; dt_helm.sh checks that mount in the rendering);
#   - it refuses containerPort entries on the host network ("PortMappings can only be
#     used with Bridge or slirp4netns networking"): the played containers have no
#     `ports` (nginx listens on server.port all the same);
#   - it ignores pod-level securityContext, readiness and startup probes, preStop
#     hooks; the test checks the user, the read-only root file system and the probe
#     commands itself, and readiness by GET /api/health.
# Environment: PXT_SOURCE_DIR, PXT_BUILD_DIR (ctest sets both). PXTC_IMAGES_BUILT=1
# uses the images as they are instead of running tests/deploy/image.sh first (it says
# so). Needs root (rootful podman), tests/deploy/podman-env.sh run once.
# shellcheck disable=SC2015,SC2016  # `check && pass || fail`: pass never fails; JS in quotes
set -euo pipefail

SRC=${PXT_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${PXT_BUILD_DIR:-$SRC/build}
CHART=$SRC/deploy/helm/pxtc
TESTS=$SRC/tests/deploy
RENDER=$BUILD/deploy/helm-render
PG_BIN=/usr/lib/postgresql/15/bin
FULL=localhost/pxtc:test
SLIM=localhost/pxtc-slim:test
RUN_ID=kp$$
WORK=$(mktemp -d)
chmod 755 "$WORK"
PASSED=0
FAILED=0
PG_DATA=""

say() { printf 'dt_kube_play: %s\n' "$*"; }
die() { printf 'dt_kube_play: error: %s\n' "$*" >&2; exit 1; }
pass() { PASSED=$((PASSED + 1)); printf '  ok   %s\n' "$1"; }
fail() { FAILED=$((FAILED + 1)); printf '  FAIL %s\n' "$1"; }

# cleanup - take down what this run played and made: pods, secrets, volumes, database
cleanup() {
	local d f kind name
	for d in "$WORK"/*/; do
		for f in play.yaml setup.yaml; do
			[[ -e $d$f ]] && podman kube down "$d$f" >/dev/null 2>&1 || true
		done
		[[ -e ${d}names.txt ]] || continue
		while read -r kind name; do
			case $kind in
			secret) podman secret rm "$name" >/dev/null 2>&1 || true ;;
			volume) podman volume rm -f "$name" >/dev/null 2>&1 || true ;;
			esac
		done <"${d}names.txt"
	done
	[[ -z $PG_DATA ]] || runuser -u nobody -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate \
	    stop >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

# free_port - a TCP port on 127.0.0.1 nothing listens on
free_port() {
	local p
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 20000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
	done
	die "no free port"
}

# http_code URL - the status of GET URL, or 000
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$1" || true; }

# wait_code URL CODE SECONDS - until GET URL answers CODE; prints the seconds it took
wait_code() {
	local t0=$SECONDS
	until [[ $(http_code "$1") == "$2" ]]; do
		((SECONDS - t0 < $3)) || return 1
		sleep 0.5
	done
	echo $((SECONDS - t0))
}

# ensure_images - the images of this checkout (tests/deploy/image.sh is idempotent)
ensure_images() {
	if [[ ${PXTC_IMAGES_BUILT:-} == 1 ]]; then
		say "PXTC_IMAGES_BUILT=1: using $FULL and $SLIM as they are, not rebuilt"
	else
		bash "$TESTS/podman-env.sh"
		bash "$TESTS/image.sh"
	fi
	podman image exists "$FULL" && podman image exists "$SLIM" || die "$FULL or $SLIM is missing"
}

# build_renderer - compile tests/deploy/helm-render into the build folder (offline)
build_renderer() { bash "$TESTS/helm-render/build.sh" "$RENDER"; }

# start_postgres - PostgreSQL 15 on a free loopback port, run by nobody; sets PG_URL
start_postgres() {
	local dir=$WORK/pg port
	mkdir -p "$dir"
	chown nobody: "$dir"
	PG_DATA=$dir/data
	runuser -u nobody -- "$PG_BIN/initdb" -D "$PG_DATA" -U pxtc -A trust --no-sync \
	    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; die "initdb failed"; }
	port=$(free_port)
	PG_START=(runuser -u nobody -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$dir/server.log" -w
	    -o "-c listen_addresses=127.0.0.1 -c port=$port -k $dir -c fsync=off" start)
	"${PG_START[@]}" >/dev/null || { cat "$dir/server.log"; die "PostgreSQL did not start"; }
	runuser -u nobody -- "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U pxtc pxtc
	PG_URL="postgresql://pxtc@127.0.0.1:$port/pxtc?connect_timeout=3"
	say "PostgreSQL 15 on 127.0.0.1:$port"
}

# write_values FILE JSON - the test values: JSON plus the reference service file, so
# that the workers' routes come from the ConfigMap
write_values() {
	node -e '
		const fs = require("node:fs");
		const v = JSON.parse(process.argv[2]);
		v.serviceFile = fs.readFileSync(process.argv[3], "utf8");
		fs.writeFileSync(process.argv[1], JSON.stringify(v, null, 1));
	' "$1" "$2" "$SRC/routers/service.toml"
}

# prepare DIR VALUES - render, validate, split for podman, make the secrets
prepare() {
	local dir=$1 name json
	mkdir -p "$dir"
	"$RENDER" -f "$2" "$REL" "$CHART" >"$dir/rendered.yaml"
	if node "$TESTS/k8s-validate.mjs" "$dir/rendered.yaml" >"$dir/validate.log" 2>&1; then
		pass "rendered and valid: $(tail -n 1 "$dir/validate.log")"
	else
		cat "$dir/validate.log"
		fail "the rendering does not validate"
	fi
	node "$TESTS/kube-play-prep.mjs" "$dir/rendered.yaml" "$dir"
	while IFS=$'\t' read -r name json; do
		printf '%s' "$json" | podman secret create "$name" - >/dev/null
	done <"$dir/secrets.tsv"
}

# pod_containers POD - the names of a pod's containers, infra left out
pod_containers() {
	podman ps -a --filter "pod=$1" --format '{{.Names}}' | grep -v -- '-infra$' || true
}

# dump_pod POD - the last lines of each container's log, for a failure
dump_pod() {
	local c
	for c in $(pod_containers "$1"); do
		printf -- '--- %s\n' "$c"
		podman logs --tail 40 "$c" 2>&1 || true
	done
}

# run_setup DIR - play setup.yaml and wait for its Pod to exit; 0 when it exited 0
run_setup() {
	local dir=$1 pod ctr state t0=$SECONDS
	podman kube play "$dir/setup.yaml" >"$dir/setup.play.log" 2>&1 ||
	    { cat "$dir/setup.play.log"; fail "podman kube play setup.yaml"; return 1; }
	pod=$(node -e '
		const { parseAllDocuments } = require("yaml");
		const docs = parseAllDocuments(require("node:fs").readFileSync(process.argv[1], "utf8"));
		const p = docs.map((d) => d.toJS()).find((o) => o && o.kind === "Pod");
		console.log(`${p.metadata.name}-${p.spec.containers[0].name}`);
	' "$dir/setup.yaml")
	ctr=$pod
	while :; do
		state=$(podman inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$ctr" 2>/dev/null || echo "missing -")
		[[ $state == exited* ]] && break
		if ((SECONDS - t0 > 240)); then
			podman logs --tail 40 "$ctr" || true
			fail "the setup container did not finish in 240 s ($state)"
			return 1
		fi
		sleep 1
	done
	if [[ $state == "exited 0" ]] && podman logs "$ctr" 2>&1 | grep -q 'schema ready'; then
		pass "setup ran to completion in $((SECONDS - t0)) s (exit 0, schema ready)"
	else
		podman logs --tail 40 "$ctr" 2>&1 || true
		fail "the setup container: $state"
		return 1
	fi
}

# play DIR PORT - play the Deployment, wait for /api/health; sets POD
play() {
	local dir=$1 port=$2 secs
	podman kube play "$dir/play.yaml" >"$dir/play.log" 2>&1 ||
	    { cat "$dir/play.log"; fail "podman kube play play.yaml"; return 1; }
	POD=$(podman pod ps --format '{{.Name}}' | grep -m1 "^$REL-pxtc-pod-" || true)
	[[ -n $POD ]] || { fail "no pod for the Deployment"; return 1; }
	if secs=$(wait_code "http://127.0.0.1:$port/api/health" 200 180); then
		pass "the Deployment's pod $POD answers GET /api/health 200 after ${secs} s"
	else
		dump_pod "$POD"
		fail "no 200 from /api/health in 180 s"
		return 1
	fi
}

# ctr_of ROLE - the pod's container of that name (workers, nginx)
ctr_of() { pod_containers "$POD" | grep -m1 -- "-$1\$"; }

# check_pod DIR PORT - what both modes must show in the running pod
check_pod() {
	local dir=$1 port=$2 c roots
	[[ $(pod_containers "$POD" | sed 's/.*-//' | sort | paste -sd, -) == nginx,workers ]] &&
	    pass "containers: workers and nginx" || fail "containers: $(pod_containers "$POD")"
	for c in workers nginx; do
		c=$(ctr_of "$c")
		[[ $(podman inspect --format '{{.Config.User}}' "$c") == 10001:10001 ]] &&
		    pass "$c runs as 10001:10001" || fail "$c user $(podman inspect --format '{{.Config.User}}' "$c")"
		roots=$(podman top "$c" user pid comm | awk 'NR > 1 && $1 == "root"')
		[[ -z $roots ]] && pass "$c: no process runs as root" || fail "$c: root processes: $roots"
		[[ $(podman inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$c") == true ]] &&
		    podman exec "$c" sh -c 'touch /tmp/kp /data/pixeltable/kp && rm /tmp/kp /data/pixeltable/kp' &&
		    pass "$c: read-only root file system; /tmp and the home writable" ||
		    fail "$c: root file system writable, or /tmp or the home not"
		podman exec "$c" pxtc serve live "${c##*-}" &&
		    pass "$c: the liveness probe (pxtc serve live ${c##*-}) passes" || fail "$c: liveness fails"
		cmp -s <(podman exec "$c" cat /etc/pxtc/service.toml) "$SRC/routers/service.toml" &&
		    [[ $(podman exec "$c" printenv SERVER_SERVICE_FILE) == /etc/pxtc/service.toml ]] &&
		    pass "$c: the service file from the ConfigMap, SERVER_SERVICE_FILE" ||
		    fail "$c: the service file is not mounted"
		[[ $(podman exec "$c" printenv SERVER_MEDIA_URL_SECRET) == kube-play-media-secret ]] &&
		    pass "$c: SERVER_MEDIA_URL_SECRET from the Secret" || fail "$c: the Secret's variable"
	done
	podman exec "$(ctr_of nginx)" test -S /data/pixeltable/run/pxtc.sock &&
	    pass "nginx sees the workers' socket on the shared emptyDir" || fail "no socket in nginx's run/"
	curl -s --max-time 5 "http://127.0.0.1:$port/api/health" | grep -q '"database": *"ok"' &&
	    pass "/api/health says the database is ok" || fail "/api/health: $(curl -s "http://127.0.0.1:$port/api/health")"
}

# insert_doc PORT TAG - upload a document (multipart); prints its uuid
insert_doc() {
	local port=$1 tag=$2 out
	printf '# kube play\nA document uploaded to the pod (%s).\n' "$tag" >"$WORK/doc-$tag.md"
	out=$(curl -sS --max-time 60 -X POST "http://127.0.0.1:$port/api/data/documents" \
	    -F "document=@$WORK/doc-$tag.md;type=text/markdown" \
	    -F "metadata={\"source\": \"dt_kube_play\", \"tag\": \"$tag\"}")
	sed -n 's/.*"uuid": *"\([0-9a-f-]*\)".*/\1/p' <<<"$out" | head -n1
	[[ $out == *'"uuid"'* ]] || printf 'dt_kube_play: the insert answered: %s\n' "$out" >&2
}

# insert_path PORT TAG - a document put into the home's tmp/ (one of media_roots),
# inserted by its path (JSON); prints its uuid
insert_path() {
	local port=$1 tag=$2 out
	printf '# kube play\nA document inserted by its path (%s).\n' "$tag" |
	    podman exec -i "$(ctr_of workers)" sh -c "cat >/data/pixeltable/tmp/kp-$tag.md"
	out=$(curl -sS --max-time 60 -X POST "http://127.0.0.1:$port/api/data/documents" \
	    -H 'Content-Type: application/json' \
	    -d "{\"document\": \"/data/pixeltable/tmp/kp-$tag.md\", \"metadata\": {\"tag\": \"$tag\"}}")
	sed -n 's/.*"uuid": *"\([0-9a-f-]*\)".*/\1/p' <<<"$out" | head -n1
	[[ $out == *'"uuid"'* ]] || printf 'dt_kube_play: the insert answered: %s\n' "$out" >&2
}

# listed PORT UUID - the document (a non-empty uuid) is in GET /api/data/documents
listed() {
	[[ -n $2 ]] && curl -sS --max-time 10 "http://127.0.0.1:$1/api/data/documents?limit=50" | grep -q "$2"
}

# scenario_external - external mode against the host's PostgreSQL
scenario_external() {
	local dir=$WORK/external port uuid secs
	REL=${RUN_ID}x
	say "external mode: the slim image, a PostgreSQL 15 on the host"
	start_postgres
	port=$(free_port)
	write_values "$WORK/values-external.json" "$(printf '%s' "{
		\"mode\": \"external\", \"hostNetwork\": true,
		\"image\": {\"slim\": {\"repository\": \"localhost/pxtc-slim\", \"tag\": \"test\"},
		          \"pullPolicy\": \"Never\"},
		\"server\": {\"host\": \"127.0.0.1\", \"port\": $port, \"workers\": 2},
		\"postgres\": {\"url\": \"$PG_URL\"},
		\"media\": {\"allowLocal\": true, \"urlSecret\": \"kube-play-media-secret\"},
		\"autoscaling\": {\"enabled\": false}, \"replicaCount\": 1,
		\"config\": \"\", \"setup\": {\"waitTimeoutSeconds\": 60}}")"
	prepare "$dir" "$WORK/values-external.json"
	run_setup "$dir" || return 0
	play "$dir" "$port" || return 0
	check_pod "$dir" "$port"
	[[ $(podman exec "$(ctr_of workers)" printenv PIXELTABLE_DB_CONNECT_STR) == "$PG_URL" ]] &&
	    pass "the database URL reaches the workers from the Secret" || fail "PIXELTABLE_DB_CONNECT_STR"
	uuid=$(insert_path "$port" external)
	listed "$port" "$uuid" && pass "a document inserted by path ($uuid) is listed" ||
	    fail "insert and list"

	# a database outage: not ready, still live, ready again when it is back
	# (a worker tries to reconnect for up to 15 s before it answers 503, so the
	# readiness probe, 5 s, times out first: the pod is not ready either way)
	runuser -u nobody -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null
	local code
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "http://127.0.0.1:$port/api/health" || true)
	[[ $code == 503 ]] && pass "database down: /api/health answers 503 (the pod leaves the Service)" ||
	    fail "database down: /api/health answers $code"
	podman exec "$(ctr_of workers)" pxtc serve live workers &&
	    podman exec "$(ctr_of nginx)" pxtc serve live nginx &&
	    pass "database down: both liveness probes still pass (no restart)" ||
	    fail "database down: a liveness probe fails"
	"${PG_START[@]}" >/dev/null
	if secs=$(wait_code "http://127.0.0.1:$port/api/health" 200 60); then
		pass "database back: /api/health 200 after ${secs} s, same pod"
	else
		fail "database back: /api/health $(http_code "http://127.0.0.1:$port/api/health")"
	fi
	listed "$port" "$uuid" && pass "the document is still listed" || fail "the document is gone"
	podman kube down "$dir/play.yaml" >/dev/null 2>&1 && pass "podman kube down" ||
	    fail "podman kube down"
}

# scenario_embedded - embedded mode: PostgreSQL in the pod, data on the claim
scenario_embedded() {
	local dir=$WORK/embedded port uuid uuid2
	REL=${RUN_ID}e
	say "embedded mode: the full image, PostgreSQL inside the pod"
	port=$(free_port)
	write_values "$WORK/values-embedded.json" "$(printf '%s' "{
		\"mode\": \"embedded\", \"hostNetwork\": true,
		\"image\": {\"full\": {\"repository\": \"localhost/pxtc\", \"tag\": \"test\"},
		          \"pullPolicy\": \"Never\"},
		\"server\": {\"host\": \"127.0.0.1\", \"port\": $port, \"workers\": 2},
		\"media\": {\"urlSecret\": \"kube-play-media-secret\"},
		\"persistence\": {\"size\": \"1Gi\"},
		\"config\": \"\", \"setup\": {\"waitTimeoutSeconds\": 60}}")"
	prepare "$dir" "$WORK/values-embedded.json"
	run_setup "$dir" || return 0
	play "$dir" "$port" || return 0
	check_pod "$dir" "$port"
	[[ -z $(podman exec "$(ctr_of workers)" printenv PIXELTABLE_DB_CONNECT_STR || true) ]] &&
	    pass "no database URL: the embedded PostgreSQL" || fail "a database URL in embedded mode"
	uuid=$(insert_doc "$port" embedded)
	listed "$port" "$uuid" && pass "a document uploaded ($uuid) is listed" ||
	    fail "upload and list"
	uuid2=$(insert_path "$port" embedded)
	listed "$port" "$uuid2" && pass "a document inserted by path ($uuid2) is listed" ||
	    fail "insert and list"
	podman kube down "$dir/play.yaml" >/dev/null 2>&1 || fail "podman kube down"
	[[ $(http_code "http://127.0.0.1:$port/api/health") == 000 ]] &&
	    pass "podman kube down: the pod is gone" || fail "something still answers on $port"
	play "$dir" "$port" || return 0
	listed "$port" "$uuid" && listed "$port" "$uuid2" &&
	    pass "a new pod on the same claim lists both documents (the data lives on the volume)" ||
	    fail "the document is gone after the pod was replaced"
	podman kube down "$dir/play.yaml" >/dev/null 2>&1 || fail "podman kube down"
}

main() {
	local t0=$SECONDS
	[[ $(id -u) -eq 0 ]] || die "run as root (rootful podman)"
	[[ -x $PG_BIN/initdb ]] || die "no $PG_BIN/initdb (postgresql-15)"
	ensure_images
	build_renderer
	cd "$SRC/tests"   # node finds the yaml package in tests/node_modules
	scenario_external
	scenario_embedded
	say "$PASSED passed, $FAILED failed ($((SECONDS - t0)) s)"
	printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
	((FAILED == 0 && PASSED > 0))
}

main "$@"
