/*
 * test_data_model.c - the tables it_data_model.sh serves through the real stack,
 * declared as a Pixeltable user would: dm/users has its own "id" column (an ordinary
 * Int, not a key) and no key at all, dm/events has no key and a Timestamp the route
 * stamps with now_columns, dm/files a required note beside an uploaded file. Checks
 * what it declared and exits non-zero on any failure.
 */
#include <stdio.h>

#include "pxt/pxt.h"
#include "pxt_test.h"

int
main(void)
{
	pxt_env *env = pxt_open(NULL);
	pxt_table *users, *events, *files;

	PXT_CHECK(env != NULL);
	if (env == NULL) {
		fprintf(stderr, "%s\n", pxt_errmsg());
		return pxt_test_done();
	}
	PXT_CHECK_INT(pxt_create_dir(env, "dm", PXT_IF_EXISTS_IGNORE), PXT_OK);
	users = pxt_create_table(env, "dm/users", (pxt_coldef[]){PXT_COL("id", PXT_INT),
	    PXT_REQUIRED("name", PXT_STRING),
	    PXT_COL_DEFAULT("joined", PXT_TIMESTAMP, "now()"), {0}},
	    PXT_IF_EXISTS_REPLACE);
	events = pxt_create_table(env, "dm/events", (pxt_coldef[]){
	    PXT_REQUIRED("kind", PXT_STRING), PXT_COL("n", PXT_INT),
	    PXT_COL("at", PXT_TIMESTAMP), {0}}, PXT_IF_EXISTS_REPLACE);
	files = pxt_create_table(env, "dm/files", (pxt_coldef[]){
	    PXT_UUID7_KEY("uuid"), PXT_COL("doc", PXT_DOCUMENT),
	    PXT_REQUIRED("note", PXT_STRING), {0}}, PXT_IF_EXISTS_REPLACE);
	PXT_CHECK(users != NULL && events != NULL && files != NULL);
	if (users == NULL || events == NULL || files == NULL)
		fprintf(stderr, "%s\n", pxt_errmsg());
	else
		PXT_CHECK(!pxt_table_find_col(users, "id")->primary_key &&
		    pxt_table_ncols(users) == 3 && pxt_table_ncols(events) == 3);
	pxt_close(env);
	return pxt_test_done();
}
