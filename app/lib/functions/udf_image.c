/*
 * udf_image.c - the image functions of pixeltable.functions.image as built-ins:
 * width, height, mode, get_metadata, resize, rotate, crop, convert, thumbnail with a
 * box and b64_encode (see image_int.h for images held in memory, pxt/expr.h for the
 * calling convention). A (width, height) or (left, upper, right, lower) tuple is a
 * Json array of integers: thumbnail(image, [320, 320]).
 */
#include <string.h>

#include "core/base64_int.h"
#include "functions/image_int.h"
#include "media/media_store_int.h"

/*
 * Reads the n integers of Json argument v (named name) of fn into out; PXT_EINVAL
 * naming both, with what (the expected form) when v is not a list of n integers.
 */
static pxt_err
pxt_img_ints(const char *fn, const char *name, const char *what, const pxt_value *v,
    int n, int *out)
{
	const pxt_json *j = v->u.json;
	bool ok = j != NULL && j->type == PXT_JSON_ARRAY && j->u.arr.n == (size_t)n;

	for (int i = 0; ok && i < n; i++) {
		const pxt_json *x = j->u.arr.items[i];

		ok = x->type == PXT_JSON_INT && x->u.i >= -PXT_IMAGE_DIM_MAX * 4 &&
		    x->u.i <= PXT_IMAGE_DIM_MAX * 4;
		out[i] = ok ? (int)x->u.i : 0;
	}
	return ok ? PXT_OK : pxt_seterr(PXT_EINVAL, "%s: argument '%s' must be %s, a "
	    "list of %d integers", fn, name, what, n);
}

/* Reads a (width, height) argument, each in 1..PXT_IMAGE_DIM_MAX. */
static pxt_err
pxt_img_size(const char *fn, const pxt_value *v, int *wh)
{
	pxt_err rc = pxt_img_ints(fn, "size", "[width, height]", v, 2, wh);

	if (rc == PXT_OK && (wh[0] < 1 || wh[1] < 1 || wh[0] > PXT_IMAGE_DIM_MAX ||
	    wh[1] > PXT_IMAGE_DIM_MAX))
		return pxt_seterr(PXT_EINVAL, "%s: argument 'size' [%d, %d]: width and "
		    "height must be in 1..%d", fn, wh[0], wh[1], PXT_IMAGE_DIM_MAX);
	return rc;
}

/* width(Image) -> Int, height(Image) -> Int, mode(Image) -> String: the header only. */
static pxt_err
pxt_img_header(pxt_pool *pool, const char *fn, const pxt_value *a, int *w, int *h,
    const char **mode, const char **format, int *bits)
{
	const struct pxt_vips *V;
	pxt_image_info info;
	VipsImage *im = NULL;
	pxt_err rc;

	/* defined on every path, failures included (the callers read them only on success) */
	*w = *h = 0;
	*mode = NULL;
	if (format != NULL)
		*format = NULL;
	if (bits != NULL)
		*bits = 0;
	if (!pxt_value_held(&a[0])) {	/* a file: its header, no pixels */
		const char *path;
		char *p = pxt_pstrndup(pool, a[0].u.str.s, a[0].u.str.len);

		if (p == NULL)
			return PXT_ENOMEM;
		if ((rc = pxt_media_local(pool, p, &path)) != PXT_OK ||
		    (rc = pxt_image_info_get(pool, path, &info)) != PXT_OK)
			return pxt_seterr(rc == PXT_ENOTFOUND ? PXT_EINVAL : rc, "%s: %s",
			    fn, pxt_errmsg());
		if (bits != NULL && (rc = pxt_img_arg(pool, fn, &a[0], &im)) != PXT_OK)
			return rc;
	} else {
		im = a[0].u.held.image;
	}
	if ((rc = pxt_vips_get(&V)) != PXT_OK)
		return pxt_seterr(rc, "%s: %s", fn, pxt_errmsg());
	if (pxt_value_held(&a[0])) {
		info.width = V->image_get_width(im);
		info.height = V->image_get_height(im);
		info.format = NULL;	/* as PIL: an image made in memory has none */
		info.mode = pxt_image_mode_name(pool, V->image_get_bands(im),
		    V->image_get_format(im), V->image_get_interpretation(im));
	}
	*w = info.width;
	*h = info.height;
	*mode = info.mode;
	if (format != NULL)
		*format = info.format;
	if (bits != NULL) {
		VipsBandFormat f = V->image_get_format(im);

		*bits = f == VIPS_FORMAT_UCHAR || f == VIPS_FORMAT_CHAR ? 8 :
		    f == VIPS_FORMAT_USHORT || f == VIPS_FORMAT_SHORT ? 16 :
		    f == VIPS_FORMAT_DOUBLE || f == VIPS_FORMAT_DPCOMPLEX ? 64 : 32;
	}
	return *mode ? PXT_OK : PXT_ENOMEM;
}

static pxt_err
pxt_fn_width(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	const char *mode;
	int w, h;
	pxt_err rc = pxt_img_header(pool, "width", a, &w, &h, &mode, NULL, NULL);

	(void)n;
	out->type = PXT_INT;
	out->u.i = w;
	return rc;
}

static pxt_err
pxt_fn_height(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	const char *mode;
	int w, h;
	pxt_err rc = pxt_img_header(pool, "height", a, &w, &h, &mode, NULL, NULL);

	(void)n;
	out->type = PXT_INT;
	out->u.i = h;
	return rc;
}

static pxt_err
pxt_fn_mode(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	const char *mode = NULL;
	int w, h;
	pxt_err rc = pxt_img_header(pool, "mode", a, &w, &h, &mode, NULL, NULL);

	(void)n;
	out->type = PXT_STRING;
	out->u.str.s = mode;
	out->u.str.len = mode ? strlen(mode) : 0;
	return rc;
}

/*
 * get_metadata(Image) -> Json: {"width", "height", "mode", "bits", "format",
 * "palette"} as Pixeltable answers (format as PIL names it, null for an image made
 * in memory; palette always null: libvips expands palettes when decoding).
 */
static pxt_err
pxt_fn_get_metadata(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	const char *mode, *format;
	pxt_buf b = PXT_BUF_INIT;
	int w, h, bits;
	pxt_json *j = NULL;
	pxt_jw jw;
	pxt_err rc;

	(void)n;
	if ((rc = pxt_img_header(pool, "get_metadata", a, &w, &h, &mode, &format,
	    &bits)) != PXT_OK)
		return rc;
	pxt_jw_init(&jw, &b);
	pxt_jw_obj_begin(&jw);
	pxt_jw_key(&jw, "width");
	pxt_jw_int(&jw, w);
	pxt_jw_key(&jw, "height");
	pxt_jw_int(&jw, h);
	pxt_jw_key(&jw, "mode");
	pxt_jw_cstr(&jw, mode);
	pxt_jw_key(&jw, "bits");
	pxt_jw_int(&jw, bits);
	pxt_jw_key(&jw, "format");
	if (format == NULL || strcmp(format, "unknown") == 0) {
		pxt_jw_null(&jw);
	} else {	/* PIL's names: PNG, JPEG, WEBP, GIF, TIFF, ... */
		char up[32];
		size_t i;

		for (i = 0; format[i] != '\0' && i < sizeof(up) - 1; i++)
			up[i] = (char)(format[i] >= 'a' && format[i] <= 'z' ?
			    format[i] - 'a' + 'A' : format[i]);
		up[i] = '\0';
		pxt_jw_cstr(&jw, up);
	}
	pxt_jw_key(&jw, "palette");
	pxt_jw_null(&jw);
	pxt_jw_obj_end(&jw);
	if (!b.failed)
		rc = pxt_json_parse(pool, pxt_buf_str(&b), b.len, 4, &j);
	pxt_buf_free(&b);
	if (j == NULL)
		return rc != PXT_OK ? rc : PXT_ENOMEM;
	out->type = PXT_JSON;
	out->u.json = j;
	return PXT_OK;
}

/* resize(Image, Json [width, height]) -> Image: exactly that size. */
static pxt_err
pxt_fn_resize(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	VipsImage *im, *r;
	int wh[2];
	pxt_err rc;

	(void)n;
	if ((rc = pxt_img_size("resize", &a[1], wh)) != PXT_OK ||
	    (rc = pxt_img_arg(pool, "resize", &a[0], &im)) != PXT_OK ||
	    (rc = pxt_img_resize(pool, "resize", im, wh[0], wh[1], &r)) != PXT_OK)
		return rc;
	pxt_img_set(out, r);
	return PXT_OK;
}

/* rotate(Image, Float angle) -> Image: counter-clockwise degrees, same canvas. */
static pxt_err
pxt_fn_rotate(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	VipsImage *im, *r;
	pxt_err rc;

	(void)n;
	if ((rc = pxt_img_arg(pool, "rotate", &a[0], &im)) != PXT_OK ||
	    (rc = pxt_img_rotate(pool, "rotate", im, a[1].u.f, &r)) != PXT_OK)
		return rc;
	pxt_img_set(out, r);
	return PXT_OK;
}

/* crop(Image, Json [left, upper, right, lower]) -> Image. */
static pxt_err
pxt_fn_crop(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	VipsImage *im, *r;
	int box[4];
	pxt_err rc;

	(void)n;
	if ((rc = pxt_img_ints("crop", "box", "[left, upper, right, lower]", &a[1], 4,
	    box)) != PXT_OK ||
	    (rc = pxt_img_arg(pool, "crop", &a[0], &im)) != PXT_OK ||
	    (rc = pxt_img_crop(pool, "crop", im, box[0], box[1], box[2], box[3], &r)) !=
	    PXT_OK)
		return rc;
	pxt_img_set(out, r);
	return PXT_OK;
}

/* convert(Image, String mode) -> Image: mode 'RGB', 'RGBA' or 'L'. */
static pxt_err
pxt_fn_convert(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	char *mode = pxt_pstrndup(pool, a[1].u.str.s, a[1].u.str.len);
	VipsImage *im, *r;
	pxt_err rc;

	(void)n;
	if (mode == NULL)
		return PXT_ENOMEM;
	if ((rc = pxt_img_convert(pool, "convert", NULL, mode, NULL)) == PXT_EINVAL)
		return rc;	/* the mode, checked before any decoding */
	if ((rc = pxt_img_arg(pool, "convert", &a[0], &im)) != PXT_OK ||
	    (rc = pxt_img_convert(pool, "convert", im, mode, &r)) != PXT_OK)
		return rc;
	pxt_img_set(out, r);
	return PXT_OK;
}

/* thumbnail(Image, Json [width, height]) -> Image: fits the box, never enlarged. */
static pxt_err
pxt_fn_thumbnail_box(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	const char *path = NULL;
	VipsImage *im = NULL, *r;
	int wh[2];
	pxt_err rc;

	(void)n;
	if ((rc = pxt_img_size("thumbnail", &a[1], wh)) != PXT_OK)
		return rc;
	if (pxt_value_held(&a[0])) {
		im = a[0].u.held.image;
	} else {
		char *p = pxt_pstrndup(pool, a[0].u.str.s, a[0].u.str.len);

		if (p == NULL)
			return PXT_ENOMEM;
		if (*p == '\0' || strlen(p) != a[0].u.str.len)
			return pxt_seterr(PXT_EINVAL, "thumbnail: empty or malformed image "
			    "path");
		if ((rc = pxt_media_local(pool, p, &path)) != PXT_OK ||
		    (rc = pxt_image_exists(path)) != PXT_OK)
			return pxt_seterr(rc == PXT_ENOTFOUND ? PXT_EINVAL : rc,
			    "thumbnail: %s", pxt_errmsg());
	}
	if ((rc = pxt_img_fit(pool, "thumbnail", im, path, wh[0], wh[1], &r)) != PXT_OK)
		return rc;
	pxt_img_set(out, r);
	return PXT_OK;
}

/* b64_encode(Image[, String image_format]) -> String: base64 of the encoded image. */
static pxt_err
pxt_fn_b64_encode(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	const char *format = n > 1 ? pxt_pstrndup(pool, a[1].u.str.s, a[1].u.str.len) :
	    "png";
	VipsImage *im;
	size_t len;
	void *data;
	pxt_err rc;

	if (format == NULL)
		return PXT_ENOMEM;
	if ((rc = pxt_img_arg(pool, "b64_encode", &a[0], &im)) != PXT_OK ||
	    (rc = pxt_img_encode(pool, "b64_encode", im, format, &data, &len)) != PXT_OK)
		return rc;
	out->type = PXT_STRING;
	if ((out->u.str.s = pxt_b64_encode(pool, data, len)) == NULL)
		return pxt_seterr(PXT_ENOMEM, "b64_encode: out of memory");
	out->u.str.len = pxt_b64_len(len);
	return PXT_OK;
}

/* Designated initializers: fields added to pxt_udf later stay zero. */
static const pxt_udf pxt_image_udfs[] = {
	{.name = "width", .ret = PXT_INT, .nargs = 1, .args = {PXT_IMAGE},
	    .fn = pxt_fn_width},
	{.name = "height", .ret = PXT_INT, .nargs = 1, .args = {PXT_IMAGE},
	    .fn = pxt_fn_height},
	{.name = "mode", .ret = PXT_STRING, .nargs = 1, .args = {PXT_IMAGE},
	    .fn = pxt_fn_mode},
	{.name = "get_metadata", .ret = PXT_JSON, .nargs = 1, .args = {PXT_IMAGE},
	    .fn = pxt_fn_get_metadata},
	{.name = "resize", .ret = PXT_IMAGE, .nargs = 2, .args = {PXT_IMAGE, PXT_JSON},
	    .fn = pxt_fn_resize},
	{.name = "rotate", .ret = PXT_IMAGE, .nargs = 2, .args = {PXT_IMAGE, PXT_FLOAT},
	    .fn = pxt_fn_rotate},
	{.name = "crop", .ret = PXT_IMAGE, .nargs = 2, .args = {PXT_IMAGE, PXT_JSON},
	    .fn = pxt_fn_crop},
	{.name = "convert", .ret = PXT_IMAGE, .nargs = 2, .args = {PXT_IMAGE,
	    PXT_STRING}, .fn = pxt_fn_convert},
	{.name = "thumbnail", .ret = PXT_IMAGE, .nargs = 2, .args = {PXT_IMAGE,
	    PXT_JSON}, .fn = pxt_fn_thumbnail_box},
	{.name = "b64_encode", .ret = PXT_STRING, .nargs = 1, .args = {PXT_IMAGE},
	    .fn = pxt_fn_b64_encode},
	{.name = "b64_encode", .ret = PXT_STRING, .nargs = 2, .args = {PXT_IMAGE,
	    PXT_STRING}, .fn = pxt_fn_b64_encode},
};

const pxt_udf *
pxt_udf_image_table(size_t *n)
{
	*n = sizeof(pxt_image_udfs) / sizeof(*pxt_image_udfs);
	return pxt_image_udfs;
}

bool
pxt_udf_image_native(const pxt_udf *u)
{
	size_t n = sizeof(pxt_image_udfs) / sizeof(*pxt_image_udfs);

	for (size_t i = 0; i < n; i++)
		if (u == &pxt_image_udfs[i])
			return true;
	return false;
}
