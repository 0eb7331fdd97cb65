/*
 * query_run.c - compiling a query to SQL (again whenever the catalog changed). Binding
 * its parameters from a request and answering it are the query route's
 * (http/query_route.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/query_int.h"


bool
pxt_q_selected(const void *ud, const pxt_column *c)
{
	const pxt_query *q = ud;

	if (c->hidden)
		return false;
	if (q->select == NULL)
		return true;
	for (char **s = q->select; *s != NULL; s++)
		if (strcmp(*s, c->name) == 0)
			return true;
	return false;
}

static void
pxt_q_expr_sql(pxt_buf *b, const pxt_qexpr *e)
{
	static const char *const ops[] = {[PXT_Q_EQ] = " = ", [PXT_Q_LT] = " < ",
	    [PXT_Q_GT] = " > ", [PXT_Q_LIKE] = " LIKE ", [PXT_Q_AND] = " AND ",
	    [PXT_Q_OR] = " OR "};
	const pxt_query *q = e->q;

	switch (e->op) {
	case PXT_Q_COL:
		pxt_quote_ident(b, q->t->col_storage[e->col_index]);
		break;
	case PXT_Q_PARAM:
		pxt_buf_addf(b, "$%d::%s", e->param + 1,
		    pxt_type_sql(q->params[e->param].type, PXT_TYPE_NONE));
		break;
	case PXT_Q_SIM:
		pxt_buf_adds(b, e->sim_sql ? e->sim_sql : "NULL");
		break;
	default:
		pxt_buf_addc(b, '(');
		pxt_q_expr_sql(b, e->a);
		pxt_buf_adds(b, ops[e->op]);
		pxt_q_expr_sql(b, e->b);
		pxt_buf_addc(b, ')');
		break;
	}
}

/* Append " ORDER BY ..." (with the insertion order as the tie-breaker). */
static pxt_err
pxt_q_order_sql(pxt_buf *b, const pxt_query *q)
{
	const pxt_table *t = q->t;

	for (int i = 0; i < q->norder; i++) {
		const pxt_column *c = q->order[i].e ? NULL : pxt_table_find_col(t,
		    q->order[i].col);

		if (q->order[i].e != NULL) {
			pxt_buf_adds(b, i == 0 ? " ORDER BY " : ", ");
			pxt_q_expr_sql(b, q->order[i].e);
			pxt_buf_adds(b, q->order[i].desc ? " DESC NULLS LAST" : " ASC");
			continue;
		}
		if (c == NULL)
			return pxt_seterr(PXT_ENOTFOUND, "query '%s': column '%s' no longer "
			    "exists", q->name, q->order[i].col);
		pxt_buf_adds(b, i == 0 ? " ORDER BY " : ", ");
		pxt_quote_ident(b, t->col_storage[c - t->cols]);
		pxt_buf_adds(b, q->order[i].desc ? " DESC" : " ASC");
	}
	/* a stable order for paging: the insertion order breaks ties */
	if (q->norder > 0)
		pxt_buf_adds(b, ", \"_pxt_rowid\" DESC");
	return PXT_OK;
}

/*
 * Build q->sql for the current shape of the table. One flat SELECT: with an index on
 * the sort key (pxt_add_btree_index) PostgreSQL reads only the rows answered. (Choosing
 * the rows in a subquery and formatting them outside it made the indexed case about 10%
 * slower in bench/run.sh, for the unindexed case's sake: measured, not kept.)
 */
pxt_err
pxt_q_compile(pxt_query *q)
{
	const pxt_table *t = q->t;
	pxt_buf b = PXT_BUF_INIT;
	pxt_err rc;

	pxt_buf_adds(&b, "SELECT ");
	pxt_value_sql_outlist(&b, t, pxt_q_selected, q);
	for (int i = 0; i < q->nerrsel; i++) {
		const pxt_column *c = pxt_table_find_col(t, q->errsel[i].col);

		if (c == NULL || c->computed == NULL) {
			rc = pxt_seterr(PXT_ENOTFOUND, "query '%s': computed column '%s' no "
			    "longer exists", q->name, q->errsel[i].col);
			goto out;
		}
		pxt_buf_addf(&b, "%s\"_pxt_e%c_%d\"", b.len > 7 ? ", " : "",
		    q->errsel[i].msg ? 'm' : 't', c->position);
	}
	/* similarities: resolved by the search side that made them (search/query_sim.c) */
	if (q->sim_resolve != NULL && (rc = q->sim_resolve(q)) != PXT_OK)
		goto out;
	for (int i = 0; i < q->nxsel; i++) {
		pxt_buf_adds(&b, b.len > 7 ? ", " : "");
		pxt_q_expr_sql(&b, q->xsel[i].e);
	}
	pxt_buf_addf(&b, " FROM %s", t->storage_sql);
	if (q->where != NULL) {
		pxt_buf_adds(&b, " WHERE ");
		pxt_q_expr_sql(&b, q->where);
	}
	if ((rc = pxt_q_order_sql(&b, q)) != PXT_OK)
		goto out;
	for (int i = 0; i < q->nparams; i++) {
		if (q->params[i].is_limit)
			pxt_buf_addf(&b, " LIMIT $%d::bigint", i + 1);
		else if (q->params[i].is_offset)
			pxt_buf_addf(&b, " OFFSET $%d::bigint", i + 1);
	}
	if (b.failed) {
		rc = PXT_ENOMEM;
		goto out;
	}
	q->sql = pxt_pstrdup(q->pool, b.data);
	q->generation = t->env->generation;
	rc = q->sql ? PXT_OK : PXT_ENOMEM;
out:
	pxt_buf_free(&b);
	return rc;
}

pxt_err
pxt_query_check(pxt_query *q)
{
	if (q == NULL)
		return pxt_seterr(PXT_EINVAL, "no query (out of memory or no table)");
	if (q->err != PXT_OK)
		return pxt_seterr(q->err, "query '%s' %s", q->name, q->errmsg);
	return pxt_q_compile(q);
}

const char *
pxt_query_sql(pxt_query *q)
{
	return q->sql;
}
