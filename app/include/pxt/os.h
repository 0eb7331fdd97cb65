/*
 * pxt/os.h - the operating-system helpers libpxt needs: files, folders, the service
 * user, and running programs (initdb, postgres) as that user.
 */
#ifndef PXT_OS_H
#define PXT_OS_H

#include "pxt/api.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "pxt/error.h"
#include "pxt/pool.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * pxt_file_read reads a whole file of at most max bytes into a malloc'd, NUL-terminated
 * buffer (*data, caller frees) of *len bytes. Returns PXT_ENOTFOUND when it does not
 * exist, PXT_ETOOLARGE over max, PXT_EIO / PXT_EPERM otherwise (message names the path).
 */
PXT_API pxt_err pxt_file_read(const char *path, size_t max, char **data, size_t *len);

/*
 * pxt_file_write_atomic writes len bytes to path through a temporary file in the same
 * folder and rename(2), so readers see the old or the new content, never a mix.
 */
PXT_API pxt_err pxt_file_write_atomic(const char *path, const char *data, size_t len,
    mode_t mode);

/* pxt_user_home returns $HOME, else the passwd entry's folder, else NULL. Static. */
PXT_API const char *pxt_user_home(void);

/*
 * pxt_path_absolute returns path made absolute against the working directory, with
 * "." and ".." segments and repeated slashes removed, in pool memory; NULL on failure.
 */
PXT_API char *pxt_path_absolute(pxt_pool *pool, const char *path);

/*
 * pxt_mkdir_p creates path and missing parents with mode (an existing folder is fine).
 * Returns PXT_EIO or PXT_EPERM with the path that failed.
 */
PXT_API pxt_err pxt_mkdir_p(const char *path, mode_t mode);

/*
 * The service user: when the process runs as root, pxtc runs PostgreSQL (and later the
 * workers) as this unprivileged user. pxt_service_user ensures it exists (creating the
 * system user "pxtc" with useradd when missing) and returns its ids. As a non-root user
 * it returns the caller's own ids. PXT_EPERM / PXT_EIO when the user cannot be made.
 */
#define PXT_SERVICE_USER "pxtc"
PXT_API pxt_err pxt_service_user(uid_t *uid, gid_t *gid);

/*
 * pxt_check_traversable checks that uid/gid can enter every folder from / down to path
 * (the parent folders of a home the service user must own). On failure returns
 * PXT_EPERM with the folder that blocks it and the fix.
 */
PXT_API pxt_err pxt_check_traversable(const char *path, uid_t uid, gid_t gid);

/*
 * pxt_chown_path gives path (not what is below it) to uid/gid when the process is
 * root; a no-op otherwise. A symbolic link itself is changed, never its target.
 */
PXT_API pxt_err pxt_chown_path(const char *path, uid_t uid, gid_t gid);

/*
 * pxt_run runs argv[0] (an absolute path) with argv, as uid/gid when the process is root
 * and uid is not 0, in a new session, with stdin from /dev/null and stdout+stderr
 * appended to logpath (or inherited when NULL), and waits up to timeout_s seconds
 * (0: forever; past it the child is killed). Returns PXT_OK only for exit status 0;
 * otherwise PXT_EIO (or PXT_ETIMEOUT) with a message naming the program and its status.
 */
PXT_API pxt_err pxt_run(char *const argv[], uid_t uid, gid_t gid, const char *logpath,
    int timeout_s);

/* pxt_sleep_ms sleeps, resuming after signals. */
PXT_API void pxt_sleep_ms(long ms);

/* pxt_now_ms returns a monotonic clock in milliseconds. */
PXT_API long long pxt_now_ms(void);

#ifdef __cplusplus
}
#endif
#endif
