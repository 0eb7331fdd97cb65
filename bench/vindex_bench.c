/*
 * vindex_bench.c - the exact embedding index (app/lib/search/vindex_int.h) on synthetic
 * embeddings; bench/vindex_bench.sh builds and runs it.
 *
 * Data: C random unit centers, each of the N vectors a center plus Gaussian noise
 * (sigma per component), normalized; queries the same way from random centers, so a
 * query has close neighbours and many near-ties, as real embeddings have. Seeded:
 * every run builds the same index.
 *
 * Steps, each printed as one machine-readable line on stdout:
 *   BENCH build      N upserts into a new file under one exclusive lock; the file's
 *                    size and bytes per vector
 *   BENCH cold       the first search of a fresh handle (maps the file, faults it in)
 *   BENCH latency    Q searches (top-k) one after another, one process, per kernel
 *                    this CPU runs: p50, p90, p99, max, mean (ms)
 *   BENCH recall     recall@k of the first R queries against an exact float scan
 *   BENCH throughput P processes, each its own handle (as FastCGI workers), searching
 *                    random queries for S seconds: searches per second, p50, p99;
 *                    rate=max back to back (closed loop), rate=fixed at RATE searches
 *                    per second in all (open loop: timed from when each was due)
 *   BENCH memory     this process's RssAnon (private: mostly the bench's own
 *                    float copy of the data), RssFile and Pss_File; each throughput
 *                    line gives the same for the searchers (the largest of them)
 *
 *	vindex_bench [-n N] [-d DIM] [-c CENTERS] [-q Q] [-r R] [-k K] [-s SECONDS]
 *	    [-p PROCS[,PROCS...]] [-R RATE] [-m cosine|ip|l2] FILE
 *
 * Defaults: -n 100000 -d 384 -c 1000 -q 1000 -r 200 -k 10 -s 5 -p 2,16 -R 200 (0: no
 * fixed-rate run) -m cosine.
 *
 * FILE must not exist (it is created, and left for the caller to remove). Exit 0, 1 on
 * a failure, 2 on misuse.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "search/vindex_int.h"

static int N = 100000, DIM = 384, CENTERS = 1000, Q = 1000, R = 200, K = 10, SECS = 5;
static double SIGMA = 0.03, RATE = 200;
static pxt_metric METRIC = PXT_METRIC_COSINE;

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

static double
rnd_gauss(uint64_t *s)
{
	double x = 0;

	for (int i = 0; i < 12; i++)
		x += rnd_unit(s);
	return x - 6;
}

static void
normalize(float *v)
{
	double ss = 0;

	for (int i = 0; i < DIM; i++)
		ss += (double)v[i] * v[i];
	if (ss > 0) {
		double inv = 1 / pxt_vix_sqrt(ss);

		for (int i = 0; i < DIM; i++)
			v[i] = (float)(v[i] * inv);
	}
}

/* v = centers[random] + noise, normalized */
static void
sample(uint64_t *s, const float *centers, float *v)
{
	const float *c = centers + (size_t)(rnd_next(s) % (uint64_t)CENTERS) * DIM;

	for (int i = 0; i < DIM; i++)
		v[i] = c[i] + (float)(SIGMA * rnd_gauss(s));
	normalize(v);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* nearest rank */
static double
pct(const double *sorted, int n, double p)
{
	int i = (int)(p * (n - 1) + 0.5);

	return n > 0 ? sorted[i] : 0;
}

static void
summary(const char *what, const char *extra, double *ms, int n)
{
	double sum = 0;

	qsort(ms, (size_t)n, sizeof(double), cmp_double);
	for (int i = 0; i < n; i++)
		sum += ms[i];
	printf("BENCH %s %s n=%d p50=%.3f p90=%.3f p99=%.3f max=%.3f mean=%.3f\n", what,
	    extra, n, pct(ms, n, 0.5), pct(ms, n, 0.9), pct(ms, n, 0.99),
	    n ? ms[n - 1] : 0, n ? sum / n : 0);
}

static void
die(const char *what)
{
	fprintf(stderr, "vindex_bench: %s: %s\n", what, pxt_errmsg());
	exit(1);
}

/* RssAnon, RssFile and Pss_File (the file pages' share: divided by the number of
 * processes mapping each page) of this process, kB; -1 when unknown. */
static void
rss(long *anon, long *file, long *pss_file)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	*anon = *file = *pss_file = -1;
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "RssAnon: %ld", anon);
		sscanf(line, "RssFile: %ld", file);
	}
	fclose(f);
	if ((f = fopen("/proc/self/smaps_rollup", "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		sscanf(line, "Pss_File: %ld", pss_file);
	fclose(f);
}

/* The exact top-k ids of q over data (float dot, or minus the squared distance). */
static void
exact_topk(const float *data, const float *q, int64_t *id)
{
	double *best = malloc((size_t)K * sizeof(double));

	for (int j = 0; j < K; j++) {
		best[j] = -1e300;
		id[j] = -1;
	}
	for (int i = 0; i < N; i++) {
		const float *v = data + (size_t)i * DIM;
		float acc = 0;
		double s;
		int j;

		if (METRIC == PXT_METRIC_L2)
			for (int d = 0; d < DIM; d++)
				acc += (v[d] - q[d]) * (v[d] - q[d]);
		else
			for (int d = 0; d < DIM; d++)
				acc += v[d] * q[d];
		s = METRIC == PXT_METRIC_L2 ? -acc : acc;
		if (s <= best[K - 1])
			continue;
		for (j = K - 1; j > 0 && best[j - 1] < s; j--) {
			best[j] = best[j - 1];
			id[j] = id[j - 1];
		}
		best[j] = s;
		id[j] = i;
	}
	free(best);
}

/* One searcher process of the throughput run: its own handle, SECS seconds. */
static void
searcher(const char *path, const float *centers, int who, int procs, double rate, int fd)
{
	pxt_vindex *ix;
	pxt_vhit *hits = malloc((size_t)K * sizeof(pxt_vhit));
	float *q = malloc((size_t)DIM * sizeof(float));
	uint64_t seed = 1000 + (uint64_t)who;
	size_t cap = 1 << 16, n = 0;
	double *lat = malloc(cap * sizeof(double)), end;
	long mem[3];
	int nh;

	if (pxt_vindex_open(path, DIM, METRIC, &ix) != PXT_OK)
		die("open");
	end = now_ms() + SECS * 1e3;
	if (rate > 0) {
		/* open loop: searches at fixed times, timed from when they were due */
		double every = procs * 1e3 / rate, due = now_ms() + every * who / procs;

		for (; due < end; due += every) {
			double w = due - now_ms();

			if (w > 0) {
				struct timespec ts = { (time_t)(w / 1e3),
				    (long)((w - (time_t)(w / 1e3) * 1e3) * 1e6) };

				nanosleep(&ts, NULL);
			}
			sample(&seed, centers, q);
			if (pxt_vindex_search(ix, q, K, NULL, NULL, hits, &nh) != PXT_OK ||
			    nh != K)
				die("search");
			if (n < cap)
				lat[n++] = now_ms() - due;
		}
	} else {
		for (double t0 = now_ms(); t0 < end; t0 = now_ms()) {
			sample(&seed, centers, q);
			if (pxt_vindex_search(ix, q, K, NULL, NULL, hits, &nh) != PXT_OK ||
			    nh != K)
				die("search");
			if (n < cap)
				lat[n++] = now_ms() - t0;
		}
	}
	/* its memory (read while the others still map the file too) and latencies go to
	 * the parent through the pipe */
	rss(&mem[0], &mem[1], &mem[2]);
	nanosleep(&(struct timespec){ 0, 300000000 }, NULL);
	if (write(fd, mem, sizeof(mem)) != (ssize_t)sizeof(mem) ||
	    write(fd, &n, sizeof(n)) != (ssize_t)sizeof(n) ||
	    write(fd, lat, n * sizeof(double)) != (ssize_t)(n * sizeof(double)))
		_exit(1);
	pxt_vindex_close(ix);
	_exit(0);
}

static void
throughput(const char *path, const float *centers, int procs, double rate)
{
	size_t total = 0, cap = 0;
	double *all = NULL;
	long anon = 0, file = 0, pss = 0;
	char extra[200];
	int ok = 1;
	pid_t pids[256];
	int fds[256];

	for (int p = 0; p < procs; p++) {
		int pfd[2];

		if (pipe(pfd) != 0)
			exit(1);
		fflush(NULL);
		pids[p] = fork();
		if (pids[p] == 0) {
			close(pfd[0]);
			searcher(path, centers, p, procs, rate, pfd[1]);
		}
		close(pfd[1]);
		fds[p] = pfd[0];
	}
	for (int p = 0; p < procs; p++) {
		size_t n = 0, got = 0;
		int st;

		long mem[3];

		if (read(fds[p], mem, sizeof(mem)) != (ssize_t)sizeof(mem) ||
		    read(fds[p], &n, sizeof(n)) != (ssize_t)sizeof(n))
			ok = 0;
		else {
			all = realloc(all, (cap = total + n) * sizeof(double));
			while (got < n * sizeof(double)) {
				ssize_t r = read(fds[p], (char *)(all + total) + got,
				    n * sizeof(double) - got);

				if (r <= 0)
					break;
				got += (size_t)r;
			}
			total += got / sizeof(double);
			if (mem[0] > anon)
				anon = mem[0];
			if (mem[1] > file)
				file = mem[1];
			if (mem[2] > pss)
				pss = mem[2];
		}
		close(fds[p]);
		if (waitpid(pids[p], &st, 0) != pids[p] || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)
			ok = 0;
	}
	(void)cap;
	if (!ok) {
		fprintf(stderr, "vindex_bench: a searcher failed\n");
		exit(1);
	}
	snprintf(extra, sizeof(extra), "procs=%d rate=%s seconds=%d qps=%.1f "
	    "searcher_max_rss_anon_kb=%ld searcher_max_rss_file_kb=%ld "
	    "searcher_max_pss_file_kb=%ld", procs, rate > 0 ? "fixed" : "max", SECS,
	    (double)total / SECS, anon, file, pss);
	summary("throughput", extra, all, (int)total);
	free(all);
}

static void
usage(void)
{
	fprintf(stderr, "usage: vindex_bench [-n N] [-d DIM] [-c CENTERS] [-q Q] [-r R] "
	    "[-k K] [-s SECONDS] [-p PROCS[,PROCS...]] [-R RATE] [-m cosine|ip|l2] FILE\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const char *kernels[] = { "avx512vnni", "avx2", "scalar" };
	const char *procs = "2,16", *path;
	float *centers, *data, *queries;
	uint64_t seed = 20261124;
	pxt_vindex *ix;
	pxt_vhit *hits;
	double t0, *lat;
	long anon, file, pss;
	struct stat st;
	int opt, nh, found = 0;

	while ((opt = getopt(argc, argv, "n:d:c:q:r:k:s:p:m:R:")) != -1) {
		switch (opt) {
		case 'n': N = atoi(optarg); break;
		case 'd': DIM = atoi(optarg); break;
		case 'c': CENTERS = atoi(optarg); break;
		case 'q': Q = atoi(optarg); break;
		case 'r': R = atoi(optarg); break;
		case 'k': K = atoi(optarg); break;
		case 's': SECS = atoi(optarg); break;
		case 'p': procs = optarg; break;
		case 'R': RATE = atof(optarg); break;
		case 'm':
			METRIC = strcmp(optarg, "ip") == 0 ? PXT_METRIC_IP :
			    strcmp(optarg, "l2") == 0 ? PXT_METRIC_L2 : PXT_METRIC_COSINE;
			break;
		default: usage();
		}
	}
	if (optind + 1 != argc || N < 1 || DIM < 1 || CENTERS < 1 || Q < 1 || R < 0 ||
	    R > Q || K < 1 || SECS < 0 || RATE < 0)
		usage();
	path = argv[optind];
	if (stat(path, &st) == 0) {
		fprintf(stderr, "vindex_bench: %s exists\n", path);
		return 2;
	}
	centers = malloc((size_t)CENTERS * DIM * sizeof(float));
	data = malloc((size_t)N * DIM * sizeof(float));
	queries = malloc((size_t)Q * DIM * sizeof(float));
	hits = malloc((size_t)K * sizeof(pxt_vhit));
	lat = malloc((size_t)Q * sizeof(double));
	if (!centers || !data || !queries || !hits || !lat)
		return 1;
	for (int c = 0; c < CENTERS; c++) {
		for (int i = 0; i < DIM; i++)
			centers[(size_t)c * DIM + i] = (float)rnd_gauss(&seed);
		normalize(centers + (size_t)c * DIM);
	}
	for (int i = 0; i < N; i++)
		sample(&seed, centers, data + (size_t)i * DIM);
	for (int i = 0; i < Q; i++)
		sample(&seed, centers, queries + (size_t)i * DIM);

	/* build */
	t0 = now_ms();
	if (pxt_vindex_open(path, DIM, METRIC, &ix) != PXT_OK ||
	    pxt_vindex_lock(ix, true) != PXT_OK)
		die("open");
	for (int i = 0; i < N; i++)
		if (pxt_vindex_upsert(ix, i, data + (size_t)i * DIM) != PXT_OK)
			die("upsert");
	if (pxt_vindex_set_mark(ix, (uint64_t)N) != PXT_OK)
		die("mark");
	pxt_vindex_unlock(ix);
	pxt_vindex_close(ix);
	if (stat(path, &st) != 0)
		return 1;
	printf("BENCH build n=%d dim=%d ms=%.1f per_vector_us=%.2f file_bytes=%lld "
	    "bytes_per_vector=%zu file_bytes_per_vector=%.1f\n", N, DIM, now_ms() - t0,
	    (now_ms() - t0) * 1e3 / N, (long long)st.st_size,
	    pxt_vindex_bytes_per_vector(DIM), (double)st.st_size / N);

	/* the first search of a fresh handle */
	t0 = now_ms();
	if (pxt_vindex_open(path, DIM, METRIC, &ix) != PXT_OK)
		die("open");
	if (pxt_vindex_search(ix, queries, K, NULL, NULL, hits, &nh) != PXT_OK)
		die("search");
	printf("BENCH cold open_and_first_search_ms=%.3f kernel=%s\n", now_ms() - t0,
	    pxt_vindex_kernel(ix, NULL));

	/* latency, per kernel; the best one last (it stays for the rest) */
	for (int k = 2; k >= 0; k--) {
		char extra[64];

		if (pxt_vindex_kernel(ix, kernels[k]) == NULL)
			continue;
		for (int i = 0; i < 20; i++)	/* warm-up */
			(void)pxt_vindex_search(ix, queries + (size_t)(i % Q) * DIM, K, NULL,
			    NULL, hits, &nh);
		for (int i = 0; i < Q; i++) {
			double s = now_ms();

			if (pxt_vindex_search(ix, queries + (size_t)i * DIM, K, NULL, NULL, hits,
			    &nh) != PXT_OK || nh != K)
				die("search");
			lat[i] = now_ms() - s;
		}
		snprintf(extra, sizeof(extra), "kernel=%s k=%d", kernels[k], K);
		summary("latency", extra, lat, Q);
	}

	/* recall against the exact float scan */
	for (int i = 0; i < R; i++) {
		int64_t *id = malloc((size_t)K * sizeof(int64_t));

		exact_topk(data, queries + (size_t)i * DIM, id);
		if (pxt_vindex_search(ix, queries + (size_t)i * DIM, K, NULL, NULL, hits,
		    &nh) != PXT_OK)
			die("search");
		for (int j = 0; j < K; j++)
			for (int h = 0; h < nh; h++)
				if (hits[h].rowid == id[j]) {
					found++;
					break;
				}
		free(id);
	}
	if (R > 0)
		printf("BENCH recall k=%d queries=%d recall=%.4f\n", K, R,
		    (double)found / ((double)R * K));
	rss(&anon, &file, &pss);
	printf("BENCH memory rss_anon_kb=%ld rss_file_kb=%ld pss_file_kb=%ld "
	    "own_data_kb=%zu\n", anon, file, pss,
	    ((size_t)N + Q + CENTERS) * DIM * sizeof(float) / 1024);
	pxt_vindex_close(ix);
	free(data);

	/* throughput */
	for (const char *p = procs; *p != '\0';) {
		char *end;
		long n = strtol(p, &end, 10);

		if (n < 1 || n > 256 || end == p)
			usage();
		if (SECS > 0)
			throughput(path, centers, (int)n, 0);
		if (SECS > 0 && RATE > 0)
			throughput(path, centers, (int)n, RATE);
		p = *end == ',' ? end + 1 : end;
	}
	free(centers);
	free(queries);
	free(hits);
	free(lat);
	return 0;
}
