/*
 * value.c - JSON values in, row values out: validating a JSON value against a column
 * type (PXT_EINVAL, which the table routes answer with 422 naming the column), turning
 * it into a text parameter, media path checks, the SQL of parameters and result
 * columns, and writing result rows as JSON with proper types.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base64_int.h"
#include "engine/value_int.h"
#include "media/objstore_int.h"
#include "media/media_out_int.h"

static bool
pxt_digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* YYYY-MM-DD */
static bool
pxt_is_date(const char *s)
{
	return pxt_digits(s, 4) && s[4] == '-' && pxt_digits(s + 5, 2) && s[7] == '-' &&
	    pxt_digits(s + 8, 2);
}

/* RFC 3339 / ISO 8601: a date, optionally [T ]HH:MM[:SS[.fff]] and a zone. */
bool
pxt_is_timestamp(const char *s)
{
	const char *p = s + 10;

	if (!pxt_is_date(s))
		return false;
	if (*p == '\0')
		return true;
	if ((*p != 'T' && *p != 't' && *p != ' ') || !pxt_digits(p + 1, 2) || p[3] != ':' ||
	    !pxt_digits(p + 4, 2))
		return false;
	p += 6;
	if (*p == ':') {
		if (!pxt_digits(p + 1, 2))
			return false;
		p += 3;
		if (*p == '.') {
			if (!isdigit((unsigned char)p[1]))
				return false;
			for (p++; isdigit((unsigned char)*p); p++)
				;
		}
	}
	if (*p == 'Z' || *p == 'z')
		return p[1] == '\0';
	if (*p == '+' || *p == '-') {
		if (!pxt_digits(p + 1, 2))
			return false;
		p += 3;
		if (*p == ':')
			p++;
		return *p == '\0' || (pxt_digits(p, 2) && p[2] == '\0');
	}
	return *p == '\0';
}

bool
pxt_is_uuid(const char *s)
{
	static const int dash[] = {8, 13, 18, 23};

	if (strlen(s) != 36)
		return false;
	for (int i = 0, d = 0; i < 36; i++) {
		if (d < 4 && i == dash[d]) {
			if (s[i] != '-')
				return false;
			d++;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

static bool
pxt_is_url(const char *s)
{
	static const char *const schemes[] = {"http://", "https://", "s3://", "gs://",
	    "az://"};

	for (size_t i = 0; i < sizeof(schemes) / sizeof(*schemes); i++)
		if (strncmp(s, schemes[i], strlen(schemes[i])) == 0)
			return s[strlen(schemes[i])] != '\0';
	return false;
}

/* A local media path: absolute, existing, readable, inside one of the roots. */
static pxt_err
pxt_media_path(const pxt_column *c, const char *path,
    char *const *roots, int nroots)
{
	char real[PATH_MAX], root[PATH_MAX];

	if (strstr(path, "://") != NULL)
		return pxt_seterr(PXT_EINVAL, "column '%s': unsupported URL "
		    "scheme in '%.100s' (use http, https, s3, gs or az)", c->name, path);
	if (path[0] != '/')
		return pxt_seterr(PXT_EINVAL, "column '%s': '%.200s' must be "
		    "an absolute path or a URL", c->name, path);
	if (realpath(path, real) == NULL)
		return pxt_seterr(PXT_EINVAL, "column '%s': file '%.200s' "
		    "does not exist", c->name, path);
	for (int i = 0; i < nroots; i++) {
		size_t n;

		if (realpath(roots[i], root) == NULL)
			continue;
		n = strlen(root);
		if (strncmp(real, root, n) == 0 && (real[n] == '/' || real[n] == '\0' ||
		    (n == 1 && root[0] == '/'))) {
			if (access(real, R_OK) != 0)
				return pxt_seterr(PXT_EINVAL, "column '%s': "
				    "file '%.200s' is not readable by pxtc", c->name, path);
			return PXT_OK;
		}
	}
	return pxt_seterr(PXT_EINVAL, "column '%s': '%.200s' lies outside "
	    "the allowed media folders ([pixeltable] media_roots)", c->name, path);
}

static const char *
pxt_jtype(const pxt_json *v)
{
	return pxt_json_type_name(v->type);
}

/* PostgreSQL's hex text of bytes ("\\x0a1b...") in pool; NULL when out of memory. */
char *
pxt_value_bytea_text(pxt_pool *pool, const void *data, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = data;
	char *out = pxt_palloc(pool, 2 * n + 3);

	if (out == NULL)
		return NULL;
	out[0] = '\\';
	out[1] = 'x';
	for (size_t i = 0; i < n; i++) {
		out[2 + 2 * i] = hex[p[i] >> 4];
		out[3 + 2 * i] = hex[p[i] & 15];
	}
	out[2 + 2 * n] = '\0';
	return out;
}

/* A Binary column's JSON value: base64 text, sent to PostgreSQL as bytea hex. */
static pxt_err
pxt_value_binary_param(pxt_pool *pool, const pxt_column *c, const char *s, size_t len,
    char **out)
{
	unsigned char *bytes;
	size_t n;

	if (!pxt_b64_decode(pool, s, len, &bytes, &n))
		return pxt_seterr(PXT_EINVAL, "column '%s' is Binary: '%.40s' is not "
		    "base64 (standard alphabet, padded)", c->name, s);
	*out = pxt_value_bytea_text(pool, bytes, n);
	return *out ? PXT_OK : PXT_ENOMEM;
}

static pxt_err
pxt_value_array(pxt_pool *pool, const pxt_column *c, const pxt_json *v, char **out)
{
	pxt_type elem = c->elem ? c->elem : PXT_FLOAT;
	pxt_buf b = PXT_BUF_INIT;
	pxt_jw w;

	if (v->type != PXT_JSON_ARRAY)
		return pxt_seterr(PXT_EINVAL, "column '%s' is an Array, "
		    "got %s", c->name, pxt_jtype(v));
	for (size_t i = 0; i < v->u.arr.n; i++) {
		pxt_json_type t = v->u.arr.items[i]->type;
		bool ok = (elem == PXT_FLOAT && (t == PXT_JSON_INT || t == PXT_JSON_DOUBLE)) ||
		    (elem == PXT_INT && t == PXT_JSON_INT) ||
		    (elem == PXT_BOOL && t == PXT_JSON_BOOL) ||
		    (elem == PXT_STRING && t == PXT_JSON_STRING);

		if (!ok)
			return pxt_seterr(PXT_EINVAL, "column '%s': element "
			    "%zu must be %s, got %s", c->name, i, pxt_type_name(elem),
			    pxt_json_type_name(t));
	}
	pxt_jw_init(&w, &b);
	pxt_jw_value(&w, v);
	*out = b.failed ? NULL : pxt_pstrdup(pool, pxt_buf_str(&b));
	pxt_buf_free(&b);
	return *out ? PXT_OK : PXT_ENOMEM;
}

pxt_err
pxt_value_param(pxt_pool *pool, const pxt_column *c, const pxt_json *v,
    char *const *roots, int nroots, char **out)
{
	const char *s = v->type == PXT_JSON_STRING ? v->u.str.s : NULL;

	*out = NULL;
	if (v->type == PXT_JSON_NULL) {
		if (!c->nullable)
			return pxt_seterr(PXT_EINVAL, "column '%s' is "
			    "required and cannot be null", c->name);
		return PXT_OK;
	}
	if (s != NULL && strlen(s) != v->u.str.len)
		return pxt_seterr(PXT_EINVAL, "column '%s': strings cannot "
		    "contain NUL characters", c->name);
	switch (c->type) {
	case PXT_INT:
		if (v->type != PXT_JSON_INT)
			goto wrong_type;
		*out = pxt_pstrdup(pool, v->num);
		return PXT_OK;
	case PXT_FLOAT:
		if (v->type != PXT_JSON_INT && v->type != PXT_JSON_DOUBLE)
			goto wrong_type;
		*out = pxt_pstrdup(pool, v->num);
		return PXT_OK;
	case PXT_BOOL:
		if (v->type != PXT_JSON_BOOL)
			goto wrong_type;
		*out = v->u.b ? "true" : "false";
		return PXT_OK;
	case PXT_JSON: {
		pxt_buf b = PXT_BUF_INIT;
		pxt_jw w;

		pxt_jw_init(&w, &b);
		pxt_jw_value(&w, v);
		*out = b.failed ? NULL : pxt_pstrdup(pool, pxt_buf_str(&b));
		pxt_buf_free(&b);
		return *out ? PXT_OK : PXT_ENOMEM;
	}
	case PXT_ARRAY:
		return pxt_value_array(pool, c, v, out);
	default:
		break;
	}
	if (s == NULL) {
wrong_type:
		return pxt_seterr(PXT_EINVAL, "column '%s' is %s, got %s",
		    c->name, pxt_type_name(c->type), pxt_jtype(v));
	}
	switch (c->type) {
	case PXT_TIMESTAMP:
		if (!pxt_is_timestamp(s))
			return pxt_seterr(PXT_EINVAL, "column '%s': '%.64s' "
			    "is not an RFC 3339 timestamp", c->name, s);
		break;
	case PXT_DATE:
		if (!pxt_is_date(s) || s[10] != '\0')
			return pxt_seterr(PXT_EINVAL, "column '%s': '%.64s' "
			    "is not a date (YYYY-MM-DD)", c->name, s);
		break;
	case PXT_UUID:
		if (!pxt_is_uuid(s))
			return pxt_seterr(PXT_EINVAL, "column '%s': '%.64s' "
			    "is not a UUID", c->name, s);
		break;
	case PXT_BINARY:
		return pxt_value_binary_param(pool, c, s, v->u.str.len, out);
	case PXT_STRING:
		break;
	default:	/* media: a URL as given, or a checked local path */
		if (*s == '\0')
			return pxt_seterr(PXT_EINVAL, "column '%s': empty "
			    "path", c->name);
		if (!pxt_is_url(s)) {
			pxt_err rc = pxt_media_path(c, s, roots, nroots);

			if (rc != PXT_OK)
				return rc;
		} else if (pxt_obj_is_url(s)) {
			pxt_obj_loc loc;

			if (pxt_obj_parse(pool, s, false, &loc) != PXT_OK)
				return pxt_seterr(PXT_EINVAL, "column '%s': %s",
				    c->name, pxt_errmsg());
		}
		break;
	}
	*out = (char *)s;
	return PXT_OK;
}

void
pxt_value_sql_param(pxt_buf *b, const pxt_column *c, int n)
{
	pxt_type elem = c->elem ? c->elem : PXT_FLOAT;

	if (c->type == PXT_ARRAY)
		pxt_buf_addf(b, "coalesce((SELECT array_agg(e::%s) FROM "
		    "jsonb_array_elements_text($%d::jsonb) e), '{}')",
		    pxt_type_sql(elem, PXT_TYPE_NONE), n);
	else
		pxt_buf_addf(b, "$%d::%s", n, pxt_type_sql(c->type, c->elem));
}

void
pxt_value_sql_out(pxt_buf *b, const pxt_column *c, const char *storage)
{
	pxt_buf q = PXT_BUF_INIT;

	pxt_quote_ident(&q, storage);
	switch (c->type) {
	case PXT_TIMESTAMP:	/* ISO 8601 with a 'T': RFC 3339 */
		pxt_buf_addf(b, "to_json(%s)#>>'{}'", pxt_buf_str(&q));
		break;
	case PXT_ARRAY:
		pxt_buf_addf(b, "to_json(%s)::text", pxt_buf_str(&q));
		break;
	case PXT_BINARY:	/* base64 on one line, as JSON answers carry it */
		pxt_buf_addf(b, "translate(encode(%s, 'base64'), E'\\n', '')",
		    pxt_buf_str(&q));
		break;
	default:
		pxt_buf_adds(b, pxt_buf_str(&q));
		break;
	}
	pxt_buf_free(&q);
}

void
pxt_value_write(pxt_jw *w, const pxt_column *c, const PGresult *res, int row, int col)
{
	const char *v;

	if (PQgetisnull(res, row, col)) {
		pxt_jw_null(w);
		return;
	}
	v = PQgetvalue(res, row, col);
	switch (c->type) {
	case PXT_JSON:
	case PXT_ARRAY:
	case PXT_INT:
		pxt_jw_raw(w, v, strlen(v));
		break;
	case PXT_FLOAT:
		if (strcmp(v, "NaN") == 0 || strstr(v, "Infinity") != NULL)
			pxt_jw_null(w);
		else
			pxt_jw_raw(w, v, strlen(v));
		break;
	case PXT_BOOL:
		pxt_jw_bool(w, v[0] == 't');
		break;
	case PXT_IMAGE:
	case PXT_VIDEO:
	case PXT_AUDIO:
	case PXT_DOCUMENT:
		pxt_media_write_json(w, v, (size_t)PQgetlength(res, row, col));
		break;
	default:
		pxt_jw_str(w, v, (size_t)PQgetlength(res, row, col));
		break;
	}
}

void
pxt_value_sql_outlist(pxt_buf *b, const pxt_table *t, pxt_col_filter keep,
    const void *ud)
{
	int n = 0;

	for (int i = 0; i < t->ncols; i++) {
		if (!keep(ud, &t->cols[i]))
			continue;
		if (n++ > 0)
			pxt_buf_adds(b, ", ");
		pxt_value_sql_out(b, &t->cols[i], t->col_storage[i]);
	}
}

void
pxt_value_write_row(pxt_jw *w, const pxt_table *t, pxt_col_filter keep,
    const void *ud, const PGresult *res, int row)
{
	pxt_value_write_row_at(w, t, keep, ud, res, row, 0);
}

void
pxt_value_write_row_at(pxt_jw *w, const pxt_table *t, pxt_col_filter keep,
    const void *ud, const PGresult *res, int row, int col)
{
	pxt_jw_obj_begin(w);
	pxt_value_write_fields(w, t, keep, ud, res, row, col);
	pxt_jw_obj_end(w);
}

int
pxt_value_write_fields(pxt_jw *w, const pxt_table *t, pxt_col_filter keep,
    const void *ud, const PGresult *res, int row, int col)
{
	for (int i = 0; i < t->ncols; i++) {
		if (!keep(ud, &t->cols[i]))
			continue;
		pxt_jw_key(w, t->cols[i].name);
		pxt_value_write(w, &t->cols[i], res, row, col++);
	}
	return col;
}
