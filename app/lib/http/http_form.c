/*
 * http_form.c - a multipart/form-data request as a table route's input: plain fields
 * read as the column's values (JSON text for Json, numbers and booleans; as written
 * for strings, timestamps and media references; the raw bytes for Binary) and files
 * of the route's uploadfile_inputs moved into the media store
 * ($PIXELTABLE_HOME/media/uploads/<folder of its own>/<the file's own name>), where
 * they stay only when the route's transaction commits (a compute route's go to
 * media/compute, see compute_route.c). A file given for a Binary column is read as
 * that column's bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/base64_int.h"
#include "catalog/catalog_int.h"
#include "http/http_int.h"
#include "media/media_store_int.h"
#include "http/multipart_int.h"

static bool
pxt_form_in(char **list, const char *name)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

/* A JSON string node for s (in pool). */
static pxt_json *
pxt_form_string(pxt_pool *pool, const char *s, size_t len)
{
	pxt_json *j = pxt_pcalloc(pool, sizeof(*j));

	if (j != NULL) {
		j->type = PXT_JSON_STRING;
		j->u.str.s = s;
		j->u.str.len = len;
	}
	return j;
}

/* The value of plain field f for column c: parsed for Json, numbers and booleans. */
static pxt_err
pxt_form_value(pxt_req *req, const pxt_column *c, const pxt_upload_field *f,
    pxt_json **out)
{
	pxt_err rc;

	switch (c->type) {
	case PXT_JSON:
	case PXT_INT:
	case PXT_FLOAT:
	case PXT_BOOL:
	case PXT_ARRAY:
		if ((rc = pxt_json_parse(req->pool, f->value, f->len, PXT_JSON_MAX_DEPTH,
		    out)) != PXT_OK)
			return pxt_req_fail(req, PXT_EINVAL, c->name, "form field '%s': %s",
			    c->name, pxt_errmsg());
		return PXT_OK;
	case PXT_BINARY: {	/* raw bytes: base64, as a JSON body carries them */
		char *b64 = pxt_b64_encode(req->pool, f->value, f->len);

		*out = b64 ? pxt_form_string(req->pool, b64, strlen(b64)) : NULL;
		return *out ? PXT_OK : PXT_ENOMEM;
	}
	default:
		*out = pxt_form_string(req->pool, f->value, f->len);
		return *out ? PXT_OK : PXT_ENOMEM;
	}
}

/* The bytes of upload file f (for a Binary column) as base64 in a JSON string. */
static pxt_err
pxt_form_binary(pxt_req *req, const pxt_upload_file *f, pxt_json **out)
{
	char *data = pxt_palloc(req->pool, f->size + 1), *b64;
	FILE *fp = fopen(f->path, "rb");
	size_t got = 0;

	if (fp != NULL && data != NULL)
		got = fread(data, 1, f->size, fp);
	if (fp != NULL)
		fclose(fp);
	if (data == NULL)
		return PXT_ENOMEM;
	if (fp == NULL || got != f->size)
		return pxt_req_fail(req, PXT_EIO, f->field, "cannot read the upload of "
		    "'%s'", f->field);
	if ((b64 = pxt_b64_encode(req->pool, data, f->size)) == NULL ||
	    (*out = pxt_form_string(req->pool, b64, strlen(b64))) == NULL)
		return PXT_ENOMEM;
	return PXT_OK;
}

/* Move upload f of a compute route into the store's compute/ folder as *dest. */
static pxt_err
pxt_form_compute_file(pxt_req *req, const pxt_upload_file *f, char **dest)
{
	const char *base = strrchr(f->path, '/');
	char *dir = pxt_media_store_dir() != NULL ? pxt_psprintf(req->pool, "%s/compute",
	    pxt_media_store_dir()) : NULL;

	*dest = dir ? pxt_psprintf(req->pool, "%s/%s", dir, base ? base + 1 : f->path) :
	    NULL;
	if (*dest == NULL)
		return PXT_ENOMEM;
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return pxt_req_fail(req, PXT_EIO, NULL, "cannot create %s: %s", dir,
		    strerror(errno));
	if (pxt_media_store_commit_file(req->pool, f->path, *dest) != PXT_OK)
		return pxt_req_fail(req, PXT_EIO, f->field, "%s", pxt_errmsg());
	return PXT_OK;
}

/* Move upload file i into the media store; *out is its new path as a JSON string. */
static pxt_err
pxt_form_file(pxt_req *req, const struct pxt_table_route *tr, size_t i,
    pxt_json **out)
{
	size_t n;
	const pxt_upload_file *f = &pxt_upload_files(req->upload, &n)[i];
	const pxt_column *c = pxt_table_find_col(tr->t, f->field);
	char *dest;
	pxt_value v = {0};
	pxt_err rc;

	if (c != NULL && c->type == PXT_BINARY)
		return pxt_form_binary(req, f, out);
	if (c == NULL || !pxt_type_is_media(c->type) || !pxt_form_in(tr->uploads,
	    f->field))
		return pxt_req_fail(req, PXT_EINVAL, f->field, "field '%s' is a file, but "
		    "this route takes no upload for it (uploadfile_inputs)", f->field);
	/*
	 * uploads/<new folder>/<the name it was sent with> (a compute route's: compute/,
	 * kept only as long as its answer needs them): renamed now, removed with the
	 * pool unless the transaction commits
	 */
	if (tr->kind == PXT_ROUTE_COMPUTE)
		rc = pxt_form_compute_file(req, f, &dest);
	else if ((rc = pxt_media_store_upload(req->pool, f->path, f->filename, &dest)) !=
	    PXT_OK)
		rc = pxt_req_fail(req, rc, f->field, "%s", pxt_errmsg());
	if (rc != PXT_OK)
		return rc;
	pxt_upload_keep(req->upload, i);
	/* an object store as input_media_dest: the upload goes there before the row */
	v.type = c->type;
	v.u.str.s = dest;
	v.u.str.len = strlen(dest);
	if ((rc = pxt_media_place(req->pool, NULL, PXT_MEDIA_INPUT, &v)) != PXT_OK)
		return pxt_req_fail(req, rc, f->field, "%s", pxt_errmsg());
	*out = pxt_form_string(req->pool, v.u.str.s, v.u.str.len);
	return *out ? PXT_OK : PXT_ENOMEM;
}

pxt_err
pxt_form_object(pxt_req *req, const struct pxt_table_route *tr, const pxt_json **obj)
{
	size_t nfields, nfiles, k = 0;
	const pxt_upload_field *fields = pxt_upload_fields(req->upload, &nfields);
	const pxt_upload_file *files = pxt_upload_files(req->upload, &nfiles);
	pxt_json *o = pxt_pcalloc(req->pool, sizeof(*o));
	pxt_err rc;

	if (o == NULL)
		return PXT_ENOMEM;
	o->type = PXT_JSON_OBJECT;
	o->u.obj.keys = pxt_pcalloc(req->pool, sizeof(char *) * (nfields + nfiles + 1));
	o->u.obj.keylens = pxt_pcalloc(req->pool, sizeof(size_t) * (nfields + nfiles + 1));
	o->u.obj.vals = pxt_pcalloc(req->pool, sizeof(pxt_json *) * (nfields + nfiles + 1));
	if (o->u.obj.keys == NULL || o->u.obj.keylens == NULL || o->u.obj.vals == NULL)
		return PXT_ENOMEM;
	for (size_t i = 0; i < nfields + nfiles; i++) {
		const char *name = i < nfields ? fields[i].name : files[i - nfields].field;
		const pxt_column *c = pxt_table_find_col(tr->t, name);

		/* a browser's empty file input: no file chosen, the column not given */
		if (i >= nfields && files[i - nfields].size == 0 &&
		    (files[i - nfields].filename == NULL || *files[i - nfields].filename ==
		    '\0'))
			continue;
		for (size_t j = 0; j < k; j++)
			if (strcmp(o->u.obj.keys[j], name) == 0)
				return pxt_req_fail(req, PXT_EINVAL, name, "field '%.64s' is "
				    "given twice", name);
		if (c == NULL)
			return pxt_req_fail(req, PXT_EINVAL, name, "unknown column '%.64s' for "
			    "table '%s'", name, tr->t->path);
		if (i < nfields)
			rc = pxt_form_value(req, c, &fields[i], &o->u.obj.vals[k]);
		else
			rc = pxt_form_file(req, tr, i - nfields, &o->u.obj.vals[k]);
		if (rc != PXT_OK)
			return rc;
		o->u.obj.keys[k] = name;
		o->u.obj.keylens[k++] = strlen(name);
	}
	o->u.obj.n = k;
	*obj = o;
	return PXT_OK;
}
