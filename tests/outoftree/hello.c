/*
 * hello.c - a router module built out of tree, against the installed headers, the
 * pkg-config file or the CMake package of libpxt (tests/integration/it_out_of_tree.sh).
 */
#include <pxt/router.h>

static pxt_err
hello_handler(pxt_req *req, void *ud)
{
	pxt_jw *w = pxt_res_json(req, 200);

	(void)ud;
	pxt_jw_obj_begin(w);
	pxt_jw_key(w, "hello");
	pxt_jw_cstr(w, "world");
	pxt_jw_obj_end(w);
	return PXT_OK;
}

static pxt_err
hello_init(pxt_router *r)
{
	pxt_router_prefix(r, "/api/hello");
	return pxt_add_route(r, PXT_GET, "/", hello_handler, NULL);
}

PXT_ROUTER("hello", "1.0", hello_init, NULL)
