/*
 * fuzz_doc_nopdf.c - test scaffolding for the fuzz_doc target only, never part of
 * libpxt: it stands in for app/lib/docs/doc_pdf.c, so the fuzz build links the document
 * reader without poppler, glib and lazylib.c. fuzz_doc never asks for a PDF (it reads
 * from memory, and pxt_doc_from_memory does not take "pdf"); should anything still
 * reach the PDF reader, it answers PXT_EUNSUPPORTED.
 */
#include "docs/doc_reader_int.h"

/*
 * pxt_doc_pdf, as the fuzz build has it: returns PXT_EUNSUPPORTED with a message
 * naming b->doc->path, and reads nothing.
 */
pxt_err
pxt_doc_pdf(struct pxt_doc_build *b)
{
	return pxt_seterr(PXT_EUNSUPPORTED, "%s: PDF is not compiled into this fuzz "
	    "target", b->doc->path);
}
