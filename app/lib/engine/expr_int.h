/*
 * expr_int.h - the expression node (internal to libpxt).
 */
#ifndef PXT_EXPR_INT_H
#define PXT_EXPR_INT_H

#include "pxt/expr.h"
#include "catalog/catalog_int.h"
#include "engine/udf_int.h"

enum pxt_expr_kind { PXT_EXPR_COL, PXT_EXPR_LIT, PXT_EXPR_OP, PXT_EXPR_CALL };

struct pxt_expr {
	enum pxt_expr_kind kind;
	char *name;		/* column, operator or function */
	char **path;		/* COL: keys into a Json column */
	int npath;
	char *sig;		/* CALL: the signature recorded when serialized */
	const pxt_udf *udf;	/* CALL: the form chosen by the last check (a memo) */
	pxt_type type;		/* LIT */
	char *s;		/* LIT: a String's text, a Json value's compact JSON */
	int64_t i;
	double f;
	bool b;
	pxt_expr **args;	/* OP (2), CALL */
	int nargs;
};

/* Index of an operator in "+ - * / = != < <= > >=", or -1. */
int pxt_expr_op_index(const char *op);

/* Write e as JSON (the catalog form) with w. */
void pxt_expr_write(pxt_jw *w, const pxt_expr *e);

/* Whether a and b are the same expression (recorded signatures not compared). */
bool pxt_expr_equal(const pxt_expr *a, const pxt_expr *b);

/*
 * pxt_expr_eval_arg is pxt_expr_eval for an argument the caller passes to a function
 * itself (a batch call): an Image made in the expression becomes a temporary file,
 * deleted with pool, rather than a file of the media store.
 */
pxt_err pxt_expr_eval_arg(const pxt_expr *e, const pxt_table *t, const pxt_value *row,
    pxt_pool *pool, pxt_value *out);

#define PXT_OP_IS_ARITH(i) ((i) >= 0 && (i) <= 3)

#endif
