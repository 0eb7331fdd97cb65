/*
 * pxt/search.h - embedding and full-text indexes, and searching them.
 *
 * An embedding index on a String column keeps, for every row, the vector its
 * embedding function (a UDF from String to Array(Float), such as the built-in offline
 * embed_text or openai_embed) gives for the column's value, in a column pxtc keeps
 * for itself, computed with the row in the same transaction. It is searched by one
 * of two back-ends: pgvector (an HNSW index) when the server has the extension, else
 * an exact scan pxtc does itself over a memory-mapped file per machine that every
 * worker shares and brings up to date before each search.
 *
 * A full-text index keeps a tsvector of the column (a generated column) with a GIN
 * index; searches rank with ts_rank_cd and highlight with ts_headline.
 *
 *	pxt_add_embedding_index(chunks, "text", "text_embedding", "embed_text",
 *	    PXT_METRIC_COSINE, PXT_IF_EXISTS_IGNORE);
 *	pxt_add_fulltext_index(chunks, "text", "text_fts", "english",
 *	    PXT_IF_EXISTS_IGNORE);
 */
#ifndef PXT_SEARCH_H
#define PXT_SEARCH_H

#include "pxt/api.h"

#include <stdint.h>

#include "pxt/catalog.h"
#include "pxt/json.h"
#include "pxt/pool.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pxt_metric {
	PXT_METRIC_COSINE,	/* score: cosine similarity, higher is closer */
	PXT_METRIC_IP,		/* score: inner product, higher is closer */
	PXT_METRIC_L2,		/* score: Euclidean distance, lower is closer */
} pxt_metric;

/*
 * pxt_add_embedding_index adds the index name (NULL: "<column>_embedding") on the
 * String column of table or view t, with the function embed_fn (String ->
 * Array(Float)) and metric. Existing rows are embedded now, in the same transaction.
 * if_exists applies to an index of that name: ERROR fails with PXT_EEXISTS, IGNORE
 * keeps it, REPLACE drops and makes it again. PXT_ENOTFOUND for an unknown column or
 * function, PXT_EINVAL for a column that is not a String or a function of the wrong
 * signature; the errors of computing the existing rows.
 */
PXT_API pxt_err pxt_add_embedding_index(pxt_table *t, const char *column,
    const char *name, const char *embed_fn, pxt_metric metric, pxt_if_exists if_exists);

/*
 * pxt_add_fulltext_index adds the full-text index name (NULL: "<column>_fulltext")
 * on the String column of t for the text search configuration language ("english",
 * "simple", ...: PXT_EINVAL naming the ones the server has when unknown). if_exists
 * as for pxt_add_embedding_index.
 */
PXT_API pxt_err pxt_add_fulltext_index(pxt_table *t, const char *column,
    const char *name, const char *language, pxt_if_exists if_exists);

/*
 * pxt_drop_index drops the index name of t (its column, file and triggers).
 * PXT_ENOTFOUND when there is none and if_missing is ERROR.
 */
PXT_API pxt_err pxt_drop_index(pxt_table *t, const char *name,
    pxt_if_missing if_missing);

typedef enum pxt_search_mode {
	PXT_SEARCH_SEMANTIC,	/* the embedding index */
	PXT_SEARCH_KEYWORD,	/* the full-text index */
	PXT_SEARCH_HYBRID,	/* both, fused by reciprocal rank (k = 60) */
} pxt_search_mode;

/* One equality filter on a column (or "column.key" of a Json column). */
typedef struct pxt_search_filter {
	const char *column;
	const char *value;	/* compared as text; NULL matches NULL */
} pxt_search_filter;

/* A search of t; fields are only ever appended. */
typedef struct pxt_search_spec {
	size_t size;		/* sizeof(pxt_search_spec) */
	pxt_search_mode mode;
	const char *query;	/* the text searched for */
	int limit;		/* 1 .. 1000 */
	const pxt_search_filter *filters;
	int nfilters;
	const char *const *select;	/* columns of each result; NULL: all */
	const char *embedding_index;	/* NULL: the table's only one */
	const char *fulltext_index;	/* NULL: the table's only one */
	/*
	 * The row each result belongs to (a chunk's document): parent's row whose
	 * column parent_key equals the result's column of the same name, written as
	 * the object parent_as ("document") with the columns parent_select (NULL: all).
	 */
	pxt_table *parent;
	const char *parent_key;
	const char *const *parent_select;
	const char *parent_as;
} pxt_search_spec;

/*
 * pxt_search writes into w the results of s over t, best first, as a JSON array of
 * objects: the selected columns, "score" (semantic: the metric's score; keyword:
 * ts_rank_cd; hybrid: the fused score) and, for keyword and hybrid matches,
 * "snippet" (the matching text with the terms in <b>...</b>). PXT_EINVAL for a bad
 * spec (limit, unknown filter column, empty query), PXT_ENOTFOUND when t has no index
 * of the kind the mode needs, the embedding function's errors for the query.
 */
PXT_API pxt_err pxt_search(pxt_table *t, pxt_pool *pool, const pxt_search_spec *s,
    pxt_jw *w);

#ifdef __cplusplus
}
#endif

#endif
