/*
 * test_media_fn.c - the document and image functions on the real files that
 * it_media_fn.sh makes (argv[1]), with argv[2] as the media store: extraction of each
 * format, splitting, the document UDFs, format(), and that poppler and libvips are
 * mapped only once a PDF or an image is read. The image half (headers, thumbnails and
 * their clean-up, the "KEPT <path>" line for the script) is in test_media_img.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pxt/expr.h"
#include "pxt_test.h"
#include "docs/doc_int.h"
#include "media/media_store_int.h"
#include "core/utf8_int.h"

/* The image tests (test_media_img.c); they add their check counts to counts. */
void test_media_images(const char *files, const char *media, int counts[2]);

static const char *dir, *store;
static char pathbuf[4096];

/* The path of file name in the test folder (static buffer). */
static const char *
F(const char *name)
{
	snprintf(pathbuf, sizeof(pathbuf), "%s/%s", dir, name);
	return pathbuf;
}

/* Whether /proc/self/maps names a library containing what. */
static int
mapped(const char *what)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	int found = 0;

	if (f == NULL)
		return -1;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, what) != NULL;
	fclose(f);
	return found;
}

#define CHECK_MSG(sub) do {                                                     \
	if (strstr(pxt_errmsg(), (sub)) == NULL)                                \
		fprintf(stderr, "message '%s' lacks '%s'\n", pxt_errmsg(), (sub)); \
	PXT_CHECK(strstr(pxt_errmsg(), (sub)) != NULL);                         \
} while (0)

static const pxt_doc *
extract(pxt_pool *p, const char *name)
{
	const pxt_doc *d = NULL;
	pxt_err rc = pxt_doc_extract(p, F(name), &d);

	if (rc != PXT_OK)
		fprintf(stderr, "extract %s: %s\n", name, pxt_errmsg());
	PXT_CHECK_INT(rc, PXT_OK);
	return d;
}

static void
check_block(const pxt_doc *d, int i, enum pxt_block_kind kind, int level, int page,
    const char *text)
{
	PXT_CHECK(i < d->nblocks);
	if (i >= d->nblocks)
		return;
	PXT_CHECK_INT(d->blocks[i].kind, kind);
	PXT_CHECK_INT(d->blocks[i].level, level);
	PXT_CHECK_INT(d->blocks[i].page, page);
	PXT_CHECK_STR(d->blocks[i].text, text);
	PXT_CHECK_INT(d->blocks[i].len, strlen(text));
}

static void
test_text_formats(pxt_pool *p)
{
	const pxt_doc *d, *again;
	const char *text;
	size_t len;

	d = extract(p, "notes.txt");
	PXT_CHECK_INT(d->nblocks, 2);
	PXT_CHECK(d->title == NULL);
	PXT_CHECK_INT(d->npages, 0);
	PXT_CHECK_STR(d->format, "txt");
	check_block(d, 0, PXT_BLOCK_PARAGRAPH, 0, 0, "Plain text first paragraph\n"
	    "continues here.");
	/* the invalid byte became U+FFFD */
	check_block(d, 1, PXT_BLOCK_PARAGRAPH, 0, 0, "Second paragraph with a bad byte "
	    "\xef\xbf\xbd here.");
	/* memoized: same structure, no new parse */
	again = extract(p, "notes.txt");
	PXT_CHECK(again == d);

	d = extract(p, "guide.md");
	PXT_CHECK_STR(d->title, "Zebra Guide");
	PXT_CHECK_INT(d->nblocks, 7);
	check_block(d, 0, PXT_BLOCK_HEADING, 1, 0, "Zebra Guide");
	check_block(d, 2, PXT_BLOCK_HEADING, 2, 0, "Habitat");
	check_block(d, 3, PXT_BLOCK_PARAGRAPH, 0, 0, "Zebras live in Africa. Mr. Smith "
	    "saw them in Kenya.");
	check_block(d, 5, PXT_BLOCK_HEADING, 3, 0, "Diet");
	PXT_CHECK_INT(pxt_doc_text(p, d, &text, &len), PXT_OK);
	PXT_CHECK(strncmp(text, "Zebra Guide\n\nIntro paragraph", 28) == 0);
	PXT_CHECK_INT(strlen(text), len);

	d = extract(p, "page.html");
	PXT_CHECK_STR(d->title, "Zebra Facts");
	PXT_CHECK_STR(d->format, "html");
	PXT_CHECK_INT(d->nblocks, 9);
	check_block(d, 0, PXT_BLOCK_HEADING, 1, 0, "Main Zebra");
	check_block(d, 1, PXT_BLOCK_PARAGRAPH, 0, 0, "First bold paragraph.");
	check_block(d, 2, PXT_BLOCK_PARAGRAPH, 0, 0, "Div text here");
	check_block(d, 3, PXT_BLOCK_HEADING, 2, 0, "Lists");
	check_block(d, 4, PXT_BLOCK_PARAGRAPH, 0, 0, "item one");
	check_block(d, 7, PXT_BLOCK_PARAGRAPH, 0, 0, "cell B");
	check_block(d, 8, PXT_BLOCK_PARAGRAPH, 0, 0, "pre  kept\n  lines");
	PXT_CHECK_INT(pxt_doc_text(p, d, &text, &len), PXT_OK);
	PXT_CHECK(strstr(text, "hidden") == NULL && strstr(text, "color") == NULL);

	/* sniffed formats */
	d = extract(p, "notes.data");
	PXT_CHECK_STR(d->format, "txt");
	d = extract(p, "page.bin");
	PXT_CHECK_STR(d->format, "html");
	PXT_CHECK(d->nblocks == 1 && strcmp(d->blocks[0].text, "sniffed html") == 0);
}

static void
test_extract_errors(void)
{
	pxt_pool *p = pxt_pool_new(0);	/* no memo of earlier reads */
	const pxt_doc *d;

	PXT_CHECK_INT(pxt_doc_extract(p, F("missing.txt"), &d), PXT_ENOTFOUND);
	CHECK_MSG("missing.txt: no such file");
	PXT_CHECK_INT(pxt_doc_extract(p, F("blob.bin"), &d), PXT_EINVAL);
	CHECK_MSG("blob.bin: binary data");
	PXT_CHECK_INT(pxt_doc_extract(p, F("huge.txt"), &d), PXT_ETOOLARGE);
	CHECK_MSG("huge.txt: 68157440 bytes, over the 64 MiB limit");
	PXT_CHECK_INT(pxt_doc_extract(p, "https://example.com/a.pdf", &d), PXT_EINVAL);
	CHECK_MSG("URL media is not fetched yet");
	if (geteuid() != 0) {
		chmod(F("notes.data"), 0);
		PXT_CHECK_INT(pxt_doc_extract(p, F("notes.data"), &d), PXT_EPERM);
		CHECK_MSG("notes.data: cannot open");
		chmod(F("notes.data"), 0644);
	}
	pxt_pool_free(p);
}

/* Splits doc with spec (and limit/overlap), checks the count, returns the chunks. */
static pxt_chunk *
split(pxt_pool *p, const pxt_doc *d, const char *spec, int limit, int overlap, int want)
{
	pxt_split_opts o = {0, limit, overlap};
	pxt_chunk *c = NULL;
	int n = -1;

	PXT_CHECK_INT(pxt_split_parse(spec, &o), PXT_OK);
	PXT_CHECK_INT(pxt_doc_split(p, d, &o, &c, &n), PXT_OK);
	PXT_CHECK_INT(n, want);
	for (int i = 0; i < n; i++)
		PXT_CHECK_INT(c[i].pos, i);
	return c;
}

/* Whether the last k words of a are the first k words of b. */
static int
overlaps(const char *a, const char *b, int k)
{
	const char *t = a + strlen(a);

	for (int i = 0; i < k && t > a; i++)
		for (t--; t > a && t[-1] != ' '; t--)
			;
	return strncmp(t, b, strlen(t)) == 0;
}

static void
test_split(pxt_pool *p)
{
	const pxt_doc *md = extract(p, "guide.md");
	pxt_chunk *c;

	c = split(p, md, "", 0, 0, 1);
	PXT_CHECK_STR(c[0].heading, "Zebra Guide");
	PXT_CHECK(strncmp(c[0].text, "Intro paragraph", 15) == 0);
	PXT_CHECK(strstr(c[0].text, "twelve") != NULL);
	PXT_CHECK(strstr(c[0].text, "Habitat") == NULL);

	c = split(p, md, "heading", 0, 0, 3);
	PXT_CHECK_STR(c[0].heading, "Zebra Guide");
	PXT_CHECK_STR(c[1].heading, "Habitat");
	PXT_CHECK_STR(c[1].text, "Zebras live in Africa. Mr. Smith saw them in Kenya.\n\n"
	    "Second habitat paragraph with eight words total here.");
	PXT_CHECK_STR(c[2].heading, "Diet");
	PXT_CHECK_INT(c[2].page, 0);

	c = split(p, md, " Paragraph ", 0, 0, 4);
	PXT_CHECK_STR(c[2].text, "Second habitat paragraph with eight words total here.");
	PXT_CHECK_STR(c[2].heading, "Habitat");

	c = split(p, md, "sentence", 0, 0, 8);
	PXT_CHECK_STR(c[1].text, "Zebras have stripes!");
	PXT_CHECK_STR(c[2].text, "Do they sleep?");
	PXT_CHECK_STR(c[5].text, "Mr. Smith saw them in Kenya.");
	PXT_CHECK_STR(c[5].heading, "Habitat");
	PXT_CHECK_STR(c[7].heading, "Diet");

	/*
	 * windows of 5 words overlapping by 2 (the overlap words really repeat): the
	 * intro's 13 words give 4 windows, Habitat's 18 give 6, Diet's 12 give 4
	 */
	c = split(p, md, "heading,token_limit", 5, 2, 4 + 6 + 4);
	PXT_CHECK_STR(c[0].text, "Intro paragraph about zebras. Zebras");
	PXT_CHECK_STR(c[1].text, "zebras. Zebras have stripes! Do");
	PXT_CHECK_STR(c[3].text, "sleep? Yes, standing up.");
	PXT_CHECK_STR(c[10].text, "one two three four five");
	PXT_CHECK_STR(c[11].text, "four five six seven eight");
	PXT_CHECK_STR(c[12].text, "seven eight nine ten eleven");
	PXT_CHECK_STR(c[13].text, "ten eleven twelve");
	for (int i = 0; i < 3; i++)
		PXT_CHECK(overlaps(c[i].text, c[i + 1].text, 2));
	for (int i = 10; i < 13; i++)
		PXT_CHECK(overlaps(c[i].text, c[i + 1].text, 2));
	PXT_CHECK_STR(c[3].heading, "Zebra Guide");
	PXT_CHECK_STR(c[4].heading, "Habitat");
	PXT_CHECK_STR(c[13].heading, "Diet");

	/* limit and overlap from the spec itself; windows stay inside a paragraph */
	c = split(p, md, "paragraph,token_limit,limit=6,overlap=0", 0, 0, 3 + 2 + 2 + 2);
	PXT_CHECK_STR(c[2].text, "up.");
	PXT_CHECK_STR(c[7].text, "one two three four five six");
	PXT_CHECK_STR(c[8].text, "seven eight nine ten eleven twelve");
}

static void
test_string_split(pxt_pool *p)
{
	const char *s = "First para. It has two sentences.\n\n  \nSecond para here.";
	const char *u = "h\xc3\xa9llo w\xc3\xb6rld \xe2\x98\x83\xe2\x98\x83\xe2\x98\x83 "
	    "\xc3\xb1" "and\xc3\xba";
	pxt_split_opts o = {0, 0, 0};
	pxt_chunk *c;
	int n;

	PXT_CHECK_INT(pxt_split_parse("paragraph", &o), PXT_OK);
	PXT_CHECK_INT(pxt_string_split(p, s, strlen(s), &o, &c, &n), PXT_OK);
	PXT_CHECK_INT(n, 2);
	PXT_CHECK_STR(c[1].text, "Second para here.");
	PXT_CHECK(c[1].heading == NULL && c[1].page == 0);
	PXT_CHECK_INT(pxt_split_parse("sentence", &o), PXT_OK);
	PXT_CHECK_INT(pxt_string_split(p, s, strlen(s), &o, &c, &n), PXT_OK);
	PXT_CHECK_INT(n, 3);
	PXT_CHECK_STR(c[1].text, "It has two sentences.");
	/* characters, never a cut inside a multi-byte sequence */
	o.limit = 4;
	o.overlap = 1;
	PXT_CHECK_INT(pxt_split_parse("char_limit", &o), PXT_OK);
	PXT_CHECK_INT(pxt_string_split(p, u, strlen(u), &o, &c, &n), PXT_OK);
	PXT_CHECK_INT(n, 7);
	PXT_CHECK_STR(c[0].text, "h\xc3\xa9ll");
	PXT_CHECK_STR(c[1].text, "lo w");
	PXT_CHECK_STR(c[3].text, "ld \xe2\x98\x83");
	PXT_CHECK_STR(c[4].text, "\xe2\x98\x83\xe2\x98\x83\xe2\x98\x83");
	PXT_CHECK_STR(c[6].text, "nd\xc3\xba");
	for (int i = 0; i < n; i++) {
		size_t chars = 0;

		for (size_t k = 0, l; k < c[i].len; k += l ? l : 1, chars++)
			PXT_CHECK((l = pxt_utf8_len((const unsigned char *)c[i].text + k,
			    c[i].len - k)) != 0);
		PXT_CHECK(chars <= 4);
	}
	o.seps = PXT_SPLIT_HEADING;
	PXT_CHECK_INT(pxt_string_split(p, s, strlen(s), &o, &c, &n), PXT_EINVAL);
	CHECK_MSG("heading separator needs a document");
}

static void
test_spec_errors(void)
{
	pxt_split_opts o = {0, 100, 10};

	PXT_CHECK_INT(pxt_split_parse("heading,bogus", &o), PXT_EINVAL);
	CHECK_MSG("unknown separator 'bogus'");
	PXT_CHECK_INT(pxt_split_parse("heading,,paragraph", &o), PXT_EINVAL);
	CHECK_MSG("empty item");
	PXT_CHECK_INT(pxt_split_parse("token_limit,limit=0", &o), PXT_EINVAL);
	CHECK_MSG("token_limit needs a limit above 0, got 0");
	PXT_CHECK_INT(pxt_split_parse("char_limit,overlap=100", &o), PXT_EINVAL);
	CHECK_MSG("overlap 100 must be below the limit 100");
	PXT_CHECK_INT(pxt_split_parse("token_limit,char_limit", &o), PXT_EINVAL);
	CHECK_MSG("cannot be combined");
	PXT_CHECK_INT(pxt_split_parse("token_limit,limit=ten", &o), PXT_EINVAL);
	/* the failed parses left o alone */
	PXT_CHECK(o.seps == 0 && o.limit == 100 && o.overlap == 10);
	/* a limit without a limit separator is not checked */
	o.limit = 0;
	PXT_CHECK_INT(pxt_split_parse("heading, paragraph", &o), PXT_OK);
	PXT_CHECK_INT(o.seps, PXT_SPLIT_HEADING | PXT_SPLIT_PARAGRAPH);
}

static void
test_pdf(pxt_pool *p)
{
	const pxt_doc *d, *again;
	pxt_chunk *c;

	d = extract(p, "report.pdf");
	if (d == NULL)
		return;
	PXT_CHECK_STR(d->title, "The Quarterly Zebra Report");
	PXT_CHECK_INT(d->npages, 3);
	check_block(d, 0, PXT_BLOCK_PARAGRAPH, 0, 1, "Alpha zebra paragraph on page one. "
	    "It has two sentences.");
	check_block(d, 1, PXT_BLOCK_PARAGRAPH, 0, 1, "Second paragraph of page one with "
	    "marmalade.");
	again = extract(p, "report.pdf");
	PXT_CHECK(again == d);

	c = split(p, d, "", 0, 0, 1);
	PXT_CHECK_INT(c[0].page, 1);
	PXT_CHECK(strstr(c[0].text, "pelicans") != NULL);
	/* page headers of groff ("-2-") are paragraphs of their own */
	c = split(p, d, "paragraph", 0, 0, 6);
	PXT_CHECK_INT(c[1].page, 1);
	PXT_CHECK_STR(c[3].text, "Page two talks about giraffes.");
	PXT_CHECK_INT(c[3].page, 2);
	PXT_CHECK_STR(c[5].text, "Page three ends with pelicans.");
	PXT_CHECK_INT(c[5].page, 3);
	/* sentences of one piece still know their page */
	c = split(p, d, "sentence", 0, 0, 7);
	PXT_CHECK_STR(c[1].text, "It has two sentences.");
	PXT_CHECK_INT(c[1].page, 1);
	PXT_CHECK_STR(c[4].text, "Page two talks about giraffes.");
	PXT_CHECK_INT(c[4].page, 2);
	PXT_CHECK(c[4].heading == NULL);

	PXT_CHECK_INT(pxt_doc_extract(p, F("corrupt.pdf"), &d), PXT_EINVAL);
	CHECK_MSG("corrupt.pdf: not a readable PDF");
}

/* Calls UDF name with one media argument of type t at path (and an optional int). */
static pxt_err
call(pxt_pool *p, const char *name, pxt_type t, const char *path, int64_t i,
    pxt_value *out)
{
	const pxt_udf *u = pxt_udf_find(name);
	pxt_value a[2] = {{.type = t, .u.str = {path, strlen(path)}},
		{.type = PXT_INT, .u.i = i}};

	PXT_CHECK(u != NULL);
	memset(out, 0, sizeof(*out));
	return u ? u->fn(p, a, u->nargs, out) : PXT_ENOTFOUND;
}

static void
test_doc_udfs(pxt_pool *p)
{
	pxt_value v;
	char path[4096];

	snprintf(path, sizeof(path), "%s", F("report.pdf"));
	PXT_CHECK_INT(call(p, "extract_text", PXT_DOCUMENT, path, 0, &v), PXT_OK);
	PXT_CHECK(v.type == PXT_STRING && strstr(v.u.str.s, "giraffes") != NULL);
	PXT_CHECK(strstr(v.u.str.s, "marmalade.\n\n") != NULL);
	PXT_CHECK_INT(call(p, "doc_title", PXT_DOCUMENT, path, 0, &v), PXT_OK);
	PXT_CHECK_STR(v.u.str.s, "The Quarterly Zebra Report");
	PXT_CHECK_INT(call(p, "page_count", PXT_DOCUMENT, path, 0, &v), PXT_OK);
	PXT_CHECK_INT(v.u.i, 3);
	snprintf(path, sizeof(path), "%s", F("notes.txt"));
	PXT_CHECK_INT(call(p, "doc_title", PXT_DOCUMENT, path, 0, &v), PXT_OK);
	PXT_CHECK(v.null);
	PXT_CHECK_INT(call(p, "page_count", PXT_DOCUMENT, path, 0, &v), PXT_OK);
	PXT_CHECK_INT(v.u.i, 0);
	snprintf(path, sizeof(path), "%s", F("corrupt.pdf"));
	PXT_CHECK_INT(call(p, "extract_text", PXT_DOCUMENT, path, 0, &v), PXT_EINVAL);
	CHECK_MSG("extract_text: ");
	CHECK_MSG("corrupt.pdf: not a readable PDF");
	/* an object store without credentials: the keys to set are named */
	PXT_CHECK_INT(call(p, "page_count", PXT_DOCUMENT, "s3://bucket/a.pdf", 0, &v),
	    PXT_ECONFIG);
	CHECK_MSG("page_count: S3 media needs credentials: set [s3] access_key_id");
	PXT_CHECK_INT(call(p, "page_count", PXT_DOCUMENT, "ftp://host/a.pdf", 0, &v),
	    PXT_EINVAL);
	CHECK_MSG("page_count: ftp://host/a.pdf: media is a local path, an http(s) URL");
}

static void
test_format(pxt_pool *p)
{
	const pxt_udf *u = pxt_udf_find("format");
	const char *js = "{\"name\":\"Zoe\",\"age\":7,\"ok\":true,\"x\":1.50,"
	    "\"o\":{\"a\":[1,\"b\"]}}";
	pxt_json *obj;
	pxt_value a[2], v;

	PXT_CHECK(u != NULL);
	if (u == NULL || pxt_json_parse(p, js, strlen(js), 8, &obj) != PXT_OK)
		return;
	a[1] = (pxt_value){.type = PXT_JSON, .u.json = obj};
#define FMT(t) (a[0] = (pxt_value){.type = PXT_STRING, .u.str = {(t), strlen(t)}}, \
	memset(&v, 0, sizeof(v)), u->fn(p, a, 2, &v))
	PXT_CHECK_INT(FMT("Hi {name}, {age} {ok} {x} {o} {{lit}}}}"), PXT_OK);
	PXT_CHECK_STR(v.u.str.s, "Hi Zoe, 7 true 1.50 {\"a\":[1,\"b\"]} {lit}}");
	PXT_CHECK_INT(FMT("{missing}"), PXT_EINVAL);
	CHECK_MSG("format: the template uses {missing}, but the Json object has no key "
	    "'missing'");
	PXT_CHECK_INT(FMT("a } b"), PXT_EINVAL);
	CHECK_MSG("single '}' at byte 2");
	PXT_CHECK_INT(FMT("a {name"), PXT_EINVAL);
	CHECK_MSG("unclosed or empty placeholder at byte 2");
	PXT_CHECK_INT(FMT("{}"), PXT_EINVAL);
#undef FMT
}

int
main(int argc, char **argv)
{
	pxt_pool *p;
	pxt_config *cfg = NULL;
	const pxt_doc *d1, *d2;
	int counts[2] = {0, 0};

	if (argc != 3) {
		fprintf(stderr, "usage: test_media_fn FILES_DIR MEDIA_STORE\n");
		return 2;
	}
	dir = argv[1];
	store = argv[2];
	pxt_media_store_set(store);
	/* the configuration URL and object media is fetched with (no store keys) */
	if (pxt_config_load(NULL, &cfg) != PXT_OK) {
		fprintf(stderr, "configuration: %s\n", pxt_errmsg());
		return 1;
	}
	pxt_media_fetch_config(cfg);
	p = pxt_pool_new(0);

	/* nothing of poppler, glib or vips before the first PDF or image */
	PXT_CHECK_INT(mapped("libpoppler"), 0);
	PXT_CHECK_INT(mapped("libvips"), 0);
	test_text_formats(p);
	test_extract_errors();
	test_split(p);
	test_string_split(p);
	test_spec_errors();
	test_format(p);
	PXT_CHECK_INT(mapped("libpoppler"), 0);
	PXT_CHECK_INT(mapped("libglib"), 0);
	PXT_CHECK_INT(mapped("libvips"), 0);

	test_pdf(p);
	PXT_CHECK_INT(mapped("libpoppler-glib"), 1);
	PXT_CHECK_INT(mapped("libvips"), 0);
	test_doc_udfs(p);

	/* a reset pool forgot its memo: the same path is read again */
	d1 = extract(p, "guide.md");
	pxt_pool_reset(p);
	d2 = extract(p, "guide.md");
	PXT_CHECK(d2 != NULL && d2 != d1 && d2->nblocks == 7);
	pxt_pool_free(p);

	test_media_images(dir, store, counts);
	PXT_CHECK_INT(mapped("libvips"), 1);
	pxt_test_pass += counts[0];
	pxt_test_fail += counts[1];
	pxt_media_fetch_config(NULL);
	pxt_config_free(cfg);
	return pxt_test_done();
}
