/*
 * file_cache.c - the bounded file cache of downloaded URLs, shared by every process of
 * a home: $PIXELTABLE_HOME/file_cache/<2 hex>/<sha256(url) hex>[.ext] (see
 * file_cache_int.h).
 *
 * Coordination is by flock(2) only, so a crashed process never leaves a lock behind:
 *   - a lease is a shared lock on the entry, held by an open descriptor until the
 *     caller's pool is freed; eviction takes LOCK_EX|LOCK_NB and skips what it cannot
 *     lock, so a file in use is never removed;
 *   - a download holds an exclusive lock on <entry>.lock; others asking for the same
 *     URL wait on it and then find the entry. The holder unlinks the lock file before
 *     releasing it, and whoever locks a lock file checks that the name still refers to
 *     the file it locked (else it opens the new one), so lock files do not pile up;
 *   - the download goes to <entry>.tmp.<pid> and is renamed into place complete and
 *     fsynced; a failed download removes its temporary file.
 * [pixeltable] file_cache_lease_s bounds no lease (flock is released when its holder
 * dies); it is the age after which an untouched temporary file is a crashed
 * download's leftover that eviction removes.
 * LRU order is the access time, which pxt_cache_get sets on every hit.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "pxt/log.h"
#include "pxt/os.h"
#include "media/file_cache_int.h"
#include "media/objstore_int.h"
#include "net/net_int.h"

#define PXT_CACHE_EXT_MAX 8

int64_t
pxt_cache_limit(const pxt_config *cfg)
{
	double g = pxt_config_float(cfg, "pixeltable", "file_cache_size_g");

	return g > 0 ? (int64_t)(g * 1e9) : 0;
}

/* ".ext" of the URL's last path segment (lower case, 1-8 letters/digits), or "". */
static void
pxt_cache_ext(const char *url, char *ext, size_t extlen)
{
	const char *p = strstr(url, "://"), *end, *slash = NULL, *dot = NULL;
	size_t n;

	ext[0] = '\0';
	if (p == NULL)
		return;
	p += 3;
	end = p + strcspn(p, "?#");
	for (const char *q = p; q < end; q++)
		if (*q == '/')
			slash = q;
	if (slash == NULL)
		return;
	for (const char *q = slash; q < end; q++)
		if (*q == '.')
			dot = q;
	if (dot == NULL || (n = (size_t)(end - dot - 1)) == 0 || n > PXT_CACHE_EXT_MAX ||
	    n + 2 > extlen)
		return;
	for (size_t i = 0; i < n; i++) {
		char ch = dot[1 + i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))) {
			ext[0] = '\0';
			return;
		}
		ext[1 + i] = ch;
	}
	ext[0] = '.';
	ext[n + 1] = '\0';
}

pxt_err
pxt_cache_path(const pxt_config *cfg, const char *url, char *out, size_t outlen)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	char hex[65], ext[PXT_CACHE_EXT_MAX + 2];
	int n;

	if (EVP_Digest(url, strlen(url), md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		return pxt_seterr(PXT_EINTERNAL, "SHA-256 failed");
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	pxt_cache_ext(url, ext, sizeof(ext));
	n = snprintf(out, outlen, "%s/file_cache/%.2s/%s%s", pxt_config_home(cfg), hex,
	    hex, ext);
	if (n < 0 || (size_t)n >= outlen)
		return pxt_seterr(PXT_EINVAL, "file cache path too long under %s",
		    pxt_config_home(cfg));
	return PXT_OK;
}

bool
pxt_cache_same(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino;
}

static void
pxt_cache_release(void *data)
{
	close(*(int *)data);
}

/* Hold fd (a leased entry) until pool is freed. Closes fd on failure. */
static pxt_err
pxt_cache_hold(pxt_pool *pool, int fd)
{
	int *p = pxt_palloc(pool, sizeof(*p));

	if (p == NULL || (*p = fd, pxt_pool_cleanup(pool, pxt_cache_release, p)) != 0) {
		close(fd);
		return pxt_seterr(PXT_ENOMEM, "out of memory leasing a cached file");
	}
	return PXT_OK;
}

/*
 * Lease the entry at path: PXT_OK (held in pool, access time now), PXT_ENOTFOUND when
 * it is not there (or was evicted while we waited for the lock), or an error.
 */
static pxt_err
pxt_cache_lease(pxt_pool *pool, const char *path)
{
	static const struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? PXT_ENOTFOUND : pxt_seterr(errno == EACCES ?
		    PXT_EPERM : PXT_EIO, "cannot open %s: %s", path, strerror(errno));
	while (flock(fd, LOCK_SH) != 0)
		if (errno != EINTR) {
			close(fd);
			return pxt_seterr(PXT_EIO, "cannot lock %s: %s", path,
			    strerror(errno));
		}
	if (!pxt_cache_same(fd, path)) {
		close(fd);
		return PXT_ENOTFOUND;
	}
	if (futimens(fd, now) != 0)
		pxt_log(PXT_LOG_WARN, "cannot set the access time of %s: %s", path,
		    strerror(errno));
	return pxt_cache_hold(pool, fd);
}

/* Take the per-URL download lock, waiting up to wait_ms. *fd gets the locked file. */
static pxt_err
pxt_cache_lock_url(const char *lockpath, long long wait_ms, const char *shown,
    int *fd)
{
	long long deadline = pxt_now_ms() + wait_ms;

	for (;;) {
		int lfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

		if (lfd < 0)
			return pxt_seterr(errno == EACCES ? PXT_EPERM : PXT_EIO,
			    "cannot create %s: %s", lockpath, strerror(errno));
		while (flock(lfd, LOCK_EX | LOCK_NB) != 0) {
			if (errno != EWOULDBLOCK && errno != EINTR) {
				close(lfd);
				return pxt_seterr(PXT_EIO, "cannot lock %s: %s", lockpath,
				    strerror(errno));
			}
			if (pxt_now_ms() >= deadline) {
				close(lfd);
				return pxt_seterr(PXT_ETIMEOUT, "cannot fetch %s: another "
				    "process has been downloading it for %lld s", shown,
				    wait_ms / 1000);
			}
			pxt_sleep_ms(25);
		}
		if (pxt_cache_same(lfd, lockpath)) {
			*fd = lfd;
			return PXT_OK;
		}
		close(lfd);	/* its holder finished and removed it: take the new one */
	}
}

static void
pxt_cache_unlock_url(const char *lockpath, int fd)
{
	unlink(lockpath);
	close(fd);
}

/* Download url into entry under the URL lock; on success the entry is leased. */
static pxt_err
pxt_cache_download(const pxt_config *cfg, pxt_pool *pool, const char *url,
    const char *entry, const struct pxt_fetch_opts *o)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	int64_t limit = pxt_cache_limit(cfg);
	pxt_err rc;
	int fd, dfd;

	if (limit <= 0)
		return pxt_seterr(PXT_ESTORAGE, "cannot cache %s: [pixeltable] "
		    "file_cache_size_g is 0", entry);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", entry, (long)getpid()) >=
	    (int)sizeof(tmp))
		return pxt_seterr(PXT_EINVAL, "file cache path too long: %s", entry);
	unlink(tmp);	/* a leftover of a crashed process that had our pid */
	/* an object in a store: a signed request to the operator's endpoint */
	rc = pxt_obj_is_url(url) ? pxt_obj_get_file(cfg, pool, url, tmp, (size_t)limit) :
	    pxt_fetch_url(cfg, url, tmp, (size_t)limit, o);
	if (rc != PXT_OK)
		return rc;
	/* lease before the rename: no eviction can remove it in between */
	if ((fd = open(tmp, O_RDONLY | O_CLOEXEC)) < 0 || flock(fd, LOCK_SH) != 0 ||
	    rename(tmp, entry) != 0) {
		rc = pxt_seterr(PXT_EIO, "cannot store %s in the file cache: %s", entry,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return rc;
	}
	snprintf(dir, sizeof(dir), "%s", entry);
	*strrchr(dir, '/') = '\0';
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return pxt_cache_hold(pool, fd);
}

static void
pxt_cache_opts_from(const pxt_config *cfg, struct pxt_fetch_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->timeout_s = (long)pxt_config_int(cfg, "server", "request_timeout_s");
}

pxt_err
pxt_cache_get_opts(const pxt_config *cfg, pxt_pool *pool, const char *url,
    const struct pxt_fetch_opts *opts, const char **path)
{
	char entry[PATH_MAX], lockpath[PATH_MAX + 8], dir[PATH_MAX], shown[512];
	struct pxt_fetch_opts o;
	bool fetched = false;
	pxt_err rc;
	int lfd = -1;

	*path = NULL;
	if (pool == NULL || url == NULL)
		return pxt_seterr(PXT_EINVAL, "pxt_cache_get: NULL pool or URL");
	if (opts != NULL)
		o = *opts;
	else
		pxt_cache_opts_from(cfg, &o);
	if (o.timeout_s <= 0)
		o.timeout_s = 60;
	if ((rc = pxt_cache_path(cfg, url, entry, sizeof(entry))) != PXT_OK)
		return rc;
	if ((rc = pxt_cache_lease(pool, entry)) == PXT_OK)
		goto hit;
	if (rc != PXT_ENOTFOUND)
		return rc;
	snprintf(dir, sizeof(dir), "%s", entry);
	*strrchr(dir, '/') = '\0';
	if ((rc = pxt_mkdir_p(dir, 0700)) != PXT_OK)
		return rc;
	snprintf(lockpath, sizeof(lockpath), "%s.lock", entry);
	pxt_net_url_redacted(url, shown, sizeof(shown));
	if ((rc = pxt_cache_lock_url(lockpath, (o.timeout_s + 30) * 1000LL, shown,
	    &lfd)) != PXT_OK)
		return rc;
	/* another process may have fetched it while we waited */
	rc = pxt_cache_lease(pool, entry);
	if (rc == PXT_ENOTFOUND) {
		fetched = true;
		rc = pxt_cache_download(cfg, pool, url, entry, &o);
	}
	pxt_cache_unlock_url(lockpath, lfd);
	if (rc != PXT_OK)
		return rc;
	/* the new file is leased (eviction skips it): bring the cache within bounds */
	if (fetched && pxt_cache_evict(cfg, pxt_cache_limit(cfg)) != PXT_OK)
		pxt_log(PXT_LOG_WARN, "file cache eviction: %s", pxt_errmsg());
hit:
	if ((*path = pxt_pstrdup(pool, entry)) == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory");
	return PXT_OK;
}

pxt_err
pxt_cache_get(const pxt_config *cfg, pxt_pool *pool, const char *url,
    const char **path)
{
	return pxt_cache_get_opts(cfg, pool, url, NULL, path);
}
