/*
 * pgembed.c - the embedded PostgreSQL cluster under $PIXELTABLE_HOME (pxt/embedded.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libpq-fe.h>

#include "pxt/buf.h"
#include "pxt/db.h"
#include "pxt/embedded.h"
#include "pxt/log.h"
#include "pxt/os.h"

#define PXT_PG_PORT "5432"
#define PXT_SUN_PATH_MAX 107

/* The home is at most ~90 bytes (the socket path limit), so these cannot overflow. */
struct pxt_pgpaths {
	char home[512];
	char pgdata[512];
	char run[512];
	char lock[512];
	char log[512];
	char bindir[512];
};

static pxt_err
pxt_pgpaths(const pxt_config *cfg, struct pxt_pgpaths *p)
{
	const char *home = pxt_config_home(cfg);
	const char *bindir = pxt_config_str(cfg, "pixeltable", "pg_bin_dir");

	if (strlen(home) + strlen("/run/.s.PGSQL." PXT_PG_PORT) > PXT_SUN_PATH_MAX)
		return pxt_seterr(PXT_ECONFIG, "PIXELTABLE_HOME '%s' is too long for the "
		    "embedded PostgreSQL's unix socket (at most %zu bytes): choose a "
		    "shorter path", home,
		    PXT_SUN_PATH_MAX - strlen("/run/.s.PGSQL." PXT_PG_PORT));
	for (const char *c = home; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == '\'' || *c == '\\')
			return pxt_seterr(PXT_ECONFIG, "PIXELTABLE_HOME '%s' contains a "
			    "quote, backslash or control character: choose another path",
			    home);
	if (bindir == NULL || strlen(bindir) >= sizeof(p->bindir) - 16)
		return pxt_seterr(PXT_ECONFIG, "[pixeltable] pg_bin_dir is unset or too "
		    "long: set it to the folder of initdb and pg_ctl");
	snprintf(p->home, sizeof(p->home), "%s", home);
	snprintf(p->pgdata, sizeof(p->pgdata), "%s/pgdata", home);
	snprintf(p->run, sizeof(p->run), "%s/run", home);
	snprintf(p->lock, sizeof(p->lock), "%s/run/pg.lock", home);
	snprintf(p->log, sizeof(p->log), "%s/logs/postgres.log", home);
	snprintf(p->bindir, sizeof(p->bindir), "%s", bindir);
	return PXT_OK;
}

char *
pxt_embedded_conninfo(const pxt_config *cfg, const char *dbname)
{
	pxt_buf b = PXT_BUF_INIT;

	pxt_buf_addf(&b, "host='%s/run' port=" PXT_PG_PORT " user=" PXT_EMBEDDED_USER
	    " dbname=%s connect_timeout=10 application_name=pxtc",
	    pxt_config_home(cfg), dbname ? dbname : PXT_EMBEDDED_DBNAME);
	return pxt_buf_steal(&b);
}

/* A home pxtc would give to the service user must not be a system folder. */
static pxt_err
pxt_home_check(const char *home)
{
	static const char *const system[] = {"/", "/bin", "/boot", "/dev", "/etc",
	    "/home", "/lib", "/lib64", "/opt", "/proc", "/root", "/run", "/sbin",
	    "/srv", "/sys", "/tmp", "/usr", "/var", "/var/lib", "/var/tmp"};

	for (size_t i = 0; i < sizeof(system) / sizeof(*system); i++)
		if (strcmp(home, system[i]) == 0)
			return pxt_seterr(PXT_ECONFIG, "PIXELTABLE_HOME '%s' is a system "
			    "folder: use a folder of its own (for example %s/pixeltable)",
			    home, strcmp(home, "/") == 0 ? "" : home);
	return PXT_OK;
}

/* Create the home and its folders, owned by the service user. */
static pxt_err
pxt_home_prepare(const struct pxt_pgpaths *p, uid_t uid, gid_t gid)
{
	static const char *const subdirs[] = {"pgdata", "run", "logs", "tmp", "media",
	    "file_cache"};
	char path[PATH_MAX];
	pxt_err rc;

	if ((rc = pxt_home_check(p->home)) != PXT_OK)
		return rc;
	if (geteuid() == 0 && (rc = pxt_check_traversable(p->home, uid, gid)) != PXT_OK)
		return rc;
	if ((rc = pxt_mkdir_p(p->home, 0755)) != PXT_OK)
		return rc;
	if ((rc = pxt_chown_path(p->home, uid, gid)) != PXT_OK)
		return rc;
	for (size_t i = 0; i < sizeof(subdirs) / sizeof(*subdirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", p->home, subdirs[i]);
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return pxt_seterr(errno == EACCES ? PXT_EPERM : PXT_EIO,
			    "cannot create '%s': %s", path, strerror(errno));
		if ((rc = pxt_chown_path(path, uid, gid)) != PXT_OK)
			return rc;
	}
	return PXT_OK;
}

/* Take the start/stop lock, waiting up to timeout_s. Returns the fd or -1. */
static int
pxt_pg_lock(const struct pxt_pgpaths *p, int timeout_s, uid_t uid, gid_t gid)
{
	long long deadline = pxt_now_ms() + timeout_s * 1000LL;
	int fd;

	fd = open(p->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		pxt_seterr(errno == EACCES ? PXT_EPERM : PXT_EIO, "cannot open the lock "
		    "file '%s': %s", p->lock, strerror(errno));
		return -1;
	}
	/* the service user's processes (workers) take this lock too */
	if (geteuid() == 0 && fchown(fd, uid, gid) != 0) {
		pxt_seterr(PXT_EPERM, "cannot give '%s' to the service user: %s", p->lock,
		    strerror(errno));
		close(fd);
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			pxt_seterr(PXT_EIO, "cannot lock '%s': %s", p->lock,
			    strerror(errno));
			close(fd);
			return -1;
		}
		if (pxt_now_ms() > deadline) {
			pxt_seterr(PXT_ETIMEOUT, "another pxtc process held '%s' for more "
			    "than %d s while starting PostgreSQL", p->lock, timeout_s);
			close(fd);
			return -1;
		}
		pxt_sleep_ms(50);
	}
	return fd;
}

static void
pxt_pg_unlock(int fd)
{
	if (fd >= 0) {
		flock(fd, LOCK_UN);
		close(fd);
	}
}

/* The postmaster's pid from postmaster.pid, 0 when there is none. */
static pid_t
pxt_pg_pidfile(const struct pxt_pgpaths *p)
{
	char path[PATH_MAX], *text = NULL;
	size_t len;
	long pid;

	snprintf(path, sizeof(path), "%s/postmaster.pid", p->pgdata);
	if (pxt_file_read(path, 65536, &text, &len) != PXT_OK) {
		pxt_clearerr();
		return 0;
	}
	pid = strtol(text, NULL, 10);
	free(text);
	return pid > 0 && pid <= INT_MAX ? (pid_t)pid : 0;
}

enum pxt_proc { PXT_PROC_GONE, PXT_PROC_POSTGRES, PXT_PROC_OTHER };

/* What pid is now: gone (or a zombie), a postgres process, or another program. */
static enum pxt_proc
pxt_pg_proc(pid_t pid)
{
	char path[64], stat[512] = "", *paren;
	FILE *f;

	if (kill(pid, 0) != 0 && errno == ESRCH)
		return PXT_PROC_GONE;
	/* /proc/PID/stat: "pid (comm) state ..."; a killed postmaster lingers as 'Z' */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return PXT_PROC_GONE;
	if (fgets(stat, sizeof(stat), f) == NULL)
		stat[0] = '\0';
	fclose(f);
	paren = strrchr(stat, ')');
	if (paren == NULL || paren[1] != ' ' || paren[2] == 'Z' || paren[2] == 'X')
		return PXT_PROC_GONE;
	if (strstr(stat, "(postgres)") != NULL || strstr(stat, "(postmaster)") != NULL)
		return PXT_PROC_POSTGRES;
	return PXT_PROC_OTHER;
}

static bool
pxt_pg_is_postgres(pid_t pid)
{
	return pxt_pg_proc(pid) == PXT_PROC_POSTGRES;
}

/*
 * Whether the shared memory segment named in postmaster.pid (line 7: key and id) still
 * has processes attached: backends of a killed postmaster that have not exited yet.
 */
static bool
pxt_pg_shmem_in_use(const struct pxt_pgpaths *p)
{
	char path[PATH_MAX], *text = NULL, *line;
	unsigned long key, id;
	struct shmid_ds ds;
	size_t len;
	bool busy = false;

	snprintf(path, sizeof(path), "%s/postmaster.pid", p->pgdata);
	if (pxt_file_read(path, 65536, &text, &len) != PXT_OK) {
		pxt_clearerr();
		return false;
	}
	line = text;
	for (int i = 1; i < 7 && line != NULL; i++)
		if ((line = strchr(line, '\n')) != NULL)
			line++;
	if (line != NULL && sscanf(line, "%lu %lu", &key, &id) == 2 &&
	    shmctl((int)id, IPC_STAT, &ds) == 0)
		busy = ds.shm_nattch > 0;
	free(text);
	return busy;
}

static bool
pxt_pg_ping(const pxt_config *cfg)
{
	char *ci = pxt_embedded_conninfo(cfg, "postgres");
	PGPing r;

	if (ci == NULL)
		return false;
	r = PQping(ci);
	free(ci);
	return r == PQPING_OK;
}

/* The last lines of the server log, for error messages. */
static void
pxt_pg_log_tail(const struct pxt_pgpaths *p, char *out, size_t outlen)
{
	char *text = NULL, *start;
	size_t len;

	out[0] = '\0';
	if (pxt_file_read(p->log, 64 * 1024 * 1024, &text, &len) != PXT_OK) {
		pxt_clearerr();
		return;
	}
	start = len > 600 ? text + len - 600 : text;
	if (start != text && strchr(start, '\n'))
		start = strchr(start, '\n') + 1;
	for (char *c = start; *c; c++)
		if (*c == '\n')
			*c = ' ';
	snprintf(out, outlen, "%s", start);
	free(text);
}

static pxt_err
pxt_pg_initdb(const struct pxt_pgpaths *p, uid_t uid, gid_t gid)
{
	char initdb[PATH_MAX], conf[PATH_MAX], version[PATH_MAX];
	char *argv[] = {initdb, "-D", (char *)p->pgdata, "-U", PXT_EMBEDDED_USER,
	    "-E", "UTF8", "--locale=C", "--auth=trust", NULL};
	static const char include[] =
	    "\n# pxtc: settings pxtc writes at every start\n"
	    "include_if_exists = 'pxtc.conf'\n";
	FILE *f;
	pxt_err rc;

	snprintf(version, sizeof(version), "%s/PG_VERSION", p->pgdata);
	if (access(version, F_OK) == 0)
		return PXT_OK;
	snprintf(initdb, sizeof(initdb), "%s/initdb", p->bindir);
	if (access(initdb, X_OK) != 0)
		return pxt_seterr(PXT_EIO, "cannot run '%s': install Debian's postgresql-15 "
		    "or set [pixeltable] pg_bin_dir (PIXELTABLE_PG_BIN_DIR)", initdb);
	pxt_log(PXT_LOG_INFO, "initializing the embedded PostgreSQL in %s", p->pgdata);
	rc = pxt_run(argv, uid, gid, p->log, 300);
	if (rc != PXT_OK)
		return pxt_seterr(rc, "initdb of '%s' failed: %s (log: %s)", p->pgdata,
		    pxt_errmsg(), p->log);
	snprintf(conf, sizeof(conf), "%s/postgresql.conf", p->pgdata);
	if ((f = fopen(conf, "a")) == NULL || fputs(include, f) < 0 || fclose(f) != 0)
		return pxt_seterr(PXT_EIO, "cannot extend '%s': %s", conf, strerror(errno));
	return PXT_OK;
}

static pxt_err
pxt_pg_write_conf(const pxt_config *cfg, const struct pxt_pgpaths *p, uid_t uid,
    gid_t gid)
{
	char path[PATH_MAX];
	pxt_buf b = PXT_BUF_INIT;
	pxt_err rc;

	pxt_buf_addf(&b,
	    "# Written by pxtc at every start of the embedded server; set\n"
	    "# [pixeltable] keys in config.toml instead of editing this file.\n"
	    "listen_addresses = ''\n"
	    "port = " PXT_PG_PORT "\n"
	    "unix_socket_directories = '%s'\n"
	    "unix_socket_permissions = 0700\n"
	    "max_connections = %lld\n"
	    "log_timezone = 'UTC'\n"
	    "timezone = 'UTC'\n",
	    p->run, (long long)pxt_config_int(cfg, "pixeltable", "db_max_connections"));
	if (b.failed)
		return PXT_ENOMEM;
	snprintf(path, sizeof(path), "%s/pxtc.conf", p->pgdata);
	rc = pxt_file_write_atomic(path, b.data, b.len, 0600);
	pxt_buf_free(&b);
	if (rc == PXT_OK)
		rc = pxt_chown_path(path, uid, gid);
	return rc;
}

static bool
pxt_pg_transient(const char *tail)
{
	/* conditions a kill -9 or a racing start leave behind, which clear by themselves */
	return strstr(tail, "shared memory block") != NULL ||
	    strstr(tail, "lock file") != NULL ||
	    strstr(tail, "starting up") != NULL ||
	    strstr(tail, "shutting down") != NULL;
}

/* Start the server and wait until it accepts connections, or until deadline. */
static pxt_err
pxt_pg_launch(const pxt_config *cfg, const struct pxt_pgpaths *p, uid_t uid,
    gid_t gid, long long deadline)
{
	char pgctl[PATH_MAX], wait_s[32], tail[700];
	char *argv[] = {pgctl, "start", "-w", "-t", wait_s, "-s", "-D",
	    (char *)p->pgdata, "-l", (char *)p->log, NULL};
	bool told = false;
	pid_t pid;

	snprintf(pgctl, sizeof(pgctl), "%s/pg_ctl", p->bindir);
	while (!pxt_pg_ping(cfg)) {
		long long left = deadline - pxt_now_ms();

		if (left <= 0) {
			pxt_pg_log_tail(p, tail, sizeof(tail));
			return pxt_seterr(PXT_ETIMEOUT, "the embedded PostgreSQL did not "
			    "accept connections within [pixeltable] db_start_timeout_s; "
			    "its log (%s) ends: %s", p->log, tail);
		}
		pid = pxt_pg_pidfile(p);
		if (pid > 0 && pxt_pg_proc(pid) == PXT_PROC_POSTGRES) {
			pxt_sleep_ms(200);	/* starting or recovering */
			continue;
		}
		if (pid > 0 && pxt_pg_proc(pid) == PXT_PROC_OTHER &&
		    !pxt_pg_shmem_in_use(p)) {
			/* the pid now belongs to another program and no backend is left */
			char path[PATH_MAX];

			snprintf(path, sizeof(path), "%s/postmaster.pid", p->pgdata);
			pxt_log(PXT_LOG_WARN, "removing stale %s (pid %d is not "
			    "PostgreSQL)", path, (int)pid);
			unlink(path);
		}
		snprintf(wait_s, sizeof(wait_s), "%lld", left / 1000 + 1);
		if (pxt_run(argv, uid, gid, p->log, (int)(left / 1000) + 5) == PXT_OK)
			continue;
		pxt_pg_log_tail(p, tail, sizeof(tail));
		if (!pxt_pg_transient(tail))
			return pxt_seterr(PXT_EIO, "the embedded PostgreSQL did not start; "
			    "its log (%s) ends: %s", p->log, tail);
		if (!told)
			pxt_log(PXT_LOG_INFO, "PostgreSQL is not ready to start yet "
			    "(leftovers of a previous server): retrying");
		told = true;
		pxt_sleep_ms(300);
	}
	return PXT_OK;
}

static pxt_err
pxt_pg_create_db(const pxt_config *cfg)
{
	const char *params[] = {PXT_EMBEDDED_DBNAME};
	char *ci = pxt_embedded_conninfo(cfg, "postgres");
	PGresult *res = NULL;
	pxt_db *db = NULL;
	pxt_err rc;

	if (ci == NULL)
		return PXT_ENOMEM;
	rc = pxt_db_connect(ci, &db);
	free(ci);
	if (rc != PXT_OK)
		return rc;
	rc = pxt_db_exec_once(db, "SELECT 1 FROM pg_database WHERE datname = $1", 1,
	    params, &res);
	if (rc == PXT_OK && PQntuples(res) == 0)
		rc = pxt_db_exec_once(db, "CREATE DATABASE \"" PXT_EMBEDDED_DBNAME "\"",
		    0, NULL, NULL);
	PQclear(res);
	pxt_db_close(db);
	return rc;
}

static pxt_err pxt_embedded_up(const pxt_config *cfg, char **conninfo, bool init);

pxt_err
pxt_embedded_start(const pxt_config *cfg, char **conninfo)
{
	return pxt_embedded_up(cfg, conninfo, true);
}

pxt_err
pxt_embedded_restart(const pxt_config *cfg)
{
	return pxt_embedded_up(cfg, NULL, false);
}

static pxt_err
pxt_embedded_up(const pxt_config *cfg, char **conninfo, bool init)
{
	int timeout = (int)pxt_config_int(cfg, "pixeltable", "db_start_timeout_s");
	long long deadline = pxt_now_ms() + timeout * 1000LL;
	struct pxt_pgpaths p;
	uid_t uid;
	gid_t gid;
	pxt_err rc;
	int lock;

	if (conninfo != NULL)
		*conninfo = NULL;
	if ((rc = pxt_pgpaths(cfg, &p)) != PXT_OK)
		return rc;
	/* checked before the home's folders are made: pgdata would be created empty */
	if (!init) {
		char version[600];

		snprintf(version, sizeof(version), "%s/PG_VERSION", p.pgdata);
		if (access(version, F_OK) != 0)
			return pxt_seterr(PXT_EUNAVAIL, "the embedded PostgreSQL cluster %s "
			    "is missing: not creating an empty one behind the running "
			    "workers", p.pgdata);
	}
	if ((rc = pxt_service_user(&uid, &gid)) != PXT_OK)
		return rc;
	if ((rc = pxt_home_prepare(&p, uid, gid)) != PXT_OK)
		return rc;
	/* one starter at a time: the first initializes and starts, the others find it up */
	if ((lock = pxt_pg_lock(&p, timeout, uid, gid)) < 0)
		return pxt_errcode();
	rc = pxt_pg_initdb(&p, uid, gid);
	if (rc == PXT_OK && !pxt_pg_ping(cfg))
		rc = pxt_pg_write_conf(cfg, &p, uid, gid);
	if (rc == PXT_OK)
		rc = pxt_pg_launch(cfg, &p, uid, gid, deadline);
	if (rc == PXT_OK)
		rc = pxt_pg_create_db(cfg);
	pxt_pg_unlock(lock);
	if (rc != PXT_OK)
		return rc;
	if (conninfo != NULL && (*conninfo = pxt_embedded_conninfo(cfg, NULL)) == NULL)
		return PXT_ENOMEM;
	return PXT_OK;
}

pxt_err
pxt_embedded_stop(const pxt_config *cfg, int timeout_s)
{
	long long deadline = pxt_now_ms() + timeout_s * 1000LL;
	struct pxt_pgpaths p;
	int sig = SIGINT, lock;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	pxt_err rc;

	if ((rc = pxt_pgpaths(cfg, &p)) != PXT_OK)
		return rc;
	if (access(p.run, F_OK) != 0)
		return PXT_OK;	/* never started here */
	if ((rc = pxt_service_user(&uid, &gid)) != PXT_OK)
		return rc;
	if ((lock = pxt_pg_lock(&p, timeout_s, uid, gid)) < 0)
		return pxt_errcode();
	pid = pxt_pg_pidfile(&p);
	while (pid > 0 && pxt_pg_is_postgres(pid)) {
		if (kill(pid, sig) != 0 && errno != ESRCH) {
			rc = pxt_seterr(PXT_EPERM, "cannot signal PostgreSQL (pid %d): %s",
			    (int)pid, strerror(errno));
			break;
		}
		if (sig == SIGINT && pxt_now_ms() > deadline) {
			pxt_log(PXT_LOG_WARN, "PostgreSQL did not stop within %d s: "
			    "stopping it immediately", timeout_s);
			sig = SIGQUIT;
			deadline = pxt_now_ms() + 10000;
		} else if (sig == SIGQUIT && pxt_now_ms() > deadline) {
			rc = pxt_seterr(PXT_ETIMEOUT, "PostgreSQL (pid %d) did not stop",
			    (int)pid);
			break;
		}
		pxt_sleep_ms(50);
	}
	pxt_pg_unlock(lock);
	return rc;
}

pxt_err
pxt_embedded_status(const pxt_config *cfg, struct pxt_embedded_status *st)
{
	struct pxt_pgpaths p;
	char version[PATH_MAX];
	pxt_err rc;

	memset(st, 0, sizeof(*st));
	if ((rc = pxt_pgpaths(cfg, &p)) != PXT_OK)
		return rc;
	snprintf(st->datadir, sizeof(st->datadir), "%s", p.pgdata);
	snprintf(st->socket_dir, sizeof(st->socket_dir), "%s", p.run);
	snprintf(version, sizeof(version), "%s/PG_VERSION", p.pgdata);
	st->initialized = access(version, F_OK) == 0;
	st->pid = pxt_pg_pidfile(&p);
	st->running = st->pid > 0 && pxt_pg_is_postgres(st->pid);
	if (!st->running)
		st->pid = 0;
	st->accepting = st->running && pxt_pg_ping(cfg);
	return PXT_OK;
}
