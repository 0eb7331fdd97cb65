/*
 * setup.c - the reference app's schema-setup program (the seed's setup_pixeltable.py).
 *
 * Flat and idempotent: run it once before the workers start, and again after every
 * change to this file. It brings the catalog in line with the declarations below in
 * one transaction, under the catalog lock, so concurrent runs serialize and leave one
 * catalog.
 *
 *   pxtc-setup                       apply; exit 0
 *   pxtc-setup --dry-run             print what would change; exit 0 in sync, 2 drift,
 *                                    3 when applying would be refused (drops data)
 *   pxtc-setup --allow-destructive   apply even changes that drop data
 * Any error exits 1; a change that would drop data without --allow-destructive, 3.
 */
#include <stdio.h>
#include <string.h>

#include "pxt/pxt.h"

#define EXIT_DRIFT 2
#define EXIT_DESTRUCTIVE 3
#define SETUP_SUMMARY_CHARS 200
#define SETUP_CHUNK_TOKENS 500
#define SETUP_CHUNK_OVERLAP 50
/* the images' preview: a PNG in the media store, served by nginx */
#define SETUP_PREVIEW_PX 256
/* the starter kit's thumbnail: a base64 PNG in the answer, (320, 320) at most */
#define SETUP_THUMBNAIL_BOX "[320, 320]"
/* the built-in offline embedder: no model, no network (openai_embed for a provider) */
#define SETUP_EMBED_FN "embed_text"

struct setup_report {
	bool dry_run;
	int changes;
	int destructive;
};

static void
setup_on_change(void *ud, const char *desc, bool destructive)
{
	struct setup_report *r = ud;

	r->changes++;
	r->destructive += destructive;
	printf("%s%s%s\n", r->dry_run ? "would " : "", desc,
	    destructive ? " [destructive]" : "");
}

/* Computing a new column over existing rows: say how far it got, on stderr. */
static void
setup_progress(void *ud, const char *what, int64_t done, int64_t total)
{
	(void)ud;
	if (total > 0)
		fprintf(stderr, "%s: %lld/%lld rows\n", what, (long long)done,
		    (long long)total);
}

/*
 * A home made before tables declared their keys has an implicit UUID key "id" on the
 * documents and the images: it becomes "uuid" (in the chunks view too), its default
 * uuid7(), every row, media file and index kept; its images' stored thumbnail becomes
 * "preview" (the files kept). Changes like any other: reported, and only rehearsed by
 * --dry-run.
 */
static void
setup_migrate_keys(pxt_env *env, const char *ns, pxt_pool *pool)
{
	static const char *const names[] = {"documents", "images"};
	pxt_entry *entries;
	int n;

	if (pxt_list(env, ns, false, pool, &entries, &n) != PXT_OK) {
		pxt_clearerr();	/* a new home: nothing to migrate */
		return;
	}
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		const char *path = pxt_psprintf(pool, "%s/%s", ns, names[k]);
		const pxt_column *id, *thumb;
		pxt_table *t;

		for (int i = 0; i < n; i++) {
			if (strcmp(entries[i].path, path) != 0 ||
			    strcmp(entries[i].kind, "table") != 0 ||
			    (t = pxt_get_table(env, path)) == NULL)
				continue;
			id = pxt_table_find_col(t, "id");
			if (id != NULL && id->primary_key && id->type == PXT_UUID &&
			    pxt_table_find_col(t, "uuid") == NULL)
				pxt_rename_column(t, "id", "uuid");
			/*
			 * The images' stored thumbnail (a file) is now "preview", so that
			 * "thumbnail" can be the starter kit's base64 text; the files stay.
			 */
			thumb = pxt_table_find_col(t, "thumbnail");
			if (thumb != NULL && thumb->type == PXT_IMAGE &&
			    pxt_table_find_col(t, "preview") == NULL)
				pxt_rename_column(t, "thumbnail", "preview");
		}
	}
}

/*
 * The schema, as the seed declares it: one declaration after another. The first that
 * fails is kept by env (pxt_keep_first_error) and the ones after it do nothing; main
 * checks once, at the end.
 */
static void
setup_schema(pxt_env *env, const char *ns, pxt_pool *pool)
{
	pxt_table *docs, *chunks, *images, *videos, *chat;

	pxt_create_dir(env, ns, PXT_IF_EXISTS_IGNORE);

	/*
	 * the starter kit's: keyed by a uuid7(), a required file and timestamp; each
	 * column's comment is its description in the OpenAPI document
	 */
	docs = pxt_create_table(env, pxt_psprintf(pool, "%s/documents", ns), (pxt_coldef[]){
	    {.name = "uuid", .type = PXT_UUID, .flags = PXT_COL_PRIMARY_KEY,
	    .dflt = "uuid7()", .comment = "the document's key, made when not given"},
	    {.name = "document", .type = PXT_DOCUMENT, .flags = PXT_COL_REQUIRED,
	    .comment = "the uploaded document (PDF, HTML, Markdown or text)"},
	    {.name = "metadata", .type = PXT_JSON,
	    .comment = "what the client says about the document (any JSON)"},
	    {.name = "timestamp", .type = PXT_TIMESTAMP, .flags = PXT_COL_REQUIRED,
	    .dflt = "now()", .comment = "when the document was inserted"},
	    {0}}, PXT_IF_EXISTS_IGNORE);
	/* the data router lists newest first: read 20 rows, not the table */
	pxt_add_btree_index(docs, "timestamp", PXT_IF_EXISTS_IGNORE);
	/* the pipeline: text and title from the file, then what is derived from them */
	pxt_add_computed_column(docs, "text", pxt_call("extract_text",
	    pxt_col("document"), NULL), PXT_IF_EXISTS_IGNORE);
	pxt_add_computed_column(docs, "title", pxt_call("doc_title",
	    pxt_col("document"), NULL), PXT_IF_EXISTS_IGNORE);
	pxt_add_computed_column(docs, "n_words", pxt_call("word_count",
	    pxt_col("text"), NULL), PXT_IF_EXISTS_IGNORE);
	pxt_add_computed_column(docs, "summary", pxt_call("snippet",
	    pxt_col("text"), pxt_lit_int(SETUP_SUMMARY_CHARS), NULL), PXT_IF_EXISTS_IGNORE);
	pxt_set_column_comment(docs, "text", "the document's text, extracted");
	pxt_set_column_comment(docs, "title",
	    "the document's title, or null when it has none");
	pxt_set_column_comment(docs, "summary", "the start of the text, as a snippet");

	chunks = pxt_create_view(env, pxt_psprintf(pool, "%s/chunks", ns), docs,
	    &(pxt_iter_def){.size = sizeof(pxt_iter_def), .name = "document_splitter",
	    .input = "document", .separators = "heading,token_limit",
	    .limit = SETUP_CHUNK_TOKENS, .overlap = SETUP_CHUNK_OVERLAP},
	    PXT_IF_EXISTS_IGNORE);
	/* the search router's indexes (routers/search.c) */
	pxt_add_embedding_index(chunks, "text", "text_embedding", SETUP_EMBED_FN,
	    PXT_METRIC_COSINE, PXT_IF_EXISTS_IGNORE);
	pxt_add_fulltext_index(chunks, "text", "text_fulltext", "english",
	    PXT_IF_EXISTS_IGNORE);

	images = pxt_create_table(env, pxt_psprintf(pool, "%s/images", ns), (pxt_coldef[]){
	    {.name = "uuid", .type = PXT_UUID, .flags = PXT_COL_PRIMARY_KEY,
	    .dflt = "uuid7()", .comment = "the image's key, made when not given"},
	    {.name = "image", .type = PXT_IMAGE, .flags = PXT_COL_REQUIRED,
	    .comment = "the uploaded image"},
	    {.name = "metadata", .type = PXT_JSON,
	    .comment = "what the client says about the image (any JSON)"},
	    {.name = "timestamp", .type = PXT_TIMESTAMP, .flags = PXT_COL_REQUIRED,
	    .dflt = "now()", .comment = "when the image was inserted"},
	    {0}}, PXT_IF_EXISTS_IGNORE);
	pxt_add_btree_index(images, "timestamp", PXT_IF_EXISTS_IGNORE);
	pxt_add_computed_column(images, "width", pxt_call("image_width",
	    pxt_col("image"), NULL), PXT_IF_EXISTS_IGNORE);
	pxt_add_computed_column(images, "height", pxt_call("image_height",
	    pxt_col("image"), NULL), PXT_IF_EXISTS_IGNORE);
	pxt_add_computed_column(images, "aspect_ratio", pxt_call("aspect_ratio",
	    pxt_col("width"), pxt_col("height"), NULL), PXT_IF_EXISTS_IGNORE);
	pxt_add_computed_column(images, "preview", pxt_call("thumbnail",
	    pxt_col("image"), pxt_lit_int(SETUP_PREVIEW_PX), NULL), PXT_IF_EXISTS_IGNORE);
	pxt_set_column_comment(images, "preview", "a smaller copy of the image, for lists");
	/* the starter kit's: b64_encode(thumbnail(image, size=(320, 320))), no file */
	pxt_add_computed_column(images, "thumbnail", pxt_call("b64_encode",
	    pxt_call("thumbnail", pxt_col("image"), pxt_lit_json(SETUP_THUMBNAIL_BOX),
	    NULL), NULL), PXT_IF_EXISTS_IGNORE);
	/* images are searched by what their metadata says */
	pxt_add_computed_column(images, "description", pxt_call("json_text",
	    pxt_col("metadata"), NULL), PXT_IF_EXISTS_IGNORE);
	pxt_add_embedding_index(images, "description", "description_embedding",
	    SETUP_EMBED_FN, PXT_METRIC_COSINE, PXT_IF_EXISTS_IGNORE);
	pxt_add_fulltext_index(images, "description", "description_fulltext", "english",
	    PXT_IF_EXISTS_IGNORE);

	/* the starter kit's videos: uploaded, listed and deleted (no pipeline yet) */
	videos = pxt_create_table(env, pxt_psprintf(pool, "%s/videos", ns), (pxt_coldef[]){
	    PXT_UUID7_KEY("uuid"),
	    PXT_REQUIRED("video", PXT_VIDEO),
	    PXT_REQUIRED_DEFAULT("timestamp", PXT_TIMESTAMP, "now()"),
	    {0}}, PXT_IF_EXISTS_IGNORE);
	pxt_add_btree_index(videos, "timestamp", PXT_IF_EXISTS_IGNORE);

	/* the starter kit's chat history: one row a message, keyless as there */
	chat = pxt_create_table(env, pxt_psprintf(pool, "%s/chat_history", ns),
	    (pxt_coldef[]){
	    PXT_COL("role", PXT_STRING),
	    PXT_COL("content", PXT_STRING),
	    PXT_COL("conversation_id", PXT_STRING),
	    PXT_REQUIRED_DEFAULT("timestamp", PXT_TIMESTAMP, "now()"),
	    {0}}, PXT_IF_EXISTS_IGNORE);
	pxt_add_btree_index(chat, "timestamp", PXT_IF_EXISTS_IGNORE);
	pxt_add_btree_index(chat, "conversation_id", PXT_IF_EXISTS_IGNORE);
}

/* Say how the run went (rc: the first error, if any) and return the exit code. */
static int
setup_exit(const struct setup_report *report, pxt_err rc, bool allow, const char *ns)
{
	if (rc != PXT_OK) {
		fprintf(stderr, "pxtc-setup: %s\n", pxt_errmsg());
		return rc == PXT_EDESTRUCTIVE ? EXIT_DESTRUCTIVE : 1;
	}
	if (report->changes == 0) {
		printf("schema of '%s' is in sync\n", ns);
		return 0;
	}
	if (!report->dry_run)
		return 0;
	if (report->destructive > 0 && !allow) {
		printf("%d change(s), %d of them destructive: applying needs "
		    "--allow-destructive\n", report->changes, report->destructive);
		return EXIT_DESTRUCTIVE;
	}
	printf("%d change(s) pending\n", report->changes);
	return EXIT_DRIFT;
}

static int
setup_usage(void)
{
	fprintf(stderr, "usage: pxtc-setup [--dry-run] [--allow-destructive]\n");
	return 1;
}

int
main(int argc, char **argv)
{
	struct setup_report report = {0};
	bool allow = false;
	const char *ns;
	pxt_pool *pool;
	pxt_env *env;
	int code;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			report.dry_run = true;
		else if (strcmp(argv[i], "--allow-destructive") == 0)
			allow = true;
		else
			return setup_usage();
	}
	if ((env = pxt_open(NULL)) == NULL) {
		fprintf(stderr, "pxtc-setup: %s\n", pxt_errmsg());
		return 1;
	}
	ns = pxt_config_str(pxt_env_config(env), "app", "namespace");
	if (pxt_path_check(ns, "APP_NAMESPACE") != PXT_OK ||
	    (pool = pxt_pool_new(0)) == NULL) {
		fprintf(stderr, "pxtc-setup: %s\n", pxt_errmsg());
		pxt_close(env);
		return 1;
	}
	/* a dry run makes every change inside a transaction it then rolls back */
	pxt_set_sync(env, true, allow || report.dry_run);
	pxt_on_change(env, setup_on_change, &report);
	pxt_on_progress(env, setup_progress, NULL);
	pxt_keep_first_error(env, true);

	pxt_begin(env);
	setup_migrate_keys(env, ns, pool);
	setup_schema(env, ns, pool);
	pxt_sync_finish(env);
	if (report.dry_run)
		pxt_rollback(env);
	else
		pxt_commit(env);	/* rolls back when a declaration failed */

	code = setup_exit(&report, pxt_env_error(env), allow, ns);
	pxt_close(env);
	pxt_pool_free(pool);
	return code;
}
