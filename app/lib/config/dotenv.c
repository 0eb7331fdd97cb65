/*
 * dotenv.c - a reader for .env files (KEY=VALUE lines), the subset of python-dotenv's
 * syntax described in pxt/dotenv.h.
 *
 * One pass over the text, one assignment at a time: the key and the decoded value
 * are built in a scratch buffer and handed to the callback, so memory use does not
 * grow with the file. Errors are "FILE:LINE:COL: message" with PXT_ECONFIG.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxt/dotenv.h"

typedef struct dotenv_parser {
	const char *s;
	size_t len, pos;
	int line;
	const char *file;
	char *buf;		/* key, NUL, value, NUL */
	size_t blen, bcap;
} dotenv_parser;

static pxt_err perr(const dotenv_parser *p, int line, size_t pos, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

/* perr records "FILE:LINE:COL: message" for the byte at pos on line. */
static pxt_err
perr(const dotenv_parser *p, int line, size_t pos, const char *fmt, ...)
{
	char msg[512];
	size_t bol = pos, col;
	va_list ap;

	while (bol > 0 && p->s[bol - 1] != '\n' && p->s[bol - 1] != '\r')
		bol--;
	col = pos - bol + 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return pxt_seterr(PXT_ECONFIG, "%s:%d:%zu: %s", p->file, line, col, msg);
}

static pxt_err
nul_error(const dotenv_parser *p)
{
	return perr(p, p->line, p->pos, "NUL byte in the file (a .env file must be "
	    "text)");
}

static int
peek(const dotenv_parser *p)
{
	return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static bool
is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

static bool
is_eol(int c)
{
	return c == -1 || c == '\n' || c == '\r';
}

static bool
is_key_char(int c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    (!first && ((c >= '0' && c <= '9') || c == '.'));
}

static void
skip_ws(dotenv_parser *p)
{
	while (is_ws(peek(p)))
		p->pos++;
}

/* eat_newline consumes "\n", "\r\n" or a lone "\r" (as Python's text mode does). */
static void
eat_newline(dotenv_parser *p)
{
	if (p->s[p->pos] == '\r' && p->pos + 1 < p->len && p->s[p->pos + 1] == '\n')
		p->pos++;
	p->pos++;
	if (p->line < 0x7fffffff)
		p->line++;
}

/* found describes the character at p->pos for "expected X, found Y". */
static const char *
found(const dotenv_parser *p, char buf[16])
{
	int c = peek(p);

	if (c == -1)
		return "end of file";
	if (c == '\n' || c == '\r')
		return "end of line";
	if (c == 0)
		return "a NUL byte";
	if (c < 0x20 || c >= 0x7f)
		return "a non-printable or non-ASCII character";
	snprintf(buf, 16, "'%c'", c);
	return buf;
}

static pxt_err
put(dotenv_parser *p, const char *s, size_t n)
{
	size_t cap;
	char *nb;

	if (p->bcap - p->blen <= n) {
		cap = p->bcap ? p->bcap : 256;
		while (cap - p->blen <= n)
			cap *= 2;
		if ((nb = realloc(p->buf, cap)) == NULL)
			return pxt_seterr(PXT_ENOMEM, "%s: out of memory while reading "
			    "a .env file", p->file);
		p->buf = nb;
		p->bcap = cap;
	}
	memcpy(p->buf + p->blen, s, n);
	p->blen += n;
	p->buf[p->blen] = '\0';
	return PXT_OK;
}

/*
 * parse_key reads an optional "export " and the key, up to and including the '=',
 * into the scratch buffer (NUL-terminated).
 */
static pxt_err
parse_key(dotenv_parser *p)
{
	size_t start = p->pos, end;
	char fb[16];

	if (p->len - p->pos > 6 && memcmp(p->s + p->pos, "export", 6) == 0 &&
	    is_ws((unsigned char)p->s[p->pos + 6])) {
		p->pos += 6;
		skip_ws(p);
		if (peek(p) == '=' || is_eol(peek(p)))
			p->pos = start;	/* "export = x": export is the key */
	}
	start = p->pos;
	while (is_key_char(peek(p), p->pos == start))
		p->pos++;
	end = p->pos;
	if (start == end && peek(p) == '=')
		return perr(p, p->line, p->pos, "missing key before '='");
	while (!is_ws(peek(p)) && !is_eol(peek(p)) && peek(p) != '=' && peek(p) > 0)
		p->pos++;
	if (p->pos > end)
		return perr(p, p->line, end, "invalid key '%.*s': a key must match "
		    "[A-Za-z_][A-Za-z0-9_.]*", (int)(p->pos - start > 64 ? 64 :
		    p->pos - start), p->s + start);
	if (start == end)
		return perr(p, p->line, p->pos, "expected a key, found %s",
		    found(p, fb));
	skip_ws(p);
	if (peek(p) == 0)
		return nul_error(p);
	if (peek(p) != '=')
		return perr(p, p->line, p->pos, "expected '=' after key '%.*s', found "
		    "%s", (int)(end - start > 64 ? 64 : end - start), p->s + start,
		    found(p, fb));
	p->pos++;
	p->blen = 0;
	if (put(p, p->s + start, end - start) != PXT_OK || put(p, "", 1) != PXT_OK)
		return PXT_ENOMEM;
	return PXT_OK;
}

/*
 * parse_unquoted reads the rest of the line: whitespace followed by '#' starts a
 * comment, and trailing whitespace is dropped.
 */
static pxt_err
parse_unquoted(dotenv_parser *p)
{
	size_t start = p->pos, end;

	while (!is_eol(peek(p))) {
		if (peek(p) == 0)
			return nul_error(p);
		if (peek(p) == '#' && p->pos > start &&
		    is_ws((unsigned char)p->s[p->pos - 1]))
			break;
		p->pos++;
	}
	end = p->pos;
	while (end > start && is_ws((unsigned char)p->s[end - 1]))
		end--;
	while (!is_eol(peek(p))) {	/* the comment */
		if (peek(p) == 0)
			return nul_error(p);
		p->pos++;
	}
	return put(p, p->s + start, end - start);
}

/* unescape returns what \c means in a double-quoted value, or 0 if nothing. */
static char
unescape(int c)
{
	switch (c) {
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	case '\\':
	case '"':
	case '\'':
	case '$':
		return (char)c;
	default:
		return 0;
	}
}

/*
 * parse_quoted reads a value in single quotes (literal) or double quotes (with
 * escapes); both may span lines, whose endings become "\n". An unknown escape is
 * kept as written.
 */
static pxt_err
parse_quoted(dotenv_parser *p)
{
	char q = p->s[p->pos], e;
	int line = p->line;
	size_t open = p->pos, start;
	pxt_err err = PXT_OK;

	p->pos++;
	while (err == PXT_OK) {
		int c = peek(p);

		if (c == -1)
			return perr(p, line, open, "unterminated %s-quoted value "
			    "of key '%.64s': missing closing %c",
			    q == '"' ? "double" : "single", p->buf, q);
		if (c == q) {
			p->pos++;
			return PXT_OK;
		}
		if (c == 0)
			return nul_error(p);
		if (c == '\n' || c == '\r') {
			eat_newline(p);
			err = put(p, "\n", 1);
		} else if (c == '\\' && q == '"' && p->pos + 1 < p->len &&
		    (e = unescape((unsigned char)p->s[p->pos + 1])) != 0) {
			p->pos += 2;
			err = put(p, &e, 1);
		} else {
			start = p->pos++;
			while ((c = peek(p)) != -1 && c != q && c != '\\' &&
			    c != '\n' && c != '\r' && c != 0)
				p->pos++;
			err = put(p, p->s + start, p->pos - start);
		}
	}
	return err;
}

/* parse_line parses one assignment (p->pos at its first non-blank) and passes it on. */
static pxt_err
parse_line(dotenv_parser *p, pxt_dotenv_cb cb, void *ud)
{
	int line = p->line;
	size_t vstart;
	char fb[16];
	pxt_err err;

	if ((err = parse_key(p)) != PXT_OK)
		return err;
	vstart = p->blen;
	skip_ws(p);
	if (peek(p) == '"' || peek(p) == '\'') {
		if ((err = parse_quoted(p)) != PXT_OK)
			return err;
		skip_ws(p);
		if (peek(p) == '#')
			while (!is_eol(peek(p)) && peek(p) != 0)
				p->pos++;
		if (peek(p) == 0)
			return nul_error(p);
		if (!is_eol(peek(p)))
			return perr(p, p->line, p->pos, "unexpected %s after the "
			    "closing quote of the value of key '%.64s' (quote the "
			    "whole value)", found(p, fb), p->buf);
	} else if ((err = parse_unquoted(p)) != PXT_OK) {
		return err;
	}
	return cb(ud, p->buf, p->buf + vstart, line);
}

pxt_err
pxt_dotenv_parse(const char *text, size_t len, const char *filename,
    pxt_dotenv_cb cb, void *ud)
{
	dotenv_parser p;
	pxt_err err = PXT_OK;

	if ((text == NULL && len > 0) || cb == NULL)
		return pxt_seterr(PXT_EINVAL, "pxt_dotenv_parse: NULL argument");
	memset(&p, 0, sizeof(p));
	p.s = text != NULL ? text : "";
	p.len = len;
	p.line = 1;
	p.file = filename != NULL ? filename : "<dotenv>";
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		p.pos = 3;	/* a byte order mark */
	while (err == PXT_OK && p.pos < p.len) {
		skip_ws(&p);
		if (peek(&p) == '#')
			while (!is_eol(peek(&p)) && peek(&p) != 0)
				p.pos++;
		if (peek(&p) == 0)
			err = nul_error(&p);
		else if (!is_eol(peek(&p)))
			err = parse_line(&p, cb, ud);
		if (err == PXT_OK && p.pos < p.len)
			eat_newline(&p);
	}
	free(p.buf);
	return err;
}
