/*
 * test_dotenv.c - unit tests of the .env reader (app/lib/config/dotenv.c): every form of
 * value python-dotenv accepts in the supported subset, line numbers, and the exact
 * "file:line:col: message" of each error.
 */
#include <stdlib.h>

#include "pxt/dotenv.h"
#include "pxt_test.h"

#define MAX_VARS 32

typedef struct vars {
	int n;
	char key[MAX_VARS][64];
	char val[MAX_VARS][256];
	int line[MAX_VARS];
	int stop_at;		/* return PXT_EINVAL on this call (1-based), 0: never */
} vars;

static pxt_err
collect(void *ud, const char *key, const char *value, int line)
{
	vars *v = ud;

	if (v->stop_at != 0 && v->n + 1 == v->stop_at)
		return pxt_seterr(PXT_EINVAL, "stopped at %s", key);
	if (v->n == MAX_VARS)
		return pxt_seterr(PXT_EINVAL, "too many");
	snprintf(v->key[v->n], sizeof(v->key[0]), "%s", key);
	snprintf(v->val[v->n], sizeof(v->val[0]), "%s", value);
	v->line[v->n] = line;
	v->n++;
	return PXT_OK;
}

/* parse parses src as "t.env" into v, checking that it succeeds. */
static void
parse(const char *src, vars *v)
{
	pxt_err err;

	memset(v, 0, sizeof(*v));
	err = pxt_dotenv_parse(src, strlen(src), "t.env", collect, v);
	if (err != PXT_OK)
		fprintf(stderr, "unexpected error: %s\ninput:\n%s\n", pxt_errmsg(), src);
	PXT_CHECK_INT(err, PXT_OK);
}

/* fails checks that src (len bytes) fails with msg after ok assignments. */
static void
fails_n(const char *src, size_t len, int ok, const char *msg)
{
	vars v;
	pxt_err err;

	memset(&v, 0, sizeof(v));
	err = pxt_dotenv_parse(src, len, "t.env", collect, &v);
	PXT_CHECK_INT(err, PXT_ECONFIG);
	PXT_CHECK_INT(v.n, ok);
	if (strcmp(pxt_errmsg(), msg) != 0)
		fprintf(stderr, "input was: %s\n", src);
	PXT_CHECK_STR(pxt_errmsg(), msg);
}

static void
fails(const char *src, int ok, const char *msg)
{
	fails_n(src, strlen(src), ok, msg);
}

/* val returns the value of key in v (the last assignment wins), or NULL. */
static const char *
val(const vars *v, const char *key)
{
	int i;

	for (i = v->n - 1; i >= 0; i--)
		if (strcmp(v->key[i], key) == 0)
			return v->val[i];
	return NULL;
}

static void
test_basic(void)
{
	vars v;

	parse("# database settings\n"
	    "\n"
	    "PGHOST=localhost\n"
	    "  PGPORT = 5432  \n"
	    "export PGUSER=pixeltable\n"
	    "export\tPGDATABASE =\tpxt\n"
	    "EMPTY=\n"
	    "EMPTY_DQ=\"\"\n"
	    "EMPTY_SQ=''\n"
	    "SPACES=   \n"
	    "_UNDER.score_9=x\n"
	    "\t# an indented comment\n"
	    "URL=postgres://u:p@h:5432/db?sslmode=require\n"
	    "EQ=a=b=c\n"
	    "LAST=1", &v);
	PXT_CHECK_INT(v.n, 12);
	PXT_CHECK_STR(val(&v, "PGHOST"), "localhost");
	PXT_CHECK_STR(val(&v, "PGPORT"), "5432");
	PXT_CHECK_STR(val(&v, "PGUSER"), "pixeltable");
	PXT_CHECK_STR(val(&v, "PGDATABASE"), "pxt");
	PXT_CHECK_STR(val(&v, "EMPTY"), "");
	PXT_CHECK_STR(val(&v, "EMPTY_DQ"), "");
	PXT_CHECK_STR(val(&v, "EMPTY_SQ"), "");
	PXT_CHECK_STR(val(&v, "SPACES"), "");
	PXT_CHECK_STR(val(&v, "_UNDER.score_9"), "x");
	PXT_CHECK_STR(val(&v, "URL"), "postgres://u:p@h:5432/db?sslmode=require");
	PXT_CHECK_STR(val(&v, "EQ"), "a=b=c");
	PXT_CHECK_STR(val(&v, "LAST"), "1");
	/* file order and line numbers */
	PXT_CHECK_STR(v.key[0], "PGHOST");
	PXT_CHECK_INT(v.line[0], 3);
	PXT_CHECK_INT(v.line[1], 4);
	PXT_CHECK_INT(v.line[11], 15);
	/* "export" alone is an ordinary key; so is a key that starts with it */
	parse("export = 1\nexportX=2\nexport=3\n", &v);
	PXT_CHECK_INT(v.n, 3);
	PXT_CHECK_STR(v.key[0], "export");
	PXT_CHECK_STR(v.val[0], "1");
	PXT_CHECK_STR(val(&v, "exportX"), "2");
	PXT_CHECK_STR(v.key[2], "export");
	/* a repeated key is passed on each time */
	parse("A=1\nA=2\n", &v);
	PXT_CHECK_INT(v.n, 2);
	PXT_CHECK_STR(val(&v, "A"), "2");
	/* empty and comment-only files */
	parse("", &v);
	PXT_CHECK_INT(v.n, 0);
	parse("\n\n# nothing\n   \n", &v);
	PXT_CHECK_INT(v.n, 0);
}

static void
test_unquoted(void)
{
	vars v;

	parse("A=value # a comment\n"
	    "B=val#ue\n"
	    "C=#not a comment\n"
	    "D= #not a comment either\n"
	    "E=a\t# tab then comment\n"
	    "F=trailing spaces   \n"
	    "G=in ner  spaces\n"
	    "H=${HOME}/x $USER\n"
	    "I=a\\nb\n"
	    "J=it's \"fine\"\n"
	    "K=ünïcödé ✓\n", &v);
	PXT_CHECK_STR(val(&v, "A"), "value");
	PXT_CHECK_STR(val(&v, "B"), "val#ue");
	PXT_CHECK_STR(val(&v, "C"), "#not a comment");
	PXT_CHECK_STR(val(&v, "D"), "#not a comment either");
	PXT_CHECK_STR(val(&v, "E"), "a");
	PXT_CHECK_STR(val(&v, "F"), "trailing spaces");
	PXT_CHECK_STR(val(&v, "G"), "in ner  spaces");
	PXT_CHECK_STR(val(&v, "H"), "${HOME}/x $USER");
	PXT_CHECK_STR(val(&v, "I"), "a\\nb");
	PXT_CHECK_STR(val(&v, "J"), "it's \"fine\"");
	PXT_CHECK_STR(val(&v, "K"), "ünïcödé ✓");
}

static void
test_quoted(void)
{
	vars v;

	parse("S='a\\nb $X ${Y} \"q\" # not a comment'\n"
	    "D=\"a\\nb\\tc\\\\d\\\"e\\'f\\$g\\rh\"\n"
	    "U=\"keep \\x and \\u0041 and \\a\"\n"
	    "ML=\"line1\n"
	    "line2\n"
	    "\"\n"
	    "SML='one\n"
	    "two'\n"
	    "C=\"v\" # comment after the quote\n"
	    "W = 'x'   \n"
	    "H=\"# not a comment\"\n"
	    "E=\"${HOME}\"\n", &v);
	PXT_CHECK_INT(v.n, 9);
	PXT_CHECK_STR(val(&v, "S"), "a\\nb $X ${Y} \"q\" # not a comment");
	PXT_CHECK_STR(val(&v, "D"), "a\nb\tc\\d\"e'f$g\rh");
	PXT_CHECK_STR(val(&v, "U"), "keep \\x and \\u0041 and \\a");
	PXT_CHECK_STR(val(&v, "ML"), "line1\nline2\n");
	PXT_CHECK_STR(val(&v, "SML"), "one\ntwo");
	PXT_CHECK_STR(val(&v, "C"), "v");
	PXT_CHECK_STR(val(&v, "W"), "x");
	PXT_CHECK_STR(val(&v, "H"), "# not a comment");
	PXT_CHECK_STR(val(&v, "E"), "${HOME}");
	/* a multi-line value reports the line where it starts */
	PXT_CHECK_INT(v.line[3], 4);
	PXT_CHECK_INT(v.line[4], 7);
	PXT_CHECK_INT(v.line[5], 9);
}

static void
test_line_endings(void)
{
	vars v;
	pxt_err err;

	parse("A=1\r\nB=\"x\r\ny\"\r\nC='p\rq'\r\n\r\nD=two words  \r\nE=\"e\"\r", &v);
	PXT_CHECK_INT(v.n, 5);
	PXT_CHECK_STR(val(&v, "A"), "1");
	PXT_CHECK_STR(val(&v, "B"), "x\ny");
	PXT_CHECK_STR(val(&v, "C"), "p\nq");
	PXT_CHECK_STR(val(&v, "D"), "two words");
	PXT_CHECK_STR(val(&v, "E"), "e");
	PXT_CHECK_INT(v.line[2], 4);
	PXT_CHECK_INT(v.line[3], 7);
	/* lone CRs end lines too (as in Python's text mode) */
	parse("A=1\rB=2\r", &v);
	PXT_CHECK_INT(v.n, 2);
	PXT_CHECK_STR(val(&v, "B"), "2");
	PXT_CHECK_INT(v.line[1], 2);
	/* a byte order mark is skipped */
	parse("\xEF\xBB\xBFKEY=v\n", &v);
	PXT_CHECK_STR(val(&v, "KEY"), "v");
	/* only len bytes are read */
	memset(&v, 0, sizeof(v));
	err = pxt_dotenv_parse("A=12345", 4, "t.env", collect, &v);
	PXT_CHECK_INT(err, PXT_OK);
	PXT_CHECK_STR(val(&v, "A"), "12");
}

static void
test_errors(void)
{
	vars v;
	pxt_err err;

	fails("1A=1", 0, "t.env:1:1: invalid key '1A': a key must match "
	    "[A-Za-z_][A-Za-z0-9_.]*");
	fails("OK=1\nFOO-BAR=1", 1, "t.env:2:4: invalid key 'FOO-BAR': a key must "
	    "match [A-Za-z_][A-Za-z0-9_.]*");
	fails(".A=1", 0, "t.env:1:1: invalid key '.A': a key must match "
	    "[A-Za-z_][A-Za-z0-9_.]*");
	fails("'KEY'=1", 0, "t.env:1:1: invalid key ''KEY'': a key must match "
	    "[A-Za-z_][A-Za-z0-9_.]*");
	fails("KÉY=1", 0, "t.env:1:2: invalid key 'KÉY': a key must match "
	    "[A-Za-z_][A-Za-z0-9_.]*");
	fails("FOO BAR=1", 0, "t.env:1:5: expected '=' after key 'FOO', found 'B'");
	fails("A=1\n  FOO\nB=2", 1, "t.env:2:6: expected '=' after key 'FOO', found "
	    "end of line");
	fails("FOO", 0, "t.env:1:4: expected '=' after key 'FOO', found end of file");
	fails("export FOO\n", 0, "t.env:1:11: expected '=' after key 'FOO', found end "
	    "of line");
	fails("=1", 0, "t.env:1:1: missing key before '='");
	fails("  = 1", 0, "t.env:1:3: missing key before '='");
	fails("A=1\nB=\"abc\nC=2\n", 1, "t.env:2:3: unterminated double-quoted value "
	    "of key 'B': missing closing \"");
	fails("A='abc", 0, "t.env:1:3: unterminated single-quoted value of key 'A': "
	    "missing closing '");
	fails("A=\"abc\\\"", 0, "t.env:1:3: unterminated double-quoted value of key "
	    "'A': missing closing \"");
	fails("A=\"x\"y", 0, "t.env:1:6: unexpected 'y' after the closing quote of the "
	    "value of key 'A' (quote the whole value)");
	fails("A='x' 'y'", 0, "t.env:1:7: unexpected ''' after the closing quote of "
	    "the value of key 'A' (quote the whole value)");
	fails("A=1\nQ='it''s'x\n", 1, "t.env:2:7: unexpected ''' after the closing "
	    "quote of the value of key 'Q' (quote the whole value)");
	fails_n("A=1\nB=x\0y\n", 10, 1, "t.env:2:4: NUL byte in the file (a .env file "
	    "must be text)");
	fails_n("A=1 # c\0\n", 9, 0, "t.env:1:8: NUL byte in the file (a .env file "
	    "must be text)");
	fails_n("# c\0\n", 5, 0, "t.env:1:4: NUL byte in the file (a .env file must "
	    "be text)");
	fails_n("\0", 1, 0, "t.env:1:1: NUL byte in the file (a .env file must be "
	    "text)");
	fails_n("A\0=1", 4, 0, "t.env:1:2: NUL byte in the file (a .env file must be "
	    "text)");
	fails_n("A=\"x\ny\0\"", 8, 0, "t.env:2:2: NUL byte in the file (a .env file "
	    "must be text)");
	fails_n("A='x'\0", 6, 0, "t.env:1:6: NUL byte in the file (a .env file must be "
	    "text)");
	fails("A=\"x\"\t\x01", 0, "t.env:1:7: unexpected a non-printable or non-ASCII "
	    "character after the closing quote of the value of key 'A' (quote the "
	    "whole value)");

	/* the callback's error stops the parse and is returned as is */
	memset(&v, 0, sizeof(v));
	v.stop_at = 2;
	err = pxt_dotenv_parse("A=1\nB=2\nC=3\n", 12, "t.env", collect, &v);
	PXT_CHECK_INT(err, PXT_EINVAL);
	PXT_CHECK_INT(v.n, 1);
	PXT_CHECK_STR(pxt_errmsg(), "stopped at B");
	/* bad arguments; the file name is optional */
	PXT_CHECK_INT(pxt_dotenv_parse(NULL, 1, "t.env", collect, &v), PXT_EINVAL);
	PXT_CHECK_INT(pxt_dotenv_parse("A=1", 3, "t.env", NULL, &v), PXT_EINVAL);
	memset(&v, 0, sizeof(v));
	PXT_CHECK_INT(pxt_dotenv_parse("X", 1, NULL, collect, &v), PXT_ECONFIG);
	PXT_CHECK_STR(pxt_errmsg(), "<dotenv>:1:2: expected '=' after key 'X', found "
	    "end of file");
	PXT_CHECK_INT(pxt_dotenv_parse(NULL, 0, "t.env", collect, &v), PXT_OK);
}

static void
test_long(void)
{
	size_t n = 100000, i;
	char *src = malloc(n + 16);
	vars v;

	/* a long value, past the scratch buffer's first size */
	memcpy(src, "BIG=\"", 5);
	for (i = 5; i < n; i++)
		src[i] = (char)('a' + i % 26);
	memcpy(src + n, "\"\nZ=1\n", 7);
	memset(&v, 0, sizeof(v));
	PXT_CHECK_INT(pxt_dotenv_parse(src, strlen(src), "t.env", collect, &v),
	    PXT_OK);
	PXT_CHECK_INT(v.n, 2);
	PXT_CHECK_INT(strlen(v.val[0]), sizeof(v.val[0]) - 1);	/* truncated copy */
	PXT_CHECK_STR(val(&v, "Z"), "1");
	free(src);
}

int
main(void)
{
	test_basic();
	test_unquoted();
	test_quoted();
	test_line_endings();
	test_errors();
	test_long();
	return pxt_test_done();
}
