# peers.sh - local object stores for tests, sourced after tests/integration/lib.sh
# (which gives free_port):
#
#   objstore_peers_start DIR   start s3rver (tests/objstore/s3rver.js) and azurite's
#                              Blob service on free loopback ports, their data and logs
#                              in DIR; wait until both answer; create the buckets
#                              pxt-media and pxt-gcs and the Azure container pxt-media;
#                              export the environment pxtc's configuration reads
#   objstore_peers_stop        stop them, by PID (call it from the script's clean-up)
#   objstore_peers_logs        print their logs (for a failing test)
#
# Exported: S3_ENDPOINT, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_REGION ([s3]);
# GCS_ENDPOINT, GCS_ACCESS_KEY_ID, GCS_SECRET ([gcs], the same s3rver through its S3
# API); AZURE_ENDPOINT (path-style, .../devstoreaccount1), AZURE_ACCOUNT_NAME,
# AZURE_ACCOUNT_KEY ([azure], azurite's well-known development account); and
# OBJSTORE_S3_PORT, OBJSTORE_AZURE_PORT. Set, not exported: OBJSTORE_S3_PID and
# OBJSTORE_AZURE_PID, the servers' PIDs (recorded with lib.sh's it_track too, so a
# test killed on timeout has them stopped by tests/integration/cleanup.sh). The AWS_* names, which pxtc reads for unset
# [s3] keys, are unset. The packages come from tests/package.json: npm ci runs here
# when tests/node_modules is missing or older than the lock file. Needs node (a
# caller without it should skip before sourcing lib.sh) and curl.

OBJSTORE_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OBJSTORE_PIDS=
OBJSTORE_DIR=
# azurite's development account (documented, public)
OBJSTORE_AZURE_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

_objstore_fail() { echo "objstore_peers_start: $*" >&2; return 1; }

# the npm packages of tests/, as deploy/install-deps.sh installs them
_objstore_npm() {
	local lock="$OBJSTORE_TESTS/node_modules/.package-lock.json"
	if [ ! -e "$lock" ] || [ "$OBJSTORE_TESTS/package-lock.json" -nt "$lock" ] ||
	    [ ! -e "$OBJSTORE_TESTS/node_modules/@20minutes/s3rver/package.json" ] ||
	    [ ! -e "$OBJSTORE_TESTS/node_modules/azurite/package.json" ]; then
		command -v npm >/dev/null || _objstore_fail "npm not found: run deploy/install-deps.sh" || return 1
		npm ci --prefix "$OBJSTORE_TESTS" --ignore-scripts --no-audit --no-fund --include=dev \
		    >"$OBJSTORE_DIR/npm.log" 2>&1 ||
		    { cat "$OBJSTORE_DIR/npm.log" >&2; _objstore_fail "npm ci in tests/"; return 1; }
	fi
}

# _objstore_wait PID URL LOG: until URL gives any HTTP answer (about 30 s at most)
_objstore_wait() {
	local pid=$1 url=$2 log=$3 code
	for _ in $(seq 300); do
		kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; return 2; }
		code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url" 2>/dev/null || true)
		[ -n "$code" ] && [ "$code" != 000 ] && return 0
		sleep 0.1
	done
	cat "$log" >&2
	return 1
}

# _objstore_spawn NAME CMD...: start CMD with a free port in place of the argument PORT;
# a port taken in between (the server exits at once) is tried again with another.
# Sets _objstore_port and _objstore_pid.
_objstore_spawn() {
	local name=$1 port pid rc try arg
	shift
	for try in 1 2 3 4 5; do
		port=$(free_port) || { _objstore_fail "no free port"; return 1; }
		local cmd=()
		for arg in "$@"; do
			if [ "$arg" = PORT ]; then cmd+=("$port"); else cmd+=("$arg"); fi
		done
		"${cmd[@]}" >"$OBJSTORE_DIR/$name.log" 2>&1 &
		pid=$!
		OBJSTORE_PIDS="$OBJSTORE_PIDS $pid"
		! declare -F it_track >/dev/null || it_track "$pid"
		rc=0
		_objstore_wait "$pid" "http://127.0.0.1:$port/" "$OBJSTORE_DIR/$name.log" || rc=$?
		if [ $rc = 0 ]; then _objstore_port=$port _objstore_pid=$pid; return 0; fi
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		[ $rc = 2 ] || break	# started but never answered: no point trying again
		echo "objstore_peers_start: $name exited at start (port $port), trying again" >&2
	done
	_objstore_fail "$name did not start"
}

objstore_peers_start() {
	local dir=${1:?objstore_peers_start DIR}
	command -v node >/dev/null || _objstore_fail "node not found" || return 1
	command -v curl >/dev/null || _objstore_fail "curl not found" || return 1
	declare -F free_port >/dev/null ||
	    _objstore_fail "free_port missing: source tests/integration/lib.sh first" || return 1
	mkdir -p "$dir"
	OBJSTORE_DIR=$(cd "$dir" && pwd)
	_objstore_npm || return 1

	_objstore_spawn s3rver node "$OBJSTORE_TESTS/objstore/s3rver.js" PORT \
	    "$OBJSTORE_DIR/s3" pxt-media pxt-gcs || return 1
	OBJSTORE_S3_PORT=$_objstore_port OBJSTORE_S3_PID=$_objstore_pid
	_objstore_spawn azurite bash -c 'cd "$1" && exec node "$2" --blobHost 127.0.0.1 \
	    --blobPort "$3" --inMemoryPersistence --disableTelemetry --skipApiVersionCheck \
	    --loose --disableProductStyleUrl --debug "$1/azurite-debug.log"' azurite \
	    "$OBJSTORE_DIR" "$OBJSTORE_TESTS/node_modules/azurite/dist/src/blob/main.js" PORT ||
	    return 1
	OBJSTORE_AZURE_PORT=$_objstore_port OBJSTORE_AZURE_PID=$_objstore_pid
	export OBJSTORE_S3_PORT OBJSTORE_AZURE_PORT

	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_REGION \
	    AWS_DEFAULT_REGION AWS_ENDPOINT_URL S3_SESSION_TOKEN AZURE_SAS_TOKEN
	export S3_ENDPOINT="http://127.0.0.1:$OBJSTORE_S3_PORT"
	export S3_ACCESS_KEY_ID=S3RVER S3_SECRET_ACCESS_KEY=S3RVER S3_REGION=us-east-1
	export GCS_ENDPOINT="http://127.0.0.1:$OBJSTORE_S3_PORT"
	export GCS_ACCESS_KEY_ID=S3RVER GCS_SECRET=S3RVER
	export AZURE_ENDPOINT="http://127.0.0.1:$OBJSTORE_AZURE_PORT/devstoreaccount1"
	export AZURE_ACCOUNT_NAME=devstoreaccount1 AZURE_ACCOUNT_KEY=$OBJSTORE_AZURE_KEY

	# s3rver created its buckets at start-up (the wrapper's arguments)
	node "$OBJSTORE_TESTS/objstore/azure_container.js" create pxt-media ||
	    _objstore_fail "creating the Azure container pxt-media" || return 1
}

objstore_peers_stop() {
	local pid
	[ -n "$OBJSTORE_PIDS" ] || return 0
	for pid in $OBJSTORE_PIDS; do kill "$pid" 2>/dev/null || true; done
	for _ in $(seq 30); do
		local alive=
		for pid in $OBJSTORE_PIDS; do kill -0 "$pid" 2>/dev/null && alive=1; done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	for pid in $OBJSTORE_PIDS; do kill -9 "$pid" 2>/dev/null || true; done
	for pid in $OBJSTORE_PIDS; do wait "$pid" 2>/dev/null || true; done
	OBJSTORE_PIDS=
}

objstore_peers_logs() {
	local f
	[ -n "$OBJSTORE_DIR" ] || return 0
	for f in s3rver azurite; do
		[ -s "$OBJSTORE_DIR/$f.log" ] || continue
		echo "--- $f log (last 60 lines)" >&2
		tail -n 60 "$OBJSTORE_DIR/$f.log" >&2
	done
}
