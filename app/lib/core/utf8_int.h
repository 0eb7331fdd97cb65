/*
 * utf8_int.h - strict UTF-8 validation (internal to libpxt; also compiled into the fuzz
 * targets of the parsers that use it).
 */
#ifndef PXT_UTF8_H
#define PXT_UTF8_H

#include <stddef.h>

/*
 * pxt_utf8_len returns the length (1 to 4) of the well-formed UTF-8 sequence at s, which
 * has n > 0 bytes available, or 0 when the bytes there are not well-formed UTF-8.
 */
size_t pxt_utf8_len(const unsigned char *s, size_t n);

#endif
