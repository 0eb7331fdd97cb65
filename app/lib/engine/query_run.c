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
		return q->nouts == 0;	/* select_as alone: only its outputs */
	for (char **s = q->select; *s != NULL; s++)
		if (strcmp(*s, c->name) == 0)
			return true;
	return false;
}

static void pxt_q_expr_sql(pxt_buf *b, const pxt_qexpr *e);

/* Whether the base table is joined (a part of the query read one of its columns). */
static bool
pxt_q_joined(const pxt_query *q)
{
	const pxt_table *t = q->xt;

	for (int i = q->nview; q->bused != NULL && i < t->ncols; i++)
		if (q->bused[atoi(t->col_storage[i] + 6)])
			return true;
	return false;
}

/* a IN the list: literal values, or the elements of a Json array parameter */
static void
pxt_q_in_sql(pxt_buf *b, const pxt_qexpr *e, const pxt_qexpr *a)
{
	const pxt_qexpr *l = e->b;
	const char *type = pxt_type_sql(l->op == PXT_Q_LIST ? l->type :
	    e->q->params[l->param].elem, PXT_TYPE_NONE);

	if (l->op == PXT_Q_PARAM) {
		pxt_buf_adds(b, "(");
		pxt_q_expr_sql(b, a);
		pxt_buf_addf(b, " = ANY (ARRAY(SELECT jsonb_array_elements_text($%d::jsonb))"
		    "::%s[]))", l->param + 1, type);
		return;
	}
	if (l->nlist == 0) {
		pxt_buf_adds(b, "false");
		return;
	}
	pxt_buf_adds(b, "(");
	pxt_q_expr_sql(b, a);
	pxt_buf_adds(b, " IN (");
	for (int i = 0; i < l->nlist; i++) {
		pxt_buf_adds(b, i ? ", " : "");
		pxt_q_lit(b, l->list[i]);
		pxt_buf_addf(b, "::%s", type);
	}
	pxt_buf_adds(b, "))");
}

static void
pxt_q_expr_sql(pxt_buf *b, const pxt_qexpr *e)
{
	static const char *const ops[] = {[PXT_Q_EQ] = " = ", [PXT_Q_LT] = " < ",
	    [PXT_Q_GT] = " > ", [PXT_Q_LIKE] = " LIKE ", [PXT_Q_AND] = " AND ",
	    [PXT_Q_OR] = " OR ", [PXT_Q_GE] = " >= ", [PXT_Q_LE] = " <= ",
	    [PXT_Q_NE] = " <> "};
	pxt_query *q = e->q;

	switch (e->op) {
	case PXT_Q_COL:
		if (e->base && q->bused != NULL) {	/* joined: query_expr.c */
			q->bused[e->col_index] = 1;
			pxt_buf_addf(b, "\"_pxt_b%d\"", e->col_index);
			break;
		}
		pxt_quote_ident(b, q->t->col_storage[e->col_index]);
		break;
	case PXT_Q_NOT:
		pxt_buf_adds(b, "(NOT ");
		pxt_q_expr_sql(b, e->a);
		pxt_buf_addc(b, ')');
		break;
	case PXT_Q_LEN:
		pxt_buf_adds(b, "char_length(");
		pxt_q_expr_sql(b, e->a);
		pxt_buf_addc(b, ')');
		break;
	case PXT_Q_EXPR:
		pxt_q_xsql(b, q, e->x, false);
		break;
	case PXT_Q_IN:
		pxt_q_in_sql(b, e, e->a);
		break;
	case PXT_Q_LIST:	/* only inside IN */
		pxt_buf_adds(b, "NULL");
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
pxt_q_order_sql(pxt_buf *b, pxt_query *q)
{
	const pxt_table *t = q->xt;

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
		if (c - t->cols >= q->nview)	/* a base column: joined */
			q->bused[atoi(t->col_storage[c - t->cols] + 6)] = 1;
		pxt_quote_ident(b, t->col_storage[c - t->cols]);
		pxt_buf_adds(b, q->order[i].desc ? " DESC" : " ASC");
	}
	/* a stable order for paging: the insertion order breaks ties */
	if (q->norder > 0)
		pxt_buf_addf(b, ", %s\"_pxt_rowid\" DESC", pxt_q_joined(q) ?
		    pxt_psprintf(q->pool, "%s.", q->t->storage_sql) : "");
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
	pxt_buf b = PXT_BUF_INIT, tail = PXT_BUF_INIT;
	int ncols = 0;
	pxt_err rc;

	if ((rc = pxt_q_xtable(q)) != PXT_OK)
		return rc;
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
	/* expression outputs: SQL ones, then the columns the C ones read */
	if ((rc = pxt_q_outs_sql(&b, q)) != PXT_OK)
		goto out;
	ncols = q->nerrsel + q->nxsel;
	for (int i = 0; i < t->ncols; i++)
		ncols += pxt_q_selected(q, &t->cols[i]);
	for (int i = 0; i < q->nouts; i++)
		ncols += !q->outs[i].in_c;
	pxt_q_fetch_sql(&b, q, ncols);
	if (b.len == 7)
		pxt_buf_adds(&b, "1");	/* nothing read: the rows still count */
	if (q->where != NULL) {
		pxt_buf_adds(&tail, " WHERE ");
		pxt_q_expr_sql(&tail, q->where);
	}
	if ((rc = pxt_q_order_sql(&tail, q)) != PXT_OK)
		goto out;
	for (int i = 0; i < q->nparams; i++) {
		if (q->params[i].is_limit || q->limit_param == i + 1)
			pxt_buf_addf(&tail, " LIMIT $%d::bigint", i + 1);
		else if (q->params[i].is_offset)
			pxt_buf_addf(&tail, " OFFSET $%d::bigint", i + 1);
	}
	/* the FROM last: the base table is joined when a part above reads it */
	pxt_buf_addf(&b, " FROM %s", t->storage_sql);
	pxt_q_base_sql(&b, q);
	pxt_buf_adds(&b, pxt_buf_str(&tail));
	if (b.failed || tail.failed) {
		rc = PXT_ENOMEM;
		goto out;
	}
	q->sql = pxt_pstrdup(q->pool, b.data);
	q->generation = t->env->generation;
	rc = q->sql ? PXT_OK : PXT_ENOMEM;
out:
	pxt_buf_free(&b);
	pxt_buf_free(&tail);
	return rc;
}

/* Whether output i's name is also an error cell's or a similarity's. */
static bool
pxt_q_out_taken(const pxt_query *q, int i)
{
	const char *name = q->outs[i].name;
	size_t n;

	for (int k = 0; k < q->nxsel; k++)
		if (strcmp(q->xsel[k].name, name) == 0)
			return true;
	for (int k = 0; k < q->nerrsel; k++) {
		n = strlen(q->errsel[k].col);
		if (strncmp(name, q->errsel[k].col, n) == 0 && name[n] == '_' &&
		    strcmp(name + n + 1, q->errsel[k].msg ? "errormsg" : "errortype") == 0)
			return true;
	}
	return false;
}

pxt_err
pxt_query_check(pxt_query *q)
{
	if (q == NULL)
		return pxt_seterr(PXT_EINVAL, "no query (out of memory or no table)");
	if (q->err != PXT_OK)
		return pxt_seterr(q->err, "query '%s' %s", q->name, q->errmsg);
	for (int i = 0; i < q->nparams; i++)
		if (q->params[i].type == PXT_JSON && q->params[i].elem == PXT_TYPE_NONE)
			return pxt_seterr(PXT_EINVAL, "query '%s': Json parameter '%s' is not "
			    "the list of an IN", q->name, q->params[i].name);
	for (int i = 0; i < q->nouts; i++) {
		const pxt_column *c = pxt_table_find_col(q->t, q->outs[i].name);

		if ((c != NULL && pxt_q_selected(q, c)) || pxt_q_out_taken(q, i))
			return pxt_seterr(PXT_EINVAL, "query '%s' has two outputs named '%s'",
			    q->name, q->outs[i].name);
	}
	return pxt_q_compile(q);
}

const char *
pxt_query_sql(pxt_query *q)
{
	return q->sql;
}
