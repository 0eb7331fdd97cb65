/*
 * query_int.h - the query structures shared by query.c (the builder), query_run.c
 * (compilation), search/query_sim.c (similarity) and http/query_route.c (binding, the
 * route handler); internal to libpxt.
 */
#ifndef PXT_QUERY_INT_H
#define PXT_QUERY_INT_H

#include "pxt/expr.h"
#include "pxt/query.h"
#include "catalog/catalog_int.h"
#include "engine/value_int.h"

#define PXT_Q_MAX_PARAMS 32
#define PXT_Q_MAX_ORDER 8
#define PXT_Q_MAX_ERRSEL 16
#define PXT_Q_MAX_XSEL 4
#define PXT_Q_MAX_OUTS 16

/* Operators; the comparisons and connectives have their SQL in query_run.c. */
enum pxt_qop { PXT_Q_COL, PXT_Q_PARAM, PXT_Q_EQ, PXT_Q_LT, PXT_Q_GT, PXT_Q_LIKE,
	PXT_Q_AND, PXT_Q_OR, PXT_Q_SIM, PXT_Q_GE, PXT_Q_LE, PXT_Q_NE, PXT_Q_NOT,
	PXT_Q_IN, PXT_Q_LEN, PXT_Q_EXPR, PXT_Q_LIST };

struct pxt_expr;

struct pxt_qexpr {
	enum pxt_qop op;
	pxt_query *q;
	const pxt_column *col;	/* COL */
	int col_index;		/* COL: in q->t, or in the base table when base */
	bool base;		/* COL: a column of the view's base table */
	struct pxt_expr *x;	/* EXPR: an expression computed in SQL (owned by q) */
	pxt_type type;		/* COL, EXPR: its type; LIST: the type of the values */
	char **list;		/* LIST: the values, as text */
	int nlist;
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
	const char *def;	/* the default (text), or NULL: a required parameter */
	pxt_type elem;		/* a Json parameter of an IN: its elements' type */
	bool nonneg;		/* pxt_query_limit_param: must not be negative */
};

/*
 * An output of pxt_query_select_as: name = e. Computed in SQL (sql) when every part
 * of e can be, else evaluated in C over the row, its columns fetched (in_c).
 */
struct pxt_qout {
	char *name;
	struct pxt_expr *e;	/* owned by the query (freed with its pool) */
	pxt_type type;
	bool in_c;
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
	struct pxt_qout outs[PXT_Q_MAX_OUTS];	/* pxt_query_select_as */
	int nouts;
	int limit_param;	/* pxt_query_limit_param: its parameter + 1, or 0 */
	/*
	 * Made when the query compiles: xt, the columns an expression may name (the
	 * table's, then its base table's when it is a view), nview of them the table's;
	 * bused[i] marks the base columns the SQL reads (joined only then); fetch[i], for
	 * the columns the C outputs need, their result column + 1.
	 */
	pxt_table *xt;
	int nview;
	unsigned char *bused;
	int *fetch;
	int out_col;		/* the result column of the first expression output */
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

/*
 * pxt_q_xtable makes q->xt for the table's current shape (the table itself, or for a
 * view its columns and its base table's); PXT_ENOTFOUND when the base is gone.
 */
pxt_err pxt_q_xtable(pxt_query *q);

/*
 * pxt_q_sqlable tells whether e can be computed by PostgreSQL (columns, JSON paths,
 * literals, arithmetic, comparisons, length()); e type-checked against q->xt.
 */
bool pxt_q_sqlable(const struct pxt_expr *e);

/*
 * pxt_q_xsql appends the SQL of e (pxt_q_sqlable) and marks the base columns it reads
 * in q->bused; as_output: formatted for the JSON answer (Timestamps as RFC 3339).
 */
void pxt_q_xsql(pxt_buf *b, pxt_query *q, const struct pxt_expr *e, bool as_output);

/*
 * pxt_q_outs_sql appends the expression outputs computed in SQL to the select list
 * in b (which starts with "SELECT "), and marks the columns the others read; the
 * type check's error naming the query and the output when the table changed.
 */
pxt_err pxt_q_outs_sql(pxt_buf *b, pxt_query *q);

/* pxt_q_lit appends s as an SQL string literal. */
void pxt_q_lit(pxt_buf *b, const char *s);

/*
 * pxt_q_fetch_sql appends the columns the outputs evaluated in C read, each once
 * numbering them in q->fetch: the first is result column next.
 */
void pxt_q_fetch_sql(pxt_buf *b, pxt_query *q, int next);

/*
 * pxt_q_eval_out evaluates output k (in_c) over row `row` of res; *out may point into
 * pool or res. The function's error (message set) when it fails.
 */
pxt_err pxt_q_eval_out(pxt_query *q, int k, const PGresult *res, int row,
    pxt_pool *pool, pxt_value *out);

/* pxt_q_base_sql appends the join of the base table when a base column is read. */
void pxt_q_base_sql(pxt_buf *b, const pxt_query *q);

/*
 * pxt_q_nout returns the number of outputs of q (columns, error cells, similarities,
 * expressions).
 */
int pxt_q_nout(const pxt_query *q);

/*
 * pxt_q_text_ok tells whether text is a valid value of type (an Int, a Float, true or
 * false, a UUID, a timestamp; a Json array for Json; any text otherwise).
 */
bool pxt_q_text_ok(pxt_pool *pool, pxt_type type, const char *text);

/* The type of an expression's value (media columns compare as String). */
pxt_type pxt_q_type(const pxt_qexpr *e);

/* Whether query ud (a pxt_query) answers column c. */
bool pxt_q_selected(const void *ud, const pxt_column *c);

/* A comparison or connective of a and b, type-checked (mistakes recorded in q). */
pxt_qexpr *pxt_q_binary(enum pxt_qop op, pxt_qexpr *a, pxt_qexpr *b);

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
