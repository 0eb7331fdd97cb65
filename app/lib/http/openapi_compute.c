/*
 * openapi_compute.c - the OpenAPI pieces of compute routes (see openapi_int.h): their
 * description, their multipart/form-data request when they take uploads, and their
 * answer, an array of the rows computed.
 */
#include <string.h>

#include "engine/write_int.h"
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

/* Whether compute route tr requires input c (as an insert does). */
static bool
pxt_oa_compute_required(const struct pxt_table_route *tr, const pxt_column *c)
{
	return !c->nullable && !pxt_col_has_default(c, tr->now);
}

void
pxt_oa_compute_form(pxt_jw *w, const struct pxt_table_route *tr)
{
	const pxt_table *t = tr->t;
	int nreq = 0;

	if (tr->uploads == NULL)
		return;
	pxt_jw_key(w, "multipart/form-data");
	pxt_jw_obj_begin(w);
	pxt_jw_key(w, "schema");
	pxt_jw_obj_begin(w);
	pxt_oa_kstr(w, "type", "object");
	pxt_jw_key(w, "properties");
	pxt_jw_obj_begin(w);
	for (int i = 0; i < t->ncols; i++) {
		const pxt_column *c = &t->cols[i];

		if (!pxt_is_input(tr, c))
			continue;
		nreq += pxt_oa_compute_required(tr, c);
		pxt_jw_key(w, c->name);
		if (pxt_in_list(tr->uploads, c->name)) {
			pxt_jw_obj_begin(w);
			pxt_oa_kstr(w, "type", "string");
			pxt_oa_kstr(w, "format", "binary");
			pxt_oa_kstr(w, "x-pxt-type", pxt_type_name(c->type));
			pxt_jw_obj_end(w);
		} else
			pxt_oa_type(w, c->type, c->elem, c->nullable, false);
	}
	pxt_jw_obj_end(w);
	if (nreq > 0) {
		pxt_jw_key(w, "required");
		pxt_jw_arr_begin(w);
		for (int i = 0; i < t->ncols; i++)
			if (pxt_is_input(tr, &t->cols[i]) &&
			    pxt_oa_compute_required(tr, &t->cols[i]))
				pxt_jw_cstr(w, t->cols[i].name);
		pxt_jw_arr_end(w);
	}
	pxt_jw_obj_end(w);
	pxt_jw_obj_end(w);
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
