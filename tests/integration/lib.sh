# lib.sh - shared setup of the integration scripts: a fresh PIXELTABLE_HOME, helpers,
# and a cleanup that stops every process the test started, pass or fail.
set -euo pipefail

: "${PXTC:?path of the pxtc binary}" "${PXTC_SETUP:?path of pxtc-setup}"
unset PIXELTABLE_DB_CONNECT_STR APP_NAMESPACE
PIXELTABLE_HOME=$(mktemp -d /tmp/pxt-it.XXXXXX)
export PIXELTABLE_HOME
export PIXELTABLE_DB_START_TIMEOUT_S=${PIXELTABLE_DB_START_TIMEOUT_S:-120}
IT_WORK=$(mktemp -d /tmp/pxt-work.XXXXXX)
cd "$IT_WORK"	# no stray .env from the caller's folder

it_cleanup() {
	local rc=$?
	# a script's own clean-up first (it_extra_cleanup, when the script defines it)
	if declare -F it_extra_cleanup >/dev/null; then it_extra_cleanup || true; fi
	"$PXTC" db stop >/dev/null 2>&1 || true
	# anything still running from this home (a postmaster left by a failed step)
	local pids
	pids=$(pgrep -f -- "$PIXELTABLE_HOME" 2>/dev/null || true)
	[ -n "$pids" ] && kill -9 $pids 2>/dev/null || true
	rm -rf "$PIXELTABLE_HOME" "$IT_WORK"
	if [ $rc -eq 0 ]; then echo "PASS"; else echo "FAIL (exit $rc)"; fi
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

# free_port [LOW HIGH] - a loopback port in the range that nothing answers on
free_port() {
	local p
	for p in $(shuf -i "${1:-20000}-${2:-40000}" -n 50); do
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
