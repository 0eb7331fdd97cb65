/*
 * test_vindex.c - the exact embedding index (app/lib/search/vindex_int.h): exact results per
 * metric, recall of the int8 scan against an exact float scan, changes, slot reuse,
 * growth, several handles and processes on one file, a killed writer's leftovers,
 * conflicting, truncated and corrupt files, filters and edge cases.
 */
#define _GNU_SOURCE

#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pxt_test.h"
#include "search/vindex_int.h"

static char dir[64];

static const char *
tpath(const char *name)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

/* splitmix64: the tests' own seeded generator */
static uint64_t
rnd_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
rnd_unit(uint64_t *s)
{
	return (double)(rnd_next(s) >> 11) / 9007199254740992.0;
}

/* A roughly normal number (mean 0, variance 1/3): the sum of 4 uniforms, less 2. */
static double
rnd_gauss(uint64_t *s)
{
	double x = 0;

	for (int i = 0; i < 4; i++)
		x += rnd_unit(s);
	return x - 2;
}

static void
rnd_vec(uint64_t *s, float *v, int dim, bool unit)
{
	double ss = 0;

	for (int i = 0; i < dim; i++) {
		v[i] = (float)rnd_gauss(s);
		ss += (double)v[i] * v[i];
	}
	if (unit) {
		double inv = 1 / pxt_vix_sqrt(ss);

		for (int i = 0; i < dim; i++)
			v[i] = (float)(v[i] * inv);
	}
}

static off_t
fsize(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 ? st.st_size : -1;
}

static bool
has_hit(const pxt_vhit *h, int n, int64_t rowid)
{
	for (int i = 0; i < n; i++)
		if (h[i].rowid == rowid)
			return true;
	return false;
}

/* Six 5-dim vectors, one query, three metrics, no ties. */
static void
test_exact_small(void)
{
	static const float v[6][5] = {
		{ 1, 0, 0, 0, 0 }, { 0, 1, 0, 0, 0 }, { 1, 1, 0, 0, 0 },
		{ -1, 0, 0, 0, 0 }, { 2, 0.1f, 0, 0, 0 }, { 0, 0, 0, 0, 3 },
	};
	static const float q[5] = { 1, 0.3f, 0, 0, 0 };
	static const struct {
		pxt_metric m;
		int64_t order[6];
		float score[6];
	} want[3] = {
		{ PXT_METRIC_COSINE, { 50, 10, 30, 20, 60, 40 },
		  { 0.97103f, 0.95783f, 0.88048f, 0.28735f, 0, -0.95783f } },
		{ PXT_METRIC_IP, { 50, 30, 10, 20, 60, 40 }, { 2.03f, 1.3f, 1, 0.3f, 0, -1 } },
		{ PXT_METRIC_L2, { 10, 30, 50, 20, 40, 60 },
		  { 0.3f, 0.7f, 1.01980f, 1.22066f, 2.02237f, 3.17648f } },
	};

	for (int t = 0; t < 3; t++) {
		char name[32];
		pxt_vindex *ix;
		pxt_vhit hits[8];
		int n = -1;

		snprintf(name, sizeof(name), "small%d.vix", t);
		PXT_CHECK_INT(pxt_vindex_open(tpath(name), 5, want[t].m, &ix), PXT_OK);
		for (int i = 0; i < 6; i++)
			PXT_CHECK_INT(pxt_vindex_upsert(ix, (i + 1) * 10, v[i]), PXT_OK);
		PXT_CHECK_INT(pxt_vindex_count(ix), 6);
		PXT_CHECK_INT(pxt_vindex_search(ix, q, 6, NULL, NULL, hits, &n), PXT_OK);
		PXT_CHECK_INT(n, 6);
		for (int i = 0; i < n && i < 6; i++) {
			PXT_CHECK_INT(hits[i].rowid, want[t].order[i]);
			PXT_CHECK(fabsf(hits[i].score - want[t].score[i]) < 1e-4f);
		}
		PXT_CHECK_INT(pxt_vindex_search(ix, q, 3, NULL, NULL, hits, &n), PXT_OK);
		PXT_CHECK_INT(n, 3);
		PXT_CHECK_INT(hits[2].rowid, want[t].order[2]);
		/* k larger than the count */
		PXT_CHECK_INT(pxt_vindex_search(ix, q, 50, NULL, NULL, hits, &n), PXT_OK);
		PXT_CHECK_INT(n, 6);
		pxt_vindex_close(ix);
	}
}

/* recall@10 of the int8 scan + re-rank against an exact double scan, every kernel */
static void
test_recall(void)
{
	enum { N = 20000, D = 384, Q = 20, K = 10 };
	static const char *kernels[] = { "scalar", "avx2", "avx512vnni" };
	float *data = malloc((size_t)N * D * sizeof(float)), q[D];
	pxt_vindex *ix;
	uint64_t seed = 42;
	int found = 0, total = 0;
	pxt_vhit ref[Q][K];

	PXT_CHECK(data != NULL);
	if (data == NULL)
		return;
	PXT_CHECK_INT(pxt_vindex_open(tpath("recall.vix"), D, PXT_METRIC_COSINE, &ix),
	    PXT_OK);
	PXT_CHECK_INT(pxt_vindex_lock(ix, true), PXT_OK);
	for (int i = 0; i < N; i++) {
		rnd_vec(&seed, data + (size_t)i * D, D, true);
		if (pxt_vindex_upsert(ix, i, data + (size_t)i * D) != PXT_OK)
			PXT_CHECK(!"upsert");
	}
	pxt_vindex_unlock(ix);
	PXT_CHECK_INT(pxt_vindex_count(ix), N);
	for (int t = 0; t < Q; t++) {
		double best[K];
		int64_t id[K];
		pxt_vhit hits[K];
		int n;

		rnd_vec(&seed, q, D, true);
		for (int j = 0; j < K; j++) {
			best[j] = -1e30;
			id[j] = -1;
		}
		for (int i = 0; i < N; i++) {
			double s = 0;
			int j;

			for (int d = 0; d < D; d++)
				s += (double)data[(size_t)i * D + d] * q[d];
			if (s <= best[K - 1])
				continue;
			for (j = K - 1; j > 0 && best[j - 1] < s; j--) {
				best[j] = best[j - 1];
				id[j] = id[j - 1];
			}
			best[j] = s;
			id[j] = i;
		}
		PXT_CHECK_INT(pxt_vindex_search(ix, q, K, NULL, NULL, hits, &n), PXT_OK);
		PXT_CHECK_INT(n, K);
		for (int j = 0; j < K; j++) {
			found += has_hit(hits, n, id[j]);
			total++;
		}
		/* the top hit is the exact best, and scores it so; another row may come first
		 * only when it ties the best within rounding */
		PXT_CHECK(fabs(hits[0].score - best[0]) < 1e-4);
		PXT_CHECK(hits[0].rowid == id[0] || fabs(best[0] - best[1]) < 1e-4);
		memcpy(ref[t], hits, sizeof(hits));
		/* every other kernel this CPU runs gives the very same hits */
		for (size_t k = 0; t < 5 && k < sizeof(kernels) / sizeof(kernels[0]); k++) {
			const char *was = pxt_vindex_kernel(ix, NULL);
			pxt_vhit h2[K];
			int n2;

			if (pxt_vindex_kernel(ix, kernels[k]) == NULL)
				continue;
			PXT_CHECK_INT(pxt_vindex_search(ix, q, K, NULL, NULL, h2, &n2), PXT_OK);
			PXT_CHECK_INT(n2, n);
			for (int j = 0; j < n && j < n2; j++)
				PXT_CHECK_INT(h2[j].rowid, hits[j].rowid);
			(void)pxt_vindex_kernel(ix, was);
		}
	}
	printf("recall@10 = %.4f over %d queries (kernel %s)\n", (double)found / total, Q,
	    pxt_vindex_kernel(ix, NULL));
	PXT_CHECK((double)found / total >= 0.99);
	pxt_vindex_close(ix);
	free(data);
}

/* the int8 kernels against each other on odd sizes (n not a multiple of 4) */
static void
test_kernels(void)
{
	enum { D = 200, N = 37 };
	static const char *kernels[] = { "scalar", "avx2", "avx512vnni" };
	pxt_vindex *ix;
	int8_t *codes = aligned_alloc(64, 256 * N);
	struct pxt_vaux aux[N];
	float f[256];
	int32_t ref[N], out[N], qsum;
	float qs;
	uint64_t seed = 7;

	PXT_CHECK_INT(pxt_vindex_open(tpath("kern.vix"), D, PXT_METRIC_IP, &ix), PXT_OK);
	PXT_CHECK_INT((int)ix->dimp, 256);
	for (int i = 0; i < N; i++) {
		memset(f, 0, sizeof(f));
		rnd_vec(&seed, f, D, false);
		pxt_vix_quantize(f, D, ix->dimp, codes + (size_t)i * ix->dimp, &aux[i].scale,
		    &aux[i].csum);
	}
	rnd_vec(&seed, f, D, false);
	pxt_vix_quantize(f, D, ix->dimp, ix->qc, &qs, &qsum);
	for (size_t i = 0; i < ix->dimp; i++)
		ix->qu[i] = (uint8_t)(ix->qc[i] + 128);
	for (int i = 0; i < N; i++) {
		int32_t s = 0;

		for (int d = 0; d < D; d++)
			s += codes[(size_t)i * ix->dimp + d] * ix->qc[d];
		ref[i] = s;
	}
	for (size_t k = 0; k < sizeof(kernels) / sizeof(kernels[0]); k++) {
		if (pxt_vindex_kernel(ix, kernels[k]) == NULL) {
			printf("kernel %s: not on this CPU\n", kernels[k]);
			continue;
		}
		memset(out, 0, sizeof(out));
		ix->dots(codes, ix->dimp, N, aux, ix->qc, ix->qu, out);
		PXT_CHECK(memcmp(out, ref, sizeof(ref)) == 0);
	}
	PXT_CHECK(pxt_vindex_kernel(ix, "nosuch") == NULL);
	pxt_vindex_close(ix);
	free(codes);
}

static bool
keep_even(int64_t rowid, void *ud)
{
	(*(int *)ud)++;
	return rowid % 2 == 0;
}

/* replace, remove, reuse, grow, filter, mark, clear, the edge cases of a search */
static void
test_changes(void)
{
	enum { D = 8 };
	float v[D], w[D], zero[D] = { 0 };
	pxt_vindex *ix;
	pxt_vhit hits[64];
	uint64_t seed = 3;
	int n, calls = 0;
	off_t sz;

	PXT_CHECK_INT(pxt_vindex_open(tpath("chg.vix"), D, PXT_METRIC_L2, &ix), PXT_OK);
	/* empty index */
	rnd_vec(&seed, v, D, false);
	PXT_CHECK_INT(pxt_vindex_search(ix, v, 5, NULL, NULL, hits, &n), PXT_OK);
	PXT_CHECK_INT(n, 0);
	PXT_CHECK_INT(pxt_vindex_count(ix), 0);
	PXT_CHECK_INT(fsize(tpath("chg.vix")), 4096);
	/* replace */
	rnd_vec(&seed, w, D, false);
	PXT_CHECK_INT(pxt_vindex_upsert(ix, 7, v), PXT_OK);
	PXT_CHECK_INT(pxt_vindex_upsert(ix, 7, w), PXT_OK);
	PXT_CHECK_INT(pxt_vindex_count(ix), 1);
	PXT_CHECK_INT(pxt_vindex_search(ix, w, 5, NULL, NULL, hits, &n), PXT_OK);
	PXT_CHECK_INT(n, 1);
	PXT_CHECK_INT(hits[0].rowid, 7);
	PXT_CHECK(hits[0].score < 1e-5f);
	/* remove; absent is fine */
	PXT_CHECK_INT(pxt_vindex_remove(ix, 7), PXT_OK);
	PXT_CHECK_INT(pxt_vindex_remove(ix, 7), PXT_OK);
	PXT_CHECK_INT(pxt_vindex_remove(ix, 12345), PXT_OK);
	PXT_CHECK_INT(pxt_vindex_count(ix), 0);
	PXT_CHECK_INT(pxt_vindex_search(ix, w, 5, NULL, NULL, hits, &n), PXT_OK);
	PXT_CHECK_INT(n, 0);
	/* growth across many chunks: every vector is its own nearest */
	enum { G = 5 * PXT_VIX_CHUNK + 100 };
	float *g = malloc((size_t)G * D * sizeof(float));

	PXT_CHECK_INT(pxt_vindex_lock(ix, true), PXT_OK);
	for (int i = 0; i < G; i++) {
		rnd_vec(&seed, g + (size_t)i * D, D, false);
		if (pxt_vindex_upsert(ix, 1000 + i, g + (size_t)i * D) != PXT_OK)
			PXT_CHECK(!"upsert");
	}
	pxt_vindex_unlock(ix);
	PXT_CHECK_INT(pxt_vindex_count(ix), G);
	sz = fsize(tpath("chg.vix"));
	PXT_CHECK_INT(sz, 4096 + 6 * PXT_VIX_CHUNK * (off_t)pxt_vindex_bytes_per_vector(D));
	for (int i = 0; i < G; i += 97) {
		PXT_CHECK_INT(pxt_vindex_search(ix, g + (size_t)i * D, 1, NULL, NULL, hits, &n),
		    PXT_OK);
		PXT_CHECK_INT(n, 1);
		PXT_CHECK_INT(hits[0].rowid, 1000 + i);
	}
	/* slot reuse: remove 300, add 300 others: the file does not grow */
	for (int i = 0; i < 300; i++)
		PXT_CHECK_INT(pxt_vindex_remove(ix, 1000 + 3 * i), PXT_OK);
	PXT_CHECK_INT(pxt_vindex_count(ix), G - 300);
	for (int i = 0; i < 300; i++)
		PXT_CHECK_INT(pxt_vindex_upsert(ix, 900000 + i, g + (size_t)i * D), PXT_OK);
	PXT_CHECK_INT(pxt_vindex_count(ix), G);
	PXT_CHECK_INT(ix->used, G);
	PXT_CHECK_INT(fsize(tpath("chg.vix")), sz);
	PXT_CHECK_INT(pxt_vindex_search(ix, g, 1, NULL, NULL, hits, &n), PXT_OK);
	PXT_CHECK_INT(hits[0].rowid, 900000);
	/* the keep filter */
	PXT_CHECK_INT(pxt_vindex_search(ix, g + 5 * D, 20, keep_even, &calls, hits, &n),
	    PXT_OK);
	PXT_CHECK_INT(n, 20);
	PXT_CHECK(calls >= 20 && calls < G);
	for (int i = 0; i < n; i++)
		PXT_CHECK(hits[i].rowid % 2 == 0);
	for (int i = 1; i < n; i++)
		PXT_CHECK(hits[i].score >= hits[i - 1].score);
	/* zero query (L2: the vectors nearest the origin) */
	PXT_CHECK_INT(pxt_vindex_search(ix, zero, 3, NULL, NULL, hits, &n), PXT_OK);
	PXT_CHECK_INT(n, 3);
	PXT_CHECK(hits[0].score <= hits[1].score && hits[0].score > 0);
	/* bad input */
	w[3] = NAN;
	PXT_CHECK_INT(pxt_vindex_upsert(ix, 1, w), PXT_EINVAL);
	PXT_CHECK_INT(pxt_vindex_search(ix, w, 3, NULL, NULL, hits, &n), PXT_EINVAL);
	w[3] = INFINITY;
	PXT_CHECK_INT(pxt_vindex_search(ix, w, 3, NULL, NULL, hits, &n), PXT_EINVAL);
	PXT_CHECK_INT(pxt_vindex_upsert(ix, INT64_MIN, v), PXT_EINVAL);
	PXT_CHECK_INT(pxt_vindex_search(ix, v, 0, NULL, NULL, hits, &n), PXT_EINVAL);
	/* locks: twice, or a change under the shared one */
	PXT_CHECK_INT(pxt_vindex_lock(ix, false), PXT_OK);
	PXT_CHECK_INT(pxt_vindex_lock(ix, false), PXT_EINVAL);
	PXT_CHECK_INT(pxt_vindex_upsert(ix, 1, v), PXT_EINVAL);
	PXT_CHECK_INT(pxt_vindex_search(ix, v, 3, NULL, NULL, hits, &n), PXT_OK);
	pxt_vindex_unlock(ix);
	/* the watermark */
	PXT_CHECK_INT(pxt_vindex_mark(ix), 0);
	PXT_CHECK_INT(pxt_vindex_set_mark(ix, 0x123456789abcULL), PXT_OK);
	PXT_CHECK_INT(pxt_vindex_flush(ix), PXT_OK);
	pxt_vindex_close(ix);
	PXT_CHECK_INT(pxt_vindex_open(tpath("chg.vix"), D, PXT_METRIC_L2, &ix), PXT_OK);
	PXT_CHECK_INT(pxt_vindex_mark(ix), 0x123456789abcULL);
	PXT_CHECK_INT(pxt_vindex_count(ix), G);
	/* clear */
	PXT_CHECK_INT(pxt_vindex_clear(ix), PXT_OK);
	PXT_CHECK_INT(pxt_vindex_count(ix), 0);
	PXT_CHECK_INT(fsize(tpath("chg.vix")), 4096);
	PXT_CHECK_INT(pxt_vindex_mark(ix), 0x123456789abcULL);
	PXT_CHECK_INT(pxt_vindex_search(ix, v, 3, NULL, NULL, hits, &n), PXT_OK);
	PXT_CHECK_INT(n, 0);
	PXT_CHECK_INT(pxt_vindex_upsert(ix, 5, v), PXT_OK);
	PXT_CHECK_INT(pxt_vindex_search(ix, v, 3, NULL, NULL, hits, &n), PXT_OK);
	PXT_CHECK_INT(n, 1);
	pxt_vindex_close(ix);
	free(g);
}

/* the zero query and zero vectors under cosine and IP: score 0, no failure */
static void
test_zero(void)
{
	float a[3] = { 1, 2, 3 }, z[3] = { 0, 0, 0 };
	pxt_vindex *ix;
	pxt_vhit hits[4];
	int n;

	for (int m = 0; m < 2; m++) {
		PXT_CHECK_INT(pxt_vindex_open(tpath(m ? "zero_ip.vix" : "zero_cos.vix"), 3,
		    m ? PXT_METRIC_IP : PXT_METRIC_COSINE, &ix), PXT_OK);
		PXT_CHECK_INT(pxt_vindex_upsert(ix, 1, a), PXT_OK);
		PXT_CHECK_INT(pxt_vindex_upsert(ix, 2, z), PXT_OK);
		PXT_CHECK_INT(pxt_vindex_search(ix, z, 4, NULL, NULL, hits, &n), PXT_OK);
		PXT_CHECK_INT(n, 2);
		PXT_CHECK(hits[0].score == 0 && hits[1].score == 0);
		PXT_CHECK_INT(pxt_vindex_search(ix, a, 4, NULL, NULL, hits, &n), PXT_OK);
		PXT_CHECK_INT(n, 2);
		PXT_CHECK_INT(hits[0].rowid, 1);
		PXT_CHECK(fabsf(hits[0].score - (m ? 14.0f : 1.0f)) < 1e-4f);
		PXT_CHECK(hits[1].score == 0);
		pxt_vindex_close(ix);
	}
}

/* two handles and a child process on one file */
static void
test_shared(void)
{
	enum { D = 384 };
	float v[D];
	pxt_vindex *a, *b;
	pxt_vhit hits[4];
	uint64_t seed = 11;
	int n, status;
	pid_t pid;

	PXT_CHECK_INT(pxt_vindex_open(tpath("shared.vix"), D, PXT_METRIC_IP, &a), PXT_OK);
	PXT_CHECK_INT(pxt_vindex_open(tpath("shared.vix"), D, PXT_METRIC_IP, &b), PXT_OK);
	rnd_vec(&seed, v, D, true);
	PXT_CHECK_INT(pxt_vindex_search(b, v, 3, NULL, NULL, hits, &n), PXT_OK);
	PXT_CHECK_INT(n, 0);
	/* a grows the file past b's mapping (4 chunks of 2 MB): b remaps */
	PXT_CHECK_INT(pxt_vindex_lock(a, true), PXT_OK);
	for (int i = 0; i < 4 * PXT_VIX_CHUNK; i++) {
		float u[D];

		rnd_vec(&seed, u, D, true);
		if (pxt_vindex_upsert(a, i, u) != PXT_OK)
			PXT_CHECK(!"upsert");
	}
	PXT_CHECK_INT(pxt_vindex_upsert(a, 777777, v), PXT_OK);
	pxt_vindex_unlock(a);
	PXT_CHECK_INT(pxt_vindex_search(b, v, 3, NULL, NULL, hits, &n), PXT_OK);
	PXT_CHECK_INT(n, 3);
	PXT_CHECK_INT(hits[0].rowid, 777777);
	PXT_CHECK(b->map_len >= 4096 + 5 * b->chunk_bytes);
	/* b writes (its map is rebuilt: a changed the file), a sees it */
	PXT_CHECK_INT(pxt_vindex_remove(b, 777777), PXT_OK);
	PXT_CHECK_INT(pxt_vindex_count(a), 4 * PXT_VIX_CHUNK);
	PXT_CHECK_INT(pxt_vindex_search(a, v, 3, NULL, NULL, hits, &n), PXT_OK);
	PXT_CHECK(!has_hit(hits, n, 777777));
	/* a writes again after b: a's map is stale and rebuilt, no duplicate */
	PXT_CHECK_INT(pxt_vindex_upsert(a, 5, v), PXT_OK);
	PXT_CHECK_INT(pxt_vindex_count(b), 4 * PXT_VIX_CHUNK);
	/* a child process upserts; the parent's handle sees it without reopening */
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		pxt_vindex *c;
		float u[D];
		uint64_t s2 = 99;

		rnd_vec(&s2, u, D, true);
		if (pxt_vindex_open(tpath("shared.vix"), D, PXT_METRIC_IP, &c) != PXT_OK ||
		    pxt_vindex_upsert(c, 424242, u) != PXT_OK ||
		    pxt_vindex_remove(c, 5) != PXT_OK)
			_exit(1);
		pxt_vindex_close(c);
		_exit(0);
	}
	PXT_CHECK(pid > 0);
	PXT_CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0);
	{
		float u[D];
		uint64_t s2 = 99;

		rnd_vec(&s2, u, D, true);
		PXT_CHECK_INT(pxt_vindex_search(b, u, 1, NULL, NULL, hits, &n), PXT_OK);
		PXT_CHECK_INT(n, 1);
		PXT_CHECK_INT(hits[0].rowid, 424242);
		PXT_CHECK_INT(pxt_vindex_search(a, v, 3, NULL, NULL, hits, &n), PXT_OK);
		PXT_CHECK(!has_hit(hits, n, 5));
	}
	PXT_CHECK_INT(pxt_vindex_count(a), 4 * PXT_VIX_CHUNK);
	/* a rebuild renamed over the path: both handles switch to it */
	{
		pxt_vindex *c;

		PXT_CHECK_INT(pxt_vindex_open(tpath("shared.vix.new"), D, PXT_METRIC_IP, &c),
		    PXT_OK);
		PXT_CHECK_INT(pxt_vindex_upsert(c, 31337, v), PXT_OK);
		pxt_vindex_close(c);
		char from[128];

		snprintf(from, sizeof(from), "%s", tpath("shared.vix.new"));
		PXT_CHECK(rename(from, tpath("shared.vix")) == 0);
		PXT_CHECK_INT(pxt_vindex_search(b, v, 3, NULL, NULL, hits, &n), PXT_OK);
		PXT_CHECK_INT(n, 1);
		PXT_CHECK_INT(hits[0].rowid, 31337);
		PXT_CHECK_INT(pxt_vindex_count(a), 1);
	}
	pxt_vindex_close(a);
	pxt_vindex_close(b);
}

/* What a writer killed between publishing a replacement and freeing the old slot
 * leaves: readers see the rowid once, the next writer repairs the file. */
static void
test_killed_writer(void)
{
	enum { D = 16 };
	float v[D], w[D];
	pxt_vindex *a, *b;
	struct pxt_vhdr *h;
	pxt_vhit hits[8];
	uint64_t seed = 5, s;
	int n;

	PXT_CHECK_INT(pxt_vindex_open(tpath("killed.vix"), D, PXT_METRIC_COSINE, &a),
	    PXT_OK);
	PXT_CHECK_INT(pxt_vindex_open(tpath("killed.vix"), D, PXT_METRIC_COSINE, &b),
	    PXT_OK);
	for (int i = 0; i < 5; i++) {
		rnd_vec(&seed, v, D, true);
		PXT_CHECK_INT(pxt_vindex_upsert(a, i, v), PXT_OK);
	}
	/* rowid 2 replaced by w in slot 5, the old slot 2 not yet freed, dirty left */
	rnd_vec(&seed, w, D, true);
	PXT_CHECK_INT(pxt_vindex_lock(a, true), PXT_OK);
	h = pxt_vix_hdr(a);
	s = a->used;
	h->j_rowid = 2;
	h->j_old = 2;
	h->dirty = 1;
	PXT_CHECK_INT(pxt_vix_prepare(a, w, pxt_vix_vec(a, s), &pxt_vix_aux(a, s)->sqnorm),
	    PXT_OK);
	pxt_vix_quantize(pxt_vix_vec(a, s), D, a->dimp, pxt_vix_codes(a, s),
	    &pxt_vix_aux(a, s)->scale, &pxt_vix_aux(a, s)->csum);
	*pxt_vix_rowid(a, s) = 2;
	h->used = s + 1;
	pxt_vindex_unlock(a);
	/* a reader: the rowid once */
	PXT_CHECK_INT(pxt_vindex_search(b, w, 8, NULL, NULL, hits, &n), PXT_OK);
	PXT_CHECK_INT(n, 5);
	PXT_CHECK_INT(hits[0].rowid, 2);
	for (int i = 1; i < n; i++)
		PXT_CHECK(hits[i].rowid != 2);
	/* the next writer repairs: the new vector stays, the old slot is free */
	PXT_CHECK_INT(pxt_vindex_lock(b, true), PXT_OK);
	PXT_CHECK_INT(pxt_vix_hdr(b)->dirty, 0);
	PXT_CHECK_INT(pxt_vix_hdr(b)->count, 5);
	PXT_CHECK_INT(*pxt_vix_rowid(b, 2), PXT_VIX_FREE);
	PXT_CHECK_INT(*pxt_vix_rowid(b, s), 2);
	pxt_vindex_unlock(b);
	PXT_CHECK_INT(pxt_vindex_search(a, w, 8, NULL, NULL, hits, &n), PXT_OK);
	PXT_CHECK_INT(n, 5);
	PXT_CHECK_INT(hits[0].rowid, 2);
	PXT_CHECK(hits[0].score > 0.999f);
	/* a's map is stale: the next upsert of 2 replaces, no third copy */
	PXT_CHECK_INT(pxt_vindex_upsert(a, 2, v), PXT_OK);
	PXT_CHECK_INT(pxt_vindex_count(b), 5);
	pxt_vindex_close(a);
	pxt_vindex_close(b);
}

static void
write_at(const char *p, off_t off, const void *data, size_t len)
{
	int fd = open(p, O_WRONLY);

	PXT_CHECK(fd >= 0 && pwrite(fd, data, len, off) == (ssize_t)len);
	if (fd >= 0)
		close(fd);
}

/* other dim or metric, truncated, corrupt: PXT_ECONFLICT, never a crash */
static void
test_bad_files(void)
{
	enum { D = 32 };
	float v[D];
	pxt_vindex *ix, *other;
	pxt_vhit hits[8];
	uint64_t seed = 9, big = 1ULL << 40;
	const char *p = tpath("bad.vix");
	char junk[100];
	int n;

	PXT_CHECK_INT(pxt_vindex_open(p, D, PXT_METRIC_IP, &ix), PXT_OK);
	for (int i = 0; i < 2000; i++) {
		rnd_vec(&seed, v, D, false);
		PXT_CHECK_INT(pxt_vindex_upsert(ix, i, v), PXT_OK);
	}
	pxt_vindex_close(ix);
	other = (pxt_vindex *)1;
	PXT_CHECK_INT(pxt_vindex_open(p, D + 1, PXT_METRIC_IP, &other), PXT_ECONFLICT);
	PXT_CHECK(other == NULL);
	PXT_CHECK(strstr(pxt_errmsg(), "dim 32") != NULL);
	PXT_CHECK_INT(pxt_vindex_open(p, D, PXT_METRIC_L2, &other), PXT_ECONFLICT);
	PXT_CHECK_INT(pxt_vindex_open(p, 0, PXT_METRIC_L2, &other), PXT_EINVAL);
	PXT_CHECK_INT(pxt_vindex_open(p, D, (pxt_metric)9, &other), PXT_EINVAL);

	/* truncated under an open handle: its next search says so */
	PXT_CHECK_INT(pxt_vindex_open(p, D, PXT_METRIC_IP, &ix), PXT_OK);
	PXT_CHECK(truncate(p, 4096 + pxt_vindex_bytes_per_vector(D) * 1500) == 0);
	PXT_CHECK_INT(pxt_vindex_search(ix, v, 3, NULL, NULL, hits, &n), PXT_ECONFLICT);
	PXT_CHECK_INT(n, 0);
	PXT_CHECK_INT(pxt_vindex_count(ix), -1);
	PXT_CHECK_INT(pxt_vindex_upsert(ix, 1, v), PXT_ECONFLICT);
	pxt_vindex_close(ix);
	PXT_CHECK_INT(pxt_vindex_open(p, D, PXT_METRIC_IP, &ix), PXT_ECONFLICT);
	PXT_CHECK(truncate(p, 100) == 0);
	PXT_CHECK_INT(pxt_vindex_open(p, D, PXT_METRIC_IP, &ix), PXT_ECONFLICT);

	/* a torn header: capacity beyond the file, counts that do not add up */
	PXT_CHECK(unlink(p) == 0);
	PXT_CHECK_INT(pxt_vindex_open(p, D, PXT_METRIC_IP, &ix), PXT_OK);
	for (int i = 0; i < 100; i++) {
		rnd_vec(&seed, v, D, false);
		PXT_CHECK_INT(pxt_vindex_upsert(ix, i, v), PXT_OK);
	}
	write_at(p, offsetof(struct pxt_vhdr, capacity), &big, sizeof(big));
	PXT_CHECK_INT(pxt_vindex_search(ix, v, 3, NULL, NULL, hits, &n), PXT_ECONFLICT);
	PXT_CHECK_INT(pxt_vindex_open(p, D, PXT_METRIC_IP, &other), PXT_ECONFLICT);
	big = PXT_VIX_CHUNK;
	write_at(p, offsetof(struct pxt_vhdr, capacity), &big, sizeof(big));
	PXT_CHECK_INT(pxt_vindex_search(ix, v, 3, NULL, NULL, hits, &n), PXT_OK);
	big = PXT_VIX_CHUNK + 1;
	write_at(p, offsetof(struct pxt_vhdr, used), &big, sizeof(big));
	PXT_CHECK_INT(pxt_vindex_search(ix, v, 3, NULL, NULL, hits, &n), PXT_ECONFLICT);
	big = 100;
	write_at(p, offsetof(struct pxt_vhdr, used), &big, sizeof(big));
	big = 101;
	write_at(p, offsetof(struct pxt_vhdr, count), &big, sizeof(big));
	PXT_CHECK_INT(pxt_vindex_search(ix, v, 3, NULL, NULL, hits, &n), PXT_ECONFLICT);
	big = 100;
	write_at(p, offsetof(struct pxt_vhdr, count), &big, sizeof(big));
	PXT_CHECK_INT(pxt_vindex_search(ix, v, 3, NULL, NULL, hits, &n), PXT_OK);
	PXT_CHECK_INT(n, 3);

	/* garbage in the slots (a valid header): answers, never a crash */
	{
		size_t len = PXT_VIX_CHUNK * pxt_vindex_bytes_per_vector(D);
		unsigned char *g = malloc(len);

		for (size_t i = 0; i < len; i++)
			g[i] = (unsigned char)rnd_next(&seed);
		write_at(p, 4096, g, len);
		free(g);
		PXT_CHECK_INT(pxt_vindex_search(ix, v, 8, NULL, NULL, hits, &n), PXT_OK);
		PXT_CHECK(n >= 0 && n <= 8);
		PXT_CHECK_INT(pxt_vindex_upsert(ix, 5, v), PXT_OK);
		PXT_CHECK_INT(pxt_vindex_remove(ix, 6), PXT_OK);
	}
	/* bad magic, other format version */
	write_at(p, 0, "NOTANIDX", 8);
	PXT_CHECK_INT(pxt_vindex_search(ix, v, 3, NULL, NULL, hits, &n), PXT_ECONFLICT);
	PXT_CHECK_INT(pxt_vindex_open(p, D, PXT_METRIC_IP, &other), PXT_ECONFLICT);
	PXT_CHECK(strstr(pxt_errmsg(), "not a vector index") != NULL);
	write_at(p, 0, "PXTVIDX\n", 8);
	write_at(p, offsetof(struct pxt_vhdr, version), &(uint32_t){ 2 }, 4);
	PXT_CHECK_INT(pxt_vindex_open(p, D, PXT_METRIC_IP, &other), PXT_ECONFLICT);
	pxt_vindex_close(ix);

	/* a short file of junk */
	memset(junk, 'x', sizeof(junk));
	PXT_CHECK(unlink(p) == 0);
	{
		int fd = open(p, O_CREAT | O_WRONLY, 0600);

		PXT_CHECK(fd >= 0 && write(fd, junk, sizeof(junk)) == (ssize_t)sizeof(junk));
		close(fd);
	}
	PXT_CHECK_INT(pxt_vindex_open(p, D, PXT_METRIC_IP, &ix), PXT_ECONFLICT);
	/* an empty file (its creator died before the header): made anew */
	PXT_CHECK(truncate(p, 0) == 0);
	PXT_CHECK_INT(pxt_vindex_open(p, D, PXT_METRIC_IP, &ix), PXT_OK);
	PXT_CHECK_INT(pxt_vindex_count(ix), 0);
	pxt_vindex_close(ix);
}

static void
cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/pxt-vindex-XXXXXX",
	    tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_exact_small();
	test_kernels();
	test_zero();
	test_changes();
	test_killed_writer();
	test_bad_files();
	test_shared();
	test_recall();
	cleanup();
	return pxt_test_done();
}
