/*
 * embed_hash.c - embed_text(String) -> Array(Float): an offline embedder with no
 * model and no network (see pxt_embed_hash in embed_int.h), and the table of the
 * embedding built-ins.
 *
 * The text is normalized (ASCII lower-cased, accented Latin-1 letters folded to their
 * base letter, other UTF-8 kept byte-wise; anything else separates words; an
 * apostrophe inside a word is dropped: "don't" is "dont"). Its features are hashed
 * into PXT_EMBED_HASH_DIM signed buckets ("the hashing trick"):
 *   - each word, by its stem ("images" is "image"; a common English word such as
 *     "the" counts a tenth and is not stemmed),
 *   - each pair of neighbouring words once common words are left out ("new york"),
 *   - each character trigram of a word padded with a boundary mark (" new", "new "),
 *     which lets "embedding" meet "embeddings" and "embedded".
 * Weights are small integers summed exactly, then the vector is L2-normalized, so the
 * result depends on the bytes alone, on any machine.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "functions/embed_int.h"
#include "core/utf8_int.h"
#include "functions/vec_int.h"

/* Feature weights (relative: only their ratios matter after normalization). */
#define PXT_W_WORD 20		/* a word */
#define PXT_W_STOP 2		/* a common word */
#define PXT_W_PAIR 10		/* two neighbouring content words */
#define PXT_W_TRI 7		/* a character trigram of a content word */

/* Seeds that keep the kinds of feature apart. */
#define PXT_SEED_WORD 0x6a09e667f3bcc908ull
#define PXT_SEED_PAIR 0xbb67ae8584caa73bull
#define PXT_SEED_TRI 0x3c6ef372fe94f82bull

#define PXT_EMBED_STACK 4096	/* texts up to this size are normalized on the stack */

/* splitmix64's finalizer: every input bit moves every output bit. */
static inline uint64_t
pxt_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* FNV-1a over n bytes, then mixed. */
static uint64_t
pxt_hash_bytes(const unsigned char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ull;
	}
	return pxt_mix64(h);
}

/* Adds weight w to the bucket of feature key, with the sign of another bit of it. */
static inline void
pxt_feature(int64_t *acc, uint64_t key, int w)
{
	uint64_t h = pxt_mix64(key);
	uint32_t idx = (uint32_t)(((h >> 32) * PXT_EMBED_HASH_DIM) >> 32);

	acc[idx] += (h & 1) ? -w : w;
}

/* ---- common words ---------------------------------------------------------------- */

static const char *const pxt_stop_words[] = {
	"a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be",
	"been", "being", "but", "by", "can", "could", "did", "do", "does", "each", "for",
	"from", "had", "has", "have", "he", "her", "here", "him", "his", "how", "i", "if",
	"in", "into", "is", "it", "its", "just", "may", "me", "might", "more", "most",
	"my", "no", "not", "of", "on", "one", "only", "or", "other", "our", "out", "over",
	"same", "she", "should", "so", "some", "such", "than", "that", "the", "their",
	"them", "then", "there", "these", "they", "this", "those", "through", "to", "too",
	"up", "us", "very", "was", "we", "were", "what", "when", "where", "which", "while",
	"who", "whom", "why", "will", "with", "would", "you", "your",
};

#define PXT_STOP_SLOTS 256	/* a power of two, over twice the list */
static const char *pxt_stop_set[PXT_STOP_SLOTS];
static uint64_t pxt_stop_hash[PXT_STOP_SLOTS];
static pthread_once_t pxt_stop_once = PTHREAD_ONCE_INIT;

/* Fills the set of common words (once, pthread_once). */
static void
pxt_stop_init(void)
{
	for (size_t i = 0; i < sizeof(pxt_stop_words) / sizeof(*pxt_stop_words); i++) {
		const char *w = pxt_stop_words[i];
		uint64_t h = pxt_hash_bytes((const unsigned char *)w, strlen(w));
		size_t k = h & (PXT_STOP_SLOTS - 1);

		while (pxt_stop_set[k] != NULL)
			k = (k + 1) & (PXT_STOP_SLOTS - 1);
		pxt_stop_set[k] = w;
		pxt_stop_hash[k] = h;
	}
}

/* Whether the word w[0..n), of hash h, is a common word. */
static bool
pxt_is_stop(const unsigned char *w, size_t n, uint64_t h)
{
	for (size_t k = h & (PXT_STOP_SLOTS - 1); pxt_stop_set[k] != NULL;
	    k = (k + 1) & (PXT_STOP_SLOTS - 1))
		if (pxt_stop_hash[k] == h && strlen(pxt_stop_set[k]) == n &&
		    memcmp(pxt_stop_set[k], w, n) == 0)
			return true;
	return false;
}

/* ---- normalization --------------------------------------------------------------- */

/*
 * U+00C0..U+00FF (UTF-8 C3 80..C3 BF): the base letter of each accented letter, ' '
 * for the two signs (multiplication, division) that separate words, 0 to keep the
 * letter as it is (Æ, Ð, Þ, ß and their lower-case forms).
 */
static const char pxt_fold_c3[64] =
    "aaaaaa\0ceeeeiiii\0nooooo ouuuuy\0\0"
    "aaaaaa\0ceeeeiiii\0nooooo ouuuuy\0y";

/* Appends a word separator to out[0..*n), never two in a row nor one first. */
static inline void
pxt_sep(unsigned char *out, size_t *n)
{
	if (*n > 0 && out[*n - 1] != ' ')
		out[(*n)++] = ' ';
}

/* Whether c is an ASCII letter of either case. */
static inline bool
pxt_ascii_letter(unsigned char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

/*
 * Writes the normalized text of s[0..len) to out (room for len bytes: it never
 * grows) as words separated by single spaces; returns its length.
 */
static size_t
pxt_normalize(const unsigned char *s, size_t len, unsigned char *out)
{
	size_t i = 0, n = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t k;

		if (c < 0x80) {
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
				out[n++] = c;
			else if (c >= 'A' && c <= 'Z')
				out[n++] = (unsigned char)(c + 32);
			else if (!(c == '\'' && n > 0 && out[n - 1] != ' ' && i + 1 < len &&
			    pxt_ascii_letter(s[i + 1])))
				pxt_sep(out, &n);
			i++;
			continue;
		}
		if ((k = pxt_utf8_len(s + i, len - i)) == 0) {
			pxt_sep(out, &n);	/* a stray byte */
			i++;
			continue;
		}
		if (k == 2 && c == 0xC3) {
			char f = pxt_fold_c3[s[i + 1] - 0x80];

			if (f == ' ')
				pxt_sep(out, &n);
			else if (f != 0)
				out[n++] = (unsigned char)f;
			else
				memcpy(out + n, s + i, 2), n += 2;
		} else if ((k == 2 && c == 0xC2) || (k == 3 && c == 0xE2 && s[i + 1] == 0x80) ||
		    (k == 3 && c == 0xE3 && s[i + 1] == 0x80)) {
			/* Latin-1 signs, general and CJK punctuation; U+2019 as an apostrophe */
			if (!(c == 0xE2 && s[i + 2] == 0x99 && n > 0 && out[n - 1] != ' ' &&
			    i + 3 < len && pxt_ascii_letter(s[i + 3])))
				pxt_sep(out, &n);
		} else {
			memcpy(out + n, s + i, k);
			n += k;
		}
		i += k;
	}
	return n;
}

/* ---- features -------------------------------------------------------------------- */

/* Adds the trigrams of the word w[0..n), padded with a space on both sides. */
static void
pxt_trigrams(int64_t *acc, const unsigned char *w, size_t n)
{
	uint64_t a = ' ', b = w[0];

	for (size_t i = 1; i <= n; i++) {
		uint64_t c = i < n ? w[i] : ' ';

		pxt_feature(acc, PXT_SEED_TRI ^ (a | b << 8 | c << 16), PXT_W_TRI);
		a = b;
		b = c;
	}
}

/* Whether the word w[0..n) ends with the k bytes of suffix. */
static inline bool
pxt_ends(const unsigned char *w, size_t n, const char *suffix, size_t k)
{
	return n >= k && memcmp(w + n - k, suffix, k) == 0;
}

/*
 * Returns the length of the stem of the word w[0..n), with *y set when its end is
 * "ies" made "y" (the stem is then w[0..len) followed by 'y'): a light English
 * stemmer, so "images" meets "image" and "trained" meets "training".
 */
static size_t
pxt_stem(const unsigned char *w, size_t n, bool *y)
{
	*y = false;
	if (n > 4 && pxt_ends(w, n, "ies", 3)) {
		*y = true;
		return n - 3;
	}
	if (n > 3 && w[n - 1] == 's' && !pxt_ends(w, n, "ss", 2) &&
	    !pxt_ends(w, n, "us", 2) && !pxt_ends(w, n, "is", 2))
		n--;
	if (n > 5 && pxt_ends(w, n, "ing", 3))
		n -= 3;
	else if (n > 4 && pxt_ends(w, n, "ed", 2))
		n -= 2;
	return n;
}

/* Adds the features of the normalized text t[0..n) to acc. */
static void
pxt_features(int64_t *acc, const unsigned char *t, size_t n)
{
	uint64_t prev = 0;
	bool have_prev = false;
	size_t i = 0;

	while (i < n) {
		size_t a = i;
		uint64_t h;

		while (i < n && t[i] != ' ')
			i++;
		h = pxt_hash_bytes(t + a, i - a);
		if (pxt_is_stop(t + a, i - a, h)) {
			pxt_feature(acc, PXT_SEED_WORD ^ h, PXT_W_STOP);
		} else {
			bool y;
			size_t k = pxt_stem(t + a, i - a, &y);

			/* words and pairs by their stem, trigrams of the word as written */
			h = pxt_hash_bytes(t + a, k);
			if (y)
				h = pxt_mix64(h ^ 'y');
			pxt_feature(acc, PXT_SEED_WORD ^ h, PXT_W_WORD);
			pxt_trigrams(acc, t + a, i - a);
			if (have_prev)
				pxt_feature(acc, PXT_SEED_PAIR ^ pxt_mix64(prev * 31 + h),
				    PXT_W_PAIR);
			prev = h;
			have_prev = true;
		}
		i++;	/* the space */
	}
}

pxt_err
pxt_embed_hash(const char *s, size_t len, float *out)
{
	unsigned char stack[PXT_EMBED_STACK], *t = stack;
	int64_t acc[PXT_EMBED_HASH_DIM] = {0};
	double sumsq = 0, norm;
	size_t n;

	memset(out, 0, PXT_EMBED_HASH_DIM * sizeof(*out));
	if (len > sizeof(stack) && (t = malloc(len)) == NULL)
		return pxt_seterr(PXT_ENOMEM, "out of memory embedding %zu bytes of text",
		    len);
	pthread_once(&pxt_stop_once, pxt_stop_init);
	n = pxt_normalize((const unsigned char *)s, len, t);
	pxt_features(acc, t, n);
	if (t != stack)
		free(t);
	/* exact while a bucket stays under 2^26: texts of many megabytes */
	for (int i = 0; i < PXT_EMBED_HASH_DIM; i++)
		sumsq += (double)acc[i] * (double)acc[i];
	if (sumsq == 0)
		return PXT_OK;
	norm = sqrt(sumsq);
	for (int i = 0; i < PXT_EMBED_HASH_DIM; i++)
		out[i] = (float)((double)acc[i] / norm);
	return PXT_OK;
}

/* ---- the built-ins --------------------------------------------------------------- */

/* embed_text(String) -> Array(Float): the vector of one text. */
static pxt_err
pxt_fn_embed_text(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	float v[PXT_EMBED_HASH_DIM];
	pxt_err rc;

	(void)n;
	if ((rc = pxt_embed_hash(a[0].u.str.s, a[0].u.str.len, v)) != PXT_OK ||
	    (rc = pxt_vec_format(pool, v, PXT_EMBED_HASH_DIM, out)) != PXT_OK)
		return pxt_seterr(rc, "embed_text: %s", pxt_errmsg());
	return PXT_OK;
}

/* The batch form of embed_text: the same vectors, one call. */
static pxt_err
pxt_fn_embed_text_batch(pxt_pool *pool, const pxt_value *args, int nargs, int nrows,
    pxt_value *out)
{
	pxt_err rc;

	for (int r = 0; r < nrows; r++)
		if ((rc = pxt_fn_embed_text(pool, &args[r * nargs], nargs, &out[r])) !=
		    PXT_OK)
			return rc;
	return PXT_OK;
}

/* openai_embed(String) -> Array(Float): one text through the configured API. */
static pxt_err
pxt_fn_openai_embed(pxt_pool *pool, const pxt_value *a, int n, pxt_value *out)
{
	(void)n;
	return pxt_openai_embed(pool, a, 1, out);
}

/* The batch form: up to PXT_OPENAI_EMBED_BATCH texts a request. */
static pxt_err
pxt_fn_openai_embed_batch(pxt_pool *pool, const pxt_value *args, int nargs, int nrows,
    pxt_value *out)
{
	(void)nargs;	/* one argument: args[r] is row r's text */
	return pxt_openai_embed(pool, args, nrows, out);
}

static const pxt_udf pxt_embed_udfs[] = {
	{.name = "embed_text", .ret = PXT_ARRAY, .nargs = 1, .args = {PXT_STRING},
	    .fn = pxt_fn_embed_text, .batch = pxt_fn_embed_text_batch},
	{.name = "openai_embed", .ret = PXT_ARRAY, .nargs = 1, .args = {PXT_STRING},
	    .fn = pxt_fn_openai_embed, .batch = pxt_fn_openai_embed_batch},
};

const pxt_udf *
pxt_udf_embed_table(size_t *n)
{
	*n = sizeof(pxt_embed_udfs) / sizeof(*pxt_embed_udfs);
	return pxt_embed_udfs;
}
