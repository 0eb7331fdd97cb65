/*
 * query_expr.c - expressions in named queries (see pxt_query_select_as and pxt_q_expr
 * in pxt/query.h): the columns they may name (a view's own and its base table's), the
 * SQL of what PostgreSQL can compute (columns, JSON paths, literals, arithmetic,
 * comparisons, length), the join of the base table when one of its columns is read,
 * and the evaluation in C of the outputs that call other functions.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/ident.h"
#include "engine/expr_int.h"
#include "engine/query_int.h"
#include "engine/write_int.h"

pxt_err
pxt_q_xtable(pxt_query *q)
{
	const pxt_table *t = q->t, *b = NULL;
	pxt_table *xt;
	int n = 0;

	if (t->is_view && (b = pxt_cat_table_cached(t->env, t->base_path)) == NULL)
		return pxt_seterr(PXT_ENOTFOUND, "query '%s': the base table '%s' of '%s' is "
		    "gone", q->name, t->base_path, t->path);
	if (b == NULL) {
		q->xt = (pxt_table *)t;
		q->nview = t->ncols;
		q->bused = NULL;
		q->fetch = pxt_pcalloc(q->pool, sizeof(int) * ((size_t)t->ncols + 1));
		return q->fetch ? PXT_OK : PXT_ENOMEM;
	}
	if ((xt = pxt_pcalloc(q->pool, sizeof(*xt))) == NULL)
		return PXT_ENOMEM;
	*xt = *t;	/* its path and storage; columns of its own below */
	if ((xt->cols = pxt_pcalloc(q->pool, sizeof(pxt_column) *
	    (size_t)(t->ncols + b->ncols + 1))) == NULL || (xt->col_storage =
	    pxt_pcalloc(q->pool, sizeof(char *) * (size_t)(t->ncols + b->ncols + 1))) ==
	    NULL || (q->bused = pxt_pcalloc(q->pool, (size_t)b->ncols + 1)) == NULL ||
	    (q->fetch = pxt_pcalloc(q->pool, sizeof(int) * (size_t)(t->ncols +
	    b->ncols + 1))) == NULL)
		return PXT_ENOMEM;
	for (int i = 0; i < t->ncols; i++) {
		xt->cols[n] = t->cols[i];
		xt->col_storage[n++] = t->col_storage[i];
	}
	q->nview = n;
	/* the base's columns the view does not have, read under "_pxt_b<index>" */
	for (int i = 0; i < b->ncols; i++) {
		if (b->cols[i].hidden || pxt_table_find_col(t, b->cols[i].name) != NULL)
			continue;
		xt->cols[n] = b->cols[i];
		if ((xt->col_storage[n++] = pxt_psprintf(q->pool, "_pxt_b%d", i)) == NULL)
			return PXT_ENOMEM;
	}
	xt->ncols = n;
	q->xt = xt;
	return PXT_OK;
}

/* The index of column name in q->xt, or -1. */
static int
pxt_q_xcol(const pxt_query *q, const char *name)
{
	const pxt_column *c = pxt_table_find_col(q->xt, name);

	return c ? (int)(c - q->xt->cols) : -1;
}

/* Mark xt column i as read by the SQL (joining the base table for its columns). */
static void
pxt_q_use(pxt_query *q, int i)
{
	if (i >= q->nview && q->bused != NULL)
		q->bused[atoi(q->xt->col_storage[i] + 6)] = 1;
}

bool
pxt_q_sqlable(const pxt_expr *e)
{
	if (e->kind == PXT_EXPR_CALL && strcmp(e->name, "length") != 0)
		return false;
	for (int i = 0; i < e->nargs; i++)
		if (!pxt_q_sqlable(e->args[i]))
			return false;
	return true;
}

void
pxt_q_lit(pxt_buf *b, const char *s)
{
	pxt_buf_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			pxt_buf_addc(b, '\'');
		pxt_buf_addc(b, *s);
	}
	pxt_buf_addc(b, '\'');
}

void
pxt_q_xsql(pxt_buf *b, pxt_query *q, const pxt_expr *e, bool as_output)
{
	static const char *const ops[] = {" + ", " - ", " * ", " / ", " = ", " <> ",
	    " < ", " <= ", " > ", " >= "};
	int i, op;

	switch (e->kind) {
	case PXT_EXPR_COL:
		i = pxt_q_xcol(q, e->name);
		if (i < 0) {	/* checked before: never */
			pxt_buf_adds(b, "NULL");
			return;
		}
		pxt_q_use(q, i);
		if (e->npath == 0 && as_output) {
			pxt_value_sql_out(b, &q->xt->cols[i], q->xt->col_storage[i]);
			return;
		}
		pxt_buf_adds(b, e->npath ? "(" : "");
		pxt_quote_ident(b, q->xt->col_storage[i]);
		for (int k = 0; k < e->npath; k++) {
			pxt_buf_adds(b, " -> ");
			pxt_q_lit(b, e->path[k]);
		}
		pxt_buf_adds(b, e->npath ? ")" : "");
		return;
	case PXT_EXPR_LIT:
		if (e->type == PXT_STRING) {
			pxt_q_lit(b, e->s);
			pxt_buf_adds(b, "::text");
		} else if (e->type == PXT_INT) {
			pxt_buf_addf(b, "'%" PRId64 "'::bigint", e->i);
		} else if (e->type == PXT_FLOAT) {
			pxt_buf_addf(b, "'%.17g'::double precision", e->f);
		} else {
			pxt_buf_adds(b, e->b ? "true" : "false");
		}
		return;
	case PXT_EXPR_CALL:	/* length: characters, as the built-in counts them */
		pxt_buf_adds(b, "char_length(");
		pxt_q_xsql(b, q, e->args[0], false);
		pxt_buf_addc(b, ')');
		return;
	default:
		op = pxt_expr_op_index(e->name);
		pxt_buf_addc(b, '(');
		pxt_q_xsql(b, q, e->args[0], false);
		if (op == 3) {	/* a Float, and null rather than an error for / 0 */
			pxt_buf_adds(b, "::double precision / NULLIF(");
			pxt_q_xsql(b, q, e->args[1], false);
			pxt_buf_adds(b, ", 0))");
			return;
		}
		pxt_buf_adds(b, ops[op]);
		pxt_q_xsql(b, q, e->args[1], false);
		pxt_buf_addc(b, ')');
		return;
	}
}

/* Mark, in q->fetch, the columns e reads (its outputs are evaluated in C). */
static void
pxt_q_need(pxt_query *q, const pxt_expr *e)
{
	int i;

	if (e->kind == PXT_EXPR_COL && (i = pxt_q_xcol(q, e->name)) >= 0)
		q->fetch[i] = -1;
	for (int k = 0; k < e->nargs; k++)
		pxt_q_need(q, e->args[k]);
}

/*
 * The outputs after the columns: each SQL one as one result column; then the columns
 * the C ones read, once each. Their types are checked again against the table as it
 * is now.
 */
pxt_err
pxt_q_outs_sql(pxt_buf *b, pxt_query *q)
{
	for (int k = 0; k < q->nouts; k++) {
		struct pxt_qout *o = &q->outs[k];

		if (pxt_expr_check(o->e, q->xt, &o->type) != PXT_OK)
			return pxt_seterr(pxt_errcode(), "query '%s', output '%s': %s",
			    q->name, o->name, pxt_errmsg());
		o->in_c = !pxt_q_sqlable(o->e);
		if (o->in_c) {
			pxt_q_need(q, o->e);
			continue;
		}
		pxt_buf_adds(b, b->len > 7 ? ", " : "");
		pxt_q_xsql(b, q, o->e, true);
	}
	return PXT_OK;
}

/* Append the columns the C outputs read (after the SQL outputs); next is the first. */
void
pxt_q_fetch_sql(pxt_buf *b, pxt_query *q, int next)
{
	for (int i = 0; i < q->xt->ncols; i++) {
		if (q->fetch[i] == 0)
			continue;
		q->fetch[i] = ++next;
		pxt_buf_adds(b, b->len > 7 ? ", " : "");
		pxt_q_use(q, i);
		pxt_value_sql_out(b, &q->xt->cols[i], q->xt->col_storage[i]);
	}
}

void
pxt_q_base_sql(pxt_buf *b, const pxt_query *q)
{
	const pxt_table *base;
	bool any = false;

	if (q->bused == NULL)
		return;
	base = pxt_cat_table_cached(q->t->env, q->t->base_path);
	for (int i = 0; base != NULL && i < base->ncols; i++) {
		if (!q->bused[i])
			continue;
		pxt_buf_adds(b, any ? ", " : " JOIN (SELECT \"_pxt_rowid\" AS \"_pxt_brow\", ");
		pxt_quote_ident(b, base->col_storage[i]);
		pxt_buf_addf(b, " AS \"_pxt_b%d\"", i);
		any = true;
	}
	if (any)
		pxt_buf_addf(b, " FROM %s) AS \"_pxt_b\" ON \"_pxt_b\".\"_pxt_brow\" = "
		    "%s.\"_pxt_base\"", base->storage_sql, q->t->storage_sql);
}

int
pxt_q_nout(const pxt_query *q)
{
	int n = q->nerrsel + q->nxsel + q->nouts;

	for (int i = 0; i < q->t->ncols; i++)
		n += pxt_q_selected(q, &q->t->cols[i]);
	return n;
}

pxt_err
pxt_q_eval_out(pxt_query *q, int k, const PGresult *res, int row, pxt_pool *pool,
    pxt_value *out)
{
	pxt_value *vals = pxt_pcalloc(pool, sizeof(pxt_value) * ((size_t)q->xt->ncols + 1));
	pxt_err rc;

	if (vals == NULL)
		return PXT_ENOMEM;
	for (int i = 0; i < q->xt->ncols; i++) {
		int col = q->fetch[i] - 1;

		vals[i].type = q->xt->cols[i].type;
		vals[i].null = true;
		if (col < 0 || PQgetisnull(res, row, col))
			continue;
		if ((rc = pxt_value_from_text(pool, &q->xt->cols[i], PQgetvalue(res, row,
		    col), &vals[i])) != PXT_OK)
			return rc;
	}
	return pxt_expr_eval(q->outs[k].e, q->xt, vals, pool, out);
}

static void
pxt_q_free_expr(void *e)
{
	pxt_expr_free(e);
}

void
pxt_query_select_as(pxt_query *q, const char *name, pxt_expr *e)
{
	pxt_type type;

	if (q == NULL || e == NULL) {
		if (q != NULL)
			pxt_q_error(q, PXT_EINVAL, "selects an invalid expression as '%s' (a "
			    "builder failed)", name ? name : "(null)");
		pxt_expr_free(e);
		return;
	}
	if (pxt_q_xtable(q) != PXT_OK) {
		pxt_q_error(q, pxt_errcode(), "%s", pxt_errmsg());
		pxt_expr_free(e);
		return;
	}
	if (pxt_pool_cleanup(q->pool, pxt_q_free_expr, e) != 0) {
		pxt_expr_free(e);
		pxt_q_error(q, PXT_ENOMEM, "out of memory%s", "");
		return;
	}
	if (name == NULL || pxt_name_check(name, "output") != PXT_OK)
		pxt_q_error(q, PXT_EINVAL, "selects an expression under the invalid name "
		    "'%s'", name ? name : "(null)");
	else if (pxt_expr_check(e, q->xt, &type) != PXT_OK)
		pxt_q_error(q, pxt_errcode(), "selects '%s': %s", pxt_psprintf(q->pool,
		    "%s = %s", name, pxt_errmsg()));
	else if (q->nouts == PXT_Q_MAX_OUTS)
		pxt_q_error(q, PXT_EINVAL, "selects more than 16 expressions%s", "");
	else {
		for (int i = 0; i < q->nouts; i++)
			if (strcmp(q->outs[i].name, name) == 0)
				pxt_q_error(q, PXT_EINVAL, "selects two outputs named '%s'", name);
		q->outs[q->nouts].name = pxt_pstrdup(q->pool, name);
		q->outs[q->nouts].e = e;
		q->outs[q->nouts].type = type;
		q->outs[q->nouts++].in_c = !pxt_q_sqlable(e);
	}
}

pxt_qexpr *
pxt_q_expr(pxt_query *q, pxt_expr *x)
{
	pxt_qexpr *e;
	pxt_type type;

	if (q == NULL || x == NULL || pxt_q_xtable(q) != PXT_OK ||
	    pxt_pool_cleanup(q->pool, pxt_q_free_expr, x) != 0) {
		if (q != NULL)
			pxt_q_error(q, PXT_EINVAL, "has an invalid expression (%s)",
			    pxt_errmsg());
		pxt_expr_free(x);
		return NULL;
	}
	if (pxt_expr_check(x, q->xt, &type) != PXT_OK) {
		pxt_q_error(q, pxt_errcode(), "has an invalid expression: %s", pxt_errmsg());
		return NULL;
	}
	if (!pxt_q_sqlable(x)) {
		pxt_q_error(q, PXT_EINVAL, "filters or sorts by an expression PostgreSQL "
		    "cannot compute (a call of a function other than length)%s", "");
		return NULL;
	}
	if ((e = pxt_q_node(q, PXT_Q_EXPR)) == NULL)
		return NULL;
	e->x = x;
	e->type = type;
	return e;
}
