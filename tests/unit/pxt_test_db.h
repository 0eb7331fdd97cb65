/*
 * pxt_test_db.h - helpers of the C test drivers that work on an open pxtc
 * environment (header-only, included after pxt_test.h).
 */
#ifndef PXT_TEST_DB_H
#define PXT_TEST_DB_H

#include <stdio.h>
#include <string.h>

#include "pxt/pxt.h"
#include "pxt_test.h"

/*
 * pxt_test_one returns the first column of the first row of sql run on env's
 * database, or NULL (no row, NULL, an error). The text is in a static buffer that the
 * next call overwrites.
 */
static inline const char *
pxt_test_one(pxt_env *env, const char *sql)
{
	static char buf[4096];
	PGresult *res = NULL;

	if (pxt_db_exec_once(pxt_env_db(env), sql, 0, NULL, &res) != PXT_OK ||
	    PQntuples(res) == 0 || PQgetisnull(res, 0, 0)) {
		PQclear(res);
		return NULL;
	}
	snprintf(buf, sizeof(buf), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return buf;
}

/* pxt_test_expect_msg fails a check when the last error message lacks part. */
static inline void
pxt_test_expect_msg(const char *part)
{
	if (strstr(pxt_errmsg(), part) == NULL) {
		fprintf(stderr, "message '%s' lacks '%s'\n", pxt_errmsg(), part);
		PXT_CHECK(0);
	}
}

#endif
