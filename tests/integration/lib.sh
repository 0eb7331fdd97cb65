# lib.sh - shared setup of the integration scripts: a fresh PIXELTABLE_HOME, helpers,
# and a cleanup that stops every process the test started, pass or fail, by the PIDs it
# recorded (procs.sh): never by name, so tests of other builds and homes run undisturbed.
set -euo pipefail

: "${PXTC:?path of the pxtc binary}" "${PXTC_SETUP:?path of pxtc-setup}"
unset PIXELTABLE_DB_CONNECT_STR APP_NAMESPACE
source "$(dirname "${BASH_SOURCE[0]}")/procs.sh"
# The record of this run: in the run folder of the build (cleanup.sh reads it there when
# ctest kills the script on timeout), or in a folder of its own when run by hand.
IT_RUN_OWN=
if [ -n "${PXT_IT_RUN:-}" ] || [ -n "${PXT_ARTIFACTS:-}" ]; then
	PXT_IT_RUN=${PXT_IT_RUN:-$PXT_ARTIFACTS/it-run}
	mkdir -p "$PXT_IT_RUN"
else
	PXT_IT_RUN=$(mktemp -d /tmp/pxt-run.XXXXXX)
	IT_RUN_OWN=$PXT_IT_RUN
fi
IT_RECORD=$PXT_IT_RUN/$(basename "$0" .sh).$$
echo "owner $$ $(it_proc_start $$)" >"$IT_RECORD"
PIXELTABLE_HOME=$(mktemp -d /tmp/pxt-it.XXXXXX)
echo "home $PIXELTABLE_HOME" >>"$IT_RECORD"
export PIXELTABLE_HOME
export PIXELTABLE_DB_START_TIMEOUT_S=${PIXELTABLE_DB_START_TIMEOUT_S:-120}
IT_WORK=$(mktemp -d /tmp/pxt-work.XXXXXX)
echo "dir $IT_WORK" >>"$IT_RECORD"
cd "$IT_WORK"	# no stray .env from the caller's folder

# it_track PID - record a process the test started in the background, so that it is
# stopped at the end even when the script is killed before its own clean-up
it_track() {
	local s
	s=$(it_proc_start "$1") && echo "pid $1 $s" >>"$IT_RECORD"
	return 0
}

# it_track_dir DIR - record a folder the test made outside its home and work folder
it_track_dir() { echo "dir $1" >>"$IT_RECORD"; }

# it_need_node [PROGRAM...] - node (and each PROGRAM, e.g. npm) runs this test's peers:
# without them the test is skipped (exit 77; ctest registers it with SKIP_RETURN_CODE
# 77), except in CI (CI=true), where a missing peer is a failure
it_need_node() {
	local p
	for p in node "$@"; do
		command -v "$p" >/dev/null && continue
		if [ "${CI:-}" = true ]; then
			echo "FAIL: $p is missing, and CI=true needs every peer: run deploy/install-deps.sh" >&2
			exit 1
		fi
		echo "SKIP: $p is missing (deploy/install-deps.sh installs it)"
		exit 77
	done
}

it_cleanup() {
	local rc=$?
	# a script's own clean-up first (it_extra_cleanup, when the script defines it)
	if declare -F it_extra_cleanup >/dev/null; then it_extra_cleanup || true; fi
	"$PXTC" db stop >/dev/null 2>&1 || true
	# anything still running that this test recorded or that its home's PID files name
	# (a postmaster left by a failed step), then its folders
	it_record_stop "$IT_RECORD"
	[ -z "$IT_RUN_OWN" ] || rm -rf "$IT_RUN_OWN"
	case $rc in
	0) echo "PASS" ;;
	77) echo "SKIPPED" ;;
	*) echo "FAIL (exit $rc)" ;;
	esac
	exit $rc
}
trap it_cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# psql against the embedded server of this home
q() { psql "host=$PIXELTABLE_HOME/run port=5432 user=pxtc dbname=pixeltable" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

postmaster_pid() { head -n1 "$PIXELTABLE_HOME/pgdata/postmaster.pid" 2>/dev/null || true; }

# expect_exit CODE CMD... : run CMD, require its exit code
expect_exit() {
	local want=$1; shift
	local got=0
	"$@" >"$IT_WORK/out" 2>&1 || got=$?
	if [ "$got" != "$want" ]; then
		cat "$IT_WORK/out" >&2
		fail "'$*' exited $got, expected $want"
	fi
}

# free_port [LOW HIGH] - a loopback port in the range that nothing answers on, below
# the kernel's ephemeral range: a port there may be the local end of some client's
# connection, which answers nothing yet makes a later bind() fail
free_port() {
	local p lo=${1:-20000} hi=${2:-32000} eph=32768
	read -r eph _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	[ "$hi" -lt "$eph" ] || hi=$((eph - 1))
	[ "$lo" -lt "$hi" ] || return 1
	for p in $(shuf -i "$lo-$hi" -n 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
	done
	return 1
}

# stack_start [LOG] - start the stack ($STACK, deploy/local/pxtc-stack); on failure
# show its log and fail the test
stack_start() {
	local log=${1:-$IT_WORK/start.log}
	"$STACK" start >"$log" 2>&1 || { cat "$log"; fail "stack start"; }
}
