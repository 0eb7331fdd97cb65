/*
 * media_store_int.h - generated media inside libpxt: the local media store
 * (media_store.c), the image operations that read images and write into it
 * (image_fn.c), and the table of media built-in functions (udf_media.c).
 *
 * Generated files get random names under <store>/gen/; an upload keeps its own name
 * in a folder of its own, <store>/uploads/<32 hex>/NAME. A file written during a request
 * is recorded in the request's pool; unless the caller declares it kept (after the
 * database transaction that references it committed), the pool's cleanup deletes it,
 * so a failed insert leaves no orphan file behind.
 */
#ifndef PXT_MEDIA_STORE_H
#define PXT_MEDIA_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "pxt/config.h"
#include "pxt/error.h"
#include "pxt/expr.h"
#include "pxt/pool.h"

/*
 * pxt_media_store_set sets the process-wide folder of the local media store (for
 * example $PIXELTABLE_HOME/media); the string is copied; NULL forgets it. Call it at
 * start-up, before requests run: it is not synchronized with readers.
 */
void pxt_media_store_set(const char *dir);

/* pxt_media_store_dir returns the folder set, or NULL. Static; never freed. */
const char *pxt_media_store_dir(void);

/*
 * pxt_media_store_create picks a new unique name for a generated file with extension
 * ext ("png"): *final_path is <dir>/gen/<2 hex>/<32 hex>.<ext>, *tmp_path a hidden
 * name in the same folder for the caller to write first; both in pool memory. Creates
 * the folders (mode 0750) as needed; the temporary file is deleted when the pool is
 * freed, whether or not it was committed. PXT_ECONFIG when no store folder is set,
 * PXT_EINVAL for a bad extension, PXT_EIO / PXT_EPERM when a folder cannot be made.
 */
pxt_err pxt_media_store_create(pxt_pool *pool, const char *ext, char **final_path,
    char **tmp_path);

/*
 * pxt_media_store_area makes the files pxt_media_store_create names for pool from now
 * on go under <dir>/<area>/ instead of <dir>/gen/ (area: a folder name, copied):
 * a compute route's files go to "compute", which no row owns and a sweep empties
 * (pxt_compute_sweep). PXT_ENOMEM.
 */
pxt_err pxt_media_store_area(pxt_pool *pool, const char *area);

/*
 * pxt_media_store_commit_file flushes tmp_path to disk, renames it to final_path and
 * records final_path in pool, to be deleted when the pool is freed unless
 * pxt_media_store_keep is called first. PXT_EIO (message names the files) on failure;
 * the temporary file is then deleted at once.
 */
pxt_err pxt_media_store_commit_file(pxt_pool *pool, const char *tmp_path,
    const char *final_path);

/*
 * pxt_media_store_keep declares every file committed so far in pool permanent: call it
 * once the transaction that references them committed. Files committed afterwards are
 * again deleted with the pool unless keep is called again. Never fails.
 */
void pxt_media_store_keep(pxt_pool *pool);

/*
 * pxt_media_store_discard deletes now the files committed in pool and not kept (local
 * files and objects alike) and forgets the releases noted in it: the write that would
 * have referenced them failed, and the answer saying so should not race the deletion.
 * Never fails (a remote deletion that fails is logged).
 */
void pxt_media_store_discard(pxt_pool *pool);

/*
 * pxt_media_store_owns tells whether path is a file the store made (generated media
 * under gen/, uploads under uploads/): the row that refers to it owns it.
 * pxt_media_store_release notes such a file for deletion once the write of pool
 * commits (pxt_media_store_keep); paths the store does not own are left alone.
 */
bool pxt_media_store_owns(const char *path);
pxt_err pxt_media_store_release(pxt_pool *pool, const char *path);

/*
 * pxt_media_store_record_remote records the object url (an object-store URL the
 * store uploaded) in pool like a committed file: deleted from the store when the pool
 * goes unless pxt_media_store_keep is called first. PXT_ENOMEM when it cannot.
 */
pxt_err pxt_media_store_record_remote(pxt_pool *pool, const char *url);

/*
 * pxt_media_store_forget deletes the committed local file path now and drops it from
 * pool's record (it was moved to an object store). Never fails.
 */
void pxt_media_store_forget(pxt_pool *pool, const char *path);

/* pxt_media_store_config sets the configuration remote deletions use (pxt_open). */
void pxt_media_store_config(const pxt_config *cfg);

/* ---- uploads (media_upload.c) ------------------------------------------------- */

/*
 * pxt_media_upload_name returns filename sanitized as the name an upload is stored
 * under, in pool memory: its last path segment (after '/' or '\\'), without leading
 * dots and spaces or trailing ones, control characters and bytes that are not UTF-8
 * replaced by '_', cut to 200 bytes keeping a short extension; "file" when nothing is
 * left. NULL with PXT_ENOMEM.
 */
char *pxt_media_upload_name(pxt_pool *pool, const char *filename);

/*
 * pxt_media_store_upload moves the uploaded file tmp_path into the store as
 * <store>/uploads/<32 hex>/<pxt_media_upload_name(filename)>, in a new folder of its
 * own; *final_path (pool memory) is recorded as pxt_media_store_commit_file does, and
 * deleting it (pool cleanup, release) removes the folder too. PXT_ECONFIG without a
 * store, PXT_EIO / PXT_ESTORAGE when the folder or the move fails (nothing is left
 * then), PXT_ENOMEM.
 */
pxt_err pxt_media_store_upload(pxt_pool *pool, const char *tmp_path,
    const char *filename, char **final_path);

/*
 * pxt_media_upload_folder tells whether path is a file in an upload's own folder
 * (<store>/uploads/<32 hex>/NAME) and copies that folder into dir (cap bytes).
 */
bool pxt_media_upload_folder(const char *path, char *dir, size_t cap);

/* ---- destinations (media_dest.c) ------------------------------------------------ */

typedef enum pxt_media_role {
	PXT_MEDIA_OUTPUT,	/* generated by a computed column: output_media_dest */
	PXT_MEDIA_INPUT,	/* uploaded: input_media_dest */
} pxt_media_role;

/*
 * pxt_media_dest_config validates [pixeltable] output_media_dest and input_media_dest
 * and keeps cfg for the uploads pxt_media_place makes (pxt_open calls it).
 * PXT_ECONFIG naming the key when one is not a destination.
 */
pxt_err pxt_media_dest_config(const pxt_config *cfg);

/* pxt_media_dest_cfg returns the configuration set, or NULL. */
const pxt_config *pxt_media_dest_cfg(void);

/*
 * pxt_media_dest_check tells whether dest is a destination: unset, "" or "local"
 * (the local media store), or an s3://, gs://, az:// URL of a bucket or container
 * with an optional prefix. PXT_EINVAL with a message starting with what otherwise.
 */
pxt_err pxt_media_dest_check(pxt_pool *pool, const char *dest, const char *what);

/*
 * pxt_media_dest_note remembers a remote destination (a column's), so the files the
 * store puts under it are known as the store's own. Local destinations are ignored.
 */
void pxt_media_dest_note(const char *dest);

/*
 * pxt_media_dest_owns tells whether url is an object the store put under one of the
 * remembered destinations (below its gen/ or uploads/).
 */
bool pxt_media_dest_owns(const char *url);

/*
 * pxt_media_place moves the media value *v to its destination: col_dest when set,
 * else the configured destination of role; a value that is not a file the local
 * store made, or a local destination, is left as it is. A remote destination gets
 * the file uploaded as <dest>/<its name below the store> (recorded in pool, deleted
 * unless kept), the local file is deleted, and *v becomes the object's URL (pool
 * memory). Errors are pxt_obj_put_file's; the local file then stays in the pool.
 */
pxt_err pxt_media_place(pxt_pool *pool, const char *col_dest, pxt_media_role role,
    pxt_value *v);

/* ---- images (image_fn.c) ------------------------------------------------------- */

typedef struct pxt_image_info {
	int width;
	int height;
	int bands;
	const char *format;	/* "png", "jpeg", "webp", "gif", "tiff", ... (the loader) */
	const char *mode;	/* as PIL names it: "RGB", "RGBA", "L", "LA", "CMYK", ... */
} pxt_image_info;

/*
 * pxt_image_info_get reads the header of the image at path (libvips, loaded on first
 * use) into *info; the strings are in pool memory. PXT_ENOTFOUND for a missing file,
 * PXT_EINVAL for a file libvips cannot read as an image, PXT_EUNAVAIL when libvips is
 * missing; the message names the file.
 */
pxt_err pxt_image_info_get(pxt_pool *pool, const char *path, pxt_image_info *info);

/*
 * pxt_image_thumbnail shrinks the image at path to fit inside size x size, keeping its
 * aspect ratio (never enlarging it), and writes it as PNG into the media store:
 * *out_path (pool memory) is the file's absolute path, recorded in pool as
 * pxt_media_store_commit_file does. PXT_EINVAL for size outside 1..4096 or an
 * unreadable image; the errors of pxt_media_store_create; PXT_EIO when writing fails.
 */
#define PXT_THUMBNAIL_MAX 4096
pxt_err pxt_image_thumbnail(pxt_pool *pool, const char *path, int size,
    char **out_path);

/* ---- built-in functions (udf_media.c) ------------------------------------------ */

/* The configuration URL and object-store media is fetched with (pxt_open sets it). */
void pxt_media_fetch_config(const pxt_config *cfg);

/*
 * pxt_media_local resolves a media value to a local file: a path as it is, an
 * http(s) or object-store URL through the file cache (downloaded on first use,
 * leased until pool goes). The cache's errors, but PXT_EINVAL for an object the
 * store does not have (the input's fault, like a missing local file).
 */
pxt_err pxt_media_local(pxt_pool *pool, const char *value, const char **path);

/*
 * pxt_udf_media_table returns the static table of the document, image and formatting
 * built-ins (extract_text, doc_title, page_count, image_width, image_height,
 * image_format, image_mode, thumbnail, format) and sets *n to its length; udf.c
 * registers them with its own.
 */
const pxt_udf *pxt_udf_media_table(size_t *n);

#endif
