/*
 * bgfiles.c - a test router over test/boom_files (made by test_compute): a background
 * insert route taking its document as an upload, declared from C (POST
 * /api/bgfiles/files), served by it_jobs_upload.sh.
 */
#include "pxt/router.h"

static pxt_err
bgfiles_init(pxt_router *r)
{
	static const char *const uploads[] = {"doc", NULL};
	static const char *const inputs[] = {"s", NULL};
	static const char *const outputs[] = {"uuid", "b", NULL};
	pxt_table *files = pxt_get_table(pxt_router_env(r), "test/boom_files");
	pxt_route_opts o = {PXT_ROUTE_OPTS_INIT, .inputs = inputs, .outputs = outputs,
	    .uploadfile_inputs = uploads, .background = true};

	if (files == NULL)
		return pxt_errcode();
	pxt_router_prefix(r, "/api/bgfiles");
	return pxt_add_insert_route(r, "/files", files, &o);
}

PXT_ROUTER("bgfiles", "0", bgfiles_init, NULL)
