/*
 * pxt/api.h - PXT_API marks the functions libpxt exports. libpxt is built with hidden
 * visibility, so a function without the mark stays internal to the library; every
 * function declared in the public headers (app/include/pxt) carries it.
 */
#ifndef PXT_API_H
#define PXT_API_H

#if defined(__GNUC__) || defined(__clang__)
#define PXT_API __attribute__((visibility("default")))
#else
#define PXT_API
#endif

#endif
