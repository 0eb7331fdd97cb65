/*
 * media_store.c - the local media store: unique names for generated files, atomic
 * commits, and the per-pool record that deletes a request's files unless they were
 * kept (see media_store_int.h).
 *
 * Each pool that created or committed a file has a record, allocated in the pool and
 * linked into a process-wide list (guarded by a mutex) so pxt_media_store_keep can
 * find it; the pool's cleanup deletes the files and unlinks the record.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "pxt/log.h"
#include "pxt/os.h"
#include "media/media_store_int.h"
#include "media/objstore_int.h"

#define PXT_EXT_MAX 16

static char pxt_store_dir[PATH_MAX];

/* A file name recorded in a pool. */
struct pxt_store_file {
	struct pxt_store_file *next;
	const char *path;
	bool remote;		/* an object-store URL, deleted through the store */
};

/* A pool's record: temporary files (always deleted) and committed, unkept files. */
struct pxt_store_rec {
	struct pxt_store_rec *next;
	pxt_pool *pool;
	struct pxt_store_file *tmps;
	struct pxt_store_file *files;
	struct pxt_store_file *drops;	/* owned files to delete once the write commits */
	const char *area;	/* the folder new files go to: "gen", or "compute" */
};

static pthread_mutex_t pxt_store_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pxt_store_rec *pxt_store_recs;
static const pxt_config *pxt_store_cfg;

void
pxt_media_store_config(const pxt_config *cfg)
{
	pxt_store_cfg = cfg;
}

/* Deletes the local file path, and the upload folder it was alone in. */
static void
pxt_store_unlink(const char *path)
{
	char dir[PATH_MAX];

	unlink(path);
	if (pxt_media_upload_folder(path, dir, sizeof(dir)))
		rmdir(dir);	/* ENOTEMPTY: not the store's to judge; left */
}

/*
 * Deletes a recorded file: a local one with unlink, an object through its store (a
 * failure is logged: the object stays, unreferenced).
 */
static void
pxt_store_delete(const struct pxt_store_file *f)
{
	pxt_pool *tmp;

	if (!f->remote) {
		pxt_store_unlink(f->path);	/* ENOENT after a commit renamed it */
		return;
	}
	if (pxt_store_cfg == NULL || (tmp = pxt_pool_new(2048)) == NULL)
		return;
	if (pxt_obj_delete(pxt_store_cfg, tmp, f->path) != PXT_OK)
		pxt_log(PXT_LOG_WARN, "media store: %s", pxt_errmsg());
	pxt_pool_free(tmp);
}

void
pxt_media_store_set(const char *dir)
{
	size_t n = dir ? strlen(dir) : 0;

	/* a trailing '/' would double in the names made below */
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n >= sizeof(pxt_store_dir))
		n = 0;
	memcpy(pxt_store_dir, dir ? dir : "", n);
	pxt_store_dir[n] = '\0';
}

const char *
pxt_media_store_dir(void)
{
	return pxt_store_dir[0] ? pxt_store_dir : NULL;
}

/* Pool cleanup: delete what the record holds and drop it from the list. */
static void
pxt_store_cleanup(void *data)
{
	struct pxt_store_rec *r = data, **pp;

	pthread_mutex_lock(&pxt_store_lock);
	for (pp = &pxt_store_recs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	pthread_mutex_unlock(&pxt_store_lock);
	for (struct pxt_store_file *f = r->tmps; f != NULL; f = f->next)
		pxt_store_delete(f);
	for (struct pxt_store_file *f = r->files; f != NULL; f = f->next)
		pxt_store_delete(f);
}

/* Returns pool's record, creating it when create is set; NULL if none / no memory. */
static struct pxt_store_rec *
pxt_store_rec(pxt_pool *pool, bool create)
{
	struct pxt_store_rec *r;

	pthread_mutex_lock(&pxt_store_lock);
	for (r = pxt_store_recs; r != NULL && r->pool != pool; r = r->next)
		;
	pthread_mutex_unlock(&pxt_store_lock);
	if (r != NULL || !create)
		return r;
	if ((r = pxt_pcalloc(pool, sizeof(*r))) == NULL ||
	    pxt_pool_cleanup(pool, pxt_store_cleanup, r) != 0)
		return NULL;
	r->pool = pool;
	pthread_mutex_lock(&pxt_store_lock);
	r->next = pxt_store_recs;
	pxt_store_recs = r;
	pthread_mutex_unlock(&pxt_store_lock);
	return r;
}

/* Records path (pool memory) on list; PXT_ENOMEM when it cannot. */
static pxt_err
pxt_store_record(pxt_pool *pool, const char *path, bool tmp)
{
	struct pxt_store_rec *r = pxt_store_rec(pool, true);
	struct pxt_store_file *f = r ? pxt_pcalloc(pool, sizeof(*f)) : NULL;

	if (f == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory recording %s", path);
	f->path = path;
	f->next = tmp ? r->tmps : r->files;
	if (tmp)
		r->tmps = f;
	else
		r->files = f;
	return PXT_OK;
}

/* Whether ext is 1 to PXT_EXT_MAX lower-case letters or digits. */
static bool
pxt_ext_ok(const char *ext)
{
	size_t n = 0;

	for (; ext[n]; n++)
		if (!((ext[n] >= 'a' && ext[n] <= 'z') || (ext[n] >= '0' && ext[n] <= '9')))
			return false;
	return n > 0 && n <= PXT_EXT_MAX;
}

pxt_err
pxt_media_store_create(pxt_pool *pool, const char *ext, char **final_path,
    char **tmp_path)
{
	const char *dir = pxt_media_store_dir();
	struct pxt_store_rec *r;
	unsigned char rnd[16];
	char hex[33], *sub, *fin, *tmp;
	pxt_err rc;

	if (dir == NULL)
		return pxt_seterr(PXT_ECONFIG, "no local media store folder is set "
		    "(open an environment first: it uses $PIXELTABLE_HOME/media)");
	if (ext == NULL || !pxt_ext_ok(ext))
		return pxt_seterr(PXT_EINVAL, "media file extension '%s': expected 1 to %d "
		    "lower-case letters or digits", ext ? ext : "(null)", PXT_EXT_MAX);
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return pxt_seterr(PXT_EINTERNAL, "no random bytes for a media file name");
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	r = pxt_store_rec(pool, false);
	sub = pxt_psprintf(pool, "%s/%s/%.2s", dir, r && r->area ? r->area : "gen", hex);
	fin = sub ? pxt_psprintf(pool, "%s/%s.%s", sub, hex, ext) : NULL;
	tmp = fin ? pxt_psprintf(pool, "%s/.%s.tmp.%s", sub, hex, ext) : NULL;
	if (tmp == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory naming a media file");
	if ((rc = pxt_mkdir_p(sub, 0750)) != PXT_OK)
		return rc;
	if ((rc = pxt_store_record(pool, tmp, true)) != PXT_OK)
		return rc;
	*final_path = fin;
	*tmp_path = tmp;
	return PXT_OK;
}

/* fsync the file or folder at path. */
static int
pxt_fsync_path(const char *path, bool dir)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | (dir ? O_DIRECTORY : 0));
	int r;

	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/*
 * Move src to dst across file systems (rename gave EXDEV): copy into dst.part, fsync,
 * rename into place, remove src. 0, or -1 with errno and nothing left at dst.
 */
static int
pxt_move_across(const char *src, const char *dst)
{
	char part[4096], buf[65536];
	int in, out, saved = 0;
	ssize_t n = 0;

	if (snprintf(part, sizeof(part), "%s.part", dst) >= (int)sizeof(part)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if ((out = open(part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640)) < 0) {
		saved = errno;
		close(in);
		errno = saved;
		return -1;
	}
	errno = 0;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	saved = n < 0 ? errno : 0;
	close(in);
	if (n >= 0 && fsync(out) != 0)
		n = -1;
	if (close(out) != 0)
		n = -1;
	if (n < 0 || rename(part, dst) != 0) {
		saved = saved ? saved : errno;
		unlink(part);
		errno = saved;
		return -1;
	}
	unlink(src);
	return 0;
}

pxt_err
pxt_media_store_commit_file(pxt_pool *pool, const char *tmp_path,
    const char *final_path)
{
	char *fin = pxt_pstrdup(pool, final_path), *slash;
	pxt_err rc;

	if (fin == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory committing %s", final_path);
	if (pxt_fsync_path(tmp_path, false) != 0 || (rename(tmp_path, final_path) != 0 &&
	    (errno != EXDEV || pxt_move_across(tmp_path, final_path) != 0))) {
		rc = pxt_seterr(errno == ENOSPC ? PXT_ESTORAGE : PXT_EIO, "media store: "
		    "cannot commit %s as %s: %s", tmp_path, final_path, strerror(errno));
		unlink(tmp_path);
		return rc;
	}
	/* record first: a file on disk must always be owned by the pool */
	if ((rc = pxt_store_record(pool, fin, false)) != PXT_OK) {
		unlink(final_path);
		return rc;
	}
	/* the folder entry too, so the name survives a crash */
	if ((slash = strrchr(fin, '/')) != NULL && slash != fin) {
		*slash = '\0';
		rc = pxt_fsync_path(fin, true) == 0 ? PXT_OK : pxt_seterr(PXT_EIO,
		    "media store: cannot sync folder %s: %s", fin, strerror(errno));
		*slash = '/';
	}
	return rc;
}

pxt_err
pxt_media_store_area(pxt_pool *pool, const char *area)
{
	struct pxt_store_rec *r = pxt_store_rec(pool, true);

	if (r == NULL || (r->area = pxt_pstrdup(pool, area)) == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory choosing a media folder");
	return PXT_OK;
}

void
pxt_media_store_keep(pxt_pool *pool)
{
	struct pxt_store_rec *r = pxt_store_rec(pool, false);

	if (r == NULL)
		return;
	r->files = NULL;
	/* the rows that referred to these are gone or changed for good */
	for (struct pxt_store_file *f = r->drops; f != NULL; f = f->next)
		pxt_store_delete(f);
	r->drops = NULL;
}

void
pxt_media_store_discard(pxt_pool *pool)
{
	struct pxt_store_rec *r = pxt_store_rec(pool, false);

	if (r == NULL)
		return;
	for (struct pxt_store_file *f = r->files; f != NULL; f = f->next)
		pxt_store_delete(f);
	r->files = NULL;
	r->drops = NULL;
}

pxt_err
pxt_media_store_record_remote(pxt_pool *pool, const char *url)
{
	struct pxt_store_rec *r = pxt_store_rec(pool, true);
	struct pxt_store_file *f = r ? pxt_pcalloc(pool, sizeof(*f)) : NULL;

	if (f == NULL || (f->path = pxt_pstrdup(pool, url)) == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory recording %s", url);
	f->remote = true;
	f->next = r->files;
	r->files = f;
	return PXT_OK;
}

void
pxt_media_store_forget(pxt_pool *pool, const char *path)
{
	struct pxt_store_rec *r = pxt_store_rec(pool, false);

	for (struct pxt_store_file **pp = r ? &r->files : NULL; pp && *pp; pp = &(*pp)->next)
		if (!(*pp)->remote && strcmp((*pp)->path, path) == 0) {
			*pp = (*pp)->next;
			break;
		}
	pxt_store_unlink(path);
}

bool
pxt_media_store_owns(const char *path)
{
	size_t n = strlen(pxt_store_dir);

	if (pxt_obj_is_url(path))
		return pxt_media_dest_owns(path);
	return n > 0 && path != NULL && strncmp(path, pxt_store_dir, n) == 0 &&
	    (strncmp(path + n, "/gen/", 5) == 0 || strncmp(path + n, "/uploads/", 9) ==
	    0) && strstr(path, "/../") == NULL;
}

pxt_err
pxt_media_store_release(pxt_pool *pool, const char *path)
{
	struct pxt_store_rec *r;
	struct pxt_store_file *f;

	if (!pxt_media_store_owns(path))
		return PXT_OK;
	if ((r = pxt_store_rec(pool, true)) == NULL ||
	    (f = pxt_pcalloc(pool, sizeof(*f))) == NULL ||
	    (f->path = pxt_pstrdup(pool, path)) == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory releasing %s", path);
	f->remote = pxt_obj_is_url(path);
	f->next = r->drops;
	r->drops = f;
	return PXT_OK;
}
