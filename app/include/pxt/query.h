/*
 * pxt/query.h - named, parameterized queries built with the C API (the seed's
 * @pxt.query), compiled once into prepared SQL.
 *
 *	pxt_query *q = pxt_query_new(docs, "list_documents");
 *	pxt_query_order_by(q, "timestamp", true);
 *	pxt_query_limit(q, 20, 1000);		// `limit` and `offset` parameters
 *	pxt_query_where(q, pxt_q_eq(pxt_q_col(q, "kind"), pxt_q_param(q, "kind",
 *	    PXT_STRING)));
 *
 * Builder mistakes (an unknown column, a LIKE on an Int) are remembered by the query and
 * reported, with the query's name, when it is added to a route, so a router fails at
 * start-up, never at request time.
 */
#ifndef PXT_QUERY_H
#define PXT_QUERY_H

#include "pxt/api.h"

#include <stdbool.h>
#include <stdint.h>

#include "pxt/catalog.h"
#include "pxt/error.h"
#include "pxt/expr.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pxt_query pxt_query;
typedef struct pxt_qexpr pxt_qexpr;

/*
 * pxt_query_new starts a query over table t named name (used in messages and OpenAPI).
 * The query lives as long as t's environment. NULL only when out of memory.
 */
PXT_API pxt_query *pxt_query_new(pxt_table *t, const char *name);

/*
 * pxt_query_select sets the output columns (NULL-terminated); the default is all.
 * "col.errortype" and "col.errormsg" of a computed column select its error cells,
 * answered as "col_errortype" and "col_errormsg" (null where the value computed).
 */
PXT_API void pxt_query_select(pxt_query *q, const char *const *cols);

/*
 * Expressions: a column (of a view's base table too, joined in when used), a declared
 * parameter, comparisons, LIKE, AND, OR.
 */
PXT_API pxt_qexpr *pxt_q_col(pxt_query *q, const char *name);
PXT_API pxt_qexpr *pxt_q_param(pxt_query *q, const char *name, pxt_type type);
PXT_API pxt_qexpr *pxt_q_eq(pxt_qexpr *a, pxt_qexpr *b);
PXT_API pxt_qexpr *pxt_q_lt(pxt_qexpr *a, pxt_qexpr *b);
PXT_API pxt_qexpr *pxt_q_gt(pxt_qexpr *a, pxt_qexpr *b);
PXT_API pxt_qexpr *pxt_q_like(pxt_qexpr *a, pxt_qexpr *b);
PXT_API pxt_qexpr *pxt_q_and(pxt_qexpr *a, pxt_qexpr *b);
PXT_API pxt_qexpr *pxt_q_or(pxt_qexpr *a, pxt_qexpr *b);

/*
 * pxt_q_similarity: how close the String column (which has an embedding index) is to
 * the text of the String parameter arg, as the index's metric scores it (cosine
 * similarity; inner product; Euclidean distance for L2). The request's text is
 * embedded with the index's function when the query runs; use the parameter nowhere
 * else. Usable in where (pxt_q_gt(sim, pxt_q_param(q, "min", PXT_FLOAT))), order by
 * (pxt_query_order_by_expr) and as an output (pxt_query_select_expr). With pgvector
 * an order by similarity with a limit uses its index; otherwise the score is computed
 * over the rows the query keeps (pxt_search is the fast top-k over a whole table).
 */
PXT_API pxt_qexpr *pxt_q_similarity(pxt_query *q, const char *column, pxt_qexpr *arg);

/* pxt_query_order_by_expr appends a sort key that is a numeric expression. */
PXT_API void pxt_query_order_by_expr(pxt_query *q, pxt_qexpr *e, bool desc);

/*
 * pxt_query_select_expr adds an output named name (not a column's name) holding the
 * value of e (a similarity), after the columns.
 */
PXT_API void pxt_query_select_expr(pxt_query *q, const char *name, pxt_qexpr *e);

/*
 * pxt_query_select_as adds an output named name holding the value of e, an expression
 * of pxt/expr.h over the row (the query takes e over, also on failure): a column under
 * another name (pxt_col("document")), a path into a Json column ("metadata.author"), a
 * literal, arithmetic, a comparison, a call of a built-in or registered function,
 * nested. A view's query may name its base table's columns ("title" of the documents
 * a chunk comes from): they are joined in only when used. What PostgreSQL can compute
 * (columns, paths, literals, + - * /, comparisons, length) is compiled into the SQL;
 * an output calling any other function is evaluated in C over the columns it reads.
 * e is type-checked here (unknown column or function, type mismatch: a builder
 * mistake naming the query). Outputs follow the columns of pxt_query_select in the
 * answer; without pxt_query_select, the query answers only its outputs.
 */
PXT_API void pxt_query_select_as(pxt_query *q, const char *name, pxt_expr *e);

/*
 * More conditions: >=, <=, != (SQL <>), NOT, IN and the length of a String in
 * characters. pxt_q_in's list is pxt_q_list (literal values as text, checked against
 * a's type) or a Json parameter (pxt_q_param(q, name, PXT_JSON)) whose value must be
 * an array of values of a's type (422 otherwise).
 */
PXT_API pxt_qexpr *pxt_q_ge(pxt_qexpr *a, pxt_qexpr *b);
PXT_API pxt_qexpr *pxt_q_le(pxt_qexpr *a, pxt_qexpr *b);
PXT_API pxt_qexpr *pxt_q_ne(pxt_qexpr *a, pxt_qexpr *b);
PXT_API pxt_qexpr *pxt_q_not(pxt_qexpr *a);
PXT_API pxt_qexpr *pxt_q_in(pxt_qexpr *a, pxt_qexpr *list);
PXT_API pxt_qexpr *pxt_q_list(pxt_query *q, const char *const *values);
PXT_API pxt_qexpr *pxt_q_len(pxt_qexpr *a);

/*
 * pxt_q_expr makes an operand of an expression of pxt/expr.h (taken over) that
 * PostgreSQL can compute: a literal (pxt_lit_int(30)), a Json path, arithmetic,
 * length(...). A call of another function is a builder mistake here (it belongs in
 * the select list).
 */
PXT_API pxt_qexpr *pxt_q_expr(pxt_query *q, pxt_expr *e);

/*
 * pxt_q_param_default declares a parameter, like pxt_q_param, that a request may omit:
 * it then takes def (text, checked against type: "4", "true", a JSON array for Json).
 * OpenAPI shows the default; a parameter without one stays required.
 */
PXT_API pxt_qexpr *pxt_q_param_default(pxt_query *q, const char *name, pxt_type type,
    const char *def);

/*
 * pxt_query_limit_param limits the rows to the value of an Int parameter (Pixeltable's
 * `def f(limit: int = 4): return t.select().limit(limit)`): give p a default to make it
 * optional; a negative value is a 422. Not together with pxt_query_limit.
 */
PXT_API void pxt_query_limit_param(pxt_query *q, pxt_qexpr *p);

/* pxt_query_where sets the filter (replacing an earlier one). */
PXT_API void pxt_query_where(pxt_query *q, pxt_qexpr *e);

/* pxt_query_order_by appends a sort key. */
PXT_API void pxt_query_order_by(pxt_query *q, const char *col, bool desc);

/*
 * pxt_query_limit adds the `limit` (default def, at most max: a larger value is a 422,
 * not clamped) and `offset` (default 0) parameters.
 */
PXT_API void pxt_query_limit(pxt_query *q, int64_t def, int64_t max);

/*
 * pxt_query_parent makes a route answer 404 instead of an empty list when no row of
 * parent has column col equal to parameter param (already declared with pxt_q_param):
 * "the chunks of a document that does not exist". Checked only when the query finds
 * no row.
 */
PXT_API void pxt_query_parent(pxt_query *q, pxt_table *parent, const char *col,
    const char *param);

/*
 * pxt_query_check returns PXT_OK for a well-formed query, else the first builder
 * mistake (PXT_EINVAL / PXT_ENOTFOUND) with a message naming the query.
 */
PXT_API pxt_err pxt_query_check(pxt_query *q);

/*
 * pxt_query_find returns the query named name that a router made with pxt_query_new
 * (the first, when several share the name), or NULL. The service file's query routes
 * name their query this way.
 */
PXT_API pxt_query *pxt_query_find(pxt_env *env, const char *name);

/* pxt_query_table_path returns the path of the table (or view) q reads. */
PXT_API const char *pxt_query_table_path(const pxt_query *q);

/* pxt_query_name and pxt_query_sql (the compiled SQL, NULL until compiled). */
PXT_API const char *pxt_query_name(const pxt_query *q);
PXT_API const char *pxt_query_sql(pxt_query *q);

#ifdef __cplusplus
}
#endif
#endif
