/*
 * image_fn.c - reading image headers and making thumbnails with libvips, loaded on
 * first use (see media_store_int.h). Headers are read with sequential access, which
 * decodes no pixels; thumbnails use vips_thumbnail, which shrinks while loading.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "core/lazylib_int.h"
#include "functions/image_int.h"
#include "media/media_store_int.h"

/*
 * Checks that path is an existing regular file, so a missing file gets a plain
 * message rather than libvips' loader search.
 */
pxt_err
pxt_image_exists(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return pxt_seterr(errno == ENOENT ? PXT_ENOTFOUND : errno == EACCES ?
		    PXT_EPERM : PXT_EIO, "%s: %s", path, errno == ENOENT ?
		    "no such file" : strerror(errno));
	if (!S_ISREG(st.st_mode))
		return pxt_seterr(PXT_EINVAL, "%s: not a regular file", path);
	return PXT_OK;
}

/*
 * Records "path: what (libvips' first line of error)" as the message, clears libvips'
 * error buffer, returns err.
 */
static pxt_err
pxt_vips_fail(const struct pxt_vips *V, pxt_err err, const char *path,
    const char *what)
{
	const char *msg = V->error_buffer();
	size_t n = strcspn(msg, "\n");

	pxt_seterr(err, "%s: %s (%.*s)", path, what, (int)n, n ? msg : "libvips failed");
	V->error_clear();
	return err;
}

/* The short format name of a loader nickname: "pngload" -> "png". */
static const char *
pxt_image_format(pxt_pool *pool, const char *loader)
{
	const char *end = loader ? strstr(loader, "load") : NULL;

	if (end == NULL || end == loader)
		return "unknown";
	if (strncmp(loader, "jp2k", 4) == 0)
		return "jpeg2000";
	return pxt_pstrndup(pool, loader, (size_t)(end - loader));
}

/* PIL's mode name for an image's bands, band format and interpretation. */
const char *
pxt_image_mode_name(pxt_pool *pool, int bands, VipsBandFormat fmt,
    VipsInterpretation in)
{
	if (in == VIPS_INTERPRETATION_CMYK && bands >= 4)
		return "CMYK";
	if ((in == VIPS_INTERPRETATION_LAB || in == VIPS_INTERPRETATION_LABS) &&
	    bands == 3)
		return "LAB";
	switch (bands) {
	case 1:
		if (fmt == VIPS_FORMAT_UCHAR)
			return "L";
		if (fmt == VIPS_FORMAT_USHORT)
			return "I;16";
		return fmt == VIPS_FORMAT_FLOAT || fmt == VIPS_FORMAT_DOUBLE ? "F" : "I";
	case 2:
		return "LA";
	case 3:
		return "RGB";
	case 4:
		return "RGBA";
	default:
		return pxt_psprintf(pool, "%d bands", bands);
	}
}

pxt_err
pxt_image_info_get(pxt_pool *pool, const char *path, pxt_image_info *info)
{
	const struct pxt_vips *V;
	const char *loader = NULL;
	VipsImage *im;
	pxt_err rc;

	if ((rc = pxt_image_exists(path)) != PXT_OK)
		return rc;
	if ((rc = pxt_vips_get(&V)) != PXT_OK)
		return pxt_seterr(rc, "%s: %s", path, pxt_errmsg());
	im = V->image_new_from_file(path, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
	if (im == NULL)
		return pxt_vips_fail(V, PXT_EINVAL, path, "not a readable image");
	info->width = V->image_get_width(im);
	info->height = V->image_get_height(im);
	info->bands = V->image_get_bands(im);
	if (V->image_get_string(im, "vips-loader", &loader) != 0) {
		V->error_clear();
		loader = NULL;
	}
	info->format = pxt_image_format(pool, loader);
	info->mode = pxt_image_mode_name(pool, info->bands, V->image_get_format(im),
	    V->image_get_interpretation(im));
	V->object_unref(im);
	if (info->format == NULL || info->mode == NULL)
		return pxt_seterr(PXT_ENOMEM, "%s: out of memory", path);
	return PXT_OK;
}

pxt_err
pxt_image_thumbnail(pxt_pool *pool, const char *path, int size, char **out_path)
{
	const struct pxt_vips *V;
	VipsImage *im = NULL;
	char *fin, *tmp;
	pxt_err rc;

	if (size < 1 || size > PXT_THUMBNAIL_MAX)
		return pxt_seterr(PXT_EINVAL, "size %d is outside 1..%d", size,
		    PXT_THUMBNAIL_MAX);
	if ((rc = pxt_image_exists(path)) != PXT_OK)
		return rc;
	if ((rc = pxt_vips_get(&V)) != PXT_OK)
		return pxt_seterr(rc, "%s: %s", path, pxt_errmsg());
	if ((rc = pxt_media_store_create(pool, "png", &fin, &tmp)) != PXT_OK)
		return pxt_seterr(rc, "%s: %s", path, pxt_errmsg());
	if (V->thumbnail(path, &im, size, "height", size, "size", VIPS_SIZE_DOWN,
	    NULL) != 0)
		return pxt_vips_fail(V, PXT_EINVAL, path, "not a readable image");
	if (V->pngsave(im, tmp, NULL) != 0) {
		V->object_unref(im);
		return pxt_vips_fail(V, PXT_EIO, tmp, "cannot write the thumbnail");
	}
	V->object_unref(im);
	if ((rc = pxt_media_store_commit_file(pool, tmp, fin)) != PXT_OK)
		return rc;
	*out_path = fin;
	return PXT_OK;
}
