/*
 * query_ops.c - the conditions and parameters of named queries beyond the first ones
 * (see pxt/query.h): >=, <=, !=, NOT, IN (literal values or a Json array parameter),
 * string length, parameters with a default, and a limit taken from a parameter.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/query_int.h"

pxt_qexpr *pxt_q_ge(pxt_qexpr *a, pxt_qexpr *b) { return pxt_q_binary(PXT_Q_GE, a, b); }
pxt_qexpr *pxt_q_le(pxt_qexpr *a, pxt_qexpr *b) { return pxt_q_binary(PXT_Q_LE, a, b); }
pxt_qexpr *pxt_q_ne(pxt_qexpr *a, pxt_qexpr *b) { return pxt_q_binary(PXT_Q_NE, a, b); }

pxt_qexpr *
pxt_q_not(pxt_qexpr *a)
{
	pxt_qexpr *e;

	if (a == NULL || (e = pxt_q_node(a->q, PXT_Q_NOT)) == NULL)
		return NULL;
	if (pxt_q_type(a) != PXT_BOOL || a->op == PXT_Q_COL)
		pxt_q_error(a->q, PXT_EINVAL, "NOT needs a condition%s", "");
	e->a = a;
	return e;
}

pxt_qexpr *
pxt_q_len(pxt_qexpr *a)
{
	pxt_qexpr *e;

	if (a == NULL || (e = pxt_q_node(a->q, PXT_Q_LEN)) == NULL)
		return NULL;
	if (pxt_q_type(a) != PXT_STRING)
		pxt_q_error(a->q, PXT_EINVAL, "length needs a String, got %s",
		    pxt_type_name(pxt_q_type(a)));
	e->a = a;
	return e;
}

bool
pxt_q_text_ok(pxt_pool *pool, pxt_type type, const char *text)
{
	pxt_json *j;
	char *end;

	errno = 0;
	switch (type) {
	case PXT_INT:
		(void)strtoll(text, &end, 10);
		return *text != '\0' && *end == '\0' && errno == 0;
	case PXT_FLOAT:
		(void)strtod(text, &end);
		return *text != '\0' && *end == '\0' && errno == 0;
	case PXT_BOOL:
		return strcmp(text, "true") == 0 || strcmp(text, "false") == 0;
	case PXT_UUID:
		return pxt_is_uuid(text);
	case PXT_TIMESTAMP:
		return pxt_is_timestamp(text);
	case PXT_JSON:
		return pxt_json_parse(pool, text, strlen(text), 8, &j) == PXT_OK &&
		    j->type == PXT_JSON_ARRAY;
	default:
		return true;
	}
}

pxt_qexpr *
pxt_q_list(pxt_query *q, const char *const *values)
{
	pxt_qexpr *e = pxt_q_node(q, PXT_Q_LIST);
	int n = 0;

	if (e == NULL || values == NULL)
		return NULL;
	while (values[n] != NULL)
		n++;
	if ((e->list = pxt_pcalloc(q->pool, sizeof(char *) * ((size_t)n + 1))) == NULL)
		return NULL;
	for (int i = 0; i < n; i++)
		if ((e->list[i] = pxt_pstrdup(q->pool, values[i])) == NULL)
			return NULL;
	e->nlist = n;
	e->type = PXT_TYPE_NONE;	/* set by pxt_q_in */
	return e;
}

pxt_qexpr *
pxt_q_in(pxt_qexpr *a, pxt_qexpr *list)
{
	pxt_query *q = a ? a->q : list ? list->q : NULL;
	pxt_type ta;
	pxt_qexpr *e;

	if (a == NULL || list == NULL || (e = pxt_q_node(q, PXT_Q_IN)) == NULL)
		return NULL;
	e->a = a;
	e->b = list;
	ta = pxt_q_type(a);
	if (ta == PXT_JSON || ta == PXT_ARRAY || ta == PXT_BOOL) {
		pxt_q_error(q, PXT_EINVAL, "IN cannot compare %s values", pxt_type_name(ta));
	} else if (list->op == PXT_Q_LIST) {
		list->type = ta;
		for (int i = 0; i < list->nlist; i++)
			if (!pxt_q_text_ok(q->pool, ta, list->list[i]))
				pxt_q_error(q, PXT_EINVAL, "IN: '%s' is not a value of the "
				    "column's type", list->list[i]);
	} else if (list->op == PXT_Q_PARAM && pxt_q_type(list) == PXT_JSON) {
		struct pxt_qparam *p = &q->params[list->param];

		if (p->elem != PXT_TYPE_NONE && p->elem != ta)
			pxt_q_error(q, PXT_EINVAL, "parameter '%s' is the list of two IN of "
			    "different types", p->name);
		p->elem = ta;
	} else {
		pxt_q_error(q, PXT_EINVAL, "IN needs a list of values (pxt_q_list) or a Json "
		    "parameter%s", "");
	}
	return e;
}

pxt_qexpr *
pxt_q_param_default(pxt_query *q, const char *name, pxt_type type, const char *def)
{
	pxt_qexpr *e = pxt_q_param(q, name, type);

	if (e == NULL)
		return NULL;
	if (def == NULL || !pxt_q_text_ok(q->pool, type, def))
		pxt_q_error(q, PXT_EINVAL, "has an invalid default for parameter '%s'", name);
	else if ((q->params[e->param].def = pxt_pstrdup(q->pool, def)) == NULL)
		return NULL;
	return e;
}

void
pxt_query_limit_param(pxt_query *q, pxt_qexpr *p)
{
	if (q == NULL)
		return;
	if (p == NULL || p->op != PXT_Q_PARAM || pxt_q_type(p) != PXT_INT)
		pxt_q_error(q, PXT_EINVAL, "limits by something not an Int parameter%s", "");
	else if (q->limit_param != 0 || q->limit_max != 0)
		pxt_q_error(q, PXT_EINVAL, "has two limits%s", "");
	else {
		q->limit_param = p->param + 1;
		q->params[p->param].nonneg = true;
	}
}
