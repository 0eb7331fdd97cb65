/*
 * service.c - the TOML service file: routes declared without C, with Pixeltable's keys
 * ([[service]] name, prefix; [[service.routes]] type, path, table, inputs, outputs,
 * match_columns, query, one_row, return_scalar, method, export_sql, ...). Declared
 * routes go into the same route table as the C routers' and behave the same. Every mistake stops
 * start-up with the file, line and column (see pxt/app.h), a key the route's type does
 * not take included (pxt_svc_route_keys: which type takes which key).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pxt/log.h"
#include "pxt/os.h"
#include "pxt/query.h"
#include "pxt/router.h"
#include "pxt/toml.h"
#include "catalog/catalog_int.h"
#include "engine/query_int.h"
#include "http/http_int.h"

#define PXT_SERVICE_MAX_BYTES (1u << 20)

/* Where we are in the file, for messages. */
struct pxt_svc {
	pxt_app *app;
	const char *file;
	pxt_pool *pool;
};

/* An error at value v: "FILE:LINE:COL: <what>". */
static pxt_err
pxt_svc_fail(const struct pxt_svc *s, const pxt_toml_value *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static pxt_err
pxt_svc_fail(const struct pxt_svc *s, const pxt_toml_value *v, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return pxt_seterr(PXT_ECONFIG, "%s:%d:%d: %s", s->file, v ? pxt_toml_line(v) : 1,
	    v ? pxt_toml_col(v) : 1, msg);
}

/* Refuse keys of table t not in allowed (NULL-terminated). */
static pxt_err
pxt_svc_keys(const struct pxt_svc *s, const pxt_toml_value *t, const char *what,
    const char *const *allowed)
{
	for (size_t i = 0; i < pxt_toml_len(t); i++) {
		const char *key;
		const pxt_toml_value *v = pxt_toml_at(t, i, &key);
		bool ok = false;

		for (const char *const *a = allowed; *a != NULL && !ok; a++)
			ok = strcmp(*a, key) == 0;
		if (!ok)
			return pxt_svc_fail(s, v, "unknown key '%s' in %s", key, what);
	}
	return PXT_OK;
}

/* An optional string key; *out NULL when absent. */
static pxt_err
pxt_svc_str(const struct pxt_svc *s, const pxt_toml_value *t, const char *key,
    const char **out)
{
	const pxt_toml_value *v = pxt_toml_get(t, key);

	*out = NULL;
	if (v == NULL)
		return PXT_OK;
	if (pxt_toml_kind_of(v) != PXT_TOML_STRING)
		return pxt_svc_fail(s, v, "'%s' must be a string, not %s", key,
		    pxt_toml_kind_name(pxt_toml_kind_of(v)));
	*out = pxt_toml_str(v, NULL);
	return PXT_OK;
}

/* An optional boolean key (default false). */
static pxt_err
pxt_svc_bool(const struct pxt_svc *s, const pxt_toml_value *t, const char *key,
    bool *out)
{
	const pxt_toml_value *v = pxt_toml_get(t, key);

	*out = false;
	if (v == NULL)
		return PXT_OK;
	if (pxt_toml_kind_of(v) != PXT_TOML_BOOL)
		return pxt_svc_fail(s, v, "'%s' must be true or false", key);
	*out = pxt_toml_bool(v);
	return PXT_OK;
}

/*
 * An optional list of column names of t (NULL-terminated, in the pool); every name
 * must be a column, and no input may be computed.
 */
static pxt_err
pxt_svc_cols(const struct pxt_svc *s, const pxt_toml_value *route, const char *key,
    const pxt_table *t, bool input, const char *const **list)
{
	const pxt_toml_value *v = pxt_toml_get(route, key);
	const char **out_;
	const char ***out = &out_;
	size_t n;

	*list = NULL;
	*out = NULL;
	if (v == NULL)
		return PXT_OK;
	if (pxt_toml_kind_of(v) != PXT_TOML_ARRAY)
		return pxt_svc_fail(s, v, "'%s' must be a list of column names", key);
	n = pxt_toml_len(v);
	if ((*out = pxt_pcalloc(s->pool, sizeof(char *) * (n + 1))) == NULL)
		return PXT_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const pxt_toml_value *e = pxt_toml_at(v, i, NULL);
		const pxt_column *c;
		const char *name;

		if (pxt_toml_kind_of(e) != PXT_TOML_STRING)
			return pxt_svc_fail(s, e, "'%s' must be a list of column names", key);
		name = pxt_toml_str(e, NULL);
		if ((c = pxt_table_find_col(t, name)) == NULL)
			return pxt_svc_fail(s, e, "table '%s' has no column '%s'", t->path,
			    name);
		if (input && c->computed != NULL)
			return pxt_svc_fail(s, e, "column '%s' of '%s' is computed and cannot "
			    "be an input", name, t->path);
		(*out)[i] = name;
	}
	*list = *out;
	return PXT_OK;
}

/*
 * A table path with "${APP_NAMESPACE}/" at its start names the app's configured
 * namespace ([app] namespace), so one service file serves any namespace.
 */
static const char *
pxt_svc_expand(const struct pxt_svc *s, const char *table)
{
	static const char var[] = "${APP_NAMESPACE}";

	if (strncmp(table, var, sizeof(var) - 1) != 0)
		return table;
	return pxt_psprintf(s->pool, "%s%s", pxt_config_str(pxt_env_config(s->app->env),
	    "app", "namespace"), table + sizeof(var) - 1);
}

/*
 * A route's export_sql table (db_connect, table, db_schema, method), into *spec (NULL
 * when absent); its values are checked when the route is added.
 */
static pxt_err
pxt_svc_export(const struct pxt_svc *s, const pxt_toml_value *route,
    pxt_export_sql **spec)
{
	static const char *const keys[] = {"db_connect", "table", "db_schema", "method",
	    NULL};
	const pxt_toml_value *v = pxt_toml_get(route, "export_sql");
	pxt_export_sql *x;
	pxt_err rc;

	*spec = NULL;
	if (v == NULL)
		return PXT_OK;
	if (pxt_toml_kind_of(v) != PXT_TOML_TABLE)
		return pxt_svc_fail(s, v, "'export_sql' must be a table (db_connect, table, "
		    "db_schema, method)");
	if ((x = pxt_pcalloc(s->pool, sizeof(*x))) == NULL)
		return PXT_ENOMEM;
	if ((rc = pxt_svc_keys(s, v, "export_sql", keys)) != PXT_OK ||
	    (rc = pxt_svc_str(s, v, "db_connect", &x->db_connect)) != PXT_OK ||
	    (rc = pxt_svc_str(s, v, "table", &x->table)) != PXT_OK ||
	    (rc = pxt_svc_str(s, v, "db_schema", &x->db_schema)) != PXT_OK ||
	    (rc = pxt_svc_str(s, v, "method", &x->method)) != PXT_OK)
		return rc;
	if (x->db_connect == NULL || x->table == NULL)
		return pxt_svc_fail(s, v, "export_sql needs 'db_connect' and 'table'");
	*spec = x;
	return PXT_OK;
}

/* A table route (insert, update, delete, compute). */
static pxt_err
pxt_svc_table_route(const struct pxt_svc *s, pxt_router *r, const pxt_toml_value *route,
    const char *type, const char *path)
{
	const char *table;
	pxt_route_opts opts;
	const pxt_toml_value *tv = pxt_toml_get(route, "table");
	pxt_table *t, *base;
	pxt_err rc;

	memset(&opts, 0, sizeof(opts));
	opts.size = sizeof(opts);
	if ((rc = pxt_svc_str(s, route, "table", &table)) != PXT_OK)
		return rc;
	if (table == NULL)
		return pxt_svc_fail(s, route, "a %s route needs 'table'", type);
	if ((table = pxt_svc_expand(s, table)) == NULL)
		return PXT_ENOMEM;
	if ((t = pxt_get_table(s->app->env, table)) == NULL)
		return pxt_svc_fail(s, tv, "%s (did the setup program run?)", pxt_errmsg());
	if (t->is_view && strcmp(type, "compute") != 0)
		return pxt_svc_fail(s, tv, "'%s' is a view: it is written through its base "
		    "'%s' (a compute route takes a view)", table, t->base_path);
	/* a compute route on a view takes a row of the view's base */
	base = t;
	if (t->is_view && (base = pxt_get_table(s->app->env, t->base_path)) == NULL)
		return pxt_svc_fail(s, tv, "%s", pxt_errmsg());
	if ((rc = pxt_svc_cols(s, route, "inputs", base, true, &opts.inputs)) != PXT_OK ||
	    (rc = pxt_svc_cols(s, route, "outputs", t, false, &opts.outputs)) != PXT_OK ||
	    (rc = pxt_svc_cols(s, route, "match_columns", t, false,
	    &opts.match_columns)) != PXT_OK ||
	    (rc = pxt_svc_cols(s, route, "now_columns", base, true, &opts.now_columns)) !=
	    PXT_OK || (rc = pxt_svc_cols(s, route, "uploadfile_inputs", base, true,
	    &opts.uploadfile_inputs)) != PXT_OK)
		return rc;
	if ((rc = pxt_svc_bool(s, route, "return_fileresponse",
	    &opts.return_fileresponse)) != PXT_OK || (rc = pxt_svc_export(s, route,
	    (pxt_export_sql **)&opts.export_sql)) != PXT_OK)
		return rc;
	if (strcmp(type, "insert") == 0)
		rc = pxt_add_insert_route(r, path, t, &opts);
	else if (strcmp(type, "update") == 0)
		rc = pxt_add_update_route(r, path, t, &opts);
	else if (strcmp(type, "compute") == 0)
		rc = pxt_add_compute_route(r, path, t, &opts);
	else
		rc = pxt_add_delete_route(r, path, t, &opts);
	if (rc != PXT_OK && opts.export_sql != NULL && strstr(pxt_errmsg(),
	    "export_sql: ") != NULL)	/* point at the export_sql table */
		return pxt_svc_fail(s, pxt_toml_get(route, "export_sql"), "%s", pxt_errmsg());
	return rc == PXT_OK ? PXT_OK : pxt_svc_fail(s, route, "%s", pxt_errmsg());
}

/*
 * A query route's inputs: a list of the query's parameter names (NULL-terminated, in
 * the pool); *list NULL when absent.
 */
static pxt_err
pxt_svc_params(const struct pxt_svc *s, const pxt_toml_value *route, pxt_query *q,
    const char *const **list)
{
	const pxt_toml_value *v = pxt_toml_get(route, "inputs");
	const char **out;
	size_t n;

	*list = NULL;
	if (v == NULL)
		return PXT_OK;
	if (pxt_toml_kind_of(v) != PXT_TOML_ARRAY)
		return pxt_svc_fail(s, v, "'inputs' must be a list of parameter names");
	n = pxt_toml_len(v);
	if ((out = pxt_pcalloc(s->pool, sizeof(char *) * (n + 1))) == NULL)
		return PXT_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const pxt_toml_value *e = pxt_toml_at(v, i, NULL);
		bool known = false;

		if (pxt_toml_kind_of(e) != PXT_TOML_STRING)
			return pxt_svc_fail(s, e, "'inputs' must be a list of parameter names");
		out[i] = pxt_toml_str(e, NULL);
		for (int k = 0; k < q->nparams; k++)
			known |= strcmp(q->params[k].name, out[i]) == 0;
		if (!known)
			return pxt_svc_fail(s, e, "query '%s' has no parameter '%s'",
			    pxt_query_name(q), out[i]);
	}
	*list = out;
	return PXT_OK;
}

/* A query route: a query a router module made, by name. */
static pxt_err
pxt_svc_query_route(const struct pxt_svc *s, pxt_router *r, const pxt_toml_value *route,
    const char *path)
{
	const char *name, *method, *table;
	unsigned methods = PXT_POST;
	pxt_route_opts opts = {PXT_ROUTE_OPTS_INIT};
	pxt_query *q;
	pxt_err rc;

	if ((rc = pxt_svc_str(s, route, "query", &name)) != PXT_OK ||
	    (rc = pxt_svc_str(s, route, "method", &method)) != PXT_OK ||
	    (rc = pxt_svc_str(s, route, "table", &table)) != PXT_OK ||
	    (rc = pxt_svc_bool(s, route, "one_row", &opts.one_row)) != PXT_OK ||
	    (rc = pxt_svc_bool(s, route, "return_scalar", &opts.return_scalar)) != PXT_OK ||
	    (rc = pxt_svc_bool(s, route, "return_fileresponse",
	    &opts.return_fileresponse)) != PXT_OK)
		return rc;
	if (table != NULL && (table = pxt_svc_expand(s, table)) == NULL)
		return PXT_ENOMEM;
	if (name == NULL)
		return pxt_svc_fail(s, route, "a query route needs 'query' (the name of a "
		    "query a router module made with pxt_query_new)");
	if ((q = pxt_query_find(s->app->env, name)) == NULL)
		return pxt_svc_fail(s, pxt_toml_get(route, "query"), "no query named '%s' "
		    "(is the router that makes it loaded?)", name);
	if (method != NULL && strcasecmp(method, "get") == 0)
		methods = PXT_GET;
	else if (method != NULL && strcasecmp(method, "post") != 0)
		return pxt_svc_fail(s, pxt_toml_get(route, "method"), "method must be "
		    "\"get\" or \"post\", not \"%s\"", method);
	if (table != NULL && strcmp(table, pxt_query_table_path(q)) != 0)
		return pxt_svc_fail(s, pxt_toml_get(route, "table"), "query '%s' reads "
		    "'%s', not '%s'", name, pxt_query_table_path(q), table);
	if (opts.return_scalar && !opts.one_row)
		return pxt_svc_fail(s, pxt_toml_get(route, "return_scalar"), "return_scalar "
		    "needs one_row = true");
	if ((rc = pxt_svc_params(s, route, q, &opts.inputs)) != PXT_OK)
		return rc;
	if ((rc = pxt_add_query_route_opts(r, path, q, methods, &opts)) != PXT_OK)
		return pxt_svc_fail(s, route, "%s", pxt_errmsg());
	return PXT_OK;
}

/* The route types, as bits of pxt_svc_route_keys[].types. */
enum {
	PXT_SVC_INSERT = 1 << 0,
	PXT_SVC_UPDATE = 1 << 1,
	PXT_SVC_DELETE = 1 << 2,
	PXT_SVC_QUERY = 1 << 3,
	PXT_SVC_COMPUTE = 1 << 4,
	PXT_SVC_ANY = (1 << 5) - 1
};

/*
 * Which keys each route type takes: Pixeltable's, plus pxtc's own (public,
 * now_columns, match_columns and uploadfile_inputs on update). A key another type
 * takes is a start-up error, never ignored.
 */
static const struct {
	const char *key;
	unsigned types;
} pxt_svc_route_keys[] = {
	{"type", PXT_SVC_ANY},
	{"path", PXT_SVC_ANY},
	{"public", PXT_SVC_ANY},
	{"background", PXT_SVC_ANY},
	{"table", PXT_SVC_ANY},
	{"inputs", PXT_SVC_INSERT | PXT_SVC_UPDATE | PXT_SVC_QUERY | PXT_SVC_COMPUTE},
	{"uploadfile_inputs", PXT_SVC_INSERT | PXT_SVC_UPDATE | PXT_SVC_COMPUTE},
	{"outputs", PXT_SVC_INSERT | PXT_SVC_UPDATE | PXT_SVC_COMPUTE},
	{"return_fileresponse", PXT_SVC_INSERT | PXT_SVC_UPDATE | PXT_SVC_QUERY |
	    PXT_SVC_COMPUTE},
	{"now_columns", PXT_SVC_INSERT | PXT_SVC_COMPUTE},
	{"match_columns", PXT_SVC_UPDATE | PXT_SVC_DELETE},
	{"query", PXT_SVC_QUERY},
	{"method", PXT_SVC_QUERY},
	{"one_row", PXT_SVC_QUERY},
	{"return_scalar", PXT_SVC_QUERY},
	{"export_sql", PXT_SVC_INSERT | PXT_SVC_UPDATE | PXT_SVC_COMPUTE},
};

#define PXT_SVC_NKEYS (sizeof(pxt_svc_route_keys) / sizeof(*pxt_svc_route_keys))

/* The bit of route type name, or 0 for an unknown type. */
static unsigned
pxt_svc_type_bit(const char *type)
{
	static const char *const names[] = {"insert", "update", "delete", "query",
	    "compute"};

	for (unsigned i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (strcmp(type, names[i]) == 0)
			return 1u << i;
	return 0;
}

/*
 * Refuse a key no route takes (any type) or, with type_bit set, a key a route of that
 * type does not take, naming the keys it does take.
 */
static pxt_err
pxt_svc_route_check(const struct pxt_svc *s, const pxt_toml_value *route,
    const char *type, unsigned type_bit)
{
	for (size_t i = 0; i < pxt_toml_len(route); i++) {
		const char *key;
		const pxt_toml_value *v = pxt_toml_at(route, i, &key);
		unsigned types = 0;
		char taken[512];
		size_t n = 0;

		for (size_t k = 0; k < PXT_SVC_NKEYS; k++)
			if (strcmp(pxt_svc_route_keys[k].key, key) == 0)
				types = pxt_svc_route_keys[k].types;
		if (types == 0)
			return pxt_svc_fail(s, v, "unknown key '%s' in a route", key);
		if (type_bit == 0 || (types & type_bit) != 0)
			continue;
		taken[0] = '\0';
		for (size_t k = 0; k < PXT_SVC_NKEYS && n < sizeof(taken); k++)
			if (pxt_svc_route_keys[k].types & type_bit)
				n += (size_t)snprintf(taken + n, sizeof(taken) - n, "%s%s",
				    n ? ", " : "", pxt_svc_route_keys[k].key);
		return pxt_svc_fail(s, v, "a%s %s route takes no '%s' (its keys: %s)",
		    type[0] == 'i' || type[0] == 'u' ? "n" : "", type, key, taken);
	}
	return PXT_OK;
}

static pxt_err
pxt_svc_route(const struct pxt_svc *s, pxt_router *r, const pxt_toml_value *route)
{
	const char *type, *path;
	bool public_route, background;
	pxt_err rc;

	if (pxt_toml_kind_of(route) != PXT_TOML_TABLE)
		return pxt_svc_fail(s, route, "a route must be a table ([[service.routes]])");
	if ((rc = pxt_svc_route_check(s, route, NULL, 0)) != PXT_OK ||
	    (rc = pxt_svc_str(s, route, "type", &type)) != PXT_OK ||
	    (rc = pxt_svc_str(s, route, "path", &path)) != PXT_OK ||
	    (rc = pxt_svc_bool(s, route, "public", &public_route)) != PXT_OK ||
	    (rc = pxt_svc_bool(s, route, "background", &background)) != PXT_OK)
		return rc;
	if (type == NULL)
		return pxt_svc_fail(s, route, "a route needs 'type' (insert, update, delete, "
		    "query or compute)");
	if (path == NULL || path[0] != '/')
		return pxt_svc_fail(s, path ? pxt_toml_get(route, "path") : route,
		    "a route needs a 'path' starting with '/'");
	if (pxt_svc_type_bit(type) == 0)
		return pxt_svc_fail(s, pxt_toml_get(route, "type"), "unknown route type "
		    "'%s' (insert, update, delete, query or compute)", type);
	if ((rc = pxt_svc_route_check(s, route, type, pxt_svc_type_bit(type))) != PXT_OK)
		return rc;
	if (strcmp(type, "query") == 0)
		rc = pxt_svc_query_route(s, r, route, path);
	else
		rc = pxt_svc_table_route(s, r, route, type, path);
	if (rc == PXT_OK && background && pxt_toml_get(route, "return_fileresponse") &&
	    pxt_toml_bool(pxt_toml_get(route, "return_fileresponse")))
		return pxt_svc_fail(s, pxt_toml_get(route, "background"), "a background "
		    "route answers with a job: it takes no return_fileresponse");
	if (rc == PXT_OK) {
		struct pxt_route *rt = &s->app->routes[s->app->nroutes - 1];

		rt->public_route = public_route;
		rt->source = pxt_psprintf(s->app->pool, "%s:%d", s->file,
		    pxt_toml_line(route));
		/* (adds the job status route: rt moves) */
		if (background && (rc = pxt_job_route_add(r, public_route)) != PXT_OK)
			return pxt_svc_fail(s, pxt_toml_get(route, "background"), "%s",
			    pxt_errmsg());
	}
	return rc;
}

static pxt_err
pxt_svc_service(const struct pxt_svc *s, const pxt_toml_value *svc)
{
	static const char *const keys[] = {"name", "prefix", "host", "port", "routes",
	    NULL};
	const pxt_toml_value *routes = pxt_toml_get(svc, "routes");
	const char *name, *prefix;
	pxt_router *r;
	pxt_err rc;

	if (pxt_toml_kind_of(svc) != PXT_TOML_TABLE)
		return pxt_svc_fail(s, svc, "a service must be a table ([[service]])");
	if ((rc = pxt_svc_keys(s, svc, "a service", keys)) != PXT_OK ||
	    (rc = pxt_svc_str(s, svc, "name", &name)) != PXT_OK ||
	    (rc = pxt_svc_str(s, svc, "prefix", &prefix)) != PXT_OK)
		return rc;
	if (name == NULL || *name == '\0')
		return pxt_svc_fail(s, svc, "a service needs a 'name'");
	if (prefix != NULL && *prefix != '\0' && prefix[0] != '/')
		return pxt_svc_fail(s, pxt_toml_get(svc, "prefix"), "'prefix' must start "
		    "with '/'");
	for (const char *k = "host"; k != NULL; k = strcmp(k, "host") == 0 ? "port" : NULL)
		if (pxt_toml_get(svc, k) != NULL)
			pxt_log(PXT_LOG_WARN, "%s:%d: service '%s': '%s' is ignored: nginx "
			    "owns the socket ([server] host and port)", s->file,
			    pxt_toml_line(pxt_toml_get(svc, k)), name, k);
	if (routes != NULL && pxt_toml_kind_of(routes) != PXT_TOML_ARRAY)
		return pxt_svc_fail(s, routes, "'routes' must be an array of tables "
		    "([[service.routes]])");
	if ((r = pxt_app_router(s->app, name, NULL)) == NULL)
		return PXT_ENOMEM;
	pxt_router_prefix(r, prefix);
	for (size_t i = 0; routes != NULL && i < pxt_toml_len(routes); i++)
		if ((rc = pxt_svc_route(s, r, pxt_toml_at(routes, i, NULL))) != PXT_OK)
			return rc;
	return PXT_OK;
}

pxt_err
pxt_app_load_service(pxt_app *app, const char *path)
{
	struct pxt_svc s = {app, path, app->pool};
	const pxt_toml_value *root, *services;
	pxt_toml *doc = NULL;
	char *text = NULL;
	size_t len;
	pxt_err rc;

	if ((rc = pxt_file_read(path, PXT_SERVICE_MAX_BYTES, &text, &len)) != PXT_OK)
		return pxt_seterr(PXT_ECONFIG, "service file %s: %s", path, pxt_errmsg());
	rc = pxt_toml_parse(text, len, path, &doc);
	free(text);
	if (rc != PXT_OK)
		return rc;
	root = pxt_toml_root(doc);
	services = pxt_toml_get(root, "service");
	if ((rc = pxt_svc_keys(&s, root, "the service file (only [[service]])",
	    (const char *const[]){"service", NULL})) != PXT_OK)
		goto out;
	if (services == NULL || pxt_toml_kind_of(services) != PXT_TOML_ARRAY) {
		rc = pxt_svc_fail(&s, services, "no [[service]] in the file");
		goto out;
	}
	for (size_t i = 0; rc == PXT_OK && i < pxt_toml_len(services); i++)
		rc = pxt_svc_service(&s, pxt_toml_at(services, i, NULL));
out:
	pxt_toml_free(doc);
	return rc;
}
