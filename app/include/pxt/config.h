/*
 * pxt/config.h - configuration, the seed's model exactly.
 *
 * A key `k` of section `[s]` resolves, first match wins, from:
 *   1. the real environment variable S_K (upper case: PIXELTABLE_FILE_CACHE_SIZE_G),
 *   2. the same name in `.env` in the working directory (never overrides 1),
 *   3. `$PIXELTABLE_HOME/config.toml`, where keys before any section header belong to
 *      [pixeltable] (the seed writes `file_cache_size_g = 50` that way),
 *   4. the built-in default.
 * PIXELTABLE_HOME itself comes from 1 or 2, else `~/.pixeltable`.
 *
 * Known keys (the table in config.c, listed in the README) are type-checked when the
 * configuration is loaded, so a bad value stops start-up with its source named
 * ("config.toml:4:8: [server] port must be an integer between 1 and 65535"). Sections
 * pxtc does not know, and [app], take any keys.
 */
#ifndef PXT_CONFIG_H
#define PXT_CONFIG_H

#include "pxt/api.h"

#include <stdbool.h>
#include <stdint.h>

#include "pxt/error.h"
#include "pxt/pool.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pxt_config pxt_config;

/*
 * pxt_config_load reads .env (dotenv_path, or ".env" in the working directory when
 * NULL; a missing file is fine) and $PIXELTABLE_HOME/config.toml (missing is fine),
 * and validates every known key. On success *out is a new configuration the caller
 * frees with pxt_config_free. On failure returns PXT_ECONFIG (one line in pxt_errmsg()
 * naming the file, line and column, or the environment variable) or PXT_EIO / PXT_ENOMEM.
 */
PXT_API pxt_err pxt_config_load(const char *dotenv_path, pxt_config **out);

/* pxt_config_free releases a configuration; NULL is allowed. */
PXT_API void pxt_config_free(pxt_config *cfg);

/*
 * pxt_config_home returns the absolute PIXELTABLE_HOME; owned by cfg. Never NULL after a
 * successful load.
 */
PXT_API const char *pxt_config_home(const pxt_config *cfg);

/*
 * pxt_config_str returns the resolved value of section.key as text (a TOML array is
 * joined with commas), or NULL when the key is unset and has no default. The pointer
 * is owned by cfg, or by the process environment, and stays valid while cfg lives and
 * the environment variable is not changed.
 */
PXT_API const char *pxt_config_str(const pxt_config *cfg, const char *section,
    const char *key);

/*
 * Typed getters for known keys; the value was validated at load, so these cannot fail.
 * For an unset key without a default they return 0 / false.
 */
PXT_API int64_t pxt_config_int(const pxt_config *cfg, const char *section,
    const char *key);
PXT_API double pxt_config_float(const pxt_config *cfg, const char *section,
    const char *key);
PXT_API bool pxt_config_bool(const pxt_config *cfg, const char *section,
    const char *key);

/*
 * pxt_config_list splits a list value (TOML array of strings, or "a, b" text) into a
 * NULL-terminated array allocated in pool; *n gets the count. Empty items are dropped.
 * Returns NULL (with *n = 0) for an unset key or when out of memory.
 */
PXT_API char **pxt_config_list(const pxt_config *cfg, const char *section,
    const char *key, pxt_pool *pool, int *n);

/*
 * pxt_config_source describes where section.key came from ("environment SERVER_PORT",
 * ".env:3", "/home/u/.pixeltable/config.toml:4:1", "default", "unset"), in pool memory.
 */
PXT_API const char *pxt_config_source(const pxt_config *cfg, const char *section,
    const char *key, pxt_pool *pool);

/*
 * pxt_config_each calls fn for every known key in table order with its resolved value
 * (NULL when unset) and whether it is a secret, for `pxtc config` and the README.
 */
typedef void (*pxt_config_each_fn)(void *ud, const char *section, const char *key,
    const char *value, bool secret, const char *doc);
PXT_API void pxt_config_each(const pxt_config *cfg, pxt_config_each_fn fn, void *ud);

#ifdef __cplusplus
}
#endif
#endif
