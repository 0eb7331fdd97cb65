/*
 * search_load.c - the data and the recall check of bench/search.sh: markdown documents
 * through the reference app's pipeline, the query texts of the wrk runs, and recall@k
 * of the exact embedding back-end against a brute-force float32 scan.
 *
 *	search_load load [-d DOCS] [-s SECTIONS] [-b BATCH]
 *	search_load queries [-n N]
 *	search_load recall [-q QUERIES] [-k K] [-f FILE]
 *
 * load     writes DOCS markdown files (default 1000) under $PIXELTABLE_HOME/media/
 *          bench-search, each SECTIONS sections (100) of a "## heading" and a paragraph
 *          of 60-80 words, and inserts them with pxt_insert into app/documents, BATCH
 *          documents a call (10), each call its own transaction: extract_text, the
 *          title and summary columns, the chunks view (document_splitter "heading,
 *          token_limit") and its embedding and full-text indexes all run in those
 *          calls. Progress on stderr; at the end one line on stdout:
 *	        LOAD docs=1000 sections=100 words=... bytes=... gen_s=... insert_s=...
 * queries  prints N query texts (50), one a line: 3 to 5 words of one topic.
 * recall   for the first QUERIES (200) of the same sequence: embeds each query with the
 *          index's function through the UDF registry (pxt_udf_find + pxt_udf_call, as
 *          pxt_search does), searches the index file the workers built with
 *          pxt_vindex_search (top K, 10), runs pxt_search (mode semantic, the C API,
 *          the code behind POST /api/search/chunks) and compares both with an exact
 *          scan of every vector read from the table (double-precision cosine over the
 *          float32 vectors). One line on stdout:
 *	        RECALL queries=200 k=10 vectors=... recall_vindex=... recall_search=...
 *	            embed_us_p50=... vindex_ms_p50=... search_ms_p50=... file_bytes=...
 *          With -f FILE (which must not exist) it also upserts every vector read into
 *          a new index file FILE under one exclusive lock, as a build does, and
 *          reports the time (upsert_s); FILE is removed afterwards.
 *
 * Data: a vocabulary of VOCAB made-up words (syllables drawn with a seeded PRNG), TOPICS
 * topics of TOPIC_WORDS words each; a document has a topic, each section keeps it (80%)
 * or takes another; a paragraph's words are common English words (25%), else words of
 * the section's topic (70%) or of the whole vocabulary (30%). A query draws its words
 * from one topic (80%) or the whole vocabulary. Everything is seeded: every run makes
 * the same documents and queries.
 *
 * PIXELTABLE_HOME as for every pxtc program; pxt_open starts the embedded PostgreSQL
 * when it is not running. recall needs the index file the first search made. Exit 0,
 * 1 on a failure, 2 on misuse.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pxt/pxt.h"
#include "search/search_int.h"
#include "engine/udf_int.h"
#include "search/vindex_int.h"

#define VOCAB 4000
#define TOPICS 40
#define TOPIC_WORDS 120
#define WORD_MAX 24
#define APP_DOCS "app/documents"
#define APP_CHUNKS "app/chunks"
#define MEDIA_SUB "bench-search"
#define SEED_VOCAB 0x5eed0001ULL
#define SEED_DOCS 0x5eed0002ULL
#define SEED_QUERIES 0x5eed0003ULL
#define READ_BATCH 5000

static char vocab[VOCAB][WORD_MAX];
static int topic_words[TOPICS][TOPIC_WORDS];

static const char *const common[] = {
	"the", "of", "and", "to", "in", "a", "is", "that", "for", "on", "with", "as",
	"by", "from", "at", "this", "it", "an", "be", "are", "or", "was", "which", "its",
};
#define NCOMMON ((int)(sizeof(common) / sizeof(common[0])))

static uint64_t
rnd_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int
rnd_int(uint64_t *s, int n)
{
	return (int)(rnd_next(s) % (uint64_t)n);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The p-th percentile (0..100) of v[n], sorted in place. */
static double
pct(double *v, int n, double p)
{
	int i;

	if (n == 0)
		return 0;
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	i = (int)(p / 100 * n + 0.5) - 1;
	return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

/* The vocabulary (distinct made-up words) and the topics' word lists. */
static void
make_vocab(void)
{
	static const char *const onset[] = {"b", "c", "d", "f", "g", "h", "j", "k", "l",
	    "m", "n", "p", "r", "s", "t", "v", "w", "z", "br", "cr", "dr", "fl", "gr", "pl",
	    "pr", "sh", "st", "tr", "th", "ch", "kl", "sp"};
	static const char *const vowel[] = {"a", "e", "i", "o", "u", "ai", "ea", "ou"};
	static const char *const coda[] = {"", "", "", "n", "r", "s", "l", "m", "t", "nd",
	    "st", "rk", "x"};
	uint64_t s = SEED_VOCAB;
	int n = 0;

	while (n < VOCAB) {
		char w[WORD_MAX] = "";
		int syl = 2 + rnd_int(&s, 2), dup = 0;

		for (int i = 0; i < syl; i++) {
			strcat(w, onset[rnd_int(&s, (int)(sizeof(onset) / sizeof(*onset)))]);
			strcat(w, vowel[rnd_int(&s, (int)(sizeof(vowel) / sizeof(*vowel)))]);
			if (i == syl - 1 || rnd_int(&s, 3) == 0)
				strcat(w, coda[rnd_int(&s, (int)(sizeof(coda) / sizeof(*coda)))]);
		}
		for (int i = 0; i < n && !dup; i++)
			dup = strcmp(vocab[i], w) == 0;
		for (int i = 0; i < NCOMMON && !dup; i++)
			dup = strcmp(common[i], w) == 0;
		if (!dup)
			memcpy(vocab[n++], w, WORD_MAX);
	}
	for (int t = 0; t < TOPICS; t++)
		for (int i = 0; i < TOPIC_WORDS; i++)
			topic_words[t][i] = rnd_int(&s, VOCAB);
}

/* A content word: of topic t (pct_topic %), else of the whole vocabulary. */
static const char *
content_word(uint64_t *s, int t, int pct_topic)
{
	if (rnd_int(s, 100) < pct_topic)
		return vocab[topic_words[t][rnd_int(s, TOPIC_WORDS)]];
	return vocab[rnd_int(s, VOCAB)];
}

/* Appends word w to f, capitalized when cap. */
static void
put_word(FILE *f, const char *w, bool cap)
{
	if (cap)
		fprintf(f, "%c%s", w[0] - 'a' + 'A', w + 1);
	else
		fputs(w, f);
}

/* Writes document d (its topic *topic) to path; adds its words to *words. */
static pxt_err
write_doc(const char *path, int d, int sections, uint64_t *s, int *topic, long *words)
{
	FILE *f = fopen(path, "w");
	int dt = rnd_int(s, TOPICS);

	if (f == NULL)
		return pxt_seterr(PXT_EIO, "%s: %s", path, strerror(errno));
	*topic = dt;
	fprintf(f, "# Report %d: ", d + 1);
	for (int i = 0; i < 3; i++) {
		if (i)
			fputc(' ', f);
		put_word(f, content_word(s, dt, 100), i == 0);
	}
	fputs("\n\n", f);
	for (int sec = 0; sec < sections; sec++) {
		int t = rnd_int(s, 100) < 80 ? dt : rnd_int(s, TOPICS);
		int hw = 2 + rnd_int(s, 3), nw = 60 + rnd_int(s, 21), left = 0;

		fprintf(f, "## %d.%d ", d + 1, sec + 1);
		for (int i = 0; i < hw; i++) {
			if (i)
				fputc(' ', f);
			put_word(f, content_word(s, t, 100), i == 0);
		}
		fputs("\n\n", f);
		for (int i = 0; i < nw; i++) {
			bool start = left == 0;

			if (start)
				left = 8 + rnd_int(s, 8);
			if (i)
				fputc(' ', f);
			put_word(f, rnd_int(s, 100) < 25 ? common[rnd_int(s, NCOMMON)] :
			    content_word(s, t, 70), start);
			if (--left == 0 || i == nw - 1)
				fputc('.', f);
		}
		fputs("\n\n", f);
		*words += hw + nw;
	}
	if (fclose(f) != 0)
		return pxt_seterr(PXT_EIO, "%s: %s", path, strerror(errno));
	return PXT_OK;
}

static int
cmd_load(int docs, int sections, int batch)
{
	static const char *const names[] = {"document", "metadata", "timestamp"};
	char dir[PATH_MAX];
	char **vals = calloc((size_t)docs * 3, sizeof(char *));
	uint64_t s = SEED_DOCS;
	long words = 0, bytes = 0;
	double t0, gen_s, ins_s;
	pxt_env *env;
	pxt_table *t;
	pxt_err rc = PXT_OK;

	if (vals == NULL)
		return fprintf(stderr, "search_load: out of memory\n"), 1;
	if ((env = pxt_open(NULL)) == NULL) {
		fprintf(stderr, "search_load: %s\n", pxt_errmsg());
		return 1;
	}
	if ((t = pxt_get_table(env, APP_DOCS)) == NULL) {
		fprintf(stderr, "search_load: %s (run pxtc-setup first)\n", pxt_errmsg());
		pxt_close(env);
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/media/" MEDIA_SUB, pxt_config_home(pxt_env_config(env)));
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "search_load: %s: %s\n", dir, strerror(errno));
		pxt_close(env);
		return 1;
	}
	t0 = now_s();
	for (int d = 0; d < docs && rc == PXT_OK; d++) {
		char path[PATH_MAX + 32], meta[160], ts[40];
		struct stat st;
		int topic = 0;

		snprintf(path, sizeof(path), "%s/doc-%05d.md", dir, d + 1);
		if ((rc = write_doc(path, d, sections, &s, &topic, &words)) != PXT_OK)
			break;
		if (stat(path, &st) == 0)
			bytes += st.st_size;
		snprintf(meta, sizeof(meta), "{\"source\": \"search_bench\", \"seq\": %d, "
		    "\"topic\": %d, \"sections\": %d}", d + 1, topic, sections);
		/* one second apart, all distinct */
		snprintf(ts, sizeof(ts), "2026-11-24T%02d:%02d:%02dZ", d / 3600 % 24,
		    d / 60 % 60, d % 60);
		if ((vals[d * 3] = strdup(path)) == NULL || (vals[d * 3 + 1] = strdup(meta)) ==
		    NULL || (vals[d * 3 + 2] = strdup(ts)) == NULL)
			rc = pxt_seterr(PXT_ENOMEM, "out of memory");
	}
	gen_s = now_s() - t0;
	if (rc == PXT_OK)
		fprintf(stderr, "search_load: wrote %d documents (%ld words, %ld bytes) in "
		    "%.1f s\n", docs, words, bytes, gen_s);
	t0 = now_s();
	for (int d = 0; d < docs && rc == PXT_OK; d += batch) {
		int n = docs - d < batch ? docs - d : batch;
		double el;

		rc = pxt_insert(t, names, 3, (const char *const *)vals + d * 3, n);
		el = now_s() - t0;
		if (rc == PXT_OK && ((d + n) % (batch * 10) == 0 || d + n == docs))
			fprintf(stderr, "search_load: inserted %d/%d documents in %.1f s "
			    "(%.1f documents/s, about %.0f chunks/s)\n", d + n, docs, el,
			    (d + n) / el, (double)(d + n) * sections / el);
	}
	ins_s = now_s() - t0;
	if (rc != PXT_OK)
		fprintf(stderr, "search_load: %s: %s\n", pxt_err_name(rc), pxt_errmsg());
	else
		printf("LOAD docs=%d sections=%d batch=%d words=%ld bytes=%ld gen_s=%.2f "
		    "insert_s=%.2f docs_per_s=%.1f\n", docs, sections, batch, words, bytes,
		    gen_s, ins_s, docs / ins_s);
	pxt_close(env);
	for (int i = 0; i < docs * 3; i++)
		free(vals[i]);
	free(vals);
	return rc == PXT_OK ? 0 : 1;
}

/* Query i of the sequence into out. */
static void
make_query(uint64_t *s, char *out, size_t outlen)
{
	int t = rnd_int(s, TOPICS), nw = 3 + rnd_int(s, 3);
	size_t len = 0;

	const char *w[8];

	out[0] = '\0';
	for (int i = 0; i < nw; i++) {
		bool dup;

		do {	/* distinct words */
			w[i] = content_word(s, t, 80);
			dup = false;
			for (int j = 0; j < i; j++)
				dup |= w[j] == w[i];
		} while (dup);
		len += (size_t)snprintf(out + len, outlen - len, "%s%s", i ? " " : "", w[i]);
	}
}

static int
cmd_queries(int n)
{
	uint64_t s = SEED_QUERIES;
	char q[256];

	for (int i = 0; i < n; i++) {
		make_query(&s, q, sizeof(q));
		printf("%s\n", q);
	}
	return 0;
}

/* Every vector of the index's column, read in rowid order, normalized. */
struct vecs {
	int64_t *rowid;
	char (*key)[48];	/* "uuid:pos" of each row, for pxt_search's answers */
	float *v;
	size_t n, cap;
	int dim;
};

static pxt_err
read_vecs(pxt_env *env, pxt_table *t, const struct pxt_index_info *ix, struct vecs *vs)
{
	char sql[512], after[32] = "0";
	const char *params[1] = {after};
	pxt_err rc = PXT_OK;
	int n;

	snprintf(sql, sizeof(sql), "SELECT \"_pxt_rowid\", \"uuid\"::text || ':' || \"pos\","
	    " \"%s\"::text FROM %s WHERE \"_pxt_rowid\" > $1::bigint AND \"%s\" IS NOT NULL"
	    " ORDER BY \"_pxt_rowid\" LIMIT %d", ix->storage, pxt_table_storage(t),
	    ix->storage, READ_BATCH);
	vs->dim = ix->dim;
	do {
		PGresult *res = NULL;

		if ((rc = pxt_db_exec(pxt_env_db(env), sql, 1, params, &res)) != PXT_OK)
			return rc;
		n = PQntuples(res);
		if (vs->n + (size_t)n > vs->cap) {
			size_t cap = (vs->cap ? vs->cap * 2 : 65536) + (size_t)n;

			vs->rowid = realloc(vs->rowid, cap * sizeof(int64_t));
			vs->key = realloc(vs->key, cap * sizeof(*vs->key));
			vs->v = realloc(vs->v, cap * (size_t)vs->dim * sizeof(float));
			if (vs->rowid == NULL || vs->key == NULL || vs->v == NULL) {
				PQclear(res);
				return pxt_seterr(PXT_ENOMEM, "out of memory reading vectors");
			}
			vs->cap = cap;
		}
		for (int r = 0; r < n && rc == PXT_OK; r++) {
			float *v = vs->v + vs->n * (size_t)vs->dim;
			double ss = 0;

			vs->rowid[vs->n] = strtoll(PQgetvalue(res, r, 0), NULL, 10);
			snprintf(vs->key[vs->n], sizeof(vs->key[0]), "%s", PQgetvalue(res, r, 1));
			rc = pxt_vec_text_floats(PQgetvalue(res, r, 2),
			    (size_t)PQgetlength(res, r, 2), v, vs->dim);
			for (int i = 0; i < vs->dim; i++)
				ss += (double)v[i] * v[i];
			if (ss > 0)
				for (int i = 0; i < vs->dim; i++)
					v[i] = (float)(v[i] / __builtin_sqrt(ss));
			vs->n++;
		}
		if (n > 0)
			snprintf(after, sizeof(after), "%s", PQgetvalue(res, n - 1, 0));
		PQclear(res);
	} while (rc == PXT_OK && n == READ_BATCH);
	return rc;
}

/* The exact top k of q over vs (rowids into top, scores into sc), best first. */
static void
exact_topk(const struct vecs *vs, const float *q, int k, int64_t *top, double *sc)
{
	int have = 0;

	for (size_t i = 0; i < vs->n; i++) {
		const float *v = vs->v + i * (size_t)vs->dim;
		double d = 0;
		int j;

		for (int e = 0; e < vs->dim; e++)
			d += (double)q[e] * v[e];
		if (have == k && d <= sc[k - 1])
			continue;
		j = have < k ? have++ : k - 1;
		while (j > 0 && sc[j - 1] < d) {
			sc[j] = sc[j - 1];
			top[j] = top[j - 1];
			j--;
		}
		sc[j] = d;
		top[j] = vs->rowid[i];
	}
}

static int
cmp_key(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The rowid of "uuid:pos" key; keys[] are pointers into vs->key sorted by text, so a
 * match's row is where its pointer points. -1 when absent.
 */
static int64_t
key_rowid(char **keys, const struct vecs *vs, const char *key)
{
	char **p = bsearch(&key, keys, vs->n, sizeof(char *), cmp_key);

	return p ? vs->rowid[(size_t)(*p - vs->key[0]) / sizeof(vs->key[0])] : -1;
}

static int
count_in(const int64_t *a, int na, const int64_t *b, int nb)
{
	int hit = 0;

	for (int i = 0; i < na; i++)
		for (int j = 0; j < nb; j++)
			if (a[i] == b[j]) {
				hit++;
				break;
			}
	return hit;
}

/* Seconds to upsert every vector of vs into a new index file at path (then removed). */
static double
time_upserts(const struct vecs *vs, const char *path, pxt_metric metric)
{
	pxt_vindex *b = NULL;
	double t0 = now_s(), el = -1;
	struct stat st;
	pxt_err rc;

	if (stat(path, &st) == 0) {
		fprintf(stderr, "search_load: %s exists: no upsert timing\n", path);
		return -1;
	}
	if ((rc = pxt_vindex_open(path, vs->dim, metric, &b)) == PXT_OK &&
	    (rc = pxt_vindex_lock(b, true)) == PXT_OK) {
		for (size_t i = 0; i < vs->n && rc == PXT_OK; i++)
			rc = pxt_vindex_upsert(b, vs->rowid[i], vs->v + i * (size_t)vs->dim);
		pxt_vindex_unlock(b);
		if (rc == PXT_OK)
			el = now_s() - t0;
	}
	if (rc != PXT_OK)
		fprintf(stderr, "search_load: upserts into %s: %s\n", path, pxt_errmsg());
	pxt_vindex_close(b);
	unlink(path);
	return el;
}

static int
cmd_recall(int nq, int k, const char *copy)
{
	static const char *const sel[] = {"uuid", "pos", NULL};
	struct pxt_index_info ix;
	struct vecs vs = {0};
	char path[PATH_MAX], q[256], **keys = NULL;
	double *embed_us = calloc((size_t)nq, sizeof(double));
	double *vx_ms = calloc((size_t)nq, sizeof(double));
	double *sr_ms = calloc((size_t)nq, sizeof(double));
	double *scan_ms = calloc((size_t)nq, sizeof(double));
	double *esc = calloc((size_t)k, sizeof(double)), read_s, upsert_s = -1, t0;
	int64_t *etop = calloc((size_t)k, sizeof(int64_t));
	int64_t *stop = calloc((size_t)k, sizeof(int64_t));
	pxt_vhit *hits = calloc((size_t)k, sizeof(pxt_vhit));
	float *qv = NULL;
	long hit_vx = 0, hit_sr = 0, agree = 0, ties = 0, min_vx = k, min_sr = k;
	const pxt_udf *u;
	pxt_vindex *vx = NULL;
	uint64_t s = SEED_QUERIES;
	struct stat st;
	PGresult *res = NULL;
	pxt_pool *pool = pxt_pool_new(0);
	pxt_env *env;
	pxt_table *t;
	pxt_err rc;

	if (!embed_us || !vx_ms || !sr_ms || !scan_ms || !esc || !etop || !stop || !hits ||
	    !pool)
		return fprintf(stderr, "search_load: out of memory\n"), 1;
	if ((env = pxt_open(NULL)) == NULL) {
		fprintf(stderr, "search_load: %s\n", pxt_errmsg());
		return 1;
	}
	if ((t = pxt_get_table(env, APP_CHUNKS)) == NULL ||
	    (rc = pxt_index_load(t, "embedding", NULL, &ix)) != PXT_OK)
		goto fail;
	if (ix.pgvector) {
		pxt_seterr(PXT_EINVAL, "index %s uses pgvector, not the exact back-end", ix.name);
		goto fail;
	}
	if ((u = pxt_udf_find(ix.fn)) == NULL) {
		pxt_seterr(PXT_ENOTFOUND, "no function %s in the registry", ix.fn);
		goto fail;
	}
	/* the file the workers made: $PIXELTABLE_HOME/index/<system id>-<db oid>-<id>.pxv */
	if ((rc = pxt_db_exec(pxt_env_db(env), "SELECT (SELECT system_identifier FROM"
	    " pg_control_system())::text || '-' || (SELECT oid FROM pg_database WHERE"
	    " datname = current_database())::text", 0, NULL, &res)) != PXT_OK)
		goto fail;
	snprintf(path, sizeof(path), "%s/index/%s-%lld.pxv",
	    pxt_config_home(pxt_env_config(env)), PQgetvalue(res, 0, 0), (long long)ix.id);
	PQclear(res);
	if (stat(path, &st) != 0) {
		pxt_seterr(PXT_ENOTFOUND, "%s: %s (search once first: the first search "
		    "builds it)", path, strerror(errno));
		goto fail;
	}
	if ((rc = pxt_vindex_open(path, ix.dim, ix.metric, &vx)) != PXT_OK)
		goto fail;
	t0 = now_s();
	if ((rc = read_vecs(env, t, &ix, &vs)) != PXT_OK)
		goto fail;
	read_s = now_s() - t0;
	fprintf(stderr, "search_load: read %zu vectors of %d dimensions from %s in %.1f s; "
	    "the index file holds %lld\n", vs.n, vs.dim, APP_CHUNKS, read_s,
	    (long long)pxt_vindex_count(vx));
	if (copy != NULL) {
		upsert_s = time_upserts(&vs, copy, ix.metric);
		fprintf(stderr, "search_load: %zu upserts into a new file: %.2f s\n", vs.n,
		    upsert_s);
	}
	if ((keys = malloc(vs.n * sizeof(char *))) == NULL ||
	    (qv = malloc(sizeof(float) * (size_t)ix.dim)) == NULL) {
		rc = pxt_seterr(PXT_ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < vs.n; i++)
		keys[i] = vs.key[i];
	/* keys[] sorted by text; key_rowid maps back through the pointer's position */
	qsort(keys, vs.n, sizeof(char *), cmp_key);
	for (int qi = 0; qi < nq; qi++) {
		pxt_value arg = {PXT_STRING, false, {0}}, out = {PXT_ARRAY, false, {0}};
		pxt_search_spec spec = {.size = sizeof(spec)};
		pxt_buf buf = PXT_BUF_INIT;
		pxt_json *j;
		pxt_jw w;
		int nh = 0, ns = 0, hv, hs;

		pxt_pool_reset(pool);
		make_query(&s, q, sizeof(q));
		arg.u.str.s = q;
		arg.u.str.len = strlen(q);
		t0 = now_s();
		if ((rc = pxt_udf_call(u, pool, &arg, 1, &out)) != PXT_OK ||
		    (rc = pxt_vec_text_floats(out.u.str.s, out.u.str.len, qv, ix.dim)) !=
		    PXT_OK)
			goto fail;
		embed_us[qi] = (now_s() - t0) * 1e6;
		t0 = now_s();
		if ((rc = pxt_vindex_search(vx, qv, k, NULL, NULL, hits, &nh)) != PXT_OK)
			goto fail;
		vx_ms[qi] = (now_s() - t0) * 1e3;
		/* the whole search as the route runs it: embed, sync check, scan, rows */
		spec.mode = PXT_SEARCH_SEMANTIC;
		spec.query = q;
		spec.limit = k;
		spec.select = sel;
		pxt_jw_init(&w, &buf);
		t0 = now_s();
		rc = pxt_search(t, pool, &spec, &w);
		sr_ms[qi] = (now_s() - t0) * 1e3;
		if (rc != PXT_OK || buf.failed || (rc = pxt_json_parse(pool, buf.data, buf.len,
		    8, &j)) != PXT_OK || j->type != PXT_JSON_ARRAY) {
			pxt_buf_free(&buf);
			if (rc == PXT_OK)
				rc = pxt_seterr(PXT_EINTERNAL, "pxt_search gave no array");
			goto fail;
		}
		for (size_t i = 0; i < j->u.arr.n && ns < k; i++) {
			const pxt_json *id = pxt_json_get(j->u.arr.items[i], "uuid");
			const pxt_json *pos = pxt_json_get(j->u.arr.items[i], "pos");
			char key[96];

			if (id == NULL || pos == NULL || id->type != PXT_JSON_STRING)
				continue;
			snprintf(key, sizeof(key), "%s:%s", id->u.str.s, pos->num ? pos->num : "?");
			stop[ns++] = key_rowid(keys, &vs, key);
		}
		pxt_buf_free(&buf);
		t0 = now_s();
		{
			double qs = 0;

			for (int e = 0; e < ix.dim; e++)
				qs += (double)qv[e] * qv[e];
			for (int e = 0; qs > 0 && e < ix.dim; e++)
				qv[e] = (float)(qv[e] / __builtin_sqrt(qs));
		}
		exact_topk(&vs, qv, k, etop, esc);
		scan_ms[qi] = (now_s() - t0) * 1e3;
		{
			int64_t vtop[128];

			for (int i = 0; i < nh && i < 128; i++)
				vtop[i] = hits[i].rowid;
			hv = count_in(vtop, nh, etop, k);
			hs = count_in(stop, ns, etop, k);
			agree += count_in(vtop, nh, stop, ns) == nh && ns == nh;
		}
		hit_vx += hv;
		hit_sr += hs;
		min_vx = hv < min_vx ? hv : min_vx;
		min_sr = hs < min_sr ? hs : min_sr;
		/* the k-th and the (k+1)-th exact scores within 1e-6: a tie at the edge */
		ties += k >= 2 && esc[k - 2] - esc[k - 1] < 1e-6;
		if (hv < k)
			fprintf(stderr, "search_load: query %d \"%s\": %d of the exact top %d "
			    "(exact k-th score %.6f, vindex's last %.6f)\n", qi + 1, q, hv, k,
			    esc[k - 1], nh ? hits[nh - 1].score : 0.0);
	}
	printf("RECALL queries=%d k=%d vectors=%zu index_count=%lld kernel=%s "
	    "recall_vindex=%.4f recall_search=%.4f min_vindex=%ld min_search=%ld "
	    "search_agrees_vindex=%ld near_ties=%ld embed_us_p50=%.1f embed_us_p99=%.1f "
	    "vindex_ms_p50=%.3f vindex_ms_p99=%.3f search_ms_p50=%.3f search_ms_p99=%.3f "
	    "exact_scan_ms_p50=%.1f read_s=%.1f upsert_s=%.2f file_bytes=%lld "
	    "bytes_per_vector=%zu file_bytes_per_vector=%.1f dim=%d\n", nq, k, vs.n,
	    (long long)pxt_vindex_count(vx), pxt_vindex_kernel(vx, NULL),
	    (double)hit_vx / ((double)nq * k), (double)hit_sr / ((double)nq * k), min_vx,
	    min_sr, agree, ties, pct(embed_us, nq, 50), pct(embed_us, nq, 99),
	    pct(vx_ms, nq, 50), pct(vx_ms, nq, 99), pct(sr_ms, nq, 50), pct(sr_ms, nq, 99),
	    pct(scan_ms, nq, 50), read_s, upsert_s, (long long)st.st_size,
	    pxt_vindex_bytes_per_vector(ix.dim), vs.n ? (double)st.st_size / vs.n : 0.0,
	    ix.dim);
	rc = PXT_OK;
	goto out;
fail:
	rc = pxt_errcode();
	fprintf(stderr, "search_load: %s: %s\n", pxt_err_name(rc ? rc : PXT_EINTERNAL),
	    pxt_errmsg());
	if (rc == PXT_OK)
		rc = PXT_EINTERNAL;
out:
	pxt_vindex_close(vx);
	pxt_pool_free(pool);
	pxt_close(env);
	free(keys);
	free(qv);
	free(vs.rowid);
	free(vs.key);
	free(vs.v);
	free(embed_us);
	free(vx_ms);
	free(sr_ms);
	free(scan_ms);
	free(esc);
	free(etop);
	free(stop);
	free(hits);
	return rc == PXT_OK ? 0 : 1;
}

static int
usage(void)
{
	fprintf(stderr, "usage: search_load load [-d DOCS] [-s SECTIONS] [-b BATCH]\n"
	    "       search_load queries [-n N]\n"
	    "       search_load recall [-q QUERIES] [-k K] [-f FILE]\n");
	return 2;
}

static int
posint(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s != '\0' && *end == '\0' && v > 0 && v <= 10000000 ? (int)v : -1;
}

int
main(int argc, char **argv)
{
	int docs = 1000, sections = 100, batch = 10, n = 50, nq = 200, k = 10;
	const char *copy = NULL;

	if (argc < 2)
		return usage();
	for (int i = 2; i < argc; i += 2) {
		int v = i + 1 < argc ? posint(argv[i + 1]) : -1;

		if (strcmp(argv[i], "-f") == 0 && i + 1 < argc) {
			copy = argv[i + 1];
			continue;
		}
		if (v < 0)
			return usage();
		if (strcmp(argv[i], "-d") == 0)
			docs = v;
		else if (strcmp(argv[i], "-s") == 0)
			sections = v;
		else if (strcmp(argv[i], "-b") == 0)
			batch = v;
		else if (strcmp(argv[i], "-n") == 0)
			n = v;
		else if (strcmp(argv[i], "-q") == 0)
			nq = v;
		else if (strcmp(argv[i], "-k") == 0 && v <= 100)
			k = v;
		else
			return usage();
	}
	make_vocab();
	if (strcmp(argv[1], "load") == 0)
		return cmd_load(docs, sections, batch);
	if (strcmp(argv[1], "queries") == 0)
		return cmd_queries(n);
	if (strcmp(argv[1], "recall") == 0)
		return cmd_recall(nq, k, copy);
	return usage();
}
