/*
 * batch_insert.c - batch inserts through the C API: pxt_insert of ROWS short documents
 * into a table with two computed columns, timed per call; bench/batch_insert.sh builds
 * and runs it.
 *
 * The table `bench/docs_N` has a String column `body` (8 to 30 words of ASCII prose)
 * and a Json column `metadata` (about 90 bytes), plus the computed columns
 * n_words = word_count(body) and body_upper = upper(body). Each run creates it afresh
 * (PXT_IF_EXISTS_REPLACE), builds every row's text before the clock starts, then calls
 * pxt_insert with BATCH rows at a time, each call its own transaction (no pxt_begin),
 * and reads the table back to check the row count and both computed columns.
 *
 *	batch_insert [-n ROWS] [-r ROUNDS] [-b BATCH]... [-p BATCH]...
 *
 * -b BATCH  a run with the two computed columns, BATCH rows per pxt_insert call
 * -p BATCH  the same rows into a table without computed columns (the baseline)
 * -r        rounds: every variant runs once per round, in the order given (default 3)
 * Default: -b 1000 -b ROWS -p 1000. One line per run on stdout:
 *	BATCH variant=computed batch=1000 round=1 rows=10000 calls=10 secs=1.234
 *	    rows_per_s=8103.7 call_ms_min=... call_ms_p50=... call_ms_max=...
 * PIXELTABLE_HOME as for every pxtc program; pxt_open starts the embedded PostgreSQL.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pxt/pxt.h"

#define BI_MAX_VARIANTS 16
#define BI_DIR "bench"

struct bi_variant {
	bool computed;
	int batch;
};

static const char *const bi_words[] = {
	"the", "report", "describes", "a", "small", "change", "to", "storage",
	"layer", "and", "its", "cost", "for", "next", "quarter", "team", "reviewed",
	"budget", "after", "long", "discussion", "with", "two", "customers", "who",
	"asked", "faster", "answers", "from", "system", "every", "morning", "while",
	"servers", "were", "moved", "new", "office", "plan", "was", "approved",
};

static double
bi_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
bi_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* A cheap deterministic generator: the same rows in every run. */
static unsigned
bi_rand(unsigned *state)
{
	*state = *state * 1103515245u + 12345u;
	return (*state >> 16) & 0x7fff;
}

/* values[r * 2 + 0] = body, values[r * 2 + 1] = metadata, for rows 0..n. */
static char **
bi_make_rows(int n)
{
	const int nw = (int)(sizeof(bi_words) / sizeof(bi_words[0]));
	char **v = calloc((size_t)n * 2, sizeof(char *));
	unsigned st = 20261123u;

	if (v == NULL)
		return NULL;
	for (int r = 0; r < n; r++) {
		char body[512], meta[256];
		int words = 8 + (int)(bi_rand(&st) % 23), len = 0;

		for (int w = 0; w < words; w++)
			len += snprintf(body + len, sizeof(body) - (size_t)len, "%s%s",
			    w ? " " : "", bi_words[bi_rand(&st) % (unsigned)nw]);
		body[0] = (char)(body[0] - 'a' + 'A');
		snprintf(body + len, sizeof(body) - (size_t)len, ".");
		snprintf(meta, sizeof(meta), "{\"source\": \"bench\", \"seq\": %d, "
		    "\"lang\": \"en\", \"tags\": [\"batch\", \"t%u\"], \"score\": %u.%u}",
		    r, bi_rand(&st) % 50, bi_rand(&st) % 100, bi_rand(&st) % 10);
		if ((v[r * 2] = strdup(body)) == NULL || (v[r * 2 + 1] = strdup(meta)) == NULL)
			return NULL;
	}
	return v;
}

/* A fresh table for one run: with or without the two computed columns. */
static pxt_table *
bi_table(pxt_env *env, const char *path, bool computed)
{
	pxt_table *t;

	t = pxt_create_table(env, path, (pxt_coldef[]){
	    {"body", PXT_STRING, 0, 0, NULL, NULL},
	    {"metadata", PXT_JSON, 0, 0, NULL, NULL},
	    {0}}, PXT_IF_EXISTS_REPLACE);
	if (t == NULL || !computed)
		return t;
	if (pxt_add_computed_column(t, "n_words", pxt_call("word_count",
	    pxt_col("body"), NULL), PXT_IF_EXISTS_ERROR) != PXT_OK ||
	    pxt_add_computed_column(t, "body_upper", pxt_call("upper",
	    pxt_col("body"), NULL), PXT_IF_EXISTS_ERROR) != PXT_OK)
		return NULL;
	return t;
}

/* The table holds n rows, and (computed) both computed columns agree with SQL's. */
static pxt_err
bi_check(pxt_env *env, pxt_table *t, int n, bool computed)
{
	char sql[512];
	PGresult *res = NULL;
	pxt_err rc;
	long got;

	snprintf(sql, sizeof(sql), computed ?
	    "SELECT count(*) FILTER (WHERE \"n_words\" = array_length("
	    "regexp_split_to_array(\"body\", ' +'), 1) AND \"body_upper\" = upper(\"body\")) "
	    "FROM %s" : "SELECT count(*) FROM %s", pxt_table_storage(t));
	if ((rc = pxt_db_exec_once(pxt_env_db(env), sql, 0, NULL, &res)) != PXT_OK)
		return rc;
	got = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	if (got != n)
		return pxt_seterr(PXT_EINTERNAL, "%s holds %ld good rows, not %d",
		    pxt_table_path(t), got, n);
	return PXT_OK;
}

static pxt_err
bi_run(pxt_env *env, const struct bi_variant *v, int round, int rows,
    char *const *values)
{
	static const char *const names[] = {"body", "metadata"};
	char path[64];
	int calls = (rows + v->batch - 1) / v->batch;
	double *ms = calloc((size_t)calls, sizeof(double)), t0, total;
	pxt_table *t;
	pxt_err rc = PXT_OK;

	if (ms == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory");
	snprintf(path, sizeof(path), BI_DIR "/%s_%d", v->computed ? "docs" : "plain",
	    v->batch);
	if ((t = bi_table(env, path, v->computed)) == NULL) {
		free(ms);
		return pxt_errcode();
	}
	total = bi_now();
	for (int c = 0; c < calls && rc == PXT_OK; c++) {
		int first = c * v->batch;
		int n = rows - first < v->batch ? rows - first : v->batch;

		t0 = bi_now();
		rc = pxt_insert(t, names, 2, (const char *const *)values + first * 2, n);
		ms[c] = (bi_now() - t0) * 1e3;
	}
	total = bi_now() - total;
	if (rc == PXT_OK)
		rc = bi_check(env, t, rows, v->computed);
	if (rc == PXT_OK) {
		qsort(ms, (size_t)calls, sizeof(double), bi_cmp_double);
		printf("BATCH variant=%s batch=%d round=%d rows=%d calls=%d secs=%.4f "
		    "rows_per_s=%.1f call_ms_min=%.2f call_ms_p50=%.2f call_ms_max=%.2f\n",
		    v->computed ? "computed" : "plain", v->batch, round, rows, calls, total,
		    rows / total, ms[0], ms[calls / 2], ms[calls - 1]);
		fflush(stdout);
	}
	free(ms);
	return rc;
}

static int
bi_usage(void)
{
	fprintf(stderr, "usage: batch_insert [-n ROWS] [-r ROUNDS] [-b BATCH]... "
	    "[-p BATCH]...\n");
	return 2;
}

static int
bi_posint(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s != '\0' && *end == '\0' && v > 0 && v <= 10000000 ? (int)v : -1;
}

int
main(int argc, char **argv)
{
	struct bi_variant vars[BI_MAX_VARIANTS];
	int nvars = 0, rows = 10000, rounds = 3;
	char **values;
	pxt_env *env;
	pxt_err rc = PXT_OK;

	for (int i = 1; i < argc; i++) {
		int val = i + 1 < argc ? bi_posint(argv[i + 1]) : -1;

		if (val < 0)
			return bi_usage();
		if (strcmp(argv[i], "-n") == 0)
			rows = val;
		else if (strcmp(argv[i], "-r") == 0)
			rounds = val;
		else if ((strcmp(argv[i], "-b") == 0 || strcmp(argv[i], "-p") == 0) &&
		    nvars < BI_MAX_VARIANTS)
			vars[nvars++] = (struct bi_variant){argv[i][1] == 'b', val};
		else
			return bi_usage();
		i++;
	}
	if (nvars == 0) {
		vars[nvars++] = (struct bi_variant){true, 1000};
		vars[nvars++] = (struct bi_variant){true, rows};
		vars[nvars++] = (struct bi_variant){false, 1000};
	}
	if ((values = bi_make_rows(rows)) == NULL) {
		fprintf(stderr, "batch_insert: out of memory\n");
		return 1;
	}
	if ((env = pxt_open(NULL)) == NULL) {
		fprintf(stderr, "batch_insert: %s\n", pxt_errmsg());
		return 1;
	}
	if (pxt_create_dir(env, BI_DIR, PXT_IF_EXISTS_IGNORE) != PXT_OK) {
		fprintf(stderr, "batch_insert: %s\n", pxt_errmsg());
		pxt_close(env);
		return 1;
	}
	for (int r = 1; r <= rounds && rc == PXT_OK; r++)
		for (int v = 0; v < nvars && rc == PXT_OK; v++)
			rc = bi_run(env, &vars[v], r, rows, values);
	if (rc != PXT_OK)
		fprintf(stderr, "batch_insert: %s: %s\n", pxt_err_name(rc), pxt_errmsg());
	pxt_close(env);
	for (int r = 0; r < rows * 2; r++)
		free(values[r]);
	free(values);
	return rc == PXT_OK ? 0 : 1;
}
