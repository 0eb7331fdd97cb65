#!/usr/bin/env bash
# dt_image.sh - the container images, run for real under podman:
#  - both build (tests/deploy/image.sh) and stay within their size budgets (full
#    <= 450 MB, slim <= 250 MB); they run as uid 10001, keep the HEALTHCHECK (docker
#    format), have PIXELTABLE_HOME=/data/pixeltable as a volume, tini as PID 1;
#  - the full image's `all` role answers /api/health and an insert, podman's
#    healthcheck says healthy, and no process in it runs as root;
#  - SIGTERM (podman stop) during an insert burst stops it cleanly (exit 0), and after a
#    restart on the same volume every acknowledged row is there;
#  - the slim image without a database says so clearly: `all` names
#    PIXELTABLE_DB_CONNECT_STR, and `setup` against a closed port gives up after
#    PXTC_WAIT_TIMEOUT_S with a message naming what it waited for.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FULL=localhost/pxtc:test
SLIM=localhost/pxtc-slim:test
run_id=pxtc-dt-image-$$
vol=$run_id-home
dt_tmpdir work
dt_on_exit "podman rm -f -t 2 '$run_id' '$run_id-slim' >/dev/null 2>&1; podman volume rm -f '$vol' >/dev/null 2>&1"

say() { dt_say "$@"; }
fail() { dt_fail "$@"; }
free_port() { local port_; dt_free_port port_ || fail "no free port"; echo "$port_"; }

# wait_health URL SECONDS - until GET URL answers 200; prints the seconds it took
wait_health() {
	local t0=$SECONDS
	dt_wait_url "$1" "$2" || return 1
	echo $((SECONDS - t0))
}

# start_all NAME - the full image's `all` role on the shared volume, host network
start_all() {
	podman run -d --name "$1" --network host -v "$vol:/data/pixeltable" \
	    -e SERVER_PORT="$port" -e SERVER_WORKERS=2 -e PXTC_STACK_NO_DEMO=1 \
	    -e SERVER_MEDIA_URL_SECRET=dt-image-media-secret-0123456789 \
	    "$FULL" all >/dev/null
}

cd "$top"
bash tests/deploy/image.sh

# --- the images' configuration and sizes
for img in "$FULL" "$SLIM"; do
	user=$(podman image inspect --format '{{.Config.User}}' "$img")
	[[ $user == 10001:10001 ]] || fail "$img runs as '$user', not 10001:10001"
	hc=$(podman image inspect --format '{{json .Config.Healthcheck}}' "$img")
	[[ $hc == *'"pxtc","serve","health"'* ]] || fail "$img has no HEALTHCHECK: $hc"
	env=$(podman image inspect --format '{{json .Config.Env}}' "$img")
	[[ $env == *'PIXELTABLE_HOME=/data/pixeltable'* ]] || fail "$img: PIXELTABLE_HOME: $env"
	vols=$(podman image inspect --format '{{json .Config.Volumes}}' "$img")
	[[ $vols == *'/data/pixeltable'* ]] || fail "$img: no volume /data/pixeltable: $vols"
	ep=$(podman image inspect --format '{{json .Config.Entrypoint}}' "$img")
	[[ $ep == '["/usr/bin/tini","-g","--","pxtc","serve"]' ]] || fail "$img: entrypoint $ep"
done
mb() { podman image inspect --format '{{.Size}}' "$1" | awk '{ printf "%d", $1 / 1e6 }'; }
full_mb=$(mb "$FULL") slim_mb=$(mb "$SLIM")
own=$(podman history --format '{{.Size}}|{{.CreatedBy}}' "$SLIM" | grep -m1 'COPY' | cut -d'|' -f1 || true)
say "sizes: full ${full_mb} MB, slim ${slim_mb} MB (pxtc's own layer: ${own:-?})"
((full_mb <= 450)) || fail "the full image is ${full_mb} MB (budget 450 MB)"
((slim_mb <= 250)) || fail "the slim image is ${slim_mb} MB (budget 250 MB)"

# --- the slim image without a database: clear errors, bounded waits
out=$(podman run --rm --name "$run_id-slim" --network host -e PXTC_STACK_NO_DEMO=1 \
    -e SERVER_PORT="$(free_port)" "$SLIM" all 2>&1) && fail "slim 'all' without a database succeeded"
grep -q 'PIXELTABLE_DB_CONNECT_STR' <<<"$out" || fail "slim 'all' did not name PIXELTABLE_DB_CONNECT_STR: $out"
closed=$(free_port)
t0=$SECONDS
out=$(podman run --rm --name "$run_id-slim" --network host -e PXTC_WAIT_TIMEOUT_S=3 \
    -e PIXELTABLE_DB_CONNECT_STR="postgresql://pxtc@127.0.0.1:$closed/pixeltable?connect_timeout=1" \
    "$SLIM" setup 2>&1) && fail "slim 'setup' against a closed port succeeded"
grep -q 'gave up after 3s waiting for the database' <<<"$out" || fail "setup's message: $out"
((SECONDS - t0 < 60)) || fail "setup took $((SECONDS - t0))s to give up"
say "slim image without a database: clear errors"

# --- the full image's `all` role
podman volume create "$vol" >/dev/null
port=$(free_port)
base=http://127.0.0.1:$port
t0=$SECONDS
start_all "$run_id"
secs=$(wait_health "$base/api/health" 120) || {
	podman logs "$run_id" | tail -n 40 >&2
	fail "the all role did not answer /api/health in 120 s"
}
say "all role healthy ${secs}s after podman run (first start: initdb, schema)"
podman healthcheck run "$run_id" >/dev/null || fail "podman healthcheck run: not healthy"
roots=$(podman top "$run_id" user pid comm | awk 'NR > 1 && $1 == "root"')
[[ -z $roots ]] || fail "processes run as root in the container: $roots"

printf '# dt_image\nA document inserted into the container.\n' >"$work/doc.md"
podman cp "$work/doc.md" "$run_id:/data/pixeltable/media/dt-doc.md"
ins=$(curl -sS -X POST "$base/api/data/documents" -H 'Content-Type: application/json' \
    -d '{"document": "/data/pixeltable/media/dt-doc.md", "metadata": {"source": "dt_image"}}')
uuid=$(sed -n 's/.*"uuid": *"\([0-9a-f-]*\)".*/\1/p' <<<"$ins" | head -n1)
[[ -n $uuid ]] || fail "insert answered: $ins"
curl -sS "$base/api/data/documents?limit=5" | grep -q "$uuid" || fail "the inserted row is not listed"
say "insert and list through the container: ok"

# --- SIGTERM during an insert burst: every acknowledged row survives
burst() {
	local n=$1 out=$work/acked.$1 code body
	: >"$out"
	for i in $(seq 1 400); do
		body=$(curl -s --max-time 10 -w '\n%{http_code}' -X POST "$base/api/data/documents" \
		    -H 'Content-Type: application/json' \
		    -d "{\"document\": \"/data/pixeltable/media/dt-doc.md\", \"metadata\": {\"burst\": \"$n-$i\"}}" || true)
		code=${body##*$'\n'}
		[[ $code == 200 ]] || break
		sed -n 's/.*"uuid": *"\([0-9a-f-]*\)".*/\1/p' <<<"${body%$'\n'*}" | head -n1 >>"$out"
	done
}
for n in 1 2 3 4; do burst "$n" & done
sleep 3
t_stop=$SECONDS
podman stop -t 60 "$run_id" >/dev/null
stop_s=$((SECONDS - t_stop))
wait
rc=$(podman inspect --format '{{.State.ExitCode}}' "$run_id")
[[ $rc == 0 ]] || { podman logs "$run_id" | tail -n 30 >&2; fail "SIGTERM: exit code $rc, not 0"; }
cat "$work"/acked.* | sort -u >"$work/acked"
acked=$(wc -l <"$work/acked")
((acked > 0)) || fail "no insert was acknowledged before SIGTERM"
say "SIGTERM: stopped cleanly in ${stop_s}s with $acked rows acknowledged"
podman rm "$run_id" >/dev/null
start_all "$run_id"
wait_health "$base/api/health" 120 >/dev/null || fail "no health after the restart"
curl -sS "$base/api/data/documents?limit=1000" >"$work/list"
missing=0
while read -r u; do grep -q "$u" "$work/list" || missing=$((missing + 1)); done <"$work/acked"
((missing == 0)) || fail "$missing of $acked acknowledged rows are missing after SIGTERM"
say "every acknowledged row is there after the restart"
say "ok"
