/*
 * expr.c - expression trees: builders, equality and freeing (see pxt/expr.h). Type
 * checking and the catalog's JSON form are in expr_check.c, reading it back and
 * evaluation in expr_eval.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/expr_int.h"

static pxt_expr *
pxt_expr_new(enum pxt_expr_kind kind)
{
	pxt_expr *e = calloc(1, sizeof(*e));

	if (e != NULL)
		e->kind = kind;
	else
		pxt_seterr(PXT_ENOMEM, "out of memory building an expression");
	return e;
}

void
pxt_expr_free(pxt_expr *e)
{
	if (e == NULL)
		return;
	for (int i = 0; i < e->nargs; i++)
		pxt_expr_free(e->args[i]);
	for (int i = 0; i < e->npath; i++)
		free(e->path[i]);
	free(e->args);
	free(e->path);
	free(e->name);
	free(e->sig);
	free(e->s);
	free(e);
}

static bool
pxt_str_eq(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

bool
pxt_expr_equal(const pxt_expr *a, const pxt_expr *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (a->kind != b->kind || !pxt_str_eq(a->name, b->name) ||
	    a->npath != b->npath || a->nargs != b->nargs)
		return false;
	for (int i = 0; i < a->npath; i++)
		if (!pxt_str_eq(a->path[i], b->path[i]))
			return false;
	if (a->kind == PXT_EXPR_LIT && (a->type != b->type || !pxt_str_eq(a->s, b->s) ||
	    a->i != b->i || a->f != b->f || a->b != b->b))
		return false;
	for (int i = 0; i < a->nargs; i++)
		if (!pxt_expr_equal(a->args[i], b->args[i]))
			return false;
	return true;
}

pxt_expr *
pxt_col(const char *name)
{
	pxt_expr *e;
	const char *dot;

	if (name == NULL || (e = pxt_expr_new(PXT_EXPR_COL)) == NULL)
		return NULL;
	/* "metadata.author.name": the column, then a path into its JSON */
	dot = strchr(name, '.');
	e->name = dot ? strndup(name, (size_t)(dot - name)) : strdup(name);
	while (e->name != NULL && dot != NULL) {
		const char *next = strchr(dot + 1, '.');
		char **grown = realloc(e->path, sizeof(char *) * (size_t)(e->npath + 1));

		if (grown == NULL)
			break;
		e->path = grown;
		e->path[e->npath] = next ? strndup(dot + 1, (size_t)(next - dot - 1)) :
		    strdup(dot + 1);
		if (e->path[e->npath++] == NULL)
			break;
		dot = next;
	}
	if (e->name == NULL || dot != NULL) {
		pxt_expr_free(e);
		pxt_seterr(PXT_ENOMEM, "out of memory building an expression");
		return NULL;
	}
	return e;
}

/* A literal of type, its value filled by the caller; NULL when out of memory. */
static pxt_expr *
pxt_lit_new(pxt_type type)
{
	pxt_expr *e = pxt_expr_new(PXT_EXPR_LIT);

	if (e != NULL)
		e->type = type;
	return e;
}

pxt_expr *
pxt_lit_str(const char *s)
{
	pxt_expr *e = s ? pxt_lit_new(PXT_STRING) : NULL;

	if (e != NULL && (e->s = strdup(s)) == NULL) {
		pxt_expr_free(e);
		return NULL;
	}
	return e;
}

pxt_expr *
pxt_lit_json(const char *json)
{
	pxt_pool *pool = json ? pxt_pool_new(0) : NULL;
	pxt_buf b = PXT_BUF_INIT;
	pxt_expr *e = NULL;
	pxt_json *v;
	pxt_jw w;

	if (pool == NULL)
		return NULL;
	if (pxt_json_parse(pool, json, strlen(json), 16, &v) != PXT_OK) {
		pxt_seterr(PXT_EINVAL, "pxt_lit_json: %s", pxt_errmsg());
	} else {
		/* kept compact, as the catalog writes it */
		pxt_jw_init(&w, &b);
		pxt_jw_value(&w, v);
		if (!b.failed && (e = pxt_lit_new(PXT_JSON)) != NULL &&
		    (e->s = strdup(pxt_buf_str(&b))) == NULL) {
			pxt_expr_free(e);
			e = NULL;
		}
	}
	pxt_buf_free(&b);
	pxt_pool_free(pool);
	return e;
}

pxt_expr *
pxt_lit_int(int64_t v)
{
	pxt_expr *e = pxt_lit_new(PXT_INT);

	if (e != NULL)
		e->i = v;
	return e;
}

pxt_expr *
pxt_lit_float(double v)
{
	pxt_expr *e = pxt_lit_new(PXT_FLOAT);

	if (e != NULL)
		e->f = v;
	return e;
}

pxt_expr *
pxt_lit_bool(bool v)
{
	pxt_expr *e = pxt_lit_new(PXT_BOOL);

	if (e != NULL)
		e->b = v;
	return e;
}

static const char *const pxt_ops[] = {"+", "-", "*", "/", "=", "!=", "<", "<=", ">",
    ">="};

int
pxt_expr_op_index(const char *op)
{
	for (int i = 0; op != NULL && i < (int)(sizeof(pxt_ops) / sizeof(*pxt_ops)); i++)
		if (strcmp(op, pxt_ops[i]) == 0)
			return i;
	return -1;
}

pxt_expr *
pxt_op(const char *op, pxt_expr *a, pxt_expr *b)
{
	pxt_expr *e = NULL;

	if (a != NULL && b != NULL && pxt_expr_op_index(op) < 0)
		pxt_seterr(PXT_EINVAL, "unknown operator '%s'", op ? op : "(null)");
	else if (a != NULL && b != NULL && (e = pxt_expr_new(PXT_EXPR_OP)) != NULL) {
		e->name = strdup(op);
		e->args = calloc(2, sizeof(pxt_expr *));
		if (e->name == NULL || e->args == NULL) {
			pxt_expr_free(e);
			e = NULL;
		} else {
			e->args[0] = a;
			e->args[1] = b;
			e->nargs = 2;
			return e;
		}
	}
	pxt_expr_free(a);
	pxt_expr_free(b);
	return NULL;
}

pxt_expr *
pxt_call(const char *fn, ...)
{
	pxt_expr *e = pxt_expr_new(PXT_EXPR_CALL), *arg;
	bool failed = e == NULL || fn == NULL || (e->name = strdup(fn)) == NULL;
	va_list ap;

	va_start(ap, fn);
	while ((arg = va_arg(ap, pxt_expr *)) != NULL) {
		pxt_expr **grown = failed ? NULL : realloc(e->args, sizeof(pxt_expr *) *
		    (size_t)(e->nargs + 1));

		if (grown == NULL || e->nargs == PXT_UDF_MAX_ARGS) {
			failed = true;
			pxt_expr_free(arg);
			continue;
		}
		e->args = grown;
		e->args[e->nargs++] = arg;
	}
	va_end(ap);
	if (failed) {
		pxt_expr_free(e);
		return NULL;
	}
	return e;
}
