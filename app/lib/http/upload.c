/*
 * upload.c - the upload sink on top of the multipart parser (multipart_int.h): file parts
 * go to new files under one folder, plain fields into pool memory.
 *
 * A file is recorded in the sink's list before it is created, so every file on disk
 * is always owned by the pool: the pool's cleanup deletes each one not kept, and any
 * error deletes them all at once. Names are random (32 hex digits from getrandom(2))
 * and created with O_EXCL | O_NOFOLLOW, so an existing file or link is never touched.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/multipart_int.h"
#include "pxt/buf.h"

#define PXT_UPLOAD_WBUF	(64 * 1024)	/* write buffer of the file being written */
#define PXT_UPLOAD_EXT	8		/* longest extension kept from a filename */

struct pxt_upload {
	pxt_pool *pool;
	const char *dir;
	pxt_mp *mp;
	pxt_upload_file *cur;	/* the file part being written, or NULL */
	int fd;			/* its descriptor, or -1 */
	pxt_buf field;		/* the plain field being read */
	const char *fname;	/* its name and type, in pool memory */
	const char *ftype;
	char *wbuf;		/* PXT_UPLOAD_WBUF bytes, wlen used */
	size_t wlen;
	pxt_upload_file *files;
	size_t nfiles, capfiles;
	pxt_upload_field *fields;
	size_t nfields, capfields;
};

/* pxt_upload_grow makes room for one more element in *arr (pool memory, doubling). */
static int
pxt_upload_grow(pxt_pool *pool, void **arr, size_t n, size_t *cap, size_t size)
{
	void *a;

	if (n < *cap)
		return 0;
	if ((a = pxt_palloc(pool, (*cap ? *cap * 2 : 8) * size)) == NULL)
		return -1;
	if (n > 0)
		memcpy(a, *arr, n * size);
	*arr = a;
	*cap = *cap ? *cap * 2 : 8;
	return 0;
}

/* pxt_upload_close closes the file being written, if any (its data is not flushed). */
static void
pxt_upload_close(pxt_upload *u)
{
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
	u->cur = NULL;
	u->wlen = 0;
}

/* pxt_upload_abort deletes every file the sink created and not kept. Idempotent. */
static void
pxt_upload_abort(pxt_upload *u)
{
	pxt_upload_close(u);
	for (size_t i = 0; i < u->nfiles; i++)
		if (u->files[i].on_disk && !u->files[i].kept) {
			unlink(u->files[i].path);
			u->files[i].on_disk = false;
		}
}

/* The pool cleanup: delete what is not kept, release the parser and the field. */
static void
pxt_upload_cleanup(void *data)
{
	pxt_upload *u = data;

	pxt_upload_abort(u);
	pxt_mp_free(u->mp);
	u->mp = NULL;
	pxt_buf_free(&u->field);
}

/*
 * pxt_upload_ext copies filename's extension into ext (lower-cased) when it is 1 to 8
 * letters or digits; ext is "" otherwise.
 */
static void
pxt_upload_ext(const char *filename, char ext[PXT_UPLOAD_EXT + 1])
{
	const char *dot = strrchr(filename, '.');
	size_t n = 0;

	ext[0] = '\0';
	if (dot == NULL || strpbrk(dot, "/\\") != NULL)
		return;
	for (dot++; dot[n] != '\0'; n++)
		if (n == PXT_UPLOAD_EXT || !((dot[n] >= '0' && dot[n] <= '9') ||
		    (dot[n] >= 'a' && dot[n] <= 'z') || (dot[n] >= 'A' && dot[n] <= 'Z')))
			return;
	for (size_t i = 0; i < n; i++)
		ext[i] = (char)(dot[i] >= 'A' && dot[i] <= 'Z' ? dot[i] | 0x20 : dot[i]);
	ext[n] = '\0';
}

/* pxt_upload_errno maps a file error to a code: disk full, permission, or I/O. */
static pxt_err
pxt_upload_errno(int e)
{
	if (e == ENOSPC || e == EDQUOT)
		return PXT_ESTORAGE;
	return e == EACCES || e == EPERM || e == EROFS ? PXT_EPERM : PXT_EIO;
}

/*
 * pxt_upload_create records a new file part f for field name and creates its file;
 * sets u->cur and u->fd. Errors are recorded (the record stays, not on disk).
 */
static pxt_err
pxt_upload_create(pxt_upload *u, const char *name, const char *filename,
    const char *ctype)
{
	pxt_upload_file *f;
	unsigned char rnd[16];
	char hex[33], ext[PXT_UPLOAD_EXT + 1];
	char *path;
	int tries, e = EEXIST;

	if (pxt_upload_grow(u->pool, (void **)&u->files, u->nfiles, &u->capfiles,
	    sizeof(*f)) != 0)
		return pxt_seterr(PXT_ENOMEM, "out of memory recording an upload");
	f = &u->files[u->nfiles];
	memset(f, 0, sizeof(*f));
	f->field = pxt_pstrdup(u->pool, name);
	f->filename = pxt_pstrdup(u->pool, filename);
	f->content_type = pxt_pstrdup(u->pool, ctype);
	if (f->field == NULL || f->filename == NULL || f->content_type == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory recording an upload");
	u->nfiles++;
	pxt_upload_ext(filename, ext);
	for (tries = 0; tries < 8 && e == EEXIST; tries++) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return pxt_seterr(PXT_EINTERNAL, "no random bytes for an upload "
			    "file name");
		for (size_t i = 0; i < sizeof(rnd); i++)
			snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
		if ((path = pxt_psprintf(u->pool, "%s/upload-%s%s%s", u->dir, hex,
		    ext[0] ? "." : "", ext)) == NULL)
			return pxt_seterr(PXT_ENOMEM, "out of memory naming an upload");
		f->path = path;
		u->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0640);
		e = u->fd < 0 ? errno : 0;
	}
	if (u->fd < 0)
		return pxt_seterr(pxt_upload_errno(e), "upload folder %s: cannot create "
		    "a file for field '%s': %s", u->dir, name, strerror(e));
	f->on_disk = true;
	u->cur = f;
	return PXT_OK;
}

/* pxt_upload_write writes len bytes to the current file; errors recorded. */
static pxt_err
pxt_upload_write(pxt_upload *u, const char *data, size_t len)
{
	ssize_t w;

	while (len > 0) {
		if ((w = write(u->fd, data, len)) < 0) {
			if (errno == EINTR)
				continue;
			return pxt_seterr(pxt_upload_errno(errno), "upload: cannot write "
			    "the file of field '%s': %s", u->cur->field, strerror(errno));
		}
		data += w;
		len -= (size_t)w;
	}
	return PXT_OK;
}

/* part_begin: a file part gets a new file, a plain field an empty buffer. */
static pxt_err
pxt_upload_begin(void *ud, const char *name, const char *filename, const char *ctype)
{
	pxt_upload *u = ud;

	if (filename != NULL)
		return pxt_upload_create(u, name, filename, ctype);
	pxt_buf_reset(&u->field);
	u->fname = pxt_pstrdup(u->pool, name);
	u->ftype = pxt_pstrdup(u->pool, ctype);
	if (u->fname == NULL || u->ftype == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory reading field '%s'", name);
	return PXT_OK;
}

/* part_data: through the write buffer to the file, or into the field's buffer. */
static pxt_err
pxt_upload_data(void *ud, const char *data, size_t len)
{
	pxt_upload *u = ud;
	pxt_err err;

	if (u->cur == NULL) {
		if (pxt_buf_add(&u->field, data, len) != 0)
			return pxt_seterr(PXT_ENOMEM, "out of memory reading field '%s'",
			    u->fname);
		return PXT_OK;
	}
	u->cur->size += len;
	if (len > PXT_UPLOAD_WBUF - u->wlen) {
		if ((err = pxt_upload_write(u, u->wbuf, u->wlen)) != PXT_OK)
			return err;
		u->wlen = 0;
		if (len >= PXT_UPLOAD_WBUF)
			return pxt_upload_write(u, data, len);
	}
	memcpy(u->wbuf + u->wlen, data, len);
	u->wlen += len;
	return PXT_OK;
}

/* part_end: flush and close the file, or copy the field into the pool. */
static pxt_err
pxt_upload_end(void *ud)
{
	pxt_upload *u = ud;
	pxt_upload_field *f;
	char *v;
	pxt_err err;
	int fd = u->fd;

	if (u->cur != NULL) {
		if ((err = pxt_upload_write(u, u->wbuf, u->wlen)) != PXT_OK)
			return err;
		u->fd = -1;
		if (close(fd) != 0)
			return pxt_seterr(pxt_upload_errno(errno), "upload: cannot write "
			    "the file of field '%s': %s", u->cur->field, strerror(errno));
		u->cur = NULL;
		u->wlen = 0;
		return PXT_OK;
	}
	if (pxt_upload_grow(u->pool, (void **)&u->fields, u->nfields, &u->capfields,
	    sizeof(*f)) != 0 || (v = pxt_palloc(u->pool, u->field.len + 1)) == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory reading field '%s'",
		    u->fname);
	if (u->field.len > 0)
		memcpy(v, u->field.data, u->field.len);
	v[u->field.len] = '\0';
	f = &u->fields[u->nfields++];
	f->name = u->fname;
	f->value = v;
	f->len = u->field.len;
	f->content_type = u->ftype;
	return PXT_OK;
}

pxt_upload *
pxt_upload_new(pxt_pool *pool, const char *dir, const char *boundary,
    const pxt_mp_limits *lim)
{
	static const pxt_mp_callbacks cb = {pxt_upload_begin, pxt_upload_data,
	    pxt_upload_end};
	pxt_upload *u;
	struct stat st;

	if (dir == NULL || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		pxt_seterr(PXT_ENOTFOUND, "upload folder %s: not a folder",
		    dir ? dir : "(none)");
		return NULL;
	}
	if ((u = pxt_pcalloc(pool, sizeof(*u))) == NULL ||
	    (u->wbuf = pxt_palloc(pool, PXT_UPLOAD_WBUF)) == NULL ||
	    (u->dir = pxt_pstrdup(pool, dir)) == NULL) {
		pxt_seterr(PXT_ENOMEM, "out of memory creating an upload");
		return NULL;
	}
	u->pool = pool;
	u->fd = -1;
	if ((u->mp = pxt_mp_new(boundary, lim, &cb, u)) == NULL)
		return NULL;
	if (pxt_pool_cleanup(pool, pxt_upload_cleanup, u) != 0) {
		pxt_mp_free(u->mp);
		pxt_seterr(PXT_ENOMEM, "out of memory creating an upload");
		return NULL;
	}
	return u;
}

pxt_err
pxt_upload_feed(pxt_upload *u, const char *data, size_t len)
{
	pxt_err err = pxt_mp_feed(u->mp, data, len);

	if (err != PXT_OK)
		pxt_upload_abort(u);
	return err;
}

pxt_err
pxt_upload_finish(pxt_upload *u)
{
	pxt_err err = pxt_mp_finish(u->mp);

	if (err != PXT_OK)
		pxt_upload_abort(u);
	return err;
}

pxt_err
pxt_upload_to_dir(pxt_pool *pool, const char *dir, const char *content_type,
    const pxt_mp_limits *lim, pxt_upload_read_fn rd, void *ctx, pxt_upload **out)
{
	char boundary[PXT_MP_BOUNDARY_MAX + 1], buf[16 * 1024];
	pxt_upload *u;
	pxt_err err;
	long n;

	*out = NULL;
	if ((err = pxt_mp_boundary(content_type, boundary, sizeof(boundary))) != PXT_OK)
		return err;
	if ((u = pxt_upload_new(pool, dir, boundary, lim)) == NULL)
		return pxt_errcode();
	pxt_clearerr();
	while ((n = rd(ctx, buf, sizeof(buf))) > 0)
		if ((err = pxt_upload_feed(u, buf, (size_t)n)) != PXT_OK)
			return err;
	if (n < 0) {
		pxt_upload_abort(u);
		return pxt_errcode() != PXT_OK ? pxt_errcode() :
		    pxt_seterr(PXT_EIO, "upload: reading the request body failed");
	}
	if ((err = pxt_upload_finish(u)) != PXT_OK)
		return err;
	*out = u;
	return PXT_OK;
}

const pxt_upload_file *
pxt_upload_files(const pxt_upload *u, size_t *n)
{
	*n = u->nfiles;
	return u->files;
}

const pxt_upload_field *
pxt_upload_fields(const pxt_upload *u, size_t *n)
{
	*n = u->nfields;
	return u->fields;
}

const pxt_upload_file *
pxt_upload_file_get(const pxt_upload *u, const char *name)
{
	for (size_t i = 0; name != NULL && i < u->nfiles; i++)
		if (strcmp(u->files[i].field, name) == 0)
			return &u->files[i];
	return NULL;
}

const pxt_upload_field *
pxt_upload_field_get(const pxt_upload *u, const char *name)
{
	for (size_t i = 0; name != NULL && i < u->nfields; i++)
		if (strcmp(u->fields[i].name, name) == 0)
			return &u->fields[i];
	return NULL;
}

pxt_err
pxt_upload_keep(pxt_upload *u, size_t i)
{
	if (i >= u->nfiles || !u->files[i].on_disk || &u->files[i] == u->cur)
		return pxt_seterr(PXT_EINVAL, "upload file %zu does not exist", i);
	u->files[i].kept = true;
	return PXT_OK;
}

pxt_err
pxt_upload_move(pxt_upload *u, size_t i, const char *dest)
{
	char *d;
	pxt_err err;

	if ((err = pxt_upload_keep(u, i)) != PXT_OK)
		return err;
	u->files[i].kept = false;
	if ((d = pxt_pstrdup(u->pool, dest)) == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory moving an upload");
	if (rename(u->files[i].path, d) != 0)
		return pxt_seterr(pxt_upload_errno(errno), "upload: cannot move a file "
		    "to %s: %s", dest, strerror(errno));
	u->files[i].path = d;
	u->files[i].kept = true;
	return PXT_OK;
}

void
pxt_upload_discard(pxt_upload *u)
{
	if (u != NULL)
		pxt_upload_abort(u);
}
