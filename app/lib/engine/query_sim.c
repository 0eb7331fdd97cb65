/*
 * query_sim.c - similarity in named queries (see pxt_q_similarity in pxt/query.h):
 * the builder, the SQL each back-end answers it with, and the embedding of the query
 * text when a request binds it.
 *
 * With pgvector the similarity is the operator on the vector column cast to
 * vector(dim) (so an ORDER BY ... LIMIT uses the HNSW index). Without it, the SQL
 * computes the score from the stored vectors (an exact scan of the rows the rest of
 * the query keeps); pxt_search is the fast path for a top-k over a whole table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/http.h"
#include "pxt/ident.h"
#include "engine/query_int.h"
#include "search/search_int.h"
#include "engine/udf_int.h"

pxt_qexpr *
pxt_q_similarity(pxt_query *q, const char *column, pxt_qexpr *arg)
{
	const pxt_column *c = q && column ? pxt_table_find_col(q->t, column) : NULL;
	pxt_qexpr *e;

	if (q == NULL)
		return NULL;
	if (c == NULL || c->hidden || c->type != PXT_STRING) {
		pxt_q_error(q, PXT_EINVAL, "similarity: '%s' is not a String column with an "
		    "embedding index", column ? column : "(null)");
		return NULL;
	}
	if (arg == NULL || arg->op != PXT_Q_PARAM || pxt_q_type(arg) != PXT_STRING) {
		pxt_q_error(q, PXT_EINVAL, "similarity on '%s' needs a String parameter "
		    "(the text to compare with)", column);
		return NULL;
	}
	if ((e = pxt_q_node(q, PXT_Q_SIM)) == NULL)
		return NULL;
	e->a = arg;
	e->sim_col = pxt_pstrdup(q->pool, column);
	return e;
}

void
pxt_query_order_by_expr(pxt_query *q, pxt_qexpr *e, bool desc)
{
	if (q == NULL)
		return;
	if (e == NULL || (pxt_q_type(e) != PXT_FLOAT && pxt_q_type(e) != PXT_INT))
		pxt_q_error(q, PXT_EINVAL, "orders by an invalid expression%s", "");
	else if (q->norder == PXT_Q_MAX_ORDER)
		pxt_q_error(q, PXT_EINVAL, "has more than 8 sort keys%s", "");
	else {
		q->order[q->norder].e = e;
		q->order[q->norder++].desc = desc;
	}
}

void
pxt_query_select_expr(pxt_query *q, const char *name, pxt_qexpr *e)
{
	if (q == NULL)
		return;
	if (e == NULL || e->op != PXT_Q_SIM)
		pxt_q_error(q, PXT_EINVAL, "selects an invalid expression as '%s'",
		    name ? name : "(null)");
	else if (name == NULL || pxt_name_check(name, "output") != PXT_OK ||
	    pxt_table_find_col(q->t, name) != NULL)
		pxt_q_error(q, PXT_EINVAL, "selects an expression under the name '%s', which "
		    "is not a free output name", name ? name : "(null)");
	else if (q->nxsel == PXT_Q_MAX_XSEL)
		pxt_q_error(q, PXT_EINVAL, "selects more than 4 expressions%s", "");
	else {
		q->xsel[q->nxsel].name = pxt_pstrdup(q->pool, name);
		q->xsel[q->nxsel++].e = e;
	}
}

/* The SQL of similarity e for index ix; its parameter is $k. */
static char *
pxt_q_sim_sql(pxt_query *q, const struct pxt_index_info *ix, int k)
{
	static const char *const pgv[] = {"(1 - (\"%s\"::vector(%d) <=> $%d::double"
	    " precision[]::vector(%d)))", "(-(\"%s\"::vector(%d) <#> $%d::double"
	    " precision[]::vector(%d)))", "(\"%s\"::vector(%d) <-> $%d::double"
	    " precision[]::vector(%d))"};

	if (ix->pgvector)
		return pxt_psprintf(q->pool, pgv[ix->metric], ix->storage, ix->dim, k,
		    ix->dim);
	if (ix->metric == PXT_METRIC_L2)
		return pxt_psprintf(q->pool, "(SELECT sqrt(sum((x - y) * (x - y))) FROM"
		    " unnest(\"%s\", $%d::double precision[]) AS pxt_u(x, y))", ix->storage,
		    k);
	if (ix->metric == PXT_METRIC_IP)
		return pxt_psprintf(q->pool, "(SELECT sum(x * y) FROM unnest(\"%s\","
		    " $%d::double precision[]) AS pxt_u(x, y))", ix->storage, k);
	return pxt_psprintf(q->pool, "(SELECT sum(x * y) / nullif(sqrt(sum(x * x) *"
	    " sum(y * y)), 0) FROM unnest(\"%s\", $%d::double precision[]) AS pxt_u(x, y))",
	    ix->storage, k);
}

/* Resolve the similarities below e. */
static pxt_err
pxt_q_sim_walk(pxt_query *q, pxt_qexpr *e)
{
	struct pxt_index_info ix;
	pxt_err rc;

	if (e == NULL)
		return PXT_OK;
	if (e->op != PXT_Q_SIM) {
		if (e->op == PXT_Q_COL || e->op == PXT_Q_PARAM)
			return PXT_OK;
		if ((rc = pxt_q_sim_walk(q, e->a)) != PXT_OK)
			return rc;
		return pxt_q_sim_walk(q, e->b);
	}
	if ((rc = pxt_index_for_column(q->t, e->sim_col, &ix)) != PXT_OK)
		return pxt_seterr(rc, "query '%s': similarity on '%s': %s", q->name,
		    e->sim_col, pxt_errmsg());
	if ((e->sim_sql = pxt_q_sim_sql(q, &ix, e->a->param + 1)) == NULL ||
	    (q->params[e->a->param].embed_fn = pxt_pstrdup(q->pool, ix.fn)) == NULL)
		return PXT_ENOMEM;
	return PXT_OK;
}

pxt_err
pxt_q_sim_resolve(pxt_query *q)
{
	pxt_err rc = pxt_q_sim_walk(q, q->where);

	for (int i = 0; rc == PXT_OK && i < q->norder; i++)
		rc = pxt_q_sim_walk(q, q->order[i].e);
	for (int i = 0; rc == PXT_OK && i < q->nxsel; i++)
		rc = pxt_q_sim_walk(q, q->xsel[i].e);
	return rc;
}

pxt_err
pxt_q_sim_embed(pxt_req *req, pxt_query *q, const char **values)
{
	for (int i = 0; i < q->nparams; i++) {
		const char *fn = q->params[i].embed_fn;
		const pxt_udf *u = fn ? pxt_udf_find(fn) : NULL;
		pxt_value arg = {PXT_STRING, false, {0}}, out = {PXT_ARRAY, false, {0}};
		char *v;
		pxt_err rc;

		if (fn == NULL || values[i] == NULL)
			continue;
		if (u == NULL)
			return pxt_req_fail(req, PXT_EUNAVAIL, NULL, "the embedding function "
			    "'%s' is not loaded", fn);
		arg.u.str.s = values[i];
		arg.u.str.len = strlen(values[i]);
		if ((rc = pxt_udf_call(u, pxt_req_pool(req), &arg, 1, &out)) != PXT_OK)
			return pxt_req_fail(req, rc, q->params[i].name, "embedding parameter "
			    "'%s' with %s: %s", q->params[i].name, fn, pxt_errmsg());
		if (out.null || out.u.str.len < 2 ||
		    (v = pxt_pstrndup(pxt_req_pool(req), out.u.str.s, out.u.str.len)) == NULL)
			return pxt_req_fail(req, out.null ? PXT_EINVAL : PXT_ENOMEM,
			    q->params[i].name, "%s gave no vector for parameter '%s'", fn,
			    q->params[i].name);
		/* the Array value's JSON [..] as PostgreSQL's array text {..} */
		v[0] = '{';
		v[out.u.str.len - 1] = '}';
		values[i] = v;
	}
	return PXT_OK;
}
