/*
 * test_http.c - the request path in process, against a real PostgreSQL: routing (404,
 * 405 + Allow, path parameters, duplicates), the generic table routes and their
 * validation, the query layer, idempotency keys, catalog reloads through LISTEN/NOTIFY,
 * and the JSON error body for every status the request path produces.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pxt/app.h"
#include "pxt/pxt.h"
#include "pxt_test.h"

struct hdrs {
	const char *content_type;
	const char *idem;
};

static const char *
param(void *ctx, const char *name)
{
	const struct hdrs *h = ctx;

	if (strcmp(name, "CONTENT_TYPE") == 0)
		return h->content_type;
	if (strcmp(name, "HTTP_IDEMPOTENCY_KEY") == 0)
		return h->idem;
	return NULL;
}

static pxt_app *app;
static pxt_env *genv;
static pxt_pool *pool;
static char body[65536];
static int status;

/* Run one request; the body is copied into `body`, the status into `status`. */
static void
call(const char *method, const char *path, const char *query, const char *json,
    const char *ctype, const char *idem)
{
	struct hdrs h = {ctype ? ctype : (json ? "application/json" : NULL), idem};
	pxt_req *req;
	const char *out;
	size_t len;

	pxt_pool_reset(pool);
	req = pxt_req_new(app, pool, method, path, query, json, json ? strlen(json) : 0,
	    false, param, &h);
	pxt_app_handle(app, req);
	status = pxt_res_get_status(req);
	out = pxt_res_get_body(req, &len);
	snprintf(body, sizeof(body), "%.*s", (int)len, out);
	if (strstr(pxt_res_get_headers(req), "Allow: GET, POST") != NULL)
		strcat(body, " [Allow: GET, POST]");
	pxt_req_free(req);
}

#define HAS(s) (strstr(body, (s)) != NULL)
#define EXPECT(st, needle)                                                     \
	do {                                                                   \
		PXT_CHECK_INT(status, st);                                     \
		if (!HAS(needle)) {                                            \
			fprintf(stderr, "line %d: body %s lacks %s\n", __LINE__, body, \
			    needle);                                           \
			PXT_CHECK(0);                                          \
		}                                                              \
	} while (0)

static pxt_err
echo_handler(pxt_req *req, void *ud)
{
	pxt_jw *w = pxt_res_json(req, 200);

	(void)ud;
	pxt_jw_obj_begin(w);
	pxt_jw_key(w, "name");
	pxt_jw_cstr(w, pxt_req_param(req, "name"));
	pxt_jw_obj_end(w);
	return PXT_OK;
}

static void
setup_routes(pxt_env *env)
{
	static const char *const now[] = {"timestamp", NULL};
	static const char *const uploads[] = {"document", NULL};
	pxt_route_opts opts = {PXT_ROUTE_OPTS_INIT, .now_columns = now};
	pxt_route_opts bg = {PXT_ROUTE_OPTS_INIT, .now_columns = now, .background = true};
	pxt_router *r = pxt_app_router(app, "test", NULL);
	pxt_table *t;
	pxt_query *q, *one;

	PXT_CHECK_INT(pxt_create_dir(env, "h", PXT_IF_EXISTS_IGNORE), PXT_OK);
	t = pxt_create_table(env, "h/docs", (pxt_coldef[]){PXT_UUID7_KEY("id"),
	    {"document", PXT_DOCUMENT, 0, 0, NULL, NULL}, {"metadata", PXT_JSON, 0, 0, NULL, NULL},
	    {"timestamp", PXT_TIMESTAMP, 0, 0, NULL, NULL}, {"n", PXT_INT, 0, 0, NULL, NULL},
	    {"score", PXT_FLOAT, 0, 0, NULL, NULL}, {"title", PXT_STRING, PXT_COL_REQUIRED, 0, NULL, NULL},
	    {"vec", PXT_ARRAY, 0, PXT_FLOAT, NULL, NULL}, {0}}, PXT_IF_EXISTS_REPLACE);
	PXT_CHECK(t != NULL);
	pxt_router_prefix(r, "/api/t");
	q = pxt_query_new(t, "list");
	pxt_query_order_by(q, "timestamp", true);
	pxt_query_limit(q, 2, 5);
	one = pxt_query_new(t, "by_title");
	pxt_query_where(one, pxt_q_eq(pxt_q_col(one, "title"),
	    pxt_q_param(one, "title", PXT_STRING)));
	PXT_CHECK_INT(pxt_add_query_route(r, "/docs", q, PXT_GET, false), PXT_OK);
	PXT_CHECK_INT(pxt_add_query_route(r, "/docs/one", one, PXT_GET | PXT_POST, true),
	    PXT_OK);
	PXT_CHECK_INT(pxt_add_insert_route(r, "/docs", t, &opts), PXT_OK);
	/* an option the route's kind does not take is refused, never ignored */
	PXT_CHECK_INT(pxt_add_delete_route(r, "/docs/bad", t, &opts), PXT_EINVAL);
	PXT_CHECK(strstr(pxt_errmsg(), "a delete route takes only match_columns") != NULL);
	PXT_CHECK_INT(pxt_add_insert_route(r, "/docs/bad", t, &(pxt_route_opts){
	    PXT_ROUTE_OPTS_INIT, .one_row = true}), PXT_EINVAL);
	PXT_CHECK_INT(pxt_add_update_route(r, "/docs/update", t, NULL), PXT_OK);
	PXT_CHECK_INT(pxt_add_delete_route(r, "/docs/delete", t, NULL), PXT_OK);
	PXT_CHECK_INT(pxt_add_route(r, PXT_GET, "/echo/{name}", echo_handler, NULL),
	    PXT_OK);
	/* a background route from C, with its job status route under the prefix */
	PXT_CHECK_INT(pxt_add_insert_route(r, "/docs/later", t, &bg), PXT_OK);
	/* uploads on a background route are stored before the job is queued */
	bg.uploadfile_inputs = uploads;
	PXT_CHECK_INT(pxt_add_insert_route(r, "/docs/later2", t, &bg), PXT_OK);
	/* a file answer cannot wait for a job */
	bg.return_fileresponse = true;
	PXT_CHECK_INT(pxt_add_insert_route(r, "/docs/later3", t, &bg), PXT_EINVAL);
	PXT_CHECK(strstr(pxt_errmsg(), "a background route answers with a job: it takes "
	    "no return_fileresponse") != NULL);
	/* a second registration of a taken route is refused */
	PXT_CHECK_INT(pxt_add_insert_route(r, "/docs", t, NULL), PXT_EEXISTS);
	PXT_CHECK(strstr(pxt_errmsg(), "duplicate route /api/t/docs") != NULL);
	PXT_CHECK_INT(pxt_add_route(r, PXT_GET, "/bad/{x", echo_handler, NULL),
	    PXT_EINVAL);
	/* builder mistakes surface when the route is added */
	q = pxt_query_new(t, "broken");
	pxt_query_order_by(q, "nope", false);
	PXT_CHECK_INT(pxt_add_query_route(r, "/broken", q, PXT_GET, false), PXT_ENOTFOUND);
	PXT_CHECK(strstr(pxt_errmsg(), "query 'broken' orders by unknown column 'nope'"));
}

/*
 * A background route answers 200 {"id", "job_url"}: job_url absolute under the
 * prefix (no Host here: the server's name), and GET on it answers the job pending
 * (no runner in this process); a malformed or unknown id is a 404.
 */
static void
test_background(void)
{
	char url[160], path[160];
	const char *p;

	call("POST", "/api/t/docs/later", NULL, "{\"title\": \"later\"}", NULL, NULL);
	EXPECT(200, "\"job_url\":\"http://localhost/api/t/_pxt/jobs/");
	p = strstr(body, "\"job_url\":\"");
	PXT_CHECK(p != NULL && strncmp(body, "{\"id\":\"", 7) == 0);
	if (p == NULL)
		return;
	snprintf(url, sizeof(url), "%.*s", (int)strcspn(p + 11, "\""), p + 11);
	snprintf(path, sizeof(path), "%s", url + strlen("http://localhost"));
	call("GET", path, NULL, NULL, NULL, NULL);
	EXPECT(200, "\"status\":\"pending\",\"result\":null,\"error\":null");
	call("GET", "/api/t/_pxt/jobs/nope", NULL, NULL, NULL, NULL);
	EXPECT(404, "\"error_code\":\"not_found\"");
	call("GET", "/api/t/_pxt/jobs/01a20a89-0000-7000-8000-000000000000", NULL, NULL,
	    NULL, NULL);
	EXPECT(404, "no job");
}

static void
test_routing(void)
{
	call("GET", "/api/t/echo/a%20b", NULL, NULL, NULL, NULL);
	EXPECT(200, "\"name\":\"a b\"");
	call("GET", "/api/nope", NULL, NULL, NULL, NULL);
	EXPECT(404, "\"error_code\":\"not_found\"");
	call("PUT", "/api/t/docs", NULL, NULL, NULL, NULL);
	EXPECT(405, "\"error_code\":\"method_not_allowed\"");
	PXT_CHECK(HAS("[Allow: GET, POST]"));
	call("GET", "/api/t/echo/%zz", NULL, NULL, NULL, NULL);
	EXPECT(400, "\"error_code\":\"bad_request\"");
	call("GET", "/api/health", NULL, NULL, NULL, NULL);
	EXPECT(200, "\"database\":\"ok\"");
}

static void
test_insert(char *file)
{
	char json[1024];

	snprintf(json, sizeof(json), "{\"document\": \"%s\", \"title\": \"first\", "
	    "\"metadata\": {\"k\": [1, 2]}, \"n\": 7, \"score\": 0.5, \"vec\": [1, 2.5]}",
	    file);
	call("POST", "/api/t/docs", NULL, json, NULL, NULL);
	EXPECT(200, "\"title\":\"first\"");
	PXT_CHECK(HAS("\"n\":7") && HAS("\"score\":0.5") && HAS("\"vec\":[1,2.5]"));
	PXT_CHECK(HAS("\"metadata\":{\"k\": [1, 2]}"));
	PXT_CHECK(HAS("\"timestamp\":\"20") && HAS("T"));	/* RFC 3339, set to now */
	call("POST", "/api/t/docs", NULL, "{\"title\": \"u\", \"document\": "
	    "\"https://example.com/a.pdf\", \"timestamp\": \"2024-01-02T03:04:05Z\"}",
	    NULL, NULL);
	EXPECT(200, "\"timestamp\":\"2024-01-02T03:04:05+00:00\"");

	call("POST", "/api/t/docs", NULL, "{\"title\": \"x\", \"bogus\": 1}", NULL, NULL);
	EXPECT(422, "unknown column 'bogus'");
	PXT_CHECK(HAS("\"cause\":\"bogus\""));
	call("POST", "/api/t/docs", NULL, "{\"n\": 1}", NULL, NULL);
	EXPECT(422, "column 'title' is required (Required[String]): give it a value");
	PXT_CHECK(HAS("\"cause\":\"title\""));
	call("POST", "/api/t/docs", NULL, "{\"title\": null}", NULL, NULL);
	EXPECT(422, "column 'title' is required (Required[String])");
	call("POST", "/api/t/docs", NULL, "{\"title\": \"x\", \"n\": \"7\"}", NULL, NULL);
	EXPECT(422, "column 'n' is Int, got string");
	call("POST", "/api/t/docs", NULL, "{\"title\": \"x\", \"vec\": [1, \"a\"]}",
	    NULL, NULL);
	EXPECT(422, "element 1 must be Float");
	call("POST", "/api/t/docs", NULL, "{\"title\": \"x\", \"timestamp\": \"noon\"}",
	    NULL, NULL);
	EXPECT(422, "not an RFC 3339 timestamp");
	call("POST", "/api/t/docs", NULL, "{\"title\": \"x\", \"document\": "
	    "\"/etc/passwd\"}", NULL, NULL);
	EXPECT(422, "outside the allowed media folders");
	snprintf(json, sizeof(json), "{\"title\": \"x\", \"document\": \"%s.missing\"}",
	    file);
	call("POST", "/api/t/docs", NULL, json, NULL, NULL);
	EXPECT(422, "does not exist");
	call("POST", "/api/t/docs", NULL, "{\"title\": \"x\", \"document\": "
	    "\"ftp://h/x\"}", NULL, NULL);
	EXPECT(422, "unsupported URL scheme");
	call("POST", "/api/t/docs", NULL, "{\"title\": 1,}", NULL, NULL);
	EXPECT(400, "malformed JSON at line 1, column");
	call("POST", "/api/t/docs", NULL, "{\"title\": \"x\"}", "text/plain", NULL);
	EXPECT(415, "unsupported_media_type");
	call("POST", "/api/t/docs", NULL, "[1]", NULL, NULL);
	EXPECT(422, "must be a JSON object");
	{
		char deep[300] = "";

		for (int i = 0; i < 70; i++)
			strcat(deep, "[");
		call("POST", "/api/t/docs", NULL, deep, NULL, NULL);
		EXPECT(400, "nested deeper than 64");
	}
}

static void
test_too_large(void)
{
	struct hdrs h = {"application/json", NULL};
	pxt_req *req;

	pxt_pool_reset(pool);
	req = pxt_req_new(app, pool, "POST", "/api/t/docs", NULL, NULL, 0, true, param,
	    &h);
	pxt_app_handle(app, req);
	PXT_CHECK_INT(pxt_res_get_status(req), 413);
	pxt_req_free(req);
}

static void
test_query_update_delete(void)
{
	char json[256], id[64] = "";
	const char *p;

	call("GET", "/api/t/docs", NULL, NULL, NULL, NULL);
	EXPECT(200, "{\"rows\":[");
	/* newest first: "first" (now) before "u" (2024) */
	PXT_CHECK(HAS("first") && strstr(body, "first") < strstr(body, "\"u\""));
	call("GET", "/api/t/docs", "limit=1&offset=1", NULL, NULL, NULL);
	EXPECT(200, "\"title\":\"u\"");
	PXT_CHECK(!HAS("first"));
	call("GET", "/api/t/docs", "limit=6", NULL, NULL, NULL);
	EXPECT(422, "limit must be between 0 and 5");
	call("GET", "/api/t/docs", "limit=x", NULL, NULL, NULL);
	EXPECT(422, "parameter 'limit' must be an integer");
	call("GET", "/api/t/docs", "colour=red", NULL, NULL, NULL);
	EXPECT(422, "unknown parameter 'colour'");
	call("GET", "/api/t/docs", "a=%zz", NULL, NULL, NULL);
	EXPECT(400, "malformed query string");
	call("GET", "/api/t/docs/one", "title=first", NULL, NULL, NULL);
	EXPECT(200, "\"title\":\"first\"");
	PXT_CHECK(body[0] == '{' && !HAS("rows"));
	call("POST", "/api/t/docs/one", NULL, "{\"title\": \"none\"}", NULL, NULL);
	EXPECT(404, "found no row");
	call("GET", "/api/t/docs/one", NULL, NULL, NULL, NULL);
	EXPECT(422, "missing parameter 'title'");
	call("POST", "/api/t/docs", NULL, "{\"title\": \"twin\"}", NULL, NULL);
	call("POST", "/api/t/docs", NULL, "{\"title\": \"twin\"}", NULL, NULL);
	call("GET", "/api/t/docs/one", "title=twin", NULL, NULL, NULL);
	EXPECT(409, "found 2 rows where one was expected");

	call("GET", "/api/t/docs/one", "title=first", NULL, NULL, NULL);
	if ((p = strstr(body, "\"id\":\"")) != NULL)
		snprintf(id, sizeof(id), "%.36s", p + 6);
	snprintf(json, sizeof(json), "{\"id\": \"%s\", \"title\": \"renamed\"}", id);
	call("POST", "/api/t/docs/update", NULL, json, NULL, NULL);
	EXPECT(200, "\"title\":\"renamed\"");
	call("POST", "/api/t/docs/update", NULL, "{\"id\": "
	    "\"00000000-0000-7000-8000-000000000000\", \"title\": \"z\"}", NULL, NULL);
	EXPECT(404, "no row of 'h/docs'");
	call("POST", "/api/t/docs/update", NULL, "{\"id\": \"nope\", \"title\": \"z\"}",
	    NULL, NULL);
	EXPECT(422, "is not a UUID");
	call("POST", "/api/t/docs/update", NULL, "{\"title\": \"z\"}", NULL, NULL);
	EXPECT(422, "missing 'id'");
	snprintf(json, sizeof(json), "{\"id\": \"%s\", \"title\": null}", id);
	call("POST", "/api/t/docs/update", NULL, json, NULL, NULL);
	EXPECT(422, "column 'title' is required (Required[String])");
	snprintf(json, sizeof(json), "{\"id\": \"%s\"}", id);
	call("POST", "/api/t/docs/update", NULL, json, NULL, NULL);
	EXPECT(422, "nothing to update");
	call("POST", "/api/t/docs/delete", NULL, json, NULL, NULL);
	EXPECT(200, "{\"num_rows\":1}");
	call("POST", "/api/t/docs/delete", NULL, json, NULL, NULL);
	EXPECT(200, "{\"num_rows\":0}");
}

static void
test_idempotency(void)
{
	char first[sizeof(body)];

	call("POST", "/api/t/docs", NULL, "{\"title\": \"idem\"}", NULL, "key-1");
	EXPECT(200, "\"title\":\"idem\"");
	snprintf(first, sizeof(first), "%s", body);
	call("POST", "/api/t/docs", NULL, "{\"title\": \"idem\"}", NULL, "key-1");
	EXPECT(200, "\"title\":\"idem\"");
	PXT_CHECK_STR(body, first);	/* the first answer, not a second row */
	call("GET", "/api/t/docs", "limit=5", NULL, NULL, NULL);
	PXT_CHECK(strstr(body, "idem") && !strstr(strstr(body, "idem") + 4, "idem"));
	call("POST", "/api/t/docs", NULL, "{\"title\": \"idem\"}", NULL, "bad key");
	EXPECT(422, "Idempotency-Key");
	/* a failed insert frees its key */
	call("POST", "/api/t/docs", NULL, "{\"n\": 1}", NULL, "key-2");
	EXPECT(422, "column 'title' is required");
	call("POST", "/api/t/docs", NULL, "{\"title\": \"second\"}", NULL, "key-2");
	EXPECT(200, "\"title\":\"second\"");
}

static void
test_catalog_reload(void)
{
	pxt_env *other = pxt_open(NULL);
	pxt_table *t;

	PXT_CHECK(other != NULL);
	if (other == NULL)
		return;
	t = pxt_get_table(other, "h/docs");
	PXT_CHECK_INT(pxt_add_column(t, &(pxt_coldef){"lang", PXT_STRING, 0, 0, NULL, NULL}, 0),
	    PXT_OK);
	pxt_close(other);
	/* a request after the NOTIFY arrived sees the change, without a restart */
	for (int i = 0; i < 100; i++) {
		call("POST", "/api/t/docs", NULL, "{\"title\": \"t\", \"lang\": \"en\"}",
		    NULL, NULL);
		if (status == 200)
			break;
		usleep(50 * 1000);
	}
	EXPECT(200, "\"lang\":\"en\"");
	call("GET", "/api/t/docs", "limit=1", NULL, NULL, NULL);
	EXPECT(200, "\"lang\":\"en\"");
}

static void
test_database_down(void)
{
	const pxt_config *cfg = pxt_env_config(genv);
	char pgdata[512], moved[600];

	snprintf(pgdata, sizeof(pgdata), "%s/pgdata", pxt_config_home(cfg));
	snprintf(moved, sizeof(moved), "%s.moved", pgdata);
	PXT_CHECK_INT(pxt_embedded_stop(cfg, 30), PXT_OK);
	PXT_CHECK_INT(rename(pgdata, moved), 0);
	call("GET", "/api/t/docs", NULL, NULL, NULL, NULL);
	EXPECT(503, "\"error_code\":\"unavailable\"");
	PXT_CHECK(HAS("\"retryable\":true") && HAS("\"retry_after\":1"));
	call("GET", "/api/health", NULL, NULL, NULL, NULL);
	EXPECT(503, "\"database\":\"down\"");
	PXT_CHECK_INT(rename(moved, pgdata), 0);
	/* back without a restart of the application */
	call("GET", "/api/t/docs", NULL, NULL, NULL, NULL);
	EXPECT(200, "{\"rows\":[");
}

int
main(void)
{
	char file[512];
	pxt_env *env = pxt_open(NULL);
	FILE *f;

	PXT_CHECK(env != NULL);
	if (env == NULL) {
		fprintf(stderr, "%s\n", pxt_errmsg());
		return pxt_test_done();
	}
	snprintf(file, sizeof(file), "%s/media/doc.txt", pxt_config_home(pxt_env_config(env)));
	if ((f = fopen(file, "w")) != NULL) {
		fputs("hello\n", f);
		fclose(f);
	}
	genv = env;
	pool = pxt_pool_new(0);
	app = pxt_app_new(env);
	PXT_CHECK(app != NULL);
	setup_routes(env);
	test_routing();
	test_background();
	test_insert(file);
	test_too_large();
	test_query_update_delete();
	test_idempotency();
	test_catalog_reload();
	test_database_down();
	pxt_app_free(app);
	pxt_pool_free(pool);
	pxt_close(env);
	return pxt_test_done();
}
