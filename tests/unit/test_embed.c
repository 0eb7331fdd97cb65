/*
 * test_embed.c - the offline embedder (embed_text) and vector text (vec_int.h):
 * determinism, unit norm, the zero vector of a text without words, related texts
 * nearer than unrelated ones, the batch form, and the array text round trip with its
 * errors.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/expr.h"
#include "pxt_test.h"
#include "functions/embed_int.h"
#include "functions/vec_int.h"

#define DIM PXT_EMBED_HASH_DIM

#define CHECK_MSG(sub) do {                                                     \
	if (strstr(pxt_errmsg(), (sub)) == NULL)                                \
		fprintf(stderr, "message '%s' lacks '%s'\n", pxt_errmsg(), (sub)); \
	PXT_CHECK(strstr(pxt_errmsg(), (sub)) != NULL);                         \
} while (0)

/* Embeds s into v; checks the call succeeded. */
static void
embed(const char *s, float *v)
{
	PXT_CHECK_INT(pxt_embed_hash(s, strlen(s), v), PXT_OK);
}

/* The cosine similarity of two texts. */
static double
sim(const char *a, const char *b)
{
	float va[DIM], vb[DIM];

	embed(a, va);
	embed(b, vb);
	return pxt_vec_dot(va, vb, DIM);
}

/* FNV-1a of n bytes: a fingerprint of a vector's text. */
static uint64_t
fnv(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

static void
test_basics(pxt_pool *p)
{
	const char *t = "The quick brown fox jumps over the lazy dog.";
	float a[DIM], b[DIM];
	pxt_value v;
	int nonzero = 0;

	embed(t, a);
	embed(t, b);
	PXT_CHECK(memcmp(a, b, sizeof(a)) == 0);
	PXT_CHECK(fabs(pxt_vec_dot(a, a, DIM) - 1.0) < 1e-5);
	for (int i = 0; i < DIM; i++)
		nonzero += a[i] != 0;
	PXT_CHECK(nonzero > 20);
	/* the same on every machine and run: a change here changes stored vectors */
	PXT_CHECK_INT(pxt_vec_format(p, a, DIM, &v), PXT_OK);
	PXT_CHECK_INT(v.type, PXT_ARRAY);
	PXT_CHECK(!v.null && v.u.str.s[0] == '[' && v.u.str.s[v.u.str.len - 1] == ']');
	if (fnv(v.u.str.s, v.u.str.len) != 0xabfca4513dd7c51cull)
		fprintf(stderr, "fingerprint %016llx: %.120s\n", (unsigned long long)fnv(
		    v.u.str.s, v.u.str.len), v.u.str.s);
	PXT_CHECK(fnv(v.u.str.s, v.u.str.len) == 0xabfca4513dd7c51cull);

	/* case, accents and punctuation do not matter; words do */
	PXT_CHECK(sim("Hello, World!", "hello world") > 0.9999);
	PXT_CHECK(sim("Café crème à Paris", "cafe creme a paris") > 0.9999);
	PXT_CHECK(sim("don't stop", "dont stop") > 0.9999);
	PXT_CHECK(sim("don\xe2\x80\x99t stop", "dont stop") > 0.9999);
	PXT_CHECK(sim("new york", "york new") < 0.99);
	/* other scripts are kept byte-wise, and a stray byte separates words */
	PXT_CHECK(sim("\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0", "moskva") < 0.5);
	embed("caf\xff", a);
	PXT_CHECK(fabs(pxt_vec_dot(a, a, DIM) - 1.0) < 1e-5);

	/* no words: the zero vector, similar to nothing (not even itself) */
	embed("", a);
	embed(" \t\n", b);
	for (int i = 0; i < DIM; i++)
		nonzero = a[i] != 0 || b[i] != 0;
	PXT_CHECK(nonzero == 0);
	embed("... !!! ?? -- \xe2\x80\x94 \xc2\xab\xc2\xbb", a);
	PXT_CHECK(pxt_vec_dot(a, a, DIM) == 0);
	PXT_CHECK(sim("", "anything at all") == 0);
	/* common words alone still embed */
	embed("to be or not to be", a);
	PXT_CHECK(fabs(pxt_vec_dot(a, a, DIM) - 1.0) < 1e-5);
}

/* Related texts score higher than unrelated ones, and rank first. */
static void
test_related(void)
{
	static const char *const q[][3] = {
		{"How do I reset my password?",
		    "Steps to reset a forgotten account password",
		    "The recipe calls for two cups of flour and sugar"},
		{"machine learning models for image classification",
		    "training neural networks to classify images with deep learning",
		    "the history of the roman empire and its emperors"},
		{"zebras live in africa",
		    "African savanna wildlife such as zebras and lions",
		    "quarterly earnings report of the regional bank"},
		{"PostgreSQL database connection timeout",
		    "the database connection timed out while PostgreSQL was restarting",
		    "a guide to growing tomatoes on a balcony garden"},
		{"embedding index for semantic search",
		    "search documents by meaning with an embedding index",
		    "football match results from the weekend"},
		{"thumbnail of an image",
		    "generate image thumbnails of photos",
		    "weather forecast for tomorrow: rain and wind"},
	};
	size_t n = sizeof(q) / sizeof(*q);

	for (size_t i = 0; i < n; i++) {
		double rel = sim(q[i][0], q[i][1]), unrel = sim(q[i][0], q[i][2]);

		if (!(rel > unrel + 0.15 && rel > 0.2 && fabs(unrel) < 0.15))
			fprintf(stderr, "'%s': related %.3f, unrelated %.3f\n", q[i][0],
			    rel, unrel);
		PXT_CHECK(rel > unrel + 0.15);
		PXT_CHECK(rel > 0.2);
		PXT_CHECK(fabs(unrel) < 0.15);
		/* among every text of the set, the related one ranks first */
		for (size_t j = 0; j < n; j++)
			for (int k = 1; k < 3; k++)
				if (!(j == i && k == 1))
					PXT_CHECK(sim(q[i][0], q[j][k]) < rel);
	}
	/* plural and inflected forms meet through the trigrams */
	PXT_CHECK(sim("embedding", "embeddings") > 0.5);
	PXT_CHECK(sim("embedding", "zebra") < 0.2);
}

/* The built-in through the registry: one row and the batch form agree. */
static void
test_udf(pxt_pool *p)
{
	const pxt_udf *u = pxt_udf_find("embed_text");
	const char *texts[3] = {"first text", "", "third text, longer than the first"};
	pxt_value a[3], one, many[3];
	float v[DIM];

	PXT_CHECK(u != NULL && u->batch != NULL && u->ret == PXT_ARRAY && u->nargs == 1 &&
	    u->args[0] == PXT_STRING);
	PXT_CHECK(pxt_udf_find("openai_embed") != NULL);
	if (u == NULL || u->batch == NULL)
		return;
	for (int i = 0; i < 3; i++)
		a[i] = (pxt_value){.type = PXT_STRING, .u.str = {texts[i], strlen(texts[i])}};
	PXT_CHECK_INT(u->batch(p, a, 1, 3, many), PXT_OK);
	for (int i = 0; i < 3; i++) {
		memset(&one, 0, sizeof(one));
		PXT_CHECK_INT(u->fn(p, &a[i], 1, &one), PXT_OK);
		PXT_CHECK(one.type == PXT_ARRAY && many[i].type == PXT_ARRAY);
		PXT_CHECK(one.u.str.len == many[i].u.str.len &&
		    memcmp(one.u.str.s, many[i].u.str.s, one.u.str.len) == 0);
		PXT_CHECK_INT(pxt_vec_parse(one.u.str.s, one.u.str.len, v, DIM), PXT_OK);
	}
	PXT_CHECK(pxt_vec_dot(v, v, DIM) > 0.9999);
	/* the empty text: 384 zeros */
	PXT_CHECK_INT(many[1].u.str.len, 2 * DIM + 1);
}

static void
test_vec(pxt_pool *p)
{
	float in[64], back[64];
	pxt_value v;
	uint32_t x = 12345;
	const char *want;

	for (int i = 0; i < 64; i++) {
		x = x * 1103515245u + 12345u;
		in[i] = ((float)(x >> 8) / (float)(1u << 24) - 0.5f) * 3.0f;
	}
	in[0] = FLT_MIN;
	in[1] = -FLT_MAX;
	in[2] = 1e-45f;		/* the smallest subnormal */
	in[3] = -0.0f;
	in[4] = 0.1f;
	in[5] = 123456789.0f;
	in[6] = -1.17549435e-38f;
	PXT_CHECK_INT(pxt_vec_format(p, in, 64, &v), PXT_OK);
	PXT_CHECK_INT(pxt_vec_parse(v.u.str.s, v.u.str.len, back, 64), PXT_OK);
	PXT_CHECK(memcmp(in + 4, back + 4, 60 * sizeof(float)) == 0);
	PXT_CHECK(back[0] == FLT_MIN && back[1] == -FLT_MAX && back[2] == 1e-45f &&
	    back[3] == 0);
	want = "[1.17549435e-38,-3.40282347e+38,1.40129846e-45,0,0.100000001,123456792,"
	    "-1.17549435e-38,";
	if (strncmp(v.u.str.s, want, strlen(want)) != 0)
		fprintf(stderr, "vector text: %.100s\n", v.u.str.s);
	PXT_CHECK(strncmp(v.u.str.s, want, strlen(want)) == 0);

	/* blanks are allowed, and the text need not end with NUL */
	PXT_CHECK_INT(pxt_vec_parse(" { 1 ,\t-2.5e-1 , 3}\n", 20, back, 3), PXT_OK);
	PXT_CHECK_INT(pxt_vec_parse("[1,-0.25,3]", 11, back, 3), PXT_OK);
	PXT_CHECK(back[1] == -0.25f);
	PXT_CHECK_INT(pxt_vec_parse("[1,2}", 5, back, 2), PXT_EINVAL);
	PXT_CHECK(back[0] == 1 && back[1] == -0.25f && back[2] == 3);
	PXT_CHECK_INT(pxt_vec_parse("{1,2}9", 5, back, 2), PXT_OK);
	PXT_CHECK_INT(pxt_vec_parse("{1,2,3}", 5, back, 2), PXT_EINVAL);

	/* errors */
#define BAD(s, dim, msg) do {                                                  \
	PXT_CHECK_INT(pxt_vec_parse((s), strlen(s), back, (dim)), PXT_EINVAL);  \
	CHECK_MSG(msg);                                                         \
} while (0)
	BAD("{1,2,3}", 2, "vector has 3 elements, expected 2");
	BAD("{1,2}", 3, "vector has 2 elements, expected 3");
	BAD("{}", 3, "vector has 0 elements, expected 3");
	BAD("{1,abc}", 2, "vector element 2 ('abc') is not a finite number");
	BAD("{NaN,1}", 2, "vector element 1 ('NaN') is not a finite number");
	BAD("{1,nan}", 2, "vector element 2 ('nan')");
	BAD("{Infinity}", 1, "vector element 1");
	BAD("{-inf}", 1, "vector element 1");
	BAD("{1,NULL}", 2, "vector element 2");
	BAD("{0x1p3}", 1, "vector element 1");
	BAD("{1e39}", 1, "within float range");
	BAD("{1e999}", 1, "within float range");
	BAD("{1,,2}", 3, "vector element 2 is empty");
	BAD("{1,}", 2, "vector element 2 is empty");
	BAD("{{1,2}}", 2, "vector element 1 ('{1') is not a finite number");
	BAD("{1 2}", 1, "vector element 1");
	BAD("{1.2.3}", 1, "vector element 1");
	BAD("1,2", 2, "a vector is an array like [0.5,-1] or {0.5,-1}");
	BAD("{1,2", 2, "a vector is an array like");
	BAD("", 2, "a vector is an array like");
	BAD("{", 1, "a vector is an array like");
	BAD("[1,2}", 2, "a vector is an array like");
#undef BAD
	/* what cannot be written */
	in[3] = NAN;
	PXT_CHECK_INT(pxt_vec_format(p, in, 64, &v), PXT_EINVAL);
	CHECK_MSG("vector element 4 is not finite");
	in[3] = INFINITY;
	PXT_CHECK_INT(pxt_vec_format(p, in, 64, &v), PXT_EINVAL);
	PXT_CHECK_INT(pxt_vec_format(p, in, 0, &v), PXT_EINVAL);
}

int
main(void)
{
	pxt_pool *p = pxt_pool_new(0);

	test_basics(p);
	test_related();
	test_udf(p);
	test_vec(p);
	pxt_pool_free(p);
	return pxt_test_done();
}
