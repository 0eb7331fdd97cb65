/*
 * column_comment.c - a column's comment (pxt/catalog.h): what it holds, in a line,
 * kept in the catalog (columns.comment, format 5) and in the storage as PostgreSQL's
 * COMMENT ON COLUMN; the OpenAPI document gives it as the column's description.
 * Declared with pxt_coldef.comment or set later with pxt_set_column_comment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/ident.h"
#include "catalog/catalog_int.h"
#include "core/utf8_int.h"

#define PXT_COMMENT_MAX 1000

pxt_err
pxt_cat_comment_check(const char *col, const char *comment)
{
	size_t n, k;

	if (comment == NULL)
		return PXT_OK;
	if ((n = strlen(comment)) > PXT_COMMENT_MAX)
		return pxt_seterr(PXT_EINVAL, "column '%s': the comment is %zu bytes, "
		    "longer than %d", col, n, PXT_COMMENT_MAX);
	for (size_t i = 0; i < n; i += k) {
		const unsigned char *u = (const unsigned char *)comment + i;

		if (*u < 0x20 || *u == 0x7f)
			return pxt_seterr(PXT_EINVAL, "column '%s': the comment has a control "
			    "character at byte %zu (one line of text, no tabs or newlines)",
			    col, i);
		if ((k = pxt_utf8_len(u, n - i)) == 0)
			return pxt_seterr(PXT_EINVAL, "column '%s': the comment is not UTF-8 "
			    "text (byte %zu)", col, i);
	}
	return PXT_OK;
}

pxt_err
pxt_cat_comment_storage(pxt_env *env, const char *storage_sql, const char *col_storage,
    const char *comment)
{
	PGconn *conn = pxt_db_conn(env->db);
	pxt_buf b = PXT_BUF_INIT;
	char *lit = NULL;
	pxt_err rc;

	/* COMMENT takes no parameters: the text as a literal libpq escapes */
	if (comment != NULL && *comment != '\0' && (conn == NULL ||
	    (lit = PQescapeLiteral(conn, comment, strlen(comment))) == NULL))
		return pxt_seterr(PXT_EDB, "cannot quote the comment of column '%s': %s",
		    col_storage, conn ? PQerrorMessage(conn) : "not connected");
	pxt_buf_addf(&b, "COMMENT ON COLUMN %s.", storage_sql);
	rc = pxt_quote_ident(&b, col_storage);
	pxt_buf_addf(&b, " IS %s", lit != NULL ? lit : "NULL");
	if (rc == PXT_OK)
		rc = b.failed ? PXT_ENOMEM : pxt_cat_ddl(env, b.data);
	PQfreemem(lit);
	pxt_buf_free(&b);
	return rc;
}

pxt_err
pxt_cat_comment_store(pxt_env *env, pxt_table *t, int idx, const char *comment)
{
	char tid[32];
	const char *params[3] = {tid, t->cols[idx].name, comment};
	pxt_err rc;

	if (comment != NULL && *comment == '\0')
		params[2] = NULL;
	snprintf(tid, sizeof(tid), "%lld", (long long)t->id);
	if ((rc = pxt_cat_comment_storage(env, t->storage_sql, t->col_storage[idx],
	    params[2])) != PXT_OK)
		return rc;
	return pxt_db_exec(env->db, "UPDATE pxt_catalog.columns SET comment = $3"
	    " WHERE table_id = $1 AND name = $2", 3, params, NULL);
}

/* Whether comments a (catalog) and b (wanted, "" for none) are the same. */
static bool
pxt_same_comment(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

static pxt_err
pxt_set_comment_run(pxt_table *t, const char *col, const char *comment)
{
	const pxt_column *c;
	pxt_err rc;
	bool own;

	if ((rc = pxt_name_check(col, "column")) != PXT_OK ||
	    (rc = pxt_cat_comment_check(col, comment)) != PXT_OK)
		return rc;
	if ((rc = pxt_cat_change_table(t, &own)) != PXT_OK)
		return rc;
	c = pxt_table_find_col(t, col);
	if (c == NULL || c->hidden)
		rc = pxt_seterr(PXT_ENOTFOUND, "table '%s' has no column '%s'", t->path,
		    col);
	else if (pxt_same_comment(c->comment, comment))
		rc = PXT_OK;
	else if ((rc = pxt_cat_note(t->env, false, "set the comment of column '%s' of "
	    "'%s'", col, t->path)) == PXT_OK &&
	    (rc = pxt_cat_comment_store(t->env, t, (int)(c - t->cols), comment)) ==
	    PXT_OK)
		rc = pxt_cat_bump(t->env, "comment_column", t->path);
	rc = pxt_cat_change_end(t->env, own, rc);
	if (rc == PXT_OK && pxt_cat_load_table(t->env, t->path) == NULL)
		rc = pxt_errcode();
	return rc;
}

pxt_err
pxt_set_column_comment(pxt_table *t, const char *col, const char *comment)
{
	pxt_err rc;

	if (!pxt_decl_enter_table(t, &rc))
		return rc;
	rc = pxt_set_comment_run(t, col, comment);
	return pxt_decl_leave(t->env, rc, "set the comment of column '%s' of '%s'",
	    col ? col : "", t->path);
}
