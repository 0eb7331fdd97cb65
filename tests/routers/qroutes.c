/*
 * qroutes.c - a test router over the tables test_query makes (qx/docs and its view
 * qx/parts): queries written as Pixeltable writes them, served through the stack by
 * it_query.sh, two of them by name from its service file.
 */
#include "pxt/router.h"

/*
 * parts.select(parts.text, source_doc=parts.body, title=parts.title,
 *     shout=upper(parts.title))
 *   .where((len(parts.text) >= min_len) & parts.title.like(pattern))
 *   .order_by(parts.title, parts.pos).limit(limit)
 * with min_len: int = 10, pattern: str = '%', limit: int = 4
 */
static pxt_err
qroutes_chunks(pxt_router *r, pxt_table *parts)
{
	pxt_query *q = pxt_query_new(parts, "qx_chunks");

	pxt_query_select(q, (const char *const[]){"text", NULL});
	pxt_query_select_as(q, "source_doc", pxt_col("body"));
	pxt_query_select_as(q, "title", pxt_col("title"));
	pxt_query_select_as(q, "shout", pxt_call("upper", pxt_col("title"), NULL));
	pxt_query_where(q, pxt_q_and(pxt_q_ge(pxt_q_len(pxt_q_col(q, "text")),
	    pxt_q_param_default(q, "min_len", PXT_INT, "10")), pxt_q_like(pxt_q_col(q,
	    "title"), pxt_q_param_default(q, "pattern", PXT_STRING, "%"))));
	pxt_query_order_by(q, "title", false);
	pxt_query_order_by(q, "pos", false);
	pxt_query_limit_param(q, pxt_q_param_default(q, "limit", PXT_INT, "4"));
	return pxt_add_query_route(r, "/chunks", q, PXT_GET, false);
}

static pxt_err
qroutes_init(pxt_router *r)
{
	pxt_env *env = pxt_router_env(r);
	pxt_table *docs = pxt_get_table(env, "qx/docs");
	pxt_table *parts = pxt_get_table(env, "qx/parts");
	pxt_query *q;

	if (docs == NULL || parts == NULL)
		return pxt_errcode();
	pxt_router_prefix(r, "/api/qx");
	/* served by the service file: inputs keys and max; skip keeps its default */
	q = pxt_query_new(docs, "qx_by_keys");
	pxt_query_select_as(q, "name", pxt_col("title"));
	pxt_query_select_as(q, "words", pxt_call("word_count", pxt_col("body"), NULL));
	pxt_query_select_as(q, "author", pxt_col("metadata.author"));
	pxt_query_where(q, pxt_q_and(pxt_q_in(pxt_q_col(q, "key"), pxt_q_param(q, "keys",
	    PXT_JSON)), pxt_q_and(pxt_q_le(pxt_q_col(q, "n"), pxt_q_param_default(q,
	    "max", PXT_INT, "10")), pxt_q_ne(pxt_q_col(q, "key"), pxt_q_param_default(q,
	    "skip", PXT_STRING, "")))));
	pxt_query_order_by(q, "n", false);
	/* served by the service file with one_row and return_scalar */
	q = pxt_query_new(docs, "qx_words");
	pxt_query_select_as(q, "words", pxt_call("word_count", pxt_col("body"), NULL));
	pxt_query_where(q, pxt_q_eq(pxt_q_col(q, "key"), pxt_q_param(q, "key",
	    PXT_STRING)));
	/* two outputs: return_scalar refuses it */
	q = pxt_query_new(docs, "qx_two");
	pxt_query_select(q, (const char *const[]){"key", "n", NULL});
	return qroutes_chunks(r, parts);
}

PXT_ROUTER("qroutes", "0", qroutes_init, NULL)
