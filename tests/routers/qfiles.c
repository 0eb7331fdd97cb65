/*
 * qfiles.c - a test router over test/files (made by test_compute): the query
 * files_by_note, served by it_upload.sh with return_fileresponse both from C (GET
 * /api/qfiles/by_note) and by name from its service file.
 */
#include "pxt/router.h"

/* files.select(files.note, files.doc).where(files.note == note) */
static pxt_err
qfiles_init(pxt_router *r)
{
	pxt_table *files = pxt_get_table(pxt_router_env(r), "test/files");
	pxt_route_opts o = {PXT_ROUTE_OPTS_INIT, .return_fileresponse = true};
	pxt_query *q;

	if (files == NULL)
		return pxt_errcode();
	pxt_router_prefix(r, "/api/qfiles");
	q = pxt_query_new(files, "files_by_note");
	pxt_query_select(q, (const char *const[]){"note", "doc", NULL});
	pxt_query_where(q, pxt_q_eq(pxt_q_col(q, "note"), pxt_q_param(q, "note",
	    PXT_STRING)));
	return pxt_add_query_route_opts(r, "/by_note", q, PXT_GET, &o);
}

PXT_ROUTER("qfiles", "0", qfiles_init, NULL)
