/*
 * test_export_sql.c - the table it_export_sql.sh serves: xs/items, keyed by a uuid7(),
 * with a value of each kind an export maps to the target's columns (String, Int, Float,
 * Bool, Json, a Timestamp defaulting to now(), a Document). Exits non-zero on failure.
 */
#include <stdio.h>

#include "pxt/pxt.h"
#include "pxt_test.h"

int
main(void)
{
	pxt_env *env = pxt_open(NULL);
	pxt_table *t;

	PXT_CHECK(env != NULL);
	if (env == NULL) {
		fprintf(stderr, "%s\n", pxt_errmsg());
		return pxt_test_done();
	}
	PXT_CHECK_INT(pxt_create_dir(env, "xs", PXT_IF_EXISTS_IGNORE), PXT_OK);
	t = pxt_create_table(env, "xs/items", (pxt_coldef[]){PXT_UUID7_KEY("uuid"),
	    PXT_REQUIRED("name", PXT_STRING), PXT_COL("n", PXT_INT),
	    PXT_COL("score", PXT_FLOAT), PXT_COL("ok", PXT_BOOL),
	    PXT_COL("meta", PXT_JSON),
	    PXT_REQUIRED_DEFAULT("at", PXT_TIMESTAMP, "now()"),
	    PXT_COL("doc", PXT_DOCUMENT), {0}}, PXT_IF_EXISTS_REPLACE);
	PXT_CHECK(t != NULL);
	if (t == NULL)
		fprintf(stderr, "%s\n", pxt_errmsg());
	pxt_close(env);
	return pxt_test_done();
}
