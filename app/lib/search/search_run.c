/*
 * search_run.c - running a search (see pxt_search in pxt/search.h): the query
 * embedded with the index's function and matched by the exact back-end's file or by
 * pgvector, full-text matches ranked and highlighted by PostgreSQL, both fused by
 * reciprocal rank for hybrid searches, and the matching rows written as JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/buf.h"
#include "pxt/ident.h"
#include "engine/value_int.h"
#include "search/search_int.h"
#include "engine/udf_int.h"
#include "functions/vec_int.h"
#include "search/vindex_int.h"

#define PXT_SEARCH_MAX_LIMIT 1000
#define PXT_SEARCH_MAX_QUERY 10000
#define PXT_RRF_K 60.0

/* Whether c is shown by the list select (NULL: every column but hidden ones). */
static bool
pxt_srch_listed(const char *const *select, const pxt_column *c)
{
	if (c->hidden)
		return false;
	if (select == NULL)
		return true;
	for (const char *const *p = select; *p != NULL; p++)
		if (strcmp(*p, c->name) == 0)
			return true;
	return false;
}

/* Whether c is one of the columns the search returns. */
static bool
pxt_srch_keep(const void *ud, const pxt_column *c)
{
	return pxt_srch_listed(((const pxt_search_spec *)ud)->select, c);
}

/* One filter into st->where: "col" or "col.key" of a Json column, equal to value. */
static pxt_err
pxt_srch_filter(struct pxt_srch *st, const pxt_search_filter *f)
{
	const char *dot = f->column ? strchr(f->column, '.') : NULL;
	char name[PXT_NAME_MAX + 1];
	const pxt_column *c;
	size_t n = dot ? (size_t)(dot - f->column) : f->column ? strlen(f->column) : 0;

	if (n == 0 || n > PXT_NAME_MAX)
		return pxt_seterr(PXT_EINVAL, "filter on an empty or too long column name");
	memcpy(name, f->column, n);
	name[n] = '\0';
	if ((c = pxt_table_find_col(st->t, name)) == NULL || c->hidden)
		return pxt_seterr(PXT_EINVAL, "filter on unknown column '%s' of '%s'", name,
		    st->t->path);
	if (dot != NULL && c->type != PXT_JSON)
		return pxt_seterr(PXT_EINVAL, "filter '%s': only Json columns have keys",
		    f->column);
	pxt_buf_adds(&st->where, " AND ");
	pxt_quote_ident(&st->where, st->t->col_storage[c - st->t->cols]);
	if (dot != NULL) {
		st->params[st->np++] = dot + 1;
		pxt_buf_addf(&st->where, " ->> $%d", st->np);
	} else {
		pxt_buf_adds(&st->where, "::text");
	}
	if (f->value == NULL) {
		pxt_buf_adds(&st->where, " IS NULL");
		return PXT_OK;
	}
	st->params[st->np++] = f->value;
	pxt_buf_addf(&st->where, " = $%d", st->np);
	return PXT_OK;
}

/* Checks the spec and builds the filters. */
static pxt_err
pxt_srch_init(struct pxt_srch *st)
{
	const pxt_search_spec *s = st->s;
	pxt_err rc = PXT_OK;

	if (s->query == NULL || s->query[0] == '\0')
		return pxt_seterr(PXT_EINVAL, "the query is empty");
	if (strlen(s->query) > PXT_SEARCH_MAX_QUERY)
		return pxt_seterr(PXT_EINVAL, "the query is longer than %d bytes",
		    PXT_SEARCH_MAX_QUERY);
	if (s->limit < 1 || s->limit > PXT_SEARCH_MAX_LIMIT)
		return pxt_seterr(PXT_EINVAL, "limit %d is outside 1..%d", s->limit,
		    PXT_SEARCH_MAX_LIMIT);
	if (s->nfilters < 0 || s->nfilters > 32)
		return pxt_seterr(PXT_EINVAL, "at most 32 filters");
	for (const char *const *p = s->select; p != NULL && *p != NULL; p++)
		if (pxt_table_find_col(st->t, *p) == NULL ||
		    pxt_table_find_col(st->t, *p)->hidden)
			return pxt_seterr(PXT_EINVAL, "unknown column '%s' of '%s' to return",
			    *p, st->t->path);
	if (s->parent != NULL && (s->parent_key == NULL ||
	    pxt_table_find_col(s->parent, s->parent_key) == NULL ||
	    pxt_table_find_col(st->t, s->parent_key) == NULL))
		return pxt_seterr(PXT_EINVAL, "parent key '%s' is not a column of both '%s' "
		    "and its parent", s->parent_key ? s->parent_key : "(null)", st->t->path);
	st->params = pxt_pcalloc(st->pool, sizeof(char *) * (size_t)(2 * s->nfilters + 4));
	if (st->params == NULL)
		return PXT_ENOMEM;
	for (int i = 0; rc == PXT_OK && i < s->nfilters; i++)
		rc = pxt_srch_filter(st, &s->filters[i]);
	return rc;
}

/* The query's vector with the index's function (dim floats in pool memory). */
static pxt_err
pxt_srch_embed(struct pxt_srch *st, const struct pxt_index_info *ix, float **vec)
{
	const pxt_udf *u = pxt_udf_find(ix->fn);
	pxt_value arg = {PXT_STRING, false, {0}}, out = {PXT_ARRAY, false, {0}};
	pxt_err rc;

	if (u == NULL)
		return pxt_seterr(PXT_EUNAVAIL, "the embedding function '%s' of index '%s' is "
		    "not loaded", ix->fn, ix->name);
	arg.u.str.s = st->s->query;
	arg.u.str.len = strlen(st->s->query);
	if ((rc = pxt_udf_call(u, st->pool, &arg, 1, &out)) != PXT_OK)
		return pxt_seterr(rc, "embedding the query with %s: %s", ix->fn,
		    pxt_errmsg());
	if (out.null || (*vec = pxt_palloc(st->pool, sizeof(float) * (size_t)ix->dim)) ==
	    NULL)
		return out.null ? pxt_seterr(PXT_EINVAL, "%s gave no vector for the query",
		    ix->fn) : PXT_ENOMEM;
	return pxt_vec_text_floats(out.u.str.s, out.u.str.len, *vec, ix->dim);
}

/* The rows the filters allow, sorted, for the exact back-end's keep callback. */
struct pxt_allow {
	int64_t *ids;
	size_t n;
};

static int
pxt_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static bool
pxt_allow_keep(int64_t rowid, void *ud)
{
	const struct pxt_allow *a = ud;

	return bsearch(&rowid, a->ids, a->n, sizeof(int64_t), pxt_cmp_i64) != NULL;
}

static pxt_err
pxt_srch_allowed(struct pxt_srch *st, struct pxt_allow *a)
{
	pxt_buf sql = PXT_BUF_INIT;
	PGresult *res = NULL;
	pxt_err rc;

	pxt_buf_addf(&sql, "SELECT \"_pxt_rowid\" FROM %s WHERE true%s", st->t->storage_sql,
	    pxt_buf_str(&st->where));
	rc = sql.failed ? PXT_ENOMEM : pxt_db_exec(st->t->env->db, sql.data, st->np,
	    st->params, &res);
	pxt_buf_free(&sql);
	if (rc != PXT_OK)
		return rc;
	a->n = (size_t)PQntuples(res);
	if ((a->ids = pxt_palloc(st->pool, sizeof(int64_t) * (a->n + 1))) == NULL) {
		PQclear(res);
		return PXT_ENOMEM;
	}
	for (size_t i = 0; i < a->n; i++)
		a->ids[i] = strtoll(PQgetvalue(res, (int)i, 0), NULL, 10);
	PQclear(res);
	qsort(a->ids, a->n, sizeof(int64_t), pxt_cmp_i64);
	return PXT_OK;
}

/* Semantic candidates from the exact back-end. */
static pxt_err
pxt_srch_exact(struct pxt_srch *st, const struct pxt_index_info *ix, const float *q,
    int k, struct pxt_cand *c, int *nc)
{
	struct pxt_allow allow = {NULL, 0};
	pxt_vhit *hits = pxt_palloc(st->pool, sizeof(pxt_vhit) * (size_t)k);
	pxt_vindex *vx;
	pxt_err rc;

	if (hits == NULL)
		return PXT_ENOMEM;
	if ((rc = pxt_vsync(st->t, ix, &vx)) != PXT_OK)
		return rc;
	if (st->s->nfilters > 0 && (rc = pxt_srch_allowed(st, &allow)) != PXT_OK)
		return rc;
	if (st->s->nfilters > 0 && allow.n == 0) {
		*nc = 0;
		return PXT_OK;
	}
	rc = pxt_vindex_search(vx, q, k, st->s->nfilters > 0 ? pxt_allow_keep : NULL,
	    &allow, hits, nc);
	for (int i = 0; rc == PXT_OK && i < *nc; i++)
		c[i] = (struct pxt_cand){hits[i].rowid, hits[i].score, NULL};
	return rc;
}

/* Semantic candidates from pgvector's index. */
static pxt_err
pxt_srch_pgvector(struct pxt_srch *st, const struct pxt_index_info *ix,
    const float *q, int k, struct pxt_cand *c, int *nc)
{
	static const char *const op[] = {"<=>", "<#>", "<->"};
	/* pgvector's cosine distance to a zero vector is NaN: its cosine is 0 */
	static const char *const score[] = {"coalesce(1 - nullif(d, 'NaN'), 0)", "-(d)",
	    "d"};
	static const char *const order[] = {"2 DESC", "2 DESC", "2"};
	pxt_buf sql = PXT_BUF_INIT;
	PGresult *res = NULL;
	pxt_value qv;
	pxt_err rc;

	/* the query vector as pgvector reads it: "[0.1,-0.2,...]" */
	if ((rc = pxt_vec_format(st->pool, q, ix->dim, &qv)) != PXT_OK)
		return rc;
	st->params[st->np] = qv.u.str.s;
	pxt_buf_addf(&sql, "SELECT \"_pxt_rowid\", %s FROM (SELECT \"_pxt_rowid\","
	    " (\"%s\"::vector(%d)) %s ($%d::vector(%d)) AS d FROM %s"
	    " WHERE \"%s\" IS NOT NULL%s ORDER BY d LIMIT %d) s ORDER BY %s, 1",
	    score[ix->metric], ix->storage, ix->dim, op[ix->metric], st->np + 1, ix->dim,
	    st->t->storage_sql, ix->storage, pxt_buf_str(&st->where), k,
	    order[ix->metric]);
	rc = sql.failed ? PXT_ENOMEM : pxt_db_exec(st->t->env->db, sql.data, st->np + 1,
	    st->params, &res);
	pxt_buf_free(&sql);
	if (rc != PXT_OK)
		return rc;
	*nc = PQntuples(res);
	for (int i = 0; i < *nc; i++)
		c[i] = (struct pxt_cand){strtoll(PQgetvalue(res, i, 0), NULL, 10),
		    strtod(PQgetvalue(res, i, 1), NULL), NULL};
	PQclear(res);
	return PXT_OK;
}

/* Semantic candidates: the k rows closest to the query. */
static pxt_err
pxt_srch_semantic(struct pxt_srch *st, int k, struct pxt_cand *c, int *nc)
{
	struct pxt_index_info ix;
	float *q = NULL;
	pxt_err rc;

	if ((rc = pxt_index_load(st->t, "embedding", st->s->embedding_index, &ix)) !=
	    PXT_OK || (rc = pxt_srch_embed(st, &ix, &q)) != PXT_OK)
		return rc;
	return ix.pgvector ? pxt_srch_pgvector(st, &ix, q, k, c, nc) :
	    pxt_srch_exact(st, &ix, q, k, c, nc);
}

/* Adds 1 / (60 + rank) of each list into fused (by rowid); *nf its length. */
static void
pxt_rrf_add(const struct pxt_cand *c, int n, struct pxt_cand *fused, int *nf)
{
	for (int i = 0; i < n; i++) {
		int j = 0;

		while (j < *nf && fused[j].rowid != c[i].rowid)
			j++;
		if (j == *nf)
			fused[(*nf)++] = (struct pxt_cand){c[i].rowid, 0, NULL};
		fused[j].score += 1.0 / (PXT_RRF_K + i + 1);
		if (c[i].snippet != NULL)
			fused[j].snippet = c[i].snippet;
	}
}

static int
pxt_cand_cmp(const void *a, const void *b)
{
	const struct pxt_cand *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return x->rowid < y->rowid ? -1 : x->rowid > y->rowid;
}

/* Hybrid: both lists, a few times deeper than the limit, fused by rank. */
static pxt_err
pxt_srch_hybrid(struct pxt_srch *st, struct pxt_cand *c, int *nc)
{
	int depth = st->s->limit * 4 < 50 ? 50 : st->s->limit * 4, ns = 0, nk = 0, nf = 0;
	struct pxt_cand *sem = pxt_palloc(st->pool, sizeof(*sem) * (size_t)depth);
	struct pxt_cand *kw = pxt_palloc(st->pool, sizeof(*kw) * (size_t)depth);
	struct pxt_cand *fused = pxt_palloc(st->pool, sizeof(*fused) * (size_t)depth * 2);
	pxt_err rc;

	if (sem == NULL || kw == NULL || fused == NULL)
		return PXT_ENOMEM;
	if ((rc = pxt_srch_semantic(st, depth, sem, &ns)) != PXT_OK ||
	    (rc = pxt_srch_keyword(st, depth, kw, &nk)) != PXT_OK)
		return rc;
	pxt_rrf_add(sem, ns, fused, &nf);
	pxt_rrf_add(kw, nk, fused, &nf);
	qsort(fused, (size_t)nf, sizeof(*fused), pxt_cand_cmp);
	*nc = nf < st->s->limit ? nf : st->s->limit;
	memcpy(c, fused, sizeof(*c) * (size_t)*nc);
	return PXT_OK;
}

/* Whether c is a parent column the search returns. */
static bool
pxt_srch_keep_parent(const void *ud, const pxt_column *c)
{
	return pxt_srch_listed(((const pxt_search_spec *)ud)->parent_select, c);
}

/*
 * The parent rows of the results in res (key in column kcol): *pres holds key text
 * in its last column. NULL when the spec has no parent.
 */
static pxt_err
pxt_srch_parents(struct pxt_srch *st, PGresult *res, int kcol, PGresult **pres)
{
	const pxt_search_spec *s = st->s;
	const pxt_column *pk;
	pxt_buf sql = PXT_BUF_INIT, keys = PXT_BUF_INIT;
	const char *params[1];
	pxt_err rc;

	*pres = NULL;
	if (s->parent == NULL || PQntuples(res) == 0)
		return PXT_OK;
	pk = pxt_table_find_col(s->parent, s->parent_key);
	pxt_buf_adds(&keys, "{");
	for (int r = 0; r < PQntuples(res); r++) {
		pxt_buf_adds(&keys, r ? ",\"" : "\"");
		for (const char *p = PQgetvalue(res, r, kcol); *p; p++) {
			if (*p == '"' || *p == '\\')
				pxt_buf_addc(&keys, '\\');
			pxt_buf_addc(&keys, *p);
		}
		pxt_buf_adds(&keys, "\"");
	}
	pxt_buf_adds(&keys, "}");
	params[0] = pxt_buf_str(&keys);
	pxt_buf_adds(&sql, "SELECT ");
	pxt_value_sql_outlist(&sql, s->parent, pxt_srch_keep_parent, s);
	pxt_buf_addf(&sql, "%s", sql.len > 7 ? ", " : "");
	pxt_quote_ident(&sql, s->parent->col_storage[pk - s->parent->cols]);
	pxt_buf_addf(&sql, "::text FROM %s WHERE ", s->parent->storage_sql);
	pxt_quote_ident(&sql, s->parent->col_storage[pk - s->parent->cols]);
	/* compared as the key's own type, so its index finds the rows */
	pxt_buf_addf(&sql, " = ANY($1::%s[])", pxt_type_sql(pk->type, PXT_TYPE_NONE));
	rc = sql.failed || keys.failed ? PXT_ENOMEM : pxt_db_exec(st->t->env->db,
	    sql.data, 1, params, pres);
	pxt_buf_free(&sql);
	pxt_buf_free(&keys);
	return rc;
}

/* Writes parent_as: the parent row of result row r of res, or null. */
static void
pxt_srch_write_parent(struct pxt_srch *st, PGresult *res, int r, int kcol,
    PGresult *pres, pxt_jw *w)
{
	int last = PQnfields(pres) - 1, p = 0;

	pxt_jw_key(w, st->s->parent_as ? st->s->parent_as : "parent");
	while (p < PQntuples(pres) && strcmp(PQgetvalue(pres, p, last),
	    PQgetvalue(res, r, kcol)) != 0)
		p++;
	if (p == PQntuples(pres)) {
		pxt_jw_null(w);
		return;
	}
	pxt_jw_obj_begin(w);
	pxt_value_write_fields(w, st->s->parent, pxt_srch_keep_parent, st->s, pres, p, 0);
	pxt_jw_obj_end(w);
}

/* Writes the rows of c (in order) with their score and snippet. */
static pxt_err
pxt_srch_write(struct pxt_srch *st, const struct pxt_cand *c, int nc, pxt_jw *w)
{
	pxt_buf sql = PXT_BUF_INIT, ids = PXT_BUF_INIT;
	const char *params[1];
	PGresult *res = NULL, *pres = NULL;
	const pxt_column *kcol_col = st->s->parent ? pxt_table_find_col(st->t,
	    st->s->parent_key) : NULL;
	int ncols;
	pxt_err rc;

	pxt_buf_adds(&ids, "{");
	for (int i = 0; i < nc; i++)
		pxt_buf_addf(&ids, "%s%lld", i ? "," : "", (long long)c[i].rowid);
	pxt_buf_adds(&ids, "}");
	params[0] = pxt_buf_str(&ids);
	pxt_buf_adds(&sql, "SELECT ");
	pxt_value_sql_outlist(&sql, st->t, pxt_srch_keep, st->s);
	pxt_buf_addf(&sql, "%s", sql.len > 7 ? ", " : "");
	if (kcol_col != NULL) {
		pxt_quote_ident(&sql, st->t->col_storage[kcol_col - st->t->cols]);
		pxt_buf_adds(&sql, "::text, ");
	}
	pxt_buf_addf(&sql, "\"_pxt_rowid\" FROM %s WHERE \"_pxt_rowid\" ="
	    " ANY($1::bigint[])", st->t->storage_sql);
	rc = sql.failed || ids.failed ? PXT_ENOMEM : nc == 0 ? PXT_OK :
	    pxt_db_exec(st->t->env->db, sql.data, 1, params, &res);
	pxt_buf_free(&sql);
	pxt_buf_free(&ids);
	if (rc != PXT_OK)
		return rc;
	ncols = res ? PQnfields(res) : 0;
	if (kcol_col != NULL && (rc = pxt_srch_parents(st, res, ncols - 2, &pres)) !=
	    PXT_OK) {
		PQclear(res);
		return rc;
	}
	pxt_jw_arr_begin(w);
	for (int i = 0; i < nc; i++) {
		int r = 0;

		/* a row deleted since it was matched is left out */
		while (r < PQntuples(res) && strtoll(PQgetvalue(res, r, ncols - 1), NULL, 10) !=
		    c[i].rowid)
			r++;
		if (r == PQntuples(res))
			continue;
		pxt_jw_obj_begin(w);
		pxt_value_write_fields(w, st->t, pxt_srch_keep, st->s, res, r, 0);
		pxt_jw_key(w, "score");
		pxt_jw_double(w, c[i].score);
		if (st->s->mode != PXT_SEARCH_SEMANTIC) {
			pxt_jw_key(w, "snippet");
			if (c[i].snippet != NULL)
				pxt_jw_cstr(w, c[i].snippet);
			else
				pxt_jw_null(w);
		}
		if (pres != NULL)
			pxt_srch_write_parent(st, res, r, ncols - 2, pres, w);
		pxt_jw_obj_end(w);
	}
	pxt_jw_arr_end(w);
	PQclear(res);
	PQclear(pres);
	return PXT_OK;
}

pxt_err
pxt_search(pxt_table *t, pxt_pool *pool, const pxt_search_spec *spec, pxt_jw *w)
{
	pxt_search_spec s = {0};
	struct pxt_srch st = {t, pool, &s, PXT_BUF_INIT, NULL, 0};
	struct pxt_cand *c;
	int nc = 0;
	pxt_err rc;

	if (t == NULL || t->id == 0 || spec == NULL)
		return pxt_seterr(PXT_EINVAL, "pxt_search: no table or spec");
	memcpy(&s, spec, spec->size < sizeof(s) ? spec->size : sizeof(s));
	if ((rc = pxt_srch_init(&st)) != PXT_OK)
		goto out;
	if ((c = pxt_palloc(pool, sizeof(*c) * (size_t)s.limit)) == NULL) {
		rc = PXT_ENOMEM;
		goto out;
	}
	if (s.mode == PXT_SEARCH_SEMANTIC)
		rc = pxt_srch_semantic(&st, s.limit, c, &nc);
	else if (s.mode == PXT_SEARCH_KEYWORD)
		rc = pxt_srch_keyword(&st, s.limit, c, &nc);
	else if (s.mode == PXT_SEARCH_HYBRID)
		rc = pxt_srch_hybrid(&st, c, &nc);
	else
		rc = pxt_seterr(PXT_EINVAL, "unknown search mode %d", (int)s.mode);
	if (rc == PXT_OK)
		rc = pxt_srch_write(&st, c, nc, w);
out:
	pxt_buf_free(&st.where);
	return rc;
}
