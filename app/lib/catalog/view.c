/*
 * view.c - views in the catalog: the iterator a view stores (made from its
 * definition, written as JSON and read back), and which base column it reads. The
 * rows it yields and creating a view are the engine's (engine/view_rows.c,
 * engine/view_create.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/ident.h"
#include "catalog/catalog_int.h"

void
pxt_iter_free(struct pxt_iter *it)
{
	if (it == NULL)
		return;
	free(it->input);
	free(it->separators);
	free(it);
}

pxt_err
pxt_iter_make(const pxt_iter_def *d, struct pxt_iter **out)
{
	struct pxt_iter *it;
	pxt_err rc;

	*out = NULL;
	if (d == NULL || d->name == NULL || d->input == NULL)
		return pxt_seterr(PXT_EINVAL, "a view needs an iterator with a name and an "
		    "input column");
	if ((it = calloc(1, sizeof(*it))) == NULL)
		return PXT_ENOMEM;
	if (strcmp(d->name, "document_splitter") == 0)
		it->kind = PXT_ITER_DOCUMENT;
	else if (strcmp(d->name, "string_splitter") == 0)
		it->kind = PXT_ITER_STRING;
	else {
		free(it);
		return pxt_seterr(PXT_EINVAL, "unknown iterator '%s' (document_splitter or "
		    "string_splitter)", d->name);
	}
	it->input = strdup(d->input);
	it->separators = strdup(d->separators ? d->separators : "");
	it->opts.limit = d->limit;
	it->opts.overlap = d->overlap;
	if (it->input == NULL || it->separators == NULL)
		rc = PXT_ENOMEM;
	else if ((rc = pxt_split_parse(it->separators, &it->opts)) == PXT_OK)
		rc = pxt_split_check(&it->opts);
	if (rc != PXT_OK) {
		pxt_iter_free(it);
		return pxt_seterr(rc, "iterator %s: %s", d->name, pxt_errmsg());
	}
	*out = it;
	return PXT_OK;
}

const char *
pxt_iter_name(const struct pxt_iter *it)
{
	return it->kind == PXT_ITER_DOCUMENT ? "document_splitter" : "string_splitter";
}

pxt_err
pxt_iter_json(const struct pxt_iter *it, pxt_buf *b)
{
	pxt_jw w;

	pxt_jw_init(&w, b);
	pxt_jw_obj_begin(&w);
	pxt_jw_key(&w, "name");
	pxt_jw_cstr(&w, pxt_iter_name(it));
	pxt_jw_key(&w, "input");
	pxt_jw_cstr(&w, it->input);
	pxt_jw_key(&w, "separators");
	pxt_jw_cstr(&w, it->separators);
	pxt_jw_key(&w, "limit");
	pxt_jw_int(&w, it->opts.limit);
	pxt_jw_key(&w, "overlap");
	pxt_jw_int(&w, it->opts.overlap);
	pxt_jw_obj_end(&w);
	return b->failed ? PXT_ENOMEM : PXT_OK;
}

pxt_err
pxt_iter_parse(const char *json, struct pxt_iter **out)
{
	pxt_pool *pool = pxt_pool_new(0);
	pxt_iter_def d = {sizeof(d), NULL, NULL, NULL, 0, 0};
	const pxt_json *v;
	pxt_json *j;
	pxt_err rc;

	*out = NULL;
	if (pool == NULL)
		return PXT_ENOMEM;
	rc = pxt_json_parse(pool, json, strlen(json), 8, &j);
	if (rc == PXT_OK && j->type == PXT_JSON_OBJECT) {
		if ((v = pxt_json_get(j, "name")) && v->type == PXT_JSON_STRING)
			d.name = v->u.str.s;
		if ((v = pxt_json_get(j, "input")) && v->type == PXT_JSON_STRING)
			d.input = v->u.str.s;
		if ((v = pxt_json_get(j, "separators")) && v->type == PXT_JSON_STRING)
			d.separators = v->u.str.s;
		if ((v = pxt_json_get(j, "limit")) && v->type == PXT_JSON_INT)
			d.limit = (int)v->u.i;
		if ((v = pxt_json_get(j, "overlap")) && v->type == PXT_JSON_INT)
			d.overlap = (int)v->u.i;
		rc = pxt_iter_make(&d, out);
	} else if (rc == PXT_OK) {
		rc = pxt_seterr(PXT_EINVAL, "the stored iterator is not an object");
	}
	pxt_pool_free(pool);
	return rc;
}

bool
pxt_view_reads(const pxt_table *v, const pxt_table *b, int i)
{
	return v->iter != NULL && strcmp(b->cols[i].name, v->iter->input) == 0;
}
