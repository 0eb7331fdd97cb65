/*
 * image_int.h - the image functions of pixeltable.functions.image on libvips
 * (internal to libpxt): operations on decoded images (image_ops.c) and the built-in
 * functions calling them (udf_image.c).
 *
 * An Image computed inside an expression stays decoded in memory (pxt_value_held: the
 * VipsImage in u.held.image, owned by the pool): b64_encode(thumbnail(image,
 * [320, 320])) writes no file. Only where a path is needed (the value of a stored
 * column, or an argument of a function that reads files) is it written as PNG
 * (pxt_img_materialize). Every message starts with the function's name.
 */
#ifndef PXT_IMAGE_INT_H
#define PXT_IMAGE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/lazylib_int.h"
#include "pxt/expr.h"

/* The largest width or height the image functions make (resize, thumbnail). */
#define PXT_IMAGE_DIM_MAX 8192

/*
 * pxt_image_exists checks that path is an existing regular file: PXT_ENOTFOUND,
 * PXT_EPERM, PXT_EIO or PXT_EINVAL with a message naming it otherwise.
 */
pxt_err pxt_image_exists(const char *path);

/* PIL's mode name ("RGB", "RGBA", "L", "LA", "I;16", "CMYK", ...) of an image's layout. */
const char *pxt_image_mode_name(pxt_pool *pool, int bands, VipsBandFormat fmt,
    VipsInterpretation in);

/*
 * pxt_img_arg decodes argument v (an Image: held in memory, a path or a URL fetched
 * through the file cache) of function fn into *im, owned by pool (pixels are read
 * when an operation needs them). PXT_EINVAL for a missing or unreadable image,
 * PXT_EUNAVAIL when libvips is missing.
 */
pxt_err pxt_img_arg(pxt_pool *pool, const char *fn, const pxt_value *v, VipsImage **im);

/* pxt_img_set makes *out the Image im, held in memory (owned by the pool). */
void pxt_img_set(pxt_value *out, VipsImage *im);

/*
 * The operations: each sets *out to a new image owned by pool, or fails with
 * PXT_EINVAL (a bad argument, named) or libvips' message.
 *
 * pxt_img_resize: exactly w x h (the aspect ratio is not kept), 1..PXT_IMAGE_DIM_MAX.
 * pxt_img_fit: shrunk to fit inside w x h keeping its aspect ratio, never enlarged
 *   (PIL's thumbnail); path, when not NULL, is read shrinking while loading.
 * pxt_img_rotate: turned deg degrees counter-clockwise about its centre on a canvas
 *   of the same size (PIL's rotate without expand), uncovered pixels black (and
 *   transparent), nearest-neighbour as PIL's default.
 * pxt_img_crop: the pixels of box [l, r) x [t, b), which must lie inside the image.
 * pxt_img_convert: to mode "RGB", "RGBA" or "L" (8 bits per band); RGBA -> RGB drops
 *   the alpha as PIL does, colour -> L is libvips' luminance.
 */
pxt_err pxt_img_resize(pxt_pool *pool, const char *fn, VipsImage *im, int w, int h,
    VipsImage **out);
pxt_err pxt_img_fit(pxt_pool *pool, const char *fn, VipsImage *im, const char *path,
    int w, int h, VipsImage **out);
pxt_err pxt_img_rotate(pxt_pool *pool, const char *fn, VipsImage *im, double deg,
    VipsImage **out);
pxt_err pxt_img_crop(pxt_pool *pool, const char *fn, VipsImage *im, int l, int t,
    int r, int b, VipsImage **out);
pxt_err pxt_img_convert(pxt_pool *pool, const char *fn, VipsImage *im,
    const char *mode, VipsImage **out);

/*
 * pxt_img_encode encodes im as format ("png", "jpeg" or "jpg", "webp"; any case) into
 * pool memory: *data, *len. PXT_EINVAL naming fn and the format for another one.
 */
pxt_err pxt_img_encode(pxt_pool *pool, const char *fn, VipsImage *im,
    const char *format, void **data, size_t *len);

/*
 * pxt_img_materialize writes the Image held in memory by *v as PNG into the media
 * store and makes *v its path (pool memory). keep: committed and recorded in pool as
 * pxt_media_store_commit_file does (the value of a stored column); otherwise a
 * temporary file deleted with the pool (an argument of a function reading files). A
 * value not held in memory is left as it is. The store's errors; PXT_EIO when writing
 * fails.
 */
pxt_err pxt_img_materialize(pxt_pool *pool, pxt_value *v, bool keep);

/*
 * pxt_udf_image_table returns the static table of the image built-ins (width,
 * height, mode, get_metadata, resize, rotate, crop, convert, thumbnail with a box,
 * b64_encode) and sets *n; udf.c registers them with its own. pxt_udf_image_native
 * tells whether u is one of them (they take Images held in memory).
 */
const pxt_udf *pxt_udf_image_table(size_t *n);
bool pxt_udf_image_native(const pxt_udf *u);

#endif
