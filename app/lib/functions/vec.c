/*
 * vec.c - float vectors as PostgreSQL array text (see vec_int.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "functions/vec_int.h"

/* The longest element text read: more is junk (floats need at most ~50 digits). */
#define PXT_VEC_NUM_MAX 64

/* Whether c is a blank PostgreSQL allows around array elements. */
static int
pxt_vec_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Reads the element text s[0..n) (no blanks around it) as a finite float into *out.
 * PXT_EINVAL naming element i otherwise.
 */
static pxt_err
pxt_vec_elem(const char *s, size_t n, int i, float *out)
{
	char num[PXT_VEC_NUM_MAX + 1], *end;
	float f;

	if (n == 0)
		return pxt_seterr(PXT_EINVAL, "vector element %d is empty", i + 1);
	if (n > PXT_VEC_NUM_MAX)
		return pxt_seterr(PXT_EINVAL, "vector element %d is not a number", i + 1);
	memcpy(num, s, n);
	num[n] = '\0';
	/* strtof would take "0x1p3", "nan" and "inf": only decimal numbers here */
	for (size_t k = 0; k < n; k++)
		if (strchr("0123456789+-.eE", num[k]) == NULL)
			return pxt_seterr(PXT_EINVAL, "vector element %d ('%.20s') is not "
			    "a finite number", i + 1, num);
	/* rounded straight to float: "%.9g" text reads back as the float it was */
	f = strtof(num, &end);
	if (end != num + n || !isfinite(f))
		return pxt_seterr(PXT_EINVAL, "vector element %d ('%.20s') is not a "
		    "finite number within float range", i + 1, num);
	*out = f;
	return PXT_OK;
}

pxt_err
pxt_vec_parse(const char *s, size_t len, float *out, int dim)
{
	size_t i = 0, end = len;
	int n = 0;
	pxt_err rc;

	while (i < end && pxt_vec_blank(s[i]))
		i++;
	while (end > i && pxt_vec_blank(s[end - 1]))
		end--;
	/* an Array value's JSON [..], or PostgreSQL's array text {..} */
	if (end - i < 2 || !((s[i] == '{' && s[end - 1] == '}') || (s[i] == '[' &&
	    s[end - 1] == ']')))
		return pxt_seterr(PXT_EINVAL, "a vector is an array like [0.5,-1] or "
		    "{0.5,-1}");
	i++;
	end--;
	while (i < end && pxt_vec_blank(s[i]))
		i++;
	if (i == end)
		return pxt_seterr(PXT_EINVAL, "vector has 0 elements, expected %d", dim);
	for (;;) {
		size_t a, b;

		while (i < end && pxt_vec_blank(s[i]))
			i++;
		a = i;
		while (i < end && s[i] != ',')
			i++;
		b = i;
		while (b > a && pxt_vec_blank(s[b - 1]))
			b--;
		if (n < dim && (rc = pxt_vec_elem(s + a, b - a, n, &out[n])) != PXT_OK)
			return rc;
		n++;
		if (i == end)
			break;
		i++;	/* the comma */
	}
	if (n != dim)
		return pxt_seterr(PXT_EINVAL, "vector has %d elements, expected %d", n, dim);
	return PXT_OK;
}

pxt_err
pxt_vec_format(pxt_pool *pool, const float *v, int dim, pxt_value *out)
{
	char *s, *p;

	if (dim < 1)
		return pxt_seterr(PXT_EINVAL, "a vector needs at least one element");
	for (int i = 0; i < dim; i++)
		if (!isfinite(v[i]))
			return pxt_seterr(PXT_EINVAL, "vector element %d is not finite",
			    i + 1);
	if ((s = pxt_palloc(pool, (size_t)dim * PXT_VEC_ELEM_MAX + 3)) == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory formatting a vector");
	p = s;
	*p++ = '[';	/* Array values are JSON arrays (value.c, the write path) */
	for (int i = 0; i < dim; i++) {
		if (i > 0)
			*p++ = ',';
		if (v[i] == 0.0f)
			*p++ = '0';	/* -0 as well: the text is the same value */
		else
			p += snprintf(p, PXT_VEC_ELEM_MAX, "%.9g", (double)v[i]);
	}
	*p++ = ']';
	*p = '\0';
	memset(out, 0, sizeof(*out));
	out->type = PXT_ARRAY;
	out->u.str.s = s;
	out->u.str.len = (size_t)(p - s);
	return PXT_OK;
}

double
pxt_vec_dot(const float *a, const float *b, int dim)
{
	double sum = 0;

	for (int i = 0; i < dim; i++)
		sum += (double)a[i] * b[i];
	return sum;
}
