/*
 * toml.c - a TOML 1.0 reader for pxtc's configuration and service files (pxt/toml.h).
 *
 * This file builds the tree: keys, [table] and [[array]] headers, dotted keys, arrays
 * and inline tables, and the rules about which tables may be defined or extended
 * when. The lexer (text check, strings, numbers, date-times) is in toml_lex.c.
 *
 * The parser is recursive descent. Only arrays and inline tables recurse, and every
 * container (made by a value, a header or a dotted key) records its depth from the
 * root, capped at TOML_MAX_DEPTH, so input cannot drive the recursion deeper.
 *
 * Every value, key and string of a document lives in one arena freed at once, so
 * error paths never free anything piecemeal. Tables are arrays of entries in file
 * order, searched linearly: fast for configuration-sized tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/toml_lex_int.h"

#define TOML_MAX_DEPTH	64	/* levels of tables, arrays and inline tables */
#define TOML_MAX_SEGS	64	/* parts of one dotted key */
#define TOML_CHUNK	8192	/* arena chunk size */
#define TOML_ALIGN	_Alignof(max_align_t)

enum {
	TF_HEADER = 1,		/* defined by [header], or element of [[header]] */
	TF_IMPLICIT = 2,	/* created as a prefix of a header, not yet defined */
	TF_DOTTED = 4,		/* table created or extended by dotted keys */
	TF_INLINE = 8,		/* inline table: complete once parsed */
	TF_AOT = 16		/* array made by [[header]]: may get more elements */
};

typedef struct toml_chunk {
	struct toml_chunk *next;
	size_t used, cap;
	max_align_t data[];
} toml_chunk;

struct pxt_toml {
	toml_chunk *chunks;
	pxt_toml_value *root;
};

/* One part of a (dotted) key: its decoded text is lx.buf[off .. off+len). */
typedef struct toml_seg {
	size_t off, len;
	int line, col;
} toml_seg;

typedef struct toml_parser {
	pxt_tlex lx;
	pxt_toml *doc;
	pxt_toml_value *cur;	/* the table key/value lines go to */
	toml_seg seg[TOML_MAX_SEGS];
	int nseg;
	const char *lastkey;	/* key of the last key/value parsed, for messages */
	size_t lastklen;
	char path[160];		/* printable key, for messages */
} toml_parser;

static pxt_err parse_value(toml_parser *p, int depth, pxt_toml_value **out);
static pxt_err perr(toml_parser *p, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static pxt_err err_here(toml_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- arena ------------------------------------------------------------------- */

static void *
arena_alloc(pxt_toml *doc, size_t size)
{
	toml_chunk *c = doc->chunks;
	size_t cap;
	void *mem;

	if (size > SIZE_MAX / 2)
		return NULL;
	size = (size + TOML_ALIGN - 1) & ~(TOML_ALIGN - 1);
	if (c == NULL || c->cap - c->used < size) {
		cap = size > TOML_CHUNK / 4 ? size : TOML_CHUNK;
		if ((c = malloc(sizeof(*c) + cap)) == NULL)
			return NULL;
		c->used = 0;
		c->cap = cap;
		if (cap == size && doc->chunks != NULL) {
			/* a big block: keep the partly used chunk in front */
			c->next = doc->chunks->next;
			doc->chunks->next = c;
		} else {
			c->next = doc->chunks;
			doc->chunks = c;
		}
	}
	mem = (char *)c->data + c->used;
	c->used += size;
	return mem;
}

/*
 * arena_grow returns a block of newsz bytes holding the first oldsz bytes of old. The
 * last block of the current chunk grows in place; others are copied (the old copy
 * stays in the arena, which at most doubles the memory of a growing array).
 */
static void *
arena_grow(pxt_toml *doc, void *old, size_t oldsz, size_t newsz)
{
	toml_chunk *c = doc->chunks;
	size_t o = (oldsz + TOML_ALIGN - 1) & ~(TOML_ALIGN - 1);
	size_t n = (newsz + TOML_ALIGN - 1) & ~(TOML_ALIGN - 1);
	void *mem;

	if (old != NULL && c != NULL && (char *)old + o == (char *)c->data + c->used &&
	    c->cap - c->used >= n - o) {
		c->used += n - o;
		return old;
	}
	if ((mem = arena_alloc(doc, newsz)) != NULL && oldsz > 0)
		memcpy(mem, old, oldsz);
	return mem;
}

/* ---- messages ---------------------------------------------------------------- */

/* perr records "FILE:LINE:COL: message" and returns PXT_ECONFIG. */
static pxt_err
perr(toml_parser *p, int line, int col, const char *fmt, ...)
{
	va_list ap;
	pxt_err err;

	va_start(ap, fmt);
	err = pxt_tlex_verr(&p->lx, line, col, fmt, ap);
	va_end(ap);
	return err;
}

/* err_here reports an error at the current position. */
static pxt_err
err_here(toml_parser *p, const char *fmt, ...)
{
	va_list ap;
	pxt_err err;

	va_start(ap, fmt);
	err = pxt_tlex_verr(&p->lx, p->lx.line, tlex_col(&p->lx), fmt, ap);
	va_end(ap);
	return err;
}

static const char *
kind_a(pxt_toml_kind k)
{
	static const char *const names[] = {"a table", "an array", "a string",
	    "an integer", "a float", "a boolean", "a date-time"};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "a value";
}

static void
put(char *out, size_t cap, size_t *o, const char *s, size_t n)
{
	while (n-- > 0 && *o + 1 < cap)
		out[(*o)++] = *s++;
	out[*o] = '\0';
}

/* fmt_key appends a key as a user would write it: bare when possible, else quoted. */
static void
fmt_key(char *out, size_t cap, size_t *o, const char *k, size_t n)
{
	char esc[8];
	size_t i;
	bool bare = n > 0;

	for (i = 0; i < n; i++)
		bare = bare && tlex_is_bare((unsigned char)k[i]);
	if (bare) {
		put(out, cap, o, k, n);
		return;
	}
	put(out, cap, o, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)k[i];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(out, cap, o, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04X", c);
			put(out, cap, o, esc, 6);
		} else {
			put(out, cap, o, k + i, 1);
		}
	}
	put(out, cap, o, "\"", 1);
}

/* seg_path formats the first upto+1 parts of the key just parsed into p->path. */
static const char *
seg_path(toml_parser *p, int upto)
{
	size_t o = 0;
	int i;

	p->path[0] = '\0';
	for (i = 0; i <= upto && i < p->nseg; i++) {
		if (i > 0)
			put(p->path, sizeof(p->path), &o, ".", 1);
		fmt_key(p->path, sizeof(p->path), &o, p->lx.buf + p->seg[i].off,
		    p->seg[i].len);
	}
	return p->path;
}

static const char *
key_name(toml_parser *p, const char *k, size_t n)
{
	size_t o = 0;

	p->path[0] = '\0';
	fmt_key(p->path, sizeof(p->path), &o, k, n);
	return p->path;
}

/* ---- values and tables ------------------------------------------------------- */

static char *
arena_strdup(toml_parser *p, const char *s, size_t n)
{
	char *d = arena_alloc(p->doc, n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/*
 * new_value allocates a value of kind k starting at line:col inside a container at
 * depth pdepth; tables and arrays deeper than TOML_MAX_DEPTH are refused.
 */
static pxt_err
new_value(toml_parser *p, pxt_toml_kind k, int pdepth, int line, int col,
    pxt_toml_value **out)
{
	pxt_toml_value *v = NULL;

	if ((k == PXT_TOML_TABLE || k == PXT_TOML_ARRAY) && pdepth + 1 > TOML_MAX_DEPTH)
		return perr(p, line, col, "nesting too deep: more than %d levels of "
		    "tables, arrays and inline tables", TOML_MAX_DEPTH);
	if ((v = arena_alloc(p->doc, sizeof(*v))) == NULL)
		return pxt_tlex_nomem(&p->lx);
	memset(v, 0, sizeof(*v));
	v->kind = k;
	v->depth = (unsigned char)(pdepth + 1);
	v->line = line;
	v->col = col;
	*out = v;
	return PXT_OK;
}

static pxt_err
add_entry(toml_parser *p, pxt_toml_value *t, const char *key, size_t klen,
    pxt_toml_value *v)
{
	pxt_toml_entry *e = t->u.tab.e;
	size_t cap = t->u.tab.cap;

	if (t->u.tab.n == cap) {
		cap = cap ? cap * 2 : 4;
		e = arena_grow(p->doc, e, t->u.tab.n * sizeof(*e), cap * sizeof(*e));
		if (e == NULL)
			return pxt_tlex_nomem(&p->lx);
		t->u.tab.e = e;
		t->u.tab.cap = cap;
	}
	e[t->u.tab.n].key = key;
	e[t->u.tab.n].klen = klen;
	e[t->u.tab.n].val = v;
	t->u.tab.n++;
	return PXT_OK;
}

static pxt_err
add_item(toml_parser *p, pxt_toml_value *a, pxt_toml_value *v)
{
	pxt_toml_value **items = a->u.arr.v;
	size_t cap = a->u.arr.cap;

	if (a->u.arr.n == cap) {
		cap = cap ? cap * 2 : 4;
		items = arena_grow(p->doc, items, a->u.arr.n * sizeof(*items),
		    cap * sizeof(*items));
		if (items == NULL)
			return pxt_tlex_nomem(&p->lx);
		a->u.arr.v = items;
		a->u.arr.cap = cap;
	}
	items[a->u.arr.n++] = v;
	return PXT_OK;
}

static pxt_toml_entry *
find(const pxt_toml_value *t, const char *k, size_t n)
{
	size_t i;

	for (i = 0; i < t->u.tab.n; i++)
		if (t->u.tab.e[i].klen == n && memcmp(t->u.tab.e[i].key, k, n) == 0)
			return &t->u.tab.e[i];
	return NULL;
}

/* add_table creates the table named by key part i of t, with the given flags. */
static pxt_err
add_table(toml_parser *p, pxt_toml_value *t, int i, int flags, pxt_toml_value **out)
{
	const toml_seg *sg = &p->seg[i];
	pxt_toml_value *v = NULL;
	char *key;
	pxt_err err;

	if ((err = new_value(p, PXT_TOML_TABLE, t->depth, sg->line, sg->col, &v)))
		return err;
	v->flags = (unsigned char)flags;
	if ((key = arena_strdup(p, p->lx.buf + sg->off, sg->len)) == NULL)
		return pxt_tlex_nomem(&p->lx);
	*out = v;
	return add_entry(p, t, key, sg->len, v);
}

/* ---- keys -------------------------------------------------------------------- */

/*
 * parse_key reads a key of one or more dot-separated parts (bare or quoted) into
 * p->seg and the scratch buffer. what names the expected thing in messages.
 */
static pxt_err
parse_key(toml_parser *p, const char *what)
{
	toml_seg *sg;
	char fb[16];
	pxt_err err;
	int c;

	p->nseg = 0;
	p->lx.blen = 0;
	for (;;) {
		tlex_skip_ws(&p->lx);
		if (p->nseg == TOML_MAX_SEGS)
			return err_here(p, "key has more than %d "
			    "dotted parts", TOML_MAX_SEGS);
		sg = &p->seg[p->nseg];
		sg->line = p->lx.line;
		sg->col = tlex_col(&p->lx);
		sg->off = p->lx.blen;
		c = tlex_peek(&p->lx);
		if (c == '"' || c == '\'') {
			if (p->lx.pos + 2 < p->lx.len && p->lx.s[p->lx.pos + 1] == c &&
			    p->lx.s[p->lx.pos + 2] == c)
				return perr(p, sg->line, sg->col, "a multi-line string "
				    "cannot be used as a key");
			if ((err = pxt_tlex_string(&p->lx, sg->line, sg->col)))
				return err;
		} else if (tlex_is_bare(c)) {
			size_t start = p->lx.pos;

			while (tlex_is_bare(tlex_peek(&p->lx)))
				p->lx.pos++;
			err = pxt_tlex_put(&p->lx, p->lx.s + start,
			    p->lx.pos - start);
			if (err != PXT_OK)
				return err;
		} else {
			return perr(p, sg->line, sg->col, "expected %s%s, found %s%s",
			    what, p->nseg ? " after '.'" : "",
			    pxt_tlex_found(&p->lx, fb), c >= 0x80 ||
			    (c > ' ' && strchr("=[]{},.#", c) == NULL) ?
			    " (bare keys may use only A-Z a-z 0-9 _ -; quote "
			    "other keys)" : "");
		}
		sg->len = p->lx.blen - sg->off;
		p->nseg++;
		tlex_skip_ws(&p->lx);
		if (tlex_peek(&p->lx) != '.')
			return PXT_OK;
		p->lx.pos++;
	}
}

/*
 * walk_parts follows the parts of a key but the last from table t, creating missing
 * tables with flags (TF_DOTTED for a dotted key, TF_IMPLICIT for a [header]), and
 * leaves the table the last part belongs to in *tp. Neither may reach into an inline
 * table; a dotted key may not reach into a table a [header] defined, and a header goes
 * into the last table of an array of tables.
 */
static pxt_err
walk_parts(toml_parser *p, pxt_toml_value *t, int flags, pxt_toml_value **tp)
{
	bool header = flags == TF_IMPLICIT;
	pxt_toml_value *v;
	pxt_toml_entry *e;
	toml_seg *sg;
	pxt_err err;
	int i;

	for (i = 0; i + 1 < p->nseg; i++) {
		sg = &p->seg[i];
		if ((e = find(t, p->lx.buf + sg->off, sg->len)) == NULL) {
			if ((err = add_table(p, t, i, flags, &t)))
				return err;
			continue;
		}
		v = e->val;
		if (header && v->kind == PXT_TOML_ARRAY && (v->flags & TF_AOT))
			v = v->u.arr.v[v->u.arr.n - 1];
		else if (v->kind != PXT_TOML_TABLE)
			return perr(p, sg->line, sg->col, "cannot use '%s' as a table: "
			    "it is already %s (line %d)", seg_path(p, i),
			    kind_a(v->kind), v->line);
		if (v->flags & TF_INLINE)
			return perr(p, sg->line, sg->col, header ? "cannot add to '%s': "
			    "it is an inline table (line %d), complete once defined" :
			    "cannot add keys to '%s': it is an inline table (line %d), "
			    "complete once defined", seg_path(p, i), v->line);
		if (!header && (v->flags & TF_HEADER))
			return perr(p, sg->line, sg->col, "cannot add keys to table "
			    "'%s' with dotted keys: it is defined by a [header] at "
			    "line %d", seg_path(p, i), v->line);
		if (!header)
			v->flags = TF_DOTTED;
		t = v;
	}
	*tp = t;
	return PXT_OK;
}

/*
 * parse_keyval parses "key = value" into table t; p->lastkey is left naming the key
 * for the caller's messages about what follows the value.
 */
static pxt_err
parse_keyval(toml_parser *p, pxt_toml_value *t)
{
	pxt_toml_value *v = NULL;
	pxt_toml_entry *e;
	toml_seg *last;
	char fb[16], *key;
	size_t klen;
	pxt_err err;

	if ((err = parse_key(p, "a key")))
		return err;
	if (tlex_peek(&p->lx) != '=')
		return err_here(p, "expected '=' after key '%s', found "
		    "%s", seg_path(p, p->nseg - 1), pxt_tlex_found(&p->lx, fb));
	p->lx.pos++;
	tlex_skip_ws(&p->lx);
	if ((err = walk_parts(p, t, TF_DOTTED, &t)))
		return err;
	last = &p->seg[p->nseg - 1];
	if ((e = find(t, p->lx.buf + last->off, last->len)) != NULL)
		return perr(p, last->line, last->col, "duplicate key '%s' (first "
		    "defined at line %d)", seg_path(p, p->nseg - 1), e->val->line);
	klen = last->len;
	if ((key = arena_strdup(p, p->lx.buf + last->off, klen)) == NULL)
		return pxt_tlex_nomem(&p->lx);
	if ((err = parse_value(p, t->depth, &v)))
		return err;
	if ((err = add_entry(p, t, key, klen, v)))
		return err;
	p->lastkey = key;
	p->lastklen = klen;
	return PXT_OK;
}

/* ---- table headers ----------------------------------------------------------- */

/* define_table finishes a [table] header in table t; line:col is its '['. */
static pxt_err
define_table(toml_parser *p, pxt_toml_value *t, int line, int col)
{
	toml_seg *sg = &p->seg[p->nseg - 1];
	const char *name = seg_path(p, p->nseg - 1);
	pxt_toml_entry *e;
	pxt_toml_value *v = NULL;
	pxt_err err;

	if ((e = find(t, p->lx.buf + sg->off, sg->len)) == NULL) {
		if ((err = add_table(p, t, p->nseg - 1, TF_HEADER, &p->cur)))
			return err;
		p->cur->line = line;	/* a table starts at its header's '[' */
		p->cur->col = col;
		return PXT_OK;
	}
	v = e->val;
	if (v->kind == PXT_TOML_TABLE && v->flags == TF_IMPLICIT) {
		v->flags = TF_HEADER;
		v->line = line;
		v->col = col;
		p->cur = v;
		return PXT_OK;
	}
	if (v->kind == PXT_TOML_TABLE)
		return perr(p, line, col, "table '%s' is already defined%s at line %d",
		    name, v->flags & TF_INLINE ? " as an inline table" :
		    v->flags & TF_DOTTED ? " by dotted keys" : "", v->line);
	if (v->flags & TF_AOT)
		return perr(p, line, col, "'%s' is an array of tables (line %d); use "
		    "[[%s]] to add an element", name, v->line, name);
	return perr(p, line, col, "cannot define table '%s': it is already %s "
	    "(line %d)", name, kind_a(v->kind), v->line);
}

/* append_table finishes an [[array]] header in table t; line:col is its '['. */
static pxt_err
append_table(toml_parser *p, pxt_toml_value *t, int line, int col)
{
	toml_seg *sg = &p->seg[p->nseg - 1];
	pxt_toml_entry *e;
	pxt_toml_value *a = NULL, *v = NULL;
	char *key;
	pxt_err err;

	if ((e = find(t, p->lx.buf + sg->off, sg->len)) == NULL) {
		if ((err = new_value(p, PXT_TOML_ARRAY, t->depth, line, col, &a)))
			return err;
		a->flags = TF_AOT;
		if ((key = arena_strdup(p, p->lx.buf + sg->off, sg->len)) == NULL)
			return pxt_tlex_nomem(&p->lx);
		if ((err = add_entry(p, t, key, sg->len, a)))
			return err;
	} else if ((a = e->val)->kind != PXT_TOML_ARRAY || !(a->flags & TF_AOT)) {
		const char *name = seg_path(p, p->nseg - 1);

		return perr(p, line, col, "cannot use [[%s]]: '%s' is already %s "
		    "(line %d)%s", name, name, kind_a(a->kind), a->line,
		    a->kind == PXT_TOML_ARRAY ? "; an array of tables must be "
		    "written only with [[...]] headers" : "");
	}
	if ((err = new_value(p, PXT_TOML_TABLE, a->depth, line, col, &v)))
		return err;
	v->flags = TF_HEADER;
	p->cur = v;
	return add_item(p, a, v);
}

/* parse_header parses "[a.b]" or "[[a.b]]" and makes it the current table. */
static pxt_err
parse_header(toml_parser *p)
{
	int line = p->lx.line, col = tlex_col(&p->lx);
	pxt_toml_value *t = NULL;
	bool aot;
	char fb[16];
	pxt_err err;

	p->lx.pos++;
	aot = tlex_peek(&p->lx) == '[';
	if (aot)
		p->lx.pos++;
	if ((err = parse_key(p, "a table name")))
		return err;
	if (tlex_peek(&p->lx) != ']' || (aot && (p->lx.pos + 1 >= p->lx.len ||
	    p->lx.s[p->lx.pos + 1] != ']'))) {
		if (tlex_peek(&p->lx) == ']')
			p->lx.pos++;
		return err_here(p, "expected '%s' to close the header "
		    "[%s%s, found %s", aot ? "]]" : "]", aot ? "[" : "",
		    seg_path(p, p->nseg - 1), pxt_tlex_found(&p->lx, fb));
	}
	p->lx.pos += aot ? 2 : 1;
	if ((err = walk_parts(p, p->doc->root, TF_IMPLICIT, &t)))
		return err;
	return aot ? append_table(p, t, line, col) : define_table(p, t, line, col);
}

/* ---- arrays and inline tables ------------------------------------------------ */

static pxt_err
parse_array(toml_parser *p, pxt_toml_value *a)
{
	int line = a->line, col = a->col;
	pxt_toml_value *v = NULL;
	char fb[16];
	pxt_err err;

	p->lx.pos++;
	for (;;) {
		tlex_skip_ws_nl(&p->lx);
		if (tlex_peek(&p->lx) == ']')
			break;
		if (tlex_peek(&p->lx) == -1)
			return perr(p, line, col, "unterminated array: missing ']'");
		if (tlex_peek(&p->lx) == ',')
			return err_here(p, "expected a value or ']', "
			    "found ','");
		if ((err = parse_value(p, a->depth, &v)) || (err = add_item(p, a, v)))
			return err;
		tlex_skip_ws_nl(&p->lx);
		if (tlex_peek(&p->lx) == ',') {
			p->lx.pos++;
			continue;
		}
		if (tlex_peek(&p->lx) == ']')
			break;
		if (tlex_peek(&p->lx) == -1)
			return perr(p, line, col, "unterminated array: missing ']'");
		return err_here(p, "expected ',' or ']' after an array "
		    "element, found %s", pxt_tlex_found(&p->lx, fb));
	}
	p->lx.pos++;
	return PXT_OK;
}

static pxt_err
parse_inline(toml_parser *p, pxt_toml_value *t)
{
	char fb[16];
	pxt_err err;

	t->flags = TF_INLINE;
	p->lx.pos++;
	tlex_skip_ws(&p->lx);
	if (tlex_peek(&p->lx) == '}') {
		p->lx.pos++;
		return PXT_OK;
	}
	for (;;) {
		tlex_skip_ws(&p->lx);
		if (tlex_peek(&p->lx) == '}')
			return err_here(p, "trailing comma is not allowed "
			    "in an inline table");
		if (tlex_at_eol(&p->lx))
			return err_here(p, "expected a key, found %s (an "
			    "inline table must be on one line; use a [table] for "
			    "longer ones)", pxt_tlex_found(&p->lx, fb));
		if ((err = parse_keyval(p, t)))
			return err;
		tlex_skip_ws(&p->lx);
		if (tlex_peek(&p->lx) == ',') {
			p->lx.pos++;
			continue;
		}
		if (tlex_peek(&p->lx) == '}')
			break;
		return err_here(p, "expected ',' or '}' after the value of key "
		    "'%s', found %s%s", key_name(p, p->lastkey, p->lastklen),
		    pxt_tlex_found(&p->lx, fb), tlex_at_eol(&p->lx) ?
		    " (an inline table must be on one line)" : "");
	}
	p->lx.pos++;
	return PXT_OK;
}

/*
 * parse_value parses the value at p->lx.pos inside a container at depth; recursion
 * happens only through arrays and inline tables, whose depth new_value bounds.
 */
static pxt_err
parse_value(toml_parser *p, int depth, pxt_toml_value **out)
{
	int c = tlex_peek(&p->lx), line = p->lx.line, col = tlex_col(&p->lx);
	pxt_toml_value *v = NULL;
	pxt_err err;

	if (c == '[' || c == '{') {
		err = new_value(p, c == '[' ? PXT_TOML_ARRAY : PXT_TOML_TABLE, depth,
		    line, col, &v);
		if (err == PXT_OK)
			err = c == '[' ? parse_array(p, v) : parse_inline(p, v);
		*out = v;
		return err;
	}
	if ((err = new_value(p, PXT_TOML_STRING, depth, line, col, &v)))
		return err;
	p->lx.blen = 0;
	if (c == '"' || c == '\'')
		err = pxt_tlex_string(&p->lx, line, col);
	else
		err = pxt_tlex_scalar(&p->lx, v);
	if (err == PXT_OK &&
	    (v->kind == PXT_TOML_STRING || v->kind == PXT_TOML_DATETIME)) {
		/* the text is in the scratch buffer */
		v->u.str.len = p->lx.blen;
		if ((v->u.str.s = arena_strdup(p, p->lx.buf, p->lx.blen)) == NULL)
			err = pxt_tlex_nomem(&p->lx);
	}
	*out = v;
	return err;
}

/* ---- document ---------------------------------------------------------------- */

/* end_line accepts whitespace, a comment and a newline (or the end) after a line. */
static pxt_err
end_line(toml_parser *p, bool header)
{
	char fb[16];

	tlex_skip_ws(&p->lx);
	tlex_skip_comment(&p->lx);
	if (p->lx.pos >= p->lx.len)
		return PXT_OK;
	if (tlex_at_eol(&p->lx)) {
		tlex_eat_newline(&p->lx);
		return PXT_OK;
	}
	if (header)
		return err_here(p, "expected end of line after the table "
		    "header, found %s", pxt_tlex_found(&p->lx, fb));
	return err_here(p, "expected end of line after the value of "
	    "key '%s', found %s (put each key = value on its own line)",
	    key_name(p, p->lastkey, p->lastklen), pxt_tlex_found(&p->lx, fb));
}

static pxt_err
parse_doc(toml_parser *p)
{
	pxt_err err;
	int c;

	while (p->lx.pos < p->lx.len) {
		tlex_skip_ws(&p->lx);
		c = tlex_peek(&p->lx);
		if (c == '[')
			err = parse_header(p);
		else if (c != '#' && !tlex_at_eol(&p->lx))
			err = parse_keyval(p, p->cur);
		else
			err = PXT_OK;
		if (err == PXT_OK)
			err = end_line(p, c == '[');
		if (err != PXT_OK)
			return err;
	}
	return PXT_OK;
}

pxt_err
pxt_toml_parse(const char *text, size_t len, const char *filename, pxt_toml **out)
{
	toml_parser p;
	pxt_err err;

	if (out == NULL || (text == NULL && len > 0))
		return pxt_seterr(PXT_EINVAL, "pxt_toml_parse: NULL argument");
	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.lx.s = text != NULL ? text : "";
	p.lx.len = len;
	p.lx.line = 1;
	p.lx.file = filename != NULL ? filename : "<toml>";
	if ((p.doc = calloc(1, sizeof(*p.doc))) == NULL)
		return pxt_tlex_nomem(&p.lx);
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		p.lx.pos = p.lx.bol = 3;	/* a byte order mark */
	err = pxt_tlex_put(&p.lx, "", 0);	/* the scratch buffer is never NULL */
	if (err == PXT_OK)
		err = pxt_tlex_check(&p.lx);
	if (err == PXT_OK)
		err = new_value(&p, PXT_TOML_TABLE, -1, 1, 1, &p.doc->root);
	if (err == PXT_OK) {
		p.doc->root->flags = TF_HEADER;
		p.cur = p.doc->root;
		err = parse_doc(&p);
	}
	free(p.lx.buf);
	if (err != PXT_OK) {
		pxt_toml_free(p.doc);
		return err;
	}
	*out = p.doc;
	return PXT_OK;
}

/* ---- accessors --------------------------------------------------------------- */

void
pxt_toml_free(pxt_toml *doc)
{
	toml_chunk *c, *next;

	if (doc == NULL)
		return;
	for (c = doc->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(doc);
}

const pxt_toml_value *
pxt_toml_root(const pxt_toml *doc)
{
	return doc != NULL ? doc->root : NULL;
}

pxt_toml_kind
pxt_toml_kind_of(const pxt_toml_value *v)
{
	return v->kind;
}

const char *
pxt_toml_kind_name(pxt_toml_kind k)
{
	static const char *const names[] = {"table", "array", "string", "integer",
	    "float", "boolean", "date-time"};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "unknown";
}

const pxt_toml_value *
pxt_toml_get(const pxt_toml_value *t, const char *key)
{
	pxt_toml_entry *e;

	if (t == NULL || t->kind != PXT_TOML_TABLE || key == NULL)
		return NULL;
	e = find(t, key, strlen(key));
	return e != NULL ? e->val : NULL;
}

size_t
pxt_toml_len(const pxt_toml_value *v)
{
	if (v != NULL && v->kind == PXT_TOML_TABLE)
		return v->u.tab.n;
	if (v != NULL && v->kind == PXT_TOML_ARRAY)
		return v->u.arr.n;
	return 0;
}

const pxt_toml_value *
pxt_toml_at(const pxt_toml_value *v, size_t i, const char **key)
{
	if (v != NULL && v->kind == PXT_TOML_TABLE && i < v->u.tab.n) {
		if (key != NULL)
			*key = v->u.tab.e[i].key;
		return v->u.tab.e[i].val;
	}
	if (v != NULL && v->kind == PXT_TOML_ARRAY && i < v->u.arr.n)
		return v->u.arr.v[i];
	return NULL;
}

const char *
pxt_toml_str(const pxt_toml_value *v, size_t *len)
{
	if (v == NULL || (v->kind != PXT_TOML_STRING && v->kind != PXT_TOML_DATETIME))
		return NULL;
	if (len != NULL)
		*len = v->u.str.len;
	return v->u.str.s;
}

int64_t
pxt_toml_int(const pxt_toml_value *v)
{
	return v != NULL && v->kind == PXT_TOML_INT ? v->u.i : 0;
}

double
pxt_toml_float(const pxt_toml_value *v)
{
	return v != NULL && v->kind == PXT_TOML_FLOAT ? v->u.f : 0.0;
}

bool
pxt_toml_bool(const pxt_toml_value *v)
{
	return v != NULL && v->kind == PXT_TOML_BOOL && v->u.b;
}

int
pxt_toml_line(const pxt_toml_value *v)
{
	return v != NULL ? v->line : 0;
}

int
pxt_toml_col(const pxt_toml_value *v)
{
	return v != NULL ? v->col : 0;
}
