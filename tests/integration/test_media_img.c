/*
 * test_media_img.c - the image half of test_media_fn (see test_media_fn.c): image
 * headers, the image UDFs, thumbnails in the media store and their clean-up with the
 * pool, on the files it_media_fn.sh makes. main runs it after the documents, so the
 * checks there that libvips is not mapped before the first image still hold. Prints
 * "KEPT <path>" for the thumbnail it keeps, for the script to check.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pxt/expr.h"
#include "pxt_test.h"
#include "media/media_store_int.h"

/* The entry point, called from test_media_fn.c's main (defined at the end). */
void test_media_images(const char *files, const char *media, int counts[2]);
/* The functions of pixeltable.functions.image (test_image_fn.c). */
void test_image_functions(const char *files, const char *media, int counts[2]);

static const char *dir, *store;
static char pathbuf[4096];

/* The path of file name in the test folder (static buffer). */
static const char *
F(const char *name)
{
	snprintf(pathbuf, sizeof(pathbuf), "%s/%s", dir, name);
	return pathbuf;
}

/* Whether path exists. */
static int
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

#define CHECK_MSG(sub) do {                                                     \
	if (strstr(pxt_errmsg(), (sub)) == NULL)                                \
		fprintf(stderr, "message '%s' lacks '%s'\n", pxt_errmsg(), (sub)); \
	PXT_CHECK(strstr(pxt_errmsg(), (sub)) != NULL);                         \
} while (0)

/* Calls UDF name with one media argument of type t at path (and an optional int). */
static pxt_err
call(pxt_pool *p, const char *name, pxt_type t, const char *path, int64_t i,
    pxt_value *out)
{
	const pxt_udf *u = pxt_udf_find(name);
	pxt_value a[2] = {{.type = t, .u.str = {path, strlen(path)}},
		{.type = PXT_INT, .u.i = i}};

	PXT_CHECK(u != NULL);
	memset(out, 0, sizeof(*out));
	return u ? u->fn(p, a, u->nargs, out) : PXT_ENOTFOUND;
}

static void
check_image(pxt_pool *p, const char *name, int w, int h, const char *fmt,
    const char *mode)
{
	pxt_image_info info;
	pxt_err rc = pxt_image_info_get(p, F(name), &info);

	if (rc != PXT_OK)
		fprintf(stderr, "image %s: %s\n", name, pxt_errmsg());
	PXT_CHECK_INT(rc, PXT_OK);
	if (rc != PXT_OK)
		return;
	PXT_CHECK_INT(info.width, w);
	PXT_CHECK_INT(info.height, h);
	PXT_CHECK_STR(info.format, fmt);
	PXT_CHECK_STR(info.mode, mode);
}

/* Number of files under the store whose name contains what. */
static int
store_files(const char *what)
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
			n += strcmp(f->d_name, ".") && strcmp(f->d_name, "..") &&
			    strstr(f->d_name, what) != NULL;
		closedir(s);
	}
	closedir(d);
	return n;
}

static void
test_images(void)
{
	pxt_pool *p = pxt_pool_new(0);
	pxt_image_info info;
	pxt_value v;
	char path[4096], *thumb, *kept;

	check_image(p, "rgb.png", 640, 480, "png", "RGB");
	check_image(p, "grey.png", 640, 480, "png", "L");
	check_image(p, "rgba.png", 640, 480, "png", "RGBA");
	check_image(p, "la.png", 640, 480, "png", "LA");
	check_image(p, "photo.jpg", 640, 480, "jpeg", "RGB");
	PXT_CHECK_INT(pxt_image_info_get(p, F("notes.txt"), &info), PXT_EINVAL);
	CHECK_MSG("notes.txt: not a readable image");
	PXT_CHECK_INT(pxt_image_info_get(p, F("nope.png"), &info), PXT_ENOTFOUND);

	snprintf(path, sizeof(path), "%s", F("rgb.png"));
	PXT_CHECK_INT(call(p, "image_width", PXT_IMAGE, path, 0, &v), PXT_OK);
	PXT_CHECK_INT(v.u.i, 640);
	PXT_CHECK_INT(call(p, "image_height", PXT_IMAGE, path, 0, &v), PXT_OK);
	PXT_CHECK_INT(v.u.i, 480);
	PXT_CHECK_INT(call(p, "image_format", PXT_IMAGE, path, 0, &v), PXT_OK);
	PXT_CHECK_STR(v.u.str.s, "png");
	PXT_CHECK_INT(call(p, "image_mode", PXT_IMAGE, path, 0, &v), PXT_OK);
	PXT_CHECK_STR(v.u.str.s, "RGB");
	PXT_CHECK_INT(call(p, "thumbnail", PXT_IMAGE, path, 0, &v), PXT_EINVAL);
	CHECK_MSG("thumbnail: size 0 is outside 1..4096");
	PXT_CHECK_INT(call(p, "thumbnail", PXT_IMAGE, path, 5000, &v), PXT_EINVAL);
	PXT_CHECK_INT(call(p, "image_mode", PXT_IMAGE, "gs://bucket/y.png", 0, &v),
	    PXT_ECONFIG);
	CHECK_MSG("image_mode: GCS media needs HMAC keys: set [gcs] access_key_id");

	/* a thumbnail dropped with its pool: no keep, the file goes */
	PXT_CHECK_INT(call(p, "thumbnail", PXT_IMAGE, path, 100, &v), PXT_OK);
	PXT_CHECK(v.type == PXT_IMAGE && strncmp(v.u.str.s, store, strlen(store)) == 0);
	thumb = strdup(v.u.str.s);
	PXT_CHECK(exists(thumb));
	PXT_CHECK_INT(pxt_image_info_get(p, thumb, &info), PXT_OK);
	PXT_CHECK(info.width == 100 && info.height == 75 && strcmp(info.format, "png") == 0);
	PXT_CHECK_INT(store_files(".tmp."), 0);
	pxt_pool_free(p);
	PXT_CHECK(!exists(thumb));
	free(thumb);

	/* kept after the (pretend) commit: it stays */
	p = pxt_pool_new(0);
	PXT_CHECK_INT(pxt_image_thumbnail(p, path, 100, &thumb), PXT_OK);
	pxt_media_store_keep(p);
	kept = strdup(thumb);
	/* committed after keep: deleted again */
	PXT_CHECK_INT(pxt_image_thumbnail(p, F("grey.png"), 50, &thumb), PXT_OK);
	pxt_image_info_get(p, thumb, &info);
	PXT_CHECK(info.width == 50 && info.height == 38 && strcmp(info.mode, "L") == 0);
	PXT_CHECK_INT(store_files(".png"), 2);
	pxt_pool_reset(p);
	PXT_CHECK_INT(store_files(".png"), 1);
	PXT_CHECK_INT(pxt_image_thumbnail(p, F("notes.txt"), 10, &thumb), PXT_EINVAL);
	pxt_pool_free(p);
	PXT_CHECK_INT(store_files(""), 1);
	PXT_CHECK(exists(kept));
	unlink(kept);
	free(kept);
}

static void
test_store(void)
{
	pxt_pool *p = pxt_pool_new(0);
	char *fin, *tmp;
	FILE *f;

	PXT_CHECK_STR(pxt_media_store_dir(), store);
	PXT_CHECK_INT(pxt_media_store_create(p, "PNG", &fin, &tmp), PXT_EINVAL);
	PXT_CHECK_INT(pxt_media_store_create(p, "txt", &fin, &tmp), PXT_OK);
	PXT_CHECK(strlen(fin) == strlen(store) + strlen("/gen/xx/") + 32 + 4);
	PXT_CHECK(strncmp(fin + strlen(store) + 5, fin + strlen(store) + 8, 2) == 0);
	/* written but never committed: the temporary file goes with the pool */
	if ((f = fopen(tmp, "w")) != NULL) {
		fputs("x", f);
		fclose(f);
	}
	PXT_CHECK(exists(tmp));
	pxt_pool_free(p);
	PXT_CHECK(!exists(tmp) && !exists(fin));

	pxt_media_store_set(NULL);
	p = pxt_pool_new(0);
	PXT_CHECK_INT(pxt_media_store_create(p, "png", &fin, &tmp), PXT_ECONFIG);
	pxt_pool_free(p);
	pxt_media_store_set(store);
}

/*
 * Runs the image tests on the files in the folder files with media as the media store
 * (already set), and adds the number of passed and failed checks to counts[0] and
 * counts[1]: pxt_test.h counts per source file.
 */
void
test_media_images(const char *files, const char *media, int counts[2])
{
	dir = files;
	store = media;
	test_images();
	test_store();
	/* a thumbnail kept for the script to check */
	{
		pxt_pool *q = pxt_pool_new(0);
		char *thumb;

		PXT_CHECK_INT(pxt_image_thumbnail(q, F("rgb.png"), 100, &thumb), PXT_OK);
		pxt_media_store_keep(q);
		printf("KEPT %s\n", thumb);
		pxt_pool_free(q);
	}
	counts[0] += pxt_test_pass;
	counts[1] += pxt_test_fail;
	test_image_functions(files, media, counts);
}
