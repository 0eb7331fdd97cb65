/*
 * env.c - opening an environment: configuration, the database (embedded or external),
 * the catalog; and the user-visible transaction (see pxt/catalog.h).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/embedded.h"
#include "pxt/log.h"
#include "catalog/catalog_int.h"
#include "functions/embed_int.h"
#include "media/media_store_int.h"
#include "engine/udf_int.h"

/* Reconnect hook of the embedded mode: bring the server back if it went away. */
static pxt_err
pxt_env_restart_hook(void *ud)
{
	pxt_env *env = ud;

	return pxt_embedded_restart(env->cfg);
}

static pxt_err
pxt_env_connect(pxt_env *env)
{
	const char *ext = pxt_config_str(env->cfg, "pixeltable", "db_connect_str");
	const char *tz = pxt_config_str(env->cfg, "pixeltable", "time_zone");
	const char *params[1] = {tz ? tz : "UTC"};
	char *conninfo = NULL;
	pxt_err rc;

	if (ext != NULL && *ext != '\0') {
		rc = pxt_db_connect(ext, &env->db);
	} else {
		if ((rc = pxt_embedded_start(env->cfg, &conninfo)) != PXT_OK)
			return rc;
		rc = pxt_db_connect(conninfo, &env->db);
		free(conninfo);
		if (rc == PXT_OK)
			pxt_db_set_hook(env->db, pxt_env_restart_hook, env);
	}
	if (rc != PXT_OK)
		return rc;
	rc = pxt_db_session(env->db, "TimeZone", params[0]);
	if (rc != PXT_OK)
		return pxt_seterr(PXT_ECONFIG, "[pixeltable] time_zone '%s': %s", params[0],
		    pxt_errmsg());
	return PXT_OK;
}

pxt_env *
pxt_open(const pxt_open_opts *opts)
{
	const char *dotenv = NULL;
	pxt_env *env;
	pxt_err rc;

	/* read only the fields the caller's version of the struct has */
	if (opts != NULL && opts->size >= offsetof(pxt_open_opts, dotenv_path) +
	    sizeof(opts->dotenv_path))
		dotenv = opts->dotenv_path;
	env = calloc(1, sizeof(*env));
	if (env == NULL || (env->pool = pxt_pool_new(0)) == NULL) {
		free(env);
		pxt_seterr(PXT_ENOMEM, "out of memory opening pxtc");
		return NULL;
	}
	rc = pxt_config_load(dotenv, &env->cfg);
	if (rc == PXT_OK)
		rc = pxt_udf_load_configured(env->cfg);
	if (rc == PXT_OK) {
		char media[4096];

		snprintf(media, sizeof(media), "%s/media", pxt_config_home(env->cfg));
		pxt_media_store_set(media);
		pxt_media_fetch_config(env->cfg);
		pxt_embed_config(env->cfg);
		pxt_media_store_config(env->cfg);
		rc = pxt_media_dest_config(env->cfg);
	}
	if (rc == PXT_OK) {
		rc = pxt_env_connect(env);
	}
	if (rc == PXT_OK)
		rc = pxt_cat_bootstrap(env);
	if (rc != PXT_OK) {
		pxt_close(env);
		return NULL;
	}
	return env;
}

void
pxt_close(pxt_env *env)
{
	pxt_table *t, *next;

	if (env == NULL)
		return;
	if (env->db != NULL && pxt_db_in_tx(env->db))
		pxt_db_rollback(env->db);
	pxt_cat_drops_settle(env, false);
	for (t = env->tables; t != NULL; t = next) {
		next = t->next;
		pxt_pool_free(t->pool);
		free(t);
	}
	pxt_db_close(env->db);
	pxt_config_free(env->cfg);
	pxt_pool_free(env->pool);
	free(env);
}

const pxt_config *
pxt_env_config(const pxt_env *env)
{
	return env->cfg;
}

pxt_db *
pxt_env_db(pxt_env *env)
{
	return env->db;
}

pxt_err
pxt_begin(pxt_env *env)
{
	bool own;
	pxt_err rc;

	if (!pxt_decl_enter(env, &rc))
		return rc;
	if (env->user_tx)
		rc = pxt_seterr(PXT_EINVAL, "pxt_begin: a transaction is already open");
	else if ((rc = pxt_cat_change_begin(env, &own)) == PXT_OK)
		env->user_tx = true;
	return pxt_decl_leave(env, rc, "begin the transaction");
}

pxt_err
pxt_commit(pxt_env *env)
{
	pxt_err rc;

	if (!pxt_decl_enter(env, &rc)) {
		/* a declaration failed: what the others did is undone, not committed */
		if (env->user_tx)
			pxt_rollback(env);
		return pxt_env_error(env);
	}
	if (!env->user_tx) {
		rc = pxt_seterr(PXT_EINVAL, "pxt_commit without pxt_begin");
	} else {
		env->user_tx = false;
		rc = pxt_db_commit(env->db);
		/* the media files the changes took away go once they are committed */
		pxt_cat_drops_settle(env, rc == PXT_OK);
	}
	return pxt_decl_leave(env, rc, "commit");
}

pxt_err
pxt_rollback(pxt_env *env)
{
	env->user_tx = false;
	pxt_cat_drops_settle(env, false);
	return pxt_db_rollback(env->db);
}
