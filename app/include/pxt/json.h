/*
 * pxt/json.h - JSON in and out.
 *
 * Reading: pxt_json_parse turns a request body into a tree allocated in a pool (yajl does
 * the tokenizing), with a depth limit and errors that say where the input went wrong.
 * Writing: pxt_jw appends compact JSON to a pxt_buf, inserting commas itself, escaping
 * strings, and taking already-serialized JSON (a jsonb column) as is.
 */
#ifndef PXT_JSON_H
#define PXT_JSON_H

#include "pxt/api.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pxt/buf.h"
#include "pxt/error.h"
#include "pxt/pool.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pxt_json_type {
	PXT_JSON_NULL,
	PXT_JSON_BOOL,
	PXT_JSON_INT,		/* an integer that fits int64_t */
	PXT_JSON_DOUBLE,	/* any other number */
	PXT_JSON_STRING,
	PXT_JSON_ARRAY,
	PXT_JSON_OBJECT
} pxt_json_type;

typedef struct pxt_json pxt_json;

/* A parsed value; every pointer is owned by the pool it was parsed into. */
struct pxt_json {
	pxt_json_type type;
	const char *num;	/* INT and DOUBLE: the number as written */
	union {
		bool b;
		int64_t i;
		double d;
		struct {
			const char *s;	/* NUL-terminated; may contain NUL (\u0000) */
			size_t len;
		} str;
		struct {
			pxt_json **items;
			size_t n;
		} arr;
		struct {
			const char **keys;	/* in input order */
			size_t *keylens;
			pxt_json **vals;
			size_t n;
		} obj;
	} u;
};

/*
 * pxt_json_parse parses len bytes of text as one JSON value (surrounding whitespace
 * allowed, nothing else: no comments, no trailing commas). Strings must be well-formed
 * UTF-8 (no overlong forms or encoded surrogates) and \u escapes of surrogates must
 * form pairs; \u0000 is kept as a NUL byte counted in str.len. Numbers keep their
 * text in num; integers that fit int64_t are INT, other numbers DOUBLE, numbers beyond
 * the range of a double are refused. Nesting deeper than max_depth (arrays and
 * objects; 0 allows only scalars) is refused. On success *out is the root, allocated
 * in pool. Failures: PXT_EBADREQUEST with "empty JSON body" (nothing but whitespace),
 * "malformed JSON at line L, column C (byte B): what" (lines and columns count from 1,
 * columns in characters; B is where the parser stopped, usually just after the
 * offending token), or "JSON nested deeper than N levels at line L, column C
 * (byte B)" (B is the bracket); PXT_ENOMEM. Numbers are read with strtod, so
 * LC_NUMERIC must be "C" (the default).
 */
PXT_API pxt_err pxt_json_parse(pxt_pool *pool, const char *text, size_t len,
    int max_depth, pxt_json **out);

/*
 * pxt_json_get returns the value of key in an object (the last one if repeated), or
 * NULL when obj is NULL, not an object, or has no such key.
 */
PXT_API const pxt_json *pxt_json_get(const pxt_json *obj, const char *key);

/* pxt_json_type_name: "null", "boolean", "integer", "number", "string", ... (static). */
PXT_API const char *pxt_json_type_name(pxt_json_type t);

/*
 * The JSON writer. Initialize with pxt_jw_init; the buffer is the caller's. Output is
 * compact; commas are inserted by the writer. Callers must stay within
 * PXT_JW_MAX_DEPTH nested arrays/objects: past it the buffer is marked failed
 * (b->failed, PXT_EINTERNAL recorded) and its content must not be used. Likewise check
 * b->failed (out of memory) once at the end.
 */
#define PXT_JW_MAX_DEPTH 64
typedef struct pxt_jw {
	pxt_buf *b;
	int depth;
	bool need_comma[PXT_JW_MAX_DEPTH + 1];
	bool after_key;
} pxt_jw;

PXT_API void pxt_jw_init(pxt_jw *w, pxt_buf *b);
PXT_API void pxt_jw_obj_begin(pxt_jw *w);
PXT_API void pxt_jw_obj_end(pxt_jw *w);
PXT_API void pxt_jw_arr_begin(pxt_jw *w);
PXT_API void pxt_jw_arr_end(pxt_jw *w);
/* pxt_jw_key writes an object key (escaped); the next call writes its value. */
PXT_API void pxt_jw_key(pxt_jw *w, const char *key);
/*
 * Strings are escaped per RFC 8259 (control characters, '"' and '\\'; also U+2028
 * and U+2029; '/' is not); each invalid UTF-8 byte is written as U+FFFD. NULL s writes
 * null.
 */
PXT_API void pxt_jw_str(pxt_jw *w, const char *s, size_t len);
PXT_API void pxt_jw_cstr(pxt_jw *w, const char *s);	/* NULL writes null */
PXT_API void pxt_jw_int(pxt_jw *w, int64_t v);
/* Shortest text that reads back the same; -0.0 as "-0.0"; non-finite: null. */
PXT_API void pxt_jw_double(pxt_jw *w, double v);
PXT_API void pxt_jw_bool(pxt_jw *w, bool v);
PXT_API void pxt_jw_null(pxt_jw *w);
/*
 * pxt_jw_raw inserts text that is already one valid JSON value (a jsonb column's
 * value) as is; it is not checked. NULL writes null.
 */
PXT_API void pxt_jw_raw(pxt_jw *w, const char *json, size_t len);
/* pxt_jw_value writes a parsed value (numbers as their original text); NULL: null. */
PXT_API void pxt_jw_value(pxt_jw *w, const pxt_json *v);

#ifdef __cplusplus
}
#endif
#endif
