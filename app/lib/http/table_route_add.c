/*
 * table_route_add.c - adding the generic table routes (pxt_add_insert_route,
 * pxt_add_update_route, pxt_add_delete_route, pxt_add_compute_route; see
 * pxt/router.h): the options checked
 * against the table once, at start-up, so that a request never meets a route that
 * cannot work (an update of a keyless table without match_columns, an insert that
 * cannot be given a required column).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_int.h"
#include "http/export_sql_int.h"
#include "http/http_int.h"
#include "engine/write_int.h"

/* Copy a NULL-terminated list into pool, checking every name is a column of t. */
static pxt_err
pxt_copy_cols(pxt_pool *pool, const pxt_table *t, const char *const *in, char ***out,
    const char *what)
{
	size_t n = 0;

	*out = NULL;
	if (in == NULL)
		return PXT_OK;
	while (in[n] != NULL)
		n++;
	if ((*out = pxt_pcalloc(pool, sizeof(char *) * (n + 1))) == NULL)
		return PXT_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (pxt_table_find_col(t, in[i]) == NULL)
			return pxt_seterr(PXT_ENOTFOUND, "%s: table '%s' has no column '%s'",
			    what, t->path, in[i]);
		if (((*out)[i] = pxt_pstrdup(pool, in[i])) == NULL)
			return PXT_ENOMEM;
	}
	return PXT_OK;
}

/* Whether t has a declared primary key. */
static bool
pxt_has_key(const pxt_table *t)
{
	for (int i = 0; i < t->ncols; i++)
		if (t->cols[i].primary_key)
			return true;
	return false;
}

static pxt_err
pxt_add_table_route(pxt_router *r, const char *path, pxt_table *t,
    const pxt_route_opts *opts, enum pxt_route_kind kind)
{
	pxt_pool *pool = r->app->pool;
	struct pxt_table_route *tr;
	pxt_table *out = t;
	bool ins = kind == PXT_ROUTE_INSERT || kind == PXT_ROUTE_COMPUTE;
	pxt_route_opts o;
	pxt_err rc;

	/* the caller's struct may be older (smaller): the fields it lacks stay unset */
	if (opts != NULL) {
		if (opts->size < sizeof(opts->size) || opts->size > sizeof(o))
			return pxt_seterr(PXT_EINVAL, "router '%s', route %s: pxt_route_opts "
			    "size %zu, this pxtc takes %zu to %zu bytes (begin the "
			    "initializer with PXT_ROUTE_OPTS_INIT; rebuild the router against "
			    "these headers)", r->name, path, opts->size, sizeof(opts->size),
			    sizeof(o));
		memset(&o, 0, sizeof(o));
		memcpy(&o, opts, opts->size);
		opts = &o;
	}
	if (opts != NULL && (opts->one_row || opts->return_scalar || (ins &&
	    opts->match_columns) || (!ins && opts->now_columns) || (kind ==
	    PXT_ROUTE_DELETE && (opts->inputs || opts->outputs || opts->uploadfile_inputs ||
	    opts->return_fileresponse))))
		return pxt_seterr(PXT_EINVAL, "router '%s', route %s: %s", r->name, path,
		    ins ? "an insert or compute route takes inputs, outputs, "
		    "uploadfile_inputs, now_columns and return_fileresponse" : kind ==
		    PXT_ROUTE_UPDATE ? "an update route takes inputs, outputs, "
		    "uploadfile_inputs, match_columns and return_fileresponse" :
		    "a delete route takes only match_columns");
	if (t == NULL)
		return pxt_seterr(PXT_ENOTFOUND, "router '%s': route %s has no table (did "
		    "the setup program run?)", r->name, path);
	/* a compute route on a view computes the base row, then answers its view rows */
	if (t->is_view && kind == PXT_ROUTE_COMPUTE) {
		if ((t = pxt_get_table(r->app->env, t->base_path)) == NULL)
			return pxt_seterr(PXT_ENOTFOUND, "router '%s', route %s: %s", r->name,
			    path, pxt_errmsg());
		if (t->is_view)
			return pxt_seterr(PXT_EINVAL, "router '%s', route %s: '%s' is a view "
			    "over the view '%s': a compute route takes a table or a view "
			    "over a table", r->name, path, out->path, t->path);
	}
	if (t->is_view)
		return pxt_seterr(PXT_EINVAL, "router '%s': route %s writes view '%s'; a "
		    "view is kept current from its base '%s'", r->name, path, t->path,
		    t->base_path);
	if ((tr = pxt_pcalloc(pool, sizeof(*tr))) == NULL)
		return PXT_ENOMEM;
	tr->kind = kind;
	tr->t = t;
	tr->out = out;
	if (opts != NULL && ((rc = pxt_copy_cols(pool, t, opts->inputs, &tr->inputs,
	    "inputs")) != PXT_OK || (rc = pxt_copy_cols(pool, out, opts->outputs,
	    &tr->outputs, "outputs")) != PXT_OK || (rc = pxt_copy_cols(pool, t,
	    opts->match_columns, &tr->match, "match_columns")) != PXT_OK ||
	    (rc = pxt_copy_cols(pool, t, opts->now_columns, &tr->now, "now_columns"))
	    != PXT_OK || (rc = pxt_copy_cols(pool, t, opts->uploadfile_inputs,
	    &tr->uploads, "uploadfile_inputs")) != PXT_OK))
		return pxt_seterr(rc, "router '%s', route %s: %s", r->name, path,
		    pxt_errmsg());
	if (!ins && tr->match == NULL && !pxt_has_key(t))
		return pxt_seterr(PXT_EINVAL, "router '%s', route %s: table '%s' has no "
		    "primary key, so a%s route needs match_columns (the columns that "
		    "select the rows)", r->name, path, t->path, kind == PXT_ROUTE_UPDATE ?
		    "n update" : " delete");
	/* an insert route that cannot be given a required column could never insert */
	for (int i = 0; ins && i < t->ncols; i++) {
		const pxt_column *c = &t->cols[i];

		if (c->computed == NULL && !c->nullable && !pxt_is_input(tr, c) &&
		    !pxt_col_has_default(c, tr->now))
			return pxt_seterr(PXT_EINVAL, "router '%s', route %s: column '%s' is "
			    "required (Required[%s]) and has no default: add it to the "
			    "route's inputs", r->name, path, c->name, pxt_type_name(c->type));
	}
	for (char **n = tr->now; n != NULL && *n != NULL; n++)
		if (pxt_table_find_col(t, *n)->type != PXT_TIMESTAMP)
			return pxt_seterr(PXT_EINVAL, "router '%s', route %s: now_columns: "
			    "column '%s' is %s, not a Timestamp", r->name, path, *n,
			    pxt_type_name(pxt_table_find_col(t, *n)->type));
	tr->fileresponse = opts != NULL && opts->return_fileresponse;
	if (tr->fileresponse && pxt_file_column(tr) < 0)
		return pxt_seterr(PXT_EINVAL, "router '%s', route %s: return_fileresponse "
		    "needs a media column among the outputs", r->name, path);
	for (char **u = tr->uploads; u != NULL && *u != NULL; u++)
		if (!pxt_type_is_media(pxt_table_find_col(t, *u)->type))
			return pxt_seterr(PXT_EINVAL, "router '%s', route %s: uploadfile_inputs: "
			    "column '%s' is %s, not a media column", r->name, path, *u,
			    pxt_type_name(pxt_table_find_col(t, *u)->type));
	if (opts != NULL && opts->export_sql != NULL && (rc = pxt_export_new(pool, tr,
	    opts->export_sql, &tr->export)) != PXT_OK)
		return pxt_seterr(rc, "router '%s', route %s: %s", r->name, path,
		    pxt_errmsg());
	/* uploads are stored before the job is queued; a file answer cannot wait */
	if (opts != NULL && opts->background && tr->fileresponse)
		return pxt_seterr(PXT_EINVAL, "router '%s', route %s: a background route "
		    "answers with a job: it takes no return_fileresponse", r->name, path);
	if ((rc = pxt_add_route(r, PXT_POST, path, pxt_table_handler, tr)) != PXT_OK)
		return rc;
	pxt_route_describe(r, kind, tr);
	if (opts != NULL && opts->background)
		return pxt_job_route_add(r, false);
	return PXT_OK;
}

pxt_err
pxt_add_insert_route(pxt_router *r, const char *path, pxt_table *t,
    const pxt_route_opts *opts)
{
	return pxt_add_table_route(r, path, t, opts, PXT_ROUTE_INSERT);
}

pxt_err
pxt_add_update_route(pxt_router *r, const char *path, pxt_table *t,
    const pxt_route_opts *opts)
{
	return pxt_add_table_route(r, path, t, opts, PXT_ROUTE_UPDATE);
}

pxt_err
pxt_add_delete_route(pxt_router *r, const char *path, pxt_table *t,
    const pxt_route_opts *opts)
{
	return pxt_add_table_route(r, path, t, opts, PXT_ROUTE_DELETE);
}

pxt_err
pxt_add_compute_route(pxt_router *r, const char *path, pxt_table *t,
    const pxt_route_opts *opts)
{
	return pxt_add_table_route(r, path, t, opts, PXT_ROUTE_COMPUTE);
}
