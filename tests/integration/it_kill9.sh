#!/usr/bin/env bash
# kill -9 of the embedded postmaster, then any pxtc command: the server comes back and
# the data is intact. A stale postmaster.pid whose pid now belongs to another program
# does not block a start either.
source "$(dirname "$0")/lib.sh"

expect_exit 0 "$PXTC_SETUP"
q "INSERT INTO pxt_data.\"app/documents\" (document) VALUES ('/data/one.pdf')"
# a client holding a connection keeps a backend alive across the kill
psql "host=$PIXELTABLE_HOME/run port=5432 user=pxtc dbname=pixeltable" -Xqc "SELECT pg_sleep(2)" >/dev/null 2>&1 &
it_track $!
sleep 0.3

for round in 1 2; do
	pid=$(postmaster_pid)
	[ -n "$pid" ] || fail "no postmaster pid"
	kill -9 "$pid"
	expect_exit 3 "$PXTC" db status
	# any pxtc command brings it back
	if [ $round = 1 ]; then expect_exit 0 "$PXTC" ls -r; else expect_exit 0 "$PXTC_SETUP"; fi
	[ "$(q "SELECT document FROM pxt_data.\"app/documents\"")" = /data/one.pdf ] || fail "data lost (round $round)"
	[ "$(postmaster_pid)" != "$pid" ] || fail "same postmaster"
done

# stale pid file: stop, then plant the pid of a live process that is not PostgreSQL
expect_exit 0 "$PXTC" db stop
sleep 300 & sleeper=$!
it_track "$sleeper"
cp "$PIXELTABLE_HOME/pgdata/postgresql.conf" /dev/null
printf '%s\n%s\n' "$sleeper" "$PIXELTABLE_HOME/pgdata" >"$PIXELTABLE_HOME/pgdata/postmaster.pid"
[ "$(id -u)" = 0 ] && chown pxtc: "$PIXELTABLE_HOME/pgdata/postmaster.pid"
expect_exit 0 "$PXTC" db start
kill "$sleeper"
[ "$(q "SELECT count(*) FROM pxt_data.\"app/documents\"")" = 1 ] || fail "data after stale pid"
