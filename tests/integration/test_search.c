/*
 * test_search.c - embedding and full-text indexes through the C API (pxt/search.h) on
 * a real PostgreSQL, with either back-end of the embedding index.
 *
 * A table of short passages on distinct topics (String text, Json metadata, Int
 * group_id) gets an embedding index with the offline embed_text (cosine) and a
 * full-text index ('english'). Then: the right passage first for semantic (paraphrases
 * sharing stems), keyword and hybrid queries; filters on a column and on a Json key;
 * the limit; scores in order (an L2 index the other way round); snippets with <b>;
 * the index following the table as rows are inserted, updated and deleted (updates
 * and deletes through the generic routes, in process, so the write engine computes the
 * vectors); a rolled-back transaction leaving no trace in the index; a dropped index
 * refused by the searches that need it; every refusal with its code; if_exists and
 * if_missing; and a string_splitter view with its own indexes, results carrying their
 * base row, whose rows go with a deleted base row and change with an updated one.
 *
 * usage: test_search exact|pgvector   (the back-end the embedding indexes must use)
 * With pgvector the test keeps to its one connection (PGlite serves one session).
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/app.h"
#include "pxt/pxt.h"
#include "pxt_test.h"
#include "pxt_test_db.h"

#define MAXH 1000

static pxt_env *env;
static bool pgvector;		/* the back-end the test expects */
static pxt_pool *spool;		/* the last search's results */
static const char *const mode_name[] = {"semantic", "keyword", "hybrid"};

/* The first column of the first row of sql, or NULL (static buffer). */
static const char *
one(const char *sql)
{
	return pxt_test_one(env, sql);
}

/* one() as an integer; -1 for no value. */
static long long
one_int(const char *sql)
{
	const char *v = one(sql);

	return v ? strtoll(v, NULL, 10) : -1;
}

static void
expect_msg(const char *part)
{
	pxt_test_expect_msg(part);
}

/* ---- the corpus ---------------------------------------------------------------- */

struct passage {
	int id;
	int group;
	const char *topic;	/* NULL: metadata without "topic" */
	const char *text;
};

static const struct passage corpus[] = {
	{1, 1, "cooking", "Knead the bread dough for ten minutes, let it rise until "
	    "doubled, then bake the loaf in a hot oven until the crust is golden brown."},
	{2, 2, "astronomy", "Astronomers measure the distance to faraway galaxies by "
	    "watching supernova explosions and the redshift of their light through large "
	    "telescopes."},
	{3, 3, "gardening", "Plant tomato seedlings in spring after the last frost, water "
	    "the soil deeply, and prune the suckers so the vines produce more fruit."},
	{4, 1, "networking", "A router forwards packets between networks using routing "
	    "tables, while TCP retransmits lost segments to guarantee reliable delivery."},
	{5, 2, "sailing", "Trim the mainsail and ease the jib sheet when tacking upwind; a "
	    "sailboat cannot sail straight into the wind."},
	{6, 3, "chess", "In chess the knight moves in an L shape, castling protects the "
	    "king, and a pawn that reaches the last rank is promoted to a queen."},
	{7, 1, "volcanoes", "Magma rises through the crust and erupts from volcanoes as "
	    "lava, ash and toxic gases; Mount Etna erupts several times a year."},
	{8, 2, "coffee", "Espresso is brewed by forcing hot water through finely ground "
	    "coffee beans at high pressure, which produces a thick crema."},
	{9, 3, "photography", "A wide aperture gives a shallow depth of field, a fast "
	    "shutter speed freezes motion, and a higher ISO brightens a dark photograph."},
	{10, 1, "cycling", "Check the tyre pressure, oil the chain and adjust the brakes "
	    "before a long bicycle ride through the hills."},
	{11, 2, "beekeeping", "Honeybees collect nectar and pollen from flowers; the "
	    "beekeeper inspects the hive frames and harvests honey in late summer."},
	{12, 3, "databases", "PostgreSQL uses write-ahead logging and multiversion "
	    "concurrency control so that transactions see a consistent snapshot of the "
	    "database."},
	{13, 1, "piano", "Practice piano scales slowly with a metronome, keep the wrists "
	    "relaxed, and use the sustain pedal sparingly."},
	{14, 2, "mountaineering", "Climbers acclimatize at base camp before attempting the "
	    "summit, because thin air at high altitude causes altitude sickness."},
	{15, 3, "knitting", "Cast on sixty stitches with wool yarn, knit the ribbing in a "
	    "two by two pattern, then switch to larger needles for the sweater body."},
	{16, 1, "vaccines", "Vaccines train the immune system to recognize a virus, so "
	    "antibodies and memory cells respond quickly to a later infection."},
	{17, 2, "taxes", "File your income tax return before the deadline, keep receipts "
	    "for deductions, and report the interest earned on savings accounts."},
	{18, 3, "whales", "Humpback whales migrate thousands of kilometres each year and "
	    "communicate with long songs that travel far underwater."},
	{19, 1, "origami", "Fold a square sheet of paper diagonally, crease it sharply, and "
	    "shape the wings to make a traditional paper crane."},
	{20, 2, "electricity", "Ohm's law says the voltage across a resistor equals the "
	    "current times the resistance; a circuit needs a closed loop to conduct."},
	{21, 3, "football", "The striker dribbled past two defenders and scored a goal in "
	    "the final minute, and the referee blew the whistle to end the match."},
	{22, 1, "wine", "Winemakers crush the grapes, ferment the juice with yeast in oak "
	    "barrels, and age the red wine for several years before bottling."},
	{23, 2, "programming", "The borrow checker in Rust prevents data races at compile "
	    "time by enforcing ownership rules on references."},
	{24, 3, NULL, "Archaeologists excavated pottery shards and bronze tools from the "
	    "ancient burial site and dated them with radiocarbon methods."},
};
#define NCORPUS ((int)(sizeof(corpus) / sizeof(corpus[0])))

/*
 * The ranking checks: the passage each query must find first. Semantic queries are
 * paraphrases: embed_text hashes stems, word pairs and character trigrams, so they
 * share stems or word parts with their passage, not always whole words; keyword
 * queries share words (PostgreSQL's english stemming); hybrid queries mix both.
 */
static const struct ranking {
	int want;
	const char *semantic, *keyword, *hybrid;
} rankings[] = {
	{1, "how to bake homemade bread in the oven", "knead dough", "baking a loaf of "
	    "bread"},
	{2, "telescopes observing distant galaxies", "supernova redshift", "measuring "
	    "the distance of galaxies"},
	{3, "growing tomatoes in spring soil", "tomato seedlings frost", "pruning tomato "
	    "vines"},
	{4, "routing packets across computer networks", "TCP retransmits segments",
	    "how routers forward packets"},
	{8, "brewing espresso from ground coffee", "crema espresso", "coffee brewed "
	    "under pressure"},
	{7, "volcanic eruptions of lava and ash", "magma Etna", "volcanoes erupting "
	    "lava"},
	{18, "songs of migrating humpback whales", "humpback underwater", "whales "
	    "singing underwater"},
	{22, "fermenting grapes into red wine", "oak barrels bottling", "wine aged in "
	    "oak barrels"},
	{12, "database transactions and concurrency", "write-ahead logging",
	    "PostgreSQL snapshot of transactions"},
	{6, "how the chess knight and pawn move", "castling king", "chess pawn promoted "
	    "to queen"},
};
#define NRANKINGS ((int)(sizeof(rankings) / sizeof(rankings[0])))

/* ---- searching ----------------------------------------------------------------- */

/* The last search's results, best first. */
static struct hits {
	int n;
	long long id[MAXH];
	double score[MAXH];
	bool has_snippet[MAXH];
	const char *snippet[MAXH];	/* NULL: null or absent */
	const pxt_json *row[MAXH];
} H;

/* Runs s over t into H; the search's error code (H empty then). */
static pxt_err
run(pxt_table *t, const pxt_search_spec *s)
{
	pxt_buf b = PXT_BUF_INIT;
	pxt_json *root = NULL;
	pxt_jw w;
	pxt_err rc;

	pxt_pool_reset(spool);
	H.n = 0;
	pxt_jw_init(&w, &b);
	if ((rc = pxt_search(t, spool, s, &w)) != PXT_OK) {
		pxt_buf_free(&b);
		return rc;
	}
	if (b.failed || pxt_json_parse(spool, pxt_buf_str(&b), b.len, 16, &root) !=
	    PXT_OK || root->type != PXT_JSON_ARRAY) {
		fprintf(stderr, "results are not a JSON array: %s\n", pxt_buf_str(&b));
		pxt_buf_free(&b);
		PXT_CHECK(0);
		return PXT_EINTERNAL;
	}
	pxt_buf_free(&b);
	for (size_t i = 0; i < root->u.arr.n && H.n < MAXH; i++) {
		const pxt_json *r = root->u.arr.items[i];
		const pxt_json *id = pxt_json_get(r, "id"), *sc = pxt_json_get(r, "score");
		const pxt_json *sn = pxt_json_get(r, "snippet");

		H.row[H.n] = r;
		H.id[H.n] = id && id->type == PXT_JSON_INT ? (long long)id->u.i : -1;
		H.score[H.n] = sc && (sc->type == PXT_JSON_INT || sc->type ==
		    PXT_JSON_DOUBLE) ? strtod(sc->num, NULL) : NAN;
		H.has_snippet[H.n] = sn != NULL;
		H.snippet[H.n] = sn && sn->type == PXT_JSON_STRING ? sn->u.str.s : NULL;
		H.n++;
	}
	return PXT_OK;
}

static pxt_err
find_f(pxt_table *t, pxt_search_mode m, const char *query, int limit,
    const pxt_search_filter *f, int nf)
{
	pxt_search_spec s = {.size = sizeof(s), .mode = m, .query = query,
	    .limit = limit, .filters = f, .nfilters = nf};

	return run(t, &s);
}

static pxt_err
find(pxt_table *t, pxt_search_mode m, const char *query, int limit)
{
	return find_f(t, m, query, limit, NULL, 0);
}

/* Whether row id is among the results. */
static bool
found(long long id)
{
	for (int i = 0; i < H.n; i++)
		if (H.id[i] == id)
			return true;
	return false;
}

static void
show(const char *what, pxt_search_mode m, const char *query)
{
	fprintf(stderr, "%s %s search '%s':", what, mode_name[m], query);
	for (int i = 0; i < H.n && i < 6; i++)
		fprintf(stderr, " %lld (%.4g)", H.id[i], H.score[i]);
	fprintf(stderr, "\n");
}

/* Passage want must come first for query in mode m. */
static void
expect_top(pxt_table *t, pxt_search_mode m, const char *query, long long want)
{
	pxt_err rc = find(t, m, query, 10);

	if (rc != PXT_OK) {
		fprintf(stderr, "%s search '%s': %s\n", mode_name[m], query, pxt_errmsg());
		PXT_CHECK(0);
		return;
	}
	if (H.n == 0 || H.id[0] != want) {
		fprintf(stderr, "expected %lld first; ", want);
		show("got", m, query);
		PXT_CHECK(0);
		return;
	}
	PXT_CHECK(1);
}

/* H holds hits and their scores are in order: descending (or ascending for a distance). */
static void
expect_ordered(bool ascending)
{
	if (H.n == 0) {
		fprintf(stderr, "no hits to order\n");
		PXT_CHECK(0);
		return;
	}
	for (int i = 1; i < H.n; i++)
		if (!(ascending ? H.score[i] >= H.score[i - 1] : H.score[i] <= H.score[i - 1])
		    || isnan(H.score[i])) {
			fprintf(stderr, "score %d (%g) out of order after %g\n", i, H.score[i],
			    H.score[i - 1]);
			PXT_CHECK(0);
			return;
		}
	PXT_CHECK(!isnan(H.score[0]));
}

/* ---- set-up -------------------------------------------------------------------- */

static pxt_table *
make_passages(void)
{
	static const char *names[] = {"id", "text", "metadata", "group_id"};
	const char *vals[NCORPUS * 4];
	char ids[NCORPUS][16], groups[NCORPUS][16], meta[NCORPUS][128];
	pxt_table *t;

	t = pxt_create_table(env, "s/passages", (pxt_coldef[]){
	    {"id", PXT_INT, PXT_COL_PRIMARY_KEY, 0, NULL, NULL}, {"text", PXT_STRING, 0, 0, NULL, NULL},
	    {"metadata", PXT_JSON, 0, 0, NULL, NULL}, {"group_id", PXT_INT, 0, 0, NULL, NULL}, {0}},
	    PXT_IF_EXISTS_REPLACE);
	PXT_CHECK(t != NULL);
	if (t == NULL) {
		fprintf(stderr, "%s\n", pxt_errmsg());
		return NULL;
	}
	for (int i = 0; i < NCORPUS; i++) {
		snprintf(ids[i], sizeof(ids[i]), "%d", corpus[i].id);
		snprintf(groups[i], sizeof(groups[i]), "%d", corpus[i].group);
		if (corpus[i].topic != NULL)
			snprintf(meta[i], sizeof(meta[i]), "{\"topic\": \"%s\", \"n\": %d}",
			    corpus[i].topic, corpus[i].id);
		else
			snprintf(meta[i], sizeof(meta[i]), "{\"era\": \"ancient\", \"n\": %d}",
			    corpus[i].id);
		vals[i * 4] = ids[i];
		vals[i * 4 + 1] = corpus[i].text;
		vals[i * 4 + 2] = meta[i];
		vals[i * 4 + 3] = groups[i];
	}
	/* the rows come first: adding the indexes embeds and indexes them */
	PXT_CHECK_INT(pxt_insert(t, names, 4, vals, NCORPUS), PXT_OK);
	return t;
}

/* The id of index name in the catalog; -1 when there is none. */
static long long
index_id(const char *name)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT i.id FROM pxt_catalog.indexes i JOIN"
	    " pxt_catalog.tables t ON t.id = i.table_id WHERE t.path LIKE 's/%%' AND"
	    " i.name = '%s'", name);
	return one_int(sql);
}

/* How many exact back-end files of index id exist under $PIXELTABLE_HOME/index. */
static int
index_files(long long id)
{
	char dir[4096], suffix[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/index", pxt_config_home(pxt_env_config(env)));
	snprintf(suffix, sizeof(suffix), "-%lld.pxv", id);
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name), s = strlen(suffix);

		n += l > s && strcmp(e->d_name + l - s, suffix) == 0;
	}
	closedir(d);
	return n;
}

/* The back-end structures of embedding index name are the expected back-end's. */
static void
expect_backend(const char *name)
{
	char sql[512];
	long long id = index_id(name);

	snprintf(sql, sizeof(sql), "SELECT params->>'backend' FROM pxt_catalog.indexes"
	    " WHERE id = %lld", id);
	PXT_CHECK_STR(one(sql), pgvector ? "pgvector" : "exact");
	/* pgvector: an HNSW index; exact: the change-log trigger */
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_indexes WHERE indexname ="
	    " 'pxt_v%lld' AND indexdef LIKE '%%USING hnsw%%'", id);
	PXT_CHECK_INT(one_int(sql), pgvector ? 1 : 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_trigger WHERE tgname ="
	    " 'pxt_vlog_%lld'", id);
	PXT_CHECK_INT(one_int(sql), pgvector ? 0 : 1);
}

/* ---- the checks ---------------------------------------------------------------- */

static void
test_indexes(pxt_table *t)
{
	PXT_CHECK_INT(pxt_add_embedding_index(t, "text", "text_embedding", "embed_text",
	    PXT_METRIC_COSINE, PXT_IF_EXISTS_ERROR), PXT_OK);
	PXT_CHECK_INT(pxt_add_fulltext_index(t, "text", "text_fulltext", "english",
	    PXT_IF_EXISTS_ERROR), PXT_OK);
	expect_backend("text_embedding");
	/* every existing row was embedded; the vectors are hidden from the handle */
	{
		char sql[256];

		snprintf(sql, sizeof(sql), "SELECT count(\"_pxt_e%lld\") FROM"
		    " pxt_data.\"s/passages\"", index_id("text_embedding"));
		PXT_CHECK_INT(one_int(sql), NCORPUS);
		snprintf(sql, sizeof(sql), "_pxt_e%lld", index_id("text_embedding"));
		PXT_CHECK(pxt_table_find_col(t, sql) != NULL &&
		    pxt_table_find_col(t, sql)->hidden);
	}
	PXT_CHECK_STR(one("SELECT params->>'language' FROM pxt_catalog.indexes WHERE"
	    " name = 'text_fulltext'"), "english");
}

static void
test_ranking(pxt_table *t)
{
	for (int i = 0; i < NRANKINGS; i++) {
		expect_top(t, PXT_SEARCH_SEMANTIC, rankings[i].semantic, rankings[i].want);
		expect_top(t, PXT_SEARCH_KEYWORD, rankings[i].keyword, rankings[i].want);
		expect_top(t, PXT_SEARCH_HYBRID, rankings[i].hybrid, rankings[i].want);
	}
	/* a passage's own text: cosine 1 (the vectors are unit length) */
	PXT_CHECK_INT(find(t, PXT_SEARCH_SEMANTIC, corpus[13].text, 5), PXT_OK);
	PXT_CHECK(H.n == 5 && H.id[0] == corpus[13].id && fabs(H.score[0] - 1.0) < 1e-4);
	PXT_CHECK(H.n == 5 && H.score[1] < 0.9);
	expect_ordered(false);
	/* a query without words is the zero vector: its cosine with anything is 0 */
	PXT_CHECK_INT(find(t, PXT_SEARCH_SEMANTIC, "?! ...", 5), PXT_OK);
	PXT_CHECK_INT(H.n, 5);
	for (int i = 0; i < H.n; i++)
		PXT_CHECK(H.score[i] == 0);
	/* first in both lists: the fused score is 2 / (60 + 1) */
	PXT_CHECK_INT(find(t, PXT_SEARCH_HYBRID, "humpback whales migrate", 5), PXT_OK);
	PXT_CHECK(H.n >= 1 && H.id[0] == 18 && fabs(H.score[0] - 2.0 / 61.0) < 1e-9);
	expect_ordered(false);
}

/* Results carry their columns, a score, and a snippet only for keyword and hybrid. */
static void
test_results(pxt_table *t)
{
	const pxt_json *v;
	static const char *const sel[] = {"id", "group_id", NULL};
	pxt_search_spec s = {.size = sizeof(s), .mode = PXT_SEARCH_KEYWORD,
	    .query = "chess knight", .limit = 3, .select = sel};

	PXT_CHECK_INT(find(t, PXT_SEARCH_SEMANTIC, "bicycle brakes", 4), PXT_OK);
	PXT_CHECK_INT(H.n, 4);
	PXT_CHECK(H.n > 0 && H.id[0] == 10 && !H.has_snippet[0]);
	v = H.n > 0 ? pxt_json_get(H.row[0], "metadata") : NULL;
	PXT_CHECK(v != NULL && v->type == PXT_JSON_OBJECT &&
	    pxt_json_get(v, "topic") != NULL &&
	    strcmp(pxt_json_get(v, "topic")->u.str.s, "cycling") == 0);
	v = H.n > 0 ? pxt_json_get(H.row[0], "text") : NULL;
	PXT_CHECK(v != NULL && v->type == PXT_JSON_STRING && strcmp(v->u.str.s,
	    corpus[9].text) == 0);
	v = H.n > 0 ? pxt_json_get(H.row[0], "group_id") : NULL;
	PXT_CHECK(v != NULL && v->type == PXT_JSON_INT && v->u.i == 1);
	/* no hidden column ever comes out */
	for (int i = 0; i < H.n; i++)
		for (size_t k = 0; k < H.row[i]->u.obj.n; k++)
			PXT_CHECK(strncmp(H.row[i]->u.obj.keys[k], "_pxt", 4) != 0);
	expect_ordered(false);

	/* keyword: the matching words highlighted, scores ranked */
	PXT_CHECK_INT(find(t, PXT_SEARCH_KEYWORD, "knight castling queen", 10), PXT_OK);
	PXT_CHECK(H.n == 1 && H.id[0] == 6 && H.score[0] > 0);
	PXT_CHECK(H.n == 1 && H.snippet[0] != NULL && strstr(H.snippet[0],
	    "<b>knight</b>") != NULL && strstr(H.snippet[0], "<b>castling</b>") != NULL);
	PXT_CHECK_INT(find(t, PXT_SEARCH_KEYWORD, "water", 10), PXT_OK);
	PXT_CHECK(H.n >= 2 && found(3) && found(8) && !found(1));
	expect_ordered(false);
	for (int i = 0; i < H.n; i++)
		PXT_CHECK(H.snippet[i] != NULL && strstr(H.snippet[i], "<b>") != NULL &&
		    strstr(H.snippet[i], "</b>") != NULL);
	/* quotes ask for a phrase, "-word" excludes */
	PXT_CHECK_INT(find(t, PXT_SEARCH_KEYWORD, "\"hot water\"", 10), PXT_OK);
	PXT_CHECK(H.n == 1 && H.id[0] == 8);
	PXT_CHECK_INT(find(t, PXT_SEARCH_KEYWORD, "water -coffee", 10), PXT_OK);
	PXT_CHECK(found(3) && !found(8));
	/* nothing matches: an empty list, not an error; words the language drops too */
	PXT_CHECK_INT(find(t, PXT_SEARCH_KEYWORD, "xylophone zeppelin", 10), PXT_OK);
	PXT_CHECK_INT(H.n, 0);
	PXT_CHECK_INT(find(t, PXT_SEARCH_KEYWORD, "the and of", 10), PXT_OK);
	PXT_CHECK_INT(H.n, 0);

	/* hybrid: every result has a snippet key; keyword matches a string */
	PXT_CHECK_INT(find(t, PXT_SEARCH_HYBRID, "honey from the hive", 8), PXT_OK);
	PXT_CHECK(H.n == 8 && H.id[0] == 11);
	PXT_CHECK(H.n > 0 && H.snippet[0] != NULL && strstr(H.snippet[0], "<b>hive</b>"));
	for (int i = 0; i < H.n; i++)
		PXT_CHECK(H.has_snippet[i]);
	expect_ordered(false);

	/* select: only the columns asked for */
	PXT_CHECK_INT(run(t, &s), PXT_OK);
	PXT_CHECK(H.n == 1 && H.row[0]->u.obj.n == 4 && pxt_json_get(H.row[0], "text") ==
	    NULL && pxt_json_get(H.row[0], "group_id") != NULL &&
	    pxt_json_get(H.row[0], "snippet") != NULL);
}

static void
test_limit(pxt_table *t)
{
	for (int m = 0; m < 3; m++) {
		PXT_CHECK_INT(find(t, (pxt_search_mode)m, "water", 1), PXT_OK);
		PXT_CHECK_INT(H.n, 1);
	}
	PXT_CHECK_INT(find(t, PXT_SEARCH_SEMANTIC, "water", 7), PXT_OK);
	PXT_CHECK_INT(H.n, 7);
	expect_ordered(false);
	PXT_CHECK_INT(find(t, PXT_SEARCH_HYBRID, "water", 3), PXT_OK);
	PXT_CHECK_INT(H.n, 3);
	/* the largest limit: every row, each once */
	PXT_CHECK_INT(find(t, PXT_SEARCH_SEMANTIC, "water", 1000), PXT_OK);
	PXT_CHECK_INT(H.n, NCORPUS);
	for (int i = 0; i < NCORPUS; i++)
		PXT_CHECK(found(corpus[i].id));
	expect_ordered(false);
}

static void
test_filters(pxt_table *t)
{
	pxt_search_filter g1[] = {{"group_id", "1"}}, g2[] = {{"group_id", "2"}};
	pxt_search_filter astro[] = {{"metadata.topic", "astronomy"}};
	pxt_search_filter notopic[] = {{"metadata.topic", NULL}};
	pxt_search_filter both[] = {{"group_id", "2"}, {"metadata.topic", "taxes"}};
	pxt_search_filter none[] = {{"group_id", "1"}, {"metadata.topic", "taxes"}};

	/* bread is in group 1: first there, absent from group 2 */
	PXT_CHECK_INT(find_f(t, PXT_SEARCH_SEMANTIC, "bake bread", 1000, g1, 1), PXT_OK);
	PXT_CHECK(H.n == 8 && H.id[0] == 1);
	for (int i = 0; i < H.n; i++) {
		const pxt_json *g = pxt_json_get(H.row[i], "group_id");

		PXT_CHECK(g != NULL && g->type == PXT_JSON_INT && g->u.i == 1);
	}
	expect_ordered(false);
	for (int m = 0; m < 3; m++) {
		PXT_CHECK_INT(find_f(t, (pxt_search_mode)m, "bake bread oven", 1000, g2, 1),
		    PXT_OK);
		PXT_CHECK(!found(1));
		for (int i = 0; i < H.n; i++) {
			const pxt_json *g = pxt_json_get(H.row[i], "group_id");

			PXT_CHECK(g != NULL && g->type == PXT_JSON_INT && g->u.i == 2);
		}
	}
	/* a Json key */
	for (int m = 0; m < 3; m++) {
		PXT_CHECK_INT(find_f(t, (pxt_search_mode)m, "telescope light", 10, astro, 1),
		    PXT_OK);
		PXT_CHECK(H.n == 1 && H.id[0] == 2);
	}
	PXT_CHECK_INT(find_f(t, PXT_SEARCH_SEMANTIC, "bread", 10, notopic, 1), PXT_OK);
	PXT_CHECK(H.n == 1 && H.id[0] == 24);
	/* filters combine with AND */
	PXT_CHECK_INT(find_f(t, PXT_SEARCH_SEMANTIC, "bread", 10, both, 2), PXT_OK);
	PXT_CHECK(H.n == 1 && H.id[0] == 17);
	for (int m = 0; m < 3; m++) {
		PXT_CHECK_INT(find_f(t, (pxt_search_mode)m, "income tax", 10, none, 2),
		    PXT_OK);
		PXT_CHECK_INT(H.n, 0);
	}
}

static void
test_errors(pxt_table *t)
{
	pxt_search_filter unknown[] = {{"colour", "red"}}, nokey[] = {{"group_id.x", "1"}};
	pxt_search_filter empty[] = {{"", "1"}};
	static const char *const badsel[] = {"id", "nope", NULL};
	static const char *const hidsel[] = {"id", "_pxt_rowid", NULL};
	pxt_search_spec s = {.size = sizeof(s), .mode = PXT_SEARCH_SEMANTIC,
	    .query = "x", .limit = 5};
	pxt_table *plain;
	long long ncols = one_int("SELECT count(*) FROM information_schema.columns WHERE"
	    " table_name = 's/passages'");

	for (int m = 0; m < 3; m++) {
		PXT_CHECK_INT(find(t, (pxt_search_mode)m, "", 5), PXT_EINVAL);
		expect_msg("the query is empty");
		PXT_CHECK_INT(find(t, (pxt_search_mode)m, NULL, 5), PXT_EINVAL);
		PXT_CHECK_INT(find(t, (pxt_search_mode)m, "water", 0), PXT_EINVAL);
		expect_msg("limit 0 is outside 1..1000");
		PXT_CHECK_INT(find(t, (pxt_search_mode)m, "water", 1001), PXT_EINVAL);
		PXT_CHECK_INT(find(t, (pxt_search_mode)m, "water", -1), PXT_EINVAL);
		PXT_CHECK_INT(find_f(t, (pxt_search_mode)m, "water", 5, unknown, 1),
		    PXT_EINVAL);
		expect_msg("filter on unknown column 'colour' of 's/passages'");
		PXT_CHECK_INT(find_f(t, (pxt_search_mode)m, "water", 5, nokey, 1),
		    PXT_EINVAL);
		expect_msg("only Json columns have keys");
		PXT_CHECK_INT(find_f(t, (pxt_search_mode)m, "water", 5, empty, 1),
		    PXT_EINVAL);
	}
	s.mode = (pxt_search_mode)7;
	PXT_CHECK_INT(run(t, &s), PXT_EINVAL);
	s.mode = PXT_SEARCH_SEMANTIC;
	s.select = badsel;
	PXT_CHECK_INT(run(t, &s), PXT_EINVAL);
	expect_msg("unknown column 'nope'");
	s.select = hidsel;
	PXT_CHECK_INT(run(t, &s), PXT_EINVAL);
	s.select = NULL;
	PXT_CHECK_INT(pxt_search(NULL, spool, &s, NULL), PXT_EINVAL);
	PXT_CHECK_INT(pxt_search(t, spool, NULL, NULL), PXT_EINVAL);
	s.embedding_index = "no_such_index";
	PXT_CHECK_INT(run(t, &s), PXT_ENOTFOUND);
	s.embedding_index = NULL;

	/* adding: the column, its type, the language, the function, the name, the metric */
	PXT_CHECK_INT(pxt_add_fulltext_index(t, "text", "bad_lang", "klingon",
	    PXT_IF_EXISTS_ERROR), PXT_EINVAL);
	expect_msg("unknown text search language 'klingon'");
	expect_msg("english");
	PXT_CHECK_INT(pxt_add_fulltext_index(t, "group_id", "bad", "english",
	    PXT_IF_EXISTS_ERROR), PXT_EINVAL);
	expect_msg("column 'group_id' of 's/passages' is Int");
	PXT_CHECK_INT(pxt_add_fulltext_index(t, "metadata", "bad", "english",
	    PXT_IF_EXISTS_ERROR), PXT_EINVAL);
	PXT_CHECK_INT(pxt_add_fulltext_index(t, "nope", "bad", "english",
	    PXT_IF_EXISTS_ERROR), PXT_ENOTFOUND);
	PXT_CHECK_INT(pxt_add_embedding_index(t, "group_id", "bad", "embed_text",
	    PXT_METRIC_COSINE, PXT_IF_EXISTS_ERROR), PXT_EINVAL);
	expect_msg("indexes for search are on String columns");
	PXT_CHECK_INT(pxt_add_embedding_index(t, "nope", "bad", "embed_text",
	    PXT_METRIC_COSINE, PXT_IF_EXISTS_ERROR), PXT_ENOTFOUND);
	PXT_CHECK_INT(pxt_add_embedding_index(t, "text", "bad", "no_such_embedder",
	    PXT_METRIC_COSINE, PXT_IF_EXISTS_ERROR), PXT_ENOTFOUND);
	expect_msg("no function named 'no_such_embedder'");
	PXT_CHECK_INT(pxt_add_embedding_index(t, "text", "bad", NULL,
	    PXT_METRIC_COSINE, PXT_IF_EXISTS_ERROR), PXT_ENOTFOUND);
	PXT_CHECK_INT(pxt_add_embedding_index(t, "text", "bad", "lower",
	    PXT_METRIC_COSINE, PXT_IF_EXISTS_ERROR), PXT_EINVAL);
	expect_msg("function 'lower' cannot embed");
	PXT_CHECK_INT(pxt_add_embedding_index(t, "text", "bad", "word_count",
	    PXT_METRIC_COSINE, PXT_IF_EXISTS_ERROR), PXT_EINVAL);
	PXT_CHECK_INT(pxt_add_embedding_index(t, "text", "bad", "embed_text",
	    (pxt_metric)9, PXT_IF_EXISTS_ERROR), PXT_EINVAL);
	PXT_CHECK_INT(pxt_add_embedding_index(t, "text", "bad name", "embed_text",
	    PXT_METRIC_COSINE, PXT_IF_EXISTS_ERROR), PXT_EINVAL);
	PXT_CHECK_INT(pxt_add_fulltext_index(t, "text", "", "english",
	    PXT_IF_EXISTS_ERROR), PXT_EINVAL);
	PXT_CHECK_INT(one_int("SELECT count(*) FROM pxt_catalog.indexes WHERE name IN"
	    " ('bad', 'bad_lang')"), 0);
	/* nothing was left behind by the refusals */
	PXT_CHECK_INT(one_int("SELECT count(*) FROM information_schema.columns WHERE"
	    " table_name = 's/passages'"), ncols);

	/* a table without indexes: every mode says what is missing */
	plain = pxt_create_table(env, "s/plain", (pxt_coldef[]){{"text", PXT_STRING, 0, 0, NULL, NULL},
	    {0}}, PXT_IF_EXISTS_REPLACE);
	PXT_CHECK(plain != NULL);
	if (plain != NULL) {
		static const char *names[] = {"text"}, *vals[] = {"plain water"};

		PXT_CHECK_INT(pxt_insert(plain, names, 1, vals, 1), PXT_OK);
		PXT_CHECK_INT(find(plain, PXT_SEARCH_SEMANTIC, "water", 5), PXT_ENOTFOUND);
		expect_msg("'s/plain' has no embedding index");
		PXT_CHECK_INT(find(plain, PXT_SEARCH_KEYWORD, "water", 5), PXT_ENOTFOUND);
		expect_msg("'s/plain' has no fulltext index");
		PXT_CHECK_INT(find(plain, PXT_SEARCH_HYBRID, "water", 5), PXT_ENOTFOUND);
		PXT_CHECK_INT(pxt_drop_table(env, "s/plain", PXT_IF_MISSING_ERROR), PXT_OK);
	}
}

/* A second embedding index (L2): it must be named, and its scores are distances. */
static void
test_two_indexes(pxt_table *t)
{
	pxt_search_spec s = {.size = sizeof(s), .mode = PXT_SEARCH_SEMANTIC,
	    .query = corpus[4].text, .limit = 5};

	PXT_CHECK_INT(pxt_add_embedding_index(t, "text", "text_l2", "embed_text",
	    PXT_METRIC_L2, PXT_IF_EXISTS_ERROR), PXT_OK);
	expect_backend("text_l2");
	PXT_CHECK_INT(run(t, &s), PXT_EINVAL);
	expect_msg("name the one to use");
	PXT_CHECK_INT(find(t, PXT_SEARCH_HYBRID, "sailboat", 5), PXT_EINVAL);
	s.embedding_index = "text_l2";
	PXT_CHECK_INT(run(t, &s), PXT_OK);
	PXT_CHECK(H.n == 5 && H.id[0] == 5 && fabs(H.score[0]) < 1e-3);
	expect_ordered(true);
	s.mode = PXT_SEARCH_HYBRID;
	s.query = "sailboat tacking upwind";
	PXT_CHECK_INT(run(t, &s), PXT_OK);
	PXT_CHECK(H.n == 5 && H.id[0] == 5);
	s.mode = PXT_SEARCH_SEMANTIC;
	s.embedding_index = "text_embedding";
	PXT_CHECK_INT(run(t, &s), PXT_OK);
	PXT_CHECK(H.n == 5 && H.id[0] == 5 && H.score[0] > 0.5);
	expect_ordered(false);
	s.fulltext_index = "text_fulltext";
	s.mode = PXT_SEARCH_KEYWORD;
	PXT_CHECK_INT(run(t, &s), PXT_OK);
	PXT_CHECK(H.n >= 1 && H.id[0] == 5);
	s.fulltext_index = "text_embedding";	/* an index of the other kind */
	PXT_CHECK_INT(run(t, &s), PXT_ENOTFOUND);
	PXT_CHECK_INT(pxt_drop_index(t, "text_l2", PXT_IF_MISSING_ERROR), PXT_OK);
	PXT_CHECK_INT(find(t, PXT_SEARCH_SEMANTIC, "sailboat", 5), PXT_OK);
}

/* ---- index maintenance through the write engine -------------------------------- */

static pxt_app *app;
static pxt_pool *rpool;
static char body[8192];
static int status;

static const char *
param(void *ctx, const char *name)
{
	(void)ctx;
	return strcmp(name, "CONTENT_TYPE") == 0 ? "application/json" : NULL;
}

/* POST json to path in process; `status` and `body` get the answer. */
static void
post(const char *path, const char *json)
{
	pxt_req *req;
	const char *out;
	size_t len;

	pxt_pool_reset(rpool);
	req = pxt_req_new(app, rpool, "POST", path, NULL, json, strlen(json), false,
	    param, NULL);
	pxt_app_handle(app, req);
	status = pxt_res_get_status(req);
	out = pxt_res_get_body(req, &len);
	snprintf(body, sizeof(body), "%.*s", (int)len, out);
	pxt_req_free(req);
	if (status != 200)
		fprintf(stderr, "POST %s: %d %s\n", path, status, body);
}

#define QUOKKA "The quokka is a small marsupial that lives on Rottnest Island near " \
	"Perth and seems to smile for every camera."
#define AXOLOTL "Axolotls are salamanders that regrow lost limbs and stay aquatic " \
	"all their lives in the canals of Xochimilco."

/* Whether row id is found by text in every mode, first when found. */
static void
expect_findable(pxt_table *t, long long id, const char *semantic, const char *word,
    bool yes)
{
	PXT_CHECK_INT(find(t, PXT_SEARCH_SEMANTIC, semantic, 1), PXT_OK);
	if ((H.n == 1 && H.id[0] == id && H.score[0] > 0.99) != yes) {
		show(yes ? "missing:" : "stale:", PXT_SEARCH_SEMANTIC, semantic);
		PXT_CHECK(0);
	}
	PXT_CHECK_INT(find(t, PXT_SEARCH_KEYWORD, word, 10), PXT_OK);
	if ((H.n == 1 && H.id[0] == id) != yes || (!yes && H.n != 0)) {
		show(yes ? "missing:" : "stale:", PXT_SEARCH_KEYWORD, word);
		PXT_CHECK(0);
	}
	PXT_CHECK_INT(find(t, PXT_SEARCH_HYBRID, word, 3), PXT_OK);
	if ((H.n > 0 && H.id[0] == id) != yes) {
		show(yes ? "missing:" : "stale:", PXT_SEARCH_HYBRID, word);
		PXT_CHECK(0);
	}
}

static void
test_maintenance(pxt_table *t)
{
	static const char *names[] = {"id", "text", "metadata", "group_id"};
	static const char *row[] = {"100", QUOKKA, "{\"topic\": \"zoology\"}", "2"};
	pxt_search_filter zoo[] = {{"metadata.topic", "zoology"}};
	pxt_router *r = pxt_app_router(app, "s", NULL);
	char json[512];

	pxt_router_prefix(r, "/api/s");
	PXT_CHECK_INT(pxt_add_update_route(r, "/passages/update", t, NULL), PXT_OK);
	PXT_CHECK_INT(pxt_add_delete_route(r, "/passages/delete", t, NULL), PXT_OK);

	/* warm the index first, so the next searches catch up rather than build */
	PXT_CHECK_INT(find(t, PXT_SEARCH_SEMANTIC, "quokka", 3), PXT_OK);
	PXT_CHECK(!found(100));
	if (!pgvector)
		PXT_CHECK_INT(index_files(index_id("text_embedding")), 1);

	/* inserted: found by the next search */
	PXT_CHECK_INT(pxt_insert(t, names, 4, row, 1), PXT_OK);
	expect_findable(t, 100, QUOKKA, "quokka", true);
	PXT_CHECK_INT(find_f(t, PXT_SEARCH_SEMANTIC, "marsupial", 5, zoo, 1), PXT_OK);
	PXT_CHECK(H.n == 1 && H.id[0] == 100);

	/* updated: the old text no longer finds it, the new one does */
	snprintf(json, sizeof(json), "{\"id\": 100, \"text\": \"%s\"}", AXOLOTL);
	post("/api/s/passages/update", json);
	PXT_CHECK_INT(status, 200);
	expect_findable(t, 100, QUOKKA, "quokka", false);
	expect_findable(t, 100, AXOLOTL, "axolotls", true);
	/* a change to another column leaves the vector alone, the filter follows it */
	post("/api/s/passages/update", "{\"id\": 100, \"metadata\": {\"topic\":"
	    " \"amphibians\"}}");
	PXT_CHECK_INT(status, 200);
	expect_findable(t, 100, AXOLOTL, "axolotls", true);
	PXT_CHECK_INT(find_f(t, PXT_SEARCH_SEMANTIC, "salamander", 5, zoo, 1), PXT_OK);
	PXT_CHECK_INT(H.n, 0);

	/* deleted: gone from every mode, and the full list again has the corpus only */
	post("/api/s/passages/delete", "{\"id\": 100}");
	PXT_CHECK_INT(status, 200);
	expect_findable(t, 100, AXOLOTL, "axolotls", false);
	PXT_CHECK_INT(find(t, PXT_SEARCH_SEMANTIC, AXOLOTL, 1000), PXT_OK);
	PXT_CHECK(H.n == NCORPUS && !found(100));

	/* a transaction that rolls back leaves nothing behind, in this process either */
	PXT_CHECK_INT(pxt_begin(env), PXT_OK);
	PXT_CHECK_INT(pxt_insert(t, names, 4, row, 1), PXT_OK);
	PXT_CHECK_INT(find(t, PXT_SEARCH_KEYWORD, "quokka", 5), PXT_OK);
	PXT_CHECK(H.n == 1 && H.id[0] == 100);	/* its own row, in its own snapshot */
	PXT_CHECK_INT(find(t, PXT_SEARCH_SEMANTIC, QUOKKA, 3), PXT_OK);
	PXT_CHECK_INT(pxt_rollback(env), PXT_OK);
	expect_findable(t, 100, QUOKKA, "quokka", false);
	PXT_CHECK_INT(find(t, PXT_SEARCH_SEMANTIC, QUOKKA, 3), PXT_OK);
	PXT_CHECK_INT(H.n, 3);
	/* and a rolled-back delete keeps the row findable */
	PXT_CHECK_INT(pxt_begin(env), PXT_OK);
	PXT_CHECK_INT(pxt_db_exec_once(pxt_env_db(env), "DELETE FROM"
	    " pxt_data.\"s/passages\" WHERE id = 14", 0, NULL, NULL), PXT_OK);
	PXT_CHECK_INT(find(t, PXT_SEARCH_SEMANTIC, corpus[13].text, 3), PXT_OK);
	PXT_CHECK_INT(pxt_rollback(env), PXT_OK);
	PXT_CHECK_INT(find(t, PXT_SEARCH_SEMANTIC, corpus[13].text, 3), PXT_OK);
	PXT_CHECK(H.n == 3 && H.id[0] == 14 && H.score[0] > 0.99);
	PXT_CHECK_INT(find(t, PXT_SEARCH_SEMANTIC, "water", 1000), PXT_OK);
	PXT_CHECK_INT(H.n, NCORPUS);
}

/* ---- if_exists, if_missing, dropping ------------------------------------------- */

static void
test_if_exists(pxt_table *t)
{
	long long emb = index_id("text_embedding"), fts = index_id("text_fulltext");
	long long emb2;

	PXT_CHECK_INT(pxt_add_embedding_index(t, "text", "text_embedding", "embed_text",
	    PXT_METRIC_COSINE, PXT_IF_EXISTS_ERROR), PXT_EEXISTS);
	expect_msg("already has an embedding index named 'text_embedding'");
	PXT_CHECK_INT(pxt_add_fulltext_index(t, "text", "text_fulltext", "english",
	    PXT_IF_EXISTS_ERROR), PXT_EEXISTS);
	/* IGNORE keeps what is there */
	PXT_CHECK_INT(pxt_add_embedding_index(t, "text", "text_embedding", "embed_text",
	    PXT_METRIC_COSINE, PXT_IF_EXISTS_IGNORE), PXT_OK);
	PXT_CHECK_INT(pxt_add_fulltext_index(t, "text", "text_fulltext", "english",
	    PXT_IF_EXISTS_IGNORE), PXT_OK);
	PXT_CHECK_INT(index_id("text_embedding"), emb);
	PXT_CHECK_INT(index_id("text_fulltext"), fts);
	/* a name taken by the other kind is refused whatever if_exists says */
	PXT_CHECK_INT(pxt_add_fulltext_index(t, "text", "text_embedding", "english",
	    PXT_IF_EXISTS_IGNORE), PXT_EEXISTS);
	PXT_CHECK_INT(pxt_add_embedding_index(t, "text", "text_fulltext", "embed_text",
	    PXT_METRIC_COSINE, PXT_IF_EXISTS_REPLACE), PXT_EEXISTS);
	PXT_CHECK_INT(index_id("text_fulltext"), fts);
	/* REPLACE makes it anew: a new id, the old one's structures gone */
	PXT_CHECK_INT(pxt_add_embedding_index(t, "text", "text_embedding", "embed_text",
	    PXT_METRIC_COSINE, PXT_IF_EXISTS_REPLACE), PXT_OK);
	emb2 = index_id("text_embedding");
	PXT_CHECK(emb2 > 0 && emb2 != emb);
	expect_backend("text_embedding");
	if (!pgvector)
		PXT_CHECK_INT(index_files(emb), 0);
	{
		char sql[256];

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM information_schema.columns"
		    " WHERE table_name = 's/passages' AND column_name = '_pxt_e%lld'", emb);
		PXT_CHECK_INT(one_int(sql), 0);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_trigger WHERE tgname ="
		    " 'pxt_vlog_%lld'", emb);
		PXT_CHECK_INT(one_int(sql), 0);
	}
	expect_top(t, PXT_SEARCH_SEMANTIC, rankings[0].semantic, rankings[0].want);
	expect_top(t, PXT_SEARCH_HYBRID, rankings[1].hybrid, rankings[1].want);
	PXT_CHECK_INT(pxt_add_fulltext_index(t, "text", "text_fulltext", "english",
	    PXT_IF_EXISTS_REPLACE), PXT_OK);
	PXT_CHECK(index_id("text_fulltext") != fts);
	expect_top(t, PXT_SEARCH_KEYWORD, rankings[2].keyword, rankings[2].want);

	/* if_missing */
	PXT_CHECK_INT(pxt_drop_index(t, "no_such_index", PXT_IF_MISSING_ERROR),
	    PXT_ENOTFOUND);
	expect_msg("has no index named 'no_such_index'");
	PXT_CHECK_INT(pxt_drop_index(t, "no_such_index", PXT_IF_MISSING_IGNORE), PXT_OK);
	PXT_CHECK_INT(pxt_drop_index(t, NULL, PXT_IF_MISSING_ERROR), PXT_ENOTFOUND);
}

static void
test_drop(pxt_table *t)
{
	long long emb = index_id("text_embedding"), fts = index_id("text_fulltext");
	char sql[256];

	if (!pgvector)
		PXT_CHECK_INT(index_files(emb), 1);
	/* without the full-text index: keyword and hybrid refuse, semantic goes on */
	PXT_CHECK_INT(pxt_drop_index(t, "text_fulltext", PXT_IF_MISSING_ERROR), PXT_OK);
	PXT_CHECK_INT(find(t, PXT_SEARCH_KEYWORD, "water", 5), PXT_ENOTFOUND);
	PXT_CHECK_INT(find(t, PXT_SEARCH_HYBRID, "water", 5), PXT_ENOTFOUND);
	expect_top(t, PXT_SEARCH_SEMANTIC, rankings[3].semantic, rankings[3].want);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM information_schema.columns WHERE"
	    " table_name = 's/passages' AND column_name = '_pxt_f%lld'", fts);
	PXT_CHECK_INT(one_int(sql), 0);
	PXT_CHECK_INT(pxt_drop_index(t, "text_fulltext", PXT_IF_MISSING_ERROR),
	    PXT_ENOTFOUND);
	/* without the embedding index: semantic refuses; its column, file, log go */
	PXT_CHECK_INT(pxt_drop_index(t, "text_embedding", PXT_IF_MISSING_ERROR), PXT_OK);
	PXT_CHECK_INT(find(t, PXT_SEARCH_SEMANTIC, "water", 5), PXT_ENOTFOUND);
	expect_msg("has no embedding index");
	snprintf(sql, sizeof(sql), "_pxt_e%lld", emb);
	PXT_CHECK(pxt_table_find_col(t, sql) == NULL);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM information_schema.columns WHERE"
	    " table_name = 's/passages' AND column_name = '_pxt_e%lld'", emb);
	PXT_CHECK_INT(one_int(sql), 0);
	PXT_CHECK_INT(one_int("SELECT count(*) FROM pxt_catalog.indexes i JOIN"
	    " pxt_catalog.tables t ON t.id = i.table_id WHERE t.path = 's/passages' AND"
	    " i.kind IN ('embedding', 'fulltext')"), 0);
	if (!pgvector) {
		PXT_CHECK_INT(index_files(emb), 0);
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM pxt_catalog.vec_log WHERE"
		    " index_id = %lld", emb);
		PXT_CHECK_INT(one_int(sql), 0);
	} else {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_indexes WHERE indexname"
		    " = 'pxt_v%lld'", emb);
		PXT_CHECK_INT(one_int(sql), 0);
	}
	/* the rows stay; indexes added again cover them all */
	PXT_CHECK_INT(pxt_add_fulltext_index(t, "text", NULL, "english",
	    PXT_IF_EXISTS_ERROR), PXT_OK);
	PXT_CHECK(index_id("text_fulltext") > 0);
	PXT_CHECK_INT(pxt_add_embedding_index(t, "text", NULL, "embed_text",
	    PXT_METRIC_COSINE, PXT_IF_EXISTS_ERROR), PXT_OK);
	expect_backend("text_embedding");
	for (int i = 0; i < NRANKINGS; i++) {
		expect_top(t, PXT_SEARCH_SEMANTIC, rankings[i].semantic, rankings[i].want);
		expect_top(t, PXT_SEARCH_KEYWORD, rankings[i].keyword, rankings[i].want);
		expect_top(t, PXT_SEARCH_HYBRID, rankings[i].hybrid, rankings[i].want);
	}
}

/* ---- a view -------------------------------------------------------------------- */

static const char *const notes[] = {
	"Lighthouses guide ships past dangerous rocks with a rotating beam of light.\n\n"
	"The keeper climbed the spiral staircase every evening to light the lamp.",
	"Sourdough starter is a culture of wild yeast and lactic bacteria.\n\n"
	"Feed the starter with flour and water every day to keep it lively.",
	"Glaciers carve valleys as they slowly flow downhill.\n\n"
	"Meltwater from retreating glaciers feeds the rivers in summer.",
};

static void
test_view(void)
{
	static const char *names[] = {"id", "body"};
	static const char *const parent_sel[] = {"id", NULL};
	const char *vals[] = {"1", notes[0], "2", notes[1], "3", notes[2]};
	const char *v4[] = {"4", "Comets grow bright tails of gas and dust near the sun."};
	pxt_search_spec s = {.size = sizeof(s), .mode = PXT_SEARCH_SEMANTIC,
	    .query = "culture of wild yeast for sourdough", .limit = 10,
	    .parent_key = "id", .parent_select = parent_sel, .parent_as = "note"};
	const pxt_json *note, *pos;
	pxt_table *b, *v;
	pxt_router *r;

	b = pxt_create_table(env, "s/notes", (pxt_coldef[]){
	    {"id", PXT_INT, PXT_COL_PRIMARY_KEY, 0, NULL, NULL}, {"body", PXT_STRING, 0, 0, NULL, NULL}, {0}},
	    PXT_IF_EXISTS_REPLACE);
	PXT_CHECK(b != NULL);
	if (b == NULL)
		return;
	PXT_CHECK_INT(pxt_insert(b, names, 2, vals, 3), PXT_OK);
	v = pxt_create_view(env, "s/note_parts", b, &(pxt_iter_def){
	    .size = sizeof(pxt_iter_def), .name = "string_splitter", .input = "body",
	    .separators = "paragraph"}, PXT_IF_EXISTS_REPLACE);
	PXT_CHECK(v != NULL);
	if (v == NULL)
		return;
	PXT_CHECK_STR(one("SELECT count(*) FROM pxt_data.\"s/note_parts\""), "6");
	PXT_CHECK_INT(pxt_add_embedding_index(v, "text", "part_embedding", "embed_text",
	    PXT_METRIC_COSINE, PXT_IF_EXISTS_ERROR), PXT_OK);
	PXT_CHECK_INT(pxt_add_fulltext_index(v, "text", "part_fulltext", "english",
	    PXT_IF_EXISTS_ERROR), PXT_OK);
	expect_backend("part_embedding");
	/* the base is not indexed: only the view is */
	PXT_CHECK_INT(find(b, PXT_SEARCH_SEMANTIC, "yeast", 5), PXT_ENOTFOUND);
	r = pxt_app_router(app, "notes", NULL);
	pxt_router_prefix(r, "/api/notes");
	PXT_CHECK_INT(pxt_add_update_route(r, "/update", b, NULL), PXT_OK);
	PXT_CHECK_INT(pxt_add_delete_route(r, "/delete", b, NULL), PXT_OK);

	/* each result carries its base row */
	s.parent = b;
	PXT_CHECK_INT(run(v, &s), PXT_OK);
	PXT_CHECK(H.n == 6 && H.id[0] == 2);
	pos = H.n > 0 ? pxt_json_get(H.row[0], "pos") : NULL;
	PXT_CHECK(pos != NULL && pos->type == PXT_JSON_INT && pos->u.i == 0);
	note = H.n > 0 ? pxt_json_get(H.row[0], "note") : NULL;
	PXT_CHECK(note != NULL && note->type == PXT_JSON_OBJECT && note->u.obj.n == 1 &&
	    pxt_json_get(note, "id") != NULL && pxt_json_get(note, "id")->u.i == 2);
	for (int i = 0; i < H.n; i++) {
		note = pxt_json_get(H.row[i], "note");
		PXT_CHECK(note != NULL && pxt_json_get(note, "id") != NULL &&
		    pxt_json_get(note, "id")->u.i == H.id[i]);
	}
	s.mode = PXT_SEARCH_KEYWORD;
	s.query = "spiral staircase";
	s.parent_select = NULL;
	PXT_CHECK_INT(run(v, &s), PXT_OK);
	PXT_CHECK(H.n == 1 && H.id[0] == 1 && H.snippet[0] != NULL &&
	    strstr(H.snippet[0], "<b>spiral</b>") != NULL);
	note = H.n > 0 ? pxt_json_get(H.row[0], "note") : NULL;
	PXT_CHECK(note != NULL && pxt_json_get(note, "body") != NULL &&
	    strcmp(pxt_json_get(note, "body")->u.str.s, notes[0]) == 0);
	s.parent = NULL;
	s.mode = PXT_SEARCH_HYBRID;
	s.query = "glaciers meltwater";
	PXT_CHECK_INT(run(v, &s), PXT_OK);
	PXT_CHECK(H.n >= 2 && H.id[0] == 3 && H.id[1] == 3 &&
	    pxt_json_get(H.row[0], "note") == NULL);

	/* the base row deleted: its view rows leave every mode */
	post("/api/notes/delete", "{\"id\": 2}");
	PXT_CHECK_INT(status, 200);
	PXT_CHECK_INT(find(v, PXT_SEARCH_SEMANTIC, "culture of wild yeast", 1000), PXT_OK);
	PXT_CHECK(H.n == 4 && !found(2));
	PXT_CHECK_INT(find(v, PXT_SEARCH_KEYWORD, "sourdough yeast starter", 10), PXT_OK);
	PXT_CHECK_INT(H.n, 0);
	PXT_CHECK_INT(find(v, PXT_SEARCH_HYBRID, "sourdough yeast starter", 10), PXT_OK);
	PXT_CHECK(!found(2));

	/* the base row's text updated: its view rows replaced, in the index too */
	post("/api/notes/update", "{\"id\": 3, \"body\": \"Coral reefs grow in warm "
	    "shallow seas.\\n\\nBleaching follows when the sea gets too warm.\"}");
	PXT_CHECK_INT(status, 200);
	PXT_CHECK_INT(find(v, PXT_SEARCH_KEYWORD, "glaciers", 10), PXT_OK);
	PXT_CHECK_INT(H.n, 0);
	PXT_CHECK_INT(find(v, PXT_SEARCH_KEYWORD, "coral reefs", 10), PXT_OK);
	PXT_CHECK(H.n == 1 && H.id[0] == 3);
	PXT_CHECK_INT(find(v, PXT_SEARCH_SEMANTIC, "Coral reefs grow in warm shallow "
	    "seas.", 1000), PXT_OK);
	PXT_CHECK(H.n == 4 && H.id[0] == 3 && H.score[0] > 0.99);

	/* a new base row: its parts are found at once */
	PXT_CHECK_INT(pxt_insert(b, names, 2, v4, 1), PXT_OK);
	PXT_CHECK_INT(find(v, PXT_SEARCH_SEMANTIC, "bright comet tails", 3), PXT_OK);
	PXT_CHECK(H.n == 3 && H.id[0] == 4);
	PXT_CHECK_INT(find(v, PXT_SEARCH_HYBRID, "comets dust", 3), PXT_OK);
	PXT_CHECK(H.n >= 1 && H.id[0] == 4);

	/* dropping the view takes its indexes */
	PXT_CHECK_INT(pxt_drop_table(env, "s/note_parts", PXT_IF_MISSING_ERROR), PXT_OK);
	PXT_CHECK_INT(index_id("part_embedding"), -1);
	PXT_CHECK_INT(index_id("part_fulltext"), -1);
}

int
main(int argc, char **argv)
{
	pxt_table *t;

	if (argc != 2 || (strcmp(argv[1], "exact") && strcmp(argv[1], "pgvector"))) {
		fprintf(stderr, "usage: test_search exact|pgvector\n");
		return 2;
	}
	pgvector = strcmp(argv[1], "pgvector") == 0;
	env = pxt_open(NULL);
	PXT_CHECK(env != NULL);
	if (env == NULL) {
		fprintf(stderr, "%s\n", pxt_errmsg());
		return pxt_test_done();
	}
	spool = pxt_pool_new(0);
	rpool = pxt_pool_new(0);
	app = pxt_app_new(env);
	PXT_CHECK(spool != NULL && rpool != NULL && app != NULL);
	PXT_CHECK_INT(pxt_create_dir(env, "s", PXT_IF_EXISTS_IGNORE), PXT_OK);
	pxt_drop_table(env, "s/note_parts", PXT_IF_MISSING_IGNORE);
	if ((t = make_passages()) != NULL) {
		test_indexes(t);
		test_ranking(t);
		test_results(t);
		test_limit(t);
		test_filters(t);
		test_errors(t);
		test_two_indexes(t);
		test_maintenance(t);
		test_if_exists(t);
		test_drop(t);
	}
	test_view();
	PXT_CHECK_INT(pxt_catalog_check(env), PXT_OK);
	pxt_app_free(app);
	pxt_pool_free(spool);
	pxt_pool_free(rpool);
	pxt_close(env);
	return pxt_test_done();
}
