/*
 * media_upload.c - where an uploaded file lives in the local media store:
 * <store>/uploads/<32 hex>/<NAME>, a folder of its own per upload holding the file
 * under the name it was sent with (sanitized), so the last segment of its URL is that
 * name and two uploads of one name never meet (see media_store_int.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "pxt/buf.h"
#include "pxt/os.h"
#include "core/utf8_int.h"
#include "media/media_store_int.h"

#define PXT_UPLOAD_NAME_MAX 200	/* bytes of a stored name, extension included */
#define PXT_UPLOAD_EXT_MAX 16	/* an extension kept whole when a name is cut */

/* The length of s cut to at most max bytes, on a UTF-8 character boundary. */
static size_t
pxt_upload_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

/* Drops trailing spaces and dots from b (a name ending so is awkward everywhere). */
static void
pxt_upload_trim(pxt_buf *b)
{
	while (b->len > 0 && (b->data[b->len - 1] == ' ' || b->data[b->len - 1] == '.'))
		b->data[--b->len] = '\0';
}

char *
pxt_media_upload_name(pxt_pool *pool, const char *filename)
{
	const char *base = filename ? filename : "", *s, *dot;
	pxt_buf b = PXT_BUF_INIT;
	size_t n, keep, ext = 0;
	char *out;

	/* the last segment of a path some clients send ("C:\fakepath\a.pdf") */
	for (s = base; *s; s++)
		if (*s == '/' || *s == '\\')
			base = s + 1;
	while (*base == '.' || *base == ' ')	/* never a hidden file */
		base++;
	for (s = base; *s; s += n) {
		n = pxt_utf8_len((const unsigned char *)s, strlen(s));
		if (n == 0 || (unsigned char)*s < 0x20 || *s == 0x7f) {
			pxt_buf_addc(&b, '_');
			n = 1;
		} else {
			pxt_buf_add(&b, s, n);
		}
	}
	pxt_upload_trim(&b);
	if (b.failed) {
		pxt_buf_free(&b);
		pxt_seterr(PXT_ENOMEM, "out of memory naming an upload");
		return NULL;
	}
	if (b.len == 0) {
		pxt_buf_free(&b);
		return pxt_pstrdup(pool, "file");
	}
	/* too long: cut the stem, keep a short extension */
	if (b.len > PXT_UPLOAD_NAME_MAX) {
		if ((dot = strrchr(b.data, '.')) != NULL &&
		    strlen(dot) <= PXT_UPLOAD_EXT_MAX + 1 && dot != b.data)
			ext = strlen(dot);
		keep = pxt_upload_cut(b.data, b.len - ext, PXT_UPLOAD_NAME_MAX - ext);
		out = pxt_psprintf(pool, "%.*s%s", (int)keep, b.data, ext ? dot : "");
	} else {
		out = pxt_pstrdup(pool, b.data);
	}
	pxt_buf_free(&b);
	if (out == NULL)
		pxt_seterr(PXT_ENOMEM, "out of memory naming an upload");
	return out;
}

bool
pxt_media_upload_folder(const char *path, char *dir, size_t cap)
{
	const char *store = pxt_media_store_dir(), *p, *slash;
	size_t n = store ? strlen(store) : 0;

	if (n == 0 || path == NULL || strncmp(path, store, n) != 0 ||
	    strncmp(path + n, "/uploads/", 9) != 0)
		return false;
	p = path + n + 9;
	if ((slash = strchr(p, '/')) == NULL || slash - p != 32 ||
	    strchr(slash + 1, '/') != NULL || slash[1] == '\0')
		return false;
	for (const char *h = p; h < slash; h++)
		if (!((*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f')))
			return false;
	if ((size_t)(slash - path) >= cap)
		return false;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return true;
}

pxt_err
pxt_media_store_upload(pxt_pool *pool, const char *tmp_path, const char *filename,
    char **final_path)
{
	const char *store = pxt_media_store_dir();
	unsigned char rnd[16];
	char hex[33], *ups, *sub = NULL, *name, *fin;
	int e = EEXIST;
	pxt_err rc;

	*final_path = NULL;
	if (store == NULL)
		return pxt_seterr(PXT_ECONFIG, "no local media store folder is set "
		    "(open an environment first: it uses $PIXELTABLE_HOME/media)");
	if ((name = pxt_media_upload_name(pool, filename)) == NULL ||
	    (ups = pxt_psprintf(pool, "%s/uploads", store)) == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory naming an upload");
	/* the store itself may be new too: a home on an external database (a fresh
	 * container volume) has no media folder until the first file */
	if ((rc = pxt_mkdir_p(ups, 0750)) != PXT_OK)
		return pxt_seterr(rc, "media store: %s", pxt_errmsg());
	/* a new folder of the upload's own: mkdir is the claim, never a shared one */
	for (int tries = 0; tries < 8 && e == EEXIST; tries++) {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			return pxt_seterr(PXT_EINTERNAL, "no random bytes for an upload "
			    "folder name");
		for (size_t i = 0; i < sizeof(rnd); i++)
			snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
		if ((sub = pxt_psprintf(pool, "%s/%s", ups, hex)) == NULL)
			return pxt_seterr(PXT_ENOMEM, "out of memory naming an upload");
		e = mkdir(sub, 0750) == 0 ? 0 : errno;
	}
	if (e != 0)
		return pxt_seterr(e == ENOSPC ? PXT_ESTORAGE : PXT_EIO, "media store: cannot "
		    "create a folder in %s for an upload: %s", ups, strerror(e));
	if ((fin = pxt_psprintf(pool, "%s/%s", sub, name)) == NULL) {
		rmdir(sub);
		return pxt_seterr(PXT_ENOMEM, "out of memory naming an upload");
	}
	/* renamed now, deleted with the pool (and its folder) unless kept */
	if ((rc = pxt_media_store_commit_file(pool, tmp_path, fin)) != PXT_OK) {
		rmdir(sub);
		return rc;
	}
	*final_path = fin;
	return PXT_OK;
}
