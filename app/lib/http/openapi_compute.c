/*
 * openapi_compute.c - the OpenAPI pieces of compute routes (see openapi_int.h): their
 * description and their answer, an array of the rows computed (their
 * multipart/form-data request is an insert route's: openapi_media.c).
 */
#include "http/openapi_int.h"

const char *
pxt_oa_compute_description(const struct pxt_table_route *tr)
{
	if (tr != NULL && tr->fileresponse)
		return "Computes the row as an insert would, stores nothing and answers the "
		    "media file of the one row computed: 404 when there is none, 409 when "
		    "there are several.";
	if (tr != NULL && tr->out != tr->t)
		return "Computes the view's rows for one row of its base, as an insert "
		    "would, and answers them (none, one or several); nothing is stored. "
		    "Generated media stay fetchable as long as their URLs live.";
	return "Computes the row as an insert would, computed columns included, and "
	    "answers it in an array; nothing is stored. Generated media stay fetchable "
	    "as long as their URLs live.";
}

void
pxt_oa_compute_rows(pxt_jw *w, const struct pxt_table_route *tr)
{
	pxt_jw_obj_begin(w);
	pxt_oa_kstr(w, "type", "array");
	pxt_jw_key(w, "items");
	pxt_oa_table_row(w, tr);
	pxt_jw_obj_end(w);
}
