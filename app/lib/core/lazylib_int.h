/*
 * lazylib_int.h - poppler-glib, libvips and libsqlite3, loaded on first use (internal
 * to libpxt).
 *
 * libpxt is compiled against the headers of poppler-glib, libvips and SQLite but never
 * linked with them: a worker that never opens a PDF or an image does not map poppler,
 * glib or vips, and one that never exports a row to SQLite (export_sql) does not map
 * libsqlite3. The first caller dlopen()s the library (RTLD_NOW | RTLD_LOCAL), resolves the
 * functions below into a table whose pointer types come from the real headers, and
 * initialises it once (vips_init with one worker thread and no operation cache). Both
 * libraries stay loaded until the process exits.
 */
#ifndef PXT_LAZYLIB_H
#define PXT_LAZYLIB_H

#include <poppler.h>
#include <sqlite3.h>
#include <vips/vips.h>

#include "pxt/error.h"

/* Functions pxtc calls in poppler-glib (and glib, through its dependencies). */
struct pxt_poppler {
	__typeof__(&poppler_document_new_from_file) document_new_from_file;
	__typeof__(&poppler_document_get_n_pages) document_get_n_pages;
	__typeof__(&poppler_document_get_title) document_get_title;
	__typeof__(&poppler_document_get_page) document_get_page;
	__typeof__(&poppler_page_get_text) page_get_text;
	__typeof__(&poppler_page_get_text_layout) page_get_text_layout;
	__typeof__(&g_filename_to_uri) filename_to_uri;
	__typeof__(&g_object_unref) object_unref;
	__typeof__(&g_error_free) error_free;
	__typeof__(&g_free) gfree;
};

/* Functions pxtc calls in libvips (and gobject, through its dependencies). */
struct pxt_vips {
	__typeof__(&vips_init) init;
	__typeof__(&vips_concurrency_set) concurrency_set;
	__typeof__(&vips_cache_set_max) cache_set_max;
	__typeof__(&vips_image_new_from_file) image_new_from_file;
	__typeof__(&vips_image_get_width) image_get_width;
	__typeof__(&vips_image_get_height) image_get_height;
	__typeof__(&vips_image_get_bands) image_get_bands;
	__typeof__(&vips_image_get_format) image_get_format;
	__typeof__(&vips_image_get_interpretation) image_get_interpretation;
	__typeof__(&vips_image_get_string) image_get_string;
	__typeof__(&vips_thumbnail) thumbnail;
	__typeof__(&vips_pngsave) pngsave;
	__typeof__(&vips_error_buffer) error_buffer;
	__typeof__(&vips_error_clear) error_clear;
	__typeof__(&g_object_unref) object_unref;
	/* image functions (functions/image_ops.c) */
	__typeof__(&vips_thumbnail_image) thumbnail_image;
	__typeof__(&vips_affine) affine;
	__typeof__(&vips_array_int_newv) array_int_newv;
	__typeof__(&vips_area_unref) area_unref;
	__typeof__(&vips_interpolate_nearest_static) interpolate_nearest_static;
	__typeof__(&vips_extract_area) extract_area;
	__typeof__(&vips_extract_band) extract_band;
	__typeof__(&vips_colourspace) colourspace;
	__typeof__(&vips_bandjoin_const1) bandjoin_const1;
	__typeof__(&vips_bandjoin2) bandjoin2;
	__typeof__(&vips_cast) cast;
	__typeof__(&vips_image_write_to_buffer) image_write_to_buffer;
	__typeof__(&vips_image_new_from_buffer) image_new_from_buffer;
	__typeof__(&vips_getpoint) getpoint;
	__typeof__(&g_free) gfree;
};

/* Functions pxtc calls in libsqlite3 (export_sql to an SQLite file). */
struct pxt_sqlite {
	__typeof__(&sqlite3_open_v2) open_v2;
	__typeof__(&sqlite3_close_v2) close_v2;
	__typeof__(&sqlite3_busy_timeout) busy_timeout;
	__typeof__(&sqlite3_prepare_v2) prepare_v2;
	__typeof__(&sqlite3_bind_int64) bind_int64;
	__typeof__(&sqlite3_bind_double) bind_double;
	__typeof__(&sqlite3_bind_text) bind_text;
	__typeof__(&sqlite3_bind_null) bind_null;
	__typeof__(&sqlite3_step) step;
	__typeof__(&sqlite3_finalize) finalize;
	__typeof__(&sqlite3_changes) changes;
	__typeof__(&sqlite3_errmsg) errmsg;
	__typeof__(&sqlite3_libversion_number) libversion_number;
};

/*
 * pxt_poppler_get loads poppler-glib on the first call (later calls only return the
 * result of the first) and sets *api to its function table, static and valid for the
 * life of the process. Returns PXT_EUNAVAIL, with a message naming the Debian package
 * to install, when the library or one of its functions cannot be loaded. Thread-safe.
 */
pxt_err pxt_poppler_get(const struct pxt_poppler **api);

/*
 * pxt_vips_get is pxt_poppler_get for libvips; the first call also runs vips_init.
 */
pxt_err pxt_vips_get(const struct pxt_vips **api);

/*
 * pxt_sqlite_get is pxt_poppler_get for libsqlite3; it also refuses a library older
 * than the headers pxtc was built with (PXT_EUNAVAIL naming the versions).
 */
pxt_err pxt_sqlite_get(const struct pxt_sqlite **api);

#endif
