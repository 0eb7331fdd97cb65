/*
 * openapi_media.c - value schemas of the OpenAPI document (openapi_int.h): a type as
 * JSON Schema, a column's with its comment as description, media as URIs with their
 * contentMediaType; the multipart/form-data body of a route taking uploads (files as
 * binary strings, the other inputs as form fields); the content of a
 * return_fileresponse answer (the media types of its column's type).
 *
 * Media types, by column type. A property holds a reference (a URL), so its
 * contentMediaType is the range of the file it names ("image/" "*", and the same
 * for video and audio), and for a Document, which may be a PDF, HTML, Markdown or plain text, the generic
 * application/octet-stream. Files themselves (an upload, a file answer) are declared
 * with the types pxtc names them by (media_url.c's pxt_media_type, nginx.conf's types).
 */
#include <string.h>

#include "catalog/catalog_int.h"
#include "http/openapi_int.h"

static const char *const pxt_oa_image_types[] = {"image/png", "image/jpeg",
    "image/gif", "image/webp", "image/tiff", "image/bmp", "image/svg+xml", NULL};
static const char *const pxt_oa_video_types[] = {"video/mp4", "video/webm",
    "video/quicktime", NULL};
static const char *const pxt_oa_audio_types[] = {"audio/mpeg", "audio/wav",
    "audio/ogg", "audio/flac", NULL};
static const char *const pxt_oa_doc_types[] = {"application/pdf", "text/html",
    "text/markdown", "text/plain", NULL};

static const struct {
	pxt_type type;
	const char *range;
	const char *const *types;
} pxt_oa_media[] = {
	{PXT_IMAGE, "image/*", pxt_oa_image_types},
	{PXT_VIDEO, "video/*", pxt_oa_video_types},
	{PXT_AUDIO, "audio/*", pxt_oa_audio_types},
	{PXT_DOCUMENT, "application/octet-stream", pxt_oa_doc_types},
};

#define PXT_OA_NMEDIA (sizeof(pxt_oa_media) / sizeof(pxt_oa_media[0]))

/* The entry of media type t in pxt_oa_media, or -1. */
static int
pxt_oa_media_index(pxt_type t)
{
	for (size_t i = 0; i < PXT_OA_NMEDIA; i++)
		if (pxt_oa_media[i].type == t)
			return (int)i;
	return -1;
}

/*
 * The schema of a value of type t; desc (a column's comment) replaces the type's own
 * description when given.
 */
static void
pxt_oa_type_desc(pxt_jw *w, pxt_type t, pxt_type elem, bool nullable, bool response,
    const char *desc)
{
	const char *type = "string", *format = NULL, *note = NULL;
	int m = pxt_oa_media_index(t);

	switch (t) {
	case PXT_INT:
		type = "integer";
		format = "int64";
		break;
	case PXT_FLOAT:
		type = "number";
		format = "double";
		break;
	case PXT_BOOL:
		type = "boolean";
		break;
	case PXT_TIMESTAMP:
		format = "date-time";
		note = "an RFC 3339 timestamp";
		break;
	case PXT_DATE:
		format = "date";
		break;
	case PXT_UUID:
		format = "uuid";
		break;
	case PXT_BINARY:
		format = "byte";
		note = "bytes, base64 (standard alphabet, padded)";
		break;
	case PXT_JSON:
		note = "any JSON value";
		break;
	case PXT_ARRAY:
		type = "array";
		break;
	case PXT_STRING:
		break;
	default:	/* media: a reference, never bytes */
		format = "uri";
		note = response ? "the path or URL as given, or a signed, expiring /media/ "
		    "URL for a file of the media store" : "an absolute path inside "
		    "[pixeltable] media_roots, or a URL (http, https, s3, gs, az)";
		break;
	}
	pxt_jw_obj_begin(w);
	if (t == PXT_JSON) {
		if (!nullable)
			pxt_oa_kraw(w, "type", "[\"object\",\"array\",\"string\",\"number\","
			    "\"boolean\"]");
	} else if (nullable) {
		pxt_jw_key(w, "type");
		pxt_jw_arr_begin(w);
		pxt_jw_cstr(w, type);
		pxt_jw_cstr(w, "null");
		pxt_jw_arr_end(w);
	} else {
		pxt_oa_kstr(w, "type", type);
	}
	if (format != NULL)
		pxt_oa_kstr(w, "format", format);
	if (m >= 0)
		pxt_oa_kstr(w, "contentMediaType", pxt_oa_media[m].range);
	if (t == PXT_BINARY)
		pxt_oa_kstr(w, "contentEncoding", "base64");
	if (t == PXT_ARRAY) {
		pxt_jw_key(w, "items");
		pxt_oa_type(w, elem != PXT_TYPE_NONE ? elem : PXT_FLOAT, PXT_TYPE_NONE, false,
		    response);
	}
	if (desc != NULL && *desc != '\0')
		pxt_oa_kstr(w, "description", desc);
	else if (note != NULL)
		pxt_oa_kstr(w, "description", note);
	pxt_oa_kstr(w, "x-pxt-type", pxt_type_name(t));
	pxt_jw_obj_end(w);
}

void
pxt_oa_type(pxt_jw *w, pxt_type t, pxt_type elem, bool nullable, bool response)
{
	pxt_oa_type_desc(w, t, elem, nullable, response, NULL);
}

void
pxt_oa_column(pxt_jw *w, const pxt_column *c, bool nullable, bool response)
{
	pxt_oa_type_desc(w, c->type, c->elem, nullable, response, c->comment);
}

/* An uploaded file of media column c: its bytes, in a form. */
static void
pxt_oa_upload(pxt_jw *w, const pxt_column *c)
{
	int m = pxt_oa_media_index(c->type);

	pxt_jw_obj_begin(w);
	pxt_oa_kstr(w, "type", "string");
	pxt_oa_kstr(w, "format", "binary");
	if (m >= 0)
		pxt_oa_kstr(w, "contentMediaType", pxt_oa_media[m].range);
	pxt_oa_kstr(w, "description", c->comment != NULL && *c->comment != '\0' ?
	    c->comment : "the file itself (stored under the media store's uploads), "
	    "or as a plain field a path or URL");
	pxt_oa_kstr(w, "x-pxt-type", pxt_type_name(c->type));
	pxt_jw_obj_end(w);
}

void
pxt_oa_form_property(pxt_jw *w, const struct pxt_table_route *tr, const pxt_column *c,
    bool nullable)
{
	if (pxt_type_is_media(c->type) && pxt_in_list(tr->uploads, c->name))
		pxt_oa_upload(w, c);
	else
		pxt_oa_column(w, c, nullable, false);
}

/* The media types of type t joined with ", " (an encoding's contentType). */
static void
pxt_oa_type_list(pxt_jw *w, const char *key, int m)
{
	pxt_buf b = PXT_BUF_INIT;

	for (int i = 0; pxt_oa_media[m].types[i] != NULL; i++)
		pxt_buf_addf(&b, "%s%s", i > 0 ? ", " : "", pxt_oa_media[m].types[i]);
	if (!b.failed) {
		pxt_jw_key(w, key);
		pxt_jw_cstr(w, pxt_buf_str(&b));
	}
	pxt_buf_free(&b);
}

bool
pxt_oa_takes_form(const struct pxt_route *rt)
{
	const struct pxt_table_route *tr = rt->desc;

	return tr != NULL && (rt->kind == PXT_ROUTE_INSERT || rt->kind ==
	    PXT_ROUTE_UPDATE || rt->kind == PXT_ROUTE_COMPUTE) && tr->uploads != NULL &&
	    tr->uploads[0] != NULL;
}

void
pxt_oa_form_content(pxt_jw *w, const struct pxt_table_route *tr)
{
	pxt_jw_key(w, "multipart/form-data");
	pxt_jw_obj_begin(w);
	pxt_jw_key(w, "schema");
	pxt_oa_table_request(w, tr, true);
	pxt_jw_key(w, "encoding");
	pxt_jw_obj_begin(w);
	for (int i = 0; i < tr->t->ncols; i++) {
		const pxt_column *c = &tr->t->cols[i];
		int m = pxt_oa_media_index(c->type);

		if (m < 0 || !pxt_in_list(tr->uploads, c->name) || !pxt_is_input(tr, c))
			continue;
		pxt_jw_key(w, c->name);
		pxt_jw_obj_begin(w);
		pxt_oa_type_list(w, "contentType", m);
		pxt_jw_obj_end(w);
	}
	pxt_jw_obj_end(w);
	pxt_jw_obj_end(w);
}

void
pxt_oa_file_content(pxt_jw *w, pxt_type t)
{
	int m = pxt_oa_media_index(t);

	for (int i = 0; m >= 0 && pxt_oa_media[m].types[i] != NULL; i++) {
		pxt_jw_key(w, pxt_oa_media[m].types[i]);
		pxt_jw_obj_begin(w);
		pxt_jw_key(w, "schema");
		pxt_jw_obj_begin(w);
		pxt_oa_kstr(w, "type", "string");
		pxt_oa_kstr(w, "format", "binary");
		pxt_oa_kstr(w, "contentMediaType", pxt_oa_media[m].types[i]);
		pxt_jw_obj_end(w);
		pxt_jw_obj_end(w);
	}
}
