/*
 * openapi_schema.c - the schemas of the OpenAPI document (openapi_int.h): column and
 * parameter types as JSON Schema (OpenAPI 3.1 is JSON Schema 2020-12: a nullable value
 * is "type": [T, "null"]), the request and row objects of table and query routes with
 * the columns http_table.c and query_route.c take and answer, and the shared components:
 * pxtc's error body (docs/ARCHITECTURE.md, "HTTP errors"), the job, health and delete
 * answers, the error responses and the bearer security scheme.
 */
#include <stdio.h>
#include <string.h>

#include "catalog/catalog_int.h"
#include "http/openapi_int.h"
#include "engine/query_int.h"
#include "engine/write_int.h"

void
pxt_oa_kstr(pxt_jw *w, const char *key, const char *value)
{
	pxt_jw_key(w, key);
	pxt_jw_cstr(w, value);
}

void
pxt_oa_kraw(pxt_jw *w, const char *key, const char *json)
{
	pxt_jw_key(w, key);
	pxt_jw_raw(w, json, strlen(json));
}

bool
pxt_oa_is_key(const struct pxt_table_route *tr, const pxt_column *c)
{
	return tr->match != NULL ? pxt_in_list(tr->match, c->name) : c->primary_key;
}

/* Whether column c is in the body of table route tr, and whether it is required. */
static bool
pxt_oa_request_col(const struct pxt_table_route *tr, const pxt_column *c, bool *required)
{
	bool ins = tr->kind == PXT_ROUTE_INSERT || tr->kind == PXT_ROUTE_COMPUTE;
	bool key = !ins && pxt_oa_is_key(tr, c);
	bool in = tr->kind != PXT_ROUTE_DELETE && pxt_is_input(tr, c) &&
	    !(tr->kind == PXT_ROUTE_UPDATE && c->primary_key);

	if (ins)
		*required = in && !c->nullable && !pxt_col_has_default(c, tr->now);
	else
		*required = key;
	return key || in;
}

void
pxt_oa_table_request(pxt_jw *w, const struct pxt_table_route *tr, bool form)
{
	const pxt_table *t = tr->t;
	bool required;
	int nreq = 0;

	pxt_jw_obj_begin(w);
	pxt_oa_kstr(w, "type", "object");
	pxt_jw_key(w, "properties");
	pxt_jw_obj_begin(w);
	for (int i = 0; i < t->ncols; i++) {
		const pxt_column *c = &t->cols[i];

		if (!pxt_oa_request_col(tr, c, &required))
			continue;
		nreq += required;
		pxt_jw_key(w, c->name);
		if (form)
			pxt_oa_form_property(w, tr, c, c->nullable && !required);
		else
			pxt_oa_column(w, c, c->nullable && !required, false);
	}
	pxt_jw_obj_end(w);
	if (nreq > 0) {
		pxt_jw_key(w, "required");
		pxt_jw_arr_begin(w);
		for (int i = 0; i < t->ncols; i++)
			if (pxt_oa_request_col(tr, &t->cols[i], &required) && required)
				pxt_jw_cstr(w, t->cols[i].name);
		pxt_jw_arr_end(w);
	}
	/* inserts and updates refuse a column they do not take; deletes ignore it */
	if (tr->kind != PXT_ROUTE_DELETE)
		pxt_oa_kraw(w, "additionalProperties", "false");
	pxt_jw_obj_end(w);
}

bool
pxt_oa_in_path(const struct pxt_route *rt, const char *name)
{
	size_t len = strlen(name);

	for (int i = 0; i < rt->nsegs; i++)
		if (rt->segs[i][0] == '{' && strlen(rt->segs[i]) == len + 2 &&
		    strncmp(rt->segs[i] + 1, name, len) == 0)
			return true;
	return false;
}

/* Append s as a JSON string. */
static void
pxt_oa_jstr(pxt_buf *b, const char *s)
{
	pxt_buf sb = PXT_BUF_INIT;
	pxt_jw sw;

	pxt_jw_init(&sw, &sb);
	pxt_jw_cstr(&sw, s);
	pxt_buf_adds(b, sb.failed ? "null" : pxt_buf_str(&sb));
	pxt_buf_free(&sb);
}

/* The schema of query parameter p (limit and offset with their range). */
void
pxt_oa_param_schema(pxt_jw *w, const pxt_query *q, const struct pxt_qparam *p)
{
	if (!p->is_limit && !p->is_offset) {
		pxt_buf b = PXT_BUF_INIT;
		pxt_jw tw;

		pxt_jw_init(&tw, &b);
		if (p->type == PXT_JSON) {	/* the list of an IN */
			pxt_jw_obj_begin(&tw);
			pxt_oa_kstr(&tw, "type", "array");
			pxt_jw_key(&tw, "items");
			pxt_oa_type(&tw, p->elem, PXT_TYPE_NONE, false, false);
			pxt_jw_obj_end(&tw);
		} else {
			pxt_oa_type(&tw, p->type, PXT_TYPE_NONE, false, false);
		}
		/* the default beside the type: its JSON, strings quoted */
		if (!b.failed && p->def != NULL && b.len > 1) {
			b.data[--b.len] = '\0';
			pxt_buf_adds(&b, ",\"default\":");
			if (p->type == PXT_INT || p->type == PXT_FLOAT || p->type == PXT_BOOL ||
			    p->type == PXT_JSON)
				pxt_buf_adds(&b, p->def);
			else
				pxt_oa_jstr(&b, p->def);
			pxt_buf_addc(&b, '}');
		}
		if (!b.failed)
			pxt_jw_raw(w, b.data, b.len);
		pxt_buf_free(&b);
		return;
	}
	pxt_jw_obj_begin(w);
	pxt_oa_kstr(w, "type", "integer");
	pxt_jw_key(w, "minimum");
	pxt_jw_int(w, 0);
	if (p->is_limit) {
		pxt_jw_key(w, "maximum");
		pxt_jw_int(w, q->limit_max);
	}
	pxt_jw_key(w, "default");
	pxt_jw_int(w, p->is_limit ? q->limit_def : 0);
	pxt_oa_kstr(w, "description", p->is_limit ? "rows to answer at most (over the "
	    "maximum: 422)" : "rows to skip");
	pxt_jw_obj_end(w);
}

bool
pxt_oa_qinput(const struct pxt_route *rt, int i)
{
	const struct pxt_query_route *qr = rt->desc;

	return qr == NULL || qr->input == NULL || qr->input[i];
}

bool
pxt_oa_qrequired(const struct pxt_qparam *p)
{
	return !p->is_limit && !p->is_offset && p->def == NULL;
}

/* The JSON body of a query called with POST: its parameters not in the path. */
void
pxt_oa_query_body(pxt_jw *w, const struct pxt_route *rt, const pxt_query *q)
{
	int nreq = 0;

	pxt_jw_obj_begin(w);
	pxt_oa_kstr(w, "type", "object");
	pxt_jw_key(w, "properties");
	pxt_jw_obj_begin(w);
	for (int i = 0; i < q->nparams; i++) {
		if (pxt_oa_in_path(rt, q->params[i].name) || !pxt_oa_qinput(rt, i))
			continue;
		nreq += pxt_oa_qrequired(&q->params[i]);
		pxt_jw_key(w, q->params[i].name);
		pxt_oa_param_schema(w, q, &q->params[i]);
	}
	pxt_jw_obj_end(w);
	if (nreq > 0) {
		pxt_jw_key(w, "required");
		pxt_jw_arr_begin(w);
		for (int i = 0; i < q->nparams; i++)
			if (!pxt_oa_in_path(rt, q->params[i].name) && pxt_oa_qinput(rt, i) &&
			    pxt_oa_qrequired(&q->params[i]))
				pxt_jw_cstr(w, q->params[i].name);
		pxt_jw_arr_end(w);
	}
	pxt_oa_kraw(w, "additionalProperties", "false");
	pxt_jw_obj_end(w);
}

typedef bool (*pxt_oa_keep)(const void *ud, const pxt_column *c);

static bool
pxt_oa_keep_output(const void *ud, const pxt_column *c)
{
	return pxt_is_output(ud, c);
}

/* A row object: the kept columns of t (all of them always present), and q's errors. */
static void
pxt_oa_row(pxt_jw *w, const pxt_table *t, pxt_oa_keep keep, const void *ud,
    const pxt_query *q)
{
	char key[192];

	pxt_jw_obj_begin(w);
	pxt_oa_kstr(w, "type", "object");
	snprintf(key, sizeof(key), "a row of %s", t->path);
	pxt_oa_kstr(w, "title", key);
	pxt_jw_key(w, "properties");
	pxt_jw_obj_begin(w);
	for (int i = 0; i < t->ncols; i++) {
		const pxt_column *c = &t->cols[i];

		if (!keep(ud, c))
			continue;
		pxt_jw_key(w, c->name);
		/* a computed column whose function failed (on_error = ignore) is null */
		pxt_oa_column(w, c, c->nullable || c->computed != NULL, true);
	}
	for (int i = 0; q != NULL && i < q->nerrsel; i++) {
		snprintf(key, sizeof(key), "%s_%s", q->errsel[i].col, q->errsel[i].msg ?
		    "errormsg" : "errortype");
		pxt_oa_kraw(w, key, q->errsel[i].msg ? "{\"type\":[\"string\",\"null\"],"
		    "\"description\":\"why the computed column failed, or null\"}" :
		    "{\"type\":[\"string\",\"null\"],\"description\":\"the kind of error "
		    "of the computed column, or null\"}");
	}
	for (int i = 0; q != NULL && i < q->nxsel; i++)
		pxt_oa_kraw(w, q->xsel[i].name, "{\"type\":[\"number\",\"null\"],"
		    "\"description\":\"the similarity to the query text\"}");
	for (int i = 0; q != NULL && i < q->nouts; i++) {
		pxt_jw_key(w, q->outs[i].name);
		pxt_oa_type(w, q->outs[i].type, PXT_TYPE_NONE, true, true);
	}
	pxt_jw_obj_end(w);
	pxt_jw_key(w, "required");
	pxt_jw_arr_begin(w);
	for (int i = 0; i < t->ncols; i++)
		if (keep(ud, &t->cols[i]))
			pxt_jw_cstr(w, t->cols[i].name);
	for (int i = 0; q != NULL && i < q->nerrsel; i++) {
		snprintf(key, sizeof(key), "%s_%s", q->errsel[i].col, q->errsel[i].msg ?
		    "errormsg" : "errortype");
		pxt_jw_cstr(w, key);
	}
	for (int i = 0; q != NULL && i < q->nxsel; i++)
		pxt_jw_cstr(w, q->xsel[i].name);
	for (int i = 0; q != NULL && i < q->nouts; i++)
		pxt_jw_cstr(w, q->outs[i].name);
	pxt_jw_arr_end(w);
	pxt_jw_obj_end(w);
}

void
pxt_oa_table_row(pxt_jw *w, const struct pxt_table_route *tr)
{
	pxt_oa_row(w, tr->out, pxt_oa_keep_output, tr, NULL);
}

void
pxt_oa_query_row(pxt_jw *w, const pxt_query *q)
{
	pxt_oa_row(w, q->t, pxt_q_selected, q, q);
}

void
pxt_oa_query_scalar(pxt_jw *w, const pxt_query *q)
{
	for (int i = 0; i < q->t->ncols; i++) {
		const pxt_column *c = &q->t->cols[i];

		if (pxt_q_selected(q, c)) {
			pxt_oa_column(w, c, c->nullable || c->computed != NULL, true);
			return;
		}
	}
	if (q->nerrsel > 0 || q->nxsel > 0)
		pxt_oa_type(w, q->nxsel > 0 ? PXT_FLOAT : PXT_STRING, PXT_TYPE_NONE, true,
		    true);
	else if (q->nouts > 0)
		pxt_oa_type(w, q->outs[0].type, PXT_TYPE_NONE, true, true);
}

/* The error responses, by the code the dispatcher maps to their status. */
static const struct {
	pxt_err code;
	const char *name, *desc;
} pxt_oa_errors[] = {
	{PXT_EBADREQUEST, "BadRequest", "malformed JSON, query string or path"},
	{PXT_EUNAUTH, "Unauthorized", "missing or wrong API key: send 'Authorization: "
	    "Bearer <key>'"},
	{PXT_ENOTFOUND, "NotFound", "no such row (or parent row, or job)"},
	{PXT_ECONFLICT, "Conflict", "several rows where one was expected, or a duplicate "
	    "key"},
	{PXT_ETOOLARGE, "PayloadTooLarge", "the body is larger than max_json_body_mb (the "
	    "worker) or max_upload_mb (nginx)"},
	{PXT_EMEDIATYPE, "UnsupportedMediaType", "the body's Content-Type is none the "
	    "route takes (application/json, or multipart/form-data on upload routes)"},
	{PXT_EINVAL, "ValidationError", "an unknown, missing or mistyped column or "
	    "parameter, a value out of range (a limit over its maximum), a media path "
	    "outside media_roots, or a computed column that refused the row"},
	{PXT_EINTERNAL, "InternalError", "a bug in pxtc, logged with the request id"},
	{PXT_EUPSTREAM, "UpstreamError", "no worker answered (nginx), or an outside service "
	    "failed"},
	{PXT_EUNAVAIL, "Unavailable", "the database is unreachable: try again after "
	    "Retry-After seconds"},
	{PXT_ETIMEOUT, "Timeout", "the request ran past request_timeout_s"},
};

const char *
pxt_oa_error_name(int status)
{
	const char *code;

	for (size_t i = 0; i < sizeof(pxt_oa_errors) / sizeof(*pxt_oa_errors); i++)
		if (pxt_http_status(pxt_oa_errors[i].code, &code) == status)
			return pxt_oa_errors[i].name;
	return NULL;
}

/* The schemas every document carries (the error body and the system routes). */
static const char pxt_oa_schemas[] =
    "{\"Error\":{\"type\":\"object\",\"description\":\"why a request failed\","
    "\"required\":[\"error_code\",\"message\",\"retryable\",\"cause\",\"retry_after\"],"
    "\"properties\":{\"error_code\":{\"type\":\"string\",\"enum\":[\"bad_request\","
    "\"unauthorized\",\"forbidden\",\"not_found\",\"method_not_allowed\",\"conflict\","
    "\"gone\",\"payload_too_large\",\"unsupported_media_type\",\"validation_error\","
    "\"rate_limited\",\"internal_error\",\"upstream_error\",\"unavailable\",\"timeout\","
    "\"insufficient_storage\"]},\"message\":{\"type\":\"string\"},"
    "\"retryable\":{\"type\":\"boolean\",\"description\":\"true only for a transient "
    "failure where nothing was committed\"},\"cause\":{\"type\":[\"string\",\"null\"],"
    "\"description\":\"the column, parameter or header at fault\"},"
    "\"retry_after\":{\"type\":[\"integer\",\"null\"],\"minimum\":0,\"description\":"
    "\"seconds to wait before trying again (also the Retry-After header)\"}}},"
    "\"ErrorResponse\":{\"type\":\"object\",\"required\":[\"detail\"],\"properties\":"
    "{\"detail\":{\"$ref\":\"#/components/schemas/Error\"}}},"
    "\"NumRows\":{\"type\":\"object\",\"required\":[\"num_rows\"],\"properties\":"
    "{\"num_rows\":{\"type\":\"integer\",\"minimum\":0,\"description\":\"the rows "
    "deleted\"}}},"
    "\"Job\":{\"type\":\"object\",\"description\":\"a background job, queued\","
    "\"required\":[\"id\",\"job_url\"],\"properties\":{\"id\":{\"type\":\"string\"},"
    "\"job_url\":{\"type\":\"string\",\"format\":\"uri\",\"description\":\"GET it "
    "to follow the job\"}}},"
    "\"JobStatus\":{\"type\":\"object\",\"description\":\"a background job: pending, "
    "then done (result) or error (error, error_detail)\",\"required\":[\"id\","
    "\"status\",\"result\",\"error\",\"error_detail\",\"http_status\"],\"properties\":"
    "{\"id\":{\"type\":\"string\"},\"status\":{\"type\":\"string\",\"enum\":"
    "[\"pending\",\"done\",\"error\"]},\"result\":{\"description\":\"the route's "
    "answer once done, else null\"},\"error\":{\"type\":[\"string\",\"null\"],\"description\":"
    "\"why the job failed\"},\"error_detail\":{\"anyOf\":[{\"$ref\":"
    "\"#/components/schemas/Error\"},{\"type\":\"null\"}]},\"http_status\":{\"type\":"
    "[\"integer\",\"null\"],\"description\":\"the status the route answered the job "
    "with\"}}},"
    "\"Health\":{\"type\":\"object\",\"required\":[\"status\",\"database\"],"
    "\"properties\":{\"status\":{\"type\":\"string\",\"enum\":[\"ok\",\"degraded\"]},"
    "\"database\":{\"type\":\"string\",\"enum\":[\"ok\",\"down\"]},\"worker\":{\"type\":"
    "\"object\",\"properties\":{\"pid\":{\"type\":\"integer\"},\"requests\":{\"type\":"
    "\"integer\"},\"catalog_version\":{\"type\":\"integer\"}}}}}}";

/* One components.responses entry: the error body, an example, and its headers. */
static void
pxt_oa_error_response(pxt_jw *w, pxt_err code, const char *desc)
{
	const char *error_code;
	int status = pxt_http_status(code, &error_code);

	pxt_jw_obj_begin(w);
	pxt_oa_kstr(w, "description", desc);
	if (status == 401 || status == 503) {
		pxt_jw_key(w, "headers");
		pxt_jw_obj_begin(w);
		pxt_jw_key(w, status == 401 ? "WWW-Authenticate" : "Retry-After");
		pxt_jw_obj_begin(w);
		pxt_oa_kraw(w, "schema", status == 401 ? "{\"type\":\"string\"}" :
		    "{\"type\":\"integer\"}");
		pxt_jw_obj_end(w);
		pxt_jw_obj_end(w);
	}
	pxt_jw_key(w, "content");
	pxt_jw_obj_begin(w);
	pxt_jw_key(w, "application/json");
	pxt_jw_obj_begin(w);
	pxt_oa_kraw(w, "schema", "{\"$ref\":\"#/components/schemas/ErrorResponse\"}");
	pxt_jw_key(w, "example");
	pxt_jw_obj_begin(w);
	pxt_jw_key(w, "detail");
	pxt_jw_obj_begin(w);
	pxt_oa_kstr(w, "error_code", error_code);
	pxt_oa_kstr(w, "message", desc);
	pxt_jw_key(w, "retryable");
	pxt_jw_bool(w, status == 503);
	pxt_oa_kraw(w, "cause", "null");
	pxt_oa_kraw(w, "retry_after", status == 503 ? "1" : "null");
	pxt_jw_obj_end(w);
	pxt_jw_obj_end(w);
	pxt_jw_obj_end(w);
	pxt_jw_obj_end(w);
	pxt_jw_obj_end(w);
}

void
pxt_oa_components(pxt_jw *w, bool keys)
{
	pxt_jw_key(w, "components");
	pxt_jw_obj_begin(w);
	pxt_oa_kraw(w, "schemas", pxt_oa_schemas);
	pxt_jw_key(w, "responses");
	pxt_jw_obj_begin(w);
	for (size_t i = 0; i < sizeof(pxt_oa_errors) / sizeof(*pxt_oa_errors); i++) {
		pxt_jw_key(w, pxt_oa_errors[i].name);
		pxt_oa_error_response(w, pxt_oa_errors[i].code, pxt_oa_errors[i].desc);
	}
	pxt_jw_obj_end(w);
	if (keys)
		pxt_oa_kraw(w, "securitySchemes", "{\"bearerAuth\":{\"type\":\"http\","
		    "\"scheme\":\"bearer\",\"description\":\"a key of [pixeltable] api_key, "
		    "sent as 'Authorization: Bearer <key>'\"}}");
	pxt_jw_obj_end(w);
}
