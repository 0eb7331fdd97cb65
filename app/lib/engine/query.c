/*
 * query.c - named parameterized queries: the builder, compilation to prepared SQL,
 * parameter binding and validation, and the query route handler (see pxt/query.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/query_int.h"

void
pxt_q_error(pxt_query *q, pxt_err code, const char *fmt, const char *arg)
{
	if (q->err != PXT_OK)
		return;	/* keep the first mistake */
	q->err = code;
	q->errmsg = pxt_psprintf(q->pool, fmt, arg);
}

pxt_query *
pxt_query_new(pxt_table *t, const char *name)
{
	pxt_query *q;

	if (t == NULL) {
		pxt_seterr(PXT_ENOTFOUND, "query '%s' has no table", name ? name : "?");
		return NULL;
	}
	q = pxt_pcalloc(t->env->pool, sizeof(*q));
	if (q == NULL)
		return NULL;
	q->t = t;
	q->pool = t->env->pool;
	q->name = pxt_pstrdup(q->pool, name ? name : "query");
	q->next = t->env->queries;
	t->env->queries = q;
	return q;
}

/* "col.errortype" / "col.errormsg": the error cells of computed column col. */
static void
pxt_q_select_error(pxt_query *q, const char *name, const char *dot)
{
	char *col = pxt_pstrndup(q->pool, name, (size_t)(dot - name));
	const pxt_column *c = col ? pxt_table_find_col(q->t, col) : NULL;
	bool msg = strcmp(dot + 1, "errormsg") == 0;

	if (c == NULL || c->computed == NULL || (!msg && strcmp(dot + 1, "errortype")))
		pxt_q_error(q, PXT_ENOTFOUND, "selects '%s': only a computed column's "
		    ".errortype and .errormsg can be selected", name);
	else if (q->nerrsel == PXT_Q_MAX_ERRSEL)
		pxt_q_error(q, PXT_EINVAL, "selects more than 16 error cells%s", "");
	else {
		q->errsel[q->nerrsel].col = col;
		q->errsel[q->nerrsel++].msg = msg;
	}
}

void
pxt_query_select(pxt_query *q, const char *const *cols)
{
	size_t n = 0;

	if (q == NULL || cols == NULL)
		return;
	while (cols[n] != NULL)
		n++;
	q->select = pxt_pcalloc(q->pool, sizeof(char *) * (n + 1));
	for (size_t i = 0, k = 0; q->select && i < n; i++) {
		const char *dot = strchr(cols[i], '.');

		if (dot != NULL) {
			pxt_q_select_error(q, cols[i], dot);
			continue;
		}
		if (pxt_table_find_col(q->t, cols[i]) == NULL && q->t->is_view &&
		    pxt_q_xtable(q) == PXT_OK && pxt_table_find_col(q->xt, cols[i])) {
			/* a column of the view's base table: an output read through it */
			pxt_query_select_as(q, cols[i], pxt_col(cols[i]));
			continue;
		}
		if (pxt_table_find_col(q->t, cols[i]) == NULL)
			pxt_q_error(q, PXT_ENOTFOUND, "selects unknown column '%s'", cols[i]);
		q->select[k++] = pxt_pstrdup(q->pool, cols[i]);
	}
}

pxt_qexpr *
pxt_q_node(pxt_query *q, enum pxt_qop op)
{
	pxt_qexpr *e = q ? pxt_pcalloc(q->pool, sizeof(*e)) : NULL;

	if (e != NULL) {
		e->op = op;
		e->q = q;
	}
	return e;
}

pxt_qexpr *
pxt_q_col(pxt_query *q, const char *name)
{
	pxt_qexpr *e = pxt_q_node(q, PXT_Q_COL);

	if (e == NULL)
		return NULL;
	for (int i = 0; i < q->t->ncols; i++) {
		if (strcmp(q->t->cols[i].name, name) == 0) {
			e->col = &q->t->cols[i];
			e->col_index = i;
			e->type = e->col->type;
			return e;
		}
	}
	/* a column of a view's base table, read under "_pxt_b<index>" (query_expr.c) */
	if (q->t->is_view && pxt_q_xtable(q) == PXT_OK &&
	    (e->col = pxt_table_find_col(q->xt, name)) != NULL) {
		e->base = true;
		e->type = e->col->type;
		e->col_index = atoi(q->xt->col_storage[e->col - q->xt->cols] + 6);
		return e;
	}
	pxt_q_error(q, PXT_ENOTFOUND, "refers to unknown column '%s'", name);
	return NULL;
}

static int
pxt_q_add_param(pxt_query *q, const char *name, pxt_type type)
{
	for (int i = 0; i < q->nparams; i++)
		if (strcmp(q->params[i].name, name) == 0)
			return q->params[i].type == type ? i : -1;
	if (q->nparams == PXT_Q_MAX_PARAMS)
		return -1;
	q->params[q->nparams].name = pxt_pstrdup(q->pool, name);
	q->params[q->nparams].type = type;
	return q->nparams++;
}

pxt_qexpr *
pxt_q_param(pxt_query *q, const char *name, pxt_type type)
{
	pxt_qexpr *e = pxt_q_node(q, PXT_Q_PARAM);

	if (e == NULL)
		return NULL;
	if (pxt_name_check(name, "parameter") != PXT_OK ||
	    pxt_type_sql(type, PXT_TYPE_NONE) == NULL || type == PXT_ARRAY) {
		pxt_q_error(q, PXT_EINVAL, "has an invalid parameter '%s'", name);
		return NULL;
	}
	if ((e->param = pxt_q_add_param(q, name, type)) < 0) {
		pxt_q_error(q, PXT_EINVAL, "declares parameter '%s' twice with different "
		    "types (or too many parameters)", name);
		return NULL;
	}
	return e;
}

pxt_type
pxt_q_type(const pxt_qexpr *e)
{
	if (e->op == PXT_Q_COL)	/* its type when built: handles are reloaded */
		return pxt_type_is_media(e->type) ? PXT_STRING : e->type;
	if (e->op == PXT_Q_PARAM)
		return e->q->params[e->param].type;
	if (e->op == PXT_Q_SIM)
		return PXT_FLOAT;
	if (e->op == PXT_Q_LEN)
		return PXT_INT;
	if (e->op == PXT_Q_EXPR)
		return pxt_type_is_media(e->type) ? PXT_STRING : e->type;
	if (e->op == PXT_Q_LIST)
		return PXT_TYPE_NONE;
	return PXT_BOOL;
}

pxt_qexpr *
pxt_q_binary(enum pxt_qop op, pxt_qexpr *a, pxt_qexpr *b)
{
	pxt_query *q = a ? a->q : b ? b->q : NULL;
	pxt_qexpr *e;
	pxt_type ta, tb;

	if (a == NULL || b == NULL || (e = pxt_q_node(q, op)) == NULL)
		return NULL;
	e->a = a;
	e->b = b;
	ta = pxt_q_type(a);
	tb = pxt_q_type(b);
	if (op == PXT_Q_AND || op == PXT_Q_OR) {
		if (ta != PXT_BOOL || tb != PXT_BOOL)
			pxt_q_error(q, PXT_EINVAL, "%s needs two conditions",
			    op == PXT_Q_AND ? "AND" : "OR");
	} else if (op == PXT_Q_LIKE) {
		if (ta != PXT_STRING || tb != PXT_STRING)
			pxt_q_error(q, PXT_EINVAL, "%s: LIKE needs String operands", "");
	} else if (ta == PXT_JSON || tb == PXT_JSON || ta == PXT_TYPE_NONE ||
	    tb == PXT_TYPE_NONE) {
		pxt_q_error(q, PXT_EINVAL, "compares a Json value or a list (use IN)%s", "");
	} else if (ta != tb && !((ta == PXT_INT || ta == PXT_FLOAT) &&
	    (tb == PXT_INT || tb == PXT_FLOAT))) {
		pxt_q_error(q, PXT_EINVAL, "compares values of different types%s", "");
	}
	return e;
}

pxt_qexpr *pxt_q_eq(pxt_qexpr *a, pxt_qexpr *b) { return pxt_q_binary(PXT_Q_EQ, a, b); }
pxt_qexpr *pxt_q_lt(pxt_qexpr *a, pxt_qexpr *b) { return pxt_q_binary(PXT_Q_LT, a, b); }
pxt_qexpr *pxt_q_gt(pxt_qexpr *a, pxt_qexpr *b) { return pxt_q_binary(PXT_Q_GT, a, b); }
pxt_qexpr *pxt_q_like(pxt_qexpr *a, pxt_qexpr *b) { return pxt_q_binary(PXT_Q_LIKE, a, b); }
pxt_qexpr *pxt_q_and(pxt_qexpr *a, pxt_qexpr *b) { return pxt_q_binary(PXT_Q_AND, a, b); }
pxt_qexpr *pxt_q_or(pxt_qexpr *a, pxt_qexpr *b) { return pxt_q_binary(PXT_Q_OR, a, b); }

void
pxt_query_where(pxt_query *q, pxt_qexpr *e)
{
	if (q == NULL)
		return;
	if (e == NULL)
		pxt_q_error(q, PXT_EINVAL, "has an invalid where clause%s", "");
	else if (pxt_q_type(e) != PXT_BOOL || e->op == PXT_Q_COL)
		pxt_q_error(q, PXT_EINVAL, "where needs a condition%s", "");
	q->where = e;
}

void
pxt_query_order_by(pxt_query *q, const char *col, bool desc)
{
	if (q == NULL)
		return;
	if (pxt_table_find_col(q->t, col) == NULL && !(q->t->is_view &&
	    pxt_q_xtable(q) == PXT_OK && pxt_table_find_col(q->xt, col) != NULL))
		pxt_q_error(q, PXT_ENOTFOUND, "orders by unknown column '%s'", col);
	else if (q->norder == PXT_Q_MAX_ORDER)
		pxt_q_error(q, PXT_EINVAL, "has too many sort keys%s", "");
	else {
		q->order[q->norder].col = pxt_pstrdup(q->pool, col);
		q->order[q->norder++].desc = desc;
	}
}

void
pxt_query_limit(pxt_query *q, int64_t def, int64_t max)
{
	int l, o;

	if (q == NULL)
		return;
	if (def < 0 || max < def)
		pxt_q_error(q, PXT_EINVAL, "has an invalid limit%s", "");
	if (q->limit_param != 0)
		pxt_q_error(q, PXT_EINVAL, "has two limits%s", "");
	l = pxt_q_add_param(q, "limit", PXT_INT);
	o = pxt_q_add_param(q, "offset", PXT_INT);
	if (l < 0 || o < 0) {
		pxt_q_error(q, PXT_EINVAL, "has too many parameters%s", "");
		return;
	}
	q->params[l].is_limit = true;
	q->params[o].is_offset = true;
	q->limit_def = def;
	q->limit_max = max;
}

void
pxt_query_parent(pxt_query *q, pxt_table *parent, const char *col, const char *param)
{
	if (q == NULL)
		return;
	q->parent_param = -1;
	for (int i = 0; i < q->nparams; i++)
		if (param != NULL && strcmp(q->params[i].name, param) == 0)
			q->parent_param = i;
	if (parent == NULL || col == NULL || q->parent_param < 0 ||
	    pxt_table_find_col(parent, col) == NULL) {
		pxt_q_error(q, PXT_EINVAL, "has an invalid parent (table, column '%s' or "
		    "parameter)", col ? col : "?");
		return;
	}
	q->parent = parent;
	q->parent_col = pxt_pstrdup(q->pool, col);
}

pxt_query *
pxt_query_find(pxt_env *env, const char *name)
{
	pxt_query *found = NULL;

	/* the first one made under the name: the list is newest first */
	for (pxt_query *q = env->queries; q != NULL; q = q->next)
		if (q->name != NULL && strcmp(q->name, name) == 0)
			found = q;
	return found;
}

const char *
pxt_query_table_path(const pxt_query *q)
{
	return q->t->path;
}

const char *
pxt_query_name(const pxt_query *q)
{
	return q->name;
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
