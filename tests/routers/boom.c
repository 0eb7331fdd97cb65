/*
 * boom.c - a test router: insert and update routes over the tables test/boom_abort
 * and test/boom_ignore (made by test_compute), whose computed column b calls the
 * test module's boom(): failures, crashes and hangs of a UDF through the real stack.
 */
#include "pxt/router.h"

static pxt_err
boom_init(pxt_router *r)
{
	pxt_env *env = pxt_router_env(r);
	pxt_table *a = pxt_get_table(env, "test/boom_abort");
	pxt_table *i = pxt_get_table(env, "test/boom_ignore");
	pxt_table *w;
	pxt_query *q;
	pxt_err rc;

	if (a == NULL || i == NULL)
		return pxt_errcode();
	pxt_router_prefix(r, "/api/boom");
	if ((rc = pxt_add_insert_route(r, "/abort", a, NULL)) != PXT_OK ||
	    (rc = pxt_add_update_route(r, "/abort/update", a, NULL)) != PXT_OK)
		return rc;
	if ((rc = pxt_add_insert_route(r, "/ignore", i, NULL)) != PXT_OK)
		return rc;
	if ((w = pxt_get_table(env, "test/wrong")) != NULL &&
	    (rc = pxt_add_insert_route(r, "/wrong", w, NULL)) != PXT_OK)
		return rc;
	/* the error cells of on_error = ignore, queried like columns */
	q = pxt_query_new(i, "boom_errors");
	pxt_query_select(q, (const char *const[]){"s", "b", "b.errortype", "b.errormsg",
	    NULL});
	pxt_query_order_by(q, "s", false);
	return pxt_add_query_route(r, "/ignore", q, PXT_GET, false);
}

PXT_ROUTER("boom", "0", boom_init, NULL)
