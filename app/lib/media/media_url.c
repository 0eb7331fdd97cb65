/*
 * media_url.c - signing /media/ URLs the way nginx's secure_link_md5 checks them
 * (see pxt/media.h), writing a media value into a JSON answer (an absolute signed
 * /media/ URL for a file of the store, a file:// URL for another local file, or a
 * presigned URL for an object store), and the MIME type of a media file by its
 * extension. MD5 comes from OpenSSL's libcrypto.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "pxt/buf.h"
#include "pxt/log.h"
#include "pxt/media.h"
#include "pxt/os.h"
#include "media/media_out_int.h"
#include "media/media_store_int.h"
#include "media/objstore_int.h"

#define PXT_SECRET_MIN 16

static bool
pxt_secret_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("._~+/=-", *s)))
			return false;
	return true;
}

char *
pxt_media_secret(const pxt_config *cfg, pxt_pool *pool)
{
	const char *s = pxt_config_str(cfg, "server", "media_url_secret");
	char path[1024], *text = NULL, *out;
	size_t len;

	if (s == NULL) {
		snprintf(path, sizeof(path), "%s/run/media_url_secret", pxt_config_home(cfg));
		if (pxt_file_read(path, 4096, &text, &len) != PXT_OK) {
			pxt_seterr(PXT_ENOTFOUND, "no media URL secret: set [server] "
			    "media_url_secret, or start the stack once to generate one");
			return NULL;
		}
		while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
			text[--len] = '\0';
		s = text;
	}
	if (strlen(s) < PXT_SECRET_MIN || !pxt_secret_ok(s)) {
		free(text);
		pxt_seterr(PXT_ECONFIG, "the media URL secret must have at least %d "
		    "characters among letters, digits and ._~+/=-", PXT_SECRET_MIN);
		return NULL;
	}
	out = pxt_pstrdup(pool, s);
	free(text);
	return out;
}

/* Percent-encode a path for a URL, keeping '/' and unreserved characters. */
static void
pxt_path_encode(pxt_buf *b, const char *p)
{
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("/-._~", c))
			pxt_buf_addc(b, (char)c);
		else
			pxt_buf_addf(b, "%%%02X", c);
	}
}

static bool
pxt_relpath_ok(const char *p)
{
	if (*p == '\0' || *p == '/' || strstr(p, "//") != NULL)
		return false;
	for (const char *seg = p; seg != NULL; seg = strchr(seg, '/') ? strchr(seg, '/')
	    + 1 : NULL)
		if (strncmp(seg, "..", 2) == 0 && (seg[2] == '/' || seg[2] == '\0'))
			return false;
	for (; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* The unpadded base64url MD5 of "<exp>/media/<relpath> <secret>" into sig[23]. */
static bool
pxt_media_sign(const char *relpath, const char *secret, long long exp, char sig[23])
{
	unsigned char md[EVP_MAX_MD_SIZE], b64[64];
	unsigned int mdlen = 0;
	pxt_buf in = PXT_BUF_INIT;
	bool ok = false;
	int n;

	pxt_buf_addf(&in, "%lld/media/%s %s", exp, relpath, secret);
	if (!in.failed && EVP_Digest(in.data, in.len, md, &mdlen, EVP_md5(), NULL) == 1 &&
	    mdlen == 16) {
		n = EVP_EncodeBlock(b64, md, (int)mdlen);
		/* base64url without padding, as nginx's secure_link expects */
		while (n > 0 && b64[n - 1] == '=')
			n--;
		if (n == 22) {	/* 16 bytes: 22 characters unpadded, always */
			for (int i = 0; i < 22; i++)
				sig[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : (char)b64[i];
			sig[22] = '\0';
			ok = true;
		}
	}
	pxt_buf_free(&in);
	return ok;
}

char *
pxt_media_url_at(pxt_pool *pool, const char *base, const char *relpath,
    const char *secret, long ttl_s, time_t now)
{
	long long exp = (long long)now + ttl_s;
	pxt_buf url = PXT_BUF_INIT;
	char sig[23], *out = NULL;
	size_t blen = base ? strlen(base) : 0;

	if (relpath == NULL || !pxt_relpath_ok(relpath) || secret == NULL) {
		pxt_seterr(PXT_EINVAL, "'%.200s' is not a path inside the media store",
		    relpath ? relpath : "");
		return NULL;
	}
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if (!pxt_media_sign(relpath, secret, exp, sig)) {
		pxt_seterr(PXT_EINTERNAL, "cannot sign a media URL: MD5 failed");
		return NULL;
	}
	pxt_buf_add(&url, base ? base : "", blen);
	pxt_buf_addf(&url, "/media/%lld/%s/", exp, sig);
	pxt_path_encode(&url, relpath);
	if (!url.failed)
		out = pxt_pstrdup(pool, url.data);
	pxt_buf_free(&url);
	if (out == NULL)
		pxt_seterr(PXT_ENOMEM, "out of memory signing a media URL");
	return out;
}

char *
pxt_media_url(pxt_pool *pool, const char *relpath, const char *secret, long ttl_s,
    time_t now)
{
	return pxt_media_url_at(pool, NULL, relpath, secret, ttl_s, now);
}

char *
pxt_media_file_url(pxt_pool *pool, const char *path)
{
	pxt_buf url = PXT_BUF_INIT;
	char *out = NULL;

	if (path == NULL || path[0] != '/') {
		pxt_seterr(PXT_EINVAL, "'%.200s' is not an absolute path", path ? path : "");
		return NULL;
	}
	pxt_buf_adds(&url, "file://");
	pxt_path_encode(&url, path);
	if (!url.failed)
		out = pxt_pstrdup(pool, url.data);
	pxt_buf_free(&url);
	if (out == NULL)
		pxt_seterr(PXT_ENOMEM, "out of memory making a file URL");
	return out;
}

static char *pxt_sign_secret;
static long pxt_sign_ttl;
/* the base URL of the request being answered (its pool's memory), or NULL */
static _Thread_local const char *pxt_media_base;

void
pxt_media_sign_set(const char *secret, long ttl_s)
{
	free(pxt_sign_secret);
	pxt_sign_secret = secret ? strdup(secret) : NULL;
	pxt_sign_ttl = ttl_s;
}

/*
 * An object the store put in an object store: a presigned GET URL living
 * media_url_ttl_s; the value as it is when it cannot be signed (logged).
 */
static void
pxt_media_write_presigned(pxt_jw *w, const char *url, size_t len)
{
	const pxt_config *cfg = pxt_media_dest_cfg();
	pxt_pool *pool = pxt_pool_new(2048);
	char *signed_url = NULL;

	if (pool != NULL && cfg != NULL && pxt_obj_presign(cfg, pool, url, "GET",
	    pxt_sign_ttl > 0 ? pxt_sign_ttl : 3600, &signed_url) == PXT_OK)
		pxt_jw_cstr(w, signed_url);
	else {
		if (pool != NULL && cfg != NULL)
			pxt_log(PXT_LOG_WARN, "cannot presign %s: %s", url, pxt_errmsg());
		pxt_jw_str(w, url, len);
	}
	pxt_pool_free(pool);
}

void
pxt_media_base_set(const char *base)
{
	pxt_media_base = base;
}

void
pxt_media_write_json(pxt_jw *w, const char *path, size_t len)
{
	const char *dir = pxt_media_store_dir();
	size_t n = dir ? strlen(dir) : 0;
	pxt_pool *pool;
	char *url = NULL;

	if (strlen(path) != len || path[0] != '/') {	/* a URL, or not a path */
		if (strlen(path) == len && pxt_media_dest_owns(path))
			pxt_media_write_presigned(w, path, len);
		else
			pxt_jw_str(w, path, len);
		return;
	}
	if ((pool = pxt_pool_new(1024)) == NULL) {
		pxt_jw_str(w, path, len);
		return;
	}
	/* the store's files as signed links nginx serves; other files as file:// */
	if (pxt_sign_secret != NULL && n > 0 && len > n + 1 &&
	    strncmp(path, dir, n) == 0 && path[n] == '/')
		url = pxt_media_url_at(pool, pxt_media_base, path + n + 1,
		    pxt_sign_secret, pxt_sign_ttl, time(NULL));
	if (url == NULL)
		url = pxt_media_file_url(pool, path);
	if (url != NULL)
		pxt_jw_cstr(w, url);
	else
		pxt_jw_str(w, path, len);
	pxt_pool_free(pool);
}

const char *
pxt_media_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{"png", "image/png"}, {"jpg", "image/jpeg"}, {"jpeg", "image/jpeg"},
		{"gif", "image/gif"}, {"webp", "image/webp"}, {"tif", "image/tiff"},
		{"tiff", "image/tiff"}, {"bmp", "image/bmp"}, {"svg", "image/svg+xml"},
		{"pdf", "application/pdf"}, {"txt", "text/plain; charset=utf-8"},
		{"md", "text/markdown; charset=utf-8"}, {"html", "text/html; charset=utf-8"},
		{"htm", "text/html; charset=utf-8"}, {"json", "application/json"},
		{"mp4", "video/mp4"}, {"webm", "video/webm"}, {"mov", "video/quicktime"},
		{"mp3", "audio/mpeg"}, {"wav", "audio/wav"}, {"ogg", "audio/ogg"},
		{"flac", "audio/flac"},
	};
	const char *dot = strrchr(path, '.');

	if (dot != NULL && strchr(dot, '/') == NULL)
		for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++)
			if (strcasecmp(dot + 1, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}
