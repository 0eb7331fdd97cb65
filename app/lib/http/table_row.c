/*
 * table_row.c - what a table route reads: which columns are its inputs and outputs,
 * the request's body (a JSON object, or a multipart form) as the row of its table,
 * each value checked against its column (see http_int.h).
 */
#include <stdio.h>
#include <string.h>

#include "catalog/catalog_int.h"
#include "engine/value_int.h"
#include "engine/write_int.h"
#include "http/http_int.h"

bool
pxt_in_list(char **list, const char *name)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

bool
pxt_is_input(const struct pxt_table_route *tr, const pxt_column *c)
{
	if (c->computed != NULL || c->hidden)
		return false;
	if (pxt_in_list(tr->uploads, c->name))
		return true;
	return tr->inputs == NULL || pxt_in_list(tr->inputs, c->name);
}

bool
pxt_is_output(const void *ud, const pxt_column *c)
{
	const struct pxt_table_route *tr = ud;

	if (c->hidden)
		return false;
	return tr->outputs == NULL || pxt_in_list(tr->outputs, c->name);
}

/* The request body as an object whose keys are all known columns. */
static pxt_err
pxt_body_object(pxt_req *req, const pxt_table *t, const pxt_json **obj)
{
	pxt_err rc;

	if ((rc = pxt_req_json(req, obj)) != PXT_OK)
		return rc;
	if ((*obj)->type != PXT_JSON_OBJECT)
		return pxt_req_fail(req, PXT_EINVAL, NULL, "the body must be a JSON object "
		    "of column values, got %s", pxt_json_type_name((*obj)->type));
	for (size_t i = 0; i < (*obj)->u.obj.n; i++) {
		const char *k = (*obj)->u.obj.keys[i];

		if (pxt_table_find_col(t, k) == NULL)
			return pxt_req_fail(req, PXT_EINVAL, k, "unknown column '%.64s' for "
			    "table '%s'", k, t->path);
	}
	return PXT_OK;
}

pxt_err
pxt_table_read(pxt_req *req, const struct pxt_table_route *tr, const pxt_json **obj)
{
	const char *ct = pxt_req_header(req, "Content-Type");

	if (req->upload != NULL)
		return pxt_form_object(req, tr, obj);
	/* a route taking uploads says so when the body is neither of its two forms */
	if (tr->uploads != NULL && !req->body_too_large && !pxt_is_json_type(ct))
		return pxt_req_fail(req, PXT_EMEDIATYPE, ct, "this route takes "
		    "application/json or multipart/form-data (with the file of '%s'), not "
		    "%s", tr->uploads[0], ct && *ct ? ct : "a body without Content-Type");
	return pxt_body_object(req, tr->t, obj);
}

pxt_err
pxt_table_value(pxt_req *req, const pxt_column *c, const pxt_json *v,
    char *const *roots, int nroots, char **out)
{
	pxt_err rc = pxt_value_param(req->pool, c, v, roots, nroots, out);

	if (rc == PXT_EINVAL)
		return pxt_req_fail(req, rc, c->name, "%s", pxt_errmsg());
	return rc;
}

pxt_err
pxt_table_body_row(pxt_req *req, const struct pxt_table_route *tr, const pxt_json *obj,
    bool insert, pxt_wrow *r)
{
	const pxt_table *t = tr->t;
	pxt_err rc;

	if ((rc = pxt_wrow_init(req->pool, t, r)) != PXT_OK)
		return rc;
	for (int i = 0; i < t->ncols; i++) {
		const pxt_column *c = &t->cols[i];
		const pxt_json *v = pxt_json_get(obj, c->name);
		char *text;

		if (!insert && (v == NULL || c->primary_key))
			continue;
		if (v != NULL && !pxt_is_input(tr, c))
			return pxt_req_fail(req, PXT_EINVAL, c->name, "column '%s' cannot be "
			    "set by this route", c->name);
		/* Required[...]: checked before any SQL, before a file is kept */
		if (c->computed == NULL && !c->nullable && (v != NULL ? v->type ==
		    PXT_JSON_NULL : insert && !pxt_col_has_default(c, tr->now)))
			return pxt_req_fail(req, pxt_required_error(t, c), c->name, "%s",
			    pxt_errmsg());
		if (v == NULL)
			continue;
		if ((rc = pxt_table_value(req, c, v, req->app->media_roots,
		    req->app->nmedia_roots, &text)) != PXT_OK)
			return rc;
		if ((rc = pxt_value_from_text(req->pool, c, text, &r->v[i])) != PXT_OK)
			return pxt_req_fail(req, rc, c->name, "%s", pxt_errmsg());
		r->given[i] = 1;
	}
	return PXT_OK;
}

pxt_err
pxt_table_row_check(pxt_req *req, const struct pxt_table_route *tr,
    const pxt_json *obj)
{
	pxt_wrow r;

	if (tr->kind == PXT_ROUTE_DELETE)
		return PXT_OK;
	return pxt_table_body_row(req, tr, obj, tr->kind == PXT_ROUTE_INSERT, &r);
}

char *
pxt_outputs_sql(pxt_req *req, const struct pxt_table_route *tr)
{
	pxt_buf b = PXT_BUF_INIT;
	char *s;

	pxt_value_sql_outlist(&b, tr->out, pxt_is_output, tr);
	s = b.failed ? NULL : pxt_pstrdup(req->pool, pxt_buf_str(&b));
	pxt_buf_free(&b);
	return s;
}
