/*
 * config.c - configuration: environment > .env > config.toml > defaults (pxt/config.h).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "pxt/config.h"
#include "pxt/dotenv.h"
#include "pxt/log.h"
#include "pxt/os.h"
#include "pxt/toml.h"
#include "pxt_build_config.h"
#include "config/config_keys_int.h"

#define PXT_CONFIG_MAX_FILE (1024 * 1024)

struct pxt_dotenv_kv {
	char *key;
	char *value;
	int line;
};

struct pxt_config {
	pxt_pool *pool;
	char *home;
	char *toml_path;
	pxt_toml *toml;
	char *dotenv_path;
	struct pxt_dotenv_kv *env;
	size_t nenv, capenv;
	const char *computed[PXT_CFG_NKEYS];	/* defaults that depend on the machine */
};

enum pxt_src_kind { PXT_SRC_UNSET, PXT_SRC_ENV, PXT_SRC_DOTENV, PXT_SRC_TOML,
	PXT_SRC_DEFAULT };

struct pxt_src {
	enum pxt_src_kind kind;
	const char *text;		/* value as text (env, dotenv, default) */
	const pxt_toml_value *tv;	/* value in config.toml */
	int line;			/* .env line */
	char envname[128];
};

static void
pxt_env_name(const char *section, const char *key, char *out, size_t outlen)
{
	size_t n = 0;

	for (const char *s = section; *s && n + 1 < outlen; s++)
		out[n++] = isalnum((unsigned char)*s) ? (char)toupper((unsigned char)*s) : '_';
	if (n + 1 < outlen)
		out[n++] = '_';
	for (const char *s = key; *s && n + 1 < outlen; s++)
		out[n++] = isalnum((unsigned char)*s) ? (char)toupper((unsigned char)*s) : '_';
	out[n] = '\0';
}

static const char *
pxt_dotenv_lookup(const pxt_config *cfg, const char *name, int *line)
{
	/* the last assignment wins, as in python-dotenv */
	for (size_t i = cfg->nenv; i-- > 0;) {
		if (strcmp(cfg->env[i].key, name) == 0) {
			if (line != NULL)
				*line = cfg->env[i].line;
			return cfg->env[i].value;
		}
	}
	return NULL;
}

/* The TOML value of section.key, honouring root keys as [pixeltable] keys. */
static const pxt_toml_value *
pxt_toml_lookup(const pxt_config *cfg, const char *section, const char *key)
{
	const pxt_toml_value *root, *v;

	if (cfg->toml == NULL)
		return NULL;
	root = pxt_toml_root(cfg->toml);
	v = pxt_toml_get(pxt_toml_get(root, section), key);
	if (v == NULL && strcmp(section, "pixeltable") == 0) {
		v = pxt_toml_get(root, key);
		if (v != NULL && pxt_toml_kind_of(v) == PXT_TOML_TABLE)
			v = NULL;
	}
	return v;
}

static const struct pxt_cfgkey *
pxt_cfgkey_find(const char *section, const char *key, int *idx)
{
	for (int i = 0; i < PXT_CFG_NKEYS; i++) {
		if (strcmp(pxt_cfg_keys[i].section, section) == 0 &&
		    strcmp(pxt_cfg_keys[i].key, key) == 0) {
			if (idx != NULL)
				*idx = i;
			return &pxt_cfg_keys[i];
		}
	}
	return NULL;
}

static void
pxt_resolve(const pxt_config *cfg, const char *section, const char *key,
    struct pxt_src *src)
{
	const struct pxt_cfgkey *k;
	int idx;

	memset(src, 0, sizeof(*src));
	pxt_env_name(section, key, src->envname, sizeof(src->envname));
	if ((src->text = getenv(src->envname)) != NULL) {
		src->kind = PXT_SRC_ENV;
		return;
	}
	if ((src->text = pxt_dotenv_lookup(cfg, src->envname, &src->line)) != NULL) {
		src->kind = PXT_SRC_DOTENV;
		return;
	}
	if ((src->tv = pxt_toml_lookup(cfg, section, key)) != NULL) {
		src->kind = PXT_SRC_TOML;
		return;
	}
	k = pxt_cfgkey_find(section, key, &idx);
	if (k != NULL && (cfg->computed[idx] != NULL || k->def != NULL)) {
		src->kind = PXT_SRC_DEFAULT;
		src->text = cfg->computed[idx] ? cfg->computed[idx] : k->def;
	}
}

/* Text form of a TOML scalar or array (arrays joined with ","), in cfg's pool. */
static const char *
pxt_toml_text(const pxt_config *cfg, const pxt_toml_value *v)
{
	switch (pxt_toml_kind_of(v)) {
	case PXT_TOML_STRING:
	case PXT_TOML_DATETIME:
		return pxt_toml_str(v, NULL);
	case PXT_TOML_INT:
		return pxt_psprintf(cfg->pool, "%lld", (long long)pxt_toml_int(v));
	case PXT_TOML_FLOAT:
		return pxt_psprintf(cfg->pool, "%.17g", pxt_toml_float(v));
	case PXT_TOML_BOOL:
		return pxt_toml_bool(v) ? "true" : "false";
	case PXT_TOML_ARRAY: {
		char *s = pxt_pstrdup(cfg->pool, "");

		for (size_t i = 0; s != NULL && i < pxt_toml_len(v); i++) {
			const char *item = pxt_toml_text(cfg, pxt_toml_at(v, i, NULL));

			s = pxt_psprintf(cfg->pool, "%s%s%s", s, i ? "," : "",
			    item ? item : "");
		}
		return s;
	}
	default:
		return NULL;
	}
}

const char *
pxt_config_str(const pxt_config *cfg, const char *section, const char *key)
{
	struct pxt_src src;

	pxt_resolve(cfg, section, key, &src);
	if (src.kind == PXT_SRC_TOML)
		return pxt_toml_text(cfg, src.tv);
	return src.text;
}

int64_t
pxt_config_int(const pxt_config *cfg, const char *section, const char *key)
{
	const char *s = pxt_config_str(cfg, section, key);

	return s ? strtoll(s, NULL, 10) : 0;
}

double
pxt_config_float(const pxt_config *cfg, const char *section, const char *key)
{
	const char *s = pxt_config_str(cfg, section, key);

	return s ? strtod(s, NULL) : 0.0;
}

bool
pxt_config_bool(const pxt_config *cfg, const char *section, const char *key)
{
	const char *s = pxt_config_str(cfg, section, key);
	bool b = false;

	if (s != NULL)
		pxt_cfg_parse_bool(s, &b);
	return b;
}

char **
pxt_config_list(const pxt_config *cfg, const char *section, const char *key,
    pxt_pool *pool, int *n)
{
	const char *s = pxt_config_str(cfg, section, key);
	char **items, *copy, *tok, *save = NULL;
	int cap = 1;

	*n = 0;
	if (s == NULL || (copy = pxt_pstrdup(pool, s)) == NULL)
		return NULL;
	for (const char *p = s; *p; p++)
		cap += *p == ',';
	items = pxt_pcalloc(pool, sizeof(char *) * ((size_t)cap + 1));
	if (items == NULL)
		return NULL;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;

		while (isspace((unsigned char)*tok))
			tok++;
		end = tok + strlen(tok);
		while (end > tok && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*tok)
			items[(*n)++] = tok;
	}
	return items;
}

const char *
pxt_config_source(const pxt_config *cfg, const char *section, const char *key,
    pxt_pool *pool)
{
	struct pxt_src src;

	pxt_resolve(cfg, section, key, &src);
	switch (src.kind) {
	case PXT_SRC_ENV:
		return pxt_psprintf(pool, "environment %s", src.envname);
	case PXT_SRC_DOTENV:
		return pxt_psprintf(pool, "%s:%d", cfg->dotenv_path, src.line);
	case PXT_SRC_TOML:
		return pxt_psprintf(pool, "%s:%d:%d", cfg->toml_path,
		    pxt_toml_line(src.tv), pxt_toml_col(src.tv));
	case PXT_SRC_DEFAULT:
		return "default";
	default:
		return "unset";
	}
}

void
pxt_config_each(const pxt_config *cfg, pxt_config_each_fn fn, void *ud)
{
	for (int i = 0; i < PXT_CFG_NKEYS; i++) {
		const struct pxt_cfgkey *k = &pxt_cfg_keys[i];

		fn(ud, k->section, k->key, pxt_config_str(cfg, k->section, k->key),
		    k->secret, k->doc);
	}
}

const char *
pxt_config_home(const pxt_config *cfg)
{
	return cfg->home;
}

void
pxt_config_free(pxt_config *cfg)
{
	if (cfg == NULL)
		return;
	pxt_toml_free(cfg->toml);
	pxt_pool_free(cfg->pool);
	free(cfg);
}

/* ---- loading -------------------------------------------------------------------- */

static pxt_err
pxt_dotenv_store(void *ud, const char *key, const char *value, int line)
{
	pxt_config *cfg = ud;

	if (cfg->nenv == cfg->capenv) {
		size_t cap = cfg->capenv ? cfg->capenv * 2 : 16;
		struct pxt_dotenv_kv *n = pxt_palloc(cfg->pool, cap * sizeof(*n));

		if (n == NULL)
			return PXT_ENOMEM;
		if (cfg->nenv)
			memcpy(n, cfg->env, cfg->nenv * sizeof(*n));
		cfg->env = n;
		cfg->capenv = cap;
	}
	cfg->env[cfg->nenv].key = pxt_pstrdup(cfg->pool, key);
	cfg->env[cfg->nenv].value = pxt_pstrdup(cfg->pool, value);
	cfg->env[cfg->nenv].line = line;
	if (cfg->env[cfg->nenv].key == NULL || cfg->env[cfg->nenv].value == NULL)
		return PXT_ENOMEM;
	cfg->nenv++;
	return PXT_OK;
}

static pxt_err
pxt_config_read_dotenv(pxt_config *cfg, const char *path)
{
	char *text = NULL;
	size_t len;
	pxt_err rc;

	cfg->dotenv_path = pxt_pstrdup(cfg->pool, path);
	rc = pxt_file_read(path, PXT_CONFIG_MAX_FILE, &text, &len);
	if (rc == PXT_ENOTFOUND)
		return PXT_OK;
	if (rc != PXT_OK)
		return rc;
	rc = pxt_dotenv_parse(text, len, path, pxt_dotenv_store, cfg);
	free(text);
	return rc;
}

static pxt_err
pxt_config_resolve_home(pxt_config *cfg)
{
	const char *h = getenv("PIXELTABLE_HOME");
	const char *what = "environment variable PIXELTABLE_HOME";
	char *abs;

	if (h == NULL) {
		h = pxt_dotenv_lookup(cfg, "PIXELTABLE_HOME", NULL);
		what = "PIXELTABLE_HOME in .env";
	}
	if (h == NULL) {
		const char *user_home = pxt_user_home();

		if (user_home == NULL)
			return pxt_seterr(PXT_ECONFIG, "cannot tell the home folder of "
			    "this user: set PIXELTABLE_HOME");
		h = pxt_psprintf(cfg->pool, "%s/.pixeltable", user_home);
		what = "default PIXELTABLE_HOME";
	}
	if (h == NULL)
		return PXT_ENOMEM;
	if (*h == '\0')
		return pxt_seterr(PXT_ECONFIG, "%s is empty: set it to a folder", what);
	abs = pxt_path_absolute(cfg->pool, h);
	if (abs == NULL)
		return pxt_seterr(PXT_ECONFIG, "%s '%s' cannot be made absolute", what, h);
	if (strlen(abs) > 200)
		return pxt_seterr(PXT_ECONFIG, "%s '%s' is longer than 200 bytes: the "
		    "embedded PostgreSQL's socket path would not fit", what, abs);
	cfg->home = abs;
	return PXT_OK;
}

static pxt_err
pxt_config_read_toml(pxt_config *cfg)
{
	char *text = NULL;
	size_t len;
	pxt_err rc;

	cfg->toml_path = pxt_psprintf(cfg->pool, "%s/config.toml", cfg->home);
	if (cfg->toml_path == NULL)
		return PXT_ENOMEM;
	rc = pxt_file_read(cfg->toml_path, PXT_CONFIG_MAX_FILE, &text, &len);
	if (rc == PXT_ENOTFOUND)
		return PXT_OK;
	if (rc != PXT_OK)
		return rc;
	rc = pxt_toml_parse(text, len, cfg->toml_path, &cfg->toml);
	free(text);
	return rc;
}

static pxt_err
pxt_config_check_key(const pxt_config *cfg, const struct pxt_cfgkey *k)
{
	struct pxt_src src;
	char why[256];

	pxt_resolve(cfg, k->section, k->key, &src);
	switch (src.kind) {
	case PXT_SRC_ENV:
		if (pxt_cfg_check_text(k, src.text, why, sizeof(why)) != PXT_OK)
			return pxt_seterr(PXT_ECONFIG, "environment variable %s: [%s] %s "
			    "%s", src.envname, k->section, k->key, why);
		break;
	case PXT_SRC_DOTENV:
		if (pxt_cfg_check_text(k, src.text, why, sizeof(why)) != PXT_OK)
			return pxt_seterr(PXT_ECONFIG, "%s:%d: %s: [%s] %s %s",
			    cfg->dotenv_path, src.line, src.envname, k->section,
			    k->key, why);
		break;
	case PXT_SRC_TOML:
		if (pxt_cfg_check_toml(k, src.tv, why, sizeof(why)) != PXT_OK)
			return pxt_seterr(PXT_ECONFIG, "%s:%d:%d: [%s] %s %s",
			    cfg->toml_path, pxt_toml_line(src.tv), pxt_toml_col(src.tv),
			    k->section, k->key, why);
		break;
	default:
		break;
	}
	return PXT_OK;
}

/* Warn about keys of known sections that pxtc does not read (most often a typo). */
static pxt_err
pxt_config_check_section(const pxt_config *cfg, const char *section,
    const pxt_toml_value *t, bool root)
{
	const pxt_toml_value *root_t = pxt_toml_root(cfg->toml);

	for (size_t i = 0; i < pxt_toml_len(t); i++) {
		const char *key;
		const pxt_toml_value *v = pxt_toml_at(t, i, &key);

		if (root && pxt_toml_kind_of(v) == PXT_TOML_TABLE)
			continue;	/* a section, checked on its own */
		if (root && pxt_toml_get(pxt_toml_get(root_t, "pixeltable"), key))
			return pxt_seterr(PXT_ECONFIG, "%s:%d:%d: '%s' is set both before "
			    "any section and in [pixeltable]: keep one", cfg->toml_path,
			    pxt_toml_line(v), pxt_toml_col(v), key);
		if (pxt_cfgkey_find(section, key, NULL) == NULL)
			pxt_log(PXT_LOG_WARN, "%s:%d:%d: unknown key '%s' in [%s] is "
			    "ignored", cfg->toml_path, pxt_toml_line(v), pxt_toml_col(v),
			    key, section);
	}
	return PXT_OK;
}

static pxt_err
pxt_config_validate(pxt_config *cfg)
{
	const char *level;
	pxt_err rc;

	for (int i = 0; i < PXT_CFG_NKEYS; i++)
		if ((rc = pxt_config_check_key(cfg, &pxt_cfg_keys[i])) != PXT_OK)
			return rc;
	if (cfg->toml != NULL) {
		const pxt_toml_value *root = pxt_toml_root(cfg->toml);

		if ((rc = pxt_config_check_section(cfg, "pixeltable", root, true)))
			return rc;
		for (size_t i = 0; i < pxt_toml_len(root); i++) {
			const char *sec;
			const pxt_toml_value *t = pxt_toml_at(root, i, &sec);

			if (pxt_toml_kind_of(t) != PXT_TOML_TABLE ||
			    !pxt_cfg_known_section(sec))
				continue;
			if ((rc = pxt_config_check_section(cfg, sec, t, false)))
				return rc;
		}
	}
	level = pxt_config_str(cfg, "pixeltable", "log_level");
	if (level != NULL)
		pxt_log_set_level((pxt_log_level)pxt_log_parse_level(level));
	return PXT_OK;
}

pxt_err
pxt_config_load(const char *dotenv_path, pxt_config **out)
{
	pxt_config *cfg;
	pxt_err rc;

	*out = NULL;
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL || (cfg->pool = pxt_pool_new(0)) == NULL) {
		free(cfg);
		return pxt_seterr(PXT_ENOMEM, "out of memory loading the configuration");
	}
	rc = pxt_config_read_dotenv(cfg, dotenv_path ? dotenv_path : ".env");
	if (rc == PXT_OK)
		rc = pxt_config_resolve_home(cfg);
	if (rc == PXT_OK)
		rc = pxt_config_read_toml(cfg);
	if (rc == PXT_OK)
		rc = pxt_cfg_compute_defaults(cfg->pool, cfg->home, cfg->computed);
	if (rc == PXT_OK)
		rc = pxt_config_validate(cfg);
	if (rc != PXT_OK) {
		pxt_config_free(cfg);
		return rc;
	}
	*out = cfg;
	return PXT_OK;
}
