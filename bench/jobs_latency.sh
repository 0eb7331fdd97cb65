#!/usr/bin/env bash
# jobs_latency.sh - background jobs at idle: how long a job waits from its enqueue to
# the start of its run (pickup), and to its end.
#
# It installs pxtc into a temporary prefix, builds bench/bench_setup.c against that copy
# of libpxt with pkg-config, and with a fresh PIXELTABLE_HOME under /tmp:
#   1. runs bench_setup (the table bench/rows: body String, metadata Json, n Int), which
#      starts the embedded PostgreSQL; turns track_commit_timestamp on (ALTER SYSTEM,
#      effective at the restart the stack start does), so the commit time of each job's
#      transaction can be read afterwards, and track_wal_io_timing, and logs autovacuum,
#      checkpoints and statements over 20 ms with ms timestamps;
#   2. starts the real stack (deploy/local/pxtc-stack: WORKERS workers, the jobs runner)
#      on a free 127.0.0.1 port with the reference app's service.toml plus
#      bench/routers/bench.toml, which declares POST /api/bench/bg/rows (type = "insert",
#      table bench/rows, background = true: 200 {"id", "job_url"}, run by the runner);
#   3. posts WARMUP jobs (not counted), then JOBS jobs one at a time, PAUSE_MS apart, so
#      each one finds the runner idle; every answer must be 200 with an id;
#   4. waits until every job is done (status done, http_status 200, one attempt each),
#      checks that bench/rows got a row per job, and reads from pxt_catalog (psql):
#        pickup        = the first attempt's `at` (job_attempts) - the job's created_at
#        finished_at   = jobs.finished_at - created_at; finished_at is now() of the
#                        job's transaction, i.e. the time that transaction BEGAN
#        done (commit) = the commit time of the job's transaction
#                        (pg_xact_commit_timestamp(xmin) of its jobs row) - created_at
#      and prints min, p50, p90, p99, max and mean of each in ms, the POST answer's time
#      (curl time_total), each job at or over TARGET_MS with its answer time, the WAL
#      flushes (count, time) and what PostgreSQL logged during the timed jobs, and the
#      verdict on the pickup (p50, p99 and max under TARGET_MS), as Markdown (stdout,
#      and -o FILE).
# created_at, at and the commit time are all read from PostgreSQL's clock, so the
# differences need no clock agreement between processes.
# The stack is stopped and the temporary folders removed on exit, pass or fail.
#
#   bench/jobs_latency.sh [-n JOBS] [-p PAUSE_MS] [-o REPORT.md] [--no-build]
#                         [--hold SECONDS] [--smoke] [--upload]
# --upload posts each job as the starter kit's frontend uploads a document: a
# multipart POST /api/data/upload/document (the reference service file's background
# route with uploadfile_inputs) with a small text file and an ISO timestamp; the file
# is stored before the job is queued, and the runner inserts the row (app/documents,
# its pipeline included).
# --smoke checks in seconds that it still works (one warm-up and five timed jobs, one
# worker, no wait for a quiet machine).
# --hold keeps the stack up for SECONDS after the run (the URL, the runner's PID and
# the psql connection string are printed), then cleans up.
# Environment: JOBS (100), PAUSE_MS (200), WARMUP (5), WORKERS (2), TARGET_MS (50),
# QUIET_PCT (15) and QUIET_MAX_S (120): before the timed jobs, wait up to QUIET_MAX_S
# seconds until the machine is less than QUIET_PCT % busy (100 turns the wait off),
# BUILD (build), STRICT=1 (exit 3 when the target is missed). Needs nginx, spawn-fcgi,
# multiwatch, psql, curl, cc, pkg-config and cmake. Shares bench/lib.sh.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init jobs_latency.sh
JOBS=${JOBS:-100}
PAUSE_MS=${PAUSE_MS:-200}
WARMUP=${WARMUP:-5}
WORKERS=${WORKERS:-2}
TARGET_MS=${TARGET_MS:-50}
QUIET_PCT=${QUIET_PCT:-15}
QUIET_MAX_S=${QUIET_MAX_S:-120}
BG_PATH=/api/bench/bg/rows
UPLOAD=0
CMDLINE="bench/jobs_latency.sh $*"

smoke_settings() { JOBS=5 WARMUP=1 PAUSE_MS=50 WORKERS=1; }

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		-n) JOBS=${2:?}; shift 2 ;;
		-p) PAUSE_MS=${2:?}; shift 2 ;;
		--upload) UPLOAD=1; BG_PATH=/api/data/upload/document; shift ;;
		*) bench_arg "$@"; shift "$BENCH_SHIFT" ;;
		esac
	done
	if [ "$UPLOAD" = 1 ]; then
		ROWS_TABLE=app/documents
		# the job's answer is the new row's uuid
		RESULT_OK="coalesce(j.result::jsonb ? 'uuid', false)"
		ROUTE_WHAT="routers/service.toml: the starter kit's upload, type = \"insert\", table app/documents, uploadfile_inputs = [\"document\"], background = true; multipart with a 60-byte Markdown file and an ISO timestamp"
	else
		ROWS_TABLE=bench/rows
		# the job's answer is the row it was given
		RESULT_OK="coalesce((j.result::jsonb ->> 'n')::int = (j.body::jsonb ->> 'n')::int, false)"
		ROUTE_WHAT="bench/routers/bench.toml: type = \"insert\", table bench/rows, background = true"
	fi
	need_int JOBS WORKERS TARGET_MS QUIET_PCT QUIET_MAX_S
	need_uint PAUSE_MS WARMUP HOLD
}

# build_and_install: pxtc into $WORK/prefix, then bench_setup against it.
build_and_install() {
	need_tools nginx spawn-fcgi multiwatch psql curl cc pkg-config cmake timeout
	build_pxtc
	need_built app/pxtc-worker app/pxtc schema/pxtc-setup
	install_prefix
	build_bench_setup
	log "built bench_setup against the installed libpxt"
}

start_stack() {
	stack_env
	export SERVER_SERVICE_FILE=$WORK/service.toml
	run_bench_setup
	# commit times of the jobs' transactions: needs a restart, which comes next
	# and PostgreSQL's own events in its log (logs/postgres.log), with ms timestamps, to
	# set beside the slow jobs: autovacuum, checkpoints, statements over 20 ms; and the
	# time its WAL flushes (the commits' fdatasync) take, in pg_stat_wal
	psql_app -c 'ALTER SYSTEM SET track_commit_timestamp = on' \
	    -c "ALTER SYSTEM SET log_line_prefix = '%m [%p] '" \
	    -c 'ALTER SYSTEM SET log_autovacuum_min_duration = 0' \
	    -c 'ALTER SYSTEM SET log_checkpoints = on' \
	    -c 'ALTER SYSTEM SET log_min_duration_statement = 20' \
	    -c 'ALTER SYSTEM SET track_wal_io_timing = on' >> "$WORK/stack.log" 2>&1 ||
	    die "ALTER SYSTEM SET track_commit_timestamp (and logging) failed"
	in_work "$WORK/prefix/bin/pxtc" db stop >> "$WORK/stack.log" 2>&1 ||
	    { cat "$WORK/stack.log" >&2; die "pxtc db stop failed"; }
	stack_start
	[ "$(psql_app -At -c 'SHOW track_commit_timestamp')" = on ] ||
	    die "track_commit_timestamp is not on after the restart"
	JOBS_MW=$(cat "$PXT_HOME/run/jobs.pid")
	RUNNER_PIDS=$(pgrep -P "$JOBS_MW" | tr '\n' ' ' || true)
	[ -n "$RUNNER_PIDS" ] || die "no jobs runner under multiwatch $JOBS_MW"
	in_work "$WORK/prefix/bin/pxtc" routes 2>&1 | grep -E "$BG_PATH" >&2 || true
}

# post I: one job; prints "CODE SECONDS", the answer in $WORK/answer-I.json.
post() {
	local i=$1
	if [ "$UPLOAD" = 1 ]; then
		printf '# Background document %d\n\nThe team reviewed the storage layer.\n' \
		    "$i" > "$WORK/upload-$i.md"
		curl -sS --max-time 30 -o "$WORK/answer-$i.json" -w '%{http_code} %{time_total}\n' \
		    -F "document=@$WORK/upload-$i.md" \
		    -F "timestamp=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$URL$BG_PATH"
		return
	fi
	curl -sS --max-time 30 -o "$WORK/answer-$i.json" -w '%{http_code} %{time_total}\n' \
	    -H 'Content-Type: application/json' --data-binary \
	    "{\"body\": \"Background row $i: the team reviewed the storage layer.\", \"metadata\": {\"source\": \"jobs_latency\", \"seq\": $i, \"tags\": [\"bench\", \"job\"]}, \"n\": $i}" \
	    "$URL$BG_PATH"
}

# wait_done N: until N jobs are finished (30 s at most).
wait_done() {
	local n=$1 done_n
	for _ in $(seq 1 300); do
		done_n=$(psql_app -At -c "SELECT count(*) FROM pxt_catalog.jobs WHERE status <> 'queued'")
		[ "$done_n" -ge "$n" ] && return 0
		sleep 0.1
	done
	die "only $done_n of $n jobs finished within 30 s"
}

run_jobs() {
	local i line code secs pause n
	pause=$(awk -v ms="$PAUSE_MS" 'BEGIN { printf "%.3f", ms / 1000 }')
	: > "$WORK/ids.txt"
	: > "$WORK/post_ms.txt"
	for i in $(seq 1 $((WARMUP + JOBS))); do
		if [ "$i" = $((WARMUP + 1)) ]; then
			wait_quiet
			WAL0=$(psql_app -At -F ' ' -c 'SELECT wal_sync, wal_sync_time FROM pg_stat_wal')
			SYS0=$(sys_ticks)
		fi
		line=$(post "$i") || die "curl failed on job $i"
		read -r code secs <<<"$line"
		[ "$code" = 200 ] || { cat "$WORK/answer-$i.json" >&2; echo >&2; die "job $i answered $code, not 200"; }
		grep -q '"job_url": *"http://[^"]*/_pxt/jobs/' "$WORK/answer-$i.json" || die "job $i: no job_url in $(cat "$WORK/answer-$i.json")"
		if [ "$i" -gt "$WARMUP" ]; then
			grep -o '"id": *"[0-9a-f-]*"' "$WORK/answer-$i.json" | sed 's/.*"\([0-9a-f-]*\)"$/\1/' >> "$WORK/ids.txt"
			awk -v s="$secs" 'BEGIN { printf "%.3f\n", s * 1000 }' >> "$WORK/post_ms.txt"
		fi
		sleep "$pause"
	done
	SYS1=$(sys_ticks)
	wait_done $((WARMUP + JOBS))
	WAL1=$(psql_app -At -F ' ' -c 'SELECT wal_sync, wal_sync_time FROM pg_stat_wal')
	n=$(wc -l < "$WORK/ids.txt")
	[ "$n" = "$JOBS" ] || die "$n job ids read, not $JOBS"
	log "$((WARMUP + JOBS)) jobs posted ($WARMUP warm-up), $PAUSE_MS ms apart; all finished"
}

# measure: one line per measured job, in enqueue order, into $WORK/jobs.txt:
# pickup_ms finished_ms commit_ms run_ms status http_status attempts result_ok idle
# created_at post_ms (result_ok: its result is its row; idle: the job before it had
# committed before this one was created; created_at in UTC; post_ms: the POST answer's
# curl time_total).
measure() {
	local ids bad
	ids=$(sed "s/.*/'&'/" "$WORK/ids.txt" | paste -sd,)
	psql_app -At -F ' ' -c "
	    WITH a AS (SELECT job_id, min(at) AS first_at, count(*) AS n
	               FROM pxt_catalog.job_attempts GROUP BY job_id),
	    j AS (SELECT j.*, pg_xact_commit_timestamp(j.xmin) AS commit_at
	          FROM pxt_catalog.jobs j WHERE j.id IN ($ids))
	    SELECT round(1000 * extract(epoch FROM a.first_at - j.created_at), 3),
	           round(1000 * extract(epoch FROM j.finished_at - j.created_at), 3),
	           round(1000 * extract(epoch FROM j.commit_at - j.created_at), 3),
	           round(1000 * extract(epoch FROM j.commit_at - a.first_at), 3),
	           j.status, j.http_status, a.n,
	           $RESULT_OK,
	           coalesce(lag(j.commit_at) OVER (ORDER BY j.created_at) < j.created_at, true),
	           to_char(j.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD_HH24:MI:SS.MS')
	    FROM j JOIN a ON a.job_id = j.id ORDER BY j.created_at" > "$WORK/jobs.txt"
	[ "$(wc -l < "$WORK/jobs.txt")" = "$JOBS" ] || die "psql gave $(wc -l < "$WORK/jobs.txt") jobs, not $JOBS"
	bad=$(awk '$5 != "done" || $6 != 200 || $7 != 1 || $8 != "t"' "$WORK/jobs.txt" | wc -l)
	[ "$bad" = 0 ] || { awk '$5 != "done" || $6 != 200 || $7 != 1 || $8 != "t"' "$WORK/jobs.txt" | head >&2
		die "$bad jobs are not done with 200 after one attempt"; }
	awk '$3 == "" { exit 1 }' "$WORK/jobs.txt" || die "a job has no commit timestamp"
	# the POST answer's time as column 11 (both files are in enqueue order)
	paste -d' ' "$WORK/jobs.txt" "$WORK/post_ms.txt" > "$WORK/jobs11.txt"
	mv "$WORK/jobs11.txt" "$WORK/jobs.txt"
	pg_events
	NOT_IDLE=$(awk '$9 != "t"' "$WORK/jobs.txt" | wc -l)
	ROWS=$(psql_app -At -c "SELECT count(*) FROM pxt_data.\"$ROWS_TABLE\"")
	[ "$ROWS" = $((WARMUP + JOBS)) ] || die "$ROWS_TABLE holds $ROWS rows, not $((WARMUP + JOBS))"
	RUNNERS=$(psql_app -At -c "SELECT count(DISTINCT runner) FROM pxt_catalog.job_attempts")
}

# pg_events: PG_EVENTS, what PostgreSQL logged between the first and the last timed
# job's created_at (plus a second): "HH:MM:SS.mmm what", joined by "; ", 12 at most.
pg_events() {
	local from to
	from=$(awk 'NR == 1 { print $10 }' "$WORK/jobs.txt" | tr _ ' ')
	to=$(awk 'END { print $10 }' "$WORK/jobs.txt" | tr _ ' ')
	to=$(date -u -d "$to UTC + 1 second" '+%Y-%m-%d %H:%M:%S.%3N' 2>/dev/null || echo "$to")
	PG_EVENTS=$(awk -v from="$from" -v to="$to" '
	    /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9:.]+ UTC / {
	        ts = $1 " " $2
	        if (ts < from || ts > to) next
	        line = $0; sub(/^[^]]*\] /, "", line); sub(/^LOG: +/, "", line)
	        if (line !~ /automatic (vacuum|analyze)|checkpoint|duration:/) next
	        if (++n <= 12) printf "%s%s %s", (n > 1 ? "; " : ""), substr($2, 1, 12), substr(line, 1, 90)
	    }
	    END { if (n > 12) printf "; and %d more", n - 12 }' "$PXT_HOME/logs/postgres.log" 2>/dev/null || true)
}

# col_stats COLUMN [FILE]: min p50 p90 p99 max mean of a column (nearest rank).
col_stats() { awk -v c="$1" '{ print $c }' "${2:-$WORK/jobs.txt}" | stats; }

report() {
	local s label verdict p50 p99 max over
	read -r _ p50 _ p99 max _ <<<"$(col_stats 1)"
	verdict=$(awk -v a="$p50" -v b="$p99" -v c="$max" -v t="$TARGET_MS" 'BEGIN { print (a < t && b < t && c < t) ? "met" : "NOT met" }')
	over=$(awk -v t="$TARGET_MS" '$1 >= t { n++ } END { print n + 0 }' "$WORK/jobs.txt")
	MISSED=0
	[ "$verdict" = met ] || MISSED=1
	{
		echo "## pxtc background job latency at idle, $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo
		machine_line
		echo "- command: \`$CMDLINE\` (JOBS=$JOBS WARMUP=$WARMUP PAUSE_MS=$PAUSE_MS WORKERS=$WORKERS, one jobs runner)"
		echo "- route: \`POST $BG_PATH\` ($ROUTE_WHAT); every job done, http_status 200, one attempt, its row stored; runners seen: $RUNNERS"
		echo "- jobs whose predecessor had not committed when they were created: $NOT_IDLE of $JOBS"
		load_line "waited ${QUIET_WAITED} s for a machine under $QUIET_PCT% busy; during the timed jobs the machine was $(busy_between "$SYS0" "$SYS1")"
		echo
		echo "| $JOBS jobs, ms | min | p50 | p90 | p99 | max | mean |"
		echo "|---|---:|---:|---:|---:|---:|---:|"
		for s in 1 2 3 4; do
			case $s in
			1) label="**pickup**: first attempt's \`at\` - \`created_at\`" ;;
			2) label="\`finished_at\` - \`created_at\` (finished_at = the job transaction's start)" ;;
			3) label="**done**: the job's commit - \`created_at\`" ;;
			4) label="run: the job's commit - first attempt's \`at\`" ;;
			esac
			read -r a b c d e f <<<"$(col_stats "$s")"
			echo "| $label | $a | $b | $c | $d | $e | $f |"
		done
		read -r a b c d e f <<<"$(col_stats 1 "$WORK/post_ms.txt")"
		echo "| the POST answer (curl time_total) | $a | $b | $c | $d | $e | $f |"
		echo
		echo "- pickup of every job in order (ms): $(awk '{ printf "%s%.1f", (NR > 1 ? " " : ""), $1 }' "$WORK/jobs.txt")"
		[ "$over" = 0 ] || echo "- jobs at or over $TARGET_MS ms (job: pickup / the job's POST answer / its run, ms): $(awk -v t="$TARGET_MS" '$1 >= t { printf "%s#%d at %s: %.1f / %.1f / %.1f", (n++ ? ", " : ""), NR, substr($10, 12), $1, $11, $4 }' "$WORK/jobs.txt")"
		echo "- WAL flushes (fdatasync, pg_stat_wal) from the first timed job to the last one's end: $(awk -v a="$WAL0" -v b="$WAL1" 'BEGIN { split(a, x, " "); split(b, y, " "); n = y[1] - x[1]; t = y[2] - x[2]; printf "%d, %.1f ms in all, %.2f ms each on average", n, t, n ? t / n : 0 }')"
		echo "- PostgreSQL's log during the timed jobs (autovacuum, checkpoints, statements over 20 ms; UTC): ${PG_EVENTS:-nothing}"
		echo
		echo "Target: pickup under $TARGET_MS ms at idle: **$verdict** (p50 $p50 ms, p99 $p99 ms, max $max ms; $over of $JOBS jobs at or over $TARGET_MS ms)."
	} > "$WORK/report.md"
	report_out
}

hold() {
	[ "$HOLD" = 0 ] && return 0
	log "$URL up (jobs runner $RUNNER_PIDS), PIXELTABLE_HOME=$PXT_HOME"
	log "psql \"host=$PXT_HOME/run port=5432 user=pxtc dbname=pixeltable\""
}

main() {
	parse_args "$@"
	bench_begin jobs	# WORK: the workers (user pxtc) read service.toml from it
	build_and_install
	start_stack
	run_jobs
	measure
	report
	hold
	bench_end
}

# run unless sourced (sourcing gives the functions, for trying pieces by hand)
if [ "${BASH_SOURCE[0]}" = "$0" ]; then main "$@"; fi
