/*
 * toml_lex_int.h - private to toml.c and toml_lex.c: the TOML lexer state, the value
 * representation, and the lexer's entry points (text check, strings, numbers,
 * booleans, date-times, error messages). Not installed; not part of libpxt's API
 * (the functions have hidden visibility).
 */
#ifndef PXT_TOML_LEX_H
#define PXT_TOML_LEX_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pxt/toml.h"

#define PXT_TLEX_API	__attribute__((visibility("hidden")))

/* Position in the text and the scratch buffer strings and keys are decoded into. */
typedef struct pxt_tlex {
	const char *s;
	size_t len, pos;
	size_t bol;		/* offset where the current line begins */
	int line;
	const char *file;	/* for messages */
	char *buf;		/* scratch, always NUL-terminated after blen bytes */
	size_t blen, bcap;
} pxt_tlex;

typedef struct pxt_toml_entry {
	const char *key;
	size_t klen;
	pxt_toml_value *val;
} pxt_toml_entry;

struct pxt_toml_value {
	pxt_toml_kind kind;
	unsigned char flags;	/* TF_* of toml.c */
	unsigned char depth;	/* 0 for the root table */
	int line;
	int col;
	union {
		struct {
			pxt_toml_entry *e;
			size_t n, cap;
		} tab;
		struct {
			pxt_toml_value **v;
			size_t n, cap;
		} arr;
		struct {
			char *s;
			size_t len;
		} str;
		int64_t i;
		double f;
		bool b;
	} u;
};

/* pxt_tlex_err records "FILE:LINE:COL: message" and returns PXT_ECONFIG. */
PXT_TLEX_API pxt_err pxt_tlex_err(const pxt_tlex *lx, int line, int col,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

PXT_TLEX_API pxt_err pxt_tlex_verr(const pxt_tlex *lx, int line, int col,
    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

/* pxt_tlex_nomem records an out-of-memory message and returns PXT_ENOMEM. */
PXT_TLEX_API pxt_err pxt_tlex_nomem(const pxt_tlex *lx);

/*
 * pxt_tlex_check rejects invalid UTF-8 and the control characters TOML allows
 * nowhere, from lx->pos to the end; afterwards '\r' is always followed by '\n'.
 */
PXT_TLEX_API pxt_err pxt_tlex_check(const pxt_tlex *lx);

/* pxt_tlex_put appends n bytes to the scratch buffer. */
PXT_TLEX_API pxt_err pxt_tlex_put(pxt_tlex *lx, const char *s, size_t n);

/* pxt_tlex_found describes the next character for "expected X, found Y". */
PXT_TLEX_API const char *pxt_tlex_found(const pxt_tlex *lx, char buf[16]);

/*
 * pxt_tlex_string decodes the basic, literal or multi-line string whose first quote
 * is at lx->pos (line:col) and appends its text to the scratch buffer.
 */
PXT_TLEX_API pxt_err pxt_tlex_string(pxt_tlex *lx, int line, int col);

/*
 * pxt_tlex_scalar reads the number, boolean or date-time at lx->pos into v (whose
 * line and col are set). A date-time's text is left in the scratch buffer.
 */
PXT_TLEX_API pxt_err pxt_tlex_scalar(pxt_tlex *lx, pxt_toml_value *v);

static inline int
tlex_col(const pxt_tlex *lx)
{
	size_t c = lx->pos - lx->bol + 1;

	return c > INT_MAX ? INT_MAX : (int)c;
}

static inline int
tlex_peek(const pxt_tlex *lx)
{
	return lx->pos < lx->len ? (unsigned char)lx->s[lx->pos] : -1;
}

static inline bool
tlex_is_bare(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* tlex_at_eol: at a newline or at the end of the text. */
static inline bool
tlex_at_eol(const pxt_tlex *lx)
{
	int c = tlex_peek(lx);

	return c == -1 || c == '\n' || c == '\r';
}

static inline void
tlex_skip_ws(pxt_tlex *lx)
{
	while (lx->pos < lx->len && (lx->s[lx->pos] == ' ' || lx->s[lx->pos] == '\t'))
		lx->pos++;
}

/* tlex_eat_newline consumes "\n" or "\r\n" at lx->pos. */
static inline void
tlex_eat_newline(pxt_tlex *lx)
{
	if (lx->s[lx->pos] == '\r')
		lx->pos++;
	lx->pos++;
	if (lx->line < INT_MAX)
		lx->line++;
	lx->bol = lx->pos;
}

static inline void
tlex_skip_comment(pxt_tlex *lx)
{
	if (tlex_peek(lx) == '#')
		while (!tlex_at_eol(lx))
			lx->pos++;
}

/* tlex_skip_ws_nl skips whitespace, comments and newlines. */
static inline void
tlex_skip_ws_nl(pxt_tlex *lx)
{
	for (;;) {
		tlex_skip_ws(lx);
		tlex_skip_comment(lx);
		if (lx->pos >= lx->len || !tlex_at_eol(lx))
			return;
		tlex_eat_newline(lx);
	}
}

#endif
