/*
 * vindex_scan.c - the exact embedding index's search (see vindex_int.h): quantization,
 * the int8 scan kernels (AVX-512 VNNI, AVX2, portable C; chosen at run time), the
 * candidate heap and the exact float32 re-rank.
 *
 * A search quantizes the query like the stored vectors (symmetric int8, one scale per
 * vector), computes every slot's int8 dot product chunk by chunk, turns it into an
 * approximate score and keeps the best max(8 k, 100) candidates in a min-heap; those
 * are re-ranked with the float32 vectors and the best k returned. The scan reads
 * round_up(dim, 64) bytes per vector, the re-rank 4 dim bytes per candidate.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "search/vindex_int.h"

double
pxt_vix_sqrt(double x)
{
	double y;
	uint64_t b;

	if (!(x > 0) || !isfinite(x))
		return x == INFINITY ? x : 0;
	/* halving the exponent gives a start within a factor 2; Newton does the rest */
	memcpy(&b, &x, sizeof(b));
	b = (b >> 1) + (0x3ffULL << 51);
	memcpy(&y, &b, sizeof(y));
	for (int i = 0; i < 7; i++)
		y = 0.5 * (y + x / y);
	return y;
}

pxt_err
pxt_vix_prepare(const pxt_vindex *ix, const float *v, float *out, float *sqnorm)
{
	double ss = 0;

	for (int i = 0; i < ix->dim; i++) {
		if (!isfinite(v[i]))
			return pxt_seterr(PXT_EINVAL, "vector element %d is not a finite number",
			    i + 1);
		ss += (double)v[i] * v[i];
		out[i] = v[i];
	}
	for (size_t i = (size_t)ix->dim; i < ix->dimf; i++)
		out[i] = 0;
	if (ix->metric == PXT_METRIC_COSINE && ss > 0) {
		double inv = 1 / pxt_vix_sqrt(ss);

		ss = 0;
		for (int i = 0; i < ix->dim; i++) {
			out[i] = (float)(out[i] * inv);
			ss += (double)out[i] * out[i];
		}
	}
	*sqnorm = (float)ss;
	return PXT_OK;
}

void
pxt_vix_quantize(const float *f, size_t dim, size_t dimp, int8_t *codes, float *scale,
    int32_t *csum)
{
	float max = 0, inv;
	int32_t sum = 0;

	for (size_t i = 0; i < dim; i++) {
		float a = f[i] < 0 ? -f[i] : f[i];

		if (a > max)
			max = a;
	}
	*scale = max / 127.0f;
	inv = max > 0 ? 127.0f / max : 0;
	for (size_t i = 0; i < dim; i++) {
		float x = f[i] * inv;
		int c;

		x = x > 127.0f ? 127.0f : x < -127.0f ? -127.0f : x;
		c = (int)(x < 0 ? x - 0.5f : x + 0.5f);
		codes[i] = (int8_t)c;
		sum += c;
	}
	memset(codes + dim, 0, dimp - dim);
	*csum = sum;
}

/* ---- kernels ---------------------------------------------------------------------- */

/* Portable: 16 independent sums, a shape compilers vectorize (NEON, SSE2) at -O2. */
static void
pxt_vdots_scalar(const int8_t *codes, size_t dimp, size_t n, const struct pxt_vaux *aux,
    const int8_t *qc, const uint8_t *qu, int32_t *out)
{
	(void)aux;
	(void)qu;
	for (size_t v = 0; v < n; v++) {
		const int8_t *c = codes + v * dimp;
		int32_t acc[16] = { 0 }, s = 0;

		for (size_t i = 0; i < dimp; i += 16)
			for (int j = 0; j < 16; j++)
				acc[j] += (int32_t)c[i + j] * qc[i + j];
		for (int j = 0; j < 16; j++)
			s += acc[j];
		out[v] = s;
	}
}

#if defined(__x86_64__)
/* AVX2: |c| (unsigned) times sign(q, c) (signed) in pairs of int16, then int32. */
__attribute__((target("avx2"))) static void
pxt_vdots_avx2(const int8_t *codes, size_t dimp, size_t n, const struct pxt_vaux *aux,
    const int8_t *qc, const uint8_t *qu, int32_t *out)
{
	const __m256i ones = _mm256_set1_epi16(1);

	(void)aux;
	(void)qu;
	for (size_t v = 0; v < n; v++) {
		const int8_t *c = codes + v * dimp;
		__m256i a0 = _mm256_setzero_si256(), a1 = _mm256_setzero_si256();
		__m128i s;

		for (size_t i = 0; i < dimp; i += 64) {
			__m256i x0 = _mm256_loadu_si256((const __m256i *)(c + i));
			__m256i x1 = _mm256_loadu_si256((const __m256i *)(c + i + 32));
			__m256i y0 = _mm256_loadu_si256((const __m256i *)(qc + i));
			__m256i y1 = _mm256_loadu_si256((const __m256i *)(qc + i + 32));
			__m256i p0 = _mm256_maddubs_epi16(_mm256_abs_epi8(x0),
			    _mm256_sign_epi8(y0, x0));
			__m256i p1 = _mm256_maddubs_epi16(_mm256_abs_epi8(x1),
			    _mm256_sign_epi8(y1, x1));

			a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(p0, ones));
			a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(p1, ones));
		}
		a0 = _mm256_add_epi32(a0, a1);
		s = _mm_add_epi32(_mm256_castsi256_si128(a0),
		    _mm256_extracti128_si256(a0, 1));
		s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
		s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
		out[v] = _mm_cvtsi128_si32(s);
	}
}

/*
 * AVX-512 VNNI on 256-bit registers (AVX512VL): vpdpbusd multiplies unsigned by
 * signed bytes, so the query is offset to unsigned (qu = qc + 128) and 128 times the
 * vector's code sum taken off again. One vector at a time, read sequentially: from
 * memory this is as fast as 512-bit registers or interleaving several vectors (which
 * measured slower: it defeats the prefetcher), and in cache 3.5 times AVX2.
 */
__attribute__((target("avx2,avx512f,avx512bw,avx512vl,avx512vnni"))) static void
pxt_vdots_vnni(const int8_t *codes, size_t dimp, size_t n, const struct pxt_vaux *aux,
    const int8_t *qc, const uint8_t *qu, int32_t *out)
{
	(void)qc;
	for (size_t v = 0; v < n; v++) {
		const int8_t *c = codes + v * dimp;
		__m256i a0 = _mm256_setzero_si256(), a1 = _mm256_setzero_si256();
		__m128i s;

		for (size_t i = 0; i < dimp; i += 64) {
			const __m256i *x = (const __m256i *)(c + i), *y = (const __m256i *)(qu + i);

			a0 = _mm256_dpbusd_epi32(a0, _mm256_loadu_si256(y),
			    _mm256_loadu_si256(x));
			a1 = _mm256_dpbusd_epi32(a1, _mm256_loadu_si256(y + 1),
			    _mm256_loadu_si256(x + 1));
		}
		a0 = _mm256_add_epi32(a0, a1);
		s = _mm_add_epi32(_mm256_castsi256_si128(a0),
		    _mm256_extracti128_si256(a0, 1));
		s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
		s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
		/* unsigned: a corrupt csum must not overflow a signed int */
		out[v] = (int32_t)((uint32_t)_mm_cvtsi128_si32(s) -
		    128u * (uint32_t)aux[v].csum);
	}
}
#endif

static const struct pxt_vkernel {
	const char *name;
	pxt_vdots_fn fn;
} pxt_vkernels[] = {
#if defined(__x86_64__)
	{ "avx512vnni", pxt_vdots_vnni },
	{ "avx2", pxt_vdots_avx2 },
#endif
	{ "scalar", pxt_vdots_scalar },
};

static bool
pxt_vix_runnable(const char *name)
{
#if defined(__x86_64__)
	if (strcmp(name, "avx512vnni") == 0)
		return __builtin_cpu_supports("avx2") &&
		    __builtin_cpu_supports("avx512f") &&
		    __builtin_cpu_supports("avx512bw") &&
		    __builtin_cpu_supports("avx512vl") &&
		    __builtin_cpu_supports("avx512vnni");
	if (strcmp(name, "avx2") == 0)
		return __builtin_cpu_supports("avx2");
#endif
	return strcmp(name, "scalar") == 0;
}

bool
pxt_vix_pick_kernel(pxt_vindex *ix, const char *name)
{
	for (size_t i = 0; i < sizeof(pxt_vkernels) / sizeof(pxt_vkernels[0]); i++) {
		if (name != NULL && strcmp(name, pxt_vkernels[i].name) != 0)
			continue;
		if (!pxt_vix_runnable(pxt_vkernels[i].name))
			continue;
		ix->dots = pxt_vkernels[i].fn;
		ix->kname = pxt_vkernels[i].name;
		return true;
	}
	return false;
}

const char *
pxt_vindex_kernel(pxt_vindex *ix, const char *name)
{
	if (name != NULL && !pxt_vix_pick_kernel(ix, name))
		return NULL;
	return ix->kname;
}

/* ---- the search ------------------------------------------------------------------ */

struct pxt_vcand {
	float key;		/* higher is better */
	uint32_t pad_;
	uint64_t slot;
};

/* Restores the min-heap h[0..n) downwards from i. */
static void
pxt_vix_sift(struct pxt_vcand *h, size_t n, size_t i)
{
	struct pxt_vcand x = h[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && h[c + 1].key < h[c].key)
			c++;
		if (!(h[c].key < x.key))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = x;
}

/* Adds x to the min-heap h of *n entries and room for cap, keeping the best cap. */
static void
pxt_vix_offer(struct pxt_vcand *h, size_t *n, size_t cap, struct pxt_vcand x)
{
	size_t i;

	if (*n == cap) {
		if (!(x.key > h[0].key))
			return;
		h[0] = x;
		pxt_vix_sift(h, *n, 0);
		return;
	}
	i = (*n)++;
	while (i > 0 && x.key < h[(i - 1) / 2].key) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = x;
}

/* The exact key of slot s: the dot product, or minus the squared distance. */
static float
pxt_vix_exact(pxt_vindex *ix, uint64_t s)
{
	const float *v = pxt_vix_vec(ix, s), *q = ix->qf;
	float acc[16] = { 0 }, sum = 0;

	if (ix->metric == PXT_METRIC_L2) {
		for (size_t i = 0; i < ix->dimf; i += 16)
			for (int j = 0; j < 16; j++) {
				float d = v[i + j] - q[i + j];

				acc[j] += d * d;
			}
	} else {
		for (size_t i = 0; i < ix->dimf; i += 16)
			for (int j = 0; j < 16; j++)
				acc[j] += v[i + j] * q[i + j];
	}
	for (int j = 0; j < 16; j++)
		sum += acc[j];
	if (ix->metric == PXT_METRIC_L2)
		sum = -sum;
	return sum == sum ? sum : -INFINITY;
}

/* Scans every slot into the candidate heap c (room for cap): *n candidates. */
static void
pxt_vix_scan(pxt_vindex *ix, float qscale, bool (*keep)(int64_t, void *), void *ud,
    struct pxt_vcand *c, size_t cap, size_t *n)
{
	bool l2 = ix->metric == PXT_METRIC_L2;
	float f = l2 ? 2 * qscale : 1;

	for (uint64_t base = 0; base < ix->used; base += PXT_VIX_CHUNK) {
		size_t cnt = ix->used - base < PXT_VIX_CHUNK ? (size_t)(ix->used - base) :
		    PXT_VIX_CHUNK;
		const struct pxt_vaux *aux = pxt_vix_aux(ix, base);
		const int64_t *rowids = pxt_vix_rowid(ix, base);

		ix->dots(pxt_vix_codes(ix, base), ix->dimp, cnt, aux, ix->qc, ix->qu,
		    ix->dotbuf);
		for (size_t i = 0; i < cnt; i++) {
			struct pxt_vcand x;

			/* IP, cosine: scale * dot (the query's scale is common to all); L2:
			 * 2 q.v - |v|^2, the part of -|v - q|^2 that depends on v */
			x.key = f * aux[i].scale * (float)ix->dotbuf[i];
			if (l2)
				x.key -= aux[i].sqnorm;
			if (*n == cap && !(x.key > c[0].key))
				continue;
			if (rowids[i] == PXT_VIX_FREE ||
			    (keep != NULL && !keep(rowids[i], ud)))
				continue;
			if (x.key != x.key)
				x.key = -INFINITY;
			x.pad_ = 0;
			x.slot = base + i;
			pxt_vix_offer(c, n, cap, x);
		}
	}
}

pxt_err
pxt_vindex_search(pxt_vindex *ix, const float *q, int k,
    bool (*keep)(int64_t rowid, void *ud), void *ud, pxt_vhit *hits, int *nhits)
{
	struct pxt_vcand *cand = NULL;
	size_t ncand = 0, cap, nbest = 0;
	float sqnorm, qscale;
	int32_t qsum;
	bool took, dirty;
	pxt_err rc;

	if (nhits != NULL)
		*nhits = 0;
	if (q == NULL || hits == NULL || nhits == NULL)
		return pxt_seterr(PXT_EINVAL, "vector index: no query or no room for hits");
	if (k < 1 || k > PXT_VINDEX_MAX_K)
		return pxt_seterr(PXT_EINVAL, "vector index: k %d is not between 1 and %d", k,
		    PXT_VINDEX_MAX_K);
	if ((rc = pxt_vix_prepare(ix, q, ix->qf, &sqnorm)) != PXT_OK)
		return rc;
	pxt_vix_quantize(ix->qf, (size_t)ix->dim, ix->dimp, ix->qc, &qscale, &qsum);
	for (size_t i = 0; i < ix->dimp; i++)
		ix->qu[i] = (uint8_t)(ix->qc[i] + 128);
	if ((rc = pxt_vix_begin(ix, false, &took)) != PXT_OK)
		return rc;
	cap = (size_t)k * 8 < 100 ? 100 : (size_t)k * 8;
	if (cap > ix->used)
		cap = (size_t)ix->used;
	if (cap == 0)
		goto out;
	cand = malloc(cap * sizeof(*cand));
	if (cand == NULL) {
		rc = pxt_seterr(PXT_ENOMEM, "vector index: out of memory");
		goto out;
	}
	pxt_vix_scan(ix, qscale, keep, ud, cand, cap, &ncand);
	/* re-rank: the best k by exact key, into a min-heap at the front of cand */
	for (size_t i = 0; i < ncand; i++) {
		struct pxt_vcand x = cand[i];

		x.key = pxt_vix_exact(ix, x.slot);
		pxt_vix_offer(cand, &nbest, (size_t)k, x);
	}
	/* a killed writer may have left a rowid in two slots until the next writer */
	dirty = pxt_vix_hdr(ix)->dirty != 0;
	for (size_t n = nbest; n > 0; n--) {
		struct pxt_vcand x = cand[0];
		size_t at = n - 1;

		cand[0] = cand[n - 1];
		pxt_vix_sift(cand, n - 1, 0);
		hits[at].rowid = *pxt_vix_rowid(ix, x.slot);
		hits[at].score = ix->metric == PXT_METRIC_L2 ?
		    (float)pxt_vix_sqrt(-(double)x.key) : x.key;
	}
	*nhits = (int)nbest;
	if (dirty) {
		int w = 0;

		for (int i = 0; i < *nhits; i++) {
			int j = 0;

			while (j < w && hits[j].rowid != hits[i].rowid)
				j++;
			if (j == w)
				hits[w++] = hits[i];
		}
		*nhits = w;
	}
out:
	free(cand);
	pxt_vix_end(ix, took);
	return rc;
}
