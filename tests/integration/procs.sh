# procs.sh - the processes and folders of one integration test, recorded by PID so that
# they, and nothing else on the machine, can be stopped and removed: by the test's own
# exit trap (lib.sh), or by cleanup.sh, the ctest cleanup fixture, when ctest killed the
# test on timeout and the trap never ran. Sourced by lib.sh and cleanup.sh.
#
# A record is one file per test run in the run folder of one build ($PXT_IT_RUN, under
# that build's test artifacts), with lines of four kinds:
#   owner PID START   the test script itself: while it runs, the record is its own
#                     business (a test of another ctest run of the same build)
#   home DIR          a PIXELTABLE_HOME: its servers are found through their PID files
#                     (run/nginx.pid, run/workers.pid, run/jobs.pid, pgdata/postmaster.pid)
#   dir DIR           a folder the test made, removed at the end
#   pid PID START     a process the test started, with its start time (clock ticks after
#                     boot, /proc/PID/stat), so a PID the system has since given to
#                     another process is left alone
# A process is only signalled when its start time is the recorded one (pid lines) or
# not later than the PID file that names it (home lines).

# it_proc_start PID - the process's start time in clock ticks after boot; fails when
# there is no such process or it is a zombie
it_proc_start() {
	local stat rest f
	[[ ${1:-} =~ ^[0-9]+$ ]] || return 1
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	rest=${stat##*) }	# the name may hold spaces and parentheses: cut after the last ')'
	read -r -a f <<<"$rest"
	[ "${f[0]}" != Z ] || return 1
	echo "${f[19]}"	# field 22 of stat, the 20th after the name
}

# it_proc_is PID START - the process PID runs and started at START
it_proc_is() {
	local s
	s=$(it_proc_start "$1") || return 1
	[ "$s" = "$2" ]
}

# it_pidfile_proc FILE - "PID START" of the process FILE names, when it runs and started
# no later than FILE was written (a reused PID started after)
it_pidfile_proc() {
	local pid start btime tck mtime
	[ -r "$1" ] || return 1
	read -r pid <"$1" 2>/dev/null || return 1
	start=$(it_proc_start "$pid") || return 1
	btime=$(awk '$1 == "btime" {print $2}' /proc/stat)
	tck=$(getconf CLK_TCK)
	mtime=$(stat -c %Y "$1" 2>/dev/null) || return 1
	[ $((btime + start / tck)) -le $((mtime + 1)) ] || return 1
	echo "$pid $start"
}

# it_proc_stop SIGNAL PID START... - send SIGNAL to each process of the list ("PID START"
# pairs) that is still the one recorded, wait up to 10 s, then SIGKILL those left. A
# process that led its own process group (a daemon, a setsid) takes its group with it.
it_proc_stop() {
	local sig=$1 pid start i alive groups=()
	shift
	local list=("$@")
	for ((i = 0; i + 1 < ${#list[@]}; i += 2)); do
		pid=${list[i]} start=${list[i + 1]}
		it_proc_is "$pid" "$start" || continue
		[ "$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" = "$pid" ] && groups+=("$pid")
		kill -"$sig" "$pid" 2>/dev/null || true
	done
	for _ in $(seq 100); do
		alive=
		for ((i = 0; i + 1 < ${#list[@]}; i += 2)); do
			it_proc_is "${list[i]}" "${list[i + 1]}" && alive=1
		done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	for ((i = 0; i + 1 < ${#list[@]}; i += 2)); do
		it_proc_is "${list[i]}" "${list[i + 1]}" && kill -KILL "${list[i]}" 2>/dev/null
	done
	# the members of a group whose leader was ours (a group's ID is not given to a new
	# process while any member lives, so these are the leader's children)
	for pid in "${groups[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
	return 0
}

# it_home_stop HOME - stop the servers of a PIXELTABLE_HOME by their PID files: nginx,
# the workers and the jobs runner first, then the embedded PostgreSQL (fast shutdown)
it_home_stop() {
	local home=$1 f pid start stack=()
	for f in run/nginx.pid run/workers.pid run/jobs.pid; do
		read -r pid start < <(it_pidfile_proc "$home/$f") && stack+=("$pid" "$start")
	done
	[ ${#stack[@]} = 0 ] || it_proc_stop TERM "${stack[@]}"
	if read -r pid start < <(it_pidfile_proc "$home/pgdata/postmaster.pid"); then
		it_proc_stop INT "$pid" "$start"
	fi
	return 0
}

# it_record_stop RECORD - stop what a record names (processes first, then the homes'
# servers), remove its folders and the record itself
it_record_stop() {
	local kind a b procs=() homes=() dirs=() h d
	[ -f "$1" ] || return 0
	while read -r kind a b; do
		case $kind in
		pid) procs+=("$a" "$b") ;;
		home) homes+=("$a"); dirs+=("$a") ;;
		dir) dirs+=("$a") ;;
		esac
	done <"$1"
	[ ${#procs[@]} = 0 ] || it_proc_stop TERM "${procs[@]}"
	for h in "${homes[@]}"; do it_home_stop "$h"; done
	for d in "${dirs[@]}"; do [ -n "$d" ] && [ "$d" != / ] && rm -rf "$d"; done
	rm -f "$1"
}

# it_record_owner_alive RECORD - the script that wrote RECORD still runs
it_record_owner_alive() {
	local kind a b
	while read -r kind a b; do
		[ "$kind" = owner ] || continue
		it_proc_is "$a" "$b" && return 0
	done <"$1"
	return 1
}
