/*
 * toml_lex.c - the lexer of the TOML reader (toml.c): checks the text for invalid
 * UTF-8 and control characters, decodes basic, literal and multi-line strings, and
 * reads numbers, booleans and date-times. Shares its state and the value type with
 * toml.c through the private header toml_lex_int.h.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/toml_lex_int.h"

/* ---- errors ------------------------------------------------------------------ */

pxt_err
pxt_tlex_nomem(const pxt_tlex *lx)
{
	return pxt_seterr(PXT_ENOMEM, "%s: out of memory while reading TOML", lx->file);
}

pxt_err
pxt_tlex_verr(const pxt_tlex *lx, int line, int col, const char *fmt, va_list ap)
{
	char msg[768];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	return pxt_seterr(PXT_ECONFIG, "%s:%d:%d: %s", lx->file, line, col, msg);
}

pxt_err
pxt_tlex_err(const pxt_tlex *lx, int line, int col, const char *fmt, ...)
{
	va_list ap;
	pxt_err err;

	va_start(ap, fmt);
	err = pxt_tlex_verr(lx, line, col, fmt, ap);
	va_end(ap);
	return err;
}

static pxt_err err_here(const pxt_tlex *lx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* err_here reports an error at the current position. */
static pxt_err
err_here(const pxt_tlex *lx, const char *fmt, ...)
{
	va_list ap;
	pxt_err err;

	va_start(ap, fmt);
	err = pxt_tlex_verr(lx, lx->line, tlex_col(lx), fmt, ap);
	va_end(ap);
	return err;
}

const char *
pxt_tlex_found(const pxt_tlex *lx, char buf[16])
{
	int c = tlex_peek(lx);

	if (c == -1)
		return "end of file";
	if (c == '\n' || c == '\r')
		return "end of line";
	if (c == ' ' || c == '\t')
		return "whitespace";
	if (c >= 0x80)
		return "a non-ASCII character";
	snprintf(buf, 16, "'%c'", c);
	return buf;
}

pxt_err
pxt_tlex_put(pxt_tlex *lx, const char *s, size_t n)
{
	size_t cap;
	char *nb;

	if (lx->bcap - lx->blen <= n) {
		cap = lx->bcap ? lx->bcap : 256;
		while (cap - lx->blen <= n)
			cap *= 2;
		if ((nb = realloc(lx->buf, cap)) == NULL)
			return pxt_tlex_nomem(lx);
		lx->buf = nb;
		lx->bcap = cap;
	}
	memcpy(lx->buf + lx->blen, s, n);
	lx->blen += n;
	lx->buf[lx->blen] = '\0';
	return PXT_OK;
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* is_tokch: characters of numbers, booleans and date-times. */
static bool
is_tokch(int c)
{
	return tlex_is_bare(c) || c == '+' || c == '.' || c == ':';
}

/* ---- text check -------------------------------------------------------------- */

/* utf8_len returns the length of the valid UTF-8 sequence at s, 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned lo = 0x80, hi = 0xBF;
	size_t k, i;

	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		k = 2;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		k = 3;
		lo = s[0] == 0xE0 ? 0xA0 : lo;	/* overlong */
		hi = s[0] == 0xED ? 0x9F : hi;	/* surrogates */
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		k = 4;
		lo = s[0] == 0xF0 ? 0x90 : lo;	/* overlong */
		hi = s[0] == 0xF4 ? 0x8F : hi;	/* above U+10FFFF */
	} else {
		return 0;
	}
	if (n < k || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < k; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return k;
}

/*
 * pxt_tlex_check: TOML allows no control character other than tab, LF and CR-LF,
 * anywhere (not even in comments or literal strings), so one pass settles it.
 */
pxt_err
pxt_tlex_check(const pxt_tlex *lx)
{
	const unsigned char *s = (const unsigned char *)lx->s;
	size_t i = lx->pos, bol = lx->pos, k;
	int line = 1, col;

	while (i < lx->len) {
		if (s[i] == '\n') {
			line += line < INT_MAX;
			bol = ++i;
			continue;
		}
		if ((s[i] >= 0x20 && s[i] < 0x7f) || s[i] == '\t' ||
		    (s[i] == '\r' && i + 1 < lx->len && s[i + 1] == '\n')) {
			i++;
			continue;
		}
		col = i - bol + 1 > INT_MAX ? INT_MAX : (int)(i - bol + 1);
		if (s[i] == 0)
			return pxt_tlex_err(lx, line, col, "NUL byte in the file "
			    "(in a string write it as \\u0000)");
		if (s[i] == '\r')
			return pxt_tlex_err(lx, line, col, "carriage return not "
			    "followed by a line feed");
		if (s[i] < 0x80)
			return pxt_tlex_err(lx, line, col, "control character "
			    "U+%04X is not allowed (in a string write it as "
			    "\\u%04X)", s[i], s[i]);
		if ((k = utf8_len(s + i, lx->len - i)) == 0)
			return pxt_tlex_err(lx, line, col, "invalid UTF-8 "
			    "sequence starting with byte 0x%02X (TOML files must "
			    "be UTF-8)", s[i]);
		i += k;
	}
	return PXT_OK;
}

/* ---- strings ----------------------------------------------------------------- */

static int
hexval(int c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* put_unicode decodes the \uXXXX or \UXXXXXXXX escape at lx->pos (the 'u'). */
static pxt_err
put_unicode(pxt_tlex *lx, int line, int col)
{
	int nd = lx->s[lx->pos] == 'u' ? 4 : 8, i, h;
	unsigned long cp = 0;
	char u[4];
	size_t n;

	for (i = 1; i <= nd; i++) {
		h = lx->pos + i < lx->len ?
		    hexval((unsigned char)lx->s[lx->pos + i]) : 99;
		if (h > 15)
			return pxt_tlex_err(lx, line, col, "escape \\%c needs "
			    "exactly %d hex digits", lx->s[lx->pos], nd);
		cp = cp * 16 + (unsigned long)h;
	}
	if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return pxt_tlex_err(lx, line, col, "escape \\%c%.*s is not a "
		    "Unicode scalar value (surrogates and values above 10FFFF "
		    "are not allowed)",
		    lx->s[lx->pos], nd, lx->s + lx->pos + 1);
	lx->pos += (size_t)nd + 1;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return pxt_tlex_put(lx, u, n);
}

/*
 * put_escape decodes the escape at lx->pos (the backslash) of a basic string. In a
 * multi-line string a backslash ending a line trims the following whitespace and
 * newlines.
 */
static pxt_err
put_escape(pxt_tlex *lx, bool ml)
{
	static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
	int line = lx->line, col = tlex_col(lx), c;
	size_t j;
	const char *hit;

	lx->pos++;
	c = tlex_peek(lx);
	if (ml && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
		j = lx->pos;
		while (j < lx->len && (lx->s[j] == ' ' || lx->s[j] == '\t'))
			j++;
		if (j < lx->len && lx->s[j] != '\n' && lx->s[j] != '\r')
			return pxt_tlex_err(lx, line, col, "a backslash at the "
			    "end of a line must be followed only by whitespace "
			    "(or write \\\\ for a backslash)");
		lx->pos = j;
		for (;;) {
			tlex_skip_ws(lx);
			if (lx->pos >= lx->len || !tlex_at_eol(lx))
				return PXT_OK;
			tlex_eat_newline(lx);
		}
	}
	if (c == 'u' || c == 'U')
		return put_unicode(lx, line, col);
	if (c > 0 && (hit = strchr(from, c)) != NULL) {
		lx->pos++;
		return pxt_tlex_put(lx, to + (hit - from), 1);
	}
	if (c > ' ' && c < 0x7f)
		return pxt_tlex_err(lx, line, col, "invalid escape sequence "
		    "'\\%c' (valid: \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX "
		    "\\UXXXXXXXX)", c);
	return pxt_tlex_err(lx, line, col, "invalid escape sequence: '\\' must be "
	    "followed by one of b t n f r \" \\ u U");
}

/*
 * end_quotes handles a run of quotes inside a multi-line string: fewer than three
 * are content; three to five close the string, the extra ones being content.
 * Sets *done when the string ended.
 */
static pxt_err
end_quotes(pxt_tlex *lx, bool *done)
{
	char q = lx->s[lx->pos];
	size_t k = 0;
	pxt_err err;

	while (lx->pos + k < lx->len && lx->s[lx->pos + k] == q)
		k++;
	if (k > 5)
		return err_here(lx, "too many quotes (%zu) at the end of a "
		    "multi-line string; escape them or use the other kind of "
		    "string", k);
	*done = k >= 3;
	if ((err = pxt_tlex_put(lx, lx->s + lx->pos, k >= 3 ? k - 3 : k)))
		return err;
	lx->pos += k;
	return PXT_OK;
}

/*
 * pxt_tlex_string decodes the basic, literal or multi-line string at lx->pos (its
 * first quote, at line:col) and appends its text to the scratch buffer.
 */
pxt_err
pxt_tlex_string(pxt_tlex *lx, int line, int col)
{
	char q = lx->s[lx->pos];
	bool ml, done = false;
	size_t start;
	pxt_err err = PXT_OK;

	ml = lx->pos + 2 < lx->len && lx->s[lx->pos + 1] == q &&
	    lx->s[lx->pos + 2] == q;
	lx->pos += ml ? 3 : 1;
	if (ml && lx->pos < lx->len && tlex_at_eol(lx))
		tlex_eat_newline(lx);
	while (!done && err == PXT_OK) {
		int c = tlex_peek(lx);

		if (c == -1)
			return pxt_tlex_err(lx, line, col, "unterminated string: "
			    "missing closing %s", q == '"' ?
			    (ml ? "\"\"\"" : "\"") : (ml ? "'''" : "'"));
		if (c == q && !ml) {
			lx->pos++;
			done = true;
		} else if (c == q) {
			err = end_quotes(lx, &done);
		} else if (c == '\n' || c == '\r') {
			if (!ml)
				return err_here(lx, "newline in a string "
				    "(close the quote, or use %s for a multi-line "
				    "string)", q == '"' ? "\"\"\"" : "'''");
			tlex_eat_newline(lx);
			err = pxt_tlex_put(lx, "\n", 1);
		} else if (c == '\\' && q == '"') {
			err = put_escape(lx, ml);
		} else {
			start = lx->pos;
			while (lx->pos < lx->len && lx->s[lx->pos] != q &&
			    lx->s[lx->pos] != '\n' && lx->s[lx->pos] != '\r' &&
			    (q != '"' || lx->s[lx->pos] != '\\'))
				lx->pos++;
			err = pxt_tlex_put(lx, lx->s + start, lx->pos - start);
		}
	}
	return err;
}

/* ---- scalars ----------------------------------------------------------------- */

/*
 * scan_digits consumes digits of radix at t[*i], single underscores allowed between
 * digits; returns the number of digits, 0 (with *bad set) on a misplaced '_'.
 */
static size_t
scan_digits(const char *t, size_t n, size_t *i, int radix, bool *bad)
{
	size_t nd = 0;

	while (*i < n) {
		if (hexval((unsigned char)t[*i]) < radix) {
			nd++;
		} else if (t[*i] == '_') {
			if (nd == 0 || *i + 1 >= n ||
			    hexval((unsigned char)t[*i + 1]) >= radix) {
				*bad = true;
				return 0;
			}
		} else {
			break;
		}
		(*i)++;
	}
	return nd;
}

static pxt_err
bad_number(const pxt_tlex *lx, const pxt_toml_value *v, const char *t, size_t n)
{
	return pxt_tlex_err(lx, v->line, v->col, "invalid number '%.*s'",
	    n > 64 ? 64 : (int)n, t);
}

/* to_int converts the validated digits t[i..n) of radix into v. */
static pxt_err
to_int(const pxt_tlex *lx, pxt_toml_value *v, const char *t, size_t n, size_t i,
    int radix)
{
	bool neg = t[0] == '-';
	uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, acc = 0;
	unsigned d;

	for (; i < n; i++) {
		if (t[i] == '_')
			continue;
		d = (unsigned)hexval((unsigned char)t[i]);
		if (acc > (lim - d) / (unsigned)radix)
			return pxt_tlex_err(lx, v->line, v->col, "integer '%.*s' "
			    "is out of range (64-bit signed)", n > 64 ? 64 : (int)n,
			    t);
		acc = acc * (unsigned)radix + d;
	}
	v->kind = PXT_TOML_INT;
	if (neg)
		v->u.i = acc == lim ? INT64_MIN : -(int64_t)acc;
	else
		v->u.i = (int64_t)acc;
	return PXT_OK;
}

/* to_float converts a validated decimal float with strtod, whatever the locale. */
static pxt_err
to_float(pxt_tlex *lx, pxt_toml_value *v, const char *t, size_t n)
{
	const char *dp = localeconv()->decimal_point;
	char *end;
	size_t i;
	pxt_err err = PXT_OK;

	lx->blen = 0;
	for (i = 0; i < n && err == PXT_OK; i++) {
		if (t[i] == '.')
			err = pxt_tlex_put(lx, dp, strlen(dp));
		else if (t[i] != '_')
			err = pxt_tlex_put(lx, t + i, 1);
	}
	if (err != PXT_OK)
		return err;
	errno = 0;
	v->u.f = strtod(lx->buf, &end);
	if (*end != '\0')
		return bad_number(lx, v, t, n);
	if (errno == ERANGE && (v->u.f == HUGE_VAL || v->u.f == -HUGE_VAL))
		return pxt_tlex_err(lx, v->line, v->col, "float '%.*s' is out of range",
		    n > 64 ? 64 : (int)n, t);
	v->kind = PXT_TOML_FLOAT;
	return PXT_OK;
}

/* parse_number reads the integer or float token t[0..n) into v. */
static pxt_err
parse_number(pxt_tlex *lx, pxt_toml_value *v, const char *t, size_t n)
{
	size_t i = 0, ip;
	bool neg = false, bad = false;

	if (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-';
		i = 1;
	}
	if (n - i == 3 && (!memcmp(t + i, "inf", 3) || !memcmp(t + i, "nan", 3))) {
		v->kind = PXT_TOML_FLOAT;
		if (t[i] == 'i')
			v->u.f = neg ? -INFINITY : INFINITY;
		else
			v->u.f = neg ? -NAN : NAN;
		return PXT_OK;
	}
	if (n - i > 2 && t[i] == '0' && strchr("xob", t[i + 1]) != NULL) {
		int radix = t[i + 1] == 'x' ? 16 : t[i + 1] == 'o' ? 8 : 2;

		if (i > 0)
			return pxt_tlex_err(lx, v->line, v->col, "a sign is not "
			    "allowed on a hexadecimal, octal or binary integer");
		i += 2;
		if (scan_digits(t, n, &i, radix, &bad) == 0 || i != n)
			return bad_number(lx, v, t, n);
		return to_int(lx, v, t, n, 2, radix);
	}
	ip = i;
	if (scan_digits(t, n, &i, 10, &bad) == 0)
		return bad_number(lx, v, t, n);
	if (t[ip] == '0' && i - ip > 1)
		return pxt_tlex_err(lx, v->line, v->col, "leading zeros are not "
		    "allowed in '%.*s'", n > 64 ? 64 : (int)n, t);
	if (i == n)
		return to_int(lx, v, t, n, ip, 10);
	if (t[i] == '.' && (++i, scan_digits(t, n, &i, 10, &bad) == 0))
		return bad_number(lx, v, t, n);
	if (i < n && (t[i] == 'e' || t[i] == 'E')) {
		i++;
		if (i < n && (t[i] == '+' || t[i] == '-'))
			i++;
		if (scan_digits(t, n, &i, 10, &bad) == 0)
			return bad_number(lx, v, t, n);
	}
	if (i != n)
		return bad_number(lx, v, t, n);
	return to_float(lx, v, t, n);
}

/* match checks t[i..] against pat, where 'd' stands for any digit. */
static bool
match(const char *t, size_t n, size_t i, const char *pat)
{
	for (; *pat != '\0'; pat++, i++)
		if (i >= n || (*pat == 'd' ? !is_digit((unsigned char)t[i]) :
		    t[i] != *pat))
			return false;
	return true;
}

static int
num(const char *t, int k)
{
	int v = 0;

	while (k-- > 0)
		v = v * 10 + (*t++ - '0');
	return v;
}

static const char *const dt_shape = "expected a form like 1979-05-27T07:32:00Z, "
    "1979-05-27T07:32:00, 1979-05-27 or 07:32:00";

/* check_date validates YYYY-MM-DD at t[*i]; returns what is wrong or NULL. */
static const char *
check_date(const char *t, size_t n, size_t *i)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;

	if (!match(t, n, *i, "dddd-dd-dd"))
		return dt_shape;
	y = num(t + *i, 4);
	m = num(t + *i + 5, 2);
	d = num(t + *i + 8, 2);
	if (m < 1 || m > 12)
		return "month must be 01 to 12";
	if (d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
		return "day is out of range for the month";
	*i += 10;
	return NULL;
}

/* check_time validates HH:MM:SS[.frac] at t[*i]. */
static const char *
check_time(const char *t, size_t n, size_t *i)
{
	if (!match(t, n, *i, "dd:dd:dd"))
		return dt_shape;
	if (num(t + *i, 2) > 23)
		return "hour must be 00 to 23";
	if (num(t + *i + 3, 2) > 59)
		return "minute must be 00 to 59";
	if (num(t + *i + 6, 2) > 60)
		return "second must be 00 to 60";
	*i += 8;
	if (*i < n && t[*i] == '.') {
		if (!match(t, n, ++*i, "d"))
			return "expected digits after '.' in the seconds";
		while (*i < n && is_digit((unsigned char)t[*i]))
			++*i;
	}
	return NULL;
}

/* check_offset validates Z or +HH:MM / -HH:MM at t[*i]. */
static const char *
check_offset(const char *t, size_t n, size_t *i)
{
	if (t[*i] == 'Z' || t[*i] == 'z') {
		++*i;
		return NULL;
	}
	if ((t[*i] != '+' && t[*i] != '-') || !match(t, n, *i + 1, "dd:dd"))
		return "expected 'Z' or an offset like +05:30 after the time";
	if (num(t + *i + 1, 2) > 23 || num(t + *i + 4, 2) > 59)
		return "offset out of range";
	*i += 6;
	return NULL;
}

/* parse_datetime validates a date-time token and keeps its text. */
static pxt_err
parse_datetime(pxt_tlex *lx, pxt_toml_value *v, const char *t, size_t n)
{
	const char *why;
	size_t i = 0;

	if (match(t, n, 0, "dd:")) {
		why = check_time(t, n, &i);
	} else if ((why = check_date(t, n, &i)) == NULL && i < n) {
		if (t[i] == 'T' || t[i] == 't' || t[i] == ' ')
			i++;
		else
			why = dt_shape;
		if (why == NULL && (why = check_time(t, n, &i)) == NULL && i < n)
			why = check_offset(t, n, &i);
	}
	if (why == NULL && i != n)
		why = dt_shape;
	if (why != NULL)
		return pxt_tlex_err(lx, v->line, v->col, "invalid date-time '%.*s': %s",
		    n > 64 ? 64 : (int)n, t, why);
	v->kind = PXT_TOML_DATETIME;
	lx->blen = 0;
	return pxt_tlex_put(lx, t, n);
}

/*
 * scan_token returns the length of the bare value (number, boolean, date-time) at
 * lx->pos; a date followed by a space and a digit continues with the time.
 */
static size_t
scan_token(const pxt_tlex *lx)
{
	const char *s = lx->s;
	size_t i = lx->pos;

	while (i < lx->len && is_tokch((unsigned char)s[i]))
		i++;
	if (i - lx->pos == 10 && match(s, lx->len, lx->pos, "dddd-dd-dd") &&
	    match(s, lx->len, i, " d"))
		for (i++; i < lx->len && is_tokch((unsigned char)s[i]); i++)
			;
	return i - lx->pos;
}

/* pxt_tlex_scalar reads a number, boolean or date-time into v. */
pxt_err
pxt_tlex_scalar(pxt_tlex *lx, pxt_toml_value *v)
{
	const char *t = lx->s + lx->pos;
	size_t n = scan_token(lx);
	char fb[16];
	pxt_err err;

	if (n == 0)
		return pxt_tlex_err(lx, v->line, v->col, "expected a value, found %s",
		    pxt_tlex_found(lx, fb));
	if ((n == 4 && !memcmp(t, "true", 4)) || (n == 5 && !memcmp(t, "false", 5))) {
		v->kind = PXT_TOML_BOOL;
		v->u.b = n == 4;
		err = PXT_OK;
	} else if (match(t, n, 0, "dddd-") || match(t, n, 0, "dd:") ||
	    memchr(t, ':', n) != NULL) {
		err = parse_datetime(lx, v, t, n);
	} else if (is_digit(t[0]) || t[0] == '+' || t[0] == '-' || t[0] == '.' ||
	    (n == 3 && (!memcmp(t, "inf", 3) || !memcmp(t, "nan", 3)))) {
		err = parse_number(lx, v, t, n);
	} else {
		err = pxt_tlex_err(lx, v->line, v->col, "invalid value '%.*s' "
		    "(strings must be quoted; booleans are true and false)",
		    n > 64 ? 64 : (int)n, t);
	}
	lx->pos += n;
	return err;
}

