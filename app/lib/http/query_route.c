/*
 * query_route.c - the query route: binding a named query's parameters from the query
 * string, a JSON body or the route's path (embedding the text of a similarity), running
 * it and answering {"rows": [...]}, one row, or with return_fileresponse the one row's
 * media file (see pxt_add_query_route in pxt/query.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/http.h"
#include "core/base64_int.h"
#include "engine/query_int.h"
#include "engine/value_int.h"
#include "engine/udf_int.h"
#include "http/http_int.h"

static pxt_err pxt_q_json_param(pxt_req *req, const struct pxt_qparam *p,
    const pxt_json *v, const char **out);
static pxt_err pxt_q_list_param(pxt_req *req, const struct pxt_qparam *p,
    const pxt_json *v, const char **out);

/*
 * Check a text parameter (from the query string) against its type; a Binary one
 * (base64) becomes PostgreSQL's bytea text in *vp.
 */
static pxt_err
pxt_q_text_param(pxt_req *req, const struct pxt_qparam *p, const char **vp)
{
	const char *v = *vp;
	unsigned char *bytes;
	size_t n;
	pxt_json *j;
	const char *text;
	char *end;

	errno = 0;
	switch (p->type) {
	case PXT_JSON:	/* the list of an IN, as JSON text */
		if (pxt_json_parse(pxt_req_pool(req), v, strlen(v), 8, &j) !=
		    PXT_OK)
			return pxt_req_fail(req, PXT_EINVAL, p->name, "parameter '%s' must "
			    "be a JSON array", p->name);
		return pxt_q_list_param(req, p, j, &text);
	case PXT_INT:
		(void)strtoll(v, &end, 10);
		if (*v == '\0' || *end != '\0' || errno != 0)
			return pxt_req_fail(req, PXT_EINVAL, p->name, "parameter '%s' must "
			    "be an integer, got '%.40s'", p->name, v);
		break;
	case PXT_FLOAT:
		(void)strtod(v, &end);
		if (*v == '\0' || *end != '\0' || errno != 0)
			return pxt_req_fail(req, PXT_EINVAL, p->name, "parameter '%s' must "
			    "be a number, got '%.40s'", p->name, v);
		break;
	case PXT_BOOL:
		if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
			return pxt_req_fail(req, PXT_EINVAL, p->name, "parameter '%s' must "
			    "be true or false", p->name);
		break;
	case PXT_TIMESTAMP:
		if (!pxt_is_timestamp(v))
			return pxt_req_fail(req, PXT_EINVAL, p->name, "parameter '%s' must "
			    "be an RFC 3339 timestamp", p->name);
		break;
	case PXT_UUID:
		if (!pxt_is_uuid(v))
			return pxt_req_fail(req, PXT_EINVAL, p->name, "parameter '%s' must "
			    "be a UUID", p->name);
		break;
	case PXT_BINARY:
		if (!pxt_b64_decode(req->pool, v, strlen(v), &bytes, &n))
			return pxt_req_fail(req, PXT_EINVAL, p->name, "parameter '%s' must "
			    "be base64 (standard alphabet, padded)", p->name);
		if ((*vp = pxt_value_bytea_text(req->pool, bytes, n)) == NULL)
			return PXT_ENOMEM;
		break;
	default:
		break;
	}
	return PXT_OK;
}

/*
 * The list of an IN (a Json parameter): an array of values of the compared type, as
 * JSON text in *out (the request's pool).
 */
static pxt_err
pxt_q_list_param(pxt_req *req, const struct pxt_qparam *p, const pxt_json *v,
    const char **out)
{
	struct pxt_qparam item = *p;
	const char *text;
	pxt_buf b = PXT_BUF_INIT;
	pxt_jw w;
	pxt_err rc;

	if (v->type != PXT_JSON_ARRAY)
		return pxt_req_fail(req, PXT_EINVAL, p->name, "parameter '%s' must be an "
		    "array of %s values", p->name, pxt_type_name(p->elem));
	item.type = p->elem;
	for (size_t i = 0; i < v->u.arr.n; i++) {
		const pxt_json *e = v->u.arr.items[i];

		if (e->type == PXT_JSON_ARRAY || e->type == PXT_JSON_OBJECT ||
		    e->type == PXT_JSON_NULL)
			return pxt_req_fail(req, PXT_EINVAL, p->name, "parameter '%s': item "
			    "%zu must be %s", p->name, i, pxt_type_name(p->elem));
		if ((rc = pxt_q_json_param(req, &item, e, &text)) != PXT_OK)
			return rc;
	}
	pxt_jw_init(&w, &b);
	pxt_jw_value(&w, v);
	*out = b.failed ? NULL : pxt_pstrdup(pxt_req_pool(req), pxt_buf_str(&b));
	pxt_buf_free(&b);
	return *out != NULL ? PXT_OK : PXT_ENOMEM;
}

/* A JSON parameter value as text, checked against its type. */
static pxt_err
pxt_q_json_param(pxt_req *req, const struct pxt_qparam *p, const pxt_json *v,
    const char **out)
{
	bool ok;

	switch (p->type) {
	case PXT_JSON:
		return pxt_q_list_param(req, p, v, out);
	case PXT_INT:
		ok = v->type == PXT_JSON_INT;
		*out = v->num;
		break;
	case PXT_FLOAT:
		ok = v->type == PXT_JSON_INT || v->type == PXT_JSON_DOUBLE;
		*out = v->num;
		break;
	case PXT_BOOL:
		ok = v->type == PXT_JSON_BOOL;
		*out = ok && v->u.b ? "true" : "false";
		break;
	default:
		ok = v->type == PXT_JSON_STRING && strlen(v->u.str.s) == v->u.str.len;
		*out = ok ? v->u.str.s : NULL;
		if (ok)
			return pxt_q_text_param(req, p, out);
		break;
	}
	if (!ok)
		return pxt_req_fail(req, PXT_EINVAL, p->name, "parameter '%s' must be %s, "
		    "got %s", p->name, pxt_type_name(p->type), pxt_json_type_name(v->type));
	return PXT_OK;
}

/* Fill values[] for every declared parameter from the request. */
/* 422 when the request gives parameter name, which is not an input of route qr. */
static pxt_err
pxt_q_given(pxt_req *req, const struct pxt_query_route *qr, const char *name)
{
	const pxt_query *q = qr->q;
	bool known = false;

	for (int j = 0; j < q->nparams; j++) {
		if (strcmp(q->params[j].name, name) != 0)
			continue;
		if (qr->input != NULL && !qr->input[j])
			return pxt_req_fail(req, PXT_EINVAL, name, "parameter '%.64s' is not "
			    "an input of this route", name);
		known = true;
	}
	if (!known)
		return pxt_req_fail(req, PXT_EINVAL, name, "unknown parameter '%.64s'", name);
	return PXT_OK;
}

static pxt_err
pxt_q_bind(pxt_req *req, const struct pxt_query_route *qr, const char **values)
{
	pxt_query *q = qr->q;
	const pxt_json *body = NULL;
	const pxt_kv *kv = NULL;
	size_t nkv = 0;
	pxt_err rc;

	if (pxt_req_method(req) == PXT_POST) {
		if ((rc = pxt_req_json(req, &body)) != PXT_OK)
			return rc;
		if (body->type != PXT_JSON_OBJECT)
			return pxt_req_fail(req, PXT_EINVAL, NULL, "the body must be a JSON "
			    "object of parameters");
		for (size_t i = 0; i < body->u.obj.n; i++)
			if ((rc = pxt_q_given(req, qr, body->u.obj.keys[i])) != PXT_OK)
				return rc;
	} else if ((rc = pxt_req_query(req, &kv, &nkv)) != PXT_OK) {
		return rc;
	} else {
		for (size_t i = 0; i < nkv; i++)
			if ((rc = pxt_q_given(req, qr, kv[i].key)) != PXT_OK)
				return rc;
	}
	for (int i = 0; i < q->nparams; i++) {
		const struct pxt_qparam *p = &q->params[i];
		const pxt_json *jv = body ? pxt_json_get(body, p->name) : NULL;

		values[i] = body ? NULL : pxt_qs_get(kv, nkv, p->name);
		/* a {name} in the route's path wins over the query string and the body */
		if (pxt_req_param(req, p->name) != NULL) {
			jv = NULL;
			values[i] = pxt_req_param(req, p->name);
		}
		if (jv != NULL && jv->type != PXT_JSON_NULL)
			rc = pxt_q_json_param(req, p, jv, &values[i]);
		else if (values[i] != NULL)
			rc = pxt_q_text_param(req, p, &values[i]);
		if (rc != PXT_OK)
			return rc;
		if (values[i] == NULL)
			values[i] = p->def;
		if (values[i] == NULL && (p->is_limit || p->is_offset))
			values[i] = p->is_limit ? pxt_psprintf(req->pool, "%lld",
			    (long long)q->limit_def) : "0";
		if (values[i] == NULL)
			return pxt_req_fail(req, PXT_EINVAL, p->name, "missing parameter "
			    "'%s'", p->name);
		if (p->is_limit && (strtoll(values[i], NULL, 10) < 0 ||
		    strtoll(values[i], NULL, 10) > q->limit_max))
			return pxt_req_fail(req, PXT_EINVAL, p->name, "limit must be between "
			    "0 and %lld", (long long)q->limit_max);
		if ((p->is_offset || p->nonneg) && strtoll(values[i], NULL, 10) < 0)
			return pxt_req_fail(req, PXT_EINVAL, p->name, "%s must not be "
			    "negative", p->name);
	}
	return PXT_OK;
}

/*
 * Replace, in values, the text of each similarity parameter by its vector (PostgreSQL
 * array text), with the index's function. Fails the request with the function's
 * error.
 */
static pxt_err
pxt_q_sim_embed(pxt_req *req, pxt_query *q, const char **values)
{
	for (int i = 0; i < q->nparams; i++) {
		const char *fn = q->params[i].embed_fn;
		const pxt_udf *u = fn ? pxt_udf_find(fn) : NULL;
		pxt_value arg = {PXT_STRING, false, {0}}, out = {PXT_ARRAY, false, {0}};
		char *v;
		pxt_err rc;

		if (fn == NULL || values[i] == NULL)
			continue;
		if (u == NULL)
			return pxt_req_fail(req, PXT_EUNAVAIL, NULL, "the embedding function "
			    "'%s' is not loaded", fn);
		/* no text, no direction: every score would be null */
		if (values[i][strspn(values[i], " \t\r\n")] == '\0')
			return pxt_req_fail(req, PXT_EINVAL, q->params[i].name, "parameter "
			    "'%s' is empty: a similarity needs some text", q->params[i].name);
		arg.u.str.s = values[i];
		arg.u.str.len = strlen(values[i]);
		if ((rc = pxt_udf_call(u, pxt_req_pool(req), &arg, 1, &out)) != PXT_OK)
			return pxt_req_fail(req, rc, q->params[i].name, "embedding parameter "
			    "'%s' with %s: %s", q->params[i].name, fn, pxt_errmsg());
		if (out.null || out.u.str.len < 2 ||
		    (v = pxt_pstrndup(pxt_req_pool(req), out.u.str.s, out.u.str.len)) == NULL)
			return pxt_req_fail(req, out.null ? PXT_EINVAL : PXT_ENOMEM,
			    q->params[i].name, "%s gave no vector for parameter '%s'", fn,
			    q->params[i].name);
		/* the Array value's JSON [..] as PostgreSQL's array text {..} */
		v[0] = '{';
		v[out.u.str.len - 1] = '}';
		values[i] = v;
	}
	return PXT_OK;
}

/* 404 when the parent row the query's rows belong to does not exist. */
static pxt_err
pxt_q_parent_exists(pxt_req *req, pxt_query *q, const char *value)
{
	const pxt_column *c = pxt_table_find_col(q->parent, q->parent_col);
	const char *params[1] = {value};
	pxt_buf sql = PXT_BUF_INIT;
	PGresult *res;
	bool found;
	pxt_err rc;

	if (c == NULL || q->parent->id == 0)
		return pxt_req_fail(req, PXT_ENOTFOUND, NULL, "table '%s' has no column "
		    "'%s'", q->parent->path, q->parent_col);
	pxt_buf_adds(&sql, "SELECT 1 FROM ");
	pxt_buf_adds(&sql, q->parent->storage_sql);
	pxt_buf_adds(&sql, " WHERE ");
	pxt_quote_ident(&sql, q->parent->col_storage[c - q->parent->cols]);
	pxt_buf_adds(&sql, " = ");
	pxt_value_sql_param(&sql, c, 1);
	pxt_buf_adds(&sql, " LIMIT 1");
	rc = sql.failed ? PXT_ENOMEM : pxt_db_exec(pxt_env_db(pxt_req_env(req)),
	    sql.data, 1, params, &res);
	pxt_buf_free(&sql);
	if (rc != PXT_OK)
		return pxt_req_fail(req, rc, NULL, "%s", pxt_errmsg());
	found = PQntuples(res) > 0;
	PQclear(res);
	if (!found)
		return pxt_req_fail(req, PXT_ENOTFOUND, q->parent_col, "no row of '%s' has "
		    "%s = '%.64s'", q->parent->path, q->parent_col, value);
	return PXT_OK;
}

static pxt_err
pxt_query_handler(pxt_req *req, void *ud)
{
	const struct pxt_query_route *qr = ud;
	pxt_query *q = qr->q;
	const char *values[PXT_Q_MAX_PARAMS];
	PGresult *res;
	pxt_err rc = PXT_OK;
	pxt_jw *w;

	if (q->t->id == 0)
		return pxt_req_fail(req, PXT_ENOTFOUND, NULL, "table '%s' was dropped",
		    q->t->path);
	if (q->generation != q->t->env->generation && (rc = pxt_q_compile(q)) != PXT_OK)
		return rc;
	if ((rc = pxt_q_bind(req, qr, values)) != PXT_OK ||
	    (rc = pxt_q_sim_embed(req, q, values)) != PXT_OK)
		return rc;
	rc = pxt_db_exec(pxt_env_db(pxt_req_env(req)), q->sql, q->nparams, values, &res);
	if (rc != PXT_OK)
		return pxt_req_fail(req, rc, NULL, "query '%s': %s", q->name, pxt_errmsg());
	if ((qr->one_row || qr->fileresponse) && PQntuples(res) != 1) {
		int n = PQntuples(res);

		PQclear(res);
		if (n == 0)
			return pxt_req_fail(req, PXT_ENOTFOUND, NULL, "query '%s' found no "
			    "row", q->name);
		req->final = true;	/* the same request finds the same rows */
		return pxt_req_fail(req, PXT_ECONFLICT, NULL, "query '%s' found %d rows "
		    "where one was expected: change the query to find exactly one",
		    q->name, n);
	}
	if (qr->fileresponse) {
		rc = pxt_q_file_answer(req, q, res, 0);
		PQclear(res);
		return rc;
	}
	if (PQntuples(res) == 0 && q->parent != NULL &&
	    (rc = pxt_q_parent_exists(req, q, values[q->parent_param])) != PXT_OK) {
		PQclear(res);
		return rc;
	}
	w = pxt_res_json(req, 200);
	if (qr->one_row) {
		rc = pxt_q_write_row(req, w, qr, res, 0);
	} else {
		pxt_jw_obj_begin(w);
		pxt_jw_key(w, "rows");
		pxt_jw_arr_begin(w);
		for (int i = 0; rc == PXT_OK && i < PQntuples(res); i++)
			rc = pxt_q_write_row(req, w, qr, res, i);
		pxt_jw_arr_end(w);
		pxt_jw_obj_end(w);
	}
	PQclear(res);
	return rc;
}

/* Whether route path has the segment {name}. */
static bool
pxt_q_path_has(const char *path, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = strchr(path, '{'); p != NULL; p = strchr(p + 1, '{'))
		if (strncmp(p + 1, name, n) == 0 && p[n + 1] == '}')
			return true;
	return false;
}

/* The route's inputs (parameter names; NULL: all) as flags per parameter of q. */
static pxt_err
pxt_q_inputs(pxt_router *r, const char *path, struct pxt_query_route *qr,
    const char *const *inputs)
{
	pxt_query *q = qr->q;

	if (inputs == NULL)
		return PXT_OK;
	if ((qr->input = pxt_pcalloc(r->app->pool, (size_t)q->nparams + 1)) == NULL)
		return PXT_ENOMEM;
	for (const char *const *in = inputs; *in != NULL; in++) {
		int k = -1;

		for (int i = 0; i < q->nparams; i++)
			if (strcmp(q->params[i].name, *in) == 0)
				k = i;
		if (k < 0)
			return pxt_seterr(PXT_EINVAL, "router '%s', route %s: input '%s' is not "
			    "a parameter of query '%s'", r->name, path, *in, q->name);
		qr->input[k] = 1;
	}
	for (int i = 0; i < q->nparams; i++) {
		const struct pxt_qparam *p = &q->params[i];

		if (pxt_q_path_has(path, p->name))
			qr->input[i] = 1;	/* the path gives it */
		if (!qr->input[i] && p->def == NULL && !p->is_limit && !p->is_offset)
			return pxt_seterr(PXT_EINVAL, "router '%s', route %s: parameter '%s' "
			    "of query '%s' is not an input and has no default", r->name,
			    path, p->name, q->name);
	}
	return PXT_OK;
}

pxt_err
pxt_add_query_route_opts(pxt_router *r, const char *path, pxt_query *q,
    unsigned methods, const pxt_route_opts *opts)
{
	struct pxt_query_route *qr;
	pxt_route_opts o;
	pxt_type ft;
	pxt_err rc;

	memset(&o, 0, sizeof(o));
	/* the caller's struct may be older (smaller): the fields it lacks stay unset */
	if (opts != NULL) {
		if (opts->size < sizeof(opts->size) || opts->size > sizeof(o))
			return pxt_seterr(PXT_EINVAL, "router '%s', route %s: pxt_route_opts "
			    "size %zu, this pxtc takes %zu to %zu bytes (begin the "
			    "initializer with PXT_ROUTE_OPTS_INIT)", r->name, path,
			    opts->size, sizeof(opts->size), sizeof(o));
		memcpy(&o, opts, opts->size);
	}
	if ((rc = pxt_query_check(q)) != PXT_OK)
		return pxt_seterr(rc, "router '%s', route %s: %s", r->name, path,
		    pxt_errmsg());
	if (methods & ~(PXT_GET | PXT_POST))
		return pxt_seterr(PXT_EINVAL, "router '%s', route %s: a query route takes "
		    "GET and/or POST", r->name, path);
	if (o.outputs || o.match_columns || o.now_columns || o.uploadfile_inputs)
		return pxt_seterr(PXT_EINVAL, "router '%s', route %s: a query route takes "
		    "only inputs, one_row, return_scalar and return_fileresponse", r->name,
		    path);
	if (o.return_fileresponse && o.return_scalar)
		return pxt_seterr(PXT_EINVAL, "router '%s', route %s: return_fileresponse "
		    "answers a file, return_scalar a value: give one", r->name, path);
	if (o.return_fileresponse && pxt_q_file_output(q, &ft) == NULL)
		return pxt_seterr(PXT_EINVAL, "router '%s', route %s: return_fileresponse "
		    "needs a media output; query '%s' has none", r->name, path, q->name);
	if (o.return_scalar && (!o.one_row || pxt_q_nout(q) != 1))
		return pxt_seterr(PXT_EINVAL, "router '%s', route %s: return_scalar needs "
		    "one_row and a query with one output; query '%s' has %d", r->name, path,
		    q->name, pxt_q_nout(q));
	if ((qr = pxt_pcalloc(r->app->pool, sizeof(*qr))) == NULL)
		return PXT_ENOMEM;
	qr->q = q;
	qr->one_row = o.one_row;
	qr->return_scalar = o.return_scalar;
	qr->fileresponse = o.return_fileresponse;
	if ((rc = pxt_q_inputs(r, path, qr, o.inputs)) != PXT_OK)
		return rc;
	if ((rc = pxt_add_route(r, methods, path, pxt_query_handler, qr)) != PXT_OK)
		return rc;
	pxt_route_describe(r, PXT_ROUTE_QUERY, qr);
	return PXT_OK;
}

pxt_err
pxt_add_query_route(pxt_router *r, const char *path, pxt_query *q, unsigned methods,
    bool one_row)
{
	pxt_route_opts o = {PXT_ROUTE_OPTS_INIT, .one_row = one_row};

	return pxt_add_query_route_opts(r, path, q, methods, &o);
}
