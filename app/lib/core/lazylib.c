/*
 * lazylib.c - loading poppler-glib, libvips and libsqlite3 on first use (see lazylib_int.h).
 *
 * Each library is opened once per process under pthread_once; the outcome (a filled
 * function table, or the message explaining why not) is kept, so a missing library
 * costs one dlopen attempt, not one per call. Nothing is ever unloaded: glib's type
 * system does not survive dlclose.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/lazylib_int.h"

#define PXT_POPPLER_SONAME "libpoppler-glib.so.8"
#define PXT_POPPLER_PKG "libpoppler-glib8"
#define PXT_VIPS_SONAME "libvips.so.42"
#define PXT_VIPS_PKG "libvips42"
#define PXT_SQLITE_SONAME "libsqlite3.so.0"
#define PXT_SQLITE_PKG "libsqlite3-0"

/* One symbol to resolve: its name and where its pointer goes in the table. */
struct pxt_sym {
	const char *name;
	size_t off;
};

#define PXT_SYM(type, member, sym) {#sym, offsetof(struct type, member)}

static const struct pxt_sym pxt_poppler_syms[] = {
	PXT_SYM(pxt_poppler, document_new_from_file, poppler_document_new_from_file),
	PXT_SYM(pxt_poppler, document_get_n_pages, poppler_document_get_n_pages),
	PXT_SYM(pxt_poppler, document_get_title, poppler_document_get_title),
	PXT_SYM(pxt_poppler, document_get_page, poppler_document_get_page),
	PXT_SYM(pxt_poppler, page_get_text, poppler_page_get_text),
	PXT_SYM(pxt_poppler, page_get_text_layout, poppler_page_get_text_layout),
	PXT_SYM(pxt_poppler, filename_to_uri, g_filename_to_uri),
	PXT_SYM(pxt_poppler, object_unref, g_object_unref),
	PXT_SYM(pxt_poppler, error_free, g_error_free),
	PXT_SYM(pxt_poppler, gfree, g_free),
};

static const struct pxt_sym pxt_vips_syms[] = {
	PXT_SYM(pxt_vips, init, vips_init),
	PXT_SYM(pxt_vips, concurrency_set, vips_concurrency_set),
	PXT_SYM(pxt_vips, cache_set_max, vips_cache_set_max),
	PXT_SYM(pxt_vips, image_new_from_file, vips_image_new_from_file),
	PXT_SYM(pxt_vips, image_get_width, vips_image_get_width),
	PXT_SYM(pxt_vips, image_get_height, vips_image_get_height),
	PXT_SYM(pxt_vips, image_get_bands, vips_image_get_bands),
	PXT_SYM(pxt_vips, image_get_format, vips_image_get_format),
	PXT_SYM(pxt_vips, image_get_interpretation, vips_image_get_interpretation),
	PXT_SYM(pxt_vips, image_get_string, vips_image_get_string),
	PXT_SYM(pxt_vips, thumbnail, vips_thumbnail),
	PXT_SYM(pxt_vips, pngsave, vips_pngsave),
	PXT_SYM(pxt_vips, error_buffer, vips_error_buffer),
	PXT_SYM(pxt_vips, error_clear, vips_error_clear),
	PXT_SYM(pxt_vips, object_unref, g_object_unref),
	PXT_SYM(pxt_vips, thumbnail_image, vips_thumbnail_image),
	PXT_SYM(pxt_vips, affine, vips_affine),
	PXT_SYM(pxt_vips, array_int_newv, vips_array_int_newv),
	PXT_SYM(pxt_vips, area_unref, vips_area_unref),
	PXT_SYM(pxt_vips, interpolate_nearest_static, vips_interpolate_nearest_static),
	PXT_SYM(pxt_vips, extract_area, vips_extract_area),
	PXT_SYM(pxt_vips, extract_band, vips_extract_band),
	PXT_SYM(pxt_vips, colourspace, vips_colourspace),
	PXT_SYM(pxt_vips, bandjoin_const1, vips_bandjoin_const1),
	PXT_SYM(pxt_vips, bandjoin2, vips_bandjoin2),
	PXT_SYM(pxt_vips, cast, vips_cast),
	PXT_SYM(pxt_vips, image_write_to_buffer, vips_image_write_to_buffer),
	PXT_SYM(pxt_vips, image_new_from_buffer, vips_image_new_from_buffer),
	PXT_SYM(pxt_vips, getpoint, vips_getpoint),
	PXT_SYM(pxt_vips, gfree, g_free),
};

static const struct pxt_sym pxt_sqlite_syms[] = {
	PXT_SYM(pxt_sqlite, open_v2, sqlite3_open_v2),
	PXT_SYM(pxt_sqlite, close_v2, sqlite3_close_v2),
	PXT_SYM(pxt_sqlite, busy_timeout, sqlite3_busy_timeout),
	PXT_SYM(pxt_sqlite, prepare_v2, sqlite3_prepare_v2),
	PXT_SYM(pxt_sqlite, bind_int64, sqlite3_bind_int64),
	PXT_SYM(pxt_sqlite, bind_double, sqlite3_bind_double),
	PXT_SYM(pxt_sqlite, bind_text, sqlite3_bind_text),
	PXT_SYM(pxt_sqlite, bind_null, sqlite3_bind_null),
	PXT_SYM(pxt_sqlite, step, sqlite3_step),
	PXT_SYM(pxt_sqlite, finalize, sqlite3_finalize),
	PXT_SYM(pxt_sqlite, changes, sqlite3_changes),
	PXT_SYM(pxt_sqlite, errmsg, sqlite3_errmsg),
	PXT_SYM(pxt_sqlite, libversion_number, sqlite3_libversion_number),
};

/* The outcome of one library's loading, written once under its pthread_once. */
struct pxt_lazy {
	pthread_once_t once;
	pxt_err rc;
	char msg[512];
};

static struct pxt_lazy pxt_poppler_state = {PTHREAD_ONCE_INIT, PXT_OK, ""};
static struct pxt_lazy pxt_vips_state = {PTHREAD_ONCE_INIT, PXT_OK, ""};
static struct pxt_lazy pxt_sqlite_state = {PTHREAD_ONCE_INIT, PXT_OK, ""};
static struct pxt_poppler pxt_poppler_api;
static struct pxt_sqlite pxt_sqlite_api;
static struct pxt_vips pxt_vips_api;

/*
 * Open soname and fill table (n entries of syms). Returns PXT_OK, or PXT_EUNAVAIL with
 * the reason in st->msg; on failure the library is closed again.
 */
static pxt_err
pxt_lazy_open(struct pxt_lazy *st, const char *soname, const char *pkg,
    const struct pxt_sym *syms, size_t n, void *table)
{
	void *h;
	const char *why;

	dlerror();
	h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		why = dlerror();
		snprintf(st->msg, sizeof(st->msg), "%s cannot be loaded (%s): install the "
		    "Debian package %s", soname, why ? why : "not found", pkg);
		return st->rc = PXT_EUNAVAIL;
	}
	for (size_t i = 0; i < n; i++) {
		void *p;

		dlerror();
		p = dlsym(h, syms[i].name);
		if (p == NULL) {
			snprintf(st->msg, sizeof(st->msg), "%s has no function %s: "
			    "install a newer %s", soname, syms[i].name, pkg);
			dlclose(h);
			return st->rc = PXT_EUNAVAIL;
		}
		/* POSIX guarantees a data pointer from dlsym converts to a function one */
		memcpy((char *)table + syms[i].off, &p, sizeof(p));
	}
	return st->rc = PXT_OK;
}

/* pthread_once body: opens poppler-glib; the outcome stays in pxt_poppler_state. */
static void
pxt_poppler_load(void)
{
	pxt_lazy_open(&pxt_poppler_state, PXT_POPPLER_SONAME, PXT_POPPLER_PKG,
	    pxt_poppler_syms, sizeof(pxt_poppler_syms) / sizeof(*pxt_poppler_syms),
	    &pxt_poppler_api);
}

/* pthread_once body: opens libvips and starts it small (one thread, no cache). */
static void
pxt_vips_load(void)
{
	struct pxt_lazy *st = &pxt_vips_state;

	if (pxt_lazy_open(st, PXT_VIPS_SONAME, PXT_VIPS_PKG, pxt_vips_syms,
	    sizeof(pxt_vips_syms) / sizeof(*pxt_vips_syms), &pxt_vips_api) != PXT_OK)
		return;
	if (pxt_vips_api.init("pxtc") != 0) {
		snprintf(st->msg, sizeof(st->msg), "libvips failed to start: %s",
		    pxt_vips_api.error_buffer());
		st->rc = PXT_EUNAVAIL;
		return;
	}
	/* a worker serves one request at a time: one thread, no operation cache */
	pxt_vips_api.concurrency_set(1);
	pxt_vips_api.cache_set_max(0);
}

pxt_err
pxt_poppler_get(const struct pxt_poppler **api)
{
	pthread_once(&pxt_poppler_state.once, pxt_poppler_load);
	if (pxt_poppler_state.rc != PXT_OK)
		return pxt_seterr(pxt_poppler_state.rc, "%s", pxt_poppler_state.msg);
	*api = &pxt_poppler_api;
	return PXT_OK;
}

pxt_err
pxt_vips_get(const struct pxt_vips **api)
{
	pthread_once(&pxt_vips_state.once, pxt_vips_load);
	if (pxt_vips_state.rc != PXT_OK)
		return pxt_seterr(pxt_vips_state.rc, "%s", pxt_vips_state.msg);
	*api = &pxt_vips_api;
	return PXT_OK;
}

/* pthread_once body: opens libsqlite3 and checks it is as new as its headers. */
static void
pxt_sqlite_load(void)
{
	struct pxt_lazy *st = &pxt_sqlite_state;
	int have;

	if (pxt_lazy_open(st, PXT_SQLITE_SONAME, PXT_SQLITE_PKG, pxt_sqlite_syms,
	    sizeof(pxt_sqlite_syms) / sizeof(*pxt_sqlite_syms), &pxt_sqlite_api) != PXT_OK)
		return;
	if ((have = pxt_sqlite_api.libversion_number()) < SQLITE_VERSION_NUMBER) {
		snprintf(st->msg, sizeof(st->msg), "%s is SQLite %d, older than the %d pxtc "
		    "was built with: install a newer %s", PXT_SQLITE_SONAME, have,
		    SQLITE_VERSION_NUMBER, PXT_SQLITE_PKG);
		st->rc = PXT_EUNAVAIL;
	}
}

pxt_err
pxt_sqlite_get(const struct pxt_sqlite **api)
{
	pthread_once(&pxt_sqlite_state.once, pxt_sqlite_load);
	if (pxt_sqlite_state.rc != PXT_OK)
		return pxt_seterr(pxt_sqlite_state.rc, "%s", pxt_sqlite_state.msg);
	*api = &pxt_sqlite_api;
	return PXT_OK;
}
