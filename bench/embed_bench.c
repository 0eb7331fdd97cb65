/*
 * embed_bench.c - the offline embedder's speed: N chunks of about C characters of
 * English-like text (a fixed pseudo-random generator, the same every run) through
 * embed_text's batch form, as an insert calls it: features, hashing, normalization
 * and the array text of every vector. The hashing alone (pxt_embed_hash, no text
 * written) is timed too. Every output is checked to read back as 384 floats of unit
 * norm, outside the timed part.
 *
 *   embed_bench [-n CHUNKS] [-c CHARS] [-r ROUNDS]
 * Prints one line per round:
 *   ROUND i chunks=N bytes=B udf_s=S hash_s=S chunks_per_s=R
 * Exit 0, or 1 when a vector is wrong or a call fails.
 */
#define _POSIX_C_SOURCE 200809L	/* clock_gettime under -std=c11 */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pxt/pxt.h"
#include "functions/embed_int.h"
#include "functions/vec_int.h"

static const char *const words[] = {
	"the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "with",
	"data", "table", "column", "index", "search", "image", "document", "model",
	"vector", "embedding", "query", "result", "server", "worker", "request", "file",
	"media", "store", "cache", "thumbnail", "page", "text", "chunk", "token", "limit",
	"database", "transaction", "commit", "insert", "update", "delete", "view",
	"computed", "function", "batch", "network", "latency", "throughput", "memory",
	"zebra", "giraffe", "savanna", "river", "mountain", "forest", "weather", "rain",
	"quarterly", "report", "revenue", "growth", "market", "customer", "product",
	"training", "learning", "neural", "classification", "similarity", "distance",
	"PostgreSQL", "nginx", "FastCGI", "configuration", "timeout", "retry", "error",
	"stripes", "habitat", "migration", "season", "harvest", "recipe", "flour",
	"sugar", "kitchen", "garden", "tomatoes", "balcony", "football", "weekend",
	"history", "empire", "emperor", "century", "library", "author", "title",
	"question", "answer", "meaning", "semantic", "ranking", "relevance", "score",
};

static uint64_t seed = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	seed = seed * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(seed >> 33);
}

/* A chunk of about chars characters of sentences, in pool memory. */
static char *
make_chunk(pxt_pool *pool, size_t chars)
{
	char *s = pxt_palloc(pool, chars + 64);
	size_t n = 0;
	int in_sentence = 0;

	if (s == NULL)
		return NULL;
	while (n < chars) {
		const char *w = words[rnd() % (sizeof(words) / sizeof(*words))];
		size_t len = strlen(w);

		if (n + len + 2 > chars + 60)
			break;
		if (n > 0)
			s[n++] = ' ';
		memcpy(s + n, w, len);
		if (!in_sentence && s[n] >= 'a' && s[n] <= 'z')
			s[n] = (char)(s[n] - 32);
		n += len;
		in_sentence = 1;
		if (rnd() % 12 == 0) {
			s[n++] = rnd() % 4 ? '.' : ',';
			in_sentence = s[n - 1] == ',';
		}
	}
	s[n] = '\0';
	return s;
}

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	const pxt_udf *u = pxt_udf_find("embed_text");
	int chunks = 10000, rounds = 3;
	size_t chars = 500, bytes = 0;
	pxt_pool *texts = pxt_pool_new(0);
	pxt_value *args;
	float v[PXT_EMBED_HASH_DIM];

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "-n") == 0)
			chunks = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "-c") == 0)
			chars = (size_t)atol(argv[i + 1]);
		else if (strcmp(argv[i], "-r") == 0)
			rounds = atoi(argv[i + 1]);
	}
	if (u == NULL || u->batch == NULL || texts == NULL || chunks < 1 || rounds < 1 ||
	    chars < 1) {
		fprintf(stderr, "usage: embed_bench [-n CHUNKS] [-c CHARS] [-r ROUNDS]\n");
		return 2;
	}
	args = pxt_palloc(texts, (size_t)chunks * sizeof(*args));
	for (int i = 0; i < chunks; i++) {
		char *s = make_chunk(texts, chars);

		if (args == NULL || s == NULL)
			return 1;
		args[i] = (pxt_value){.type = PXT_STRING, .u.str = {s, strlen(s)}};
		bytes += args[i].u.str.len;
	}
	for (int r = 1; r <= rounds; r++) {
		pxt_pool *pool = pxt_pool_new(0);
		pxt_value *out = pxt_pcalloc(pool, (size_t)chunks * sizeof(*out));
		double t0, t1, t2;

		t0 = now_s();
		if (u->batch(pool, args, 1, chunks, out) != PXT_OK) {
			fprintf(stderr, "embed_text: %s\n", pxt_errmsg());
			return 1;
		}
		t1 = now_s();
		for (int i = 0; i < chunks; i++)
			pxt_embed_hash(args[i].u.str.s, args[i].u.str.len, v);
		t2 = now_s();
		for (int i = 0; i < chunks; i++)
			if (out[i].type != PXT_ARRAY || pxt_vec_parse(out[i].u.str.s,
			    out[i].u.str.len, v, PXT_EMBED_HASH_DIM) != PXT_OK ||
			    fabs(pxt_vec_dot(v, v, PXT_EMBED_HASH_DIM) - 1) > 1e-4) {
				fprintf(stderr, "chunk %d: a wrong vector: %s\n", i,
				    pxt_errmsg());
				return 1;
			}
		printf("ROUND %d chunks=%d bytes=%zu udf_s=%.3f hash_s=%.3f "
		    "chunks_per_s=%.0f\n", r, chunks, bytes, t1 - t0, t2 - t1,
		    chunks / (t1 - t0));
		fflush(stdout);
		pxt_pool_free(pool);
	}
	pxt_pool_free(texts);
	return 0;
}
