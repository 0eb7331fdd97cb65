/*
 * bench_setup.c - the schema of bench/service_vs_c.sh and bench/jobs_latency.sh: the
 * table bench/rows (a UUID key id made with uuid7(), body String, metadata Json, n Int;
 * no computed columns, so a benchmark of its insert routes measures the route
 * machinery, not a function). Run once with PIXELTABLE_HOME set, before the workers
 * start (they check the declared routes' tables when they load the service file);
 * idempotent (PXT_IF_EXISTS_IGNORE). pxt_open starts the embedded PostgreSQL, which
 * stays up for the stack. Built like a router, against the installed libpxt:
 *
 *	cc $(pkg-config --cflags pxt) -o bench_setup bench_setup.c $(pkg-config --libs pxt)
 */
#include <stdio.h>

#include "pxt/pxt.h"

int
main(void)
{
	pxt_env *env;
	pxt_table *t;

	if ((env = pxt_open(NULL)) == NULL) {
		fprintf(stderr, "bench_setup: %s\n", pxt_errmsg());
		return 1;
	}
	if (pxt_create_dir(env, "bench", PXT_IF_EXISTS_IGNORE) != PXT_OK ||
	    (t = pxt_create_table(env, "bench/rows", (pxt_coldef[]){
	    PXT_UUID7_KEY("id"),
	    {"body", PXT_STRING, 0, 0, NULL, NULL},
	    {"metadata", PXT_JSON, 0, 0, NULL, NULL},
	    {"n", PXT_INT, 0, 0, NULL, NULL},
	    {0}}, PXT_IF_EXISTS_IGNORE)) == NULL) {
		fprintf(stderr, "bench_setup: %s\n", pxt_errmsg());
		pxt_close(env);
		return 1;
	}
	printf("bench_setup: %s ready (%s)\n", pxt_table_path(t), pxt_table_storage(t));
	pxt_close(env);
	return 0;
}
