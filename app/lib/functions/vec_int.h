/*
 * vec_int.h - fixed-dimension float vectors as Array values (internal to libpxt): the
 * embedding functions write them, the index code reads them back.
 *
 * An Array value is a pxt_value of type PXT_ARRAY whose u.str holds a JSON array:
 * "[0.0123,-0.5,1]" (how the write path stores and reads Array columns). Elements are
 * written with "%.9g", so each reads back as the same float (float4) it was written
 * from. The parser also takes PostgreSQL's array text, "{0.0123,-0.5,1}".
 */
#ifndef PXT_VEC_H
#define PXT_VEC_H

#include <stddef.h>

#include "pxt/error.h"
#include "pxt/expr.h"
#include "pxt/pool.h"

/* The longest element text pxt_vec_format writes ("-1.17549435e-38"), plus a comma. */
#define PXT_VEC_ELEM_MAX 16

/*
 * pxt_vec_parse reads the len bytes at s (need not be NUL-terminated) as a
 * one-dimensional array of exactly dim numbers ("[1,-0.5,2e-3]" or "{1,-0.5,2e-3}";
 * blanks around elements allowed) into out[0..dim). Returns PXT_OK, or PXT_EINVAL with a
 * message naming the problem: not an array, an element that is not a finite number
 * within float range (NaN, Infinity, NULL, junk, a nested array), or a count other
 * than dim ("vector has 3 elements, expected 384"). On failure out is partly
 * written. Never allocates.
 */
pxt_err pxt_vec_parse(const char *s, size_t len, float *out, int dim);

/*
 * pxt_vec_format writes v[0..dim) (dim >= 1) as a JSON array in pool memory and sets
 * *out to a non-NULL PXT_ARRAY value pointing at it. PXT_EINVAL for a non-finite
 * element or dim < 1, PXT_ENOMEM when the pool cannot grow; *out is untouched then.
 */
pxt_err pxt_vec_format(pxt_pool *pool, const float *v, int dim, pxt_value *out);

/*
 * pxt_vec_dot returns the dot product of a and b (dim elements each), summed in
 * double: the cosine similarity when both have unit norm (0 when one is the zero
 * vector). Never fails.
 */
double pxt_vec_dot(const float *a, const float *b, int dim);

#endif
