/*
 * udf.c - the registry of functions expressions call, and the built-in string and
 * JSON functions (see pxt/expr.h). A built-in name may have several forms (overloads)
 * told apart by their arguments, all returning the same type: thumbnail(Image, Int)
 * of old catalogs and thumbnail(Image, Json) with a [width, height] box.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "pxt/expr.h"
#include "engine/udf_int.h"
#include "functions/embed_int.h"
#include "functions/image_int.h"
#include "media/media_store_int.h"
#include "core/utf8_int.h"

#define PXT_UDF_MAX 256

static const pxt_udf *pxt_udfs[PXT_UDF_MAX];
static int pxt_nudfs;
static bool pxt_builtins_done;

static void pxt_udf_builtins(void);

/* Whether a and b take the same argument types. */
static bool
pxt_udf_same_args(const pxt_udf *a, const pxt_udf *b)
{
	if (a->nargs != b->nargs)
		return false;
	for (int i = 0; i < a->nargs; i++)
		if (a->args[i] != b->args[i])
			return false;
	return true;
}

/*
 * Adds u; overload allows a taken name for other argument types and the same result
 * type (the built-ins only: a module's name stays its own).
 */
static pxt_err
pxt_udf_add(const pxt_udf *u, bool overload)
{
	if (u == NULL || u->name == NULL || u->fn == NULL || u->nargs < 0 ||
	    u->nargs > PXT_UDF_MAX_ARGS || pxt_type_sql(u->ret, PXT_TYPE_NONE) == NULL)
		return pxt_seterr(PXT_EINVAL, "function '%s': malformed signature",
		    u && u->name ? u->name : "?");
	for (int i = 0; i < pxt_nudfs; i++)
		if (strcmp(pxt_udfs[i]->name, u->name) == 0 && (!overload ||
		    pxt_udfs[i]->ret != u->ret || pxt_udf_same_args(pxt_udfs[i], u)))
			return pxt_seterr(PXT_EEXISTS, "function '%s' is already registered",
			    u->name);
	if (pxt_nudfs == PXT_UDF_MAX)
		return pxt_seterr(PXT_EINVAL, "more than %d functions", PXT_UDF_MAX);
	pxt_udfs[pxt_nudfs++] = u;
	return PXT_OK;
}

pxt_err
pxt_udf_register(const pxt_udf *u)
{
	pxt_udf_builtins();
	return pxt_udf_add(u, false);
}

const pxt_udf *
pxt_udf_find(const char *name)
{
	pxt_udf_builtins();
	for (int i = 0; i < pxt_nudfs; i++)
		if (strcmp(pxt_udfs[i]->name, name) == 0)
			return pxt_udfs[i];
	return NULL;
}

bool
pxt_udf_arg_fits(pxt_type want, pxt_type have)
{
	return want == have || (want == PXT_FLOAT && have == PXT_INT) ||
	    (want == PXT_STRING && pxt_type_is_media(have));
}

const pxt_udf *
pxt_udf_resolve(const char *name, int nargs, const pxt_type *types)
{
	const pxt_udf *fits = NULL;

	pxt_udf_builtins();
	for (int i = 0; i < pxt_nudfs; i++) {
		const pxt_udf *u = pxt_udfs[i];
		bool exact = true, ok = true;

		if (strcmp(u->name, name) != 0 || u->nargs != nargs)
			continue;
		for (int k = 0; k < nargs && ok; k++) {
			exact &= u->args[k] == types[k];
			ok = pxt_udf_arg_fits(u->args[k], types[k]);
		}
		if (ok && exact)
			return u;
		if (ok && fits == NULL)
			fits = u;
	}
	return fits;
}

const pxt_udf *
pxt_udf_next(const pxt_udf *u)
{
	int i = 0;

	while (i < pxt_nudfs && pxt_udfs[i] != u)
		i++;
	for (i++; i < pxt_nudfs; i++)
		if (strcmp(pxt_udfs[i]->name, u->name) == 0)
			return pxt_udfs[i];
	return NULL;
}

const pxt_udf *
pxt_udf_by_sig(const char *name, const char *sig)
{
	char buf[256];

	pxt_udf_builtins();
	for (int i = 0; i < pxt_nudfs; i++) {
		if (strcmp(pxt_udfs[i]->name, name) != 0)
			continue;
		pxt_udf_signature(pxt_udfs[i], buf, sizeof(buf));
		if (strcmp(buf, sig) == 0)
			return pxt_udfs[i];
	}
	return NULL;
}

void
pxt_udf_signature(const pxt_udf *u, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "%s(", u->name);

	for (int i = 0; i < u->nargs && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
		    pxt_type_name(u->args[i]));
	if (n < len)
		snprintf(buf + n, len - n, ") -> %s", pxt_type_name(u->ret));
}

/* ---- built-ins --------------------------------------------------------------- */

static pxt_err
pxt_fn_length(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	int64_t chars = 0;

	(void)pool;
	(void)n;
	/* characters, not bytes: count UTF-8 sequences (a stray byte counts as one) */
	for (size_t i = 0; i < a[0].u.str.len;) {
		size_t k = pxt_utf8_len((const unsigned char *)a[0].u.str.s + i,
		    a[0].u.str.len - i);

		i += k ? k : 1;
		chars++;
	}
	out->type = PXT_INT;
	out->u.i = chars;
	return PXT_OK;
}

static pxt_err
pxt_fn_case(pxt_pool *pool, const pxt_value *a, pxt_value *out, bool upper)
{
	char *s = pxt_pstrndup(pool, a[0].u.str.s, a[0].u.str.len);

	if (s == NULL)
		return PXT_ENOMEM;
	/* ASCII letters only: bytes of multi-byte characters are left as they are */
	for (size_t i = 0; i < a[0].u.str.len; i++)
		if ((unsigned char)s[i] < 0x80)
			s[i] = (char)(upper ? toupper((unsigned char)s[i]) :
			    tolower((unsigned char)s[i]));
	out->type = PXT_STRING;
	out->u.str.s = s;
	out->u.str.len = a[0].u.str.len;
	return PXT_OK;
}

static pxt_err
pxt_fn_lower(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	(void)n;
	return pxt_fn_case(pool, a, out, false);
}

static pxt_err
pxt_fn_upper(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	(void)n;
	return pxt_fn_case(pool, a, out, true);
}

static pxt_err
pxt_fn_concat(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	size_t len = a[0].u.str.len + a[1].u.str.len;
	char *s = pxt_palloc(pool, len + 1);

	(void)n;
	if (s == NULL)
		return PXT_ENOMEM;
	memcpy(s, a[0].u.str.s, a[0].u.str.len);
	memcpy(s + a[0].u.str.len, a[1].u.str.s, a[1].u.str.len);
	s[len] = '\0';
	out->type = PXT_STRING;
	out->u.str.s = s;
	out->u.str.len = len;
	return PXT_OK;
}

static pxt_err
pxt_fn_word_count(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	bool in_word = false;
	int64_t words = 0;

	(void)pool;
	(void)n;
	for (size_t i = 0; i < a[0].u.str.len; i++) {
		bool space = isspace((unsigned char)a[0].u.str.s[i]) != 0;

		words += !space && !in_word;
		in_word = !space;
	}
	out->type = PXT_INT;
	out->u.i = words;
	return PXT_OK;
}

static pxt_err
pxt_fn_json_get(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	char *key = pxt_pstrndup(pool, a[1].u.str.s, a[1].u.str.len);
	const pxt_json *v;

	(void)n;
	if (key == NULL)
		return PXT_ENOMEM;
	v = pxt_json_get(a[0].u.json, key);
	out->type = PXT_JSON;
	out->null = v == NULL || v->type == PXT_JSON_NULL;
	out->u.json = v;
	return PXT_OK;
}

static const pxt_udf pxt_builtin_udfs[] = {
	{"length", PXT_INT, 1, {PXT_STRING}, pxt_fn_length, NULL},
	{"lower", PXT_STRING, 1, {PXT_STRING}, pxt_fn_lower, NULL},
	{"upper", PXT_STRING, 1, {PXT_STRING}, pxt_fn_upper, NULL},
	{"concat", PXT_STRING, 2, {PXT_STRING, PXT_STRING}, pxt_fn_concat, NULL},
	{"word_count", PXT_INT, 1, {PXT_STRING}, pxt_fn_word_count, NULL},
	{"json_get", PXT_JSON, 2, {PXT_JSON, PXT_STRING}, pxt_fn_json_get, NULL},
};

static void
pxt_udf_builtins(void)
{
	const pxt_udf *media;
	size_t nmedia;

	if (pxt_builtins_done)
		return;
	pxt_builtins_done = true;
	for (size_t i = 0; i < sizeof(pxt_builtin_udfs) / sizeof(*pxt_builtin_udfs); i++)
		pxt_udf_add(&pxt_builtin_udfs[i], true);
	/* documents, image headers, thumbnail(Image, Int) and format (udf_media.c) */
	media = pxt_udf_media_table(&nmedia);
	for (size_t i = 0; i < nmedia; i++)
		pxt_udf_add(&media[i], true);
	/* pixeltable.functions.image (udf_image.c) */
	media = pxt_udf_image_table(&nmedia);
	for (size_t i = 0; i < nmedia; i++)
		pxt_udf_add(&media[i], true);
	/* embeddings for search: embed_text, openai_embed (embed_hash.c) */
	media = pxt_udf_embed_table(&nmedia);
	for (size_t i = 0; i < nmedia; i++)
		pxt_udf_add(&media[i], true);
}
