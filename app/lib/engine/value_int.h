/*
 * value_int.h - column values between JSON requests, SQL parameters and JSON rows
 * (internal to libpxt).
 */
#ifndef PXT_VALUE_INT_H
#define PXT_VALUE_INT_H

#include <libpq-fe.h>

#include "pxt/catalog.h"
#include "pxt/ident.h"
#include "pxt/json.h"
#include "catalog/catalog_int.h"

/*
 * pxt_value_param validates v against column c and sets *out to the text parameter
 * (NULL for SQL NULL; pool memory, or v's own string). Local media paths must exist,
 * be readable and lie inside one of roots. PXT_EINVAL with a message naming the column
 * otherwise (the table routes answer 422 with c->name as the cause), PXT_ENOMEM.
 */
pxt_err pxt_value_param(pxt_pool *pool, const pxt_column *c, const pxt_json *v,
    char *const *roots, int nroots, char **out);

/* Append the SQL of parameter $n cast to c's type. */
void pxt_value_sql_param(pxt_buf *b, const pxt_column *c, int n);

/* Append the select-list expression of column c (storage name) for JSON output. */
void pxt_value_sql_out(pxt_buf *b, const pxt_column *c, const char *storage);

/* Write the value at (row, col) of res as JSON of c's type. */
void pxt_value_write(pxt_jw *w, const pxt_column *c, const PGresult *res, int row,
    int col);

/* Which columns of a table a statement returns (in table order). */
typedef bool (*pxt_col_filter)(const void *ud, const pxt_column *c);

/* Append the select list of the kept columns of t. */
void pxt_value_sql_outlist(pxt_buf *b, const pxt_table *t, pxt_col_filter keep,
    const void *ud);

/* Write row `row` of res, selected with the same filter, as a flat JSON object. */
void pxt_value_write_row(pxt_jw *w, const pxt_table *t, pxt_col_filter keep,
    const void *ud, const PGresult *res, int row);
/*
 * The kept columns as keys of an object already open, from result column col;
 * returns the result column after the last one written.
 */
int pxt_value_write_fields(pxt_jw *w, const pxt_table *t, pxt_col_filter keep,
    const void *ud, const PGresult *res, int row, int col);

/* The same, the kept columns starting at result column col. */
void pxt_value_write_row_at(pxt_jw *w, const pxt_table *t, pxt_col_filter keep,
    const void *ud, const PGresult *res, int row, int col);

bool pxt_is_timestamp(const char *s);
bool pxt_is_uuid(const char *s);

/*
 * pxt_value_bytea_text returns PostgreSQL's hex text ("\\x0a1b...") of data[0..n),
 * the form a Binary value takes as a text parameter, in pool (NULL: out of memory).
 */
char *pxt_value_bytea_text(pxt_pool *pool, const void *data, size_t n);

#endif
