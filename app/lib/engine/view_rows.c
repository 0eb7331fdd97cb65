/*
 * view_rows.c - the rows of a view: the chunks its iterator yields for one base row,
 * with their computed columns (see write_int.h). The iterator itself is the
 * catalog's (catalog/view.c); creating a view is view_create.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/ident.h"
#include "docs/doc_int.h"
#include "media/media_store_int.h"
#include "engine/write_int.h"

/* The chunks of one input value. */
static pxt_err
pxt_iter_run(const struct pxt_iter *it, pxt_pool *pool, const pxt_value *in,
    pxt_chunk **chunks, int *n)
{
	const pxt_doc *doc;
	const char *path;
	pxt_err rc;

	*n = 0;
	if (in->null)
		return PXT_OK;
	if (it->kind == PXT_ITER_STRING)
		return pxt_string_split(pool, in->u.str.s, in->u.str.len, &it->opts, chunks,
		    n);
	if ((rc = pxt_media_local(pool, in->u.str.s, &path)) != PXT_OK ||
	    (rc = pxt_doc_extract(pool, path, &doc)) != PXT_OK)
		return rc;
	return pxt_doc_split(pool, doc, &it->opts, chunks, n);
}

/* Set column name of view row w to a string / an int (when v has it). */
static void
pxt_view_set(const pxt_table *v, pxt_wrow *w, const char *name, const char *s,
    size_t len, int64_t i)
{
	const pxt_column *c = pxt_table_find_col(v, name);
	int k;

	if (c == NULL || c->computed != NULL)
		return;
	k = (int)(c - v->cols);
	w->given[k] = 1;
	w->v[k].null = c->type == PXT_INT ? i < 0 : s == NULL;
	if (c->type == PXT_INT) {
		w->v[k].u.i = i;
	} else if (s != NULL) {
		w->v[k].u.str.s = s;
		w->v[k].u.str.len = len;
	}
}

pxt_err
pxt_view_rows(pxt_table *v, const pxt_table *b, pxt_pool *pool, const pxt_wrow *r,
    pxt_wrow **out, int *n)
{
	const pxt_column *in;
	pxt_chunk *chunks = NULL;
	pxt_err rc;

	*out = NULL;
	*n = 0;
	if (v->iter == NULL || (in = pxt_table_find_col(b, v->iter->input)) == NULL)
		return pxt_seterr(PXT_EINTERNAL, "view '%s': its iterator's input is gone",
		    v->path);
	if ((rc = pxt_iter_run(v->iter, pool, &r->v[in - b->cols], &chunks, n)) != PXT_OK)
		return pxt_seterr(rc, "view '%s' (%s over '%s'): %s", v->path,
		    pxt_iter_name(v->iter), in->name, pxt_errmsg());
	if (*n > 0 && (*out = pxt_pcalloc(pool, sizeof(pxt_wrow) * (size_t)*n)) == NULL)
		return PXT_ENOMEM;
	for (int k = 0; k < *n; k++) {
		pxt_wrow *w = &(*out)[k];
		const pxt_chunk *c = &chunks[k];

		if ((rc = pxt_wrow_init(pool, v, w)) != PXT_OK)
			return rc;
		w->base_rowid = r->rowid;
		/* the base's primary key, under the same names */
		for (int i = 0; i < b->ncols; i++) {
			const pxt_column *vc = pxt_table_find_col(v, b->cols[i].name);

			if (!b->cols[i].primary_key || vc == NULL)
				continue;
			w->v[vc - v->cols] = r->v[i];
			w->given[vc - v->cols] = 1;
		}
		pxt_view_set(v, w, "pos", NULL, 0, c->pos);
		pxt_view_set(v, w, "text", c->text, c->len, 0);
		pxt_view_set(v, w, "heading", c->heading, c->heading ?
		    strlen(c->heading) : 0, 0);
		pxt_view_set(v, w, "page", NULL, 0, c->page > 0 ? c->page : -1);
	}
	return pxt_rows_compute(v, pool, *out, *n, NULL);
}
