/*
 * types.c - names and storage of the column types (see pxt/types.h).
 */
#include <stddef.h>
#include <strings.h>

#include "pxt/types.h"

static const struct {
	const char *name;
	const char *sql;
} pxt_types[PXT_TYPE_COUNT_] = {
	[PXT_TYPE_NONE] = {"?", NULL},
	[PXT_STRING] = {"String", "text"},
	[PXT_INT] = {"Int", "bigint"},
	[PXT_FLOAT] = {"Float", "double precision"},
	[PXT_BOOL] = {"Bool", "boolean"},
	[PXT_TIMESTAMP] = {"Timestamp", "timestamptz"},
	[PXT_DATE] = {"Date", "date"},
	[PXT_UUID] = {"UUID", "uuid"},
	[PXT_JSON] = {"Json", "jsonb"},
	[PXT_ARRAY] = {"Array", NULL},
	[PXT_IMAGE] = {"Image", "text"},
	[PXT_VIDEO] = {"Video", "text"},
	[PXT_AUDIO] = {"Audio", "text"},
	[PXT_DOCUMENT] = {"Document", "text"},
	[PXT_BINARY] = {"Binary", "bytea"},
};

const char *
pxt_type_name(pxt_type t)
{
	if ((unsigned)t >= PXT_TYPE_COUNT_)
		return "?";
	return pxt_types[t].name;
}

pxt_type
pxt_type_parse(const char *name)
{
	for (int t = 1; t < PXT_TYPE_COUNT_; t++)
		if (strcasecmp(name, pxt_types[t].name) == 0)
			return (pxt_type)t;
	return PXT_TYPE_NONE;
}

const char *
pxt_type_sql(pxt_type t, pxt_type elem)
{
	if (t == PXT_ARRAY) {
		switch (elem) {
		case PXT_TYPE_NONE:
		case PXT_FLOAT:
			return "double precision[]";
		case PXT_INT:
			return "bigint[]";
		case PXT_BOOL:
			return "boolean[]";
		case PXT_STRING:
			return "text[]";
		default:
			return NULL;
		}
	}
	if (t <= PXT_TYPE_NONE || t >= PXT_TYPE_COUNT_)
		return NULL;
	return pxt_types[t].sql;
}

bool
pxt_type_is_media(pxt_type t)
{
	return t == PXT_IMAGE || t == PXT_VIDEO || t == PXT_AUDIO || t == PXT_DOCUMENT;
}
