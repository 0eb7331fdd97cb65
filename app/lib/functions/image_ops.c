/*
 * image_ops.c - operations on decoded images for the image functions (see
 * image_int.h): each libvips image made is handed to the pool at once, so no path
 * unreferences by hand and a failure leaks nothing.
 */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "functions/image_int.h"
#include "media/media_store_int.h"

/* Pool cleanup: drops the pool's reference to a libvips image. */
static void
pxt_img_unref(void *im)
{
	const struct pxt_vips *V;

	if (pxt_vips_get(&V) == PXT_OK)
		V->object_unref(im);
}

/* Hands im (one reference) to pool; unreferences it at once when that fails. */
static pxt_err
pxt_img_own(pxt_pool *pool, const struct pxt_vips *V, VipsImage *im)
{
	if (pxt_pool_cleanup(pool, pxt_img_unref, im) != 0) {
		V->object_unref(im);
		return pxt_seterr(PXT_ENOMEM, "out of memory");
	}
	return PXT_OK;
}

/* libvips' first line of error as "fn: what (...)", clearing its buffer. */
static pxt_err
pxt_img_fail(const struct pxt_vips *V, const char *fn, const char *what)
{
	const char *msg = V->error_buffer();
	size_t n = strcspn(msg, "\n");

	pxt_seterr(PXT_EINVAL, "%s: %s (%.*s)", fn, what, (int)n, n ? msg : "libvips "
	    "failed");
	V->error_clear();
	return PXT_EINVAL;
}

/* Finishes an operation: rc is libvips' result, *out the image it made. */
static pxt_err
pxt_img_done(pxt_pool *pool, const struct pxt_vips *V, const char *fn, int rc,
    VipsImage **out, const char *what)
{
	if (rc != 0) {
		*out = NULL;
		return pxt_img_fail(V, fn, what);
	}
	return pxt_img_own(pool, V, *out);
}

/* The libvips table, or PXT_EUNAVAIL with a message starting with fn. */
static pxt_err
pxt_img_api(const char *fn, const struct pxt_vips **V)
{
	pxt_err rc = pxt_vips_get(V);

	return rc == PXT_OK ? PXT_OK : pxt_seterr(rc, "%s: %s", fn, pxt_errmsg());
}

pxt_err
pxt_img_arg(pxt_pool *pool, const char *fn, const pxt_value *v, VipsImage **im)
{
	const struct pxt_vips *V;
	const char *path;
	char *p;
	pxt_err rc;

	if (pxt_value_held(v)) {
		*im = v->u.held.image;
		return PXT_OK;
	}
	if ((rc = pxt_img_api(fn, &V)) != PXT_OK)
		return rc;
	if ((p = pxt_pstrndup(pool, v->u.str.s, v->u.str.len)) == NULL)
		return pxt_seterr(PXT_ENOMEM, "%s: out of memory", fn);
	if (*p == '\0' || strlen(p) != v->u.str.len)
		return pxt_seterr(PXT_EINVAL, "%s: empty or malformed image path", fn);
	if ((rc = pxt_media_local(pool, p, &path)) != PXT_OK ||
	    (rc = pxt_image_exists(path)) != PXT_OK)
		return pxt_seterr(rc == PXT_ENOTFOUND ? PXT_EINVAL : rc, "%s: %s", fn,
		    pxt_errmsg());
	if ((*im = V->image_new_from_file(path, NULL)) == NULL)
		return pxt_img_fail(V, fn, "not a readable image");
	return pxt_img_own(pool, V, *im);
}

void
pxt_img_set(pxt_value *out, VipsImage *im)
{
	out->type = PXT_IMAGE;
	out->null = false;
	out->u.held.image = im;
	out->u.held.mark = PXT_VALUE_HELD;
}

pxt_err
pxt_img_resize(pxt_pool *pool, const char *fn, VipsImage *im, int w, int h,
    VipsImage **out)
{
	const struct pxt_vips *V;
	pxt_err rc;

	if ((rc = pxt_img_api(fn, &V)) != PXT_OK)
		return rc;
	return pxt_img_done(pool, V, fn, V->thumbnail_image(im, out, w, "height", h,
	    "size", VIPS_SIZE_FORCE, NULL), out, "cannot resize the image");
}

pxt_err
pxt_img_fit(pxt_pool *pool, const char *fn, VipsImage *im, const char *path,
    int w, int h, VipsImage **out)
{
	const struct pxt_vips *V;
	pxt_err rc;

	if ((rc = pxt_img_api(fn, &V)) != PXT_OK)
		return rc;
	if (path != NULL)	/* shrinks while decoding (JPEG, WebP, ...) */
		return pxt_img_done(pool, V, fn, V->thumbnail(path, out, w, "height", h,
		    "size", VIPS_SIZE_DOWN, NULL), out, "not a readable image");
	return pxt_img_done(pool, V, fn, V->thumbnail_image(im, out, w, "height", h,
	    "size", VIPS_SIZE_DOWN, NULL), out, "cannot shrink the image");
}

pxt_err
pxt_img_rotate(pxt_pool *pool, const char *fn, VipsImage *im, double deg,
    VipsImage **out)
{
	const struct pxt_vips *V;
	double rad = deg * M_PI / 180.0, c = cos(rad), s = sin(rad), cx, cy;
	int w, h, vrc;
	VipsArrayInt *area;
	pxt_err rc;

	if ((rc = pxt_img_api(fn, &V)) != PXT_OK)
		return rc;
	if (!isfinite(deg))
		return pxt_seterr(PXT_EINVAL, "%s: argument 'angle' must be a finite "
		    "number of degrees", fn);
	w = V->image_get_width(im);
	h = V->image_get_height(im);
	cx = (w - 1) / 2.0;
	cy = (h - 1) / 2.0;
	/* exact quarter turns: sin and cos of multiples of 90 degrees are 0 and +-1 */
	if (fmod(deg, 90.0) == 0.0) {
		c = round(c);
		s = round(s);
	}
	/* counter-clockwise on screen (y down): X = c x + s y, Y = -s x + c y */
	if ((area = V->array_int_newv(4, 0, 0, w, h)) == NULL)
		return pxt_seterr(PXT_ENOMEM, "%s: out of memory", fn);
	vrc = V->affine(im, out, c, s, -s, c, "oarea", area, "idx", -cx, "idy", -cy,
	    "odx", cx, "ody", cy, "interpolate", V->interpolate_nearest_static(),
	    "extend", VIPS_EXTEND_BACKGROUND, NULL);
	V->area_unref((VipsArea *)area);
	return pxt_img_done(pool, V, fn, vrc, out, "cannot rotate the image");
}

pxt_err
pxt_img_crop(pxt_pool *pool, const char *fn, VipsImage *im, int l, int t, int r,
    int b, VipsImage **out)
{
	const struct pxt_vips *V;
	pxt_err rc;
	int w, h;

	if ((rc = pxt_img_api(fn, &V)) != PXT_OK)
		return rc;
	w = V->image_get_width(im);
	h = V->image_get_height(im);
	if (l < 0 || t < 0 || r > w || b > h || l >= r || t >= b)
		return pxt_seterr(PXT_EINVAL, "%s: argument 'box' [%d, %d, %d, %d] must be "
		    "[left, upper, right, lower] with 0 <= left < right <= %d and 0 <= "
		    "upper < lower <= %d", fn, l, t, r, b, w, h);
	return pxt_img_done(pool, V, fn, V->extract_area(im, out, l, t, r - l, b - t,
	    NULL), out, "cannot crop the image");
}

/* im with 8 bits per band (16-bit images shifted down), in *out. */
static pxt_err
pxt_img_uchar(pxt_pool *pool, const struct pxt_vips *V, const char *fn,
    VipsImage *im, VipsImage **out)
{
	if (V->image_get_format(im) == VIPS_FORMAT_UCHAR) {
		*out = im;
		return PXT_OK;
	}
	return pxt_img_done(pool, V, fn, V->cast(im, out, VIPS_FORMAT_UCHAR, "shift",
	    V->image_get_format(im) == VIPS_FORMAT_USHORT, NULL), out,
	    "cannot convert the image to 8 bits");
}

/* The first n bands of im (all of them: im itself), in *out. */
static pxt_err
pxt_img_bands(pxt_pool *pool, const struct pxt_vips *V, const char *fn,
    VipsImage *im, int n, VipsImage **out)
{
	if (V->image_get_bands(im) == n) {
		*out = im;
		return PXT_OK;
	}
	return pxt_img_done(pool, V, fn, V->extract_band(im, out, 0, "n", n, NULL), out,
	    "cannot convert the image");
}

pxt_err
pxt_img_convert(pxt_pool *pool, const char *fn, VipsImage *im, const char *mode,
    VipsImage **out)
{
	const struct pxt_vips *V;
	VipsImage *u, *x;
	int bands;
	pxt_err rc;

	if (strcmp(mode, "RGB") != 0 && strcmp(mode, "RGBA") != 0 && strcmp(mode, "L") != 0)
		return pxt_seterr(PXT_EINVAL, "%s: argument 'mode' '%.32s' is not a mode "
		    "pxtc converts to ('RGB', 'RGBA' or 'L')", fn, mode);
	if (im == NULL)		/* only the mode checked */
		return PXT_OK;
	if ((rc = pxt_img_api(fn, &V)) != PXT_OK ||
	    (rc = pxt_img_uchar(pool, V, fn, im, &u)) != PXT_OK)
		return rc;
	bands = V->image_get_bands(u);
	if (bands != 1 && bands != 2 && bands != 3 && bands != 4)
		return pxt_seterr(PXT_EINVAL, "%s: cannot convert an image of %d bands", fn,
		    bands);
	if (strcmp(mode, "L") == 0) {
		if (bands >= 3 && (rc = pxt_img_done(pool, V, fn, V->colourspace(u, &x,
		    VIPS_INTERPRETATION_B_W, NULL), &x, "cannot convert the image")) !=
		    PXT_OK)
			return rc;
		return pxt_img_bands(pool, V, fn, bands >= 3 ? x : u, 1, out);
	}
	/* RGB: the colour bands, grey ones spread over three */
	if (bands <= 2) {
		if ((rc = pxt_img_bands(pool, V, fn, u, 1, &x)) != PXT_OK ||
		    (rc = pxt_img_done(pool, V, fn, V->colourspace(x, &u,
		    VIPS_INTERPRETATION_sRGB, NULL), &u, "cannot convert the image")) !=
		    PXT_OK)
			return rc;
		if (bands == 2 && strcmp(mode, "RGBA") == 0) {	/* LA keeps its alpha */
			VipsImage *a;

			if ((rc = pxt_img_done(pool, V, fn, V->extract_band(im, &a, 1,
			    NULL), &a, "cannot convert the image")) != PXT_OK ||
			    (rc = pxt_img_uchar(pool, V, fn, a, &x)) != PXT_OK)
				return rc;
			return pxt_img_done(pool, V, fn, V->bandjoin2(u, x, out, NULL),
			    out, "cannot convert the image");
		}
	} else if ((rc = pxt_img_bands(pool, V, fn, u, 3, &x)) != PXT_OK) {
		return rc;
	} else if (strcmp(mode, "RGBA") == 0 && bands == 4) {
		*out = u;
		return PXT_OK;
	} else {
		u = x;
	}
	if (strcmp(mode, "RGB") == 0) {
		*out = u;
		return PXT_OK;
	}
	return pxt_img_done(pool, V, fn, V->bandjoin_const1(u, out, 255.0, NULL), out,
	    "cannot convert the image");
}

pxt_err
pxt_img_encode(pxt_pool *pool, const char *fn, VipsImage *im, const char *format,
    void **data, size_t *len)
{
	const struct pxt_vips *V;
	const char *suffix = NULL;
	void *buf = NULL;
	size_t n = 0;
	pxt_err rc;

	if (strcasecmp(format, "png") == 0)
		suffix = ".png";
	else if (strcasecmp(format, "jpeg") == 0 || strcasecmp(format, "jpg") == 0)
		suffix = ".jpg";
	else if (strcasecmp(format, "webp") == 0)
		suffix = ".webp";
	if (suffix == NULL)
		return pxt_seterr(PXT_EINVAL, "%s: argument 'image_format' '%.32s' is not "
		    "a format pxtc encodes ('png', 'jpeg' or 'webp')", fn, format);
	if ((rc = pxt_img_api(fn, &V)) != PXT_OK)
		return rc;
	if (V->image_write_to_buffer(im, suffix, &buf, &n, NULL) != 0)
		return pxt_img_fail(V, fn, "cannot encode the image");
	*data = pxt_palloc(pool, n + 1);
	if (*data != NULL)
		memcpy(*data, buf, n);
	V->gfree(buf);
	*len = n;
	return *data ? PXT_OK : pxt_seterr(PXT_ENOMEM, "%s: out of memory", fn);
}

pxt_err
pxt_img_materialize(pxt_pool *pool, pxt_value *v, bool keep)
{
	const struct pxt_vips *V;
	char *fin, *tmp;
	pxt_err rc;

	if (!pxt_value_held(v))
		return PXT_OK;
	if ((rc = pxt_img_api("image", &V)) != PXT_OK ||
	    (rc = pxt_media_store_create(pool, "png", &fin, &tmp)) != PXT_OK)
		return rc;
	if (V->pngsave(v->u.held.image, tmp, NULL) != 0) {
		pxt_img_fail(V, "image", "cannot write the image");
		return pxt_seterr(PXT_EIO, "%s: %s", tmp, pxt_errmsg());
	}
	if (keep && (rc = pxt_media_store_commit_file(pool, tmp, fin)) != PXT_OK)
		return rc;
	v->u.str.s = keep ? fin : tmp;
	v->u.str.len = strlen(v->u.str.s);
	return PXT_OK;
}
