# shellcheck shell=bash
# lib.sh - shared helpers of the deploy tests (tests/deploy/dt_*.sh), sourced, never run:
# messages and failure, a clean-up stack run on every exit, free loopback ports, waiting
# on a URL with a deadline, podman's Docker API on a socket of the test's own (for
# docker-compose), a stand-in for the systemd timers that run podman's health checks,
# and the PostgreSQL 15 test image (tests/deploy/postgres/).
#
# Everything a test starts is recorded and stopped by its PID or name, never by a
# pattern, so tests of other checkouts on the machine run undisturbed.
set -euo pipefail

DT_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DT_NAME=$(basename "$0" .sh)
DT_CLEANUPS=()

# dt_say MESSAGE - a progress line on stdout, tagged with the test's name
dt_say() { printf '%s: %s\n' "$DT_NAME" "$*"; }

# dt_fail MESSAGE - fail the test (the clean-up stack runs from the EXIT trap)
dt_fail() {
	printf '%s: FAIL: %s\n' "$DT_NAME" "$*" >&2
	exit 1
}

# dt_skip MESSAGE - skip the test (exit 77), unless CI=true, where it is a failure
dt_skip() {
	if [[ ${CI:-} == true ]]; then
		dt_fail "$* (CI=true: nothing may be skipped)"
	fi
	printf '%s: SKIP: %s\n' "$DT_NAME" "$*"
	exit 77
}

# dt_need_root_tools TOOL... - root and each TOOL, or skip
dt_need_root_tools() {
	local t
	[[ $(id -u) -eq 0 ]] || dt_skip "needs root (rootful podman)"
	for t in "$@"; do
		command -v "$t" >/dev/null ||
		    dt_skip "$t is missing (tests/deploy/podman-env.sh installs it)"
	done
}

# dt_on_exit COMMAND - run COMMAND (a string for eval) when the test exits, pass or fail;
# the commands run last-registered first, each even when an earlier one failed, with
# DT_EXIT_RC set to the test's exit status (e.g. to show logs only on a failure)
dt_on_exit() { DT_CLEANUPS+=("$1"); }

# dt_exit_trap - the EXIT trap: the clean-up stack, then PASS/SKIPPED/FAIL
dt_exit_trap() {
	local rc=$? i
	trap - EXIT INT TERM
	# shellcheck disable=SC2034  # read by the clean-up commands
	DT_EXIT_RC=$rc
	for ((i = ${#DT_CLEANUPS[@]} - 1; i >= 0; i--)); do
		(eval "${DT_CLEANUPS[i]}") || true
	done
	case $rc in
	0) echo "PASS" ;;
	77) echo "SKIPPED" ;;
	*) echo "FAIL (exit $rc)" ;;
	esac
	exit "$rc"
}
trap dt_exit_trap EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# dt_tmpdir VAR - a fresh folder under /tmp, removed at exit, its path put in VAR
dt_tmpdir() {
	local d
	d=$(mktemp -d "/tmp/pxtc-$DT_NAME.XXXXXX")
	dt_on_exit "rm -rf '$d'"
	printf -v "$1" '%s' "$d"
}

# dt_now - seconds since the epoch, with nanoseconds
dt_now() { date +%s.%N; }

# dt_elapsed START [END] - seconds from START to END (default now), one decimal
dt_elapsed() { awk -v a="$1" -v b="${2:-$(dt_now)}" 'BEGIN { printf "%.1f\n", b - a }'; }

# dt_free_port VAR [LOW HIGH] - a loopback port nothing listens on, put in VAR: below
# the kernel's ephemeral range (a port there may be the local end of a client's
# connection, which answers nothing yet makes a later bind() fail), and never one this
# test was given already
DT_PORTS_GIVEN=" "
dt_free_port() {
	local var=$1 p lo=${2:-20000} hi=${3:-32000} eph=32768
	read -r eph _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	((hi < eph)) || hi=$((eph - 1))
	((lo < hi)) || return 1
	for p in $(shuf -i "$lo-$hi" -n 100); do
		[[ $DT_PORTS_GIVEN == *" $p "* ]] && continue
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			DT_PORTS_GIVEN+="$p "
			printf -v "$var" '%s' "$p"
			return 0
		fi
	done
	return 1
}

# dt_http_code URL [CURL-OPTION...] - the HTTP status of one request (000: none)
dt_http_code() {
	local url=$1
	shift
	curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" "$url" 2>/dev/null || true
}

# dt_wait_url URL SECONDS [CODE] - wait until URL answers CODE (default 200), checking
# every 0.2 s; 1 once SECONDS have passed without it
dt_wait_url() {
	local url=$1 deadline want=${3:-200}
	deadline=$(($(date +%s) + $2))
	while (($(date +%s) < deadline)); do
		[[ $(dt_http_code "$url") == "$want" ]] && return 0
		sleep 0.2
	done
	return 1
}

# dt_podman_service_start DIR - podman's Docker-compatible API on DIR/podman.sock
# (for docker-compose 1.29), stopped at exit (or by dt_podman_service_stop); exports
# DOCKER_HOST. Containers it started keep running without it (conmon holds them).
DT_PODMAN_SERVICE_PID=""
dt_podman_service_start() {
	local dir=$1 pid i
	podman system service --time=0 "unix://$dir/podman.sock" >"$dir/podman-service.log" 2>&1 &
	pid=$!
	DT_PODMAN_SERVICE_PID=$pid
	dt_on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
	export DOCKER_HOST="unix://$dir/podman.sock"
	for ((i = 0; i < 100; i++)); do
		curl -sf --unix-socket "$dir/podman.sock" http://d/_ping >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$dir/podman-service.log" >&2
	dt_fail "podman system service did not answer on $dir/podman.sock"
}

# dt_podman_service_stop - stop the API dt_podman_service_start started
dt_podman_service_stop() {
	[[ -n $DT_PODMAN_SERVICE_PID ]] || return 0
	kill "$DT_PODMAN_SERVICE_PID" 2>/dev/null || true
	wait "$DT_PODMAN_SERVICE_PID" 2>/dev/null || true
	DT_PODMAN_SERVICE_PID=""
	unset DOCKER_HOST
}

# dt_health_driver_start FILTER DIR - run the health checks of the running containers
# matching the podman filter FILTER (e.g. label=com.docker.compose.project=NAME) once a
# second, as podman's systemd timers would (without systemd, podman never runs them and
# a container stays "starting"); the first time a container is healthy is written to
# DIR/healthy.<name> (seconds since the epoch). Stopped at exit.
dt_health_driver_start() {
	local filter=$1 dir=$2 pid
	(
		trap 'exit 0' TERM
		while :; do
			podman ps --filter "$filter" --format '{{.Names}}' 2>/dev/null |
			while read -r name; do
				[[ -n $name ]] || continue
				# containers without a health check answer an error: skip them
				if podman healthcheck run "$name" >/dev/null 2>&1 &&
				    [[ ! -e $dir/healthy.$name ]]; then
					dt_now >"$dir/healthy.$name"
				fi
			done
			sleep 1
		done
	) &
	pid=$!
	dt_on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
}

# dt_inspect CONTAINER FORMAT - podman inspect's FORMAT of CONTAINER (empty if missing)
dt_inspect() { podman inspect --format "$2" "$1" 2>/dev/null || true; }

# dt_epoch TIME - a time as podman inspect prints it ("2026-01-02 03:04:05.678 +0000
# UTC") in seconds since the epoch, with fractions
dt_epoch() { date -d "${1% [A-Z]*}" +%s.%N; }

# dt_build_test_postgres LOG - the image localhost/pxtc-test-postgres:15 from
# tests/deploy/postgres/ (PostgreSQL 15 from Debian on debian:bookworm-slim, the
# official image's entrypoint contract), built only when missing or when its files
# changed (the image carries their checksum as a label)
DT_PG_IMAGE=localhost/pxtc-test-postgres:15
dt_build_test_postgres() {
	local log=$1 ctx=$DT_LIB_DIR/postgres sum have
	sum=$(cd "$ctx" && cat Dockerfile docker-entrypoint.sh | sha256sum | cut -c1-16)
	have=$(podman image inspect --format '{{index .Labels "pxtc.test.sum"}}' \
	    "$DT_PG_IMAGE" 2>/dev/null || true)
	[[ $have == "$sum" ]] && return 0
	dt_say "building $DT_PG_IMAGE (about a minute, once)"
	podman build --network host --format docker --label "pxtc.test.sum=$sum" \
	    -t "$DT_PG_IMAGE" "$ctx" >"$log" 2>&1 || {
		tail -n 30 "$log" >&2
		dt_fail "podman build of $DT_PG_IMAGE failed"
	}
}
