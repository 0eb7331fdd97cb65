/*
 * config_keys_int.h - the table of known configuration keys (internal to libpxt).
 */
#ifndef PXT_CONFIG_KEYS_H
#define PXT_CONFIG_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pxt/error.h"
#include "pxt/pool.h"
#include "pxt/toml.h"

enum pxt_cfgtype {
	PXT_CFG_STR,
	PXT_CFG_INT,
	PXT_CFG_FLOAT,
	PXT_CFG_BOOL,
	PXT_CFG_LIST,		/* TOML array of strings, or comma-separated text */
	PXT_CFG_LEVEL,		/* a log level name */
	PXT_CFG_ADDRS		/* a LIST of IPv4/IPv6 addresses or CIDRs */
};

struct pxt_cfgkey {
	const char *section;
	const char *key;
	enum pxt_cfgtype type;
	bool secret;		/* never printed or logged */
	int64_t min, max;	/* for INT and FLOAT (max 0: unbounded) */
	const char *def;	/* default as text; NULL: unset or computed */
	/*
	 * The meaning, one line for the README. A default that def cannot say (computed,
	 * or found at build time) is described at its end: "... (default: 2 x cores)".
	 */
	const char *doc;
};

extern const struct pxt_cfgkey pxt_cfg_keys[];
#define PXT_CFG_NKEYS 56

/* Sections whose keys pxtc knows (others, and [app], take any key). */
bool pxt_cfg_known_section(const char *section);

/* pxt_cfg_parse_bool reads true/false/1/0/yes/no/on/off; 0 on success, -1 otherwise. */
int pxt_cfg_parse_bool(const char *s, bool *out);

/*
 * pxt_cfg_check_text checks a value given as text (environment, .env) against its key;
 * pxt_cfg_check_toml checks a config.toml value. On failure they return PXT_ECONFIG and
 * write "must be ..., got ..." into why.
 */
pxt_err pxt_cfg_check_text(const struct pxt_cfgkey *k, const char *text, char *why,
    size_t whylen);
pxt_err pxt_cfg_check_toml(const struct pxt_cfgkey *k, const pxt_toml_value *v,
    char *why, size_t whylen);

/*
 * pxt_cfg_compute_defaults fills computed[i] for keys whose default depends on the
 * machine (cores, free disk, the home folder), in pool memory.
 */
pxt_err pxt_cfg_compute_defaults(pxt_pool *pool, const char *home,
    const char **computed);

#endif
