/*
 * embed_int.h - the embedding functions for search (internal to libpxt): the offline
 * hashing embedder behind embed_text (embed_hash.c) and the OpenAI-compatible client
 * behind openai_embed (embed_openai.c). Both return Array(Float) values (vec_int.h).
 */
#ifndef PXT_EMBED_H
#define PXT_EMBED_H

#include <stddef.h>

#include "pxt/config.h"
#include "pxt/error.h"
#include "pxt/expr.h"
#include "pxt/pool.h"

/* ---- the offline embedder (embed_hash.c) ----------------------------------------- */

/* The dimension of embed_text's vectors. */
#define PXT_EMBED_HASH_DIM 384

/*
 * pxt_embed_hash embeds the len bytes of text at s (UTF-8; need not be
 * NUL-terminated) into out[0..PXT_EMBED_HASH_DIM): hashed word unigrams, bigrams of
 * neighbouring content words and character trigrams of each word, L2-normalized. The
 * result depends on the bytes only: the same on every run and machine. A text without
 * words (empty, blanks, punctuation) gives the zero vector, whose dot product with any
 * vector is 0. PXT_ENOMEM (message set) when a scratch copy of a long text cannot be
 * made; out is then all zero.
 */
pxt_err pxt_embed_hash(const char *s, size_t len, float *out);

/*
 * pxt_udf_embed_table returns the static table of the embedding built-ins
 * (embed_text, openai_embed) and sets *n to its length; udf.c registers them.
 */
const pxt_udf *pxt_udf_embed_table(size_t *n);

/* ---- the OpenAI-compatible client (embed_openai.c) ------------------------------- */

/* The most inputs one /embeddings request carries; a larger batch makes several. */
#define PXT_OPENAI_EMBED_BATCH 256

/*
 * pxt_embed_config sets the configuration openai_embed reads ([openai] base_url,
 * api_key, embedding_model; [server] request_timeout_s); pxt_open calls it, NULL
 * forgets it. cfg must outlive the calls. Not synchronized with callers: set it at
 * start-up.
 */
void pxt_embed_config(const pxt_config *cfg);

/*
 * pxt_openai_embed embeds texts[0..n) (String values, none NULL) with the configured
 * model and sets out[i] to the Array value of texts[i] (pool memory); every vector
 * has the dimension the model answered. At most PXT_OPENAI_EMBED_BATCH inputs per
 * request; HTTP 429 and 503 are retried after Retry-After (at most 4 attempts, each
 * wait at most 10 s), the whole call within [server] request_timeout_s. Failures, with
 * a message starting "openai_embed: " naming the provider's URL (never the key):
 * PXT_ECONFIG without [openai] embedding_model, PXT_ERATELIMIT when 429 outlasts the
 * retries, PXT_ETIMEOUT past the time limit, PXT_EUNAVAIL when the server cannot be
 * reached, PXT_EUPSTREAM for any other status or a malformed answer (not JSON, no
 * data, a wrong count or index, a non-number, differing dimensions), PXT_ENOMEM.
 * out is unspecified on failure.
 */
pxt_err pxt_openai_embed(pxt_pool *pool, const pxt_value *texts, int n, pxt_value *out);

#endif
