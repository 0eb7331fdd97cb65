/*
 * row.c - rows as typed values on their way to storage: a new row, its declared
 * defaults and required columns, text in and out, the computed columns a change
 * reaches, and the fate of the media generated for them (see write_int.h; computing
 * them is compute_rows.c's).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "core/base64_int.h"
#include "media/media_store_int.h"
#include "engine/value_int.h"
#include "engine/write_int.h"

/* The bytes of a Binary column's text: PostgreSQL's hex ("\\x...") or base64. */
static pxt_err
pxt_binary_from_text(pxt_pool *pool, const pxt_column *c, const char *text,
    pxt_value *out)
{
	size_t len = strlen(text), n = 0;
	unsigned char *b;

	if (text[0] == '\\' && text[1] == 'x') {
		if (len % 2 != 0 || (b = pxt_palloc(pool, len / 2)) == NULL)
			return pxt_seterr(len % 2 ? PXT_EINVAL : PXT_ENOMEM, "column '%s': "
			    "bad bytea text", c->name);
		for (size_t i = 2; i < len; i += 2) {
			unsigned v;

			if (sscanf(text + i, "%2x", &v) != 1)
				return pxt_seterr(PXT_EINVAL, "column '%s': bad bytea text",
				    c->name);
			b[n++] = (unsigned char)v;
		}
	} else if (!pxt_b64_decode(pool, text, len, &b, &n)) {
		return pxt_seterr(PXT_EINVAL, "column '%s' is Binary: '%.40s' is not "
		    "base64", c->name, text);
	}
	out->u.str.s = (const char *)b;
	out->u.str.len = n;
	return PXT_OK;
}

pxt_err
pxt_wrow_init(pxt_pool *pool, const pxt_table *t, pxt_wrow *r)
{
	size_t n = (size_t)t->ncols;

	memset(r, 0, sizeof(*r));
	r->v = pxt_pcalloc(pool, sizeof(pxt_value) * (n + 1));
	r->given = pxt_pcalloc(pool, n + 1);
	r->et = pxt_pcalloc(pool, sizeof(char *) * (n + 1));
	r->em = pxt_pcalloc(pool, sizeof(char *) * (n + 1));
	if (r->v == NULL || r->given == NULL || r->et == NULL || r->em == NULL)
		return PXT_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		r->v[i].type = t->cols[i].type;
		r->v[i].null = true;
	}
	return PXT_OK;
}

/* A new UUIDv7 in pool: 48 bits of Unix milliseconds, version 7, variant, random. */
static char *
pxt_uuid7(pxt_pool *pool)
{
	struct timespec ts;
	unsigned char b[16];
	uint64_t ms;

	if (RAND_bytes(b, sizeof(b)) != 1) {
		pxt_seterr(PXT_EINTERNAL, "no random bytes for a UUID");
		return NULL;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	for (int k = 0; k < 6; k++)
		b[k] = (unsigned char)(ms >> (40 - 8 * k));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x70);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	return pxt_psprintf(pool, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
	    b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* Whether name is in the NULL-ended list (NULL: empty). */
static bool
pxt_listed(char *const *list, const char *name)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

pxt_err
pxt_wrow_defaults(const pxt_table *t, pxt_pool *pool, pxt_wrow *r,
    char *const *now_cols, char **now)
{
	for (int i = 0; i < t->ncols; i++) {
		const pxt_column *c = &t->cols[i];
		const char *d = c->dflt;
		char *s;

		if (r->given[i] || c->computed != NULL)
			continue;
		if (d == NULL && pxt_listed(now_cols, c->name))
			d = "now()";
		if (d == NULL)
			continue;
		if (strcmp(d, "uuid7()") == 0) {
			s = pxt_uuid7(pool);
		} else if (strcmp(d, "now()") == 0) {
			/* one time for the whole write, as now() is in a transaction */
			if (*now == NULL)
				*now = pxt_write_now(pool);
			s = *now;
		} else {
			return pxt_seterr(PXT_EINTERNAL, "column '%s' of '%s': unknown "
			    "default '%s' in the catalog", c->name, t->path, d);
		}
		if (s == NULL)
			return pxt_errcode() != PXT_OK ? pxt_errcode() : PXT_ENOMEM;
		r->v[i].null = false;
		r->v[i].u.str.s = s;
		r->v[i].u.str.len = strlen(s);
		r->given[i] = 1;
	}
	return PXT_OK;
}

bool
pxt_col_has_default(const pxt_column *c, char *const *now_cols)
{
	return c->dflt != NULL || pxt_listed(now_cols, c->name);
}

pxt_err
pxt_wrow_required(const pxt_table *t, const pxt_wrow *r, bool insert, int *bad)
{
	*bad = -1;
	for (int i = 0; i < t->ncols; i++) {
		const pxt_column *c = &t->cols[i];

		if (c->nullable || c->computed != NULL || c->hidden)
			continue;
		if (r->given[i] ? !r->v[i].null : !insert)
			continue;
		*bad = i;
		return pxt_required_error(t, c);
	}
	return PXT_OK;
}

pxt_err
pxt_required_error(const pxt_table *t, const pxt_column *c)
{
	const char *type = pxt_type_name(c->type);

	(void)t;
	if (c->type == PXT_ARRAY)
		return pxt_seterr(PXT_EINVAL, "column '%s' is required (Required[Array("
		    "%s)]): give it a value", c->name, pxt_type_name(c->elem ? c->elem :
		    PXT_FLOAT));
	return pxt_seterr(PXT_EINVAL, "column '%s' is required (Required[%s]): give it "
	    "a value", c->name, type);
}

pxt_err
pxt_value_from_text(pxt_pool *pool, const pxt_column *c, const char *text,
    pxt_value *out)
{
	char *end;

	memset(out, 0, sizeof(*out));
	out->type = c->type;
	out->null = text == NULL;
	if (text == NULL)
		return PXT_OK;
	errno = 0;
	switch (c->type) {
	case PXT_INT:
		out->u.i = strtoll(text, &end, 10);
		if (errno != 0 || end == text || *end != '\0')
			return pxt_seterr(PXT_EINVAL, "column '%s': '%.40s' is not an Int",
			    c->name, text);
		return PXT_OK;
	case PXT_FLOAT:
		out->u.f = strtod(text, &end);
		if (end == text || *end != '\0')
			return pxt_seterr(PXT_EINVAL, "column '%s': '%.40s' is not a Float",
			    c->name, text);
		return PXT_OK;
	case PXT_BOOL:
		out->u.b = text[0] == 't' || text[0] == 'T' || text[0] == '1';
		return PXT_OK;
	case PXT_JSON: {
		pxt_json *j;

		if (pxt_json_parse(pool, text, strlen(text), 64, &j) != PXT_OK)
			return pxt_seterr(PXT_EINVAL, "column '%s': %s", c->name,
			    pxt_errmsg());
		out->u.json = j;
		out->null = j->type == PXT_JSON_NULL;
		return PXT_OK;
	}
	case PXT_BINARY:
		return pxt_binary_from_text(pool, c, text, out);
	default:	/* strings, media references, timestamps, dates, uuids, arrays */
		out->u.str.s = text;
		out->u.str.len = strlen(text);
		return PXT_OK;
	}
}

pxt_err
pxt_value_to_text(pxt_pool *pool, const pxt_value *v, char **out)
{
	*out = NULL;
	if (v->null)
		return PXT_OK;
	switch (v->type) {
	case PXT_INT:
		*out = pxt_psprintf(pool, "%" PRId64, v->u.i);
		break;
	case PXT_FLOAT:
		*out = isfinite(v->u.f) ? pxt_psprintf(pool, "%.17g", v->u.f) : NULL;
		return PXT_OK;
	case PXT_BOOL:
		*out = pxt_pstrdup(pool, v->u.b ? "true" : "false");
		break;
	case PXT_JSON: {
		pxt_buf b = PXT_BUF_INIT;
		pxt_jw w;

		pxt_jw_init(&w, &b);
		pxt_jw_value(&w, v->u.json);
		*out = b.failed ? NULL : pxt_pstrdup(pool, pxt_buf_str(&b));
		pxt_buf_free(&b);
		break;
	}
	case PXT_BINARY:
		*out = pxt_value_bytea_text(pool, v->u.str.s, v->u.str.len);
		break;
	default:
		*out = pxt_pstrndup(pool, v->u.str.s, v->u.str.len);
		break;
	}
	return *out != NULL ? PXT_OK : PXT_ENOMEM;
}

char *
pxt_write_now(pxt_pool *pool)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return pxt_psprintf(pool, "%s.%06ldZ", buf, ts.tv_nsec / 1000);
}

int
pxt_write_dependents(const pxt_table *t, const unsigned char *changed,
    unsigned char *todo)
{
	int n = 0, nc = t->ncols;

	if (t->deps == NULL)
		return 0;
	for (int i = 0; i < nc; i++) {
		if (pxt_write_expr(t, i) == NULL)
			continue;
		for (int j = 0; j < nc && !todo[i]; j++)
			if (changed[j] && t->deps[i * nc + j])
				todo[i] = 1;
		n += todo[i];
	}
	return n;
}

void
pxt_media_gen_settle(pxt_pool *pool, bool ok)
{
	/* not kept: the pool's cleanup removes the files when the pool goes */
	if (ok)
		pxt_media_store_keep(pool);
}
