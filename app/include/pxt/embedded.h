/*
 * pxt/embedded.h - the embedded PostgreSQL: a cluster under $PIXELTABLE_HOME/pgdata,
 * initialized and started by pxtc itself with Debian's PostgreSQL 15 binaries,
 * listening only on a unix socket under $PIXELTABLE_HOME/run.
 *
 * Starting is idempotent and safe to race: every starter takes an exclusive lock on
 * $PIXELTABLE_HOME/run/pg.lock, and the first one in initializes and starts the server
 * while the others wait and then find it running. As root, the server runs as the
 * unprivileged service user (pxt/os.h) that owns the home. A stale postmaster.pid, or
 * backends and shared memory left by a kill -9 of the postmaster, do not block a start:
 * it waits and retries until [pixeltable] db_start_timeout_s.
 */
#ifndef PXT_EMBEDDED_H
#define PXT_EMBEDDED_H

#include "pxt/api.h"

#include <stdbool.h>
#include <sys/types.h>

#include "pxt/config.h"
#include "pxt/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PXT_EMBEDDED_DBNAME "pixeltable"
#define PXT_EMBEDDED_USER "pxtc"

/*
 * pxt_embedded_start makes sure the home's folders exist (owned by the service user),
 * the cluster is initialized, the server accepts connections and the database
 * "pixeltable" exists. On success, when conninfo is not NULL, *conninfo is a malloc'd
 * libpq connection string for it (caller frees). Fails with PXT_EPERM (a home the
 * service user cannot reach, with the fix), PXT_ETIMEOUT (the server did not accept
 * connections in time; the message quotes its log) or PXT_EIO.
 */
PXT_API pxt_err pxt_embedded_start(const pxt_config *cfg, char **conninfo);

/*
 * pxt_embedded_restart is pxt_embedded_start for a server that ran before (the
 * reconnect path of a running process): it never initializes a cluster, so a missing
 * pgdata is PXT_EUNAVAIL instead of a new, empty database.
 */
PXT_API pxt_err pxt_embedded_restart(const pxt_config *cfg);

/*
 * pxt_embedded_stop asks the server to shut down (fast mode: open transactions roll
 * back) and waits up to timeout_s for it to exit, then stops it immediately. Returns
 * PXT_OK when it is stopped, also when it was not running.
 */
PXT_API pxt_err pxt_embedded_stop(const pxt_config *cfg, int timeout_s);

struct pxt_embedded_status {
	bool initialized;	/* pgdata holds a cluster */
	bool running;		/* the postmaster process is alive */
	bool accepting;		/* and it accepts connections */
	pid_t pid;		/* postmaster pid, 0 when not running */
	char datadir[512];
	char socket_dir[512];
};

/* pxt_embedded_status fills st; never starts anything. */
PXT_API pxt_err pxt_embedded_status(const pxt_config *cfg,
    struct pxt_embedded_status *st);

/*
 * pxt_embedded_conninfo returns the malloc'd connection string of the embedded server
 * of cfg's home (whether or not it runs), or NULL when out of memory.
 */
PXT_API char *pxt_embedded_conninfo(const pxt_config *cfg, const char *dbname);

#ifdef __cplusplus
}
#endif
#endif
