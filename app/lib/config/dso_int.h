/*
 * dso_int.h - the one shared-object loader of libpxt (internal): router modules and
 * UDF modules are found, opened and checked the same way.
 *
 * Every module exports one entry function returning a static struct that begins with
 * two 32-bit fields, the ABI it was built for and the struct's size at build time. The
 * loader opens each file with RTLD_NOW | RTLD_LOCAL, finds the entry, checks the ABI
 * and the size against the kind's, runs the kind's own check, and closes the file
 * again on any mismatch. A module that passes is handed to the kind's use function,
 * which owns the handle from then on.
 */
#ifndef PXT_DSO_INT_H
#define PXT_DSO_INT_H

#include <stdint.h>

#include "pxt/config.h"
#include "pxt/error.h"

/* The start of every module struct (pxt_router_module, pxt_udf_module). */
struct pxt_dso_head {
	uint32_t abi;
	uint32_t size;
};

/* A kind of module: what it is called, its entry symbol, what it accepts. */
struct pxt_dso_kind {
	const char *what;	/* "router", "UDF module": starts every message */
	const char *abi_name;	/* "router", "UDF": in "built for router ABI 2" */
	const char *entry;	/* the entry function's symbol */
	const char *macro;	/* what defines it: "PXT_ROUTER(...)" */
	uint32_t abi;		/* the ABI this build speaks */
	uint32_t min_size;	/* smallest struct accepted (the fields that must be set) */
	uint32_t max_size;	/* sizeof the struct in this build: larger is refused */
	/*
	 * Further refusals (a duplicate name), or NULL: returns PXT_OK to accept, or an
	 * error it set with pxt_seterr, after which the loader closes the file.
	 */
	pxt_err (*check)(void *ud, const char *path, const void *module);
	/* Takes an accepted module; owns handle (keeps it open or dlcloses it). */
	pxt_err (*use)(void *ud, const char *path, void *handle, const void *module);
	void *ud;
};

/*
 * pxt_dso_load opens the module at path (resolved with realpath; the caller's form
 * is named in messages), checks it and hands it to kind->use. PXT_ECONFIG naming the
 * file for a missing file, a file dlopen refuses, a missing entry, another ABI or a
 * size outside [min_size, max_size]; or what check or use returned.
 */
pxt_err pxt_dso_load(const struct pxt_dso_kind *kind, const char *path);

/*
 * pxt_dso_load_configured loads the modules the configuration names: the list key of
 * section (names relative to the folder key, or absolute paths) when set, else every
 * *.so in the folder, in name order. A folder that is missing or unreadable is
 * PXT_ECONFIG naming the key and the folder, unless the folder is the built-in
 * default (a build or install without such modules), which means none. Stops at the
 * first module that fails and returns its error.
 */
pxt_err pxt_dso_load_configured(const struct pxt_dso_kind *kind, const pxt_config *cfg,
    const char *section, const char *dir_key, const char *list_key);

#endif
