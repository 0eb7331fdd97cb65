/*
 * query_sim.c - similarity in named queries (see pxt_q_similarity in pxt/query.h):
 * the builder and the SQL each back-end answers it with, which the query's
 * compilation asks for through q->sim_resolve (the engine does not know the search
 * indexes). The query route embeds the query text when a request binds it
 * (http/query_route.c).
 *
 * With pgvector the similarity is the operator on the vector column cast to
 * vector(dim) (so an ORDER BY ... LIMIT uses the HNSW index). Without it, the SQL
 * computes the score from the stored vectors (an exact scan of the rows the rest of
 * the query keeps); pxt_search is the fast path for a top-k over a whole table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/ident.h"
#include "engine/query_int.h"
#include "search/search_int.h"

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

/*
 * Make the SQL of every similarity in q for the embedding index on its column (the
 * back-end decides: pgvector's operators or a scan of the vectors), and mark their
 * parameters to be embedded. PXT_ENOTFOUND when the column has no embedding index.
 */
static pxt_err
pxt_q_sim_resolve(pxt_query *q)
{
	pxt_err rc = pxt_q_sim_walk(q, q->where);

	for (int i = 0; rc == PXT_OK && i < q->norder; i++)
		rc = pxt_q_sim_walk(q, q->order[i].e);
	for (int i = 0; rc == PXT_OK && i < q->nxsel; i++)
		rc = pxt_q_sim_walk(q, q->xsel[i].e);
	return rc;
}

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
	q->sim_resolve = pxt_q_sim_resolve;
	e->sim_col = pxt_pstrdup(q->pool, column);
	return e;
}
