/*
 * udf_media.c - the built-in functions over documents and images, and format (see
 * media_store_int.h for the table, pxt/expr.h for the calling convention).
 *
 * A Document or Image argument is a local absolute path, an http(s) URL or an
 * object-store URL (u.str); a URL is read through the file cache (downloaded on first
 * use). Every message starts with the function's name and names the file.
 */
#include <string.h>

#include "pxt/buf.h"
#include "pxt/json.h"
#include "docs/doc_int.h"
#include "media/file_cache_int.h"
#include "media/media_store_int.h"
#include "media/objstore_int.h"

static const pxt_config *pxt_media_cfg;

void
pxt_media_fetch_config(const pxt_config *cfg)
{
	pxt_media_cfg = cfg;
}

pxt_err
pxt_media_local(pxt_pool *pool, const char *value, const char **path)
{
	pxt_err rc;

	if (strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0 &&
	    !pxt_obj_is_url(value)) {
		if (strstr(value, "://") != NULL)
			return pxt_seterr(PXT_EINVAL, "%.200s: media is a local path, an "
			    "http(s) URL or an object-store URL (s3://, gs://, az://)", value);
		*path = value;
		return PXT_OK;
	}
	if (pxt_media_cfg == NULL)
		return pxt_seterr(PXT_EINTERNAL, "%s: no configuration to fetch with", value);
	/* downloaded on first use, leased until the pool goes */
	rc = pxt_cache_get(pxt_media_cfg, pool, value, path);
	/* a missing object is the input's fault, as a missing local file is */
	return rc == PXT_ENOTFOUND ? pxt_seterr(PXT_EINVAL, "%s", pxt_errmsg()) : rc;
}

/*
 * Copies the media value of argument v into pool and resolves it to a local file as
 * *path (a URL through the file cache). PXT_EINVAL for an empty path or a store URL,
 * the cache's errors for a URL it cannot fetch; messages start with fn.
 */
static pxt_err
pxt_media_arg(pxt_pool *pool, const char *fn, const pxt_value *v, const char **path)
{
	char *p = pxt_pstrndup(pool, v->u.str.s, v->u.str.len);
	pxt_err rc;

	if (p == NULL)
		return pxt_seterr(PXT_ENOMEM, "%s: out of memory", fn);
	if (*p == '\0' || strlen(p) != v->u.str.len)
		return pxt_seterr(PXT_EINVAL, "%s: empty or malformed media path", fn);
	if ((rc = pxt_media_local(pool, p, path)) != PXT_OK)
		return pxt_seterr(rc, "%s: %s", fn, pxt_errmsg());
	return PXT_OK;
}

/* Prefixes the current message with fn and returns rc. */
static pxt_err
pxt_fn_fail(const char *fn, pxt_err rc)
{
	return pxt_seterr(rc, "%s: %s", fn, pxt_errmsg());
}

/* Extracts argument 0 (a Document) of function fn into *doc (memoized per pool). */
static pxt_err
pxt_doc_arg(pxt_pool *pool, const char *fn, const pxt_value *a, const pxt_doc **doc)
{
	const char *path;
	pxt_err rc;

	if ((rc = pxt_media_arg(pool, fn, &a[0], &path)) != PXT_OK)
		return rc;
	if ((rc = pxt_doc_extract(pool, path, doc)) != PXT_OK)
		return pxt_fn_fail(fn, rc);
	return PXT_OK;
}

/* extract_text(Document) -> String: the text of all blocks, blank-line separated. */
static pxt_err
pxt_fn_extract_text(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	const pxt_doc *doc;
	pxt_err rc;

	(void)n;
	if ((rc = pxt_doc_arg(pool, "extract_text", a, &doc)) != PXT_OK)
		return rc;
	if (pxt_doc_text(pool, doc, &out->u.str.s, &out->u.str.len) != PXT_OK)
		return pxt_seterr(PXT_ENOMEM, "extract_text: %s: out of memory", doc->path);
	out->type = PXT_STRING;
	return PXT_OK;
}

/* doc_title(Document) -> String: the title, NULL when the document has none. */
static pxt_err
pxt_fn_doc_title(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	const pxt_doc *doc;
	pxt_err rc;

	(void)n;
	if ((rc = pxt_doc_arg(pool, "doc_title", a, &doc)) != PXT_OK)
		return rc;
	out->type = PXT_STRING;
	out->null = doc->title == NULL;
	out->u.str.s = doc->title;
	out->u.str.len = doc->title ? strlen(doc->title) : 0;
	return PXT_OK;
}

/* page_count(Document) -> Int: pages of a PDF, 0 for formats without pages. */
static pxt_err
pxt_fn_page_count(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	const pxt_doc *doc;
	pxt_err rc;

	(void)n;
	if ((rc = pxt_doc_arg(pool, "page_count", a, &doc)) != PXT_OK)
		return rc;
	out->type = PXT_INT;
	out->u.i = doc->npages;
	return PXT_OK;
}

/* Reads the header of argument 0 (an Image) of function fn into *info. */
static pxt_err
pxt_image_arg(pxt_pool *pool, const char *fn, const pxt_value *a, pxt_image_info *info)
{
	const char *path;
	pxt_err rc;

	if ((rc = pxt_media_arg(pool, fn, &a[0], &path)) != PXT_OK)
		return rc;
	if ((rc = pxt_image_info_get(pool, path, info)) != PXT_OK)
		return pxt_fn_fail(fn, rc);
	return PXT_OK;
}

/* image_width(Image) -> Int: the width in pixels (the header only is read). */
static pxt_err
pxt_fn_image_width(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	pxt_image_info info;
	pxt_err rc;

	(void)n;
	if ((rc = pxt_image_arg(pool, "image_width", a, &info)) != PXT_OK)
		return rc;
	out->type = PXT_INT;
	out->u.i = info.width;
	return PXT_OK;
}

/* image_height(Image) -> Int. */
static pxt_err
pxt_fn_image_height(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	pxt_image_info info;
	pxt_err rc;

	(void)n;
	if ((rc = pxt_image_arg(pool, "image_height", a, &info)) != PXT_OK)
		return rc;
	out->type = PXT_INT;
	out->u.i = info.height;
	return PXT_OK;
}

/* image_format(Image) -> String: "png", "jpeg", "webp", ... (the libvips loader). */
static pxt_err
pxt_fn_image_format(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	pxt_image_info info;
	pxt_err rc;

	(void)n;
	if ((rc = pxt_image_arg(pool, "image_format", a, &info)) != PXT_OK)
		return rc;
	out->type = PXT_STRING;
	out->u.str.s = info.format;
	out->u.str.len = strlen(info.format);
	return PXT_OK;
}

/* image_mode(Image) -> String: "RGB", "RGBA", "L", "LA", ... as PIL names them. */
static pxt_err
pxt_fn_image_mode(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	pxt_image_info info;
	pxt_err rc;

	(void)n;
	if ((rc = pxt_image_arg(pool, "image_mode", a, &info)) != PXT_OK)
		return rc;
	out->type = PXT_STRING;
	out->u.str.s = info.mode;
	out->u.str.len = strlen(info.mode);
	return PXT_OK;
}

/*
 * thumbnail(Image, Int) -> Image: a PNG fitting inside size x size in the media store;
 * the result is its absolute path, deleted with the pool unless kept.
 */
static pxt_err
pxt_fn_thumbnail(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	const char *path;
	char *thumb;
	pxt_err rc;

	(void)n;
	if (a[1].u.i < 1 || a[1].u.i > PXT_THUMBNAIL_MAX)
		return pxt_seterr(PXT_EINVAL, "thumbnail: size %lld is outside 1..%d",
		    (long long)a[1].u.i, PXT_THUMBNAIL_MAX);
	if ((rc = pxt_media_arg(pool, "thumbnail", &a[0], &path)) != PXT_OK)
		return rc;
	if ((rc = pxt_image_thumbnail(pool, path, (int)a[1].u.i, &thumb)) != PXT_OK)
		return pxt_fn_fail("thumbnail", rc);
	out->type = PXT_IMAGE;
	out->u.str.s = thumb;
	out->u.str.len = strlen(thumb);
	return PXT_OK;
}

/* Appends the text of a Json value: strings as they are, the rest as JSON. */
static void
pxt_format_value(pxt_buf *b, const pxt_json *v)
{
	pxt_jw w;

	if (v->type == PXT_JSON_STRING) {
		pxt_buf_add(b, v->u.str.s, v->u.str.len);
		return;
	}
	pxt_jw_init(&w, b);
	pxt_jw_value(&w, v);
}

/*
 * format(String, Json) -> String: the template with each {key} replaced by the value
 * of key in the Json object; {{ and }} stand for braces. PXT_EINVAL for a missing key,
 * an unclosed or empty placeholder, a lone '}', or a Json value that is not an object.
 */
static pxt_err
pxt_fn_format(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	const char *s = a[0].u.str.s;
	size_t len = a[0].u.str.len;
	const pxt_json *obj = a[1].u.json;
	pxt_buf b = PXT_BUF_INIT;
	pxt_err rc = PXT_OK;

	(void)n;
	if (obj == NULL || obj->type != PXT_JSON_OBJECT)
		return pxt_seterr(PXT_EINVAL, "format: the Json argument must be an object, "
		    "got %s", obj ? pxt_json_type_name(obj->type) : "nothing");
	for (size_t i = 0; i < len && rc == PXT_OK; i++) {
		const char *close;
		char *key;

		if ((s[i] == '{' || s[i] == '}') && i + 1 < len && s[i + 1] == s[i]) {
			pxt_buf_addc(&b, s[i++]);
		} else if (s[i] == '}') {
			rc = pxt_seterr(PXT_EINVAL, "format: single '}' at byte %zu of the "
			    "template (write '}}' for a brace)", i);
		} else if (s[i] != '{') {
			pxt_buf_addc(&b, s[i]);
		} else if ((close = memchr(s + i + 1, '}', len - i - 1)) == NULL ||
		    close == s + i + 1 || memchr(s + i + 1, '{', (size_t)(close - s) - i -
		    1)) {
			rc = pxt_seterr(PXT_EINVAL, "format: unclosed or empty placeholder "
			    "at byte %zu of the template (write '{{' for a brace)", i);
		} else if ((key = pxt_pstrndup(pool, s + i + 1, (size_t)(close - s) - i -
		    1)) == NULL) {
			rc = pxt_seterr(PXT_ENOMEM, "format: out of memory");
		} else if (pxt_json_get(obj, key) == NULL) {
			rc = pxt_seterr(PXT_EINVAL, "format: the template uses {%s}, but "
			    "the Json object has no key '%s'", key, key);
		} else {
			pxt_format_value(&b, pxt_json_get(obj, key));
			i = (size_t)(close - s);
		}
	}
	if (rc == PXT_OK && b.failed)
		rc = pxt_seterr(PXT_ENOMEM, "format: out of memory");
	if (rc == PXT_OK && (out->u.str.s = pxt_pstrndup(pool, pxt_buf_str(&b), b.len)) ==
	    NULL)
		rc = pxt_seterr(PXT_ENOMEM, "format: out of memory");
	out->type = PXT_STRING;
	out->u.str.len = b.len;
	pxt_buf_free(&b);
	return rc;
}

/* Designated initializers: fields added to pxt_udf later stay zero. */
static const pxt_udf pxt_media_udfs[] = {
	{.name = "extract_text", .ret = PXT_STRING, .nargs = 1, .args = {PXT_DOCUMENT},
	    .fn = pxt_fn_extract_text},
	{.name = "doc_title", .ret = PXT_STRING, .nargs = 1, .args = {PXT_DOCUMENT},
	    .fn = pxt_fn_doc_title},
	{.name = "page_count", .ret = PXT_INT, .nargs = 1, .args = {PXT_DOCUMENT},
	    .fn = pxt_fn_page_count},
	{.name = "image_width", .ret = PXT_INT, .nargs = 1, .args = {PXT_IMAGE},
	    .fn = pxt_fn_image_width},
	{.name = "image_height", .ret = PXT_INT, .nargs = 1, .args = {PXT_IMAGE},
	    .fn = pxt_fn_image_height},
	{.name = "image_format", .ret = PXT_STRING, .nargs = 1, .args = {PXT_IMAGE},
	    .fn = pxt_fn_image_format},
	{.name = "image_mode", .ret = PXT_STRING, .nargs = 1, .args = {PXT_IMAGE},
	    .fn = pxt_fn_image_mode},
	{.name = "thumbnail", .ret = PXT_IMAGE, .nargs = 2, .args = {PXT_IMAGE, PXT_INT},
	    .fn = pxt_fn_thumbnail},
	{.name = "format", .ret = PXT_STRING, .nargs = 2, .args = {PXT_STRING, PXT_JSON},
	    .fn = pxt_fn_format},
};

const pxt_udf *
pxt_udf_media_table(size_t *n)
{
	*n = sizeof(pxt_media_udfs) / sizeof(*pxt_media_udfs);
	return pxt_media_udfs;
}
