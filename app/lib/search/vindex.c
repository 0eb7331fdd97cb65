/*
 * vindex.c - the exact embedding index's file: open, header checks, locks, the shared
 * mapping, and the changes (see vindex_int.h; the search is in vindex_scan.c).
 *
 * Crash safety. Only the holder of the exclusive lock writes. A change first records
 * itself in the header's journal (dirty = 1, the rowid, the slot it replaces), writes
 * the new vector into a free slot, publishes the slot by storing its rowid last, then
 * frees the replaced slot and clears dirty. A writer killed anywhere in between leaves
 * at worst the old and the new slot both holding the rowid, or a count off by one:
 * readers still read a well-formed file (every offset is derived from checked header
 * values, never read from the file), and the next exclusive lock sees dirty and
 * repairs (keeps the new slot, recounts). The compiler barriers below keep the stores
 * in that order; the processes' stores meet in the page cache.
 *
 * The rowid -> slot map and the list of free slots are private to the writing process
 * and rebuilt from the slots' rowids (a sequential read of 8 bytes per slot) only when
 * the header's generation shows that another process changed the file since.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "search/vindex_int.h"

#define PXT_VIX_MAGIC "PXTVIDX\n"
#define PXT_VIX_VERSION 1
#define PXT_VIX_BOM 0x01020304u

#define pxt_vix_barrier() __atomic_signal_fence(__ATOMIC_SEQ_CST)

static const char *
pxt_vix_metric_name(uint32_t m)
{
	switch (m) {
	case PXT_METRIC_COSINE: return "cosine";
	case PXT_METRIC_IP: return "ip";
	case PXT_METRIC_L2: return "l2";
	default: return "unknown";
	}
}

static size_t
pxt_vix_round(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

size_t
pxt_vindex_bytes_per_vector(int dim)
{
	if (dim < 1 || dim > PXT_VINDEX_MAX_DIM)
		return 0;
	return 8 + sizeof(struct pxt_vaux) + pxt_vix_round((size_t)dim, 64) +
	    4 * pxt_vix_round((size_t)dim, 16);
}

/* flock with EINTR retried. */
static int
pxt_vix_flock(int fd, int op)
{
	int rc;

	do
		rc = flock(fd, op);
	while (rc != 0 && errno == EINTR);
	return rc;
}

/* The header a new file starts with. */
static void
pxt_vix_fresh_hdr(const pxt_vindex *ix, struct pxt_vhdr *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, PXT_VIX_MAGIC, 8);
	h->version = PXT_VIX_VERSION;
	h->byte_order = PXT_VIX_BOM;
	h->hdr_bytes = PXT_VIX_HDR_BYTES;
	h->chunk_slots = PXT_VIX_CHUNK;
	h->dim = (uint32_t)ix->dim;
	h->metric = (uint32_t)ix->metric;
	h->chunk_bytes = ix->chunk_bytes;
	h->j_old = -1;
}

/*
 * Checks header h of a file of size bytes; fills ix->capacity and ix->used.
 * PXT_ECONFLICT naming what does not fit.
 */
static pxt_err
pxt_vix_check(pxt_vindex *ix, const struct pxt_vhdr *h, uint64_t size)
{
	uint64_t cap, used, count;

	if (size < PXT_VIX_HDR_BYTES)
		return pxt_seterr(PXT_ECONFLICT, "vector index %s: truncated (%llu bytes)",
		    ix->path, (unsigned long long)size);
	if (memcmp(h->magic, PXT_VIX_MAGIC, 8) != 0 || h->byte_order != PXT_VIX_BOM)
		return pxt_seterr(PXT_ECONFLICT, "vector index %s: not a vector index file",
		    ix->path);
	if (h->version != PXT_VIX_VERSION || h->hdr_bytes != PXT_VIX_HDR_BYTES ||
	    h->chunk_slots != PXT_VIX_CHUNK)
		return pxt_seterr(PXT_ECONFLICT, "vector index %s: format version %u, "
		    "expected %u", ix->path, h->version, PXT_VIX_VERSION);
	if (h->dim != (uint32_t)ix->dim || h->metric != (uint32_t)ix->metric)
		return pxt_seterr(PXT_ECONFLICT, "vector index %s: made for dim %u, metric "
		    "%s, not dim %d, metric %s", ix->path, h->dim,
		    pxt_vix_metric_name(h->metric), ix->dim,
		    pxt_vix_metric_name((uint32_t)ix->metric));
	cap = h->capacity;
	used = h->used;
	count = h->count;
	if (h->chunk_bytes != ix->chunk_bytes || cap % PXT_VIX_CHUNK != 0 ||
	    cap / PXT_VIX_CHUNK > (size - PXT_VIX_HDR_BYTES) / ix->chunk_bytes ||
	    used > cap || count > used)
		return pxt_seterr(PXT_ECONFLICT, "vector index %s: a torn or corrupt header "
		    "(capacity %llu, used %llu, count %llu, %llu bytes)", ix->path,
		    (unsigned long long)cap, (unsigned long long)used,
		    (unsigned long long)count, (unsigned long long)size);
	ix->capacity = cap;
	ix->used = used;
	return PXT_OK;
}

/* Maps at least need bytes (room to grow reserved: growing rarely remaps). */
static pxt_err
pxt_vix_map(pxt_vindex *ix, size_t need)
{
	size_t len;
	void *m;

	if (ix->map != NULL && need <= ix->map_len)
		return PXT_OK;
	len = pxt_vix_round(need < (4u << 20) ? (4u << 20) : need + need / 2, 1u << 20);
	m = mmap(NULL, len, ix->rdonly ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED,
	    ix->fd, 0);
	if (m == MAP_FAILED)
		return pxt_seterr(errno == ENOMEM ? PXT_ENOMEM : PXT_EIO,
		    "vector index %s: cannot map %zu bytes: %s", ix->path, len,
		    strerror(errno));
	if (ix->map != NULL)
		munmap(ix->map, ix->map_len);
	ix->map = m;
	ix->map_len = len;
	return PXT_OK;
}

static void
pxt_vix_detach(pxt_vindex *ix)
{
	if (ix->map != NULL)
		munmap(ix->map, ix->map_len);
	ix->map = NULL;
	ix->map_len = 0;
	if (ix->fd >= 0)
		close(ix->fd);
	ix->fd = -1;
	ix->map_ok = false;
}

/*
 * Opens ix->path (creating it when create), writes the header of an empty file, checks
 * the header and maps the file. No lock is held on return.
 */
static pxt_err
pxt_vix_attach(pxt_vindex *ix, bool create)
{
	struct pxt_vhdr h;
	struct stat st;
	ssize_t got;
	pxt_err rc;

	ix->rdonly = false;
	ix->fd = open(ix->path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0640);
	if (ix->fd < 0 && (errno == EACCES || errno == EROFS)) {
		ix->rdonly = true;
		ix->fd = open(ix->path, O_RDONLY | O_CLOEXEC);
	}
	if (ix->fd < 0)
		return pxt_seterr(errno == ENOENT ? PXT_ENOTFOUND : errno == EACCES ?
		    PXT_EPERM : PXT_EIO, "vector index %s: cannot open: %s", ix->path,
		    strerror(errno));
	if (fstat(ix->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = pxt_seterr(PXT_EIO, "vector index %s: not a regular file", ix->path);
		goto fail;
	}
	if (st.st_size == 0 && !ix->rdonly) {
		/* a new file (or one whose creator died before its header): write it */
		if (pxt_vix_flock(ix->fd, LOCK_EX) != 0) {
			rc = pxt_seterr(PXT_EIO, "vector index %s: cannot lock: %s", ix->path,
			    strerror(errno));
			goto fail;
		}
		if (fstat(ix->fd, &st) == 0 && st.st_size == 0) {
			char page[PXT_VIX_HDR_BYTES];

			memset(page, 0, sizeof(page));
			pxt_vix_fresh_hdr(ix, &h);
			memcpy(page, &h, sizeof(h));
			if (pwrite(ix->fd, page, sizeof(page), 0) != (ssize_t)sizeof(page)) {
				rc = pxt_seterr(errno == ENOSPC ? PXT_ESTORAGE : PXT_EIO,
				    "vector index %s: cannot write the header: %s", ix->path,
				    strerror(errno));
				(void)pxt_vix_flock(ix->fd, LOCK_UN);
				goto fail;
			}
		}
		(void)pxt_vix_flock(ix->fd, LOCK_UN);
	}
	/* check the header with a read first (the file may be shorter than a page), under
	 * the shared lock: a writer grows the file before its header says so */
	if (pxt_vix_flock(ix->fd, LOCK_SH) != 0) {
		rc = pxt_seterr(PXT_EIO, "vector index %s: cannot lock: %s", ix->path,
		    strerror(errno));
		goto fail;
	}
	memset(&h, 0, sizeof(h));
	if (fstat(ix->fd, &st) != 0 || (got = pread(ix->fd, &h, sizeof(h), 0)) < 0)
		rc = pxt_seterr(PXT_EIO, "vector index %s: cannot read: %s", ix->path,
		    strerror(errno));
	else if ((rc = pxt_vix_check(ix, &h, (uint64_t)st.st_size)) == PXT_OK)
		rc = pxt_vix_map(ix, (size_t)st.st_size);
	(void)pxt_vix_flock(ix->fd, LOCK_UN);
	if (rc != PXT_OK)
		goto fail;
	ix->dev = st.st_dev;
	ix->ino = st.st_ino;
	return PXT_OK;
fail:
	pxt_vix_detach(ix);
	return rc;
}

pxt_err
pxt_vindex_open(const char *path, int dim, pxt_metric metric, pxt_vindex **out)
{
	pxt_vindex *ix;
	pxt_err rc;

	*out = NULL;
	if (path == NULL || path[0] == '\0')
		return pxt_seterr(PXT_EINVAL, "vector index: no path");
	if (dim < 1 || dim > PXT_VINDEX_MAX_DIM)
		return pxt_seterr(PXT_EINVAL, "vector index %s: dim %d is not between 1 and "
		    "%d", path, dim, PXT_VINDEX_MAX_DIM);
	if (metric != PXT_METRIC_COSINE && metric != PXT_METRIC_IP && metric != PXT_METRIC_L2)
		return pxt_seterr(PXT_EINVAL, "vector index %s: unknown metric %d", path,
		    (int)metric);
	ix = calloc(1, sizeof(*ix));
	if (ix == NULL)
		return pxt_seterr(PXT_ENOMEM, "vector index: out of memory");
	ix->fd = -1;
	ix->dim = dim;
	ix->metric = metric;
	ix->dimp = pxt_vix_round((size_t)dim, 64);
	ix->dimf = pxt_vix_round((size_t)dim, 16);
	ix->chunk_bytes = PXT_VIX_CHUNK * pxt_vindex_bytes_per_vector(dim);
	ix->path = strdup(path);
	ix->qf = aligned_alloc(64, ix->dimf * sizeof(float));
	ix->qc = aligned_alloc(64, ix->dimp);
	ix->qu = aligned_alloc(64, ix->dimp);
	ix->dotbuf = aligned_alloc(64, PXT_VIX_CHUNK * sizeof(int32_t));
	if (ix->path == NULL || ix->qf == NULL || ix->qc == NULL || ix->qu == NULL ||
	    ix->dotbuf == NULL) {
		pxt_vindex_close(ix);
		return pxt_seterr(PXT_ENOMEM, "vector index: out of memory");
	}
	(void)pxt_vix_pick_kernel(ix, NULL);
	if ((rc = pxt_vix_attach(ix, true)) != PXT_OK) {
		pxt_vindex_close(ix);
		return rc;
	}
	*out = ix;
	return PXT_OK;
}

void
pxt_vindex_close(pxt_vindex *ix)
{
	if (ix == NULL)
		return;
	pxt_vindex_unlock(ix);
	pxt_vix_detach(ix);
	free(ix->mkeys);
	free(ix->mslots);
	free(ix->freel);
	free(ix->qf);
	free(ix->qc);
	free(ix->qu);
	free(ix->dotbuf);
	free(ix->path);
	free(ix);
}

/* ---- the writer's rowid -> slot map (linear probing, backward-shift deletion) ---- */

static size_t
pxt_vix_hash(int64_t key, size_t mask)
{
	uint64_t x = (uint64_t)key;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (size_t)x & mask;
}

static int64_t
pxt_vix_map_get(pxt_vindex *ix, int64_t key)
{
	size_t mask = ix->mcap - 1, i = pxt_vix_hash(key, mask);

	if (ix->mcap == 0)
		return -1;
	while (ix->mkeys[i] != PXT_VIX_FREE) {
		if (ix->mkeys[i] == key)
			return ix->mslots[i];
		i = (i + 1) & mask;
	}
	return -1;
}

static pxt_err pxt_vix_map_grow(pxt_vindex *ix, size_t want);

/* Sets key -> slot; only a new key can fail (PXT_ENOMEM, the map unchanged). */
static pxt_err
pxt_vix_map_put(pxt_vindex *ix, int64_t key, int64_t slot)
{
	size_t mask = ix->mcap - 1, i;
	pxt_err rc;

	if (ix->mcap > 0) {
		for (i = pxt_vix_hash(key, mask); ix->mkeys[i] != PXT_VIX_FREE;
		    i = (i + 1) & mask)
			if (ix->mkeys[i] == key) {
				ix->mslots[i] = slot;
				return PXT_OK;
			}
	}
	if ((ix->mn + 1) * 2 > ix->mcap &&
	    (rc = pxt_vix_map_grow(ix, ix->mcap ? ix->mcap * 2 : 1024)) != PXT_OK)
		return rc;
	mask = ix->mcap - 1;
	i = pxt_vix_hash(key, mask);
	while (ix->mkeys[i] != PXT_VIX_FREE)
		i = (i + 1) & mask;
	ix->mn++;
	ix->mkeys[i] = key;
	ix->mslots[i] = slot;
	return PXT_OK;
}

static pxt_err
pxt_vix_map_grow(pxt_vindex *ix, size_t want)
{
	int64_t *ok = ix->mkeys, *os = ix->mslots;
	size_t ocap = ix->mcap, cap = 1024;

	while (cap < want)
		cap *= 2;
	if (cap <= ocap)
		return PXT_OK;
	ix->mkeys = malloc(cap * sizeof(int64_t));
	ix->mslots = malloc(cap * sizeof(int64_t));
	if (ix->mkeys == NULL || ix->mslots == NULL) {
		free(ix->mkeys);
		free(ix->mslots);
		ix->mkeys = ok;
		ix->mslots = os;
		return pxt_seterr(PXT_ENOMEM, "vector index: out of memory");
	}
	for (size_t i = 0; i < cap; i++)
		ix->mkeys[i] = PXT_VIX_FREE;
	ix->mcap = cap;
	ix->mn = 0;
	for (size_t i = 0; i < ocap; i++)
		if (ok[i] != PXT_VIX_FREE)
			(void)pxt_vix_map_put(ix, ok[i], os[i]);	/* fits: no growth */
	free(ok);
	free(os);
	return PXT_OK;
}

static void
pxt_vix_map_del(pxt_vindex *ix, int64_t key)
{
	size_t mask = ix->mcap - 1, i = pxt_vix_hash(key, mask), j, h;

	if (ix->mcap == 0)
		return;
	while (ix->mkeys[i] != key) {
		if (ix->mkeys[i] == PXT_VIX_FREE)
			return;
		i = (i + 1) & mask;
	}
	ix->mn--;
	/* shift back the entries of the run after i that may live at i */
	for (j = (i + 1) & mask; ix->mkeys[j] != PXT_VIX_FREE; j = (j + 1) & mask) {
		h = pxt_vix_hash(ix->mkeys[j], mask);
		if (((j - h) & mask) >= ((j - i) & mask)) {
			ix->mkeys[i] = ix->mkeys[j];
			ix->mslots[i] = ix->mslots[j];
			i = j;
		}
	}
	ix->mkeys[i] = PXT_VIX_FREE;
}

/* Room for n free slots in the free list. */
static pxt_err
pxt_vix_free_reserve(pxt_vindex *ix, size_t n)
{
	size_t cap = ix->freecap ? ix->freecap : 256;
	int64_t *f;

	if (n <= ix->freecap)
		return PXT_OK;
	while (cap < n)
		cap *= 2;
	f = realloc(ix->freel, cap * sizeof(int64_t));
	if (f == NULL)
		return pxt_seterr(PXT_ENOMEM, "vector index: out of memory");
	ix->freel = f;
	ix->freecap = cap;
	return PXT_OK;
}

static pxt_err
pxt_vix_free_push(pxt_vindex *ix, int64_t slot)
{
	pxt_err rc = pxt_vix_free_reserve(ix, ix->nfree + 1);

	if (rc == PXT_OK)
		ix->freel[ix->nfree++] = slot;
	return rc;
}

/*
 * Rebuilds the map and the free list from the slots (exclusive lock held). A rowid in
 * two slots (a killed writer's leftover) keeps the slot that is not the journal's
 * replaced one. With repair, or when the count is off, fixes the header.
 */
static pxt_err
pxt_vix_rebuild(pxt_vindex *ix, bool repair)
{
	struct pxt_vhdr *h = pxt_vix_hdr(ix);
	int64_t jold = h->j_old, s, prev;
	uint64_t live = 0;
	pxt_err rc;

	ix->map_ok = false;
	ix->nfree = 0;
	for (size_t i = 0; i < ix->mcap; i++)
		ix->mkeys[i] = PXT_VIX_FREE;
	ix->mn = 0;
	if ((rc = pxt_vix_map_grow(ix, (size_t)h->count * 2 + 2)) != PXT_OK)
		return rc;
	for (s = (int64_t)ix->used - 1; s >= 0; s--) {
		int64_t r = *pxt_vix_rowid(ix, (uint64_t)s);

		if (r != PXT_VIX_FREE && (prev = pxt_vix_map_get(ix, r)) >= 0) {
			/* a duplicate: free one of the two slots */
			int64_t drop = prev == jold ? prev : s;

			*pxt_vix_rowid(ix, (uint64_t)drop) = PXT_VIX_FREE;
			if (drop == prev && (rc = pxt_vix_map_put(ix, r, s)) != PXT_OK)
				return rc;
			if ((rc = pxt_vix_free_push(ix, drop)) != PXT_OK)
				return rc;
			continue;
		}
		if (r == PXT_VIX_FREE)
			rc = pxt_vix_free_push(ix, s);
		else {
			rc = pxt_vix_map_put(ix, r, s);
			live++;
		}
		if (rc != PXT_OK)
			return rc;
	}
	/* pushed from the top down: the lowest free slot is popped first */
	if (repair || h->count != live) {
		h->count = live;
		h->j_old = -1;
		h->gen++;
		pxt_vix_barrier();
		h->dirty = 0;
	}
	ix->map_gen = h->gen;
	ix->map_ok = true;
	return PXT_OK;
}

/* ---- locks ----------------------------------------------------------------------- */

/* Reads and checks the header under the lock; remaps a grown file. */
static pxt_err
pxt_vix_refresh(pxt_vindex *ix)
{
	struct stat st;
	pxt_err rc;

	if (fstat(ix->fd, &st) != 0)
		return pxt_seterr(PXT_EIO, "vector index %s: %s", ix->path, strerror(errno));
	if (st.st_size < PXT_VIX_HDR_BYTES)
		return pxt_seterr(PXT_ECONFLICT, "vector index %s: truncated (%lld bytes)",
		    ix->path, (long long)st.st_size);
	if ((size_t)st.st_size > ix->map_len &&
	    (rc = pxt_vix_map(ix, (size_t)st.st_size)) != PXT_OK)
		return rc;
	return pxt_vix_check(ix, pxt_vix_hdr(ix), (uint64_t)st.st_size);
}

pxt_err
pxt_vindex_lock(pxt_vindex *ix, bool exclusive)
{
	struct stat st;
	pxt_err rc;

	if (ix->lock != 0)
		return pxt_seterr(PXT_EINVAL, "vector index %s: already locked", ix->path);
	for (int tries = 0;; tries++) {
		if (ix->fd < 0 && (rc = pxt_vix_attach(ix, false)) != PXT_OK)
			return rc;
		if (exclusive && ix->rdonly)
			return pxt_seterr(PXT_EPERM, "vector index %s: read-only", ix->path);
		if (pxt_vix_flock(ix->fd, exclusive ? LOCK_EX : LOCK_SH) != 0)
			return pxt_seterr(PXT_EIO, "vector index %s: cannot lock: %s", ix->path,
			    strerror(errno));
		/* another file renamed over the path (a rebuild): switch to it */
		if (tries < 8 && stat(ix->path, &st) == 0 &&
		    (st.st_dev != ix->dev || st.st_ino != ix->ino)) {
			(void)pxt_vix_flock(ix->fd, LOCK_UN);
			pxt_vix_detach(ix);
			continue;
		}
		break;
	}
	ix->lock = exclusive ? 2 : 1;
	if ((rc = pxt_vix_refresh(ix)) != PXT_OK) {
		pxt_vindex_unlock(ix);
		return rc;
	}
	if (exclusive && pxt_vix_hdr(ix)->dirty != 0 &&
	    (rc = pxt_vix_rebuild(ix, true)) != PXT_OK) {
		pxt_vindex_unlock(ix);
		return rc;
	}
	return PXT_OK;
}

void
pxt_vindex_unlock(pxt_vindex *ix)
{
	if (ix->lock == 0)
		return;
	ix->lock = 0;
	if (ix->fd >= 0)
		(void)pxt_vix_flock(ix->fd, LOCK_UN);
}

pxt_err
pxt_vix_begin(pxt_vindex *ix, bool exclusive, bool *took)
{
	pxt_err rc;

	*took = false;
	if (ix->lock == 0) {
		if ((rc = pxt_vindex_lock(ix, exclusive)) != PXT_OK)
			return rc;
		*took = true;
		return PXT_OK;
	}
	if (exclusive && ix->lock != 2)
		return pxt_seterr(PXT_EINVAL, "vector index %s: a change needs the exclusive "
		    "lock, the handle holds the shared one", ix->path);
	return PXT_OK;
}

void
pxt_vix_end(pxt_vindex *ix, bool took)
{
	if (took)
		pxt_vindex_unlock(ix);
}

/* ---- changes --------------------------------------------------------------------- */

/* The map is current, or rebuilt (exclusive lock held). */
static pxt_err
pxt_vix_ensure_map(pxt_vindex *ix)
{
	if (ix->map_ok && ix->map_gen == pxt_vix_hdr(ix)->gen)
		return PXT_OK;
	return pxt_vix_rebuild(ix, false);
}

/* Adds a chunk of slots: the file grows (space allocated), then the header says so. */
static pxt_err
pxt_vix_grow(pxt_vindex *ix)
{
	size_t old = PXT_VIX_HDR_BYTES + ix->capacity / PXT_VIX_CHUNK * ix->chunk_bytes;
	size_t size = old + ix->chunk_bytes;
	pxt_err rc;
	int e;

	e = posix_fallocate(ix->fd, (off_t)old, (off_t)ix->chunk_bytes);
	if (e == EINVAL || e == EOPNOTSUPP)
		e = ftruncate(ix->fd, (off_t)size) == 0 ? 0 : errno;
	if (e != 0)
		return pxt_seterr(e == ENOSPC || e == EDQUOT ? PXT_ESTORAGE : PXT_EIO,
		    "vector index %s: cannot grow to %zu bytes: %s", ix->path, size,
		    strerror(e));
	if ((rc = pxt_vix_map(ix, size)) != PXT_OK)
		return rc;
	ix->capacity += PXT_VIX_CHUNK;
	pxt_vix_barrier();
	pxt_vix_hdr(ix)->capacity = ix->capacity;
	return PXT_OK;
}

pxt_err
pxt_vindex_upsert(pxt_vindex *ix, int64_t rowid, const float *v)
{
	struct pxt_vhdr *h;
	struct pxt_vaux aux;
	int64_t old, s;
	bool took;
	pxt_err rc;

	if (rowid == PXT_VIX_FREE)
		return pxt_seterr(PXT_EINVAL, "vector index %s: rowid %lld is reserved",
		    ix->path, (long long)rowid);
	if (v == NULL)
		return pxt_seterr(PXT_EINVAL, "vector index %s: no vector", ix->path);
	if ((rc = pxt_vix_begin(ix, true, &took)) != PXT_OK)
		return rc;
	if ((rc = pxt_vix_ensure_map(ix)) != PXT_OK)
		goto out;
	h = pxt_vix_hdr(ix);
	memset(&aux, 0, sizeof(aux));
	/* qf and qc are the search's scratch; a search never runs inside a change */
	if ((rc = pxt_vix_prepare(ix, v, ix->qf, &aux.sqnorm)) != PXT_OK)
		goto out;
	pxt_vix_quantize(ix->qf, (size_t)ix->dim, ix->dimp, ix->qc, &aux.scale, &aux.csum);
	if (ix->nfree == 0 && ix->used == ix->capacity && (rc = pxt_vix_grow(ix)) != PXT_OK)
		goto out;
	h = pxt_vix_hdr(ix);	/* growing may have remapped */
	s = ix->nfree > 0 ? ix->freel[ix->nfree - 1] : (int64_t)ix->used;
	old = pxt_vix_map_get(ix, rowid);
	/* reserve the free list's room and the map entry before the file changes:
	 * nothing fails after this (a failed put leaves the map as it was) */
	if ((rc = pxt_vix_free_reserve(ix, ix->nfree + 1)) != PXT_OK ||
	    (rc = pxt_vix_map_put(ix, rowid, old >= 0 ? old : s)) != PXT_OK)
		goto out;
	h->j_rowid = rowid;
	h->j_old = old;
	pxt_vix_barrier();
	h->dirty = 1;
	pxt_vix_barrier();
	memcpy(pxt_vix_vec(ix, (uint64_t)s), ix->qf, ix->dimf * sizeof(float));
	memcpy(pxt_vix_codes(ix, (uint64_t)s), ix->qc, ix->dimp);
	*pxt_vix_aux(ix, (uint64_t)s) = aux;
	pxt_vix_barrier();
	*pxt_vix_rowid(ix, (uint64_t)s) = rowid;	/* published */
	pxt_vix_barrier();
	if ((uint64_t)s == ix->used) {
		ix->used++;
		h->used = ix->used;
	} else {
		ix->nfree--;	/* s came from the free list */
	}
	if (old >= 0) {
		*pxt_vix_rowid(ix, (uint64_t)old) = PXT_VIX_FREE;
		ix->freel[ix->nfree++] = old;
	} else {
		h->count++;
	}
	(void)pxt_vix_map_put(ix, rowid, s);	/* the key exists: cannot fail */
	h->gen++;
	pxt_vix_barrier();
	h->j_old = -1;
	h->dirty = 0;
	ix->map_gen = h->gen;
out:
	pxt_vix_end(ix, took);
	return rc;
}

pxt_err
pxt_vindex_remove(pxt_vindex *ix, int64_t rowid)
{
	struct pxt_vhdr *h;
	int64_t s;
	bool took;
	pxt_err rc;

	if ((rc = pxt_vix_begin(ix, true, &took)) != PXT_OK)
		return rc;
	if ((rc = pxt_vix_ensure_map(ix)) != PXT_OK)
		goto out;
	if (rowid == PXT_VIX_FREE || (s = pxt_vix_map_get(ix, rowid)) < 0)
		goto out;
	if ((rc = pxt_vix_free_reserve(ix, ix->nfree + 1)) != PXT_OK)
		goto out;
	h = pxt_vix_hdr(ix);
	h->j_rowid = rowid;
	h->j_old = -1;
	pxt_vix_barrier();
	h->dirty = 1;
	pxt_vix_barrier();
	*pxt_vix_rowid(ix, (uint64_t)s) = PXT_VIX_FREE;
	pxt_vix_barrier();
	h->count--;
	h->gen++;
	pxt_vix_barrier();
	h->dirty = 0;
	ix->freel[ix->nfree++] = s;
	pxt_vix_map_del(ix, rowid);
	ix->map_gen = h->gen;
out:
	pxt_vix_end(ix, took);
	return rc;
}

pxt_err
pxt_vindex_clear(pxt_vindex *ix)
{
	struct pxt_vhdr *h;
	bool took;
	pxt_err rc;

	if ((rc = pxt_vix_begin(ix, true, &took)) != PXT_OK)
		return rc;
	h = pxt_vix_hdr(ix);
	/* the header first: a file longer than its header says is well-formed */
	h->count = 0;
	h->used = 0;
	pxt_vix_barrier();
	h->capacity = 0;
	h->j_old = -1;
	h->gen++;
	pxt_vix_barrier();
	h->dirty = 0;
	ix->used = ix->capacity = 0;
	ix->nfree = 0;
	for (size_t i = 0; i < ix->mcap; i++)
		ix->mkeys[i] = PXT_VIX_FREE;
	ix->mn = 0;
	ix->map_ok = true;
	ix->map_gen = h->gen;
	if (ftruncate(ix->fd, PXT_VIX_HDR_BYTES) != 0)
		rc = pxt_seterr(PXT_EIO, "vector index %s: cannot shrink: %s", ix->path,
		    strerror(errno));
	pxt_vix_end(ix, took);
	return rc;
}

int64_t
pxt_vindex_count(pxt_vindex *ix)
{
	int64_t n;
	bool took;

	if (pxt_vix_begin(ix, false, &took) != PXT_OK)
		return -1;
	n = (int64_t)pxt_vix_hdr(ix)->count;
	pxt_vix_end(ix, took);
	return n;
}

uint64_t
pxt_vindex_mark(pxt_vindex *ix)
{
	uint64_t m;
	bool took;

	if (pxt_vix_begin(ix, false, &took) != PXT_OK)
		return 0;
	m = pxt_vix_hdr(ix)->mark;
	pxt_vix_end(ix, took);
	return m;
}

pxt_err
pxt_vindex_set_mark(pxt_vindex *ix, uint64_t mark)
{
	bool took;
	pxt_err rc;

	if ((rc = pxt_vix_begin(ix, true, &took)) != PXT_OK)
		return rc;
	pxt_vix_hdr(ix)->mark = mark;
	pxt_vix_end(ix, took);
	return PXT_OK;
}

pxt_err
pxt_vindex_flush(pxt_vindex *ix)
{
	size_t len;
	bool took;
	pxt_err rc;

	if ((rc = pxt_vix_begin(ix, false, &took)) != PXT_OK)
		return rc;
	len = PXT_VIX_HDR_BYTES + ix->capacity / PXT_VIX_CHUNK * ix->chunk_bytes;
	if (msync(ix->map, len, MS_SYNC) != 0)
		rc = pxt_seterr(PXT_EIO, "vector index %s: cannot flush: %s", ix->path,
		    strerror(errno));
	pxt_vix_end(ix, took);
	return rc;
}
