/*
 * types.c - a test router over test/types (made by test_types): the insert route
 * POST /api/types/rows (JSON or multipart) and the query route GET /api/types/rows
 * (every column, ordered by the key k), for it_types.sh.
 */
#include "pxt/router.h"

static pxt_err
types_init(pxt_router *r)
{
	pxt_table *t = pxt_get_table(pxt_router_env(r), "test/types");
	pxt_query *q;
	pxt_err rc;

	if (t == NULL)
		return pxt_errcode();
	pxt_router_prefix(r, "/api/types");
	if ((rc = pxt_add_insert_route(r, "/rows", t, NULL)) != PXT_OK)
		return rc;
	q = pxt_query_new(t, "types_rows");
	pxt_query_order_by(q, "k", false);
	return pxt_add_query_route(r, "/rows", q, PXT_GET, false);
}

PXT_ROUTER("types", "0", types_init, NULL)
