/*
 * objstore_url.c - object URLs: which strings name an object in a store and how they
 * split into bucket and key, with the stores' naming rules (see pxt_obj_parse in
 * objstore_int.h). Pure string work, fuzzed by tests/fuzz/fuzz_objurl.c.
 */
#include <stdio.h>
#include <string.h>

#include "media/objstore_int.h"

#define PXT_OBJ_KEY_MAX 1024
#define PXT_AZ_HOST_SUFFIX ".blob.core.windows.net"

/* Whether s starts with "https://<account>.blob.core.windows.net/". */
static bool
pxt_obj_is_azure_https(const char *s, size_t *hostlen)
{
	const char *h, *slash;
	size_t n, sl = strlen(PXT_AZ_HOST_SUFFIX);

	if (strncmp(s, "https://", 8) != 0)
		return false;
	h = s + 8;
	if ((slash = strchr(h, '/')) == NULL)
		return false;
	n = (size_t)(slash - h);
	if (n <= sl || strncmp(slash - sl, PXT_AZ_HOST_SUFFIX, sl) != 0)
		return false;
	if (hostlen)
		*hostlen = n;
	return true;
}

bool
pxt_obj_is_url(const char *s)
{
	return s != NULL && (strncmp(s, "s3://", 5) == 0 || strncmp(s, "gs://", 5) == 0 ||
	    strncmp(s, "az://", 5) == 0 || pxt_obj_is_azure_https(s, NULL));
}

/* Whether name suits kind: S3 3..63 of a-z 0-9 . -, GCS also _, Azure a-z 0-9 -. */
static bool
pxt_obj_bucket_ok(pxt_obj_kind kind, const char *b, size_t n)
{
	if (n < 3 || n > 63 || !((b[0] >= 'a' && b[0] <= 'z') || (b[0] >= '0' && b[0] <= '9')) ||
	    !((b[n - 1] >= 'a' && b[n - 1] <= 'z') || (b[n - 1] >= '0' && b[n - 1] <= '9')))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = b[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')
			continue;
		if (c == '.' && kind != PXT_OBJ_AZURE)
			continue;
		if (c == '_' && kind == PXT_OBJ_GCS)
			continue;
		return false;
	}
	return kind != PXT_OBJ_AZURE || strstr(b, "--") == NULL ||
	    (size_t)(strstr(b, "--") - b) >= n;
}

/* Whether key has no control bytes, no empty, "." or ".." segment, no leading '/'. */
static bool
pxt_obj_key_ok(const char *k)
{
	const char *seg = k;

	if (strlen(k) > PXT_OBJ_KEY_MAX || k[0] == '/')
		return false;
	for (const char *p = k;; p++) {
		if (*p != '\0' && (unsigned char)*p < 0x20)
			return false;
		if (*p == '\0' || *p == '/') {
			size_t n = (size_t)(p - seg);

			/* an empty last segment is a prefix ending in '/', allowed */
			if ((n == 0 && *p == '/') || (n == 1 && seg[0] == '.') ||
			    (n == 2 && seg[0] == '.' && seg[1] == '.'))
				return false;
			if (*p == '\0')
				return true;
			seg = p + 1;
		}
		if (*p == 0x7f)
			return false;
	}
}

pxt_err
pxt_obj_parse(pxt_pool *pool, const char *url, bool allow_empty_key, pxt_obj_loc *loc)
{
	const char *rest, *slash;
	size_t hostlen = 0, blen;
	char shown[160];

	snprintf(shown, sizeof(shown), "%.150s", url ? url : "(null)");
	/* a message is one line: control bytes of the input are shown as '?' */
	for (char *p = shown; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	memset(loc, 0, sizeof(*loc));
	if (url == NULL || !pxt_obj_is_url(url))
		return pxt_seterr(PXT_EINVAL, "'%s' is not an object-store URL (expected "
		    "s3://bucket/key, gs://bucket/key, az://container/blob or https://"
		    "<account>%s/container/blob)", shown, PXT_AZ_HOST_SUFFIX);
	if (pxt_obj_is_azure_https(url, &hostlen)) {
		loc->kind = PXT_OBJ_AZURE;
		loc->account = pxt_pstrndup(pool, url + 8, hostlen -
		    strlen(PXT_AZ_HOST_SUFFIX));
		rest = url + 8 + hostlen + 1;
	} else {
		loc->kind = url[0] == 's' ? PXT_OBJ_S3 : url[0] == 'g' ? PXT_OBJ_GCS :
		    PXT_OBJ_AZURE;
		rest = url + 5;
	}
	slash = strchr(rest, '/');
	blen = slash ? (size_t)(slash - rest) : strlen(rest);
	if (!pxt_obj_bucket_ok(loc->kind, rest, blen))
		return pxt_seterr(PXT_EINVAL, "'%s': the %s name must be 3 to 63 lower-case "
		    "letters, digits or %s, starting and ending with a letter or digit",
		    shown, loc->kind == PXT_OBJ_AZURE ? "container" : "bucket",
		    loc->kind == PXT_OBJ_AZURE ? "single hyphens" : "'.' and '-'");
	loc->bucket = pxt_pstrndup(pool, rest, blen);
	loc->key = pxt_pstrdup(pool, slash ? slash + 1 : "");
	if (loc->bucket == NULL || loc->key == NULL ||
	    (loc->kind == PXT_OBJ_AZURE && url[0] == 'h' && loc->account == NULL))
		return pxt_seterr(PXT_ENOMEM, "out of memory parsing %s", shown);
	if (strchr(loc->key, '?') != NULL || strchr(loc->key, '#') != NULL ||
	    !pxt_obj_key_ok(loc->key))
		return pxt_seterr(PXT_EINVAL, "'%s': the object key must be at most %d bytes "
		    "without control characters, '?', '#', empty, '.' or '..' segments",
		    shown, PXT_OBJ_KEY_MAX);
	if (!allow_empty_key && (loc->key[0] == '\0' ||
	    loc->key[strlen(loc->key) - 1] == '/'))
		return pxt_seterr(PXT_EINVAL, "'%s' names a %s or a prefix, not an object",
		    shown, loc->kind == PXT_OBJ_AZURE ? "container" : "bucket");
	return PXT_OK;
}

