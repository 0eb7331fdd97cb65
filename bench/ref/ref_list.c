/*
 * ref_list.c - the reference pxtc's list route is measured against: a hand-written
 * libfcgi + libpq + yajl responder for GET /api/data/documents?limit=N&offset=M.
 *
 * It does the least a correct implementation must do, nothing more:
 *   - one libpq connection per process, to the same database pxtc uses
 *     ("host=$PIXELTABLE_HOME/run user=pxtc dbname=pixeltable");
 *   - ONE prepared statement, identical to the SQL pxtc sends for its list query;
 *   - limit (default 20, 0..1000) and offset (default 0, >= 0) from QUERY_STRING;
 *   - the same JSON as pxtc, {"rows":[{"uuid","document","metadata","timestamp","text",
 *     "title","n_words","summary"}]}: every visible column of app/documents in table
 *     order, the four computed ones included, written with yajl_gen: uuid, document,
 *     timestamp (RFC 3339, from the query), text, title and summary as strings,
 *     metadata and n_words as the raw text PostgreSQL returns, NULL as null. The
 *     document is a file:// URL of the path as stored, percent-encoded as pxtc
 *     encodes a URL path: bench/run.sh gives pxtc no media URL secret, so pxtc
 *     answers a local file as a file:// URL, not a signed /media URL. Strings are escaped as pxtc escapes the
 *     benchmark's rows (ASCII; yajl writes other control characters in upper-case
 *     hex, pxtc in lower case, and pxtc also escapes U+2028 and U+2029);
 *   - 422 for a bad parameter, 500 (and one reconnect attempt) when the database
 *     fails. Any other path answers the list too: nginx only sends it this route.
 *
 * Started by spawn-fcgi (listening socket on fd 0), one connection per process.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>
#include <libpq-fe.h>
#include <yajl_gen.h>

#define LIST_LIMIT_DEFAULT 20
#define LIST_LIMIT_MAX 1000
#define LIST_STMT "ref_list"

/* The exact statement pxtc prepares for its list query (see app/lib/engine/query_run.c). */
static const char list_sql[] =
    "SELECT \"uuid\", \"document\", \"metadata\", to_json(\"timestamp\")#>>'{}', "
    "\"text\", \"title\", \"n_words\", \"summary\" "
    "FROM \"pxt_data\".\"app/documents\" "
    "ORDER BY \"timestamp\" DESC, \"_pxt_rowid\" DESC "
    "LIMIT $1::bigint OFFSET $2::bigint";

/* Result columns, in the order of list_sql, and how each is written. */
static const struct {
	const char *name;
	bool raw;		/* already JSON text (jsonb, bigint output) */
	bool file;		/* a local path, written as a file:// URL */
} list_cols[] = {
	{"uuid", false, false}, {"document", false, true}, {"metadata", true, false},
	{"timestamp", false, false}, {"text", false, false}, {"title", false, false},
	{"n_words", true, false}, {"summary", false, false},
};
#define LIST_NCOLS ((int)(sizeof(list_cols) / sizeof(list_cols[0])))

static bool
db_prepare(PGconn *conn)
{
	PGresult *r = PQprepare(conn, LIST_STMT, list_sql, 2, NULL);
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;

	if (!ok)
		fprintf(stderr, "ref_list: prepare failed: %s", PQerrorMessage(conn));
	PQclear(r);
	return ok;
}

static PGconn *
db_connect(void)
{
	const char *home = getenv("PIXELTABLE_HOME");
	char conninfo[4096];
	PGconn *conn;

	if (home == NULL || *home == '\0') {
		fprintf(stderr, "ref_list: PIXELTABLE_HOME is not set\n");
		return NULL;
	}
	snprintf(conninfo, sizeof(conninfo), "host=%s/run user=pxtc dbname=pixeltable",
	    home);
	conn = PQconnectdb(conninfo);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "ref_list: cannot connect: %s",
		    conn ? PQerrorMessage(conn) : "out of memory\n");
		PQfinish(conn);
		return NULL;
	}
	if (!db_prepare(conn)) {
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

/* Run the list statement; after a lost connection, reconnect and retry once. */
static PGresult *
db_list(PGconn *conn, const char *limit, const char *offset)
{
	const char *params[2] = {limit, offset};
	PGresult *r;

	r = PQexecPrepared(conn, LIST_STMT, 2, params, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_TUPLES_OK || PQstatus(conn) == CONNECTION_OK)
		return r;
	PQclear(r);
	PQreset(conn);
	if (PQstatus(conn) != CONNECTION_OK || !db_prepare(conn))
		return NULL;
	return PQexecPrepared(conn, LIST_STMT, 2, params, NULL, NULL, 0);
}

/*
 * A non-negative decimal integer of at most 18 digits (no sign, no spaces): the
 * parameter text is then passed to PostgreSQL as is. False when malformed.
 */
static bool
parse_count(const char *s, size_t len, long long max, char *out, size_t outlen)
{
	long long v = 0;

	if (len == 0 || len > 18 || len >= outlen)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return false;
	snprintf(out, outlen, "%lld", v);
	return true;
}

/*
 * Read limit and offset from the query string ("limit=20&offset=40"); other
 * parameters are ignored. Returns NULL on success, else the offending name.
 */
static const char *
parse_query(const char *qs, char *limit, char *offset, size_t len)
{
	snprintf(limit, len, "%d", LIST_LIMIT_DEFAULT);
	snprintf(offset, len, "0");
	while (qs != NULL && *qs != '\0') {
		const char *amp = strchr(qs, '&');
		size_t n = amp ? (size_t)(amp - qs) : strlen(qs);
		const char *eq = memchr(qs, '=', n);

		if (eq != NULL) {
			size_t klen = (size_t)(eq - qs), vlen = n - klen - 1;

			if (klen == 5 && memcmp(qs, "limit", 5) == 0 &&
			    !parse_count(eq + 1, vlen, LIST_LIMIT_MAX, limit, len))
				return "limit";
			if (klen == 6 && memcmp(qs, "offset", 6) == 0 &&
			    !parse_count(eq + 1, vlen, 1000000000000000000LL, offset, len))
				return "offset";
		}
		qs = amp ? amp + 1 : qs + n;
	}
	return NULL;
}

static void
respond(FCGX_Request *req, int status, const char *reason, const unsigned char *body,
    size_t len)
{
	FCGX_FPrintF(req->out, "Status: %d %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: %lu\r\n\r\n", status, reason, (unsigned long)len);
	FCGX_PutStr((const char *)body, (int)len, req->out);
}

/* {"detail": {"error_code": code, "message": msg}} with the given status. */
static void
respond_error(FCGX_Request *req, yajl_gen g, int status, const char *reason,
    const char *code, const char *msg)
{
	const unsigned char *buf;
	size_t len;

	yajl_gen_clear(g);
	yajl_gen_reset(g, NULL);
	yajl_gen_map_open(g);
	yajl_gen_string(g, (const unsigned char *)"detail", 6);
	yajl_gen_map_open(g);
	yajl_gen_string(g, (const unsigned char *)"error_code", 10);
	yajl_gen_string(g, (const unsigned char *)code, strlen(code));
	yajl_gen_string(g, (const unsigned char *)"message", 7);
	yajl_gen_string(g, (const unsigned char *)msg, strlen(msg));
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	yajl_gen_get_buf(g, &buf, &len);
	respond(req, status, reason, buf, len);
}

/*
 * Write the file:// URL of path v (vlen bytes) into g: unreserved characters and '/'
 * as they are, every other byte as %XX. false when it does not fit.
 */
static yajl_gen_status
write_file_url(yajl_gen g, const char *v, size_t vlen)
{
	static char url[8192];
	size_t n = 0;

	memcpy(url, "file://", 7);
	n = 7;
	for (size_t i = 0; i < vlen; i++) {
		unsigned char c = (unsigned char)v[i];

		if (n + 3 >= sizeof(url))
			return yajl_gen_invalid_string;
		if (isalnum(c) || strchr("/-._~", c) != NULL)
			url[n++] = (char)c;
		else
			n += (size_t)snprintf(url + n, 4, "%%%02X", c);
	}
	return yajl_gen_string(g, (const unsigned char *)url, n);
}

/* Write {"rows":[...]} for res into g. */
static bool
write_rows(yajl_gen g, const PGresult *res)
{
	int nrows = PQntuples(res);
	yajl_gen_status st = yajl_gen_status_ok;

	yajl_gen_map_open(g);
	yajl_gen_string(g, (const unsigned char *)"rows", 4);
	yajl_gen_array_open(g);
	for (int i = 0; i < nrows && st == yajl_gen_status_ok; i++) {
		yajl_gen_map_open(g);
		for (int c = 0; c < LIST_NCOLS && st == yajl_gen_status_ok; c++) {
			const char *v = PQgetvalue(res, i, c);
			size_t vlen = (size_t)PQgetlength(res, i, c);

			yajl_gen_string(g, (const unsigned char *)list_cols[c].name,
			    strlen(list_cols[c].name));
			if (PQgetisnull(res, i, c))
				st = yajl_gen_null(g);
			else if (list_cols[c].raw)
				/* yajl_gen_number emits its text verbatim: the jsonb and
				 * bigint output is valid JSON, spliced in without a parse */
				st = yajl_gen_number(g, v, vlen);
			else if (list_cols[c].file)
				st = write_file_url(g, v, vlen);
			else
				st = yajl_gen_string(g, (const unsigned char *)v, vlen);
		}
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	return yajl_gen_map_close(g) == yajl_gen_status_ok && st == yajl_gen_status_ok;
}

static void
serve_one(FCGX_Request *req, PGconn *conn, yajl_gen g)
{
	const char *qs = FCGX_GetParam("QUERY_STRING", req->envp);
	char limit[24], offset[24], msg[128];
	const char *bad;
	const unsigned char *buf;
	size_t len;
	PGresult *res;

	if ((bad = parse_query(qs, limit, offset, sizeof(limit))) != NULL) {
		if (strcmp(bad, "limit") == 0)
			snprintf(msg, sizeof(msg), "parameter 'limit' must be an integer "
			    "between 0 and %d", LIST_LIMIT_MAX);
		else
			snprintf(msg, sizeof(msg), "parameter 'offset' must be a "
			    "non-negative integer");
		respond_error(req, g, 422, "Unprocessable Entity", "validation_error", msg);
		return;
	}
	res = db_list(conn, limit, offset);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "ref_list: query failed: %s", PQerrorMessage(conn));
		PQclear(res);
		respond_error(req, g, 500, "Internal Server Error", "internal_error",
		    "the query failed");
		return;
	}
	yajl_gen_clear(g);
	yajl_gen_reset(g, NULL);
	if (!write_rows(g, res)) {
		PQclear(res);
		respond_error(req, g, 500, "Internal Server Error", "internal_error",
		    "cannot write the result");
		return;
	}
	PQclear(res);
	yajl_gen_get_buf(g, &buf, &len);
	respond(req, 200, "OK", buf, len);
}

int
main(void)
{
	FCGX_Request req;
	PGconn *conn;
	yajl_gen g;

	if ((conn = db_connect()) == NULL)
		return 1;
	if ((g = yajl_gen_alloc(NULL)) == NULL) {
		PQfinish(conn);
		return 1;
	}
	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0) {
		fprintf(stderr, "ref_list: cannot initialize FastCGI\n");
		yajl_gen_free(g);
		PQfinish(conn);
		return 1;
	}
	while (FCGX_Accept_r(&req) >= 0) {
		serve_one(&req, conn, g);
		FCGX_Finish_r(&req);
	}
	yajl_gen_free(g);
	PQfinish(conn);
	return 0;
}
