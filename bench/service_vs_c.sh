#!/usr/bin/env bash
# service_vs_c.sh - a declared insert route against the same route written in C, in
# requests per second, on one stack, in interleaved wrk runs.
#
# It installs pxtc into a temporary prefix and builds two programs against that copy
# of libpxt with pkg-config, as an out-of-tree router is built:
#   bench_setup   (bench/bench_setup.c)     creates the table bench/rows: body String,
#                                           metadata Json, n Int; no computed columns
#   bench_c.so    (bench/routers/bench_c.c) a router: POST /api/bench/c/rows, an insert
#                                           route on bench/rows (pxt_add_insert_route)
# The service file of the run is the reference app's installed service.toml plus
# bench/routers/bench.toml, which declares POST /api/bench/toml/rows (type = "insert",
# the same table and inputs). With a fresh PIXELTABLE_HOME under /tmp it runs
# bench_setup, then starts the real stack (deploy/local/pxtc-stack, WORKERS workers,
# routers data.so and bench_c.so) on a free 127.0.0.1 port, and:
#   1. POSTs one body to each route: both must answer 200, and the same JSON but the id;
#   2. warms both routes up (3 s each, not recorded);
#   3. runs wrk -t THREADS -c CONNS -d DUR --latency with bench/lua/rows.lua (a JSON
#      body per request), ROUNDS pairs, alternating: C, TOML, C, TOML, ...; each run
#      waits for a quiet machine first, and a pair that another process disturbed
#      (it took over OTHER_MAX cores, or the hypervisor over STEAL_MAX %) is run again;
#   4. prints every run's req/s, p50, p99, errors and CPU time per request (workers,
#      PostgreSQL, nginx, wrk; the other processes' share), the medians of the kept
#      pairs, and the ratio of the median req/s, TOML / C, against the target (they
#      differ by less than TARGET_PCT %) as Markdown (stdout, and -o FILE).
# The stack is stopped and the temporary folders removed on exit, pass or fail.
#
#   bench/service_vs_c.sh [-r ROUNDS] [-d SECONDS] [-o REPORT.md] [--no-build]
#                         [--hold SECONDS] [--smoke]
# --smoke checks in seconds that it still works (one pair of 1 s runs, one worker, no
# warm-up, no wait for a quiet machine).
# --hold keeps the stack up for SECONDS after the runs (perf, strace, curl by hand: the
# URL and the worker PIDs are printed), then cleans up.
# Environment: ROUNDS (3 pairs), DUR (10), WORKERS (2), THREADS (2), CONNS (16),
# WARM_S (3), TARGET_PCT (10), QUIET_PCT (15) and QUIET_MAX_S (120): before each run,
# wait up to QUIET_MAX_S seconds until the machine, the stack idle, is less than
# QUIET_PCT % busy (another session's build would take cores from one route's run
# only; 100 turns the wait off), OTHER_MAX (0.3), STEAL_MAX (5) and REDO_MAX (6): a
# pair during which more than OTHER_MAX cores were busy outside the stack and wrk, or
# the hypervisor stole more than STEAL_MAX % of the CPU, is run again, REDO_MAX times
# at most, ORDER (ct: C first in each pair; tc: TOML first; abba: C first in odd
# pairs, TOML first in even ones, which cancels a steady drift), BUILD (build),
# STRICT=1 (exit 3 when the target is missed).
# Needs wrk, nginx, spawn-fcgi, multiwatch, psql, curl, cc, pkg-config and cmake.
# Shares bench/lib.sh with the other scripts.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init service_vs_c.sh
ROUNDS=${ROUNDS:-3}
DUR=${DUR:-10}
WORKERS=${WORKERS:-2}
THREADS=${THREADS:-2}
CONNS=${CONNS:-16}
WARM_S=${WARM_S:-3}
TARGET_PCT=${TARGET_PCT:-10}
QUIET_PCT=${QUIET_PCT:-15}
QUIET_MAX_S=${QUIET_MAX_S:-120}
OTHER_MAX=${OTHER_MAX:-0.3}
STEAL_MAX=${STEAL_MAX:-5}
REDO_MAX=${REDO_MAX:-6}
ORDER=${ORDER:-ct}
C_PATH=/api/bench/c/rows
TOML_PATH=/api/bench/toml/rows
CMDLINE="bench/service_vs_c.sh $*"

smoke_settings() { ROUNDS=1 DUR=1 WARM_S=0 WORKERS=1 CONNS=4 REDO_MAX=0; }

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		-r) ROUNDS=${2:?}; shift 2 ;;
		-d) DUR=${2:?}; shift 2 ;;
		*) bench_arg "$@"; shift "$BENCH_SHIFT" ;;
		esac
	done
	need_int ROUNDS DUR WORKERS THREADS CONNS TARGET_PCT QUIET_PCT QUIET_MAX_S
	need_uint WARM_S REDO_MAX HOLD
	need_num OTHER_MAX STEAL_MAX
	[[ $ORDER == ct || $ORDER == tc || $ORDER == abba ]] ||
	    die "ORDER is ct (C first in each pair), tc or abba, got '$ORDER'"
}

# build_and_install: pxtc into $WORK/prefix, then bench_setup and bench_c.so against it.
build_and_install() {
	need_tools wrk nginx spawn-fcgi multiwatch psql curl cc pkg-config cmake timeout
	build_pxtc
	need_built app/pxtc-worker app/pxtc schema/pxtc-setup
	install_prefix
	build_bench_setup
	# shellcheck disable=SC2046
	cc -std=c11 -O2 -g -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden \
	    $(pkg-config --cflags pxt) -o "$WORK/bench_c.so" "$BENCH/routers/bench_c.c" \
	    $(pkg-config --libs pxt)
	chmod -R a+rX "$WORK"
	log "built bench_setup and bench_c.so against the installed libpxt (pkg-config pxt $(pkg-config --modversion pxt))"
}

start_stack() {
	stack_env
	export SERVER_ROUTERS="data.so,$WORK/bench_c.so"
	export SERVER_SERVICE_FILE=$WORK/service.toml
	run_bench_setup
	stack_start
	MW_PID=$(cat "$PXT_HOME/run/workers.pid")
	NGINX_MASTER=$(cat "$PXT_HOME/run/nginx.pid")
	WORKER_PIDS=$(pgrep -P "$MW_PID" | tr '\n' ' ' || true)
	in_work "$WORK/prefix/bin/pxtc" routes 2>&1 | grep -E "/api/bench/" >&2 || true
}

# stack_ok: multiwatch, its WORKERS workers and nginx still run.
stack_ok() {
	local n
	kill -0 "$MW_PID" 2>/dev/null || die "the workers' multiwatch (pid $MW_PID) is gone"
	kill -0 "$NGINX_MASTER" 2>/dev/null || die "nginx (pid $NGINX_MASTER) is gone"
	n=$(pgrep -c -P "$MW_PID" || true)
	[ "${n:-0}" -ge "$WORKERS" ] || die "${n:-0} of $WORKERS workers left: killed from outside?"
}

# The two routes answer the same body with 200 and the same JSON, but for the id.
check_same_answer() {
	local body='{"body": "A first row, to compare the answers.", "metadata": {"source": "check", "tags": ["a", "b"], "score": 1.5}, "n": 7}'
	local p code a b
	for p in c toml; do
		code=$(curl -sS --max-time 30 -o "$WORK/check-$p.json" -w '%{http_code}' \
		    -H 'Content-Type: application/json' --data-binary "$body" "$URL/api/bench/$p/rows") ||
		    die "curl failed on POST /api/bench/$p/rows"
		[ "$code" = 200 ] || { cat "$WORK/check-$p.json" >&2; echo >&2; die "POST /api/bench/$p/rows answered $code"; }
	done
	a=$(sed 's/"id": *"[0-9a-f-]*"/"id": "ID"/' "$WORK/check-c.json")
	b=$(sed 's/"id": *"[0-9a-f-]*"/"id": "ID"/' "$WORK/check-toml.json")
	if [ "$a" != "$b" ]; then
		printf 'C:    %.400s\nTOML: %.400s\n' "$a" "$b" >&2
		die "the two routes answer different JSON"
	fi
	grep -q '"id": *"[0-9a-f-]\{36\}"' "$WORK/check-c.json" || die "the answer has no id: $a"
	ANSWER=$a
	log "both routes answer 200 and the same JSON but the id: $a"
}

nginx_pids() { pgrep -P "$NGINX_MASTER" || true; }
# run_wrk LABEL ROUND PATH SECONDS: one run; a line in RESULTS unless ROUND is warm.
# Besides wrk's numbers: the CPU time per request of the stack's workers, of all
# PostgreSQL backends and of nginx's workers, and what the rest of the machine took
# during the run: other_cores (busy CPU of neither the stack nor wrk, in cores: kernel
# threads, other sessions on the machine), steal_pct (time the hypervisor gave to other
# VMs), iowait_pct (idle with a disk write pending: the commits' fsyncs, or another
# session's disk traffic slowing them) and idle_pct, each of the whole machine.
run_wrk() {
	local label=$1 round=$2 path=$3 secs=$4 out line w0 p0 n0 w1 p1 n1 s0 s1 c0 c1 hz
	out=$WORK/wrk-$label-$round.txt
	stack_ok
	wait_quiet
	# shellcheck disable=SC2046,SC2086
	{ w0=$(ticks $WORKER_PIDS); p0=$(ticks $(pg_pids)); n0=$(ticks $(nginx_pids)); s0=$(sys_ticks); }
	times > "$WORK/times0.txt"	# (in this shell: wrk's CPU shows in its children's)
	line=$(wrk_run "$out" "$secs" -t"$THREADS" -c"$CONNS" --latency -s "$BENCH/lua/rows.lua" "$URL$path")
	times > "$WORK/times1.txt"
	# shellcheck disable=SC2046,SC2086
	{ w1=$(ticks $WORKER_PIDS); p1=$(ticks $(pg_pids)); n1=$(ticks $(nginx_pids)); s1=$(sys_ticks); }
	stack_ok
	c0=$(child_secs "$WORK/times0.txt")
	c1=$(child_secs "$WORK/times1.txt")
	hz=$(getconf CLK_TCK)
	line="$line $(awk -v r="$(kv requests <<<"$line")" -v d="$(kv duration_s <<<"$line")" \
	    -v hz="$hz" -v w=$((w1 - w0)) -v p=$((p1 - p0)) -v n=$((n1 - n0)) \
	    -v s0="$s0" -v s1="$s1" -v c0="$c0" -v c1="$c1" 'BEGIN { if (r < 1) r = 1
	    split(s0, a, " "); split(s1, b, " "); wrk = (c1 - c0) * hz
	    other = (b[1] - a[1]) - w - p - n - wrk; if (other < 0) other = 0
	    tot = b[3] - a[3]; if (tot < 1) tot = 1
	    printf "worker_us=%.1f pg_us=%.1f nginx_us=%.1f wrk_us=%.1f other_cores=%.2f steal_pct=%.1f iowait_pct=%.1f idle_pct=%.1f",
	        w * 1e6 / hz / r, p * 1e6 / hz / r, n * 1e6 / hz / r, wrk * 1e6 / hz / r,
	        other / hz / d, (b[2] - a[2]) * 100 / tot, (b[4] - a[4]) * 100 / tot,
	        (tot - (b[1] - a[1]) - (b[2] - a[2]) - (b[4] - a[4])) * 100 / tot }')"
	[ "$(kv errors <<<"$line")" = 0 ] || log "warning: $label run $round had errors: $line (see $out)"
	if [ "$round" = warm ]; then log "$label warm-up: ${line#BENCH }"; return 0; fi
	printf '%s %s %s\n' "$label" "$round" "$line" >> "$WORK/raw.txt"
	log "$label run $round: ${line#BENCH }"
}

# disturbed PAIR: during some run of the pair, more than OTHER_MAX cores were busy
# outside the stack and wrk (another session's work), or the hypervisor stole more than
# STEAL_MAX % of the time (other VMs): one route lost CPU the other did not.
disturbed() {
	awk -v p="$1" -v m="$OTHER_MAX" -v s="$STEAL_MAX" '$2 == p { for (i = 3; i <= NF; i++) {
	    split($i, kv, "=")
	    if (kv[1] == "other_cores" && kv[2] + 0 > m + 0) bad = 1
	    if (kv[1] == "steal_pct" && kv[2] + 0 > s + 0) bad = 1 } }
	    END { exit !bad }' "$WORK/raw.txt"
}

# ROUNDS kept pairs C, TOML, C, TOML, ... (ORDER=tc: TOML, C, ...; abba: C, TOML,
# TOML, C, ...); a disturbed pair is run again (REDO_MAX times in all; past that,
# disturbed pairs are kept as they are, and the report says so).
run_rounds() {
	local pair=0 kept=0
	: > "$WORK/raw.txt"
	ROWS0=$(psql_app -At -c 'SELECT count(*) FROM pxt_data."bench/rows"')
	log "warm-up, ${WARM_S} s a route (not recorded)"
	if [ "$WARM_S" -gt 0 ]; then
		run_wrk c warm "$C_PATH" "$WARM_S"
		run_wrk toml warm "$TOML_PATH" "$WARM_S"
	fi
	KEPT_DISTURBED=0
	REDONE=0
	while [ "$kept" -lt "$ROUNDS" ]; do
		pair=$((pair + 1))
		if [ "$ORDER" = ct ] || { [ "$ORDER" = abba ] && [ $((pair % 2)) = 1 ]; }; then
			run_wrk c "$pair" "$C_PATH" "$DUR"
			run_wrk toml "$pair" "$TOML_PATH" "$DUR"
		else
			run_wrk toml "$pair" "$TOML_PATH" "$DUR"
			run_wrk c "$pair" "$C_PATH" "$DUR"
		fi
		KEEP=1
		if disturbed "$pair"; then judge_pair "pair $pair"; fi
		[ "$KEEP" = 0 ] || kept=$((kept + 1))
		awk -v p="$pair" -v k="$KEEP" '$2 == p { print $0 " kept=" k }' "$WORK/raw.txt" >> "$WORK/results.txt"
	done
	ROWS1=$(psql_app -At -c 'SELECT count(*) FROM pxt_data."bench/rows"')
}

# field LABEL KEY: KEY's values over LABEL's kept runs, in order.
field() { awk -v l="$1" -v k="$2" '$1 == l && / kept=1$/ { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$WORK/results.txt"; }

report() {
	local c_rps t_rps rps_ratio p99_ratio diff verdict r
	c_rps=$(field c rps | median)
	t_rps=$(field toml rps | median)
	rps_ratio=$(ratio "$t_rps" "$c_rps")
	p99_ratio=$(ratio "$(field toml p99_ms | median)" "$(field c p99_ms | median)")
	diff=$(awk -v x="$rps_ratio" 'BEGIN { d = (x - 1) * 100; printf "%+.1f", d }')
	verdict=$(awk -v x="$rps_ratio" -v t="$TARGET_PCT" 'BEGIN { d = (x - 1) * 100; if (d < 0) d = -d; print (d < t) ? "met" : "NOT met" }')
	MISSED=0
	[ "$verdict" = met ] || MISSED=1
	{
		echo "## pxtc declared insert route vs the same route in C, $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo
		machine_line
		echo "- command: \`$CMDLINE\` (ROUNDS=$ROUNDS pairs, ORDER=$ORDER, DUR=${DUR}s, WORKERS=$WORKERS, wrk -t$THREADS -c$CONNS --latency, bench/lua/rows.lua, ${WARM_S} s warm-up a route)"
		echo "- routes: C \`POST $C_PATH\` (bench/routers/bench_c.c, pxt_add_insert_route) and declared \`POST $TOML_PATH\` (bench/routers/bench.toml, type = \"insert\"), same table bench/rows (body String, metadata Json, n Int, id UUIDv7 key), same inputs, same workers"
		echo "- answer of both (id replaced): \`$ANSWER\`"
		echo "- rows inserted by the measured and warm-up runs: $((ROWS1 - ROWS0))"
		load_line "waited ${QUIET_WAITED} s in all for a machine under $QUIET_PCT% busy before the runs"
		echo
		echo "- pairs kept: $ROUNDS; run again because another process took over $OTHER_MAX cores, or the hypervisor over $STEAL_MAX%, during them: $REDONE; disturbed but kept (REDO_MAX reached): $KEPT_DISTURBED"
		echo
		echo "| pair | route | req/s | p50 ms | p99 ms | errors | worker CPU us/req | PostgreSQL CPU us/req | nginx CPU us/req | wrk CPU us/req | other busy cores | steal % | iowait % | idle % | kept |"
		echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
		awk '{ delete f; for (i = 3; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		    printf "| %d | %s | %.0f | %.2f | %.2f | %d | %.0f | %.0f | %.0f | %.0f | %.2f | %.1f | %.1f | %.1f | %s |\n", $2,
		    ($1 == "c" ? "C" : "TOML"), f["rps"], f["p50_ms"], f["p99_ms"], f["errors"],
		    f["worker_us"], f["pg_us"], f["nginx_us"], f["wrk_us"], f["other_cores"],
		    f["steal_pct"], f["iowait_pct"], f["idle_pct"], (f["kept"] == 1 ? "yes" : "no, disturbed") }' "$WORK/results.txt"
		echo
		echo "Kept pairs only:"
		echo
		echo "| route | median req/s | median p50 ms | median p99 ms | worker CPU us/req | PostgreSQL CPU us/req | nginx CPU us/req |"
		echo "|---|---:|---:|---:|---:|---:|---:|"
		for r in c toml; do
			printf '| %s | %.0f | %.2f | %.2f | %.0f | %.0f | %.0f |\n' \
			    "$([ $r = c ] && echo "C ($C_PATH)" || echo "TOML ($TOML_PATH)")" \
			    "$(field $r rps | median)" "$(field $r p50_ms | median)" \
			    "$(field $r p99_ms | median)" "$(field $r worker_us | median)" \
			    "$(field $r pg_us | median)" "$(field $r nginx_us | median)"
		done
		echo
		echo "Pair ratios TOML / C (req/s): $(paste -d' ' <(field c rps) <(field toml rps) |
		    awk '{ printf "%s%.3f", (NR > 1 ? " / " : ""), $2 / $1 }')"
		echo
		echo "Target: the declared route and the C route differ by less than $TARGET_PCT% in req/s: **$verdict** (median TOML / C = $rps_ratio, ${diff}%; p99 TOML / C = $p99_ratio)."
	} > "$WORK/report.md"
	report_out
}

hold() {
	[ "$HOLD" = 0 ] || log "$URL up (workers $WORKER_PIDS), PIXELTABLE_HOME=$PXT_HOME"
}

main() {
	parse_args "$@"
	bench_begin svc	# WORK: the workers (user pxtc) load bench_c.so and service.toml from it
	build_and_install
	start_stack
	check_same_answer
	run_rounds
	report
	hold
	bench_end
}

# run unless sourced (sourcing gives the functions, for trying pieces by hand)
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
