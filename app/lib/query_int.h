/*
 * query_int.h - the query structures shared by query.c (the builder) and query_run.c
 * (compilation, binding, the route handler); internal to libpxt.
 */
#ifndef PXT_QUERY_INT_H
#define PXT_QUERY_INT_H

#include "catalog_int.h"
#include "http_value.h"

#define PXT_Q_MAX_PARAMS 32
#define PXT_Q_MAX_ORDER 8
#define PXT_Q_MAX_ERRSEL 16

enum pxt_qop { PXT_Q_COL, PXT_Q_PARAM, PXT_Q_EQ, PXT_Q_LT, PXT_Q_GT, PXT_Q_LIKE,
	PXT_Q_AND, PXT_Q_OR };

struct pxt_qexpr {
	enum pxt_qop op;
	pxt_query *q;
	const pxt_column *col;	/* COL */
	int col_index;
	int param;		/* PARAM: index into q->params */
	pxt_qexpr *a, *b;
};

struct pxt_qparam {
	const char *name;
	pxt_type type;
	bool is_limit, is_offset;
};

struct pxt_query {
	struct pxt_query *next;	/* the env's list of named queries */
	pxt_table *t;
	pxt_pool *pool;
	char *name;
	char **select;
	struct {
		char *col;
		bool msg;	/* errormsg, else errortype */
	} errsel[PXT_Q_MAX_ERRSEL];
	int nerrsel;
	pxt_qexpr *where;
	struct {
		char *col;
		bool desc;
	} order[PXT_Q_MAX_ORDER];
	int norder;
	struct pxt_qparam params[PXT_Q_MAX_PARAMS];
	int nparams;
	int64_t limit_def, limit_max;
	pxt_err err;
	char *errmsg;
	pxt_table *parent;	/* pxt_query_parent: 404 when its row is missing */
	char *parent_col;
	int parent_param;
	char *sql;		/* compiled */
	unsigned generation;	/* env generation the SQL was compiled for */
};

/* The type of an expression's value (media columns compare as String). */
pxt_type pxt_q_type(const pxt_qexpr *e);

/* Whether query ud (a pxt_query) answers column c. */
bool pxt_q_selected(const void *ud, const pxt_column *c);

#endif
