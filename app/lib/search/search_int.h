/*
 * search_int.h - what the search files share (search_index.c, search_sync.c,
 * search_run.c); internal to libpxt.
 */
#ifndef PXT_SEARCH_INT_H
#define PXT_SEARCH_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "pxt/search.h"
#include "pxt/buf.h"
#include "catalog/catalog_int.h"

struct pxt_vindex;

/* An index of a table as the catalog describes it. */
struct pxt_index_info {
	int64_t id;
	char name[64];
	char kind[16];		/* "embedding" or "fulltext" */
	char column[64];	/* the indexed column */
	char storage[64];	/* "_pxt_e<id>" or "_pxt_f<id>" */
	char fn[64];		/* embedding: the function */
	char language[64];	/* fulltext: the configuration */
	pxt_metric metric;
	int dim;
	bool pgvector;		/* embedding: the pgvector back-end */
};

/* "cosine", "ip" or "l2" (static). */
const char *pxt_metric_name(pxt_metric m);

/* Whether the relation name exists (false also when the query fails). */
bool pxt_regclass_exists(pxt_env *env, const char *name);

/*
 * pxt_index_load fills *ix with the index of t of kind named name (NULL: the table's
 * only index of that kind). PXT_ENOTFOUND when there is none, PXT_EINVAL when name is
 * NULL and there are several (the message lists them).
 */
pxt_err pxt_index_load(pxt_table *t, const char *kind, const char *name,
    struct pxt_index_info *ix);

/*
 * pxt_index_for_column fills *ix with the embedding index on column of t.
 * PXT_ENOTFOUND when the column has none, PXT_EINVAL when it has several.
 */
pxt_err pxt_index_for_column(pxt_table *t, const char *column,
    struct pxt_index_info *ix);

/*
 * pxt_vec_text_dim counts the elements of an array's text ("{1,2,3}" or "[1,2,3]" is
 * 3); -1 when it is not an array's text.
 */
int pxt_vec_text_dim(const char *s, size_t len);

/*
 * pxt_vec_text_floats parses the text of an array of numbers into out (dim floats).
 * PXT_EINVAL for another count, junk, or values that are not finite.
 */
pxt_err pxt_vec_text_floats(const char *s, size_t len, float *out, int dim);

/*
 * pxt_vec_pgvector_available tells whether the server has pgvector, creating the
 * extension when it is available and the role may (decided once per connection; a
 * refusal is not an error).
 */
bool pxt_vec_pgvector_available(pxt_env *env);

/*
 * pxt_vsync returns in *out the exact back-end's index file of ix on t, opened once
 * per process, after bringing it up to date with the rows committed so far: built
 * from the table when missing, unusable or older than the change log, else the
 * changes logged since its mark applied. The handle stays owned by the cache.
 */
pxt_err pxt_vsync(pxt_table *t, const struct pxt_index_info *ix,
    struct pxt_vindex **out);

/* pxt_vsync_forget closes and removes the file of index id (its index was dropped). */
void pxt_vsync_forget(pxt_env *env, int64_t id);

/* ---- running a search (search_run.c, search_kw.c) ------------------------- */

/* A ranked candidate: the row, its score, and a keyword match's snippet. */
struct pxt_cand {
	int64_t rowid;
	double score;
	const char *snippet;
};

/* The state of one search. */
struct pxt_srch {
	pxt_table *t;
	pxt_pool *pool;
	const pxt_search_spec *s;
	pxt_buf where;		/* " AND ..." for the filters */
	const char **params;	/* the filters' parameters, then the search's own */
	int np;
};

/*
 * pxt_srch_keyword puts in c the k best full-text matches of st's query (*nc of them),
 * ranked, with snippets: the rows holding all the query's words first, then those
 * holding all but one, and so on (each level ranked by ts_rank_cd); quotes, "-word" or
 * "or" ask for web-search syntax instead. score: the number of words matched plus
 * ts_rank_cd normalized to [0, 1).
 */
pxt_err pxt_srch_keyword(struct pxt_srch *st, int k, struct pxt_cand *c, int *nc);

#endif
