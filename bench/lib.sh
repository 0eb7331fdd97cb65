# lib.sh - what the benchmark scripts under bench/ share, sourced by each of them:
# logging, the common options (-o, --no-build, --hold, --smoke), the temporary folders
# and their cleanup, building and installing pxtc, free loopback ports, the real stack,
# nginx, the processes started (stopped by their recorded PID, never by name), CPU
# accounting from /proc, wrk's BENCH lines, statistics and the Markdown report.
#
# A script sources it, calls bench_init NAME, parses its own options with bench_arg for
# the common ones, then bench_begin PREFIX (traps, load average, WORK). It may define
# smoke_settings (the values of --smoke) and on_cleanup (run first on exit).
# shellcheck shell=bash

# bench_init NAME: ROOT, BENCH, BUILD, STACK and the shared state, for script NAME.
bench_init() {
	BENCH_NAME=$1
	BENCH_SCRIPT=${BASH_SOURCE[1]}
	ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	BENCH=$ROOT/bench
	BUILD=${BUILD:-$ROOT/build}
	STACK=$ROOT/deploy/local/pxtc-stack
	STRICT=${STRICT:-0}
	REPORT_OUT=
	DO_BUILD=1
	HOLD=0
	SMOKE=0
	WORK=
	PXT_HOME=
	STACK_UP=0
	QUIET_WAITED=0
	MISSED=0
	BENCH_PIDS=()
	USED_PORTS=
}

log() { printf '%s %s: %s\n' "$(date +%H:%M:%S)" "$BENCH_NAME" "$*" >&2; }
die() { log "error: $*"; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

# usage [STATUS]: the script's header comment, then exit.
usage() {
	sed -n '2,/^set -euo/p' "$BENCH_SCRIPT" | sed '$d; s/^# \{0,1\}//'
	exit "${1:-0}"
}

# bench_arg ARGS...: one common option at the front of ARGS; BENCH_SHIFT says how many
# words it took. An unknown option prints the usage and exits 2.
bench_arg() {
	case $1 in
	-o) REPORT_OUT=${2:?}; BENCH_SHIFT=2 ;;
	--no-build) DO_BUILD=0; BENCH_SHIFT=1 ;;
	--hold) HOLD=${2:?}; BENCH_SHIFT=2 ;;
	--smoke)
		SMOKE=1
		BENCH_SHIFT=1
		if [ "$(type -t smoke_settings)" = function ]; then smoke_settings; fi ;;
	-h|--help) usage 0 ;;
	*) log "unknown argument: $1"; usage 2 ;;
	esac
}

# need_int VAR...: each a positive integer. need_uint: a non-negative one. need_num: a
# non-negative number.
need_int() {
	local v
	for v in "$@"; do
		[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '${!v}'"
	done
}
need_uint() {
	local v
	for v in "$@"; do
		[[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be an integer, got '${!v}'"
	done
}
need_num() {
	local v
	for v in "$@"; do
		[[ ${!v} =~ ^[0-9]*\.?[0-9]+$ ]] || die "$v must be a number, got '${!v}'"
	done
}

# bench_begin PREFIX [BASE]: the exit traps, the load average at the start, and WORK, a
# new folder BASE/pxt-bench-PREFIX.* (BASE: /tmp) the workers (user pxtc) can enter.
bench_begin() {
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
	if [ "$SMOKE" = 1 ]; then
		log "smoke run: tiny data, one short round; the numbers mean nothing"
	elif awk '{ exit !($1 > 1.0) }' /proc/loadavg; then
		log "warning: load average $LOAD_START: something else is busy; numbers will be noisy"
	fi
	WORK=$(mktemp -d "${2:-/tmp}/pxt-bench-$1.XXXXXX")
	chmod 0755 "$WORK"
}

# track PID [SIGNAL]: a process this script started, stopped on exit with SIGNAL (TERM).
track() { BENCH_PIDS+=("$1:${2:-TERM}"); }

# alive PID: the process exists and is not a zombie.
alive() {
	local st
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# stop_pid PID [SIGNAL]: signal it, wait up to 10 s, then SIGKILL.
stop_pid() {
	local pid=$1 sig=${2:-TERM}
	alive "$pid" || return 0
	kill "-$sig" "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 100); do
		alive "$pid" || break
		sleep 0.1
	done
	if alive "$pid"; then
		log "pid $pid ignored SIG$sig for 10 s: killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	# reap it when it is our child; harmless otherwise
	wait "$pid" 2>/dev/null || true
}

# stack_stop: the stack pxtc-stack started, when it did.
stack_stop() {
	[ "$STACK_UP" = 1 ] || return 0
	STACK_UP=0
	(cd "$WORK" && "$STACK" stop >> "$WORK/stack.log" 2>&1) ||
	    { log "pxtc-stack stop failed:"; tail -n 20 "$WORK/stack.log" >&2; }
}

# db_stop: the embedded PostgreSQL of PXT_HOME, when one runs (pxtc db stop, then the
# postmaster by the PID in its pid file).
db_stop() {
	local pid bin
	[ -n "$PXT_HOME" ] && [ -r "$PXT_HOME/pgdata/postmaster.pid" ] || return 0
	for bin in "$WORK/prefix/bin/pxtc" "$BUILD/app/pxtc"; do
		[ -x "$bin" ] || continue
		PIXELTABLE_HOME=$PXT_HOME timeout 60 "$bin" db stop >/dev/null 2>&1 && return 0
	done
	pid=$(head -n1 "$PXT_HOME/pgdata/postmaster.pid" 2>/dev/null)
	if [[ $pid =~ ^[0-9]+$ ]]; then stop_pid "$pid" INT; fi	# fast shutdown
}

# bench_cleanup: on exit, pass or fail: on_cleanup, the tracked processes (last first),
# the stack, the embedded PostgreSQL, the temporary folders.
bench_cleanup() {
	local rc=$? i
	set +e
	trap - EXIT INT TERM
	if [ "$(type -t on_cleanup)" = function ]; then on_cleanup; fi
	for ((i = ${#BENCH_PIDS[@]} - 1; i >= 0; i--)); do
		stop_pid "${BENCH_PIDS[i]%%:*}" "${BENCH_PIDS[i]#*:}"
	done
	stack_stop
	db_stop
	[ -n "$PXT_HOME" ] && rm -rf "$PXT_HOME"
	[ -n "$WORK" ] && rm -rf "$WORK"
	[ $rc -ne 0 ] && log "failed (exit $rc); every process it started is stopped and the temporary folders are gone"
	exit $rc
}

# need_tools TOOL...: each on PATH (or in an sbin folder); wrk is installed with apt-get
# when it is missing and this runs as root. A smoke run that misses only wrk exits 77
# (skipped), unless CI=true.
need_tools() {
	local missing=() t
	if [[ " $* " == *" wrk "* ]] && ! command -v wrk >/dev/null && is_root; then
		log "installing wrk"
		apt-get install -y --no-install-recommends wrk >&2 ||
		    { apt-get update >&2 && apt-get install -y --no-install-recommends wrk >&2; } ||
		    true
	fi
	for t in "$@"; do
		PATH="$PATH:/usr/sbin:/sbin" command -v "$t" >/dev/null || missing+=("$t")
	done
	if [ "${missing[*]}" = wrk ] && [ "$SMOKE" = 1 ] && [ "${CI:-}" != true ]; then
		log "skipped: wrk is missing (apt-get install -y wrk)"
		exit 77
	fi
	[ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]} (deploy/install-deps.sh; apt-get install -y wrk)"
	NGINX=$(PATH="$PATH:/usr/sbin:/sbin" command -v nginx || true)
}

# need_pc PACKAGE...: pkg-config knows them (their development files are installed).
need_pc() {
	pkg-config --exists "$@" || die "missing the development files of: $* (deploy/install-deps.sh)"
}

# build_pxtc [TARGET]: cmake --build BUILD (configured first if need be), unless
# --no-build; then BUILD must hold libpxt.
build_pxtc() {
	if [ "$DO_BUILD" = 1 ]; then
		if [ ! -f "$BUILD/CMakeCache.txt" ]; then
			log "configuring $BUILD"
			cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
		fi
		log "building pxtc ($BUILD)"
		cmake --build "$BUILD" -j2 ${1:+--target "$1"} >&2
	fi
	[ -f "$BUILD/app/libpxt.so" ] || die "$BUILD/app/libpxt.so is missing: build pxtc first"
}

# need_built FILE...: executables under BUILD.
need_built() {
	local f
	for f in "$@"; do
		[ -x "$BUILD/$f" ] || die "$BUILD/$f is missing: build pxtc first"
	done
}

# install_prefix: pxtc installed into WORK/prefix, readable by all (the workers run as
# user pxtc when root). A build running beside this one may relink libpxt while it is
# copied: the copy must run.
install_prefix() {
	local try
	for try in 1 2 3 4 5; do
		cmake --install "$BUILD" --prefix "$WORK/prefix" >/dev/null
		"$WORK/prefix/bin/pxtc" version >/dev/null 2>&1 && break
		[ "$try" -lt 5 ] || die "the installed pxtc does not run: $("$WORK/prefix/bin/pxtc" version 2>&1)"
		log "the installed copy does not run (a build in progress?): installing again"
		sleep 5
	done
	chmod -R a+rX "$WORK/prefix"
}

# copy_libpxt_static DIR: BUILD's libpxt_static.a (every object of the library) copied
# into DIR (a build beside this one may relink it), for the programs that use libpxt's
# internal headers: libpxt.so exports only the public API. Sets PXT_INTERNAL_LIBS to
# the link flags that take the whole archive and its dependencies.
# The UDF modules such a program loads are linked against libpxt.so.0: the program
# names a copy of it too, so they find it, and they call the program's own copy of the API.
copy_libpxt_static() {
	mkdir -p "$1"
	cp "$BUILD/app/libpxt_static.a" "$1/libpxt_static.a"
	cp -L "$BUILD/app/libpxt.so" "$1/libpxt.so.0"
	ln -sf libpxt.so.0 "$1/libpxt.so"
	PXT_INTERNAL_LIBS="-rdynamic -Wl,--whole-archive $1/libpxt_static.a -Wl,--no-whole-archive
	    -L$1 -Wl,--no-as-needed -lpxt -Wl,--as-needed -Wl,-rpath,$1
	    $(pkg-config --libs libpq yajl libcrypto libxml-2.0 libcurl) -ldl -lm"
}

# cc_bench STD ARGS...: the C compiler with pxtc's warnings as errors.
cc_bench() {
	local std=$1
	shift
	cc "-std=$std" -O2 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	    -Wmissing-prototypes "$@"
}

# free_port: a loopback port nothing answers on, and not handed out before, below the
# kernel's ephemeral range (a port there may be the local end of a client's connection).
free_port() {
	local port eph=32768
	read -r eph _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	for port in $(shuf -i "20000-$((eph > 20100 ? eph - 1 : 32000))" -n 50); do
		[[ " $USED_PORTS " == *" $port "* ]] && continue
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			USED_PORTS="$USED_PORTS $port"
			echo "$port"
			return 0
		fi
	done
	die "no free loopback port found"
}

# stack_env: a fresh PIXELTABLE_HOME and the environment pxtc-stack reads to run the
# installed copy in WORK/prefix on a free port (URL); a script exports more after it.
stack_env() {
	PXT_HOME=$(mktemp -d /tmp/pxt-bench.XXXXXX)
	chmod 0755 "$PXT_HOME"	# the embedded PostgreSQL and the workers run as pxtc when root
	unset PIXELTABLE_DB_CONNECT_STR APP_NAMESPACE PIXELTABLE_API_KEY SERVER_MEDIA_URL_SECRET
	export PIXELTABLE_HOME=$PXT_HOME
	export PXTC_BIN_DIR=$WORK/prefix/bin PXTC_STACK_NO_DEMO=1
	export SERVER_ROUTERS_DIR=$WORK/prefix/lib/pxtc/routers
	export PIXELTABLE_UDF_DIR=$WORK/prefix/lib/pxtc/udfs
	export SERVER_WORKERS=$WORKERS SERVER_PORT
	SERVER_PORT=$(free_port)
	URL=http://127.0.0.1:$SERVER_PORT
}

# stack_start: pxtc-stack start, from WORK (no stray .env of the caller's folder).
stack_start() {
	log "home $PXT_HOME: starting the stack on $URL ($WORKERS workers)"
	STACK_UP=1
	(cd "$WORK" && "$STACK" start) >> "$WORK/stack.log" 2>&1 ||
	    { cat "$WORK/stack.log" >&2; die "pxtc-stack start failed"; }
}

# in_work CMD...: run CMD from WORK (no stray .env of the caller's folder reaches pxtc).
in_work() { (cd "$WORK" && "$@"); }

# build_bench_setup: bench/bench_setup.c built against the installed libpxt (pkg-config
# pxt, as an out-of-tree program is built), and WORK/service.toml: the installed
# service file plus bench/routers/bench.toml.
build_bench_setup() {
	export PKG_CONFIG_PATH=$WORK/prefix/lib/pkgconfig
	pkg-config --exists pxt || die "pkg-config finds no pxt in $PKG_CONFIG_PATH"
	# shellcheck disable=SC2046
	cc -std=c11 -O2 -g -Wall -Wextra -Werror $(pkg-config --cflags pxt) \
	    -o "$WORK/bench_setup" "$BENCH/bench_setup.c" $(pkg-config --libs pxt) \
	    -Wl,-rpath,"$(pkg-config --variable=libdir pxt)"
	cat "$WORK/prefix/lib/pxtc/service.toml" "$BENCH/routers/bench.toml" > "$WORK/service.toml"
	chmod -R a+rX "$WORK"
}

# run_bench_setup: the table bench/rows in PXT_HOME (it starts the embedded PostgreSQL).
run_bench_setup() {
	in_work ./bench_setup >> "$WORK/stack.log" 2>&1 ||
	    { cat "$WORK/stack.log" >&2; die "bench_setup failed"; }
	log "home $PXT_HOME: bench/rows created"
}

psql_app() {
	psql "host=$PXT_HOME/run port=5432 user=pxtc dbname=pixeltable" -X -q -v ON_ERROR_STOP=1 "$@"
}

# nginx_start CONF: a daemon nginx from CONF, whose pid file is nginx.pid beside it;
# prints its master's PID, for the caller to track (track PID QUIT: graceful).
nginx_start() {
	local conf=$1 dir
	dir=$(dirname "$conf")
	"$NGINX" -t -q -e "$dir/error.log" -c "$conf" >> "$dir/nginx.out" 2>&1 ||
	    { cat "$dir/nginx.out" "$conf" >&2; die "nginx -t rejected $conf"; }
	"$NGINX" -e "$dir/error.log" -c "$conf" >> "$dir/nginx.out" 2>&1 ||
	    { cat "$dir/nginx.out" >&2; die "nginx did not start from $conf"; }
	for _ in $(seq 1 50); do [ -s "$dir/nginx.pid" ] && break; sleep 0.1; done
	cat "$dir/nginx.pid" 2>/dev/null || die "nginx wrote no $dir/nginx.pid"
}

# nginx_temp_paths DIR: the temporary folders of an nginx http block, inside DIR.
nginx_temp_paths() {
	local p
	for p in client_body_temp_path fastcgi_temp_path proxy_temp_path uwsgi_temp_path scgi_temp_path; do
		echo "    $p $1/$p;"
	done
}

# ticks PID...: user + system CPU clock ticks the processes have used so far.
ticks() {
	local p t=0 v
	for p in "$@"; do
		v=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }') || v=0
		t=$((t + ${v:-0}))
	done
	echo "$t"
}

# pg_pids: the embedded PostgreSQL's postmaster and its children.
pg_pids() {
	local pm
	pm=$(head -n1 "$PXT_HOME/pgdata/postmaster.pid" 2>/dev/null) || return 0
	echo "$pm"
	pgrep -P "$pm" || true
}

# sys_ticks: the machine's busy (user, nice, system, irq, softirq), steal, total and
# iowait CPU clock ticks so far (/proc/stat).
sys_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $6 }' /proc/stat; }

# busy_between S0 S1: "B% busy, S% stolen, W% iowait" of the machine between two
# sys_ticks readings.
busy_between() {
	awk -v s0="$1" -v s1="$2" 'BEGIN { split(s0, a, " "); split(s1, b, " "); t = b[3] - a[3]; if (t < 1) t = 1
	    printf "%.1f%% busy, %.1f%% stolen, %.1f%% iowait", (b[1] - a[1]) * 100 / t, (b[2] - a[2]) * 100 / t, (b[4] - a[4]) * 100 / t }'
}

# child_secs FILE: user + system seconds of the reaped children in a `times` output.
child_secs() { sed -n 2p "$1" | awk '{ s = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); s += a[1] * 60 + a[2] } printf "%.3f\n", s }'; }

# wait_quiet: before a measurement, wait (QUIET_MAX_S at most) until the whole machine
# is less than QUIET_PCT % busy over a second. What this script runs is idle then, so
# what is busy is somebody else (another session's build), which would take cores from
# one run and not the next. Not in a smoke run.
wait_quiet() {
	local s0 s1 pct waited=0
	[ "$SMOKE" = 0 ] || return 0
	while :; do
		s0=$(sys_ticks)
		sleep 1
		s1=$(sys_ticks)
		pct=$(busy_between "$s0" "$s1" | awk '{ printf "%.0f", $1 }')
		[ "$pct" -lt "$QUIET_PCT" ] && break
		waited=$((waited + 1))
		[ "$waited" = 1 ] && log "the machine is $pct% busy: waiting for it to quieten (${QUIET_MAX_S} s at most)"
		if [ "$waited" -ge "$QUIET_MAX_S" ]; then
			log "warning: still $pct% busy after ${QUIET_MAX_S} s: measuring anyway"
			break
		fi
	done
	[ "$waited" = 0 ] || log "waited ${waited} s for a quiet machine ($pct% busy)"
	QUIET_WAITED=$((QUIET_WAITED + waited))
}

# judge_pair WHAT: after a pair of runs that disturbed (a function) found disturbed:
# KEEP=0 and the pair is to be run again while REDONE < REDO_MAX; past that the pair is
# kept (KEEP=1) and counted in KEPT_DISTURBED.
judge_pair() {
	if [ "$REDONE" -lt "$REDO_MAX" ]; then
		REDONE=$((REDONE + 1))
		KEEP=0
		log "$1 disturbed (over $OTHER_MAX cores busy outside what is measured, or over $STEAL_MAX% stolen): running it again ($REDONE of $REDO_MAX)"
	else
		KEPT_DISTURBED=$((KEPT_DISTURBED + 1))
		log "warning: $1 disturbed, kept: REDO_MAX ($REDO_MAX) reached"
	fi
}

# wrk_run OUT SECONDS ARGS...: wrk bounded in time, its output in OUT; prints the
# BENCH line of bench/lua/*.lua.
wrk_run() {
	local out=$1 secs=$2
	shift 2
	timeout -k 5 $((secs + 60)) wrk -d"${secs}s" "$@" > "$out" 2>&1 ||
	    { cat "$out" >&2; die "wrk failed ($out)"; }
	grep '^BENCH ' "$out" || { cat "$out" >&2; die "no BENCH line from wrk ($out)"; }
}

# kv KEY: the value of KEY=... in the line on stdin (the first one).
kv() { tr ' ' '\n' | awk -F= -v k="$1" 'NF > 1 && $1 == k { print $2; exit }'; }

# median, total: of the numbers on stdin, one a line.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
total() { awk '{ s += $1 } END { print s + 0 }'; }

# ratio A B [DECIMALS]: A / B (3 decimals), nan when B is 0.
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-3}" 'BEGIN { if (b + 0 == 0) print "nan"; else printf "%.*f\n", d, a / b }'; }

# stats [DECIMALS]: "min p50 p90 p99 max mean" of the numbers on stdin (nearest rank).
stats() {
	sort -g | awk -v d="${1:-2}" '
	function q(p,   i) { i = int(p * (NR - 1) + 0.5) + 1; return v[i] }
	{ v[NR] = $1; s += $1 }
	END { if (NR == 0) { print "nan nan nan nan nan nan"; exit }
	      printf "%.*f %.*f %.*f %.*f %.*f %.*f\n", d, v[1], d, q(0.5), d, q(0.9), d, q(0.99), d, v[NR], d, s / NR }'
}

# verdict VALUE OP LIMIT: "met" when VALUE OP LIMIT holds (OP: lt le ge gt), else "NOT met".
verdict() {
	awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN { ok = op == "lt" ? v < t : op == "le" ? v <= t : op == "gt" ? v > t : v >= t
	    print ok ? "met" : "NOT met" }'
}

# machine_line: the report's first line about this machine.
machine_line() {
	echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), $(free -g | awk '/^Mem:/ { print $2 }') GiB memory, $(uname -sr)${1:+; $1}"
}

# load_line [MORE]: the load average at the start and now.
load_line() {
	echo "- load average (1, 5, 15 min) at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg)${1:+; $1}"
}

# report_out: WORK/report.md to stdout (after a smoke run's warning), and to -o FILE.
report_out() {
	if [ "$SMOKE" = 1 ]; then
		echo "**Smoke run** (--smoke: tiny data, one short round): it checks that the benchmark works; its numbers mean nothing."
		echo
	fi
	cat "$WORK/report.md"
	if [ -n "$REPORT_OUT" ]; then cp "$WORK/report.md" "$REPORT_OUT"; fi
}

# hold_now: keep what runs up for HOLD seconds (after the script printed where it is).
hold_now() {
	log "holding for $HOLD s (Ctrl-C ends it)"
	sleep "$HOLD" &
	track $!
	wait $!
}

# bench_end: the exit status: 3 when a target was missed and STRICT=1 (not in a smoke run).
bench_end() {
	if [ "$HOLD" -gt 0 ]; then hold_now; fi
	if [ "$SMOKE" = 1 ]; then
		log "smoke run passed"
	elif [ "$STRICT" = 1 ] && [ "$MISSED" = 1 ]; then
		log "a target was missed (STRICT=1)"
		exit 3
	fi
}
