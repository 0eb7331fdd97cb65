/*
 * vindex_int.h - the exact embedding index: an on-disk vector index for search when
 * PostgreSQL has no pgvector (vindex.c: the file, its locks and its changes;
 * vindex_scan.c: the search and its SIMD kernels). Internal to libpxt and pxtc's own
 * programs.
 *
 * One file per index, shared by every process of a machine: each process maps it with
 * MAP_SHARED, so the vectors live once in the page cache, not once per worker. Writers
 * hold the exclusive lock (flock on the file), readers the shared one while they
 * search; a change made by one process is seen by every other process's next lock: the
 * file grows by chunks of slots, and a reader remaps when the header says the file is
 * larger than its mapping. A search scans int8 codes (per-vector scale) with the best
 * SIMD kernel of the CPU, keeps the best max(8 k, 100) candidates and re-ranks them
 * with the exact float32 vectors.
 *
 * A handle is used by one thread at a time; the library keeps no mutable static state.
 *
 * File format (version 1, native byte order, checked at open):
 *   [0, 4096)  the header (struct pxt_vhdr): magic "PXTVIDX\n", version, byte-order
 *              mark, dim, metric, slots per chunk (1024), the chunk's size in bytes,
 *              capacity (slots allocated), used (slots ever written, a high-water
 *              mark), count (live vectors), a generation bumped by every change, the
 *              caller's watermark, and a one-entry journal (dirty flag, rowid, old
 *              slot) that lets the next writer repair what a killed writer left.
 *   then capacity / 1024 chunks, each: int64 rowid[1024] (INT64_MIN: a free slot),
 *              struct pxt_vaux aux[1024] (scale, squared norm, sum of the codes),
 *              int8 codes[1024][round_up(dim, 64)], float32 vec[1024][round_up(dim,
 *              16)] (zero padded; normalized for the cosine metric).
 * Everything read from the file is checked against the file's size before use; a
 * header that does not add up (bad magic, sizes beyond the file) is PXT_ECONFLICT:
 * the caller removes the file and rebuilds it.
 */
#ifndef PXT_VINDEX_H
#define PXT_VINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pxt/error.h"
#include "pxt/search.h"

typedef struct pxt_vindex pxt_vindex;

/* pxt_metric (cosine, inner product, Euclidean) is the public one of pxt/search.h */

typedef struct pxt_vhit {
	int64_t rowid;
	float score;
} pxt_vhit;

/* The largest dimension an index takes. */
#define PXT_VINDEX_MAX_DIM 16384
/* The largest k of one search. */
#define PXT_VINDEX_MAX_K 100000

/*
 * pxt_vindex_open opens the index file at path, creating it (mode 0640) when it does
 * not exist; its folder must exist. The file must have been made for dim (1 to
 * PXT_VINDEX_MAX_DIM) and metric: one made for another dim, metric or format, or one
 * whose header is torn or does not fit the file, is PXT_ECONFLICT (the caller removes
 * it and rebuilds). A file the process may only read opens read-only (changes are then
 * PXT_EPERM). Returns PXT_OK with *out a handle the caller frees with
 * pxt_vindex_close; otherwise *out is NULL: PXT_EINVAL bad arguments, PXT_EIO /
 * PXT_EPERM the file cannot be opened or mapped, PXT_ENOMEM.
 *
 * To rebuild an index in place, build it at another path in the same folder and
 * rename it over path: every open handle switches to the new file at its next lock.
 */
pxt_err pxt_vindex_open(const char *path, int dim, pxt_metric metric, pxt_vindex **out);

/* pxt_vindex_close releases the handle's lock, unmaps and closes the file, frees ix.
 * NULL is a no-op. */
void pxt_vindex_close(pxt_vindex *ix);

/*
 * pxt_vindex_lock takes the file's exclusive (writers) or shared (readers) lock,
 * waiting for it, then reads the header: it remaps a file that grew, follows a file
 * renamed over the path, and (exclusive) repairs what a writer killed mid-change left.
 * Every other call takes the lock it needs for its own duration when the handle holds
 * none; hold it across several calls to make them one atomic change or one consistent
 * view. PXT_EINVAL when the handle already holds a lock, PXT_EPERM exclusive on a
 * read-only handle, PXT_ECONFLICT a header that does not fit the file (the lock is
 * then released), PXT_EIO.
 */
pxt_err pxt_vindex_lock(pxt_vindex *ix, bool exclusive);

/* pxt_vindex_unlock releases the handle's lock; a no-op when it holds none. */
void pxt_vindex_unlock(pxt_vindex *ix);

/*
 * pxt_vindex_upsert stores v (dim finite floats) for rowid (any value but INT64_MIN),
 * replacing the rowid's vector when present. Needs the exclusive lock (taken here when
 * the handle holds none; PXT_EINVAL when it holds the shared one). PXT_EINVAL for a
 * non-finite element, PXT_ESTORAGE when the disk is full, PXT_EIO, PXT_ENOMEM.
 */
pxt_err pxt_vindex_upsert(pxt_vindex *ix, int64_t rowid, const float *v);

/* pxt_vindex_remove removes rowid's vector; an absent rowid is PXT_OK. Locks and
 * fails as pxt_vindex_upsert. */
pxt_err pxt_vindex_remove(pxt_vindex *ix, int64_t rowid);

/* pxt_vindex_clear removes every vector and shrinks the file to its header; the
 * watermark is kept. Locks and fails as pxt_vindex_upsert. */
pxt_err pxt_vindex_clear(pxt_vindex *ix);

/* pxt_vindex_count returns the number of vectors, or -1 (message set) when the file
 * cannot be locked or read. */
int64_t pxt_vindex_count(pxt_vindex *ix);

/*
 * pxt_vindex_mark returns the 64-bit watermark the caller keeps in the header (its
 * sync position; 0 in a new file), or 0 when the file cannot be read.
 * pxt_vindex_set_mark stores one; it locks and fails as pxt_vindex_upsert.
 */
uint64_t pxt_vindex_mark(pxt_vindex *ix);
pxt_err pxt_vindex_set_mark(pxt_vindex *ix, uint64_t mark);

/*
 * pxt_vindex_flush writes the file's changed pages to disk and waits (msync): changes
 * survive a process crash without it, a machine crash only with it. PXT_EIO.
 */
pxt_err pxt_vindex_flush(pxt_vindex *ix);

/*
 * pxt_vindex_search writes the k (1 to PXT_VINDEX_MAX_K) best vectors for the query q
 * (dim finite floats) to hits, best first, and their number (at most k, fewer when the
 * index holds fewer) to *nhits. keep (may be NULL) is asked about candidate rowids
 * (those whose approximate score would enter the candidates), under the lock: false
 * leaves the rowid out; it must not call into this handle. score: cosine similarity
 * for COSINE (the query is normalized; a zero query or vector scores 0), the dot
 * product for IP, the Euclidean distance for L2 (ascending). Takes the shared lock for its duration when the handle
 * holds none. Allocates O(k) memory. PXT_EINVAL bad arguments or a non-finite query
 * element, PXT_ECONFLICT / PXT_EIO from the lock, PXT_ENOMEM.
 */
pxt_err pxt_vindex_search(pxt_vindex *ix, const float *q, int k,
    bool (*keep)(int64_t rowid, void *ud), void *ud, pxt_vhit *hits, int *nhits);

/* pxt_vindex_bytes_per_vector returns the file bytes one vector of dim takes (the
 * header and the unused slots of the last chunk aside); 0 for a bad dim. */
size_t pxt_vindex_bytes_per_vector(int dim);

/*
 * pxt_vindex_kernel returns the name of the scan kernel the handle uses ("avx512vnni",
 * "avx2" or "scalar"); with name not NULL it first switches to that kernel, and
 * returns NULL (keeping the current one) when this CPU or build does not have it. For
 * tests and benchmarks: the best kernel is chosen at open.
 */
const char *pxt_vindex_kernel(pxt_vindex *ix, const char *name);

/* ---- internal to vindex.c and vindex_scan.c ---------------------------------------- */

#define PXT_VIX_HDR_BYTES 4096
#define PXT_VIX_CHUNK 1024
#define PXT_VIX_FREE INT64_MIN	/* rowid of a free slot */

struct pxt_vhdr {
	char magic[8];
	uint32_t version;
	uint32_t byte_order;
	uint32_t hdr_bytes;
	uint32_t chunk_slots;
	uint32_t dim;
	uint32_t metric;
	uint64_t chunk_bytes;
	uint64_t capacity;
	uint64_t used;
	uint64_t count;
	uint64_t gen;
	uint64_t mark;
	uint64_t dirty;
	int64_t j_rowid;
	int64_t j_old;
};

/* Per slot: the int8 codes' scale (v ~ scale * code), the exact squared norm, and the
 * sum of the codes (for the unsigned-by-signed VNNI kernel). */
struct pxt_vaux {
	float scale;
	float sqnorm;
	int32_t csum;
	uint32_t pad_;
};

/* out[i] = sum_j codes[i * dimp + j] * qc[j] for i < n; qu[j] = qc[j] + 128. */
typedef void (*pxt_vdots_fn)(const int8_t *codes, size_t dimp, size_t n,
    const struct pxt_vaux *aux, const int8_t *qc, const uint8_t *qu, int32_t *out);

struct pxt_vindex {
	char *path;
	int fd;			/* -1: detached (the file was replaced, reopening failed) */
	bool rdonly;
	int lock;		/* 0 none, 1 shared, 2 exclusive */
	int dim;
	pxt_metric metric;
	dev_t dev;
	ino_t ino;
	size_t dimp;		/* bytes of a code row: dim rounded up to 64 */
	size_t dimf;		/* floats of a vector row: dim rounded up to 16 */
	size_t chunk_bytes;
	unsigned char *map;
	size_t map_len;
	uint64_t capacity, used;	/* the header's, as checked at lock time */
	/* the writer's rowid -> slot map and free slots, valid for generation map_gen */
	bool map_ok;
	uint64_t map_gen;
	int64_t *mkeys, *mslots;
	size_t mcap, mn;
	int64_t *freel;
	size_t nfree, freecap;
	/* the scan */
	pxt_vdots_fn dots;
	const char *kname;
	float *qf;		/* dimf: the query (normalized for cosine), or a vector */
	int8_t *qc;		/* dimp */
	uint8_t *qu;		/* dimp */
	int32_t *dotbuf;	/* PXT_VIX_CHUNK */
};

static inline struct pxt_vhdr *
pxt_vix_hdr(pxt_vindex *ix)
{
	return (struct pxt_vhdr *)ix->map;
}

static inline unsigned char *
pxt_vix_chunk(pxt_vindex *ix, uint64_t slot)
{
	return ix->map + PXT_VIX_HDR_BYTES + (slot / PXT_VIX_CHUNK) * ix->chunk_bytes;
}

static inline int64_t *
pxt_vix_rowid(pxt_vindex *ix, uint64_t slot)
{
	return (int64_t *)pxt_vix_chunk(ix, slot) + slot % PXT_VIX_CHUNK;
}

static inline struct pxt_vaux *
pxt_vix_aux(pxt_vindex *ix, uint64_t slot)
{
	return (struct pxt_vaux *)(pxt_vix_chunk(ix, slot) + 8 * PXT_VIX_CHUNK) +
	    slot % PXT_VIX_CHUNK;
}

static inline int8_t *
pxt_vix_codes(pxt_vindex *ix, uint64_t slot)
{
	return (int8_t *)(pxt_vix_chunk(ix, slot) + 24 * PXT_VIX_CHUNK) +
	    (slot % PXT_VIX_CHUNK) * ix->dimp;
}

static inline float *
pxt_vix_vec(pxt_vindex *ix, uint64_t slot)
{
	return (float *)(pxt_vix_chunk(ix, slot) + (24 + ix->dimp) * PXT_VIX_CHUNK) +
	    (slot % PXT_VIX_CHUNK) * ix->dimf;
}

/* Takes the lock a call needs when the handle holds none (*took: release it after). */
pxt_err pxt_vix_begin(pxt_vindex *ix, bool exclusive, bool *took);
void pxt_vix_end(pxt_vindex *ix, bool took);

/* Copies v (finite; checked) into out[dimf], zero padded, normalized for cosine;
 * *sqnorm gets its squared norm. PXT_EINVAL naming the element otherwise. */
pxt_err pxt_vix_prepare(const pxt_vindex *ix, const float *v, float *out, float *sqnorm);
/* Quantizes f[dimf] into codes[dimp] (symmetric, |code| <= 127); *scale, *csum. */
void pxt_vix_quantize(const float *f, size_t dim, size_t dimp, int8_t *codes,
    float *scale, int32_t *csum);
/* The square root of x >= 0 (0 for anything else), without libm. */
double pxt_vix_sqrt(double x);
/* Picks the kernel called name (NULL: the best this CPU runs); false when unknown or
 * not runnable here. */
bool pxt_vix_pick_kernel(pxt_vindex *ix, const char *name);

#endif
