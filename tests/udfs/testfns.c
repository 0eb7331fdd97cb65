/*
 * testfns.c - a UDF module for the tests: boom(s) upper-cases s, fails for "fail",
 * crashes the process for "crash", never returns for "hang" and takes 1 s for
 * anything starting with "slow"; as_image(s) gives the path s as an Image. Built
 * twice: the second copy (PXT_TEST_SIG_B) declares boom(Int), a changed signature.
 */
#include <ctype.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "pxt/pxt.h"

static pxt_err
fn_boom(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	char *s;

	(void)n;
#ifdef PXT_TEST_SIG_B
	s = pxt_psprintf(pool, "%lld", (long long)a[0].u.i);
	if (s == NULL)
		return PXT_ENOMEM;
	out->u.str.s = s;
	out->u.str.len = strlen(s);
	return PXT_OK;
#else
	if (a[0].u.str.len == 4 && memcmp(a[0].u.str.s, "fail", 4) == 0)
		return pxt_seterr(PXT_EINVAL, "boom refuses the input 'fail'");
	if (a[0].u.str.len == 5 && memcmp(a[0].u.str.s, "crash", 5) == 0)
		raise(SIGSEGV);
	if (a[0].u.str.len == 4 && memcmp(a[0].u.str.s, "hang", 4) == 0)
		for (;;)
			pause();
	if (a[0].u.str.len >= 4 && memcmp(a[0].u.str.s, "slow", 4) == 0)
		usleep(1000000);
	if ((s = pxt_pstrndup(pool, a[0].u.str.s, a[0].u.str.len)) == NULL)
		return PXT_ENOMEM;
	for (size_t i = 0; i < a[0].u.str.len; i++)
		s[i] = (char)toupper((unsigned char)s[i]);
	out->u.str.s = s;
	out->u.str.len = a[0].u.str.len;
	return PXT_OK;
#endif
}

/* wrong_type(s): declares String, returns Int (the engine must refuse the value) */
static pxt_err
fn_wrong_type(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	(void)pool;
	(void)a;
	(void)n;
	out->type = PXT_INT;
	out->u.i = 7;
	return PXT_OK;
}

/* tag(s): "R:" + s one row at a time; batch-capable */
static pxt_err
fn_tag(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	char *s;

	(void)n;
	if (a[0].u.str.len == 4 && memcmp(a[0].u.str.s, "fail", 4) == 0)
		return pxt_seterr(PXT_EINVAL, "tag refuses 'fail'");
	if ((s = pxt_psprintf(pool, "R:%.*s", (int)a[0].u.str.len, a[0].u.str.s)) == NULL)
		return PXT_ENOMEM;
	out->u.str.s = s;
	out->u.str.len = strlen(s);
	return PXT_OK;
}

/* tag over many rows at once: "B:" + s; any "fail" fails the whole batch */
static pxt_err
fn_tag_batch(pxt_pool *pool, const pxt_value *a, int nargs, int nrows, pxt_value *out)
{
	for (int r = 0; r < nrows; r++) {
		const pxt_value *v = &a[r * nargs];
		char *s;

		if (v->u.str.len == 4 && memcmp(v->u.str.s, "fail", 4) == 0)
			return pxt_seterr(PXT_EINVAL, "tag refuses 'fail'");
		if ((s = pxt_psprintf(pool, "B:%.*s", (int)v->u.str.len, v->u.str.s)) ==
		    NULL)
			return PXT_ENOMEM;
		out[r].u.str.s = s;
		out[r].u.str.len = strlen(s);
	}
	return PXT_OK;
}

/* as_image(s): s, an image's path, as an Image (a view's text column made media) */
static pxt_err
fn_as_image(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	char *s;

	(void)n;
	if ((s = pxt_pstrndup(pool, a[0].u.str.s, a[0].u.str.len)) == NULL)
		return PXT_ENOMEM;
	out->u.str.s = s;
	out->u.str.len = a[0].u.str.len;
	return PXT_OK;
}

static const pxt_udf test_functions[] = {
	{"as_image", PXT_IMAGE, 1, {PXT_STRING}, fn_as_image, NULL},
	{"tag", PXT_STRING, 1, {PXT_STRING}, fn_tag, fn_tag_batch},
#ifdef PXT_TEST_SIG_B
	{"boom", PXT_STRING, 1, {PXT_INT}, fn_boom, NULL},
#else
	{"boom", PXT_STRING, 1, {PXT_STRING}, fn_boom, NULL},
#endif
	{"wrong_type", PXT_STRING, 1, {PXT_STRING}, fn_wrong_type, NULL},
};

PXT_UDF_MODULE("testfns", test_functions)
