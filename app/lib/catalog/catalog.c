/*
 * catalog.c - the catalog schema (pxt_catalog), its version, the change transaction
 * and the media its changes release, and the path helpers directories build on (see
 * pxt/catalog.h; directories and listing are dir.c's).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/ident.h"
#include "pxt/log.h"
#include "catalog/catalog_int.h"
#include "media/media_store_int.h"

/*
 * The catalog, format 1 (later formats below). Designed for what comes later:
 * computed columns (columns.computed, on_error), views (tables.kind, base_id,
 * iterator), indexes, media destinations (columns.media_dest) and versions
 * (state.version, tables.*_version).
 */
static const char pxt_catalog_ddl[] =
    "CREATE SCHEMA IF NOT EXISTS pxt_catalog;"
    "CREATE SCHEMA IF NOT EXISTS pxt_data;"
    "CREATE TABLE IF NOT EXISTS pxt_catalog.state ("
    "  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),"
    "  format integer NOT NULL,"
    "  version bigint NOT NULL,"
    "  changed_at timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE IF NOT EXISTS pxt_catalog.dirs ("
    "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  path text NOT NULL UNIQUE,"
    "  parent_id bigint REFERENCES pxt_catalog.dirs(id),"
    "  created_at timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE IF NOT EXISTS pxt_catalog.tables ("
    "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  path text NOT NULL UNIQUE,"
    "  dir_id bigint REFERENCES pxt_catalog.dirs(id),"
    "  kind text NOT NULL DEFAULT 'table' CHECK (kind IN ('table','view','snapshot')),"
    "  base_id bigint REFERENCES pxt_catalog.tables(id),"
    "  iterator jsonb,"
    "  storage_schema text NOT NULL DEFAULT 'pxt_data',"
    "  storage_name text NOT NULL,"
    "  schema_version bigint NOT NULL DEFAULT 0,"
    "  data_version bigint NOT NULL DEFAULT 0,"
    "  comment text,"
    "  created_at timestamptz NOT NULL DEFAULT now(),"
    "  UNIQUE (storage_schema, storage_name));"
    "CREATE TABLE IF NOT EXISTS pxt_catalog.columns ("
    "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  table_id bigint NOT NULL REFERENCES pxt_catalog.tables(id) ON DELETE CASCADE,"
    "  name text NOT NULL,"
    "  position integer NOT NULL,"
    "  type text NOT NULL,"
    "  type_params jsonb NOT NULL DEFAULT '{}',"
    "  nullable boolean NOT NULL DEFAULT true,"
    "  is_pk boolean NOT NULL DEFAULT false,"
    "  storage_name text NOT NULL,"
    "  computed jsonb,"
    "  stored boolean NOT NULL DEFAULT true,"
    "  on_error text CHECK (on_error IN ('abort','ignore')),"
    "  media_dest text,"
    "  created_at timestamptz NOT NULL DEFAULT now(),"
    "  dflt text,"
    "  UNIQUE (table_id, name));"
    "CREATE TABLE IF NOT EXISTS pxt_catalog.indexes ("
    "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  table_id bigint NOT NULL REFERENCES pxt_catalog.tables(id) ON DELETE CASCADE,"
    "  column_id bigint REFERENCES pxt_catalog.columns(id) ON DELETE CASCADE,"
    "  name text NOT NULL,"
    "  kind text NOT NULL CHECK (kind IN ('embedding','fulltext','btree')),"
    "  params jsonb NOT NULL DEFAULT '{}',"
    "  storage_name text,"
    "  created_at timestamptz NOT NULL DEFAULT now(),"
    "  UNIQUE (table_id, name));"
    "CREATE TABLE IF NOT EXISTS pxt_catalog.history ("
    "  version bigint PRIMARY KEY,"
    "  at timestamptz NOT NULL DEFAULT now(),"
    "  op text NOT NULL,"
    "  path text);"
    /* UUIDv7: 48-bit Unix milliseconds, then version 7 and random bits */
    "CREATE OR REPLACE FUNCTION pxt_catalog.uuid_v7() RETURNS uuid"
    "  LANGUAGE plpgsql VOLATILE AS $f$"
    "DECLARE b bytea := uuid_send(gen_random_uuid());"
    "  ms bigint := floor(extract(epoch FROM clock_timestamp()) * 1000);"
    "BEGIN"
    "  b := overlay(b PLACING substring(int8send(ms) FROM 3) FROM 1 FOR 6);"
    "  b := set_byte(b, 6, (get_byte(b, 6) & 15) | 112);"
    "  RETURN encode(b, 'hex')::uuid;"
    "END $f$;"
    /* format 2: responses of insert requests that carried an Idempotency-Key */
    "CREATE TABLE IF NOT EXISTS pxt_catalog.idempotency ("
    "  route text NOT NULL,"
    "  key text NOT NULL,"
    "  created_at timestamptz NOT NULL DEFAULT now(),"
    "  status integer,"
    "  body text,"
    "  PRIMARY KEY (route, key));"
    /* format 3: background jobs and every attempt to run them */
    "CREATE TABLE IF NOT EXISTS pxt_catalog.jobs ("
    "  id uuid PRIMARY KEY DEFAULT pxt_catalog.uuid_v7(),"
    "  method text NOT NULL,"
    "  path text NOT NULL,"
    "  query text,"
    "  body text,"
    "  status text NOT NULL DEFAULT 'queued'"
    "    CHECK (status IN ('queued','done','failed')),"
    "  http_status integer,"
    "  result text,"
    "  error text,"
    "  created_at timestamptz NOT NULL DEFAULT now(),"
    "  finished_at timestamptz);"
    "CREATE INDEX IF NOT EXISTS jobs_queued ON pxt_catalog.jobs (created_at)"
    "  WHERE status = 'queued';"
    "CREATE TABLE IF NOT EXISTS pxt_catalog.job_attempts ("
    "  job_id uuid NOT NULL REFERENCES pxt_catalog.jobs(id) ON DELETE CASCADE,"
    "  at timestamptz NOT NULL DEFAULT now(),"
    "  runner integer);"
    "CREATE INDEX IF NOT EXISTS job_attempts_job ON pxt_catalog.job_attempts (job_id);"
    /*
     * format 4: declared column defaults (columns.dflt). A UUID key of an older
     * catalog was made on insert when not given (the implicit "id" among them): it
     * keeps doing so as the default uuid7().
     */
    "ALTER TABLE pxt_catalog.columns ADD COLUMN IF NOT EXISTS dflt text;"
    "UPDATE pxt_catalog.columns SET dflt = 'uuid7()'"
    "  WHERE is_pk AND type = 'UUID' AND dflt IS NULL;"
    /* format 5: column comments (columns.comment); older columns have none */
    "ALTER TABLE pxt_catalog.columns ADD COLUMN IF NOT EXISTS comment text;"
    /*
     * format 6: the uploads a background job stored before it was queued (jobs.files),
     * removed with the job unless its row took them
     */
    "ALTER TABLE pxt_catalog.jobs ADD COLUMN IF NOT EXISTS files text[];"
    /* and the scheme and host the job was asked on: its answer's media URLs use them */
    "ALTER TABLE pxt_catalog.jobs ADD COLUMN IF NOT EXISTS base_url text;"
    "INSERT INTO pxt_catalog.state (format, version) VALUES (6, 0)"
    "  ON CONFLICT (singleton) DO NOTHING;"
    "UPDATE pxt_catalog.state SET format = 6 WHERE format < 6;";

pxt_err
pxt_cat_ddl(pxt_env *env, const char *sql)
{
	return pxt_db_exec_once(env->db, sql, 0, NULL, NULL);
}

pxt_err
pxt_cat_bootstrap(pxt_env *env)
{
	PGresult *res = NULL;
	pxt_err rc;
	bool own;
	int format = 0;

	/* fast path, no lock: the catalog exists in the current format */
	rc = pxt_db_exec(env->db, "SELECT to_regclass('pxt_catalog.state') IS NOT NULL",
	    0, NULL, &res);
	if (rc != PXT_OK)
		return rc;
	if (strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
		PQclear(res);
		rc = pxt_db_exec(env->db, "SELECT format FROM pxt_catalog.state", 0, NULL,
		    &res);
		if (rc != PXT_OK)
			return rc;
		if (PQntuples(res) == 1)
			format = atoi(PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	if (format > PXT_CATALOG_FORMAT)
		return pxt_seterr(PXT_EUNSUPPORTED, "the catalog has format %d, newer than "
		    "this pxtc understands (%d): upgrade pxtc", format, PXT_CATALOG_FORMAT);
	if (format == PXT_CATALOG_FORMAT)
		return PXT_OK;
	if ((rc = pxt_cat_change_begin(env, &own)) != PXT_OK)
		return rc;
	rc = pxt_cat_ddl(env, pxt_catalog_ddl);
	return pxt_cat_change_end(env, own, rc);
}

/* The owned media released by the changes of one nesting level (one savepoint). */
struct pxt_cat_drops {
	struct pxt_cat_drops *next;	/* outer levels */
	pxt_pool *pool;			/* pxt_media_store_release records here */
	int depth;			/* env->change_depth of the level */
};

pxt_pool *
pxt_cat_drop_pool(pxt_env *env)
{
	struct pxt_cat_drops *d = env->drops;

	if (env->change_depth == 0) {
		pxt_seterr(PXT_EINTERNAL, "media released outside a catalog change");
		return NULL;
	}
	if (d != NULL && d->depth == env->change_depth)
		return d->pool;
	if ((d = calloc(1, sizeof(*d))) == NULL || (d->pool = pxt_pool_new(0)) == NULL) {
		free(d);
		pxt_seterr(PXT_ENOMEM, "out of memory releasing media");
		return NULL;
	}
	d->depth = env->change_depth;
	d->next = env->drops;
	env->drops = d;
	return d->pool;
}

void
pxt_cat_drops_settle(pxt_env *env, bool ok)
{
	struct pxt_cat_drops *d;

	while ((d = env->drops) != NULL) {
		env->drops = d->next;
		if (ok)
			pxt_media_store_keep(d->pool);	/* deletes the released files */
		pxt_pool_free(d->pool);
		free(d);
	}
	env->change_depth = 0;
}

/*
 * Leave a nested change: its released media join the enclosing level (its savepoint
 * was released) or are forgotten (it was rolled back).
 */
static void
pxt_cat_drops_leave(pxt_env *env, bool merge)
{
	struct pxt_cat_drops *d;

	while (!merge && (d = env->drops) != NULL && d->depth >= env->change_depth) {
		env->drops = d->next;
		pxt_pool_free(d->pool);
		free(d);
	}
	for (d = env->drops; merge && d != NULL && d->depth >= env->change_depth;
	    d = d->next)
		d->depth = env->change_depth - 1;
	if (env->change_depth > 0)
		env->change_depth--;
}

pxt_err
pxt_cat_change_begin(pxt_env *env, bool *own)
{
	const char *lock = "SELECT pg_advisory_xact_lock(1886942307)";	/* "pxtc" */
	pxt_err rc;

	*own = !pxt_db_in_tx(env->db);
	if (*own) {
		/* what a transaction that ended elsewhere (connection lost) released stays */
		pxt_cat_drops_settle(env, false);
		rc = pxt_db_begin(env->db);
	} else {	/* inside the caller's transaction: a failed change undoes only itself */
		rc = pxt_db_exec_once(env->db, "SAVEPOINT pxt_change", 0, NULL, NULL);
	}
	if (rc != PXT_OK)
		return rc;
	env->change_depth++;
	/* re-entrant for this session: cheap when the caller holds it already */
	rc = pxt_db_exec(env->db, lock, 0, NULL, NULL);
	if (rc != PXT_OK)
		return pxt_cat_change_end(env, *own, rc);
	return PXT_OK;
}

pxt_err
pxt_cat_change_table(pxt_table *t, bool *own)
{
	pxt_err rc;

	if (t == NULL || t->id == 0)
		return pxt_seterr(PXT_ENOTFOUND, "the table of this handle was dropped");
	if ((rc = pxt_cat_change_begin(t->env, own)) != PXT_OK)
		return rc;
	if (pxt_cat_load_table(t->env, t->path) == NULL) {
		rc = pxt_errcode();
		return pxt_cat_change_end(t->env, *own, rc);
	}
	return PXT_OK;
}

pxt_err
pxt_cat_change_end(pxt_env *env, bool own, pxt_err rc)
{
	char saved[1024];

	if (own) {
		if (rc != PXT_OK) {
			pxt_db_rollback(env->db);
			pxt_cat_drops_settle(env, false);
			return rc;
		}
		rc = pxt_db_commit(env->db);
		/* only now may the files the change took away go */
		pxt_cat_drops_settle(env, rc == PXT_OK);
		return rc;
	}
	if (rc == PXT_OK) {
		rc = pxt_db_exec_once(env->db, "RELEASE SAVEPOINT pxt_change", 0, NULL,
		    NULL);
		pxt_cat_drops_leave(env, rc == PXT_OK);
		return rc;
	}
	pxt_cat_drops_leave(env, false);
	/* keep the message of the failure, not of the clean-up */
	snprintf(saved, sizeof(saved), "%s", pxt_errmsg());
	if (pxt_db_exec_once(env->db, "ROLLBACK TO SAVEPOINT pxt_change; "
	    "RELEASE SAVEPOINT pxt_change", 0, NULL, NULL) != PXT_OK)
		pxt_log(PXT_LOG_WARN, "could not undo a failed change: %s", pxt_errmsg());
	pxt_seterr(rc, "%s", saved);
	return rc;
}

pxt_err
pxt_cat_bump(pxt_env *env, const char *op, const char *path)
{
	const char *params[] = {op, path};

	return pxt_db_exec(env->db,
	    "WITH v AS (UPDATE pxt_catalog.state SET version = version + 1,"
	    " changed_at = now() RETURNING version),"
	    " h AS (INSERT INTO pxt_catalog.history (version, op, path)"
	    " SELECT version, $1, $2 FROM v)"
	    " SELECT pg_notify('pxt_catalog', version::text) FROM v",
	    2, params, NULL);
}

pxt_err
pxt_cat_note(pxt_env *env, bool destructive, const char *fmt, ...)
{
	char desc[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	if (destructive && env->sync && !env->allow_destructive)
		return pxt_seterr(PXT_EDESTRUCTIVE, "refusing to %s: it would drop data "
		    "(allow it with --allow-destructive)", desc);
	if (env->change_fn != NULL)
		env->change_fn(env->change_ud, desc, destructive);
	pxt_log(PXT_LOG_DEBUG, "catalog: %s", desc);
	return PXT_OK;
}

int64_t
pxt_catalog_version(pxt_env *env)
{
	PGresult *res;
	int64_t v;

	if (pxt_db_exec(env->db, "SELECT version FROM pxt_catalog.state", 0, NULL,
	    &res) != PXT_OK)
		return -1;
	v = PQntuples(res) == 1 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : -1;
	PQclear(res);
	return v;
}

pxt_err
pxt_cat_split(pxt_pool *pool, const char *path, char **parent, char **name)
{
	const char *slash = strrchr(path, '/');

	*parent = slash ? pxt_pstrndup(pool, path, (size_t)(slash - path))
	    : pxt_pstrdup(pool, "");
	*name = pxt_pstrdup(pool, slash ? slash + 1 : path);
	return *parent && *name ? PXT_OK : PXT_ENOMEM;
}

pxt_err
pxt_cat_dir_id(pxt_env *env, const char *path, int64_t *id, bool *exists)
{
	const char *params[] = {path};
	PGresult *res;
	pxt_err rc;

	*id = 0;
	*exists = false;
	if (*path == '\0') {
		*exists = true;	/* the top: no row */
		return PXT_OK;
	}
	rc = pxt_db_exec(env->db, "SELECT id FROM pxt_catalog.dirs WHERE path = $1", 1,
	    params, &res);
	if (rc != PXT_OK)
		return rc;
	if (PQntuples(res) == 1) {
		*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		*exists = true;
	}
	PQclear(res);
	return PXT_OK;
}
