/*
 * expr_eval.c - reading an expression back from its catalog JSON, and evaluating it
 * over one row (see pxt/expr.h).
 */
#include <stdlib.h>
#include <string.h>

#include "pxt/buf.h"
#include "engine/expr_int.h"
#include "engine/udf_int.h"
#include "functions/image_int.h"

#define PXT_EXPR_MAX_DEPTH 32

static pxt_expr *pxt_from_json(const pxt_json *j, int depth);

static char *
pxt_jstr(const pxt_json *o, const char *key)
{
	const pxt_json *v = pxt_json_get(o, key);

	return v != NULL && v->type == PXT_JSON_STRING ? strdup(v->u.str.s) : NULL;
}

static pxt_expr *
pxt_from_lit(const pxt_json *j)
{
	const pxt_json *v = pxt_json_get(j, "lit");
	char *type = pxt_jstr(j, "type");
	pxt_type t = type ? pxt_type_parse(type) : PXT_TYPE_NONE;
	pxt_expr *e = NULL;

	free(type);
	if (v == NULL)
		return NULL;
	if (t == PXT_STRING && v->type == PXT_JSON_STRING)
		e = pxt_lit_str(v->u.str.s);
	else if (t == PXT_INT && v->type == PXT_JSON_INT)
		e = pxt_lit_int(v->u.i);
	else if (t == PXT_FLOAT && (v->type == PXT_JSON_DOUBLE || v->type == PXT_JSON_INT))
		e = pxt_lit_float(v->type == PXT_JSON_INT ? (double)v->u.i : v->u.d);
	else if (t == PXT_BOOL && v->type == PXT_JSON_BOOL)
		e = pxt_lit_bool(v->u.b);
	else if (t == PXT_JSON) {
		pxt_buf b = PXT_BUF_INIT;
		pxt_jw w;

		pxt_jw_init(&w, &b);
		pxt_jw_value(&w, v);
		e = b.failed ? NULL : pxt_lit_json(pxt_buf_str(&b));
		pxt_buf_free(&b);
	}
	return e;
}

static pxt_expr *
pxt_from_node(const pxt_json *j, enum pxt_expr_kind kind, int depth)
{
	const pxt_json *args = pxt_json_get(j, "args");
	pxt_expr *e = calloc(1, sizeof(*e));

	if (e == NULL || args == NULL || args->type != PXT_JSON_ARRAY ||
	    args->u.arr.n > PXT_UDF_MAX_ARGS)
		goto fail;
	e->kind = kind;
	e->name = pxt_jstr(j, kind == PXT_EXPR_OP ? "op" : "fn");
	e->sig = kind == PXT_EXPR_CALL ? pxt_jstr(j, "sig") : NULL;
	if (e->name == NULL || (kind == PXT_EXPR_OP && (args->u.arr.n != 2 ||
	    pxt_expr_op_index(e->name) < 0)))
		goto fail;
	if (args->u.arr.n > 0 && (e->args = calloc(args->u.arr.n,
	    sizeof(pxt_expr *))) == NULL)
		goto fail;
	for (size_t i = 0; i < args->u.arr.n; i++) {
		if ((e->args[i] = pxt_from_json(args->u.arr.items[i], depth + 1)) == NULL)
			goto fail;
		e->nargs++;
	}
	return e;
fail:
	pxt_expr_free(e);
	return NULL;
}

static pxt_expr *
pxt_from_col(const pxt_json *j)
{
	const pxt_json *path = pxt_json_get(j, "path");
	pxt_expr *e = calloc(1, sizeof(*e));
	size_t n = path && path->type == PXT_JSON_ARRAY ? path->u.arr.n : 0;

	if (e == NULL || (e->name = pxt_jstr(j, "col")) == NULL ||
	    (n > 0 && (e->path = calloc(n, sizeof(char *))) == NULL))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const pxt_json *p = path->u.arr.items[i];

		if (p->type != PXT_JSON_STRING || (e->path[i] = strdup(p->u.str.s)) == NULL)
			goto fail;
		e->npath++;
	}
	return e;
fail:
	pxt_expr_free(e);
	return NULL;
}

static pxt_expr *
pxt_from_json(const pxt_json *j, int depth)
{
	if (j == NULL || j->type != PXT_JSON_OBJECT || depth > PXT_EXPR_MAX_DEPTH)
		return NULL;
	if (pxt_json_get(j, "col") != NULL)
		return pxt_from_col(j);
	if (pxt_json_get(j, "lit") != NULL)
		return pxt_from_lit(j);
	if (pxt_json_get(j, "op") != NULL)
		return pxt_from_node(j, PXT_EXPR_OP, depth);
	if (pxt_json_get(j, "fn") != NULL)
		return pxt_from_node(j, PXT_EXPR_CALL, depth);
	return NULL;
}

pxt_err
pxt_expr_parse(const char *json, size_t len, pxt_expr **out)
{
	pxt_pool *pool = pxt_pool_new(0);
	pxt_json *root;
	pxt_err rc;

	*out = NULL;
	if (pool == NULL)
		return PXT_ENOMEM;
	rc = pxt_json_parse(pool, json, len, PXT_EXPR_MAX_DEPTH * 3, &root);
	if (rc == PXT_OK && (*out = pxt_from_json(root, 0)) == NULL)
		rc = pxt_seterr(PXT_EINVAL, "not a serialized expression: %.80s", json);
	else if (rc != PXT_OK)
		rc = pxt_seterr(PXT_EINVAL, "not a serialized expression: %s", pxt_errmsg());
	pxt_pool_free(pool);
	return rc;
}

/* ---- evaluation ------------------------------------------------------------------ */

static double
pxt_num(const pxt_value *v)
{
	return v->type == PXT_INT ? (double)v->u.i : v->u.f;
}

static int
pxt_cmp(const pxt_value *a, const pxt_value *b)
{
	if ((a->type == PXT_INT || a->type == PXT_FLOAT) && (b->type == PXT_INT ||
	    b->type == PXT_FLOAT)) {
		if (a->type == PXT_INT && b->type == PXT_INT)
			return (a->u.i > b->u.i) - (a->u.i < b->u.i);
		return (pxt_num(a) > pxt_num(b)) - (pxt_num(a) < pxt_num(b));
	}
	if (a->type == PXT_BOOL)
		return (int)a->u.b - (int)b->u.b;
	{
		size_t n = a->u.str.len < b->u.str.len ? a->u.str.len : b->u.str.len;
		int c = memcmp(a->u.str.s, b->u.str.s, n);

		return c ? c : (a->u.str.len > b->u.str.len) - (a->u.str.len < b->u.str.len);
	}
}

static pxt_err
pxt_eval_op(const pxt_expr *e, const pxt_value *a, const pxt_value *b, pxt_value *out)
{
	int op = pxt_expr_op_index(e->name), c;

	if (!PXT_OP_IS_ARITH(op)) {
		c = pxt_cmp(a, b);
		out->type = PXT_BOOL;
		out->u.b = op == 4 ? c == 0 : op == 5 ? c != 0 : op == 6 ? c < 0 :
		    op == 7 ? c <= 0 : op == 8 ? c > 0 : c >= 0;
		return PXT_OK;
	}
	if (a->type == PXT_INT && b->type == PXT_INT && op != 3) {
		int64_t r;
		bool ovf = op == 0 ? __builtin_add_overflow(a->u.i, b->u.i, &r) :
		    op == 1 ? __builtin_sub_overflow(a->u.i, b->u.i, &r) :
		    __builtin_mul_overflow(a->u.i, b->u.i, &r);

		if (ovf)
			return pxt_seterr(PXT_EINVAL, "integer overflow in '%s'", e->name);
		out->type = PXT_INT;
		out->u.i = r;
		return PXT_OK;
	}
	if (op == 3 && pxt_num(b) == 0)
		return pxt_seterr(PXT_EINVAL, "division by zero");
	out->type = PXT_FLOAT;
	out->u.f = op == 0 ? pxt_num(a) + pxt_num(b) : op == 1 ? pxt_num(a) - pxt_num(b) :
	    op == 2 ? pxt_num(a) * pxt_num(b) : pxt_num(a) / pxt_num(b);
	return PXT_OK;
}

static pxt_err
pxt_eval_col(const pxt_expr *e, const pxt_table *t, const pxt_value *row,
    pxt_value *out)
{
	const pxt_column *c = pxt_table_find_col(t, e->name);
	const pxt_json *j;

	if (c == NULL)
		return pxt_seterr(PXT_ENOTFOUND, "table '%s' has no column '%s'", t->path,
		    e->name);
	*out = row[c - t->cols];
	if (e->npath == 0 || out->null)
		return PXT_OK;
	j = out->u.json;
	for (int i = 0; j != NULL && i < e->npath; i++)
		j = pxt_json_get(j, e->path[i]);
	out->type = PXT_JSON;
	out->null = j == NULL || j->type == PXT_JSON_NULL;
	out->u.json = j;
	return PXT_OK;
}

/* A literal's value; a Json one parsed into pool. */
static pxt_err
pxt_eval_lit(const pxt_expr *e, pxt_pool *pool, pxt_value *out)
{
	pxt_json *j;

	out->type = e->type;
	switch (e->type) {
	case PXT_STRING:
		out->u.str.s = e->s;
		out->u.str.len = strlen(e->s);
		break;
	case PXT_INT:
		out->u.i = e->i;
		break;
	case PXT_FLOAT:
		out->u.f = e->f;
		break;
	case PXT_BOOL:
		out->u.b = e->b;
		break;
	case PXT_JSON:
		if (pxt_json_parse(pool, e->s, strlen(e->s), 16, &j) != PXT_OK)
			return pxt_seterr(PXT_EINTERNAL, "a Json literal: %s", pxt_errmsg());
		out->u.json = j;
		out->null = j->type == PXT_JSON_NULL;
		break;
	default:
		break;
	}
	return PXT_OK;
}

/* The form of e's function for arguments args[] (the checked one when known). */
static const pxt_udf *
pxt_eval_form(const pxt_expr *e, const pxt_value *args)
{
	pxt_type at[PXT_UDF_MAX_ARGS];
	const pxt_udf *u;

	if (e->udf != NULL)
		return e->udf;
	for (int i = 0; i < e->nargs; i++)
		at[i] = args[i].type;
	u = pxt_udf_resolve(e->name, e->nargs, at);
	return u ? u : pxt_udf_find(e->name);
}

/* pxt_expr_eval, where an Image may stay held in memory (image_int.h). */
static pxt_err
pxt_eval(const pxt_expr *e, const pxt_table *t, const pxt_value *row, pxt_pool *pool,
    pxt_value *out)
{
	pxt_value args[PXT_UDF_MAX_ARGS];
	const pxt_udf *u = NULL;
	pxt_err rc;

	memset(out, 0, sizeof(*out));
	if (e->kind == PXT_EXPR_COL)
		return pxt_eval_col(e, t, row, out);
	if (e->kind == PXT_EXPR_LIT)
		return pxt_eval_lit(e, pool, out);
	if (e->kind == PXT_EXPR_CALL && (u = e->udf ? e->udf : pxt_udf_find(e->name)) ==
	    NULL)
		return pxt_seterr(PXT_ENOTFOUND, "unknown function '%s'", e->name);
	for (int i = 0; i < e->nargs; i++) {
		if ((rc = pxt_eval(e->args[i], t, row, pool, &args[i])) != PXT_OK)
			return rc;
		if (args[i].null) {	/* NULL in, NULL out */
			out->type = u ? u->ret : PXT_BOOL;
			out->null = true;
			return PXT_OK;
		}
	}
	if (u != NULL)
		u = pxt_eval_form(e, args);
	for (int i = 0; i < e->nargs; i++) {
		/* a function reading files gets a file: a temporary one */
		if (pxt_value_held(&args[i]) && (u == NULL || !pxt_udf_image_native(u)) &&
		    (rc = pxt_img_materialize(pool, &args[i], false)) != PXT_OK)
			return rc;
		if (u != NULL && u->args[i] == PXT_FLOAT && args[i].type == PXT_INT) {
			args[i].u.f = (double)args[i].u.i;
			args[i].type = PXT_FLOAT;
		}
	}
	if (e->kind == PXT_EXPR_OP)
		return pxt_eval_op(e, &args[0], &args[1], out);
	out->type = u->ret;
	if ((rc = pxt_udf_call(u, pool, args, e->nargs, out)) != PXT_OK) {
		const char *m = pxt_errmsg();
		size_t n = strlen(u->name);

		/* name the function once, however deep the call */
		if (!(strncmp(m, u->name, n) == 0 && (m[n] == ':' || m[n] == '(')))
			pxt_seterr(rc, "%s: %s", u->name, *m ? m : pxt_strerror(rc));
		return rc;
	}
	if (!out->null && out->type != u->ret)
		return pxt_seterr(PXT_EINTERNAL, "%s returned %s, its signature says %s",
		    u->name, pxt_type_name(out->type), pxt_type_name(u->ret));
	return PXT_OK;
}

pxt_err
pxt_expr_eval_arg(const pxt_expr *e, const pxt_table *t, const pxt_value *row,
    pxt_pool *pool, pxt_value *out)
{
	pxt_err rc = pxt_eval(e, t, row, pool, out);

	return rc == PXT_OK ? pxt_img_materialize(pool, out, false) : rc;
}

pxt_err
pxt_expr_eval(const pxt_expr *e, const pxt_table *t, const pxt_value *row,
    pxt_pool *pool, pxt_value *out)
{
	pxt_err rc = pxt_eval(e, t, row, pool, out);

	/* an Image still held in memory becomes a file of the media store */
	if (rc == PXT_OK && pxt_value_held(out) &&
	    (rc = pxt_img_materialize(pool, out, true)) != PXT_OK && e->kind ==
	    PXT_EXPR_CALL)
		pxt_seterr(rc, "%s: %s", e->name, pxt_errmsg());
	return rc;
}
