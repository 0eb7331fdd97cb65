/*
 * test_image_fn.c - the image functions of pixeltable.functions.image (resize, rotate,
 * crop, convert, thumbnail with a box, b64_encode, width, height, mode, get_metadata)
 * on the files it_media_fn.sh makes, run from test_media_img.c: real pixels, sizes and
 * modes of the results (decoded with libvips), images nested inside an expression
 * without a file written, the old thumbnail(Image, Int) beside the new form, and the
 * errors naming the function and its argument.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pxt/expr.h"
#include "pxt_test.h"
#include "core/base64_int.h"
#include "core/lazylib_int.h"
#include "engine/expr_int.h"
#include "media/media_store_int.h"

/* The entry point, called from test_media_img.c (defined at the end). */
void test_image_functions(const char *files, const char *media, int counts[2]);

static const char *dir, *store;
static char pathbuf[4096];
static const struct pxt_vips *V;
static pxt_column img_col = {.name = "image", .type = PXT_IMAGE};
static pxt_table table = {.path = "test/images", .cols = &img_col, .ncols = 1};

static const char *
F(const char *name)
{
	snprintf(pathbuf, sizeof(pathbuf), "%s/%s", dir, name);
	return pathbuf;
}

#define CHECK_MSG(sub) do {                                                     \
	if (strstr(pxt_errmsg(), (sub)) == NULL)                                \
		fprintf(stderr, "message '%s' lacks '%s'\n", pxt_errmsg(), (sub)); \
	PXT_CHECK(strstr(pxt_errmsg(), (sub)) != NULL);                         \
} while (0)

/* Number of files under the store (all of gen/, hidden temporary ones too). */
static int
store_count(void)
{
	char sub[4096 + 512], gen[4096];
	struct dirent *e, *f;
	int n = 0;
	DIR *d, *s;

	snprintf(gen, sizeof(gen), "%s/gen", store);
	if ((d = opendir(gen)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", gen, e->d_name);
		if ((s = opendir(sub)) == NULL)
			continue;
		while ((f = readdir(s)) != NULL)
			n += strcmp(f->d_name, ".") && strcmp(f->d_name, "..");
		closedir(s);
	}
	closedir(d);
	return n;
}

/*
 * Evaluates e (freed) over a row whose image is the file name; returns the code,
 * *out the value (pool memory).
 */
static pxt_err
eval(pxt_pool *p, const char *name, pxt_expr *e, pxt_value *out)
{
	pxt_value row = {.type = PXT_IMAGE};
	pxt_type type;
	pxt_err rc;

	row.u.str.s = pxt_pstrdup(p, F(name));
	row.u.str.len = strlen(row.u.str.s);
	memset(out, 0, sizeof(*out));
	if ((rc = pxt_expr_check(e, &table, &type)) == PXT_OK)
		rc = pxt_expr_eval(e, &table, &row, p, out);
	if (rc != PXT_OK)
		fprintf(stderr, "(eval: %s)\n", pxt_errmsg());
	pxt_expr_free(e);
	return rc;
}

/* The image at path (a file of the store), or NULL. Unref it. */
static VipsImage *
load(const pxt_value *v)
{
	char path[4096];

	if (v->type != PXT_IMAGE || v->null || v->u.str.len >= sizeof(path))
		return NULL;
	memcpy(path, v->u.str.s, v->u.str.len);
	path[v->u.str.len] = '\0';
	return V->image_new_from_file(path, NULL);
}

/* Band b of pixel (x, y) of im, or -1. */
static double
pixel(VipsImage *im, int x, int y, int b)
{
	double *vec = NULL, r = -1;
	int n = 0;

	if (V->getpoint(im, &vec, &n, x, y, NULL) == 0 && b < n)
		r = vec[b];
	V->gfree(vec);
	return r;
}

/* Checks that im is w x h with bands bands, and pixel (x, y) is r, g, b (+-2). */
static void
check_px(VipsImage *im, int w, int h, int bands, int x, int y, int r, int g, int b)
{
	PXT_CHECK(im != NULL);
	if (im == NULL)
		return;
	PXT_CHECK_INT(V->image_get_width(im), w);
	PXT_CHECK_INT(V->image_get_height(im), h);
	PXT_CHECK_INT(V->image_get_bands(im), bands);
	PXT_CHECK(pixel(im, x, y, 0) >= r - 2 && pixel(im, x, y, 0) <= r + 2);
	if (bands >= 3) {
		PXT_CHECK(pixel(im, x, y, 1) >= g - 2 && pixel(im, x, y, 1) <= g + 2);
		PXT_CHECK(pixel(im, x, y, 2) >= b - 2 && pixel(im, x, y, 2) <= b + 2);
	}
}

#define IMG pxt_col("image")
#define J(s) pxt_lit_json(s)

/* halves.png: 64 x 32, the left half red, the right half blue. */
static void
test_operations(void)
{
	pxt_pool *p = pxt_pool_new(0);
	VipsImage *im;
	pxt_value v;

	PXT_CHECK_INT(eval(p, "halves.png", pxt_call("resize", IMG, J("[20, 10]"), NULL),
	    &v), PXT_OK);
	im = load(&v);
	check_px(im, 20, 10, 3, 2, 5, 255, 0, 0);
	check_px(im, 20, 10, 3, 17, 5, 0, 0, 255);
	V->object_unref(im);

	/* counter-clockwise on the same canvas: the right (blue) half goes up */
	PXT_CHECK_INT(eval(p, "halves.png", pxt_call("rotate", IMG, pxt_lit_int(90),
	    NULL), &v), PXT_OK);
	im = load(&v);
	check_px(im, 64, 32, 3, 32, 4, 0, 0, 255);
	check_px(im, 64, 32, 3, 32, 27, 255, 0, 0);
	check_px(im, 64, 32, 3, 4, 16, 0, 0, 0);	/* uncovered: black */
	V->object_unref(im);
	PXT_CHECK_INT(eval(p, "halves.png", pxt_call("rotate", IMG, pxt_lit_int(180),
	    NULL), &v), PXT_OK);
	im = load(&v);
	check_px(im, 64, 32, 3, 5, 16, 0, 0, 255);
	check_px(im, 64, 32, 3, 60, 16, 255, 0, 0);
	V->object_unref(im);

	PXT_CHECK_INT(eval(p, "halves.png", pxt_call("crop", IMG, J("[30, 2, 40, 30]"),
	    NULL), &v), PXT_OK);
	im = load(&v);
	check_px(im, 10, 28, 3, 0, 0, 255, 0, 0);
	check_px(im, 10, 28, 3, 9, 27, 0, 0, 255);
	V->object_unref(im);

	PXT_CHECK_INT(eval(p, "halves.png", pxt_call("convert", IMG, pxt_lit_str("L"),
	    NULL), &v), PXT_OK);
	im = load(&v);
	PXT_CHECK(im != NULL && V->image_get_bands(im) == 1);
	/* red is brighter than blue in luminance */
	PXT_CHECK(im != NULL && pixel(im, 2, 2, 0) > pixel(im, 60, 2, 0));
	if (im)
		V->object_unref(im);
	PXT_CHECK_INT(eval(p, "halves.png", pxt_call("convert", IMG,
	    pxt_lit_str("RGBA"), NULL), &v), PXT_OK);
	im = load(&v);
	check_px(im, 64, 32, 4, 2, 2, 255, 0, 0);
	PXT_CHECK(im != NULL && pixel(im, 2, 2, 3) == 255);
	if (im)
		V->object_unref(im);
	PXT_CHECK_INT(eval(p, "grey.png", pxt_call("convert", IMG, pxt_lit_str("RGB"),
	    NULL), &v), PXT_OK);
	im = load(&v);
	PXT_CHECK(im != NULL && V->image_get_bands(im) == 3);
	if (im)
		V->object_unref(im);
	PXT_CHECK_INT(eval(p, "rgba.png", pxt_call("mode", pxt_call("convert", IMG,
	    pxt_lit_str("RGB"), NULL), NULL), &v), PXT_OK);
	PXT_CHECK(v.type == PXT_STRING && v.u.str.len == 3 && memcmp(v.u.str.s, "RGB",
	    3) == 0);

	/* thumbnail with a box: fits inside, keeps the aspect ratio, never enlarges */
	PXT_CHECK_INT(eval(p, "rgb.png", pxt_call("thumbnail", IMG, J("[320, 320]"),
	    NULL), &v), PXT_OK);
	im = load(&v);
	PXT_CHECK(im != NULL && V->image_get_width(im) == 320 &&
	    V->image_get_height(im) == 240);
	if (im)
		V->object_unref(im);
	PXT_CHECK_INT(eval(p, "halves.png", pxt_call("width", pxt_call("thumbnail", IMG,
	    J("[500, 500]"), NULL), NULL), &v), PXT_OK);
	PXT_CHECK_INT(v.u.i, 64);
	PXT_CHECK_INT(eval(p, "halves.png", pxt_call("height", pxt_call("thumbnail",
	    pxt_call("rotate", IMG, pxt_lit_int(45), NULL), J("[16, 100]"), NULL), NULL),
	    &v), PXT_OK);
	PXT_CHECK_INT(v.u.i, 8);
	pxt_pool_free(p);
}

/* Headers and metadata, from a file and from an image made in the expression. */
static void
test_headers(void)
{
	pxt_pool *p = pxt_pool_new(0);
	const pxt_json *j;
	pxt_value v;

	PXT_CHECK_INT(eval(p, "rgb.png", pxt_call("width", IMG, NULL), &v), PXT_OK);
	PXT_CHECK_INT(v.u.i, 640);
	PXT_CHECK_INT(eval(p, "rgb.png", pxt_call("height", IMG, NULL), &v), PXT_OK);
	PXT_CHECK_INT(v.u.i, 480);
	PXT_CHECK_INT(eval(p, "la.png", pxt_call("mode", IMG, NULL), &v), PXT_OK);
	PXT_CHECK(v.u.str.len == 2 && memcmp(v.u.str.s, "LA", 2) == 0);
	PXT_CHECK_INT(eval(p, "photo.jpg", pxt_call("get_metadata", IMG, NULL), &v),
	    PXT_OK);
	j = v.u.json;
	PXT_CHECK(j != NULL && pxt_json_get(j, "width")->u.i == 640 &&
	    pxt_json_get(j, "height")->u.i == 480 && pxt_json_get(j, "bits")->u.i == 8);
	PXT_CHECK(j != NULL && strcmp(pxt_json_get(j, "mode")->u.str.s, "RGB") == 0 &&
	    strcmp(pxt_json_get(j, "format")->u.str.s, "JPEG") == 0 &&
	    pxt_json_get(j, "palette")->type == PXT_JSON_NULL);
	PXT_CHECK_INT(eval(p, "rgb.png", pxt_call("get_metadata", pxt_call("crop", IMG,
	    J("[0, 0, 10, 20]"), NULL), NULL), &v), PXT_OK);
	j = v.u.json;
	PXT_CHECK(j != NULL && pxt_json_get(j, "width")->u.i == 10 &&
	    pxt_json_get(j, "height")->u.i == 20 &&
	    pxt_json_get(j, "format")->type == PXT_JSON_NULL);
	pxt_pool_free(p);
}

/* b64_encode(thumbnail(image, [320, 320])): a PNG in base64, no file written. */
static void
test_b64(void)
{
	pxt_pool *p = pxt_pool_new(0);
	int before = store_count();
	unsigned char *bytes;
	VipsImage *im;
	size_t n;
	pxt_value v;

	PXT_CHECK_INT(eval(p, "rgb.png", pxt_call("b64_encode", pxt_call("thumbnail", IMG,
	    J("[320, 320]"), NULL), NULL), &v), PXT_OK);
	PXT_CHECK(v.type == PXT_STRING);
	PXT_CHECK_INT(store_count(), before);
	PXT_CHECK(pxt_b64_decode(p, v.u.str.s, v.u.str.len, &bytes, &n));
	PXT_CHECK(n > 8 && memcmp(bytes, "\x89PNG\r\n\x1a\n", 8) == 0);
	im = V->image_new_from_buffer(bytes, n, "", NULL);
	PXT_CHECK(im != NULL && V->image_get_width(im) == 320 &&
	    V->image_get_height(im) == 240 && V->image_get_bands(im) == 3);
	if (im)
		V->object_unref(im);
	PXT_CHECK_INT(eval(p, "halves.png", pxt_call("b64_encode", IMG,
	    pxt_lit_str("jpeg"), NULL), &v), PXT_OK);
	PXT_CHECK(pxt_b64_decode(p, v.u.str.s, v.u.str.len, &bytes, &n) && n > 3 &&
	    bytes[0] == 0xff && bytes[1] == 0xd8);
	PXT_CHECK_INT(eval(p, "halves.png", pxt_call("b64_encode", pxt_call("convert",
	    IMG, pxt_lit_str("RGBA"), NULL), pxt_lit_str("webp"), NULL), &v), PXT_OK);
	PXT_CHECK(pxt_b64_decode(p, v.u.str.s, v.u.str.len, &bytes, &n) && n > 12 &&
	    memcmp(bytes + 8, "WEBP", 4) == 0);
	/* a function reading files gets a temporary file, gone with the pool */
	PXT_CHECK_INT(eval(p, "rgb.png", pxt_call("image_width", pxt_call("resize", IMG,
	    J("[30, 40]"), NULL), NULL), &v), PXT_OK);
	PXT_CHECK_INT(v.u.i, 30);
	PXT_CHECK_INT(store_count(), before + 1);
	pxt_pool_free(p);
	PXT_CHECK_INT(store_count(), before);
	/* a stored Image: a file of the store, deleted with the pool unless kept */
	p = pxt_pool_new(0);
	PXT_CHECK_INT(eval(p, "rgb.png", pxt_call("resize", IMG, J("[8, 8]"), NULL), &v),
	    PXT_OK);
	PXT_CHECK(strncmp(v.u.str.s, store, strlen(store)) == 0);
	PXT_CHECK_INT(store_count(), before + 1);
	pxt_pool_free(p);
	PXT_CHECK_INT(store_count(), before);
}

/* Bad arguments name the function and the argument. */
static void
test_errors(void)
{
	pxt_pool *p = pxt_pool_new(0);
	pxt_value v;

	PXT_CHECK_INT(eval(p, "rgb.png", pxt_call("crop", IMG, J("[0, 0, 700, 10]"),
	    NULL), &v), PXT_EINVAL);
	CHECK_MSG("crop: argument 'box' [0, 0, 700, 10]");
	PXT_CHECK_INT(eval(p, "rgb.png", pxt_call("crop", IMG, J("[0, 0, 7]"), NULL), &v),
	    PXT_EINVAL);
	CHECK_MSG("crop: argument 'box' must be [left, upper, right, lower]");
	PXT_CHECK_INT(eval(p, "rgb.png", pxt_call("resize", IMG, J("[-5, 10]"), NULL),
	    &v), PXT_EINVAL);
	CHECK_MSG("resize: argument 'size' [-5, 10]");
	PXT_CHECK_INT(eval(p, "rgb.png", pxt_call("thumbnail", IMG, J("{\"w\": 1}"),
	    NULL), &v), PXT_EINVAL);
	CHECK_MSG("thumbnail: argument 'size' must be [width, height]");
	PXT_CHECK_INT(eval(p, "rgb.png", pxt_call("convert", IMG, pxt_lit_str("CMYK"),
	    NULL), &v), PXT_EINVAL);
	CHECK_MSG("convert: argument 'mode' 'CMYK'");
	PXT_CHECK_INT(eval(p, "rgb.png", pxt_call("b64_encode", IMG, pxt_lit_str("bmp"),
	    NULL), &v), PXT_EINVAL);
	CHECK_MSG("b64_encode: argument 'image_format' 'bmp'");
	PXT_CHECK_INT(eval(p, "notes.txt", pxt_call("width", IMG, NULL), &v), PXT_EINVAL);
	CHECK_MSG("width: ");
	PXT_CHECK_INT(eval(p, "rgb.png", pxt_call("rotate", IMG, pxt_lit_str("x"), NULL),
	    &v), PXT_EINVAL);
	CHECK_MSG("rotate(Image, Float) -> Image: argument 2 must be Float, got String");
	PXT_CHECK(pxt_lit_json("[1,") == NULL);
	pxt_pool_free(p);
}

/* Both forms of thumbnail: the signatures recorded, read back and checked. */
static void
test_forms(void)
{
	static const char old[] = "{\"fn\":\"thumbnail\",\"sig\":\"thumbnail(Image, Int) "
	    "-> Image\",\"args\":[{\"col\":\"image\"},{\"lit\":64,\"type\":\"Int\"}]}";
	pxt_expr *e = pxt_call("thumbnail", IMG, J("[ 32 ,32 ]"), NULL), *back = NULL;
	pxt_buf b = PXT_BUF_INIT;
	pxt_type type;

	PXT_CHECK_INT(pxt_expr_check(e, &table, &type), PXT_OK);
	PXT_CHECK_INT(pxt_expr_serialize(e, &b), PXT_OK);
	PXT_CHECK(strstr(pxt_buf_str(&b), "\"sig\":\"thumbnail(Image, Json) -> Image\"") !=
	    NULL && strstr(pxt_buf_str(&b), "{\"lit\":[32,32],\"type\":\"Json\"}") != NULL);
	PXT_CHECK_INT(pxt_expr_parse(pxt_buf_str(&b), b.len, &back), PXT_OK);
	PXT_CHECK(pxt_expr_equal(e, back));
	PXT_CHECK_INT(pxt_expr_check(back, &table, &type), PXT_OK);
	pxt_expr_free(back);
	pxt_expr_free(e);
	pxt_buf_free(&b);
	PXT_CHECK_INT(pxt_expr_parse(old, strlen(old), &back), PXT_OK);
	PXT_CHECK_INT(pxt_expr_check(back, &table, &type), PXT_OK);
	PXT_CHECK(type == PXT_IMAGE && back->udf != NULL && back->udf->args[1] == PXT_INT);
	pxt_expr_free(back);
	e = pxt_call("thumbnail", IMG, pxt_lit_str("big"), NULL);
	PXT_CHECK_INT(pxt_expr_check(e, &table, &type), PXT_EINVAL);
	CHECK_MSG("argument 2 must be");
	pxt_expr_free(e);
}

void
test_image_functions(const char *files, const char *media, int counts[2])
{
	dir = files;
	store = media;
	if (pxt_vips_get(&V) != PXT_OK) {
		fprintf(stderr, "libvips: %s\n", pxt_errmsg());
		PXT_CHECK(0);
	} else {
		test_operations();
		test_headers();
		test_b64();
		test_errors();
		test_forms();
	}
	counts[0] += pxt_test_pass;
	counts[1] += pxt_test_fail;
}
