#!/bin/bash
# docker-entrypoint.sh - the start of the deploy tests' PostgreSQL image, keeping the
# official postgres image's contract as far as pxtc's docker-compose.yml uses it:
#   - POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD=trust),
#     POSTGRES_USER (default postgres), POSTGRES_DB (default $POSTGRES_USER),
#     POSTGRES_INITDB_ARGS, PGDATA;
#   - the first start (an empty $PGDATA) runs initdb, sets the password, creates the
#     database and allows password logins over TCP (scram-sha-256) and trusted local
#     socket logins; later starts reuse the data as it is;
#   - the server runs as the user postgres (started as root, it drops to it) and
#     listens on all addresses, on $PGPORT or `-p PORT` (default 5432);
#   - `docker run IMAGE -c key=value` passes server options, any other command runs as is.
set -euo pipefail

# log MESSAGE - one line on stderr, tagged like the server's own
log() { printf 'entrypoint: %s\n' "$*" >&2; }

# init_cluster - initdb, the password, pg_hba.conf and the database, in an empty $PGDATA
init_cluster() {
	local user=${POSTGRES_USER:-postgres} db=${POSTGRES_DB:-${POSTGRES_USER:-postgres}}
	local auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
	if [[ -z ${POSTGRES_PASSWORD:-} && $auth != trust ]]; then
		log "error: the database is not initialized and POSTGRES_PASSWORD is not set"
		log "       (set it, or POSTGRES_HOST_AUTH_METHOD=trust to allow logins without one)"
		exit 1
	fi
	log "initializing $PGDATA (user $user, database $db)"
	# shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a list of options
	initdb --username="$user" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD:-}") \
	    --auth-local=trust --auth-host="$auth" ${POSTGRES_INITDB_ARGS:-} >/dev/null
	printf 'host all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"
	printf "listen_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
	if [[ $db != postgres ]]; then
		# single-user mode: no server listens before the database exists
		printf 'CREATE DATABASE "%s";\n' "${db//\"/\"\"}" |
		    postgres --single -j -D "$PGDATA" postgres >/dev/null
	fi
	log "initialized"
}

# a first argument that is an option is the server's
if [[ ${1:-} == -* ]]; then
	set -- postgres "$@"
fi
if [[ ${1:-} == postgres && $(id -u) == 0 ]]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chown postgres:postgres "$PGDATA" /var/run/postgresql
	chmod 700 "$PGDATA"
	chmod 3777 /var/run/postgresql
	exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
if [[ ${1:-} == postgres && ! -s $PGDATA/PG_VERSION ]]; then
	init_cluster
fi
exec "$@"
