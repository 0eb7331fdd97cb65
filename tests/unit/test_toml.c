/*
 * test_toml.c - unit tests of the TOML reader (app/lib/config/toml.c, toml_lex.c): every
 * value kind, keys, tables, arrays of tables, positions, and the exact
 * "file:line:col: message" of each error.
 */
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

#include "pxt/toml.h"
#include "pxt_test.h"

/* parse parses src as "t.toml"; a failure is reported and gives NULL. */
static pxt_toml *
parse(const char *src)
{
	pxt_toml *doc = NULL;
	pxt_err err = pxt_toml_parse(src, strlen(src), "t.toml", &doc);

	if (err != PXT_OK) {
		fprintf(stderr, "unexpected error %d: %s\ninput:\n%s\n", err,
		    pxt_errmsg(), src);
		PXT_CHECK(err == PXT_OK);
	}
	return doc;
}

/* fails checks that src of len bytes is rejected with exactly msg. */
static void
fails_n(const char *src, size_t len, const char *msg)
{
	pxt_toml *doc = (pxt_toml *)1;
	pxt_err err = pxt_toml_parse(src, len, "t.toml", &doc);

	PXT_CHECK_INT(err, PXT_ECONFIG);
	PXT_CHECK(doc == NULL);
	if (strcmp(pxt_errmsg(), msg) != 0)
		fprintf(stderr, "input was: %s\n", src);
	PXT_CHECK_STR(pxt_errmsg(), msg);
	if (err == PXT_OK)
		pxt_toml_free(doc);
}

static void
fails(const char *src, const char *msg)
{
	fails_n(src, strlen(src), msg);
}

/* get follows a NULL-terminated list of keys (or "#N" array indexes) from root. */
static const pxt_toml_value *
get(const pxt_toml *doc, ...)
{
	const pxt_toml_value *v = pxt_toml_root(doc);
	const char *k;
	va_list ap;

	va_start(ap, doc);
	while (v != NULL && (k = va_arg(ap, const char *)) != NULL)
		v = k[0] == '#' ? pxt_toml_at(v, (size_t)atoi(k + 1), NULL) :
		    pxt_toml_get(v, k);
	va_end(ap);
	return v;
}

static const char *
str(const pxt_toml *doc, const char *key)
{
	return pxt_toml_str(pxt_toml_get(pxt_toml_root(doc), key), NULL);
}

static int64_t
num(const pxt_toml *doc, const char *key)
{
	const pxt_toml_value *v = pxt_toml_get(pxt_toml_root(doc), key);

	PXT_CHECK(v != NULL && pxt_toml_kind_of(v) == PXT_TOML_INT);
	return pxt_toml_int(v);
}

static double
flt(const pxt_toml *doc, const char *key)
{
	const pxt_toml_value *v = pxt_toml_get(pxt_toml_root(doc), key);

	PXT_CHECK(v != NULL && pxt_toml_kind_of(v) == PXT_TOML_FLOAT);
	return pxt_toml_float(v);
}

static void
test_config(void)
{
	pxt_toml *doc = parse(
	    "# pxtc configuration\n"
	    "[pixeltable]\n"
	    "home = \"/var/lib/pixeltable\"  # where the data lives\n"
	    "pg_port = 5432\n"
	    "\n"
	    "[server]\n"
	    "listen = \"127.0.0.1:9000\"\n"
	    "workers = 4\n"
	    "debug = false\n"
	    "\n"
	    "[[service]]\n"
	    "name = \"images\"\n"
	    "[[service.routes]]\n"
	    "path = \"/images\"\n"
	    "methods = [\"GET\", \"POST\"]\n"
	    "[[service.routes]]\n"
	    "path = \"/images/{id}\"\n"
	    "\n"
	    "[[service]]\n"
	    "name = \"videos\"\n");
	const pxt_toml_value *svc, *r;
	const char *k = NULL;

	PXT_CHECK(doc != NULL);
	PXT_CHECK_STR(pxt_toml_str(get(doc, "pixeltable", "home", NULL), NULL),
	    "/var/lib/pixeltable");
	PXT_CHECK_INT(pxt_toml_int(get(doc, "pixeltable", "pg_port", NULL)), 5432);
	PXT_CHECK_INT(pxt_toml_int(get(doc, "server", "workers", NULL)), 4);
	PXT_CHECK(!pxt_toml_bool(get(doc, "server", "debug", NULL)));
	PXT_CHECK_INT(pxt_toml_kind_of(get(doc, "server", "debug", NULL)), PXT_TOML_BOOL);
	svc = get(doc, "service", NULL);
	PXT_CHECK_INT(pxt_toml_kind_of(svc), PXT_TOML_ARRAY);
	PXT_CHECK_INT(pxt_toml_len(svc), 2);
	PXT_CHECK_STR(pxt_toml_str(get(doc, "service", "#1", "name", NULL), NULL),
	    "videos");
	r = get(doc, "service", "#0", "routes", NULL);
	PXT_CHECK_INT(pxt_toml_len(r), 2);
	PXT_CHECK_STR(pxt_toml_str(get(doc, "service", "#0", "routes", "#1", "path",
	    NULL), NULL), "/images/{id}");
	PXT_CHECK_STR(pxt_toml_str(get(doc, "service", "#0", "routes", "#0", "methods",
	    "#1", NULL), NULL), "POST");
	PXT_CHECK(get(doc, "service", "#1", "routes", NULL) == NULL);
	/* file order and positions */
	PXT_CHECK_INT(pxt_toml_len(pxt_toml_root(doc)), 3);
	PXT_CHECK(pxt_toml_at(pxt_toml_root(doc), 1, &k) != NULL);
	PXT_CHECK_STR(k, "server");
	PXT_CHECK(pxt_toml_at(pxt_toml_root(doc), 3, &k) == NULL);
	PXT_CHECK_INT(pxt_toml_line(get(doc, "server", NULL)), 6);
	PXT_CHECK_INT(pxt_toml_col(get(doc, "server", NULL)), 1);
	PXT_CHECK_INT(pxt_toml_line(get(doc, "pixeltable", "home", NULL)), 3);
	PXT_CHECK_INT(pxt_toml_col(get(doc, "pixeltable", "home", NULL)), 8);
	PXT_CHECK_INT(pxt_toml_line(get(doc, "service", "#1", NULL)), 19);
	PXT_CHECK_INT(pxt_toml_line(get(doc, "service", "#0", "routes", "#0",
	    "methods", "#1", NULL)), 15);
	PXT_CHECK_INT(pxt_toml_col(get(doc, "service", "#0", "routes", "#0",
	    "methods", "#1", NULL)), 19);
	pxt_toml_free(doc);
}

static void
test_keys(void)
{
	pxt_toml *doc = parse(
	    "bare_key-1 = 1\n"
	    "\"quoted key\" = 2\n"
	    "'literal \\ key' = 3\n"
	    "\"ʎǝʞ\" = 4\n"
	    "1234 = 5\n"
	    "\"\" = 6\n"
	    "a . b .\t\"c d\" = 7\n"
	    "3.14 = 8\n"
	    "\"n\\u0000l\" = 9\n"
	    "true = 10\n"
	    "site.\"google.com\" = true\n"
	    "  indented   =   11   \n");
	const pxt_toml_value *root = pxt_toml_root(doc);
	const char *k = NULL;

	PXT_CHECK(doc != NULL);
	PXT_CHECK_INT(num(doc, "bare_key-1"), 1);
	PXT_CHECK_INT(num(doc, "quoted key"), 2);
	PXT_CHECK_INT(num(doc, "literal \\ key"), 3);
	PXT_CHECK_INT(num(doc, "ʎǝʞ"), 4);
	PXT_CHECK_INT(num(doc, "1234"), 5);
	PXT_CHECK_INT(num(doc, ""), 6);
	PXT_CHECK_INT(pxt_toml_int(get(doc, "a", "b", "c d", NULL)), 7);
	PXT_CHECK_INT(pxt_toml_int(get(doc, "3", "14", NULL)), 8);
	PXT_CHECK(pxt_toml_get(root, "n") == NULL);	/* the key holds a NUL */
	PXT_CHECK(pxt_toml_at(root, 8, &k) != NULL);
	PXT_CHECK(k != NULL && memcmp(k, "n\0l", 4) == 0);
	PXT_CHECK_INT(num(doc, "true"), 10);
	PXT_CHECK(pxt_toml_bool(get(doc, "site", "google.com", NULL)));
	PXT_CHECK_INT(num(doc, "indented"), 11);
	PXT_CHECK_INT(pxt_toml_col(pxt_toml_get(root, "indented")), 18);
	/* a table made by a dotted key starts at its key part */
	PXT_CHECK_INT(pxt_toml_line(get(doc, "a", "b", NULL)), 7);
	PXT_CHECK_INT(pxt_toml_col(get(doc, "a", "b", NULL)), 5);
	pxt_toml_free(doc);
	fails("a = 1\n\"a\" = 2\n", "t.toml:2:1: duplicate key 'a' (first defined at "
	    "line 1)");
	fails("x = 1\n'' = 2\n\"\" = 3\n", "t.toml:3:1: duplicate key '\"\"' (first "
	    "defined at line 2)");
	fails("a.b = 1\na.\"b\" = 2", "t.toml:2:3: duplicate key 'a.b' (first defined "
	    "at line 1)");
	fails("\"a\\tb\" = 1\n\"a\\tb\" = 1", "t.toml:2:1: duplicate key "
	    "'\"a\\u0009b\"' (first defined at line 1)");
	fails("port 8080\n", "t.toml:1:6: expected '=' after key 'port', found '8'");
	fails("port\n= 1\n", "t.toml:1:5: expected '=' after key 'port', found end "
	    "of line");
	fails("= 1", "t.toml:1:1: expected a key, found '='");
	fails("a. = 1", "t.toml:1:4: expected a key after '.', found '='");
	fails("a..b = 1", "t.toml:1:3: expected a key after '.', found '.'");
	fails("ключ = 1", "t.toml:1:1: expected a key, found a non-ASCII character "
	    "(bare keys may use only A-Z a-z 0-9 _ -; quote other keys)");
	fails("a$b = 1", "t.toml:1:2: expected '=' after key 'a', found '$'");
	fails("\"\"\"k\"\"\" = 1", "t.toml:1:1: a multi-line string cannot be used "
	    "as a key");
	fails("\"k\n\" = 1", "t.toml:1:3: newline in a string (close the quote, or "
	    "use \"\"\" for a multi-line string)");
	fails("a = 1 b = 2", "t.toml:1:7: expected end of line after the value of "
	    "key 'a', found 'b' (put each key = value on its own line)");
	fails("\"a b\" = \"x\" \"y\"", "t.toml:1:13: expected end of line after the "
	    "value of key '\"a b\"', found '\"' (put each key = value on its own line)");
	fails("a = 1 # ok\nb = 2 ]", "t.toml:2:7: expected end of line after the "
	    "value of key 'b', found ']' (put each key = value on its own line)");
}

static void
test_strings(void)
{
	pxt_toml *doc = parse(
	    "esc = \"\\b\\t\\n\\f\\r\\\"\\\\ \\u00E9\\U0001F600 \\u0041\"\n"
	    "nul = \"a\\u0000b\"\n"
	    "tab = \"a\tb\"\n"
	    "lit = 'C:\\Users\\nodejs\\templates'\n"
	    "litq = '<\\i\\c*\\s*>'\n"
	    "ml = \"\"\"\nRoses are red\nViolets are blue\"\"\"\n"
	    "ml2 = \"\"\"\\\n  The quick \\\n\n   brown fox.\\\n  \"\"\"\n"
	    "ml3 = \"\"\"Here are two quotation marks: \"\". Simple enough.\"\"\"\n"
	    "ml4 = \"\"\"\"This,\" she said, \"is just a pointless statement.\"\"\"\"\n"
	    "ml5 = \"\"\"\"\"\"\n"
	    "ml6 = \"\"\"a\"\"\"\"\"\n"
	    "mll = '''\nThe first newline is\ntrimmed in raw strings.\n   \\n'''\n"
	    "mll2 = ''''That,' she said, 'is still pointless.''''\n"
	    "mll3 = '''I [dw]on't need \\d{2} apples'''\n"
	    "empty = \"\"\n"
	    "emptylit = ''\n"
	    "utf = \"ünïcödé ✓\"\n"
	    "ws = \"\"\"a \\   \n   b\"\"\"\n");
	size_t n = 0;
	const char *s;

	PXT_CHECK(doc != NULL);
	s = pxt_toml_str(pxt_toml_get(pxt_toml_root(doc), "esc"), &n);
	PXT_CHECK(s != NULL && n == 16 &&
	    memcmp(s, "\b\t\n\f\r\"\\ \xC3\xA9\xF0\x9F\x98\x80 A", 16) == 0);
	s = pxt_toml_str(pxt_toml_get(pxt_toml_root(doc), "nul"), &n);
	PXT_CHECK_INT(n, 3);
	PXT_CHECK(s != NULL && memcmp(s, "a\0b", 4) == 0);
	PXT_CHECK_STR(str(doc, "tab"), "a\tb");
	PXT_CHECK_STR(str(doc, "lit"), "C:\\Users\\nodejs\\templates");
	PXT_CHECK_STR(str(doc, "litq"), "<\\i\\c*\\s*>");
	PXT_CHECK_STR(str(doc, "ml"), "Roses are red\nViolets are blue");
	PXT_CHECK_STR(str(doc, "ml2"), "The quick brown fox.");
	PXT_CHECK_STR(str(doc, "ml3"), "Here are two quotation marks: \"\". Simple "
	    "enough.");
	PXT_CHECK_STR(str(doc, "ml4"), "\"This,\" she said, \"is just a pointless "
	    "statement.\"");
	PXT_CHECK_STR(str(doc, "ml5"), "");
	PXT_CHECK_STR(str(doc, "ml6"), "a\"\"");
	PXT_CHECK_STR(str(doc, "mll"), "The first newline is\ntrimmed in raw strings.\n"
	    "   \\n");
	PXT_CHECK_STR(str(doc, "mll2"), "'That,' she said, 'is still pointless.'");
	PXT_CHECK_STR(str(doc, "mll3"), "I [dw]on't need \\d{2} apples");
	PXT_CHECK_STR(str(doc, "empty"), "");
	PXT_CHECK_STR(str(doc, "emptylit"), "");
	PXT_CHECK_STR(str(doc, "utf"), "ünïcödé ✓");
	PXT_CHECK_STR(str(doc, "ws"), "a b");
	PXT_CHECK_INT(pxt_toml_line(pxt_toml_get(pxt_toml_root(doc), "ml2")), 9);
	PXT_CHECK_INT(pxt_toml_line(pxt_toml_get(pxt_toml_root(doc), "ml3")), 14);
	PXT_CHECK_INT(pxt_toml_line(pxt_toml_get(pxt_toml_root(doc), "ws")), 27);
	PXT_CHECK(pxt_toml_str(pxt_toml_get(pxt_toml_root(doc), "nope"), NULL) == NULL);
	pxt_toml_free(doc);

	fails("a = \"abc", "t.toml:1:5: unterminated string: missing closing \"");
	fails("a = 'abc", "t.toml:1:5: unterminated string: missing closing '");
	fails("\n a = \"\"\"abc\n", "t.toml:2:6: unterminated string: missing closing "
	    "\"\"\"");
	fails("a = '''abc''", "t.toml:1:5: unterminated string: missing closing '''");
	fails("a = \"abc\ndef\"", "t.toml:1:9: newline in a string (close the quote, "
	    "or use \"\"\" for a multi-line string)");
	fails("a = 'abc\r\ndef'", "t.toml:1:9: newline in a string (close the quote, "
	    "or use ''' for a multi-line string)");
	fails("a = \"a\\qb\"", "t.toml:1:7: invalid escape sequence '\\q' (valid: \\b "
	    "\\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)");
	fails("a = \"a\\ b\"", "t.toml:1:7: invalid escape sequence: '\\' must be "
	    "followed by one of b t n f r \" \\ u U");
	fails("a = \"\\e\"", "t.toml:1:6: invalid escape sequence '\\e' (valid: \\b "
	    "\\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)");
	fails("a = \"\\x41\"", "t.toml:1:6: invalid escape sequence '\\x' (valid: \\b "
	    "\\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)");
	fails("a = \"\\u12\"", "t.toml:1:6: escape \\u needs exactly 4 hex digits");
	fails("a = \"\\u12", "t.toml:1:6: escape \\u needs exactly 4 hex digits");
	fails("a = \"\\U0001F60\"", "t.toml:1:6: escape \\U needs exactly 8 hex digits");
	fails("a = \"\\uD800\"", "t.toml:1:6: escape \\uD800 is not a Unicode scalar "
	    "value (surrogates and values above 10FFFF are not allowed)");
	fails("a = \"\\uDFFF\"", "t.toml:1:6: escape \\uDFFF is not a Unicode scalar "
	    "value (surrogates and values above 10FFFF are not allowed)");
	fails("a = \"\\U00110000\"", "t.toml:1:6: escape \\U00110000 is not a Unicode "
	    "scalar value (surrogates and values above 10FFFF are not allowed)");
	fails("a = \"\"\"x \\  y\"\"\"", "t.toml:1:10: a backslash at the end of a "
	    "line must be followed only by whitespace (or write \\\\ for a "
	    "backslash)");
	fails("a = \"\"\"x\"\"\"\"\"\"\"", "t.toml:1:9: too many quotes (7) at the end "
	    "of a multi-line string; escape them or use the other kind of string");
	fails("a = \"x\" \"", "t.toml:1:9: expected end of line after the value of key "
	    "'a', found '\"' (put each key = value on its own line)");
}

static void
test_integers(void)
{
	pxt_toml *doc = parse(
	    "a = +99\nb = 42\nc = 0\nd = -17\ne = 1_000\nf = 5_349_221\n"
	    "g = 0xDEADBEEF\nh = 0xdead_beef\ni = 0o01234567\nj = 0o755\n"
	    "k = 0b11010110\nl = 9223372036854775807\nm = -9223372036854775808\n"
	    "n = +0\no = -0\np = 0x7FFFFFFFFFFFFFFF\nq = 0x0\nr = 0b0\n");

	PXT_CHECK(doc != NULL);
	PXT_CHECK_INT(num(doc, "a"), 99);
	PXT_CHECK_INT(num(doc, "b"), 42);
	PXT_CHECK_INT(num(doc, "c"), 0);
	PXT_CHECK_INT(num(doc, "d"), -17);
	PXT_CHECK_INT(num(doc, "e"), 1000);
	PXT_CHECK_INT(num(doc, "f"), 5349221);
	PXT_CHECK_INT(num(doc, "g"), 0xDEADBEEF);
	PXT_CHECK_INT(num(doc, "h"), 0xDEADBEEF);
	PXT_CHECK_INT(num(doc, "i"), 01234567);
	PXT_CHECK_INT(num(doc, "j"), 0755);
	PXT_CHECK_INT(num(doc, "k"), 214);
	PXT_CHECK(num(doc, "l") == INT64_MAX);
	PXT_CHECK(num(doc, "m") == INT64_MIN);
	PXT_CHECK_INT(num(doc, "n"), 0);
	PXT_CHECK_INT(num(doc, "o"), 0);
	PXT_CHECK(num(doc, "p") == INT64_MAX);
	PXT_CHECK_INT(num(doc, "q"), 0);
	PXT_CHECK_INT(num(doc, "r"), 0);
	PXT_CHECK_STR(pxt_toml_kind_name(PXT_TOML_INT), "integer");
	pxt_toml_free(doc);

	fails("a = 9223372036854775808", "t.toml:1:5: integer '9223372036854775808' "
	    "is out of range (64-bit signed)");
	fails("a = -9223372036854775809", "t.toml:1:5: integer '-9223372036854775809' "
	    "is out of range (64-bit signed)");
	fails("a = 0x8000000000000000", "t.toml:1:5: integer '0x8000000000000000' is "
	    "out of range (64-bit signed)");
	fails("a = 0o1000000000000000000000", "t.toml:1:5: integer "
	    "'0o1000000000000000000000' is out of range (64-bit signed)");
	fails("a = 01", "t.toml:1:5: leading zeros are not allowed in '01'");
	fails("a = -012", "t.toml:1:5: leading zeros are not allowed in '-012'");
	fails("a = 0_0", "t.toml:1:5: leading zeros are not allowed in '0_0'");
	fails("a = 1__0", "t.toml:1:5: invalid number '1__0'");
	fails("a = 1_", "t.toml:1:5: invalid number '1_'");
	fails("a = _1", "t.toml:1:5: invalid value '_1' (strings must be quoted; "
	    "booleans are true and false)");
	fails("a = +0x10", "t.toml:1:5: a sign is not allowed on a hexadecimal, octal "
	    "or binary integer");
	fails("a = 0X10", "t.toml:1:5: invalid number '0X10'");
	fails("a = 0x", "t.toml:1:5: invalid number '0x'");
	fails("a = 0x_1", "t.toml:1:5: invalid number '0x_1'");
	fails("a = 0o8", "t.toml:1:5: invalid number '0o8'");
	fails("a = 0b102", "t.toml:1:5: invalid number '0b102'");
	fails("a = 0xg", "t.toml:1:5: invalid number '0xg'");
	fails("a = 1x", "t.toml:1:5: invalid number '1x'");
	fails("a = ++1", "t.toml:1:5: invalid number '++1'");
	fails("a = -", "t.toml:1:5: invalid number '-'");
}

static void
test_floats(void)
{
	pxt_toml *doc = parse(
	    "a = +1.0\nb = 3.1415\nc = -0.01\nd = 5e+22\ne = 1e06\nf = -2E-2\n"
	    "g = 6.626e-34\nh = 224_617.445_991_228\ni = inf\nj = +inf\nk = -inf\n"
	    "l = nan\nm = +nan\nn = -nan\no = 0.0\np = -0.0\nq = 0e0\nr = 1e-400\n"
	    "s = 1.7976931348623157e308\n");
	char *loc;

	PXT_CHECK(doc != NULL);
	PXT_CHECK(flt(doc, "a") == 1.0);
	PXT_CHECK(flt(doc, "b") == 3.1415);
	PXT_CHECK(flt(doc, "c") == -0.01);
	PXT_CHECK(flt(doc, "d") == 5e22);
	PXT_CHECK(flt(doc, "e") == 1e6);
	PXT_CHECK(flt(doc, "f") == -2e-2);
	PXT_CHECK(flt(doc, "g") == 6.626e-34);
	PXT_CHECK(flt(doc, "h") == 224617.445991228);
	PXT_CHECK(isinf(flt(doc, "i")) && flt(doc, "i") > 0);
	PXT_CHECK(isinf(flt(doc, "j")) && flt(doc, "j") > 0);
	PXT_CHECK(isinf(flt(doc, "k")) && flt(doc, "k") < 0);
	PXT_CHECK(isnan(flt(doc, "l")));
	PXT_CHECK(isnan(flt(doc, "m")));
	PXT_CHECK(isnan(flt(doc, "n")));
	PXT_CHECK(flt(doc, "o") == 0.0);
	PXT_CHECK(flt(doc, "p") == 0.0 && signbit(flt(doc, "p")));
	PXT_CHECK(flt(doc, "q") == 0.0);
	PXT_CHECK(flt(doc, "r") >= 0.0 && flt(doc, "r") < 1e-300);
	PXT_CHECK(flt(doc, "s") == 1.7976931348623157e308);
	PXT_CHECK(pxt_toml_int(pxt_toml_get(pxt_toml_root(doc), "a")) == 0);
	pxt_toml_free(doc);

	/* the decimal point is '.' whatever the locale (when one is installed) */
	loc = setlocale(LC_NUMERIC, "de_DE.UTF-8");
	doc = parse("x = 1.5\n");
	PXT_CHECK(doc != NULL && flt(doc, "x") == 1.5);
	pxt_toml_free(doc);
	if (loc != NULL)
		setlocale(LC_NUMERIC, "C");

	fails("a = .7", "t.toml:1:5: invalid number '.7'");
	fails("a = 7.", "t.toml:1:5: invalid number '7.'");
	fails("a = 3.e+20", "t.toml:1:5: invalid number '3.e+20'");
	fails("a = 1e", "t.toml:1:5: invalid number '1e'");
	fails("a = 1e+", "t.toml:1:5: invalid number '1e+'");
	fails("a = 1e2.5", "t.toml:1:5: invalid number '1e2.5'");
	fails("a = 1.2_", "t.toml:1:5: invalid number '1.2_'");
	fails("a = 1_.2", "t.toml:1:5: invalid number '1_.2'");
	fails("a = 1._2", "t.toml:1:5: invalid number '1._2'");
	fails("a = 1e_2", "t.toml:1:5: invalid number '1e_2'");
	fails("a = 00.1", "t.toml:1:5: leading zeros are not allowed in '00.1'");
	fails("a = -01.0", "t.toml:1:5: leading zeros are not allowed in '-01.0'");
	fails("a = 1e400", "t.toml:1:5: float '1e400' is out of range");
	fails("a = -1e400", "t.toml:1:5: float '-1e400' is out of range");
	fails("a = Inf", "t.toml:1:5: invalid value 'Inf' (strings must be quoted; "
	    "booleans are true and false)");
	fails("a = infinity", "t.toml:1:5: invalid value 'infinity' (strings must be "
	    "quoted; booleans are true and false)");
	fails("a = +nan1", "t.toml:1:5: invalid number '+nan1'");
	fails("a = 1.0.0", "t.toml:1:5: invalid number '1.0.0'");
}

static void
test_bools_datetimes(void)
{
	pxt_toml *doc = parse(
	    "t = true\nf = false\n"
	    "odt1 = 1979-05-27T07:32:00Z\n"
	    "odt2 = 1979-05-27T00:32:00-07:00\n"
	    "odt3 = 1979-05-27T00:32:00.999999+07:30\n"
	    "odt4 = 1979-05-27 07:32:00Z\n"
	    "odt5 = 1979-05-27t07:32:00z\n"
	    "ldt1 = 1979-05-27T07:32:00\n"
	    "ldt2 = 1979-05-27 00:32:00.999999\n"
	    "ld = 1979-05-27\n"
	    "lt1 = 07:32:00\n"
	    "lt2 = 00:32:00.999999\n"
	    "leap = 2000-02-29\n"
	    "sec60 = 23:59:60\n"
	    "arr = [1979-05-27, 07:32:00, 1979-05-27 07:32:00]\n"
	    "c = 1979-05-27 # a date, then a comment\n");
	const pxt_toml_value *v;
	size_t n;

	PXT_CHECK(doc != NULL);
	v = pxt_toml_get(pxt_toml_root(doc), "t");
	PXT_CHECK(pxt_toml_bool(v) && pxt_toml_kind_of(v) == PXT_TOML_BOOL);
	PXT_CHECK(!pxt_toml_bool(pxt_toml_get(pxt_toml_root(doc), "f")));
	v = pxt_toml_get(pxt_toml_root(doc), "odt1");
	PXT_CHECK_INT(pxt_toml_kind_of(v), PXT_TOML_DATETIME);
	PXT_CHECK_STR(pxt_toml_str(v, &n), "1979-05-27T07:32:00Z");
	PXT_CHECK_INT(n, 20);
	PXT_CHECK_STR(str(doc, "odt2"), "1979-05-27T00:32:00-07:00");
	PXT_CHECK_STR(str(doc, "odt3"), "1979-05-27T00:32:00.999999+07:30");
	PXT_CHECK_STR(str(doc, "odt4"), "1979-05-27 07:32:00Z");
	PXT_CHECK_STR(str(doc, "odt5"), "1979-05-27t07:32:00z");
	PXT_CHECK_STR(str(doc, "ldt1"), "1979-05-27T07:32:00");
	PXT_CHECK_STR(str(doc, "ldt2"), "1979-05-27 00:32:00.999999");
	PXT_CHECK_STR(str(doc, "ld"), "1979-05-27");
	PXT_CHECK_STR(str(doc, "lt1"), "07:32:00");
	PXT_CHECK_STR(str(doc, "lt2"), "00:32:00.999999");
	PXT_CHECK_STR(str(doc, "leap"), "2000-02-29");
	PXT_CHECK_STR(str(doc, "sec60"), "23:59:60");
	PXT_CHECK_STR(pxt_toml_str(get(doc, "arr", "#2", NULL), NULL),
	    "1979-05-27 07:32:00");
	PXT_CHECK_STR(str(doc, "c"), "1979-05-27");
	PXT_CHECK_STR(pxt_toml_kind_name(PXT_TOML_DATETIME), "date-time");
	pxt_toml_free(doc);

	fails("a = True", "t.toml:1:5: invalid value 'True' (strings must be quoted; "
	    "booleans are true and false)");
	fails("a = truee", "t.toml:1:5: invalid value 'truee' (strings must be quoted; "
	    "booleans are true and false)");
	fails("a = yes", "t.toml:1:5: invalid value 'yes' (strings must be quoted; "
	    "booleans are true and false)");
	fails("a = 1979-05-27T07:32", "t.toml:1:5: invalid date-time "
	    "'1979-05-27T07:32': expected a form like 1979-05-27T07:32:00Z, "
	    "1979-05-27T07:32:00, 1979-05-27 or 07:32:00");
	fails("a = 1979-5-27", "t.toml:1:5: invalid date-time '1979-5-27': "
	    "expected a form like 1979-05-27T07:32:00Z, 1979-05-27T07:32:00, "
	    "1979-05-27 or 07:32:00");
	fails("a = 1979-05-27X07:32:00", "t.toml:1:5: invalid date-time "
	    "'1979-05-27X07:32:00': expected a form like 1979-05-27T07:32:00Z, "
	    "1979-05-27T07:32:00, 1979-05-27 or 07:32:00");
	fails("a = 2023-02-29", "t.toml:1:5: invalid date-time '2023-02-29': day is "
	    "out of range for the month");
	fails("a = 1900-02-29", "t.toml:1:5: invalid date-time '1900-02-29': day is "
	    "out of range for the month");
	fails("a = 2023-04-31", "t.toml:1:5: invalid date-time '2023-04-31': day is "
	    "out of range for the month");
	fails("a = 2023-00-10", "t.toml:1:5: invalid date-time '2023-00-10': month "
	    "must be 01 to 12");
	fails("a = 2023-13-10", "t.toml:1:5: invalid date-time '2023-13-10': month "
	    "must be 01 to 12");
	fails("a = 2023-01-00", "t.toml:1:5: invalid date-time '2023-01-00': day is "
	    "out of range for the month");
	fails("a = 24:00:00", "t.toml:1:5: invalid date-time '24:00:00': hour must be "
	    "00 to 23");
	fails("a = 12:60:00", "t.toml:1:5: invalid date-time '12:60:00': minute must "
	    "be 00 to 59");
	fails("a = 12:00:61", "t.toml:1:5: invalid date-time '12:00:61': second must "
	    "be 00 to 60");
	fails("a = 12:00:00.", "t.toml:1:5: invalid date-time '12:00:00.': expected "
	    "digits after '.' in the seconds");
	fails("a = 12:00:00Z", "t.toml:1:5: invalid date-time '12:00:00Z': expected a "
	    "form like 1979-05-27T07:32:00Z, 1979-05-27T07:32:00, 1979-05-27 or "
	    "07:32:00");
	fails("a = 1979-05-27T07:32:00+25:00", "t.toml:1:5: invalid date-time "
	    "'1979-05-27T07:32:00+25:00': offset out of range");
	fails("a = 1979-05-27T07:32:00+0700", "t.toml:1:5: invalid date-time "
	    "'1979-05-27T07:32:00+0700': expected 'Z' or an offset like +05:30 "
	    "after the time");
	fails("a = 1979-05-27T07:32:00Zjunk", "t.toml:1:5: invalid date-time "
	    "'1979-05-27T07:32:00Zjunk': expected a form like 1979-05-27T07:32:00Z, "
	    "1979-05-27T07:32:00, 1979-05-27 or 07:32:00");
	fails("a = 1979-05-27 07:32", "t.toml:1:5: invalid date-time "
	    "'1979-05-27 07:32': expected a form like 1979-05-27T07:32:00Z, "
	    "1979-05-27T07:32:00, 1979-05-27 or 07:32:00");
	fails("a = 7:32:00", "t.toml:1:5: invalid date-time '7:32:00': expected a form "
	    "like 1979-05-27T07:32:00Z, 1979-05-27T07:32:00, 1979-05-27 or 07:32:00");
}

static void
test_arrays(void)
{
	pxt_toml *doc = parse(
	    "e = []\n"
	    "e2 = [ ]\n"
	    "ints = [1, 2, 3]\n"
	    "mixed = [1, \"two\", 3.0, [4, [5]], {six = 6}, true, 1979-05-27]\n"
	    "multi = [\n"
	    "  \"a\",  # first\n"
	    "  # a comment line\n"
	    "\n"
	    "  \"b\",\n"
	    "]\n"
	    "tc = [1,2,]\n"
	    "crlf = [\r\n 1,\r\n 2\r\n]\r\n"
	    "after = 1\n");
	const pxt_toml_value *v;

	PXT_CHECK(doc != NULL);
	PXT_CHECK_INT(pxt_toml_len(get(doc, "e", NULL)), 0);
	PXT_CHECK_INT(pxt_toml_kind_of(get(doc, "e", NULL)), PXT_TOML_ARRAY);
	PXT_CHECK_INT(pxt_toml_len(get(doc, "e2", NULL)), 0);
	PXT_CHECK_INT(pxt_toml_len(get(doc, "ints", NULL)), 3);
	PXT_CHECK_INT(pxt_toml_int(get(doc, "ints", "#2", NULL)), 3);
	v = get(doc, "mixed", NULL);
	PXT_CHECK_INT(pxt_toml_len(v), 7);
	PXT_CHECK_INT(pxt_toml_kind_of(pxt_toml_at(v, 0, NULL)), PXT_TOML_INT);
	PXT_CHECK_INT(pxt_toml_kind_of(pxt_toml_at(v, 1, NULL)), PXT_TOML_STRING);
	PXT_CHECK_INT(pxt_toml_kind_of(pxt_toml_at(v, 2, NULL)), PXT_TOML_FLOAT);
	PXT_CHECK_INT(pxt_toml_kind_of(pxt_toml_at(v, 3, NULL)), PXT_TOML_ARRAY);
	PXT_CHECK_INT(pxt_toml_kind_of(pxt_toml_at(v, 4, NULL)), PXT_TOML_TABLE);
	PXT_CHECK_INT(pxt_toml_kind_of(pxt_toml_at(v, 5, NULL)), PXT_TOML_BOOL);
	PXT_CHECK_INT(pxt_toml_kind_of(pxt_toml_at(v, 6, NULL)), PXT_TOML_DATETIME);
	PXT_CHECK(pxt_toml_at(v, 7, NULL) == NULL);
	PXT_CHECK_INT(pxt_toml_int(get(doc, "mixed", "#3", "#1", "#0", NULL)), 5);
	PXT_CHECK_INT(pxt_toml_int(get(doc, "mixed", "#4", "six", NULL)), 6);
	PXT_CHECK_INT(pxt_toml_col(get(doc, "mixed", "#4", NULL)), 35);
	PXT_CHECK_INT(pxt_toml_len(get(doc, "multi", NULL)), 2);
	PXT_CHECK_STR(pxt_toml_str(get(doc, "multi", "#1", NULL), NULL), "b");
	PXT_CHECK_INT(pxt_toml_line(get(doc, "multi", "#1", NULL)), 9);
	PXT_CHECK_INT(pxt_toml_col(get(doc, "multi", "#1", NULL)), 3);
	PXT_CHECK_INT(pxt_toml_len(get(doc, "tc", NULL)), 2);
	PXT_CHECK_INT(pxt_toml_int(get(doc, "crlf", "#1", NULL)), 2);
	PXT_CHECK_INT(pxt_toml_line(get(doc, "crlf", "#1", NULL)), 14);
	PXT_CHECK_INT(pxt_toml_line(get(doc, "after", NULL)), 16);
	PXT_CHECK_STR(pxt_toml_kind_name(PXT_TOML_ARRAY), "array");
	PXT_CHECK(pxt_toml_get(get(doc, "ints", NULL), "x") == NULL);
	pxt_toml_free(doc);

	fails("a = [1 2]", "t.toml:1:8: expected ',' or ']' after an array element, "
	    "found '2'");
	fails("a = [1,,2]", "t.toml:1:8: expected a value or ']', found ','");
	fails("a = [,]", "t.toml:1:6: expected a value or ']', found ','");
	fails("a = [1,\n2", "t.toml:1:5: unterminated array: missing ']'");
	fails("a = [1,\n", "t.toml:1:5: unterminated array: missing ']'");
	fails("a = [1 # c ]", "t.toml:1:5: unterminated array: missing ']'");
	fails("a = [1}", "t.toml:1:7: expected ',' or ']' after an array element, "
	    "found '}'");
	fails("a = [=]", "t.toml:1:6: expected a value, found '='");
}

static void
test_inline_tables(void)
{
	pxt_toml *doc = parse(
	    "name = { first = \"Tom\", last = \"Preston-Werner\" }\n"
	    "point = {x=1,y=2}\n"
	    "empty = {}\n"
	    "sp = { }\n"
	    "dotted = { type.name = \"pug\", type.size = 3, a.b.c = [1, {d = 2}] }\n"
	    "ml = { s = \"\"\"a\nb\"\"\", arr = [\n1,\n2] }\n");

	PXT_CHECK(doc != NULL);
	PXT_CHECK_STR(pxt_toml_str(get(doc, "name", "last", NULL), NULL),
	    "Preston-Werner");
	PXT_CHECK_INT(pxt_toml_int(get(doc, "point", "y", NULL)), 2);
	PXT_CHECK_INT(pxt_toml_len(get(doc, "empty", NULL)), 0);
	PXT_CHECK_INT(pxt_toml_kind_of(get(doc, "sp", NULL)), PXT_TOML_TABLE);
	PXT_CHECK_INT(pxt_toml_int(get(doc, "dotted", "type", "size", NULL)), 3);
	PXT_CHECK_INT(pxt_toml_len(get(doc, "dotted", "type", NULL)), 2);
	PXT_CHECK_INT(pxt_toml_int(get(doc, "dotted", "a", "b", "c", "#1", "d",
	    NULL)), 2);
	PXT_CHECK_STR(pxt_toml_str(get(doc, "ml", "s", NULL), NULL), "a\nb");
	PXT_CHECK_INT(pxt_toml_int(get(doc, "ml", "arr", "#1", NULL)), 2);
	PXT_CHECK_INT(pxt_toml_line(get(doc, "ml", "arr", "#1", NULL)), 9);
	pxt_toml_free(doc);

	fails("a = {b = 1,}", "t.toml:1:12: trailing comma is not allowed in an inline "
	    "table");
	fails("a = {b = 1\n}", "t.toml:1:11: expected ',' or '}' after the value of "
	    "key 'b', found end of line (an inline table must be on one line)");
	fails("a = {\nb = 1}", "t.toml:1:6: expected a key, found end of line (an "
	    "inline table must be on one line; use a [table] for longer ones)");
	fails("a = {b = 1, b = 2}", "t.toml:1:13: duplicate key 'b' (first defined at "
	    "line 1)");
	fails("a = {b = 1 c = 2}", "t.toml:1:12: expected ',' or '}' after the value "
	    "of key 'b', found 'c'");
	fails("a = {b = 1", "t.toml:1:11: expected ',' or '}' after the value of key "
	    "'b', found end of file (an inline table must be on one line)");
	fails("a = {b = 1} # c\na.c = 2", "t.toml:2:1: cannot add keys to 'a': it is "
	    "an inline table (line 1), complete once defined");
	fails("a = {b.c = 1}\na.b.d = 2", "t.toml:2:1: cannot add keys to 'a': it is an "
	    "inline table (line 1), complete once defined");
	fails("a = {b = {c = 1}, b.d = 2}", "t.toml:1:19: cannot add keys to 'b': it is "
	    "an inline table (line 1), complete once defined");
	fails("a = {b = 1}\n[a]", "t.toml:2:1: table 'a' is already defined as an "
	    "inline table at line 1");
	fails("a = {b = {}}\n[a.b]", "t.toml:2:2: cannot add to 'a': it is an inline "
	    "table (line 1), complete once defined");
	fails("a = {b = 1}\n[a.c]", "t.toml:2:2: cannot add to 'a': it is an inline "
	    "table (line 1), complete once defined");
	fails("a = {b = 1, c.b = 1, c = 3}", "t.toml:1:22: duplicate key 'c' (first "
	    "defined at line 1)");
	fails("a = {b = 1 # c\n}", "t.toml:1:12: expected ',' or '}' after the value "
	    "of key 'b', found '#'");
	fails("a = {,}", "t.toml:1:6: expected a key, found ','");
}

static void
test_tables(void)
{
	pxt_toml *doc = parse(
	    "top = 0\n"
	    "[a.b.c]\n"
	    "x = 1\n"
	    "[ a . \"q d\" ]  # spaces around the parts\n"
	    "y = 2\n"
	    "[a]\n"	/* a super-table defined after its sub-table */
	    "z = 3\n"
	    "[fruit]\n"
	    "apple.color = \"red\"\n"
	    "apple.taste.sweet = true\n"
	    "[fruit.apple.texture]\n"	/* a sub-table of a dotted-key table */
	    "smooth = true\n"
	    "[\"\"]\n"
	    "e = 1\n"
	    "[x.y]\n"
	    "[x]\n"
	    "y2.z = 1\n");	/* x.y2 is new, made by a dotted key */
	const char *k = NULL;

	PXT_CHECK(doc != NULL);
	PXT_CHECK_INT(pxt_toml_int(get(doc, "a", "b", "c", "x", NULL)), 1);
	PXT_CHECK_INT(pxt_toml_int(get(doc, "a", "q d", "y", NULL)), 2);
	PXT_CHECK_INT(pxt_toml_int(get(doc, "a", "z", NULL)), 3);
	PXT_CHECK(pxt_toml_bool(get(doc, "fruit", "apple", "taste", "sweet", NULL)));
	PXT_CHECK(pxt_toml_bool(get(doc, "fruit", "apple", "texture", "smooth",
	    NULL)));
	PXT_CHECK_INT(pxt_toml_int(get(doc, "", "e", NULL)), 1);
	PXT_CHECK_INT(pxt_toml_int(get(doc, "x", "y2", "z", NULL)), 1);
	/* [a] comes after [a.b.c]: a starts at its own header */
	PXT_CHECK_INT(pxt_toml_line(get(doc, "a", NULL)), 6);
	PXT_CHECK_INT(pxt_toml_line(get(doc, "a", "q d", NULL)), 4);
	PXT_CHECK_INT(pxt_toml_col(get(doc, "a", "q d", NULL)), 1);
	/* file order: a's entries are b, "q d", z */
	PXT_CHECK(pxt_toml_at(get(doc, "a", NULL), 1, &k) != NULL);
	PXT_CHECK_STR(k, "q d");
	PXT_CHECK_STR(pxt_toml_kind_name(PXT_TOML_TABLE), "table");
	pxt_toml_free(doc);

	fails("[a]\nb = 1\n[a]\n", "t.toml:3:1: table 'a' is already defined at "
	    "line 1");
	fails("[a.b]\n[a]\n[a.b]", "t.toml:3:1: table 'a.b' is already defined at "
	    "line 1");
	fails("[a]\nb.c = 1\n[a.b]", "t.toml:3:1: table 'a.b' is already defined by "
	    "dotted keys at line 2");
	fails("a.b = 1\n[a]", "t.toml:2:1: table 'a' is already defined by dotted "
	    "keys at line 1");
	fails("[a.b]\nx = 1\n[a]\nb.y = 2", "t.toml:4:1: cannot add keys to table 'b' "
	    "with dotted keys: it is defined by a [header] at line 1");
	fails("[a.b.c]\nz = 9\n[a]\nb.c.t = 1", "t.toml:4:3: cannot add keys to table "
	    "'b.c' with dotted keys: it is defined by a [header] at line 1");
	fails("a = 1\n[a]", "t.toml:2:1: cannot define table 'a': it is already an "
	    "integer (line 1)");
	fails("[a]\nb = 1\n[a.b]", "t.toml:3:1: cannot define table 'a.b': it is "
	    "already an integer (line 2)");
	fails("[a]\nb = 1\n[a.b.c]", "t.toml:3:4: cannot use 'a.b' as a table: it is "
	    "already an integer (line 2)");
	fails("[a]\nb = [1]\n[a.b.c]", "t.toml:3:4: cannot use 'a.b' as a table: it "
	    "is already an array (line 2)");
	fails("[a]\nb = 1\nb.c = 2", "t.toml:3:1: cannot use 'b' as a table: it is "
	    "already an integer (line 2)");
	fails("[a.b]\n[a]\nb = 1", "t.toml:3:1: duplicate key 'b' (first defined at "
	    "line 1)");
	fails("[a\nb = 1", "t.toml:1:3: expected ']' to close the header [a, found end "
	    "of line");
	fails("[a] b = 1", "t.toml:1:5: expected end of line after the table header, "
	    "found 'b'");
	fails("[]", "t.toml:1:2: expected a table name, found ']'");
	fails("[a.]", "t.toml:1:4: expected a table name after '.', found ']'");
	fails("[ [a] ]", "t.toml:1:3: expected a table name, found '['");
	fails("[a b]", "t.toml:1:4: expected ']' to close the header [a, found 'b'");
	fails("['''a''']", "t.toml:1:2: a multi-line string cannot be used as a key");
}

static void
test_arrays_of_tables(void)
{
	pxt_toml *doc = parse(
	    "[[products]]\n"
	    "name = \"Hammer\"\n"
	    "sku = 738594937\n"
	    "\n"
	    "[[products]]  # empty table within the array\n"
	    "\n"
	    "[[products]]\n"
	    "name = \"Nail\"\n"
	    "color = \"gray\"\n"
	    "\n"
	    "[[fruits]]\n"
	    "name = \"apple\"\n"
	    "[fruits.physical]\n"
	    "color = \"red\"\n"
	    "[[fruits.varieties]]\n"
	    "name = \"red delicious\"\n"
	    "[[fruits.varieties]]\n"
	    "name = \"granny smith\"\n"
	    "[[fruits]]\n"
	    "name = \"banana\"\n"
	    "[[fruits.varieties]]\n"
	    "name = \"plantain\"\n"
	    "[[ x . y ]]\n"
	    "[x]\n"	/* x was implicit: may still be defined */
	    "k = 1\n");

	PXT_CHECK(doc != NULL);
	PXT_CHECK_INT(pxt_toml_len(get(doc, "products", NULL)), 3);
	PXT_CHECK_INT(pxt_toml_len(get(doc, "products", "#1", NULL)), 0);
	PXT_CHECK_STR(pxt_toml_str(get(doc, "products", "#2", "color", NULL), NULL),
	    "gray");
	PXT_CHECK_INT(pxt_toml_line(get(doc, "products", NULL)), 1);
	PXT_CHECK_INT(pxt_toml_line(get(doc, "products", "#2", NULL)), 7);
	PXT_CHECK_STR(pxt_toml_str(get(doc, "fruits", "#0", "physical", "color",
	    NULL), NULL), "red");
	PXT_CHECK_INT(pxt_toml_len(get(doc, "fruits", "#0", "varieties", NULL)), 2);
	PXT_CHECK_STR(pxt_toml_str(get(doc, "fruits", "#1", "varieties", "#0", "name",
	    NULL), NULL), "plantain");
	PXT_CHECK_INT(pxt_toml_len(get(doc, "x", "y", NULL)), 1);
	PXT_CHECK_INT(pxt_toml_int(get(doc, "x", "k", NULL)), 1);
	pxt_toml_free(doc);

	fails("a = [1]\n[[a]]", "t.toml:2:1: cannot use [[a]]: 'a' is already an "
	    "array (line 1); an array of tables must be written only with [[...]] "
	    "headers");
	fails("a = []\n[[a]]", "t.toml:2:1: cannot use [[a]]: 'a' is already an "
	    "array (line 1); an array of tables must be written only with [[...]] "
	    "headers");
	fails("a = 1\n[[a]]", "t.toml:2:1: cannot use [[a]]: 'a' is already an "
	    "integer (line 1)");
	fails("[a]\n[[a]]", "t.toml:2:1: cannot use [[a]]: 'a' is already a table "
	    "(line 1)");
	fails("[[a]]\n[a]", "t.toml:2:1: 'a' is an array of tables (line 1); use [[a]] "
	    "to add an element");
	fails("[[a]]\n[[a.b]]\n[a.b]", "t.toml:3:1: 'a.b' is an array of tables "
	    "(line 2); use [[a.b]] to add an element");
	fails("[[a.b]]\n[a]\nb.y = 2", "t.toml:3:1: cannot use 'b' as a table: it is "
	    "already an array (line 1)");
	fails("a = [{b = 1}]\n[a.c]", "t.toml:2:2: cannot use 'a' as a table: it is "
	    "already an array (line 1)");
	fails("[[a]\n", "t.toml:1:5: expected ']]' to close the header [[a, found end "
	    "of line");
	fails("[[a] ]\n", "t.toml:1:5: expected ']]' to close the header [[a, found "
	    "whitespace");
	fails("[[a]]]\n", "t.toml:1:6: expected end of line after the table header, "
	    "found ']'");
}

static void
test_text(void)
{
	pxt_toml *doc;
	const char *nul = "a = 1\nb = \"x\0y\"\n";

	/* CRLF, a BOM, comments with tabs and UTF-8, no final newline */
	doc = parse("\xEF\xBB\xBF# c\t\xC3\xA9\r\na = 1\r\nb = \"\"\"x\r\ny\"\"\"\r\nc = 2");
	PXT_CHECK(doc != NULL);
	PXT_CHECK_INT(num(doc, "c"), 2);
	PXT_CHECK_STR(str(doc, "b"), "x\ny");
	PXT_CHECK_INT(pxt_toml_line(pxt_toml_get(pxt_toml_root(doc), "c")), 5);
	pxt_toml_free(doc);
	doc = parse("");
	PXT_CHECK(doc != NULL && pxt_toml_len(pxt_toml_root(doc)) == 0);
	pxt_toml_free(doc);
	doc = parse("\n\n  # only comments\n\t\n");
	PXT_CHECK(doc != NULL && pxt_toml_len(pxt_toml_root(doc)) == 0);
	pxt_toml_free(doc);
	/* not NUL-terminated: only len bytes count */
	doc = NULL;
	PXT_CHECK_INT(pxt_toml_parse("a = 12345", 6, "t.toml", &doc), PXT_OK);
	PXT_CHECK_INT(num(doc, "a"), 12);
	pxt_toml_free(doc);

	fails_n(nul, 14, "t.toml:2:7: NUL byte in the file (in a string write it as "
	    "\\u0000)");
	fails("a = \"x\x01\"", "t.toml:1:7: control character U+0001 is not allowed "
	    "(in a string write it as \\u0001)");
	fails("# comment \x7f\n", "t.toml:1:11: control character U+007F is not "
	    "allowed (in a string write it as \\u007F)");
	fails("a = '''x\x1fy'''", "t.toml:1:9: control character U+001F is not "
	    "allowed (in a string write it as \\u001F)");
	fails("a = 1\rb = 2", "t.toml:1:6: carriage return not followed by a line "
	    "feed");
	fails("a = \"\xff\"", "t.toml:1:6: invalid UTF-8 sequence starting with byte "
	    "0xFF (TOML files must be UTF-8)");
	fails("\n# \xC0\x80", "t.toml:2:3: invalid UTF-8 sequence starting with byte "
	    "0xC0 (TOML files must be UTF-8)");
	fails("a = \"\xED\xA0\x80\"", "t.toml:1:6: invalid UTF-8 sequence starting "
	    "with byte 0xED (TOML files must be UTF-8)");
	fails("a = \"\xF4\x90\x80\x80\"", "t.toml:1:6: invalid UTF-8 sequence starting "
	    "with byte 0xF4 (TOML files must be UTF-8)");
	fails("a = \"\xE2\x82\"", "t.toml:1:6: invalid UTF-8 sequence starting with "
	    "byte 0xE2 (TOML files must be UTF-8)");
	fails("a = \"\xE2\x82", "t.toml:1:6: invalid UTF-8 sequence starting with "
	    "byte 0xE2 (TOML files must be UTF-8)");
	fails("a = 1\r\n\r\nb =\r\n", "t.toml:3:4: expected a value, found end of "
	    "line");
	fails("a = ", "t.toml:1:5: expected a value, found end of file");
	fails("a = # no value", "t.toml:1:5: expected a value, found '#'");
	fails("a = }", "t.toml:1:5: expected a value, found '}'");
	fails("a = bare", "t.toml:1:5: invalid value 'bare' (strings must be quoted; "
	    "booleans are true and false)");
}

/* nest builds "a = ", n copies of open, mid, and n copies of close. */
static char *
nest(int n, const char *open, const char *mid, const char *close)
{
	size_t lo = strlen(open), lm = strlen(mid), lc = strlen(close), o = 4;
	char *s = malloc(4 + (size_t)n * (lo + lc) + lm + 1);
	int i;

	memcpy(s, "a = ", 4);
	for (i = 0; i < n; i++, o += lo)
		memcpy(s + o, open, lo);
	memcpy(s + o, mid, lm);
	o += lm;
	for (i = 0; i < n; i++, o += lc)
		memcpy(s + o, close, lc);
	s[o] = '\0';
	return s;
}

static void
test_depth(void)
{
	const char *deep = "t.toml:1:69: nesting too deep: more than 64 levels of "
	    "tables, arrays and inline tables";
	pxt_toml *doc;
	char *s, key[400];
	int i;

	s = nest(64, "[", "", "]");
	doc = parse(s);
	PXT_CHECK(doc != NULL);
	pxt_toml_free(doc);
	free(s);
	s = nest(65, "[", "", "]");
	fails(s, deep);
	free(s);
	s = nest(64, "{b=", "1", "}");
	doc = parse(s);
	PXT_CHECK(doc != NULL);
	pxt_toml_free(doc);
	free(s);
	s = nest(65, "{b=", "1", "}");
	fails(s, "t.toml:1:197: nesting too deep: more than 64 levels of tables, "
	    "arrays and inline tables");
	free(s);
	/* far too deep: an error, not a stack overflow */
	s = nest(100000, "[", "", "]");
	fails(s, deep);
	free(s);
	s = nest(100000, "{b=", "1", "}");
	fails(s, "t.toml:1:197: nesting too deep: more than 64 levels of tables, "
	    "arrays and inline tables");
	free(s);
	/* 64 dotted parts: 63 tables and a value; 64 header parts: 64 tables */
	for (i = 0; i < 64; i++)
		memcpy(key + 2 * i, "k.", 2);
	key[127] = '\0';
	{
		char buf[600];

		snprintf(buf, sizeof(buf), "%s = 1\n", key);
		doc = parse(buf);
		PXT_CHECK(doc != NULL);
		pxt_toml_free(doc);
		snprintf(buf, sizeof(buf), "[%s]\nx = 1\n", key);
		doc = parse(buf);
		PXT_CHECK(doc != NULL);
		pxt_toml_free(doc);
		snprintf(buf, sizeof(buf), "[%s]\nx = []\n", key);
		fails(buf, "t.toml:2:5: nesting too deep: more than 64 levels of "
		    "tables, arrays and inline tables");
		snprintf(buf, sizeof(buf), "%s.k = 1\n", key);
		fails(buf, "t.toml:1:129: key has more than 64 dotted parts");
	}
}

static void
test_api(void)
{
	pxt_toml *doc = NULL;
	size_t i;

	PXT_CHECK(pxt_toml_get(NULL, "a") == NULL);
	PXT_CHECK(pxt_toml_len(NULL) == 0);
	PXT_CHECK(pxt_toml_at(NULL, 0, NULL) == NULL);
	PXT_CHECK(pxt_toml_str(NULL, NULL) == NULL);
	PXT_CHECK(pxt_toml_root(NULL) == NULL);
	pxt_toml_free(NULL);
	PXT_CHECK_STR(pxt_toml_kind_name(PXT_TOML_STRING), "string");
	PXT_CHECK_STR(pxt_toml_kind_name(PXT_TOML_FLOAT), "float");
	PXT_CHECK_STR(pxt_toml_kind_name(PXT_TOML_BOOL), "boolean");
	PXT_CHECK_STR(pxt_toml_kind_name((pxt_toml_kind)99), "unknown");
	PXT_CHECK_INT(pxt_toml_parse(NULL, 3, "x", &doc), PXT_EINVAL);
	PXT_CHECK_INT(pxt_toml_parse("a=1", 3, NULL, NULL), PXT_EINVAL);
	/* the file name is optional */
	PXT_CHECK_INT(pxt_toml_parse("a", 1, NULL, &doc), PXT_ECONFIG);
	PXT_CHECK_STR(pxt_errmsg(), "<toml>:1:2: expected '=' after key 'a', found "
	    "end of file");
	/* scalars of other kinds read as zero */
	doc = parse("s = \"x\"\ni = 3\nt = {}\n");
	PXT_CHECK(pxt_toml_int(pxt_toml_get(pxt_toml_root(doc), "s")) == 0);
	PXT_CHECK(pxt_toml_float(pxt_toml_get(pxt_toml_root(doc), "i")) == 0.0);
	PXT_CHECK(!pxt_toml_bool(pxt_toml_get(pxt_toml_root(doc), "i")));
	PXT_CHECK(pxt_toml_str(pxt_toml_get(pxt_toml_root(doc), "i"), NULL) == NULL);
	PXT_CHECK(pxt_toml_len(pxt_toml_get(pxt_toml_root(doc), "s")) == 0);
	PXT_CHECK(pxt_toml_at(pxt_toml_get(pxt_toml_root(doc), "s"), 0, NULL) == NULL);
	PXT_CHECK(pxt_toml_get(pxt_toml_get(pxt_toml_root(doc), "s"), "x") == NULL);
	PXT_CHECK(pxt_toml_get(pxt_toml_root(doc), NULL) == NULL);
	pxt_toml_free(doc);
	/* a big table, many array elements and long strings go through the arena */
	{
		size_t cap = 2000 * 40, o = 0;
		char *big = malloc(cap);

		for (i = 0; i < 2000; i++)
			o += (size_t)snprintf(big + o, cap - o, "k%zu = [%zu, \"%0*d\"]\n",
			    i, i, (int)(i % 37), 7);
		doc = parse(big);
		PXT_CHECK(doc != NULL && pxt_toml_len(pxt_toml_root(doc)) == 2000);
		PXT_CHECK_INT(pxt_toml_int(get(doc, "k1999", "#0", NULL)), 1999);
		PXT_CHECK_INT(pxt_toml_line(get(doc, "k1999", NULL)), 2000);
		pxt_toml_free(doc);
		free(big);
	}
}

int
main(void)
{
	test_config();
	test_keys();
	test_strings();
	test_integers();
	test_floats();
	test_bools_datetimes();
	test_arrays();
	test_inline_tables();
	test_tables();
	test_arrays_of_tables();
	test_text();
	test_depth();
	test_api();
	return pxt_test_done();
}
