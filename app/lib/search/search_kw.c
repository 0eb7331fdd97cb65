/*
 * search_kw.c - keyword search over a full-text index (see pxt_srch_keyword in
 * search_int.h).
 *
 * Ranking every row that holds any of the query's words costs as much as there are
 * such rows (thousands, for common words, each read from the heap and ranked). So the
 * query's distinct lexemes (at most PXT_KW_TERMS) are asked for in levels: the rows
 * holding all of them, then the rows holding all but one (an OR of the AND of each
 * combination), down to any one of them, each level ranked by ts_rank_cd and excluded
 * from the next, until there are k rows. The index answers each level; only the
 * matches of the levels read are ranked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pxt/ident.h"
#include "search/search_int.h"

#define PXT_KW_TERMS 6

/* The distinct lexemes of the query (at most PXT_KW_TERMS), in pool memory. */
static pxt_err
pxt_kw_terms(struct pxt_srch *st, const struct pxt_index_info *ix, char **terms,
    int *n)
{
	char sql[256];
	const char *params[1] = {st->s->query};
	PGresult *res;
	pxt_err rc;

	/* the language is a configuration name the server listed when the index was made */
	snprintf(sql, sizeof(sql), "SELECT l FROM unnest(tsvector_to_array(to_tsvector("
	    "'%s'::regconfig, $1))) l LIMIT %d", ix->language, PXT_KW_TERMS);
	if ((rc = pxt_db_exec(st->t->env->db, sql, 1, params, &res)) != PXT_OK)
		return rc;
	*n = PQntuples(res);
	for (int i = 0; i < *n; i++)
		if ((terms[i] = pxt_pstrdup(st->pool, PQgetvalue(res, i, 0))) == NULL) {
			PQclear(res);
			return PXT_ENOMEM;
		}
	PQclear(res);
	return PXT_OK;
}

/* Appends lexeme quoted for to_tsquery: 'it''s' (a backslash doubled too). */
static void
pxt_kw_quote(pxt_buf *b, const char *lexeme)
{
	pxt_buf_addc(b, '\'');
	for (const char *p = lexeme; *p; p++) {
		if (*p == '\'' || *p == '\\')
			pxt_buf_addc(b, *p);
		pxt_buf_addc(b, *p);
	}
	pxt_buf_addc(b, '\'');
}

/* The tsquery text "rows holding at least m of the n terms": OR of the m-subsets. */
static void
pxt_kw_level(pxt_buf *b, char *const *terms, int n, int m)
{
	bool first = true;

	for (unsigned mask = 1; mask < (1u << n); mask++) {
		int bits = __builtin_popcount(mask), k = 0;

		if (bits != m)
			continue;
		pxt_buf_adds(b, first ? "(" : " | (");
		first = false;
		for (int i = 0; i < n; i++)
			if (mask & (1u << i)) {
				pxt_buf_adds(b, k++ ? " & " : "");
				pxt_kw_quote(b, terms[i]);
			}
		pxt_buf_addc(b, ')');
	}
}

/*
 * One level: the best rows matching tsquery text lq (or websearch syntax when web),
 * ranked and highlighted with the any-word query aq, not among c[0..*nc), appended to
 * c up to k. base is added to each score.
 */
static pxt_err
pxt_kw_run(struct pxt_srch *st, const struct pxt_index_info *ix, const char *lq,
    const char *aq, bool web, double base, int k, struct pxt_cand *c, int *nc)
{
	const pxt_column *col = pxt_table_find_col(st->t, ix->column);
	pxt_buf sql = PXT_BUF_INIT, ids = PXT_BUF_INIT;
	int np = st->np;
	PGresult *res = NULL;
	pxt_err rc;

	pxt_buf_adds(&ids, "{");
	for (int i = 0; i < *nc; i++)
		pxt_buf_addf(&ids, "%s%lld", i ? "," : "", (long long)c[i].rowid);
	pxt_buf_adds(&ids, "}");
	st->params[np] = lq;
	st->params[np + 1] = aq;
	st->params[np + 2] = pxt_pstrdup(st->pool, pxt_buf_str(&ids));
	pxt_buf_addf(&sql, "SELECT \"_pxt_rowid\", ts_rank_cd(\"%s\", pxt_a, 32),"
	    " ts_headline('%s'::regconfig, coalesce(", ix->storage, ix->language);
	pxt_quote_ident(&sql, st->t->col_storage[col - st->t->cols]);
	/* OFFSET 0 keeps the queries parsed once, not once per row */
	pxt_buf_addf(&sql, ", ''), pxt_a, 'StartSel=<b>, StopSel=</b>, MaxWords=30,"
	    " MinWords=10, MaxFragments=2') FROM %s, (SELECT %s AS pxt_q, %s AS pxt_a"
	    " OFFSET 0) pxt_qs WHERE \"%s\" @@ pxt_q AND \"_pxt_rowid\" <> ALL($%d::bigint[])"
	    "%s ORDER BY 2 DESC, 1 LIMIT %d", st->t->storage_sql, web ?
	    pxt_psprintf(st->pool, "websearch_to_tsquery('%s'::regconfig, $%d)",
	    ix->language, np + 1) : pxt_psprintf(st->pool, "to_tsquery('simple', $%d)",
	    np + 1), web ? pxt_psprintf(st->pool, "websearch_to_tsquery('%s'::regconfig,"
	    " $%d)", ix->language, np + 2) : pxt_psprintf(st->pool, "to_tsquery('simple',"
	    " $%d)", np + 2), ix->storage, np + 3, pxt_buf_str(&st->where), k - *nc);
	rc = sql.failed || ids.failed || st->params[np + 2] == NULL ? PXT_ENOMEM :
	    pxt_db_exec(st->t->env->db, sql.data, np + 3, st->params, &res);
	pxt_buf_free(&sql);
	pxt_buf_free(&ids);
	if (rc != PXT_OK)
		return rc;
	for (int i = 0; i < PQntuples(res) && *nc < k; i++, (*nc)++)
		c[*nc] = (struct pxt_cand){strtoll(PQgetvalue(res, i, 0), NULL, 10),
		    base + strtod(PQgetvalue(res, i, 1), NULL),
		    pxt_pstrdup(st->pool, PQgetvalue(res, i, 2))};
	PQclear(res);
	return PXT_OK;
}

/* Whether the query uses web-search syntax: quotes, "-word" or " or ". */
static bool
pxt_kw_is_web(const char *q)
{
	if (strchr(q, '"') != NULL || q[0] == '-')
		return true;
	for (const char *p = q; *p; p++)
		if ((p[0] == ' ' || p[0] == '\t') && p[1] == '-' && p[2] != '\0' && p[2] != ' ')
			return true;
		else if (strncasecmp(p, " or ", 4) == 0)
			return true;
	return false;
}

pxt_err
pxt_srch_keyword(struct pxt_srch *st, int k, struct pxt_cand *c, int *nc)
{
	struct pxt_index_info ix;
	char *terms[PXT_KW_TERMS] = {NULL};
	pxt_buf any = PXT_BUF_INIT, level = PXT_BUF_INIT;
	int n = 0;
	pxt_err rc;

	*nc = 0;
	if ((rc = pxt_index_load(st->t, "fulltext", st->s->fulltext_index, &ix)) != PXT_OK)
		return rc;
	if (pxt_table_find_col(st->t, ix.column) == NULL)
		return pxt_seterr(PXT_EINTERNAL, "index '%s': no column '%s'", ix.name,
		    ix.column);
	if (pxt_kw_is_web(st->s->query))
		return pxt_kw_run(st, &ix, st->s->query, st->s->query, true, 0, k, c, nc);
	if ((rc = pxt_kw_terms(st, &ix, terms, &n)) != PXT_OK || n == 0)
		return rc;
	pxt_kw_level(&any, terms, n, 1);
	for (int m = n; rc == PXT_OK && m >= 1 && *nc < k; m--) {
		pxt_buf_reset(&level);
		pxt_kw_level(&level, terms, n, m);
		rc = level.failed || any.failed ? PXT_ENOMEM : pxt_kw_run(st, &ix,
		    pxt_buf_str(&level), pxt_buf_str(&any), false, m, k, c, nc);
	}
	pxt_buf_free(&any);
	pxt_buf_free(&level);
	return rc;
}
