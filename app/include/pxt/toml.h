/*
 * pxt/toml.h - a TOML 1.0 reader for configuration and service files.
 *
 * pxt_toml_parse turns a buffer into a tree of values owned by one pxt_toml document;
 * every value remembers the line and column where it starts so that callers can report
 * "file:line:col: message" for semantic errors too. The reader never trusts its input:
 * it is fuzzed (tests/fuzz/fuzz_toml.c) and bounds nesting depth: at most 64 levels of
 * tables, arrays and inline tables below the root, and 64 parts in one dotted key.
 * Implemented in app/lib/config/toml.c (the tree) and app/lib/config/toml_lex.c (the lexer).
 */
#ifndef PXT_TOML_H
#define PXT_TOML_H

#include "pxt/api.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pxt/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pxt_toml_kind {
	PXT_TOML_TABLE,
	PXT_TOML_ARRAY,
	PXT_TOML_STRING,
	PXT_TOML_INT,
	PXT_TOML_FLOAT,
	PXT_TOML_BOOL,
	PXT_TOML_DATETIME	/* offset/local date-time, date or time; validated and
				 * kept as written, e.g. "1979-05-27 07:32:00z" */
} pxt_toml_kind;

typedef struct pxt_toml pxt_toml;
typedef struct pxt_toml_value pxt_toml_value;

/*
 * pxt_toml_parse parses len bytes of text (need not be NUL-terminated). filename is
 * used only in messages. On success *out is a new document the caller frees with
 * pxt_toml_free. On failure returns PXT_ECONFIG (syntax, duplicate key, bad escape,
 * invalid UTF-8, too deep) or PXT_ENOMEM, *out is NULL, and pxt_errmsg() holds one
 * line "FILE:LINE:COL: what is wrong". Lines and columns count from 1; columns count
 * bytes (a leading byte order mark is skipped and not counted). A NULL filename
 * reads "<toml>"; out == NULL, or text == NULL with len > 0, gives PXT_EINVAL.
 */
PXT_API pxt_err pxt_toml_parse(const char *text, size_t len, const char *filename,
    pxt_toml **out);

/* pxt_toml_free releases a document and every value in it. NULL is allowed. */
PXT_API void pxt_toml_free(pxt_toml *doc);

/* pxt_toml_root returns the document's top-level table; owned by the document. */
PXT_API const pxt_toml_value *pxt_toml_root(const pxt_toml *doc);

/* pxt_toml_kind_of returns the kind of a value (v must not be NULL). */
PXT_API pxt_toml_kind pxt_toml_kind_of(const pxt_toml_value *v);

/*
 * pxt_toml_kind_name returns "table", "array", "string", "integer", "float", "boolean"
 * or "date-time" ("unknown" for anything else); static.
 */
PXT_API const char *pxt_toml_kind_name(pxt_toml_kind k);

/*
 * pxt_toml_get returns the value stored under key in table t, or NULL when t is NULL,
 * not a table, or has no such key. Dotted keys are not split: pass one key segment.
 * (A quoted key holding U+0000 cannot be looked up this way; pxt_toml_at sees it.)
 */
PXT_API const pxt_toml_value *pxt_toml_get(const pxt_toml_value *t, const char *key);

/* pxt_toml_len returns the number of entries of a table or array, 0 for scalars. */
PXT_API size_t pxt_toml_len(const pxt_toml_value *v);

/*
 * pxt_toml_at returns entry i of a table (in file order) or array, NULL when out of
 * range. For tables *key (when key is not NULL) is set to the entry's key, a
 * NUL-terminated string owned by the document.
 */
PXT_API const pxt_toml_value *pxt_toml_at(const pxt_toml_value *v, size_t i,
    const char **key);

/*
 * Scalar accessors. pxt_toml_str returns the NUL-terminated text of a string or a
 * date-time (NULL for other kinds); *len, when given, receives its length (a TOML
 * string may contain U+0000). The others return 0/false for other kinds.
 */
PXT_API const char *pxt_toml_str(const pxt_toml_value *v, size_t *len);
PXT_API int64_t pxt_toml_int(const pxt_toml_value *v);
PXT_API double pxt_toml_float(const pxt_toml_value *v);
PXT_API bool pxt_toml_bool(const pxt_toml_value *v);

/* Position (1-based) where the value starts in the source. */
PXT_API int pxt_toml_line(const pxt_toml_value *v);
PXT_API int pxt_toml_col(const pxt_toml_value *v);

#ifdef __cplusplus
}
#endif
#endif
