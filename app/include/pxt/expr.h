/*
 * pxt/expr.h - expressions over a table's columns, and the UDF registry they call.
 *
 * An expression is a column (optionally a path into a Json column: "metadata.author"),
 * a literal (String, Int, Float, Bool or Json), arithmetic (+ - * /), a comparison
 * (= != < <= > >=), or a call of a registered function. Expressions are type-checked against a table before they are
 * used (pxt_expr_check), serialized as JSON for the catalog (readable with psql), parsed
 * back at worker start, and evaluated in C over one row.
 *
 *	pxt_expr *e = pxt_call("lower", pxt_col("metadata.title"), NULL);
 *
 * Computed columns (pxt/compute.h) store expressions and evaluate them on every write.
 */
#ifndef PXT_EXPR_H
#define PXT_EXPR_H

#include "pxt/api.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pxt/buf.h"
#include "pxt/catalog.h"
#include "pxt/error.h"
#include "pxt/json.h"
#include "pxt/pool.h"
#include "pxt/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A value during evaluation. Strings and Json point into a pool or the row.
 *
 * u.str holds String, Timestamp, Date, UUID and Array values as text, the media types
 * as a path or URL, and Binary as its bytes: u.str.s points to u.str.len bytes, which
 * may contain NUL and are not NUL-terminated.
 *
 * An Image computed inside an expression (thumbnail, resize, ... nested in another call)
 * may be held decoded in memory instead: u.held.mark is then PXT_VALUE_HELD (a length
 * no path has) and u.held.image the image, owned by the evaluation's pool. Only the
 * built-in image functions see such values; any other function, and the result of
 * pxt_expr_eval, get a file path. The struct's size and layout are those of before.
 */
typedef struct pxt_value {
	pxt_type type;
	bool null;
	union {
		int64_t i;
		double f;
		bool b;
		struct {
			const char *s;
			size_t len;
		} str;
		const pxt_json *json;
		struct {
			void *image;
			size_t mark;	/* PXT_VALUE_HELD, where u.str.len is */
		} held;
	} u;
} pxt_value;

#define PXT_VALUE_HELD ((size_t)-1)

/* pxt_value_held tells whether v is an Image held in memory (see above). */
static inline bool
pxt_value_held(const pxt_value *v)
{
	return v->type == PXT_IMAGE && !v->null && v->u.held.mark == PXT_VALUE_HELD;
}

/* The UDF registry (process-wide). */
#define PXT_UDF_MAX_ARGS 8

/*
 * A function: fills *out (allocating in pool) from nargs non-NULL arguments of the
 * declared types; a NULL argument makes the call NULL without calling fn. Returns an
 * error code with a message on failure.
 */
typedef pxt_err (*pxt_udf_fn)(pxt_pool *pool, const pxt_value *args, int nargs,
    pxt_value *out);

/*
 * A batch-capable function: fills out[0..nrows) from args[row * nargs + k] (no NULL
 * among them) in one call, for work that is cheaper many at a time (a remote API, a
 * model). When it fails, the engine calls fn row by row, so every row gets its own
 * value or error.
 */
typedef pxt_err (*pxt_udf_batch_fn)(pxt_pool *pool, const pxt_value *args, int nargs,
    int nrows, pxt_value *out);

typedef struct pxt_udf {
	const char *name;
	pxt_type ret;
	int nargs;
	pxt_type args[PXT_UDF_MAX_ARGS];
	pxt_udf_fn fn;			/* one row; always set */
	pxt_udf_batch_fn batch;		/* many rows; NULL when not batch-capable */
} pxt_udf;

/*
 * UDF modules: a shared object (the app's schema/functions.c) exports one function,
 * made by PXT_UDF_MODULE, returning its table of functions with the ABI version and
 * the struct's size; pxt_open loads the modules of [pixeltable] udf_modules (default:
 * every .so in udf_dir) before reading the catalog. Columns store a function's name
 * and signature, never its code: a changed body takes effect at the next start, a
 * changed signature is reported by pxt_table_check.
 */
#define PXT_UDF_ABI 1u
#define PXT_UDF_ENTRY "pxt_udf_module_entry"

typedef struct pxt_udf_module {
	unsigned abi;			/* PXT_UDF_ABI */
	unsigned size;			/* sizeof(pxt_udf_module) */
	const char *name;
	const char *version;
	const pxt_udf *udfs;
	int nudfs;
} pxt_udf_module;

#define PXT_UDF_MODULE(modname, table)						\
	__attribute__((visibility("default"))) const pxt_udf_module *		\
	pxt_udf_module_entry(void);						\
	__attribute__((visibility("default"))) const pxt_udf_module *		\
	pxt_udf_module_entry(void)						\
	{									\
		static const pxt_udf_module m = {PXT_UDF_ABI,			\
		    sizeof(pxt_udf_module), modname, NULL, table,		\
		    (int)(sizeof(table) / sizeof((table)[0]))};			\
		return &m;							\
	}

/*
 * pxt_udf_load_module loads the module at path (once per process: a second call for
 * the same file does nothing) and registers its functions. PXT_EINVAL naming the
 * file for a wrong ABI, a missing entry, or a name already registered.
 */
PXT_API pxt_err pxt_udf_load_module(const char *path);

/*
 * pxt_udf_register adds u (not copied: it must stay valid) to the registry. PXT_EEXISTS
 * when the name is taken, PXT_EINVAL for a malformed signature. The built-in functions
 * are always registered: length, lower, upper, concat, format, word_count, json_get;
 * extract_text, doc_title, page_count (Document); image_width, image_height,
 * image_format, image_mode, thumbnail(Image, Int) (Image); and the functions of
 * pixeltable.functions.image: width, height, mode, get_metadata, resize, rotate,
 * crop, convert, thumbnail(Image, Json), b64_encode (README, "Functions"). A built-in
 * name may have several forms told apart by their argument types (thumbnail,
 * b64_encode); a registered function's name must be new.
 */
PXT_API pxt_err pxt_udf_register(const pxt_udf *u);

/*
 * pxt_udf_find returns the function called name (its first form, for a built-in
 * with several), or NULL.
 */
PXT_API const pxt_udf *pxt_udf_find(const char *name);

/* pxt_udf_signature writes "lower(String) -> String" into buf. */
PXT_API void pxt_udf_signature(const pxt_udf *u, char *buf, size_t len);

typedef struct pxt_expr pxt_expr;

/*
 * Builders. Each returns a new tree the caller owns (pxt_expr_free) or NULL when out of
 * memory; a NULL argument makes the result NULL (and frees the other arguments), so
 * builders nest without checks. pxt_call's argument list ends with NULL.
 */
PXT_API pxt_expr *pxt_col(const char *name);
PXT_API pxt_expr *pxt_lit_str(const char *s);
PXT_API pxt_expr *pxt_lit_int(int64_t v);
PXT_API pxt_expr *pxt_lit_float(double v);
PXT_API pxt_expr *pxt_lit_bool(bool v);
/*
 * pxt_lit_json: a Json literal from JSON text (copied); NULL with a message for text
 * that is not JSON. A Python tuple of the image functions is a Json array:
 * pxt_call("thumbnail", pxt_col("image"), pxt_lit_json("[320, 320]"), NULL).
 */
PXT_API pxt_expr *pxt_lit_json(const char *json);
PXT_API pxt_expr *pxt_op(const char *op, pxt_expr *a, pxt_expr *b);
PXT_API pxt_expr *pxt_call(const char *fn, ...);

/* pxt_expr_free frees a tree; NULL is allowed. */
PXT_API void pxt_expr_free(pxt_expr *e);

/*
 * pxt_expr_check type-checks e against table t and sets *type to its result type.
 * PXT_ENOTFOUND for an unknown column or function, PXT_EINVAL for a type mismatch, with
 * a message naming the function, the argument and the types.
 */
PXT_API pxt_err pxt_expr_check(const pxt_expr *e, const pxt_table *t, pxt_type *type);

/* pxt_expr_serialize appends e as compact JSON to b. */
PXT_API pxt_err pxt_expr_serialize(const pxt_expr *e, pxt_buf *b);

/*
 * pxt_expr_parse reads a serialized expression back; *out is a new tree (the caller
 * frees it). PXT_EINVAL for anything that is not one.
 */
PXT_API pxt_err pxt_expr_parse(const char *json, size_t len, pxt_expr **out);

/*
 * pxt_expr_eval evaluates e (checked against t) over one row: row[i] is the value of
 * t's column i. The result may point into pool or row.
 */
PXT_API pxt_err pxt_expr_eval(const pxt_expr *e, const pxt_table *t,
    const pxt_value *row, pxt_pool *pool, pxt_value *out);

#ifdef __cplusplus
}
#endif
#endif
