/*
 * pxt/types.h - column types, as Pixeltable names them, and how each is stored.
 *
 * Media types (Image, Video, Audio, Document) store a reference (a path or URL) as text,
 * never bytes. Array stores a PostgreSQL array of its element type (Float by default).
 * Binary stores bytes (bytea); JSON carries them as base64 (standard alphabet, padded).
 * Enum values are stored in the catalog by name, never by number.
 */
#ifndef PXT_TYPES_H
#define PXT_TYPES_H

#include "pxt/api.h"

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pxt_type {
	PXT_TYPE_NONE = 0,
	PXT_STRING,
	PXT_INT,
	PXT_FLOAT,
	PXT_BOOL,
	PXT_TIMESTAMP,
	PXT_DATE,
	PXT_UUID,
	PXT_JSON,
	PXT_ARRAY,
	PXT_IMAGE,
	PXT_VIDEO,
	PXT_AUDIO,
	PXT_DOCUMENT,
	PXT_BINARY,		/* bytes (bytea); base64 in JSON; appended: values never move */
	PXT_TYPE_COUNT_
} pxt_type;

/* pxt_type_name returns "String", "Int", ... (static); "?" for an invalid value. */
PXT_API const char *pxt_type_name(pxt_type t);

/* pxt_type_parse maps a name (case-insensitive) to a type; PXT_TYPE_NONE if unknown. */
PXT_API pxt_type pxt_type_parse(const char *name);

/*
 * pxt_type_sql returns the PostgreSQL type of a column (static): elem is the element
 * type of an Array (Int, Float, Bool or String; NONE means Float), ignored otherwise.
 * NULL for an invalid combination.
 */
PXT_API const char *pxt_type_sql(pxt_type t, pxt_type elem);

/* pxt_type_is_media: Image, Video, Audio or Document. */
PXT_API bool pxt_type_is_media(pxt_type t);

#ifdef __cplusplus
}
#endif
#endif
