/*
 * compute_rows.c - evaluating the computed columns of rows on their way to storage:
 * column by column, in column order (a computed column only reads columns before it),
 * with batch-capable functions called once for all the rows (see write_int.h).
 */
#include <string.h>

#include "media/media_store_int.h"
#include "engine/udf_int.h"
#include "engine/write_int.h"

/* The short name of an error code, stored as a cell's error type. */
static const char *
pxt_err_type_name(pxt_err rc)
{
	switch (rc) {
	case PXT_EINVAL:
		return "InvalidValue";
	case PXT_ENOTFOUND:
		return "NotFound";
	case PXT_EUNAVAIL:
		return "Unavailable";
	case PXT_ENOMEM:
		return "OutOfMemory";
	case PXT_EIO:
		return "IOError";
	case PXT_ETIMEOUT:
		return "Timeout";
	case PXT_EUPSTREAM:
		return "UpstreamError";
	default:
		return "Error";
	}
}

/*
 * Store the outcome (rc, *out) of computing cell i of r: the value; or, on failure,
 * the error for on_error = abort (returned, naming the column) or NULL plus the error
 * cells for ignore.
 */
static pxt_err
pxt_cell_set(const pxt_table *t, pxt_pool *pool, pxt_wrow *r, int i, pxt_err rc,
    pxt_value *out)
{
	const pxt_column *c = &t->cols[i];

	r->given[i] = 1;
	r->et[i] = r->em[i] = NULL;
	if (rc == PXT_OK && !out->null && out->type != c->type &&
	    !(c->type == PXT_FLOAT && out->type == PXT_INT))
		rc = pxt_seterr(PXT_EINTERNAL, "returned %s, not the declared %s",
		    pxt_type_name(out->type), pxt_type_name(c->type));
	/* generated media goes to the column's destination (an object store) */
	if (rc == PXT_OK && !out->null && pxt_type_is_media(c->type))
		rc = pxt_media_place(pool, c->media_dest, PXT_MEDIA_OUTPUT, out);
	if (rc == PXT_OK) {
		if (c->type == PXT_FLOAT && out->type == PXT_INT && !out->null)
			out->u.f = (double)out->u.i;
		out->type = c->type;
		r->v[i] = *out;
		return PXT_OK;
	}
	if (rc == PXT_ENOMEM || !t->ignore_errors[i])
		return pxt_seterr(rc, "computed column '%s' of '%s': %s", c->name, t->path,
		    pxt_errmsg());
	r->v[i].type = c->type;
	r->v[i].null = true;
	r->et[i] = pxt_err_type_name(rc);
	r->em[i] = pxt_pstrdup(pool, pxt_errmsg());
	pxt_clearerr();
	return PXT_OK;
}

/*
 * Column i over rows[0..n) with one call of its batch function. *done is false when
 * the column is not a plain call of a batch-capable function or the batch failed: the
 * caller then computes row by row (each row's own error).
 */
static pxt_err
pxt_cells_batch(const pxt_table *t, pxt_pool *pool, pxt_wrow *rows, int n, int i,
    bool *done)
{
	const pxt_expr *e = pxt_write_expr(t, i);
	const pxt_udf *u = e->kind != PXT_EXPR_CALL ? NULL : e->udf ? e->udf :
	    pxt_udf_find(e->name);
	pxt_value *args, *out;
	int *which, m = 0;
	pxt_err rc = PXT_OK;

	*done = false;
	if (u == NULL || u->batch == NULL || e->nargs != u->nargs)
		return PXT_OK;
	args = pxt_pcalloc(pool, sizeof(pxt_value) * (size_t)(n * (u->nargs + 1) + 1));
	out = pxt_pcalloc(pool, sizeof(pxt_value) * (size_t)(n + 1));
	which = pxt_pcalloc(pool, sizeof(int) * (size_t)(n + 1));
	if (args == NULL || out == NULL || which == NULL)
		return PXT_ENOMEM;
	for (int r = 0; r < n; r++) {
		pxt_value *a = &args[m * u->nargs], null = {.type = u->ret, .null = true};
		bool has_null = false;

		for (int k = 0; k < e->nargs && !has_null; k++) {
			if (pxt_expr_eval_arg(e->args[k], t, rows[r].v, pool, &a[k]) !=
			    PXT_OK) {
				pxt_clearerr();
				return PXT_OK;	/* the row-by-row path reports it */
			}
			has_null = a[k].null;
			if (u->args[k] == PXT_FLOAT && a[k].type == PXT_INT) {
				a[k].u.f = (double)a[k].u.i;
				a[k].type = PXT_FLOAT;
			}
		}
		if (has_null)	/* NULL in, NULL out, as for a single call */
			rc = pxt_cell_set(t, pool, &rows[r], i, PXT_OK, &null);
		else
			which[m++] = r;
		if (rc != PXT_OK)
			return rc;
	}
	for (int k = 0; k < m; k++)
		out[k].type = u->ret;
	if (m > 0 && pxt_udf_call_batch(u, pool, args, u->nargs, m, out) != PXT_OK) {
		pxt_clearerr();
		return PXT_OK;
	}
	for (int k = 0; rc == PXT_OK && k < m; k++)
		rc = pxt_cell_set(t, pool, &rows[which[k]], i, PXT_OK, &out[k]);
	*done = rc == PXT_OK;
	return rc;
}

pxt_err
pxt_rows_compute(const pxt_table *t, pxt_pool *pool, pxt_wrow *rows, int n,
    const unsigned char *todo)
{
	pxt_value out;
	pxt_err rc;

	if (t->expr_err != NULL)
		return pxt_seterr(PXT_EINTERNAL, "%s", t->expr_err);
	for (int i = 0; i < t->ncols; i++) {
		const pxt_expr *e = pxt_write_expr(t, i);
		bool done = false;

		if (e == NULL || (todo != NULL && !todo[i]))
			continue;
		if (n > 1 && (rc = pxt_cells_batch(t, pool, rows, n, i, &done)) != PXT_OK)
			return rc;
		for (int r = 0; !done && r < n; r++) {
			rc = pxt_expr_eval(e, t, rows[r].v, pool, &out);
			if ((rc = pxt_cell_set(t, pool, &rows[r], i, rc, &out)) != PXT_OK)
				return rc;
		}
	}
	return PXT_OK;
}

pxt_err
pxt_wrow_compute(const pxt_table *t, pxt_pool *pool, pxt_wrow *r,
    const unsigned char *todo)
{
	return pxt_rows_compute(t, pool, r, 1, todo);
}
