/*
 * computed_add.c - adding a computed column (catalog, storage, existing rows) and
 * computing a column again (see pxt/compute.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/ident.h"
#include "media/media_store_int.h"
#include "engine/write_int.h"

/* Add the storage and catalog of computed column name (type) holding json. */
static pxt_err
pxt_computed_create(pxt_table *t, const char *name, pxt_type type, const char *json,
    const pxt_computed_opts *o)
{
	pxt_coldef def = {name, type, 0, 0, NULL, NULL};
	char tid[32], pos[16];
	const char *params[5] = {tid, name, json, o->on_error == PXT_ON_ERROR_IGNORE ?
	    "ignore" : "abort", o->destination};
	pxt_buf b = PXT_BUF_INIT;
	PGresult *res;
	pxt_err rc;

	snprintf(tid, sizeof(tid), "%lld", (long long)t->id);
	rc = pxt_db_exec(t->env->db, "SELECT coalesce(max(position) + 1, 0) FROM"
	    " pxt_catalog.columns WHERE table_id = $1", 1, params, &res);
	if (rc != PXT_OK)
		return rc;
	snprintf(pos, sizeof(pos), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	pxt_buf_addf(&b, "ALTER TABLE %s ADD COLUMN ", t->storage_sql);
	pxt_cat_column_sql(&b, &def);
	pxt_buf_addf(&b, ", ADD COLUMN \"_pxt_et_%s\" text, ADD COLUMN \"_pxt_em_%s\" "
	    "text", pos, pos);
	rc = b.failed ? PXT_ENOMEM : pxt_cat_ddl(t->env, b.data);
	pxt_buf_free(&b);
	if (rc == PXT_OK)
		rc = pxt_cat_insert_column(t->env, t->id, &def, atoi(pos));
	if (rc == PXT_OK)
		rc = pxt_db_exec(t->env->db, "UPDATE pxt_catalog.columns SET computed ="
		    " $3::jsonb, on_error = $4, media_dest = $5 WHERE table_id = $1 AND"
		    " name = $2", 5, params, NULL);
	return rc;
}

/* if_exists for an existing column: *done when nothing more is to be done. */
static pxt_err
pxt_computed_existing(pxt_table *t, int idx, const pxt_expr *e, pxt_type type,
    const char *json, pxt_if_exists if_exists, bool *done)
{
	const pxt_column *c = &t->cols[idx];
	const pxt_expr *have = pxt_write_expr(t, idx);
	char tid[32];
	const char *params[3] = {tid, c->name, json};

	*done = false;
	snprintf(tid, sizeof(tid), "%lld", (long long)t->id);
	if (if_exists == PXT_IF_EXISTS_ERROR)
		return pxt_seterr(PXT_EEXISTS, "column '%s' already exists in table '%s'",
		    c->name, t->path);
	if (if_exists == PXT_IF_EXISTS_IGNORE && c->computed != NULL &&
	    pxt_expr_equal(have, e) && type == c->type) {
		*done = true;
		if (t->expr_err == NULL)
			return PXT_OK;
		/* the same expression, a function's signature changed: record the new */
		return pxt_cat_note(t->env, false, "record the new signatures of computed "
		    "column '%s' of '%s'", c->name, t->path) != PXT_OK ? pxt_errcode() :
		    pxt_db_exec(t->env->db, "UPDATE pxt_catalog.columns SET computed ="
		    " $3::jsonb WHERE table_id = $1 AND name = $2", 3, params, NULL);
	}
	if (if_exists == PXT_IF_EXISTS_IGNORE && !t->env->sync)
		return pxt_seterr(PXT_EEXISTS, "column '%s' of '%s' already exists with a "
		    "different definition", c->name, t->path);
	if (c->primary_key)
		return pxt_seterr(PXT_EINVAL, "column '%s' is part of the primary key of "
		    "'%s' and cannot be replaced", c->name, t->path);
	if (pxt_cat_col_in_use(t, c->name, "replace") != PXT_OK)
		return pxt_errcode();
	if (pxt_cat_note(t->env, true, "re-create computed column '%s' of '%s' and "
	    "compute it again", c->name, t->path) != PXT_OK)
		return pxt_errcode();
	return pxt_cat_drop_column(t->env, t, c->name);
}

/* destination= is for media results and must name a media store. */
static pxt_err
pxt_computed_dest_check(pxt_table *t, const char *name, pxt_type type,
    const char *dest)
{
	char what[160];

	if (dest == NULL)
		return PXT_OK;
	if (!pxt_type_is_media(type))
		return pxt_seterr(PXT_EINVAL, "computed column '%s' of '%s': destination= "
		    "is for media results, and this one is %s", name, t->path,
		    pxt_type_name(type));
	snprintf(what, sizeof(what), "computed column '%s': destination", name);
	if (pxt_media_dest_check(t->pool, dest, what) != PXT_OK)
		return PXT_EINVAL;
	pxt_media_dest_note(dest);
	return PXT_OK;
}

pxt_err
pxt_computed_add_locked(pxt_table *t, const char *name, pxt_expr *e,
    pxt_if_exists if_exists, const pxt_computed_opts *o)
{
	const pxt_column *have;
	pxt_buf json = PXT_BUF_INIT;
	pxt_type type;
	bool done = false;
	pxt_err rc;

	if (t->is_view && pxt_table_find_col(t, name) != NULL &&
	    pxt_table_find_col(t, name)->computed == NULL)
		return pxt_seterr(PXT_EINVAL, "column '%s' of view '%s' comes from its "
		    "iterator", name, t->path);
	if ((rc = pxt_expr_check(e, t, &type)) != PXT_OK)
		return pxt_seterr(rc, "computed column '%s' of '%s': %s", name, t->path,
		    pxt_errmsg());
	if ((rc = pxt_computed_dest_check(t, name, type, o->destination)) != PXT_OK)
		return rc;
	if ((rc = pxt_expr_serialize(e, &json)) != PXT_OK)
		goto out;
	have = pxt_table_find_col(t, name);
	if (have != NULL && (rc = pxt_computed_existing(t, (int)(have - t->cols), e,
	    type, json.data, if_exists, &done)) != PXT_OK)
		goto out;
	if (done)
		goto out;
	if (have == NULL && (rc = pxt_cat_note(t->env, false, "add computed column "
	    "'%s' (%s) to '%s'", name, pxt_type_name(type), t->path)) != PXT_OK)
		goto out;
	if ((rc = pxt_computed_create(t, name, type, json.data, o)) != PXT_OK ||
	    (rc = pxt_cat_bump(t->env, "add_computed_column", t->path)) != PXT_OK)
		goto out;
	if (pxt_cat_load_table(t->env, t->path) == NULL) {
		rc = pxt_errcode();
		goto out;
	}
	/* the rows already there get their value now, in the same transaction */
	rc = pxt_recompute_locked(t, name, false, o->progress, o->progress_ud);
out:
	pxt_buf_free(&json);
	return rc;
}

/* After a failed change: the handle as the catalog has it, the error kept. */
static void
pxt_computed_reload_after(pxt_table *t, pxt_err rc)
{
	char *msg = strdup(pxt_errmsg());

	if (!pxt_db_in_tx(t->env->db) || t->env->user_tx)
		pxt_cat_load_table(t->env, t->path);
	pxt_seterr(rc, "%s", msg ? msg : pxt_strerror(rc));
	free(msg);
}

static pxt_err
pxt_computed_add(pxt_table *t, const char *name, pxt_expr *expr,
    pxt_if_exists if_exists, const pxt_computed_opts *opts)
{
	pxt_computed_opts o = {sizeof(o), PXT_ON_ERROR_ABORT, NULL, NULL, NULL};
	pxt_err rc;
	bool own;

	if (opts != NULL)
		memcpy(&o, opts, opts->size < sizeof(o) ? opts->size : sizeof(o));
	if ((rc = pxt_name_check(name, "column")) != PXT_OK)
		goto out;
	if (t == NULL || t->id == 0) {
		rc = pxt_seterr(PXT_ENOTFOUND, "the table of this handle was dropped");
		goto out;
	}
	if (expr == NULL) {
		rc = pxt_seterr(PXT_EINVAL, "computed column '%s': no expression (a "
		    "builder failed: %s)", name, *pxt_errmsg() ? pxt_errmsg() :
		    "out of memory");
		goto out;
	}
	if ((rc = pxt_cat_change_table(t, &own)) != PXT_OK)
		goto out;
	rc = pxt_computed_add_locked(t, name, expr, if_exists, &o);
	if (rc == PXT_OK && t->env->sync)
		rc = pxt_cat_declare(t->env, t->path, name);
	rc = pxt_cat_change_end(t->env, own, rc);
	if (rc == PXT_OK && pxt_cat_load_table(t->env, t->path) == NULL)
		rc = pxt_errcode();
	else if (rc != PXT_OK)
		pxt_computed_reload_after(t, rc);
out:
	pxt_expr_free(expr);
	return rc;
}

pxt_err
pxt_add_computed_column_opts(pxt_table *t, const char *name, pxt_expr *expr,
    pxt_if_exists if_exists, const pxt_computed_opts *opts)
{
	pxt_err rc;

	if (!pxt_decl_enter_table(t, &rc)) {
		pxt_expr_free(expr);
		return rc;
	}
	rc = pxt_computed_add(t, name, expr, if_exists, opts);
	return pxt_decl_leave(t->env, rc, "add computed column '%s' to '%s'",
	    name ? name : "", t->path);
}

pxt_err
pxt_add_computed_column(pxt_table *t, const char *name, pxt_expr *expr,
    pxt_if_exists if_exists)
{
	return pxt_add_computed_column_opts(t, name, expr, if_exists, NULL);
}
