/*
 * query_route.c - the query route: binding a named query's parameters from the query
 * string, a JSON body or the route's path (embedding the text of a similarity), running
 * it and answering {"rows": [...]} or one row (see pxt_add_query_route in pxt/query.h).
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
	char *end;

	errno = 0;
	switch (p->type) {
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

/* A JSON parameter value as text, checked against its type. */
static pxt_err
pxt_q_json_param(pxt_req *req, const struct pxt_qparam *p, const pxt_json *v,
    const char **out)
{
	bool ok;

	switch (p->type) {
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
static pxt_err
pxt_q_bind(pxt_req *req, pxt_query *q, const char **values)
{
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
		for (size_t i = 0; i < body->u.obj.n; i++) {
			bool known = false;

			for (int j = 0; j < q->nparams; j++)
				known |= strcmp(q->params[j].name, body->u.obj.keys[i]) == 0;
			if (!known)
				return pxt_req_fail(req, PXT_EINVAL, body->u.obj.keys[i],
				    "unknown parameter '%.64s'", body->u.obj.keys[i]);
		}
	} else if ((rc = pxt_req_query(req, &kv, &nkv)) != PXT_OK) {
		return rc;
	} else {
		for (size_t i = 0; i < nkv; i++) {
			bool known = false;

			for (int j = 0; j < q->nparams; j++)
				known |= strcmp(q->params[j].name, kv[i].key) == 0;
			if (!known)
				return pxt_req_fail(req, PXT_EINVAL, kv[i].key, "unknown "
				    "parameter '%.64s'", kv[i].key);
		}
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
		if (p->is_offset && strtoll(values[i], NULL, 10) < 0)
			return pxt_req_fail(req, PXT_EINVAL, p->name, "offset must not be "
			    "negative");
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

/* One row of the answer: the selected columns, then the selected error cells. */
static void
pxt_q_write_row(pxt_jw *w, const pxt_query *q, const PGresult *res, int row)
{
	int col;

	pxt_jw_obj_begin(w);
	col = pxt_value_write_fields(w, q->t, pxt_q_selected, q, res, row, 0);
	for (int i = 0; i < q->nerrsel; i++, col++) {
		char key[128];

		snprintf(key, sizeof(key), "%s_%s", q->errsel[i].col, q->errsel[i].msg ?
		    "errormsg" : "errortype");
		pxt_jw_key(w, key);
		if (PQgetisnull(res, row, col))
			pxt_jw_null(w);
		else
			pxt_jw_cstr(w, PQgetvalue(res, row, col));
	}
	for (int i = 0; i < q->nxsel; i++, col++) {
		pxt_jw_key(w, q->xsel[i].name);
		if (PQgetisnull(res, row, col))
			pxt_jw_null(w);
		else
			pxt_jw_double(w, strtod(PQgetvalue(res, row, col), NULL));
	}
	pxt_jw_obj_end(w);
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
	pxt_err rc;
	pxt_jw *w;

	if (q->t->id == 0)
		return pxt_req_fail(req, PXT_ENOTFOUND, NULL, "table '%s' was dropped",
		    q->t->path);
	if (q->generation != q->t->env->generation && (rc = pxt_q_compile(q)) != PXT_OK)
		return rc;
	if ((rc = pxt_q_bind(req, q, values)) != PXT_OK ||
	    (rc = pxt_q_sim_embed(req, q, values)) != PXT_OK)
		return rc;
	rc = pxt_db_exec(pxt_env_db(pxt_req_env(req)), q->sql, q->nparams, values, &res);
	if (rc != PXT_OK)
		return pxt_req_fail(req, rc, NULL, "query '%s': %s", q->name, pxt_errmsg());
	if (qr->one_row && PQntuples(res) != 1) {
		int n = PQntuples(res);

		PQclear(res);
		return n == 0 ? pxt_req_fail(req, PXT_ENOTFOUND, NULL, "query '%s' found "
		    "no row", q->name) : pxt_req_fail(req, PXT_ECONFLICT, NULL, "query '%s' "
		    "found %d rows where one was expected", q->name, n);
	}
	if (PQntuples(res) == 0 && q->parent != NULL &&
	    (rc = pxt_q_parent_exists(req, q, values[q->parent_param])) != PXT_OK) {
		PQclear(res);
		return rc;
	}
	w = pxt_res_json(req, 200);
	if (qr->one_row) {
		pxt_q_write_row(w, q, res, 0);
	} else {
		pxt_jw_obj_begin(w);
		pxt_jw_key(w, "rows");
		pxt_jw_arr_begin(w);
		for (int i = 0; i < PQntuples(res); i++)
			pxt_q_write_row(w, q, res, i);
		pxt_jw_arr_end(w);
		pxt_jw_obj_end(w);
	}
	PQclear(res);
	return PXT_OK;
}

pxt_err
pxt_add_query_route(pxt_router *r, const char *path, pxt_query *q, unsigned methods,
    bool one_row)
{
	struct pxt_query_route *qr;
	pxt_err rc;

	if ((rc = pxt_query_check(q)) != PXT_OK)
		return pxt_seterr(rc, "router '%s', route %s: %s", r->name, path,
		    pxt_errmsg());
	if (methods & ~(PXT_GET | PXT_POST))
		return pxt_seterr(PXT_EINVAL, "router '%s', route %s: a query route takes "
		    "GET and/or POST", r->name, path);
	if ((qr = pxt_pcalloc(r->app->pool, sizeof(*qr))) == NULL)
		return PXT_ENOMEM;
	qr->q = q;
	qr->one_row = one_row;
	if ((rc = pxt_add_route(r, methods, path, pxt_query_handler, qr)) != PXT_OK)
		return rc;
	pxt_route_describe(r, PXT_ROUTE_QUERY, qr);
	return PXT_OK;
}
