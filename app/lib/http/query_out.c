/*
 * query_out.c - the answer of a query route, one row at a time: the selected columns,
 * error cells, similarities and expression outputs (those calling functions evaluated
 * here, in C, over the columns the SQL fetched for them), or with return_scalar the
 * one output's value alone.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/http.h"
#include "engine/query_int.h"
#include "http/http_int.h"
#include "media/media_out_int.h"

/* A value computed in C as JSON of its type. */
static void
pxt_q_write_value(pxt_jw *w, const pxt_value *v)
{
	if (v->null) {
		pxt_jw_null(w);
		return;
	}
	switch (v->type) {
	case PXT_INT:
		pxt_jw_int(w, v->u.i);
		break;
	case PXT_FLOAT:
		if (isfinite(v->u.f))
			pxt_jw_double(w, v->u.f);
		else
			pxt_jw_null(w);
		break;
	case PXT_BOOL:
		pxt_jw_bool(w, v->u.b);
		break;
	case PXT_JSON:
		pxt_jw_value(w, v->u.json);
		break;
	case PXT_ARRAY:		/* its JSON text */
		pxt_jw_raw(w, v->u.str.s, v->u.str.len);
		break;
	case PXT_IMAGE:
	case PXT_VIDEO:
	case PXT_AUDIO:
	case PXT_DOCUMENT:
		pxt_media_write_json(w, v->u.str.s, v->u.str.len);
		break;
	default:
		pxt_jw_str(w, v->u.str.s, v->u.str.len);
		break;
	}
}

/* The expression outputs, from result column col (SQL ones) or evaluated in C. */
static pxt_err
pxt_q_write_outs(pxt_req *req, pxt_jw *w, pxt_query *q, const PGresult *res, int row,
    int col, bool keys)
{
	for (int i = 0; i < q->nouts; i++) {
		const struct pxt_qout *o = &q->outs[i];
		pxt_column c = {.name = o->name, .type = o->type};
		pxt_value v;
		pxt_err rc;

		if (keys)
			pxt_jw_key(w, o->name);
		if (!o->in_c) {
			pxt_value_write(w, &c, res, row, col++);
			continue;
		}
		if ((rc = pxt_q_eval_out(q, i, res, row, pxt_req_pool(req), &v)) != PXT_OK)
			return pxt_req_fail(req, rc, o->name, "query '%s', output '%s': %s",
			    q->name, o->name, pxt_errmsg());
		pxt_q_write_value(w, &v);
	}
	return PXT_OK;
}

/* return_scalar: the one output, whichever kind it is, alone. */
static pxt_err
pxt_q_write_scalar(pxt_req *req, pxt_jw *w, pxt_query *q, const PGresult *res,
    int row)
{
	for (int i = 0; i < q->t->ncols; i++)
		if (pxt_q_selected(q, &q->t->cols[i])) {
			pxt_value_write(w, &q->t->cols[i], res, row, 0);
			return PXT_OK;
		}
	if (q->nerrsel > 0 || q->nxsel > 0) {
		if (PQgetisnull(res, row, 0))
			pxt_jw_null(w);
		else if (q->nerrsel > 0)
			pxt_jw_cstr(w, PQgetvalue(res, row, 0));
		else
			pxt_jw_double(w, strtod(PQgetvalue(res, row, 0), NULL));
		return PXT_OK;
	}
	return pxt_q_write_outs(req, w, q, res, row, 0, false);
}

pxt_err
pxt_q_write_row(pxt_req *req, pxt_jw *w, const struct pxt_query_route *qr,
    const PGresult *res, int row)
{
	pxt_query *q = qr->q;
	int col;
	pxt_err rc;

	if (qr->return_scalar)
		return pxt_q_write_scalar(req, w, q, res, row);
	pxt_jw_obj_begin(w);
	col = pxt_value_write_fields(w, q->t, pxt_q_selected, q, res, row, 0);
	for (int i = 0; i < q->nerrsel; i++, col++) {
		char key[128];

		snprintf(key, sizeof(key), "%s_%s", q->errsel[i].col, q->errsel[i].msg ?
		    "errormsg" : "errortype");
		pxt_jw_key(w, key);
		if (PQgetisnull(res, row, col))
			pxt_jw_null(w);
		else
			pxt_jw_cstr(w, PQgetvalue(res, row, col));
	}
	for (int i = 0; i < q->nxsel; i++, col++) {
		pxt_jw_key(w, q->xsel[i].name);
		if (PQgetisnull(res, row, col))
			pxt_jw_null(w);
		else
			pxt_jw_double(w, strtod(PQgetvalue(res, row, col), NULL));
	}
	if ((rc = pxt_q_write_outs(req, w, q, res, row, col, true)) != PXT_OK)
		return rc;
	pxt_jw_obj_end(w);
	return PXT_OK;
}

/*
 * The last media output of q (the answer's order: columns, then expression outputs):
 * *k its index in q->outs, or -1 for a column, whose index in q->t goes to *ci.
 * Returns its name, or NULL when q has no media output.
 */
static const char *
pxt_q_file_find(const pxt_query *q, int *k, int *ci, pxt_type *type)
{
	*k = *ci = -1;
	for (int i = q->nouts - 1; i >= 0; i--)
		if (pxt_type_is_media(q->outs[i].type)) {
			*k = i;
			*type = q->outs[i].type;
			return q->outs[i].name;
		}
	for (int i = q->t->ncols - 1; i >= 0; i--)
		if (pxt_type_is_media(q->t->cols[i].type) && pxt_q_selected(q,
		    &q->t->cols[i])) {
			*ci = i;
			*type = q->t->cols[i].type;
			return q->t->cols[i].name;
		}
	return NULL;
}

const char *
pxt_q_file_output(const pxt_query *q, pxt_type *type)
{
	int k, ci;

	return pxt_q_file_find(q, &k, &ci, type);
}

pxt_err
pxt_q_file_answer(pxt_req *req, pxt_query *q, const PGresult *res, int row)
{
	int k, ci, col = 0;
	pxt_type type;
	const char *name = pxt_q_file_find(q, &k, &ci, &type);
	pxt_value v;
	pxt_err rc;

	if (name == NULL)	/* the table lost the column since the route was added */
		return pxt_req_fail(req, PXT_ENOTFOUND, NULL, "query '%s' has no media "
		    "output to answer with", q->name);
	if (k < 0) {
		for (int i = 0; i < ci; i++)
			col += pxt_q_selected(q, &q->t->cols[i]);
	} else if (q->outs[k].in_c) {
		if ((rc = pxt_q_eval_out(q, k, res, row, pxt_req_pool(req), &v)) != PXT_OK)
			return pxt_req_fail(req, rc, name, "query '%s', output '%s': %s",
			    q->name, name, pxt_errmsg());
		return pxt_file_send(req, name, v.null ? NULL : pxt_pstrndup(
		    pxt_req_pool(req), v.u.str.s, v.u.str.len));
	} else {
		for (int i = 0; i < q->t->ncols; i++)
			col += pxt_q_selected(q, &q->t->cols[i]);
		col += q->nerrsel + q->nxsel;
		for (int i = 0; i < k; i++)
			col += !q->outs[i].in_c;
	}
	return pxt_file_send(req, name, PQgetisnull(res, row, col) ? NULL :
	    PQgetvalue(res, row, col));
}
