/*
 * expr_check.c - type checking expressions against a table, and their JSON form in the
 * catalog: {"col": "metadata", "path": ["author"]}, {"lit": 3, "type": "Int"},
 * {"op": "+", "args": [...]}, {"fn": "lower", "sig": "lower(String) -> String",
 * "args": [...]}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/expr_int.h"

static bool
pxt_is_num(pxt_type t)
{
	return t == PXT_INT || t == PXT_FLOAT;
}

static pxt_err pxt_check(const pxt_expr *e, const pxt_table *t, pxt_type *type);

/*
 * The form of e's function (u, its first) that its argument types at[] choose. NULL
 * with the message a user needs.
 */
static const pxt_udf *
pxt_check_form(const pxt_expr *e, const pxt_udf *u, const pxt_type *at)
{
	const pxt_udf *c;
	char sig[256];

	if ((c = pxt_udf_resolve(e->name, e->nargs, at)) != NULL)
		return c;
	/* no form fits: explain with one of the same arity, else the first */
	for (c = u; c != NULL && c->nargs != e->nargs; c = pxt_udf_next(c))
		;
	u = c ? c : u;
	pxt_udf_signature(u, sig, sizeof(sig));
	if (e->nargs != u->nargs) {
		pxt_seterr(PXT_EINVAL, "function %s takes %d argument%s, got %d", sig,
		    u->nargs, u->nargs == 1 ? "" : "s", e->nargs);
		return NULL;
	}
	for (int i = 0; i < e->nargs; i++)
		if (!pxt_udf_arg_fits(u->args[i], at[i])) {
			pxt_seterr(PXT_EINVAL, "function %s: argument %d must be %s, got %s",
			    sig, i + 1, pxt_type_name(u->args[i]), pxt_type_name(at[i]));
			return NULL;
		}
	return u;
}

static pxt_err
pxt_check_call(const pxt_expr *e, const pxt_table *t, pxt_type *type)
{
	const pxt_udf *u = pxt_udf_find(e->name), *form = NULL;
	pxt_type at[PXT_UDF_MAX_ARGS];
	char sig[256];
	pxt_err rc;

	if (u == NULL)
		return pxt_seterr(PXT_ENOTFOUND, "unknown function '%s'", e->name);
	/* a catalog's expression: the form its recorded signature names */
	if (e->sig != NULL && (form = pxt_udf_by_sig(e->name, e->sig)) == NULL) {
		pxt_udf_signature(u, sig, sizeof(sig));
		return pxt_seterr(PXT_EINVAL, "function '%s' changed: the catalog says %s, "
		    "this build has %s", e->name, e->sig, sig);
	}
	for (int i = 0; i < e->nargs; i++)
		if ((rc = pxt_check(e->args[i], t, &at[i])) != PXT_OK)
			return rc;
	if ((u = form ? form : pxt_check_form(e, u, at)) == NULL)
		return pxt_errcode();
	pxt_udf_signature(u, sig, sizeof(sig));
	/* a recorded form must still fit its arguments */
	if (e->nargs != u->nargs)
		return pxt_seterr(PXT_EINVAL, "function %s takes %d argument%s, got %d", sig,
		    u->nargs, u->nargs == 1 ? "" : "s", e->nargs);
	for (int i = 0; i < e->nargs; i++)
		if (!pxt_udf_arg_fits(u->args[i], at[i]))
			return pxt_seterr(PXT_EINVAL, "function %s: argument %d must be %s, "
			    "got %s", sig, i + 1, pxt_type_name(u->args[i]),
			    pxt_type_name(at[i]));
	/* a memo of the form chosen, for evaluation and serialization */
	((pxt_expr *)e)->udf = u;
	*type = u->ret;
	return PXT_OK;
}

static pxt_err
pxt_check_op(const pxt_expr *e, const pxt_table *t, pxt_type *type)
{
	int op = pxt_expr_op_index(e->name);
	pxt_type a, b;
	pxt_err rc;

	if ((rc = pxt_check(e->args[0], t, &a)) != PXT_OK ||
	    (rc = pxt_check(e->args[1], t, &b)) != PXT_OK)
		return rc;
	if (PXT_OP_IS_ARITH(op)) {
		if (!pxt_is_num(a) || !pxt_is_num(b))
			return pxt_seterr(PXT_EINVAL, "'%s' needs numbers, got %s and %s",
			    e->name, pxt_type_name(a), pxt_type_name(b));
		*type = a == PXT_INT && b == PXT_INT && op != 3 ? PXT_INT : PXT_FLOAT;
		return PXT_OK;
	}
	if (!(pxt_is_num(a) && pxt_is_num(b)) && a != b)
		return pxt_seterr(PXT_EINVAL, "'%s' compares %s with %s", e->name,
		    pxt_type_name(a), pxt_type_name(b));
	if (a == PXT_JSON || a == PXT_ARRAY)
		return pxt_seterr(PXT_EINVAL, "'%s' cannot compare %s values", e->name,
		    pxt_type_name(a));
	*type = PXT_BOOL;
	return PXT_OK;
}

static pxt_err
pxt_check(const pxt_expr *e, const pxt_table *t, pxt_type *type)
{
	const pxt_column *c;

	switch (e->kind) {
	case PXT_EXPR_COL:
		if ((c = pxt_table_find_col(t, e->name)) == NULL)
			return pxt_seterr(PXT_ENOTFOUND, "table '%s' has no column '%s'",
			    t->path, e->name);
		if (e->npath > 0 && c->type != PXT_JSON)
			return pxt_seterr(PXT_EINVAL, "'%s.%s': only Json columns have "
			    "paths, '%s' is %s", e->name, e->path[0], e->name,
			    pxt_type_name(c->type));
		*type = e->npath > 0 ? PXT_JSON : c->type;
		return PXT_OK;
	case PXT_EXPR_LIT:
		*type = e->type;
		return PXT_OK;
	case PXT_EXPR_OP:
		return pxt_check_op(e, t, type);
	default:
		return pxt_check_call(e, t, type);
	}
}

pxt_err
pxt_expr_check(const pxt_expr *e, const pxt_table *t, pxt_type *type)
{
	if (e == NULL)
		return pxt_seterr(PXT_EINVAL, "no expression (a builder failed: %s)",
		    *pxt_errmsg() ? pxt_errmsg() : "out of memory");
	return pxt_check(e, t, type);
}

pxt_err
pxt_expr_serialize(const pxt_expr *e, pxt_buf *b)
{
	pxt_jw w;

	pxt_jw_init(&w, b);
	pxt_expr_write(&w, e);
	return b->failed ? PXT_ENOMEM : PXT_OK;
}

void
pxt_expr_write(pxt_jw *w, const pxt_expr *e)
{
	const pxt_udf *u;
	char sig[256];

	pxt_jw_obj_begin(w);
	switch (e->kind) {
	case PXT_EXPR_COL:
		pxt_jw_key(w, "col");
		pxt_jw_cstr(w, e->name);
		if (e->npath > 0) {
			pxt_jw_key(w, "path");
			pxt_jw_arr_begin(w);
			for (int i = 0; i < e->npath; i++)
				pxt_jw_cstr(w, e->path[i]);
			pxt_jw_arr_end(w);
		}
		break;
	case PXT_EXPR_LIT:
		pxt_jw_key(w, "lit");
		if (e->type == PXT_JSON)
			pxt_jw_raw(w, e->s, strlen(e->s));
		else if (e->type == PXT_STRING)
			pxt_jw_cstr(w, e->s);
		else if (e->type == PXT_INT)
			pxt_jw_int(w, e->i);
		else if (e->type == PXT_FLOAT)
			pxt_jw_double(w, e->f);
		else
			pxt_jw_bool(w, e->b);
		pxt_jw_key(w, "type");
		pxt_jw_cstr(w, pxt_type_name(e->type));
		break;
	default:
		pxt_jw_key(w, e->kind == PXT_EXPR_OP ? "op" : "fn");
		pxt_jw_cstr(w, e->name);
		if (e->kind == PXT_EXPR_CALL && (u = e->udf ? e->udf :
		    pxt_udf_find(e->name)) != NULL) {
			pxt_udf_signature(u, sig, sizeof(sig));
			pxt_jw_key(w, "sig");
			pxt_jw_cstr(w, sig);
		}
		pxt_jw_key(w, "args");
		pxt_jw_arr_begin(w);
		for (int i = 0; i < e->nargs; i++)
			pxt_expr_write(w, e->args[i]);
		pxt_jw_arr_end(w);
		break;
	}
	pxt_jw_obj_end(w);
}
