/*
 * query_int.h - the query structures shared by query.c (the builder), query_run.c
 * (compilation), search/query_sim.c (similarity) and http/query_route.c (binding, the
 * route handler); internal to libpxt.
 */
#ifndef PXT_QUERY_INT_H
#define PXT_QUERY_INT_H

#include "pxt/query.h"
#include "catalog/catalog_int.h"
#include "engine/value_int.h"

#define PXT_Q_MAX_PARAMS 32
#define PXT_Q_MAX_ORDER 8
#define PXT_Q_MAX_ERRSEL 16
#define PXT_Q_MAX_XSEL 4

enum pxt_qop { PXT_Q_COL, PXT_Q_PARAM, PXT_Q_EQ, PXT_Q_LT, PXT_Q_GT, PXT_Q_LIKE,
	PXT_Q_AND, PXT_Q_OR, PXT_Q_SIM };

struct pxt_qexpr {
	enum pxt_qop op;
	pxt_query *q;
	const pxt_column *col;	/* COL */
	int col_index;
	int param;		/* PARAM: index into q->params */
	pxt_qexpr *a, *b;	/* SIM: a is the query text's parameter */
	char *sim_col;		/* SIM: the column with an embedding index */
	char *sim_sql;		/* SIM: its SQL, made when the query compiles */
};

struct pxt_qparam {
	const char *name;
	pxt_type type;
	bool is_limit, is_offset;
	char *embed_fn;		/* a similarity's text: embedded with this function */
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
		pxt_qexpr *e;	/* an expression (a similarity) instead of col */
	} order[PXT_Q_MAX_ORDER];
	int norder;
	struct {
		char *name;
		pxt_qexpr *e;
	} xsel[PXT_Q_MAX_XSEL];	/* computed outputs: pxt_query_select_expr */
	int nxsel;
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
	/* set by pxt_q_similarity: makes the similarities' SQL when q compiles */
	pxt_err (*sim_resolve)(pxt_query *q);
};

/* The type of an expression's value (media columns compare as String). */
pxt_type pxt_q_type(const pxt_qexpr *e);

/* Whether query ud (a pxt_query) answers column c. */
bool pxt_q_selected(const void *ud, const pxt_column *c);

/* A node of q (pool memory), or NULL when out of memory. */
pxt_qexpr *pxt_q_node(pxt_query *q, enum pxt_qop op);
/* Record the first builder mistake of q: fmt has one %s, filled with arg. */
void pxt_q_error(pxt_query *q, pxt_err code, const char *fmt, const char *arg);

/*
 * pxt_q_compile builds q->sql for the current shape of its table (again whenever the
 * catalog changed: q->generation). Errors: PXT_ENOTFOUND for a column that is gone or
 * a similarity without its index, PXT_ENOMEM.
 */
pxt_err pxt_q_compile(pxt_query *q);

#endif
