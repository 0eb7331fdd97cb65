/*
 * file_cache_evict.c - counting and evicting the entries of the file cache (see
 * file_cache_int.h; the locking protocol is described in file_cache.c).
 *
 * An entry is removed only under LOCK_EX|LOCK_NB on it, after checking that the name
 * still refers to the file locked: a leased entry (LOCK_SH held by a reader) is
 * skipped, and an entry a reader is about to lease is either removed before it gets
 * its lock (the reader then sees it unlinked and downloads again) or not at all.
 */
#include <dirent.h>
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

#include "pxt/log.h"
#include "media/file_cache_int.h"

/* An entry seen by a scan of the cache. */
struct pxt_centry {
	char *path;
	int64_t size;
	struct timespec atime;
};

/* What a name in a cache folder is. */
enum pxt_cname { PXT_CN_OTHER, PXT_CN_ENTRY, PXT_CN_LOCK, PXT_CN_TMP };

static enum pxt_cname
pxt_cache_classify(const char *name)
{
	size_t n = strlen(name);

	if (n < 64 || strspn(name, "0123456789abcdef") < 64)
		return PXT_CN_OTHER;
	if (strstr(name, ".tmp.") != NULL)
		return PXT_CN_TMP;
	if (n > 5 && strcmp(name + n - 5, ".lock") == 0)
		return PXT_CN_LOCK;
	if (n == 64 || name[64] == '.')
		return PXT_CN_ENTRY;
	return PXT_CN_OTHER;
}

/* Remove a lock file nobody holds (checked as the download lock is). */
static void
pxt_cache_drop_lock(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0 && pxt_cache_same(fd, path))
		unlink(path);
	close(fd);
}

struct pxt_cscan {
	struct pxt_centry *v;
	size_t n, cap;
	int64_t bytes;
	long stale_s;		/* > 0: remove old temporary files and free lock files */
};

static pxt_err
pxt_cache_scan_dir(const char *dir, struct pxt_cscan *s)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[PATH_MAX];
	struct stat st;
	pxt_err rc = PXT_OK;

	if (d == NULL)
		return errno == ENOENT ? PXT_OK : pxt_seterr(PXT_EIO, "cannot read %s: %s",
		    dir, strerror(errno));
	while (rc == PXT_OK && (de = readdir(d)) != NULL) {
		enum pxt_cname kind = pxt_cache_classify(de->d_name);

		if (kind == PXT_CN_OTHER || snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) >= (int)sizeof(path) || lstat(path, &st) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (kind == PXT_CN_TMP && s->stale_s > 0 &&
		    time(NULL) - st.st_mtime > s->stale_s)
			unlink(path);
		if (kind == PXT_CN_LOCK && s->stale_s > 0)
			pxt_cache_drop_lock(path);
		if (kind != PXT_CN_ENTRY)
			continue;
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 64;
			struct pxt_centry *v = realloc(s->v, cap * sizeof(*v));

			if (v == NULL) {
				rc = pxt_seterr(PXT_ENOMEM, "out of memory scanning the "
				    "file cache");
				break;
			}
			s->v = v;
			s->cap = cap;
		}
		if ((s->v[s->n].path = strdup(path)) == NULL) {
			rc = pxt_seterr(PXT_ENOMEM, "out of memory scanning the file cache");
			break;
		}
		s->v[s->n].size = (int64_t)st.st_size;
		s->v[s->n].atime = st.st_atim;
		s->bytes += (int64_t)st.st_size;
		s->n++;
	}
	closedir(d);
	return rc;
}

/* Scan every <2 hex> folder of the cache. */
static pxt_err
pxt_cache_scan(const pxt_config *cfg, struct pxt_cscan *s)
{
	char root[PATH_MAX], sub[PATH_MAX];
	struct dirent *de;
	DIR *d;
	pxt_err rc = PXT_OK;

	snprintf(root, sizeof(root), "%s/file_cache", pxt_config_home(cfg));
	if ((d = opendir(root)) == NULL)
		return errno == ENOENT ? PXT_OK : pxt_seterr(PXT_EIO, "cannot read %s: %s",
		    root, strerror(errno));
	while (rc == PXT_OK && (de = readdir(d)) != NULL) {
		if (strlen(de->d_name) != 2 ||
		    strspn(de->d_name, "0123456789abcdef") != 2)
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", root, de->d_name) <
		    (int)sizeof(sub))
			rc = pxt_cache_scan_dir(sub, s);
	}
	closedir(d);
	return rc;
}

static void
pxt_cache_scan_free(struct pxt_cscan *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].path);
	free(s->v);
}

pxt_err
pxt_cache_stats(const pxt_config *cfg, int64_t *entries, int64_t *bytes)
{
	struct pxt_cscan s = {0};
	pxt_err rc = pxt_cache_scan(cfg, &s);

	*entries = (int64_t)s.n;
	*bytes = s.bytes;
	pxt_cache_scan_free(&s);
	return rc;
}

static int
pxt_cache_lru_cmp(const void *a, const void *b)
{
	const struct pxt_centry *x = a, *y = b;

	if (x->atime.tv_sec != y->atime.tv_sec)
		return x->atime.tv_sec < y->atime.tv_sec ? -1 : 1;
	if (x->atime.tv_nsec != y->atime.tv_nsec)
		return x->atime.tv_nsec < y->atime.tv_nsec ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* Remove one entry unless leased. Returns true when it is gone. */
static bool
pxt_cache_evict_one(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool gone = false;

	if (fd < 0)
		return errno == ENOENT;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0 && pxt_cache_same(fd, path))
		gone = unlink(path) == 0;
	close(fd);
	return gone;
}

pxt_err
pxt_cache_evict(const pxt_config *cfg, int64_t target_bytes)
{
	struct pxt_cscan s = {0};
	pxt_err rc;
	int64_t freed = 0;
	size_t removed = 0;

	s.stale_s = (long)pxt_config_int(cfg, "pixeltable", "file_cache_lease_s");
	if (s.stale_s <= 0)
		s.stale_s = 600;
	if ((rc = pxt_cache_scan(cfg, &s)) == PXT_OK && s.bytes > target_bytes) {
		qsort(s.v, s.n, sizeof(*s.v), pxt_cache_lru_cmp);
		for (size_t i = 0; i < s.n && s.bytes - freed > target_bytes; i++)
			if (pxt_cache_evict_one(s.v[i].path)) {
				freed += s.v[i].size;
				removed++;
			}
		pxt_log(PXT_LOG_DEBUG, "file cache: evicted %zu files (%lld bytes), "
		    "%lld bytes left", removed, (long long)freed,
		    (long long)(s.bytes - freed));
	}
	pxt_cache_scan_free(&s);
	return rc;
}

pxt_err
pxt_cache_clear(const pxt_config *cfg)
{
	return pxt_cache_evict(cfg, 0);
}
